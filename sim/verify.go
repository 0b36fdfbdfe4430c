package sim

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/quenchlab/quench"
)

// VerifyResult is the outcome of running one simulation on two backends.
type VerifyResult struct {
	Identical bool
	Sweeps    int64
	Hash      [32]byte // SHA-256 of the final state, when identical
	// First divergence, when not identical: the sweep after which it was
	// seen, the part of the state (What) and its first differing element
	// (Site), or for the measurements and the sandpile's height
	// distribution snapshots the row (Site, from 0) and its Column; and
	// both values.
	Sweep       int64
	Site        int64
	What        string // "spin", "field", "momentum", "measurement", ...
	Column      string // the measurement's column, for rows
	A, B        string // the two values, exactly (integers in full: a float64 rounds those beyond 2^53)
	Measurement bool   // the measurements differ
}

// part is one part of the state or measurements of two runs, compared
// element by element in place (no copies: verify holds two whole states).
type part struct {
	name string
	n    int
	cols []string              // the columns of a part made of rows
	same func(i int) bool      // whether element i is bitwise equal
	vals func(i int) [2]string // element i of each run, for the report (exactly)
}

// fstr is x as the report writes it: the shortest form that reads back
// as x (as %v).
func fstr(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }

func intPart[T int8 | uint8 | int32 | int64](name string, x, y []T) part {
	return part{name: name, n: len(x), same: func(i int) bool { return x[i] == y[i] },
		vals: func(i int) [2]string {
			return [2]string{strconv.FormatInt(int64(x[i]), 10), strconv.FormatInt(int64(y[i]), 10)}
		}}
}

func floatPart(name string, x, y []float64) part {
	return part{name: name, n: len(x), same: func(i int) bool { return math.Float64bits(x[i]) == math.Float64bits(y[i]) },
		vals: func(i int) [2]string { return [2]string{fstr(x[i]), fstr(y[i])} }}
}

// rowPart compares rows of len(cols) values.
func rowPart(name string, x, y [][]float64, cols []string) part {
	w := len(cols)
	return part{name: name, n: len(x) * w, cols: cols,
		same: func(i int) bool { return math.Float64bits(x[i/w][i%w]) == math.Float64bits(y[i/w][i%w]) },
		vals: func(i int) [2]string { return [2]string{fstr(x[i/w][i%w]), fstr(y[i/w][i%w])} }}
}

// samplePart compares Ising samples ia of a with ib of b (as many), by
// their columns: sweep, mag, bond and stag as integers (beyond 2^53 a
// float64 would round them; stag left out where a run has no staggered
// sums), then the smallest modes' bits where both runs measure them
// (State.Modes: |M(k)|^2, S_k times N; an antiferromagnet's staggered).
func samplePart(a, b *State, ia, ib []int) part {
	cols := []string{"sweep", "magnetization sum", "bond sum", "staggered sum"} // (the integers a sample holds: series.csv's columns are their quotients)
	if a.NoStaggered || b.NoStaggered {
		cols = cols[:3]
	}
	ints := len(cols)
	if a.Modes() && b.Modes() {
		for k := range a.Config.Shape {
			cols = append(cols, a.Config.modePrefix()+"S_k"+strconv.Itoa(k)+"*N") // (|M(k)|^2, S_k's numerator)
		}
	}
	w := len(cols)
	// value returns column k of s: its bits (to compare) and its text
	value := func(s Sample, k int) (uint64, string) {
		if k < ints {
			v := [4]int64{s.Sweep, s.Mag, s.Bond, s.Stag}[k]
			return uint64(v), strconv.FormatInt(v, 10)
		}
		m := s.Modes[k-ints]
		return math.Float64bits(m), fstr(m)
	}
	return part{name: "measurement", n: w * len(ia), cols: cols,
		same: func(i int) bool {
			x, _ := value(a.Samples[ia[i/w]], i%w)
			y, _ := value(b.Samples[ib[i/w]], i%w)
			return x == y
		},
		vals: func(i int) [2]string {
			_, x := value(a.Samples[ia[i/w]], i%w)
			_, y := value(b.Samples[ib[i/w]], i%w)
			return [2]string{x, y}
		}}
}

// stateParts pairs the parts of two runs of one configuration.
func stateParts(a, b *State) []part {
	c := &a.Config
	if IsIsing(c.Model) {
		idx := make([]int, len(a.Samples))
		for i := range idx {
			idx[i] = i
		}
		return []part{intPart("spin", a.Spins, b.Spins), samplePart(a, b, idx, idx)}
	}
	rows := rowPart("measurement", a.Rows, b.Rows, append([]string{"step"}, c.Columns()...))
	switch {
	case IsMass(c.Model):
		return []part{intPart("mass (fixed point)", a.Masses, b.Masses), rows}
	case c.Model == "sandpile":
		return []part{intPart("height", a.Heights, b.Heights), intPart("activity", a.Activity, b.Activity),
			intPart("stamp", a.Stamp, b.Stamp), rows, rowPart("height distribution", a.Profiles, b.Profiles, c.ProfileColumns())}
	}
	return []part{floatPart("field", a.Field, b.Field), floatPart("momentum", a.Aux, b.Aux), rows}
}

