package sim

import (
	"context"
	"crypto/sha256"
	"fmt"

	"github.com/quenchlab/quench"
)

// VerifyResult is the outcome of running one simulation on two backends.
type VerifyResult struct {
	Identical bool
	Sweeps    int64
	Hash      [32]byte // SHA-256 of the final state (int8 bytes), when identical
	// First divergence, when not identical.
	Sweep      int64
	Site       int64
	A, B       int8
	SumsA      quench.IsingSums
	SumsB      quench.IsingSums
	SumsDiffer bool
}

// Verify runs cfg (thermalization included, no output files) on backends a
// and b from the same seed and compares the full states and the integer
// observables every `every` sweeps and after the last one.
func Verify(ctx context.Context, a, b quench.Backend, cfg Config, every int64) (*VerifyResult, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if every < 1 {
		return nil, quench.Usagef("--every %d is not allowed: compare every N >= 1 sweeps", every)
	}
	lat := cfg.Lattice()
	tab, err := quench.NewIsingTable(lat.Dim(), cfg.IsingParams())
	if err != nil {
		return nil, err
	}
	init := make([]int8, lat.Sites())
	if err := quench.InitSpins(init, cfg.Start, cfg.Seed, 0); err != nil {
		return nil, err
	}
	var bufs [2]quench.Buffer
	bes := [2]quench.Backend{a, b}
	for i, be := range bes {
		if bufs[i], err = be.Alloc(quench.Int8, lat.Sites()); err != nil {
			return nil, fmt.Errorf("%s: %w", be.Name(), err)
		}
		defer be.Free(bufs[i])
		if err := be.Upload(bufs[i], init); err != nil {
			return nil, err
		}
	}
	hostA, hostB := init, make([]int8, lat.Sites())
	total := cfg.TotalSweeps()
	res := &VerifyResult{Sweeps: total}
	for step := int64(0); step < total; step++ {
		if ctx.Err() != nil {
			return nil, ErrInterrupted
		}
		ctr := quench.Counter{Seed: cfg.Seed, Step: uint64(step)}
		for i, be := range bes {
			if err := be.IsingSweep(bufs[i], lat, tab, ctr); err != nil {
				return nil, fmt.Errorf("%s, sweep %d: %w", be.Name(), step, err)
			}
		}
		done := step + 1
		if done%every != 0 && done != total {
			continue
		}
		var sums [2]quench.IsingSums
		for i, be := range bes {
			if sums[i], err = be.IsingSums(bufs[i], lat); err != nil {
				return nil, err
			}
		}
		if err := a.Download(hostA, bufs[0]); err != nil {
			return nil, err
		}
		if err := b.Download(hostB, bufs[1]); err != nil {
			return nil, err
		}
		for n := range hostA {
			if hostA[n] != hostB[n] {
				*res = VerifyResult{Sweeps: total, Sweep: done, Site: int64(n), A: hostA[n], B: hostB[n], SumsA: sums[0], SumsB: sums[1], SumsDiffer: sums[0] != sums[1]}
				return res, nil
			}
		}
		if sums[0] != sums[1] {
			*res = VerifyResult{Sweeps: total, Sweep: done, Site: -1, SumsA: sums[0], SumsB: sums[1], SumsDiffer: true}
			return res, nil
		}
	}
	res.Identical = true
	res.Hash = sha256.Sum256(int8Bytes(hostA))
	return res, nil
}
