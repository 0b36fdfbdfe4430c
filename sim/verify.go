package sim

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math"

	"github.com/quenchlab/quench"
)

// VerifyResult is the outcome of running one simulation on two backends.
type VerifyResult struct {
	Identical bool
	Sweeps    int64
	Hash      [32]byte // SHA-256 of the final state, when identical
	// First divergence, when not identical: the sweep after which it was
	// seen, the first differing element of the state (-1 when only the
	// measurements differ) and both values.
	Sweep       int64
	Site        int64
	What        string // "spin", "field", "momentum", "measurement"
	A, B        float64
	Measurement bool // the measurements differ
}

// stateValues flattens a State into comparable parts.
func stateValues(st *State) (names []string, parts [][]float64) {
	if IsIsing(st.Config.Model) {
		s := make([]float64, len(st.Spins))
		for i, v := range st.Spins {
			s[i] = float64(v)
		}
		m := make([]float64, 0, 4*len(st.Samples))
		for _, x := range st.Samples {
			m = append(m, float64(x.Sweep), float64(x.Mag), float64(x.Bond), float64(x.Stag))
		}
		return []string{"spin", "measurement"}, [][]float64{s, m}
	}
	var m []float64
	for _, r := range st.Rows {
		m = append(m, r...)
	}
	if IsMass(st.Config.Model) {
		// exact: the high and low 31 bits of each fixed-point mass
		hi, lo := make([]float64, len(st.Masses)), make([]float64, len(st.Masses))
		for i, v := range st.Masses {
			hi[i], lo[i] = float64(v>>31), float64(v&(1<<31-1))
		}
		return []string{"mass (high bits)", "mass (low bits)", "measurement"}, [][]float64{hi, lo, m}
	}
	if st.Config.Model == "sandpile" {
		h, a, s := make([]float64, len(st.Heights)), make([]float64, len(st.Activity)), make([]float64, len(st.Stamp))
		for i := range h {
			h[i], a[i], s[i] = float64(st.Heights[i]), float64(st.Activity[i]), float64(st.Stamp[i])
		}
		var p []float64
		for _, r := range st.Profiles {
			p = append(p, r...)
		}
		return []string{"height", "activity", "stamp", "measurement", "height distribution"}, [][]float64{h, a, s, m, p}
	}
	return []string{"field", "momentum", "measurement"}, [][]float64{st.Field, st.Aux, m}
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
	for stA.Step < total {
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
			if err := r.measure(); err != nil {
				return nil, err
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
				st := []*State{stA, stB}[i]
				st.Profiles = append(st.Profiles, row)
			}
		}
		names, pa := stateValues(stA)
		_, pb := stateValues(stB)
		for k := range pa {
			for i := range pa[k] {
				if math.Float64bits(pa[k][i]) != math.Float64bits(pb[k][i]) {
					*res = VerifyResult{Sweeps: total, Sweep: stA.Step, Site: int64(i), What: names[k], A: pa[k][i], B: pb[k][i],
						Measurement: names[k] == "measurement"}
					return res, nil
				}
			}
		}
	}
	res.Identical = true
	res.Hash = stateHash(stA)
	return res, nil
}