// firstDiff returns the first element where the parts differ: the part's
// index and the element's, or -1.
func firstDiff(parts []part) (int, int) {
	for k, p := range parts {
		for i := 0; i < p.n; i++ {
			if !p.same(i) {
				return k, i
			}
		}
	}
	return -1, -1
}

// stateHash is the SHA-256 of a state: int8 spins, or the float64 bits of
// the field and momenta.
func stateHash(st *State) [32]byte {
	if IsIsing(st.Config.Model) {
		return sha256.Sum256(int8Bytes(st.Spins))
	}
	h := sha256.New()
	if IsMass(st.Config.Model) {
		var b [8]byte
		for _, v := range st.Masses {
			binary.LittleEndian.PutUint64(b[:], uint64(v))
			h.Write(b[:])
		}
		var out [32]byte
		copy(out[:], h.Sum(nil))
		return out
	}
	if st.Config.Model == "sandpile" {
		h.Write(st.Heights)
		var b [4]byte
		for _, x := range st.Activity {
			var b8 [8]byte
			binary.LittleEndian.PutUint64(b8[:], uint64(x))
			h.Write(b8[:])
		}
		for _, x := range st.Stamp {
			binary.LittleEndian.PutUint32(b[:], uint32(x))
			h.Write(b[:])
		}
		var out [32]byte
		copy(out[:], h.Sum(nil))
		return out
	}
	var b [8]byte
	for _, part := range [][]float64{st.Field, st.Aux} {
		for _, x := range part {
			binary.LittleEndian.PutUint64(b[:], math.Float64bits(x))
			h.Write(b[:])
		}
	}
	var out [32]byte
	copy(out[:], h.Sum(nil))
	return out
}

// Verify runs cfg (thermalization included, no output files) on backends a
// and b from the same seed and compares the full states bit for bit, and
// the measurements, every `every` sweeps and after the last one.
func Verify(ctx context.Context, a, b quench.Backend, cfg Config, every int64) (*VerifyResult, error) {
	if every < 1 {
		return nil, quench.Usagef("--every %d is not allowed: compare every N >= 1 sweeps", every)
	}
	stA, err := NewState(cfg)
	if err != nil {
		return nil, err
	}
	stB, _ := NewState(cfg)
	ra, err := newRunner(a, stA)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", a.Name(), err)
	}
	defer ra.free()
	rb, err := newRunner(b, stB)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", b.Name(), err)
	}
	defer rb.free()
	total := stA.Config.TotalSweeps()
	res := &VerifyResult{Sweeps: total}
	var y yielder
	for stA.Step < total {
		y.yield()
		if ctx.Err() != nil {
			return nil, ErrInterrupted
		}
		ctr := quench.Counter{Seed: cfg.Seed, Step: uint64(stA.Step)}
		if err := ra.step(ctr); err != nil {
			return nil, fmt.Errorf("%s, sweep %d: %w", a.Name(), stA.Step, err)
		}
		if err := rb.step(ctr); err != nil {
			return nil, fmt.Errorf("%s, sweep %d: %w", b.Name(), stB.Step, err)
		}
		stA.Step++
		stB.Step++
		if stA.Step%every != 0 && stA.Step != total {
			continue
		}
		for i, r := range []runner{ra, rb} {
			st := []*State{stA, stB}[i]
			err := r.measure()
			if err == nil && len(st.Rows) > 0 {
				// the bounds quench run holds its measurements to
				err = cfg.checkRow(st.Rows[len(st.Rows)-1])
			}
			if err != nil {
				// (a diverging state, exit 2: named with its step as
				// quench run names it)
				return nil, fmt.Errorf("%s, measurement after %s %d: %w", []quench.Backend{a, b}[i].Name(),
					strings.TrimSuffix(cfg.StepUnit(), "s"), stA.Step, err)
			}
			if err := r.download(); err != nil {
				return nil, err
			}
			if cfg.Model == "sandpile" {
				// the height counts on each backend (mass profiles are
				// computed on the host from the compared masses)
				row, err := r.(profiler).profile()
				if err != nil {
					return nil, fmt.Errorf("%s, height counts after grain %d: %w", []quench.Backend{a, b}[i].Name(), stA.Step, err)
				}
				st.Profiles = append(st.Profiles, row)
			}
		}
		parts := stateParts(stA, stB)
		if k, i := firstDiff(parts); k >= 0 {
			p := parts[k]
			v := p.vals(i)
			*res = VerifyResult{Sweeps: total, Sweep: stA.Step, Site: int64(i), What: p.name, A: v[0], B: v[1],
				Measurement: p.name == "measurement"}
			if p.cols != nil {
				res.Site, res.Column = int64(i/len(p.cols)), p.cols[i%len(p.cols)]
			}
			return res, nil
		}
	}
	res.Identical = true
	res.Hash = stateHash(stA)
	return res, nil
}
