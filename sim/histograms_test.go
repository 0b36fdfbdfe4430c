package sim

import (
	"encoding/csv"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/quenchlab/quench"
)

// A sandpile's summary histograms: height_final counts every site of the
// final heights by value; the avalanche histograms bin the measurement
// column of their own name (LogBins), site_activity the activity; and
// histograms.csv holds each histogram's counts and each profile's mean and
// error bar in their columns.
func TestSandpileHistogramsByName(t *testing.T) {
	cfg := Config{Model: "sandpile", Shape: []int{12, 10}, Sweeps: 3000, Every: 1, Seed: 3, Start: "hot"}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	st, _ := simulate(t, cfg)
	sum, _ := MakeSummary(st, "cpu")
	heights := make([]int64, 4)
	for _, h := range st.Heights {
		heights[h]++
	}
	if got := sum.Histograms["height_final"]; !slices.Equal(got, heights) {
		t.Errorf("height_final %v, want %v", got, heights)
	}
	col := func(name string) []float64 {
		j := slices.Index(SandpileColumns, name) + 1 // after the grain number
		x := make([]float64, len(st.Rows))
		for i, r := range st.Rows {
			x[i] = r[j]
		}
		return x
	}
	for _, name := range []string{"avalanche_size", "avalanche_area", "avalanche_duration"} {
		if got, want := sum.Histograms[name], LogBins(col(name)); !slices.Equal(got, want) {
			t.Errorf("%s histogram %v, want %v (LogBins of its column)", name, got, want)
		}
	}
	// the three columns must differ, or the check above could not tell them apart
	if slices.Equal(LogBins(col("avalanche_size")), LogBins(col("avalanche_area"))) ||
		slices.Equal(LogBins(col("avalanche_area")), LogBins(col("avalanche_duration"))) {
		t.Fatalf("the avalanche histograms coincide: the run is too small to tell them apart")
	}
	act := make([]float64, len(st.Activity))
	for i, a := range st.Activity {
		act[i] = float64(a)
	}
	if got, want := sum.Histograms["site_activity"], LogBins(act); !slices.Equal(got, want) {
		t.Errorf("site_activity %v, want %v", got, want)
	}

	dir := t.TempDir()
	if err := WriteOutputs(dir, st, sum); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join(dir, HistogramsFile))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil || len(recs) < 2 || !slices.Equal(recs[0], []string{"name", "bin", "lo", "hi", "value", "error"}) {
		t.Fatalf("histograms.csv: %v, %v", err, recs[:min(1, len(recs))])
	}
	fmtp := func(x *float64) string {
		if x == nil {
			return ""
		}
		return strconv.FormatFloat(*x, 'g', -1, 64)
	}
	errors := 0
	for _, r := range recs[1:] {
		i, _ := strconv.Atoi(r[1])
		if r[2] == "" || r[3] == "" {
			t.Errorf("histograms.csv row %v: no bin range", r)
		}
		r = append(r[:2], r[4:]...) // (BinRange's columns: TestBinRange)
		if h, ok := sum.Histograms[r[0]]; ok {
			if r[2] != strconv.FormatInt(h[i], 10) || r[3] != "" {
				t.Errorf("histograms.csv row %v: want %d and no error", r, h[i])
			}
			continue
		}
		p, ok := sum.Profiles[r[0]]
		if !ok {
			t.Fatalf("histograms.csv row %v: no such histogram or profile", r)
		}
		if r[2] != fmtp(p.Mean[i]) || r[3] != fmtp(p.Error[i]) {
			t.Errorf("histograms.csv row %v: want mean %s error %s", r, fmtp(p.Mean[i]), fmtp(p.Error[i]))
		}
		if p.Error[i] != nil && p.Mean[i] != nil && *p.Error[i] != *p.Mean[i] {
			errors++
		}
	}
	if errors == 0 {
		t.Errorf("no profile entry with an error bar apart from its mean: the error column is not checked")
	}
}

// stateHash, verify's digest of a final state, depends on the state of
// every model: one mass, height, activity, stamp or spin changed changes
// it.
func TestStateHashCoversState(t *testing.T) {
	for _, st := range []*State{
		{Config: Config{Model: "kmp"}, Masses: []int64{1 << 32, 2 << 32, 3}},
		{Config: Config{Model: "aggregation"}, Masses: []int64{5, 0, 7}},
		{Config: Config{Model: "sandpile"}, Heights: []uint8{1, 2, 3}, Activity: []int64{4, 5, 6}, Stamp: []int32{7, 8, 9}},
		{Config: Config{Model: "ising2d"}, Spins: []int8{1, -1, 1}},
		{Config: Config{Model: "phi4"}, Field: []float64{0.5, -1, 2}},
	} {
		h0 := stateHash(st)
		for _, change := range []func(){
			func() { st.Masses[1]++ },
			func() { st.Heights[2]++ },
			func() { st.Activity[0]++ },
			func() { st.Stamp[1]++ },
			func() { st.Spins[0] = -st.Spins[0] },
			func() { st.Field[2] = 3 },
		} {
			ok := func() (ok bool) {
				defer func() { ok = recover() == nil }()
				change()
				return
			}()
			if !ok {
				continue // the model has no such part
			}
			if h := stateHash(st); h == h0 {
				t.Errorf("%s: a changed state hashes as before", st.Config.Model)
			}
			h0 = stateHash(st)
		}
	}
}

