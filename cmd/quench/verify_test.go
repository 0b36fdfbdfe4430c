package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/quenchlab/quench"
	"github.com/quenchlab/quench/cpu"
	"github.com/quenchlab/quench/gpu"
)

// faulty is a CPU backend that corrupts one spin after a given sweep, to
// check that verify finds and reports a divergence.
type faulty struct {
	*cpu.Backend
	step uint64
	site int
}

func (f *faulty) IsingSweep(spins quench.Buffer, lat quench.Lattice, tab *quench.IsingTable, ctr quench.Counter) error {
	if err := f.Backend.IsingSweep(spins, lat, tab, ctr); err != nil {
		return err
	}
	if ctr.Step == f.step {
		s := make([]int8, lat.Sites())
		f.Download(s, spins)
		s[f.site] = -s[f.site]
		f.Upload(spins, s)
	}
	return nil
}

func withVerifyBackends(t *testing.T, a, b quench.Backend) {
	old := verifyBackends
	verifyBackends = func(int) (quench.Backend, quench.Backend, error) { return a, b, nil }
	t.Cleanup(func() { verifyBackends = old })
}

func TestVerifyIdentical(t *testing.T) {
	withVerifyBackends(t, cpu.New(), cpu.New())
	code, stdout, stderr := runQ(t, "verify", "--L", "64", "--sweeps", "25", "--every", "10", "--h", "0.1")
	if code != 0 || !strings.Contains(stdout, "identical sha256:") {
		t.Errorf("verify of two CPU backends: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	// the hash is that of the final state: the same for the same run, another for another seed
	_, again, _ := runQ(t, "verify", "--L", "64", "--sweeps", "25", "--every", "10", "--h", "0.1")
	_, other, _ := runQ(t, "verify", "--L", "64", "--sweeps", "25", "--every", "10", "--h", "0.1", "--seed", "2")
	if again != stdout || other == stdout {
		t.Errorf("hashes not a function of the run: %q %q %q", stdout, again, other)
	}
	// --therm runs more sweeps (so another final state); --therm-grains is
	// the sandpile's name for it
	_, therm, _ := runQ(t, "verify", "--L", "64", "--sweeps", "25", "--every", "10", "--h", "0.1", "--therm", "5")
	_, sweeps30, _ := runQ(t, "verify", "--L", "64", "--sweeps", "30", "--every", "10", "--h", "0.1")
	if !strings.Contains(therm, "identical sha256:") || therm == stdout || !strings.HasSuffix(therm, strings.Fields(sweeps30)[len(strings.Fields(sweeps30))-1]+"\n") {
		t.Errorf("verify --therm 5: %q; without: %q; 30 sweeps: %q", therm, stdout, sweeps30)
	}
	if code, out, stderr := runQ(t, "verify", "--model", "sandpile", "--L", "16", "--sweeps", "20", "--therm", "5", "--therm-grains", "5"); code != 0 || !strings.Contains(out, "identical") {
		t.Errorf("verify sandpile --therm 5 --therm-grains 5: exit %d %q %q", code, out, stderr)
	}
}

func TestVerifyDiverged(t *testing.T) {
	withVerifyBackends(t, cpu.New(), &faulty{Backend: cpu.New(), step: 6, site: 1234})
	// sweep index 6 is the 7th sweep, right after which only site 1234 differs
	code, stdout, _ := runQ(t, "verify", "--model", "ising3d", "--L", "16", "--sweeps", "30", "--every", "1")
	if code != 1 || !strings.Contains(stdout, "diverged after sweep 7: site 1234 is") {
		t.Errorf("verify with a faulty backend: exit %d, stdout %q", code, stdout)
	}
	// comparing every 5 sweeps finds it at the next comparison
	code, stdout, _ = runQ(t, "verify", "--model", "ising3d", "--L", "16", "--sweeps", "30", "--every", "5")
	if code != 1 || !strings.Contains(stdout, "diverged after sweep 10") {
		t.Errorf("verify with a faulty backend: exit %d, stdout %q", code, stdout)
	}
}

func TestVerifyBadInput(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"verify", "--L", "5"}, "is odd"},
		// the model's flags that verify has (it has no --profile-every)
		{[]string{"verify", "--model", "sandpile", "--T", "3"}, "--T does not apply to --model sandpile (its flags: --L, --shape, --dim, --grains, --therm-grains)"},
		{[]string{"verify", "--every", "0"}, "--every 0 is not allowed"},
		{[]string{"verify", "--device", "-1"}, "--device -1 is not allowed"},
		{[]string{"verify", "--L", "10000000"}, "does not fit in memory"},
	}
	if !gpu.Available {
		cases = append(cases, struct {
			args []string
			want string
		}{[]string{"verify"}, "verify needs a GPU"})
	}
	for _, c := range cases {
		code, _, stderr := runQ(t, c.args...)
		if code != 2 || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, %q (want 2 and %q)", c.args, code, stderr, c.want)
		}
	}
}

