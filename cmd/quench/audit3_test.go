package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/pflag"

	"github.com/quenchlab/quench"
	"github.com/quenchlab/quench/sim"
)

// memBackend is a backend of which bench's memory check reads only the
// name and the free memory.
type memBackend struct {
	quench.Backend
	free uint64
}

func (m memBackend) Name() string                             { return "fake" }
func (m memBackend) MemInfo() (free, total uint64, err error) { return m.free, 2 * m.free, nil }

// fitGrid: a point needing exactly the free memory fits; one byte more is
// an error naming it when --model named it (strict), and otherwise left
// out with a note, unless nothing is left.
func TestFitGridStrictAndLenient(t *testing.T) {
	small := isingCase([]int{64, 64}, quench.Metropolis)   // 2 bytes a site: 8192 bytes
	large := isingCase([]int{128, 128}, quench.Metropolis) // 32768 bytes
	if small.bytes != 8192 || large.bytes != 32768 {
		t.Fatalf("Ising points of %d and %d bytes, want 8192 and 32768", small.bytes, large.bytes)
	}
	grid := []benchCase{small, large}
	for _, strict := range []bool{false, true} {
		fit, skipped, err := fitGrid(memBackend{free: 32768}, grid, strict)
		if err != nil || len(fit) != 2 || skipped != nil {
			t.Errorf("strict %v, all bytes free: %q, left out %q (%v)", strict, points(fit), skipped, err)
		}
	}
	fit, skipped, err := fitGrid(memBackend{free: 32767}, grid, false)
	if err != nil || !slices.Equal(points(fit), []string{"ising2d metropolis 64x64"}) || len(skipped) != 1 ||
		!strings.HasPrefix(skipped[0], "a fake benchmark of ising2d 128x128 needs") {
		t.Errorf("lenient, one byte short for 128x128: %q, left out %q (%v)", points(fit), skipped, err)
	}
	_, _, err = fitGrid(memBackend{free: 32767}, grid, true)
	if !quench.IsUsage(err) || !strings.Contains(err.Error(), "a fake benchmark of ising2d 128x128 needs") || !strings.Contains(err.Error(), "give a smaller --L, --shape or --N") {
		t.Errorf("strict, one byte short for 128x128: %v", err)
	}
	_, _, err = fitGrid(memBackend{free: 8191}, grid, false)
	if !quench.IsUsage(err) || !strings.Contains(err.Error(), "a fake benchmark of ising2d 64x64 needs") {
		t.Errorf("lenient, nothing fits: %v", err)
	}
}

// A sandpile point of exactly sim.MaxStationarySites sites can start from
// a stationary sample ("at most"); one of two sites more cannot.
func TestUnsuitedStationaryLimit(t *testing.T) {
	if sim.MaxStationarySites != 1<<31-2 {
		t.Fatalf("MaxStationarySites %d", sim.MaxStationarySites)
	}
	if why := unsuited(sandpileCase([]int{2, 1<<30 - 1})); why != "" {
		t.Errorf("2 x (2^30 - 1) = 2^31 - 2 sites: %q", why)
	}
	if why := unsuited(sandpileCase([]int{2, 1 << 30})); !strings.Contains(why, "at most 2147483646 sites, not 2147483648") {
		t.Errorf("2 x 2^30 sites: %q", why)
	}
}

// bench --model: a model named twice is timed once; --N takes up to 2^40
// particles.
func TestBenchSelectFlags(t *testing.T) {
	sel := func(set map[string]string) (benchSelection, error) {
		fl := pflag.NewFlagSet("bench", pflag.ContinueOnError)
		var models, shape string
		var L int
		var n int64
		fl.StringVar(&models, "model", "", "")
		fl.IntVar(&L, "L", 0, "")
		fl.StringVar(&shape, "shape", "", "")
		fl.Int64Var(&n, "N", 0, "")
		fl.Float64("T", 1.5, "")
		for k, v := range set {
			if err := fl.Set(k, v); err != nil {
				t.Fatal(err)
			}
		}
		return benchSelect(fl, models, L, shape, n)
	}
	if s, err := sel(map[string]string{"model": "ising2d, ising2d,phi4"}); err != nil || !slices.Equal(s.models, []string{"ising2d", "phi4"}) {
		t.Errorf("--model ising2d,ising2d,phi4: %q (%v)", s.models, err)
	}
	if s, err := sel(map[string]string{"N": "1099511627776"}); err != nil || s.n != 1<<40 {
		t.Errorf("--N 2^40: %d (%v)", s.n, err)
	}
	if _, err := sel(map[string]string{"N": "1099511627777"}); !quench.IsUsage(err) || !strings.Contains(err.Error(), "--N 1099511627777 is not allowed") {
		t.Errorf("--N 2^40 + 1: %v", err)
	}
	// --T is the Ising timings' temperature: refused for models that do
	// not read it, as quench run refuses such a flag
	if _, err := sel(map[string]string{"model": "diffusion,phi4", "T": "3"}); !quench.IsUsage(err) || err.Error() != "--T does not apply to --model diffusion,phi4: only the Ising timings (ising2d, ising3d) use a temperature" {
		t.Errorf("--model diffusion,phi4 --T 3: %v", err)
	}
	// --N sizes the particle timings: refused when --model names none
	if _, err := sel(map[string]string{"model": "phi4", "N": "10", "L": "8"}); !quench.IsUsage(err) || err.Error() != "--N does not apply to --model phi4: it sizes the particle timings (--model particles)" {
		t.Errorf("--model phi4 --N 10 --L 8: %v", err)
	}
	if s, err := sel(map[string]string{"model": "phi4,particles", "N": "10", "L": "8"}); err != nil || s.n != 10 || s.L != 8 {
		t.Errorf("--model phi4,particles --N 10 --L 8: %+v (%v)", s, err)
	}
	for _, m := range []string{"ising3d", "phi4,ising2d", ""} {
		set := map[string]string{"T": "3"}
		if m != "" {
			set["model"] = m
		}
		if _, err := sel(set); err != nil {
			t.Errorf("--model %q --T 3: %v", m, err)
		}
	}
}