// Site updates per ns count every sweep the run timed, thermalization
// included (SweepSeconds covers them all).
func TestSiteUpdatesPerNs(t *testing.T) {
	st := &State{Config: Config{Model: "ising2d", Shape: []int{8, 8}, Therm: 100, Sweeps: 300}, Step: 400, SweepSeconds: 1e-3}
	if got, want := st.SiteUpdatesPerNs(), 400*64/1e-3/1e9; got != want {
		t.Errorf("SiteUpdatesPerNs %v, want %v", got, want)
	}
}

// BinRange's ranges hold the values the binning puts in each bin: LogBins'
// counts, MassProfile's P(m) bins (linear in m/<m>, logarithmic in mass
// units), the heights; and they tile their axis from 0, bin after bin.
func TestBinRange(t *testing.T) {
	num := func(s string) float64 {
		if s == "inf" {
			return math.Inf(1)
		}
		x, err := strconv.ParseFloat(s, 64)
		if err != nil {
			t.Fatalf("bin edge %q: %v", s, err)
		}
		return x
	}
	in := func(name string, bin, bins int, v float64) {
		t.Helper()
		lo, hi := BinRange(name, bin, bins)
		if !(num(lo) <= v && v < num(hi)) {
			t.Errorf("%s bin %d: [%s, %s) does not hold %v", name, bin, lo, hi, v)
		}
	}
	for _, v := range []float64{0, 1, 2, 3, 4, 7, 8, 1023, 1024, 1 << 40, 1<<40 - 1} {
		bins := LogBins([]float64{v})
		for _, name := range []string{"avalanche_size", "avalanche_area", "avalanche_duration", "site_activity"} {
			in(name, len(bins)-1, len(bins), v)
		}
	}
	for h := range 6 {
		for _, name := range []string{"height_final", "height_distribution", "height_distribution_center"} {
			in(name, h, 6, float64(h))
		}
	}
	// masses in fixed point: 0, a unit, one below and at powers of two,
	// and far above the mean (the last linear bin), beside three sites of
	// one mass c: every site in the one bin whose range holds it
	for _, c := range []int64{1 << 32, 3 << 20} {
		for _, u := range []int64{0, 1, 2, 3, 1<<31 - 1, 1 << 31, 1 << 32, 1<<32 + 1, 3 << 30, 9 << 32, 10 << 32, 40 << 32, 1 << 50} {
			masses := []int64{u, c, c, c}
			row := MassProfile(masses, len(masses), 0)
			mean := float64(u+3*c) / quench.MassUnit / 4
			want := make([]float64, MassBins+LogMassBins)
			for _, m := range masses {
				x := float64(m) / quench.MassUnit
				for _, part := range []struct {
					name string
					off  int
					bins int
					x    float64
				}{{"mass_distribution", 0, MassBins, x / mean}, {"mass_distribution_log", MassBins, LogMassBins, x}} {
					found := 0
					for b := range part.bins {
						if lo, hi := BinRange(part.name, b, part.bins); num(lo) <= part.x && part.x < num(hi) {
							want[part.off+b] += 0.25
							found++
						}
					}
					if found != 1 {
						t.Errorf("%s: %v in %d bins", part.name, part.x, found)
					}
				}
			}
			if got := row[profLin : profLin+MassBins+LogMassBins]; !slices.Equal(got, want) {
				t.Errorf("masses %v: P(m) %v, by BinRange %v", masses, got, want)
			}
		}
	}
	// the ranges tile their axis from 0
	for name, bins := range map[string]int{"avalanche_size": 30, "height_final": 4, "mass_distribution": MassBins, "mass_distribution_log": LogMassBins} {
		prev := "0"
		for b := range bins {
			lo, hi := BinRange(name, b, bins)
			if lo != prev || !(num(hi) > num(lo)) {
				t.Errorf("%s bin %d: [%s, %s) after a bin ending at %s", name, b, lo, hi, prev)
			}
			prev = hi
		}
		if name == "mass_distribution" && prev != "inf" {
			t.Errorf("mass_distribution's last bin ends at %s, not inf", prev)
		}
	}
	if lo, hi := BinRange("correlation", 7, 9); lo != "7" || hi != "7" {
		t.Errorf("correlation lag 7: %s, %s", lo, hi)
	}
	if lo, hi := BinRange("unknown", 1, 2); lo != "" || hi != "" {
		t.Errorf("an unknown name: %q, %q", lo, hi)
	}
}

// summary.json is written last: outputs that fail part way (here
// lattice.png, a directory in the way) leave no summary.json, which would
// call the run finished with files missing.
func TestSummaryWrittenLast(t *testing.T) {
	st, _ := simulate(t, Config{Model: "sandpile", Shape: []int{6, 6}, Sweeps: 50, Every: 1, Seed: 3, Start: "hot"})
	sum, _ := MakeSummary(st, "cpu")
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, ImageFile), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := WriteOutputs(dir, st, sum); err == nil {
		t.Fatal("outputs written over a directory in lattice.png's place")
	}
	if _, err := os.Stat(filepath.Join(dir, SummaryFile)); err == nil {
		t.Errorf("%s written though lattice.png failed", SummaryFile)
	}
	if _, err := os.Stat(filepath.Join(dir, SeriesFile)); err != nil {
		t.Errorf("%s: %v (the files before lattice.png)", SeriesFile, err)
	}
}
