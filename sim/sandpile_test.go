package sim

import (
	"slices"
	"testing"

	"github.com/quenchlab/quench"
	"github.com/quenchlab/quench/backendtest"
)

// Every measurement row of a sandpile run holds, under each column's name,
// that grain's avalanche as the plain reference computes it (grain g at
// quench.GrainSite, avalanche number g+1), and the mean height after it.
func TestSandpileRowsByName(t *testing.T) {
	cfg := Config{Model: "sandpile", Shape: []int{6, 5}, Sweeps: 3000, Every: 1, Seed: 9, Start: "hot"}
	st0, err := NewState(cfg)
	if err != nil {
		t.Fatal(err)
	}
	lat := cfg.Lattice()
	h := slices.Clone(st0.Heights)
	act, stamp := slices.Clone(st0.Activity), slices.Clone(st0.Stamp)
	st, _ := simulate(t, cfg)
	col := map[string]int{}
	for j, name := range SandpileColumns {
		col[name] = j + 1 // after the grain number
	}
	if len(st.Rows) != 3000 {
		t.Fatalf("%d rows, want 3000", len(st.Rows))
	}
	var big int
	for g, row := range st.Rows {
		ctr := quench.Counter{Seed: cfg.Seed, Step: uint64(g)}
		av := backendtest.RefSandpileAdd(h, act, stamp, lat, quench.GrainSite(ctr, ctr.Step, lat.Sites()), int32(g+1))
		var sum int64
		for _, v := range h {
			sum += int64(v)
		}
		want := map[string]float64{"avalanche_size": float64(av.Size), "avalanche_area": float64(av.Area),
			"avalanche_duration": float64(av.Duration), "grains_lost": float64(av.Lost),
			"mean_height": float64(sum) / float64(lat.Sites())}
		for name, w := range want {
			if row[col[name]] != w {
				t.Fatalf("grain %d: %s %v, reference %v (avalanche %+v)", g+1, name, row[col[name]], w, av)
			}
		}
		if av.Area != av.Duration {
			big++
		}
	}
	if big < 100 { // the check must see avalanches whose area and duration differ
		t.Errorf("only %d avalanches with area != duration", big)
	}
}