func TestVerifyLangevin(t *testing.T) {
	withVerifyBackends(t, cpu.New(), cpu.New())
	for _, args := range [][]string{
		{"--model", "phi4", "--L", "16", "--scheme", "baoab", "--precision", "float32"},
		{"--model", "particles", "--N", "300", "--potential", "kuramoto", "--scheme", "lm"},
		{"--model", "sandpile", "--L", "16"},
		{"--model", "kmp", "--L", "16"},
		{"--model", "diffusion", "--dim", "2", "--L", "16", "--precision", "float32"},
	} {
		code, stdout, stderr := runQ(t, append([]string{"verify", "--sweeps", "12", "--every", "4"}, args...)...)
		if code != 0 || !strings.Contains(stdout, "identical sha256:") {
			t.Errorf("verify %v: exit %d, %q %q", args, code, stdout, stderr)
		}
	}
}

// miscounted is a CPU backend whose height counts move one site from
// height 1 to height 0: the sandpile's state and series stay identical, so
// only verify's comparison of the height distribution can find it.
type miscounted struct{ *cpu.Backend }

func (m miscounted) HeightCounts(h quench.Buffer, lat quench.Lattice, box *quench.Box) ([8]int64, error) {
	c, err := m.Backend.HeightCounts(h, lat, box)
	c[0]++
	c[1]--
	return c, err
}

func TestVerifyHeightCounts(t *testing.T) {
	withVerifyBackends(t, cpu.New(), miscounted{cpu.New()})
	code, stdout, _ := runQ(t, "verify", "--model", "sandpile", "--L", "16", "--sweeps", "12", "--every", "4")
	if code != 1 || !strings.Contains(stdout, "diverged after grain 4: height distribution 0 (from 0), column h0, is 0.07421875 on cpu and 0.078125 on cpu") {
		t.Errorf("verify with miscounted heights: exit %d, stdout %q", code, stdout)
	}
}

// misstaggered is a CPU backend whose staggered sum is off by 2: the
// lattices stay identical, and verify names the measurement and column.
type misstaggered struct{ *cpu.Backend }

func (m misstaggered) IsingSums(s quench.Buffer, lat quench.Lattice) (quench.IsingSums, error) {
	sums, err := m.Backend.IsingSums(s, lat)
	sums.Stag += 2
	return sums, err
}

func TestVerifyStaggered(t *testing.T) {
	withVerifyBackends(t, cpu.New(), misstaggered{cpu.New()})
	code, stdout, _ := runQ(t, "verify", "--L", "8", "--sweeps", "12", "--every", "4", "--start", "cold")
	// measured after every sweep: the row of sweep 1 already differs
	if code != 1 || !strings.Contains(stdout, "diverged after sweep 4: measurement 0 (from 0), column staggered sum, is ") || !strings.Contains(stdout, " on cpu and ") {
		t.Errorf("verify with a wrong staggered sum: exit %d, stdout %q", code, stdout)
	}
}

// verify compares after the last sweep too when the run's length is not a
// multiple of --every: a divergence in sweep 28 of 29, compared every 5,
// is found after sweep 29 (not missed after the comparison at 25).
func TestVerifyComparesLastSweep(t *testing.T) {
	withVerifyBackends(t, cpu.New(), &faulty{Backend: cpu.New(), step: 27, site: 1234})
	code, stdout, _ := runQ(t, "verify", "--model", "ising3d", "--L", "16", "--sweeps", "29", "--every", "5")
	if code != 1 || !strings.Contains(stdout, "diverged after sweep 29") {
		t.Errorf("verify with a divergence in the last sweeps: exit %d, stdout %q", code, stdout)
	}
}

// A diverging state is refused by verify as by quench run (exit 2, one
// line naming the backend and the step): verify held no measurement to
// run's bounds and said only "the state diverged" once it reached NaN.
func TestVerifyDiverging(t *testing.T) {
	withVerifyBackends(t, cpu.New(), cpu.New())
	args := []string{"--model", "phi4", "--L", "16", "--scheme", "em", "--lambda", "1", "--T", "1e4", "--dt", "0.1", "--sweeps", "50"}
	code, _, stderr := runQ(t, append([]string{"verify", "--every", "1"}, args...)...)
	if want := "quench: cpu, measurement after step 4: m4 (m^4, m the mean field) is "; code != 2 || !strings.HasPrefix(stderr, want) ||
		!strings.Contains(stderr, "beyond the 1e+140") || strings.Count(stderr, "\n") != 1 {
		t.Errorf("verify --every 1 %v: exit %d %q, want 2 and %q", args, code, stderr, want)
	}
	// measured every 10 steps (verify's default), the state is NaN by then
	code, _, stderr = runQ(t, append([]string{"verify"}, args...)...)
	if want := "quench: cpu, measurement after step 10: the state diverged (NaN or Inf)"; code != 2 || !strings.HasPrefix(stderr, want) ||
		strings.Count(stderr, "\n") != 1 {
		t.Errorf("verify %v: exit %d %q, want 2 and %q", args, code, stderr, want)
	}
	code, _, stderr = runQ(t, append([]string{"run", "--out", filepath.Join(t.TempDir(), "r"), "--quiet", "--therm", "0"}, args...)...)
	if want := "quench: measurement after step 4: m4 (m^4, m the mean field) is "; code != 2 || !strings.HasPrefix(stderr, want) {
		t.Errorf("run %v: exit %d %q, want 2 and %q", args, code, stderr, want)
	}
}
