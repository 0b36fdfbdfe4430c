// Package bench is the throughput harness shared by `quench bench` and
// `go test -bench`: it times kernel sweeps on a backend between two
// synchronizations, after a warm-up, and converts the time into flips/ns
// and effective memory bandwidth.
package bench

import (
	"fmt"
	"time"

	"github.com/quenchlab/quench"
)

// IsingBytesPerFlip is the memory traffic a checkerboard sweep of int8 spins
// must move per attempted flip at best: each site is read as a neighbour and
// read and written as the updated spin, about 3 bytes (performance.md).
const IsingBytesPerFlip = 3

// Result is one measurement. Rate counts Unit per ns: spin flips (Ising),
// site updates (phi4) or coordinate updates (particles).
type Result struct {
	Backend     string  `json:"backend"`
	Model       string  `json:"model"`
	Shape       string  `json:"shape"`
	Algo        string  `json:"algo"`
	Sweeps      int     `json:"sweeps"`
	Seconds     float64 `json:"seconds"`
	Unit        string  `json:"unit"`
	Rate        float64 `json:"per_ns"`
	GBPerS      float64 `json:"effective_GB_per_s,omitempty"` // none for topplings
	PeakGBPerS  float64 `json:"peak_GB_per_s,omitempty"`
	FracOfLimit float64 `json:"fraction_of_memory_limit,omitempty"`
	// where PeakGBPerS comes from: a copy measured on this machine, a
	// GPU's device to device (gpu.Backend.PeakBandwidth; its memory clock
	// and bus width where it could not be), the CPU's of host memory
	// (cpu.PeakBandwidth)
	PeakSource string `json:"peak_source,omitempty"`
	// a sandpile's longest grain of those timed, in seconds, and its
	// avalanche's topplings: one grain's avalanche is never cut, so a
	// heavy-tailed one can take the timing far past its budget
	LongestGrain          float64 `json:"longest_grain_seconds,omitempty"`
	LongestGrainTopplings int64   `json:"longest_grain_topplings,omitempty"`
	// where it ran: the GPU's name, or the CPU's threads (GOMAXPROCS);
	// and the quench binary (sim.Build's one line)
	Device string `json:"device"`
	Quench string `json:"quench"`
}

// Ising is an Ising sweep benchmark on one lattice.
type Ising struct {
	be    quench.Backend
	lat   quench.Lattice
	tab   *quench.IsingTable
	spins quench.Buffer
	algo  quench.Algo
	step  uint64
}

// NewIsing allocates a hot lattice of the given shape on be at temperature T.
func NewIsing(be quench.Backend, shape []int, algo quench.Algo, T float64) (*Ising, error) {
	lat, err := quench.NewLattice(shape...)
	if err != nil {
		return nil, err
	}
	if err := lat.CheckCheckerboard(); err != nil {
		return nil, err
	}
	tab, err := quench.NewIsingTable(lat.Dim(), quench.IsingParams{J: 1, Beta: 1 / T, Algo: algo})
	if err != nil {
		return nil, err
	}
	s := make([]int8, lat.Sites())
	if err := quench.InitSpins(s, "hot", 1, 0); err != nil {
		return nil, err
	}
	buf, err := be.Alloc(quench.Int8, lat.Sites())
	if err != nil {
		return nil, err
	}
	if err := be.Upload(buf, s); err != nil {
		return nil, err
	}
	return &Ising{be: be, lat: lat, tab: tab, spins: buf, algo: algo}, nil
}

// Sweep runs one sweep.
func (b *Ising) Sweep() error {
	err := b.be.IsingSweep(b.spins, b.lat, b.tab, quench.Counter{Seed: 1, Step: b.step})
	b.step++
	return err
}

// Sites is the number of spins.
func (b *Ising) Sites() int64 { return b.lat.Sites() }

// Close frees the lattice.
func (b *Ising) Close() error { return b.be.Free(b.spins) }

// Measure runs warm sweeps, then times n sweeps between two Syncs.
func (b *Ising) Measure(warm, n int) (Result, error) {
	for i := 0; i < warm; i++ {
		if err := b.Sweep(); err != nil {
			return Result{}, err
		}
	}
	if err := b.be.Sync(); err != nil {
		return Result{}, err
	}
	t0 := time.Now()
	for i := 0; i < n; i++ {
		if err := b.Sweep(); err != nil {
			return Result{}, err
		}
	}
	if err := b.be.Sync(); err != nil {
		return Result{}, err
	}
	sec := time.Since(t0).Seconds()
	flips := float64(b.lat.Sites()) * float64(n)
	r := Result{
		Backend: b.be.Name(), Model: fmt.Sprintf("ising%dd", b.lat.Dim()), Shape: b.lat.String(),
		Algo: b.algo.String(), Sweeps: n, Seconds: sec, Unit: "flips",
		Rate: flips / sec / 1e9,
	}
	r.GBPerS = r.Rate * IsingBytesPerFlip
	return r, nil
}