// --model diffusion times both precisions; models without variants (the
// sandpile, kmp) their one point.
func TestBenchSelectVariants(t *testing.T) {
	grid := []benchCase{sandpileCase([]int{32, 32}), massCase([]int{32, 32}, "kmp"), diffusionCase([]int{64, 64}, quench.Float32)}
	for _, c := range []struct {
		model string
		want  []string
	}{
		{"diffusion", []string{"diffusion float32 64x64", "diffusion float64 64x64"}},
		{"sandpile", []string{"sandpile  32x32"}},
		{"kmp", []string{"kmp  32x32"}},
	} {
		got, skipped, err := selectGrid(grid, benchSelection{models: []string{c.model}})
		if err != nil || skipped != nil || !slices.Equal(points(got), c.want) {
			t.Errorf("--model %s: %q, left out %q (%v), want %q", c.model, points(got), skipped, err, c.want)
		}
	}
}

// scriptWriter answers each write with the next of its results (n < 0:
// all of p), then with all of p and no error.
type scriptWriter struct {
	results []struct {
		n   int
		err error
	}
	got [][]byte
}

func (s *scriptWriter) Write(p []byte) (int, error) {
	s.got = append(s.got, append([]byte(nil), p...))
	if len(s.results) == 0 {
		return len(p), nil
	}
	r := s.results[0]
	s.results = s.results[1:]
	if r.n < 0 {
		r.n = len(p)
	}
	return r.n, r.err
}

// errWriter keeps the first error, also one a writer reports with all of
// p written, and writes nothing after it: a write that would succeed after
// a failed one does not clear the error.
func TestErrWriterKeepsFirstError(t *testing.T) {
	first := errors.New("first")
	for _, n := range []int{0, -1} {
		w := &scriptWriter{results: []struct {
			n   int
			err error
		}{{n, first}}}
		e := &errWriter{w: w}
		e.Write([]byte("row 1\n"))
		if m, err := e.Write([]byte("row 2\n")); m != 0 || err != first {
			t.Errorf("n %d: the write after the error gave %d, %v", n, m, err)
		}
		if e.err != first || len(w.got) != 1 {
			t.Errorf("n %d: error %v after %d writes, want %v after 1", n, e.err, len(w.got), first)
		}
	}
}

// A file of another's under the name of checkNames' probe (the longest
// temporary file name of a run, a uint32 suffix) shows the name fits: it
// is not an error, and the file stays.
func TestCheckNamesProbeExists(t *testing.T) {
	out := t.TempDir()
	var made []string
	for _, name := range sim.RunFiles() {
		p := filepath.Join(out, "."+name+".tmp4294967295")
		if err := os.WriteFile(p, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
		made = append(made, p)
	}
	if err := checkNames(out); err != nil {
		t.Errorf("checkNames with its probe's name taken: %v", err)
	}
	for _, p := range made {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s: %v", p, err)
		}
	}
}

// --config reads a file of exactly 1 MiB, and refuses one of 1 MiB and a
// byte.
func TestReadConfigLimit(t *testing.T) {
	dir := t.TempDir()
	for _, size := range []int{1 << 20, 1<<20 + 1} {
		p := filepath.Join(dir, "c.toml")
		data := append([]byte("L = 8\n"), bytes.Repeat([]byte("#"), size-6)...)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		got, err := readConfig(p)
		if size == 1<<20 && (err != nil || len(got) != size) {
			t.Errorf("%d bytes: %d read (%v)", size, len(got), err)
		}
		if size > 1<<20 && (!quench.IsUsage(err) || !strings.Contains(err.Error(), "is larger than 1.0 MiB")) {
			t.Errorf("%d bytes: %v", size, err)
		}
	}
}
