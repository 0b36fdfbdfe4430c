package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/quenchlab/quench/sim"
)

// quench compare: a run and a shorter one measured more sparsely share
// their first measurements (exit 0, the states not compared, and how to
// compare them); once the shorter is resumed to the same length the
// states are compared too, with verify's SHA-256; a state altered by one
// site differs there (exit 1, on stdout, nothing on stderr); runs of
// another seed, a missing directory and a wrong number of arguments are
// refused (exit 2, one line).
func TestCompareCommand(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	common := []string{"--model", "kmp", "--dim", "1", "--L", "32", "--therm", "10", "--seed", "5", "--quiet"}
	runSummary(t, a, append(common, "--steps", "60")...)
	runSummary(t, b, append(common, "--steps", "20", "--every", "3")...)
	code, stdout, stderr := runQ(t, "compare", a, b)
	if code != 0 || stderr != "" || !strings.Contains(stdout, "identical: 6 measurements (steps 13 to 28)") ||
		!strings.Contains(stdout, "the states, at steps 70 and 30, were not compared: to compare them, quench resume "+b+" --steps 60\n") ||
		!strings.Contains(stdout, a+": finished at 70 of 70 steps (10 thermalization)") {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	if code, _, stderr := runQ(t, "resume", b, "--steps", "60", "--quiet"); code != 0 {
		t.Fatalf("resume: exit %d %s", code, stderr)
	}
	code, stdout, stderr = runQ(t, "compare", a, b)
	if code != 0 || stderr != "" || !strings.Contains(stdout, "identical: 20 measurements (steps 13 to 70)") ||
		!strings.Contains(stdout, "profile snapshots, the states at step 70\nidentical sha256:") {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}

	// one mass changed (and the checkpoint written anew, its checksum right)
	st, err := sim.ReadCheckpoint(b)
	if err != nil {
		t.Fatal(err)
	}
	st.Masses[0]++
	st.Masses[1]--
	if err := sim.WriteCheckpoint(b, st); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr = runQ(t, "compare", a, b)
	// the masses in full (as float64 they print alike beyond 2^53), on
	// stdout only
	want := fmt.Sprintf("differ: in the states at step 70, mass (fixed point) element 0 is %d in %s and %d in %s\n", st.Masses[0]-1, a, st.Masses[0], b)
	if code != 1 || !strings.HasSuffix(stdout, want) || stderr != "" {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}

	other := filepath.Join(dir, "other")
	runSummary(t, other, "--model", "kmp", "--dim", "1", "--L", "32", "--therm", "10", "--seed", "6", "--quiet", "--steps", "20")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{a, other}, "quench: the runs differ in seed 5 and 6: compare runs of one model"},
		{[]string{a, filepath.Join(dir, "none")}, "does not exist"},
		{[]string{a}, "compare takes two run directories, got 1 argument: quench compare DIR DIR"},
		{[]string{a, a + "/"}, "are the same directory"},
		{[]string{a, filepath.Join(dir, ".", "a")}, "are the same directory"},
	} {
		code, stdout, stderr := runQ(t, append([]string{"compare"}, c.args...)...)
		if code != 2 || stdout != "" || !strings.Contains(stderr, c.want) || strings.Count(stderr, "\n") != 1 {
			t.Errorf("compare %v: exit %d\n%s%s; want exit 2 and one line naming %q", c.args, code, stdout, stderr, c.want)
		}
	}
	// a finished run's directory without its state files
	os.Remove(filepath.Join(other, sim.CheckpointFile))
	if code, _, stderr := runQ(t, "compare", a, other); code != 2 || !strings.Contains(stderr, "checkpoint") {
		t.Errorf("without a checkpoint: exit %d %s", code, stderr)
	}
}

// The advice to bring two runs to one step: each resumed to the longer
// setting (--sweeps where a run is set up shorter), an unfinished one
// resumed as it is; an interrupted run set up longer than a finished one
// had been told to resume with the finished one's length, which resume
// refuses as fewer than its own.
func TestCompareSameLength(t *testing.T) {
	state := func(sweeps, step int64) *sim.State {
		return &sim.State{Config: sim.Config{Model: "ising2d", Sweeps: sweeps, Therm: 10}, Step: step}
	}
	for _, c := range []struct {
		a, b *sim.State
		want string
	}{
		{state(200, 210), state(100, 110), "to compare them, quench resume B --sweeps 200"},
		{state(200, 210), state(10000000, 80138), "to compare them, quench resume A --sweeps 10000000 and quench resume B"},
		{state(200, 150), state(200, 210), "to compare them, quench resume A"},
		{state(100, 50), state(200, 60), "to compare them, quench resume A --sweeps 200 and quench resume B"},
	} {
		if got := sameLength([]string{"A", "B"}, [2]*sim.State{c.a, c.b}); got != c.want {
			t.Errorf("%d/%d and %d/%d: %q, want %q", c.a.Step, c.a.Config.Sweeps, c.b.Step, c.b.Config.Sweeps, got, c.want)
		}
	}
	// directories a shell would split, or read as a flag: quoted
	if got, want := sameLength([]string{"my run", "-b"}, [2]*sim.State{state(100, 50), state(200, 60)}), "to compare them, quench resume 'my run' --sweeps 200 and quench resume ./-b"; got != want {
		t.Errorf("%q, want %q", got, want)
	}
	// a control character (a line break) as $'...', on one line
	for s, want := range map[string]string{"a\nb": `$'a\x0ab'`, "it's\t\\": `$'it\'s\x09\\'`, "it's": `'it'\''s'`} {
		if got := shellWord(s); got != want {
			t.Errorf("shellWord(%q) = %s, want %s", s, got, want)
		}
	}
}

// A spin that differs is named by its index and by lattice.npy's
// [row, column] (an audit read "site 37" of 16x16; a sample's integer
// by what it sums, "magnetization sum", not "mag": sim's TestCompare*).
func TestCompareNamesSiteAndColumn(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	for _, d := range []string{a, b} {
		runSummary(t, d, "--L", "16", "--T", "3", "--sweeps", "20", "--therm", "0", "--quiet")
	}
	st, err := sim.ReadCheckpoint(b)
	if err != nil {
		t.Fatal(err)
	}
	st.Spins[37] = -st.Spins[37]
	if err := sim.WriteCheckpoint(b, st); err != nil {
		t.Fatal(err)
	}
	code, stdout, _ := runQ(t, "compare", a, b)
	if code != 1 || !strings.Contains(stdout, "differ: in the states at sweep 20, site 37 [2, 5] is ") {
		t.Errorf("a spin: exit %d\n%s", code, stdout)
	}
}

// Two runs that compare though their settings differ where neither uses
// them (a cold diffusion draws nothing: its seed) show each its own
// settings, not the first's for both (an audit's seeds 5 and 6).
func TestCompareUnusedSeed(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	for i, d := range []string{a, b} {
		if code, _, stderr := runQ(t, "run", "--model", "diffusion", "--L", "8", "--steps", "10", "--start", "cold", "--seed", fmt.Sprint(5+i), "--quiet", "--out", d); code != 0 {
			t.Fatalf("run %d: exit %d %s", i, code, stderr)
		}
	}
	code, out, _ := runQ(t, "compare", a, b)
	if want := a + ": diffusion 8x8 alpha=0.1 float64 seed=5\n" + b + ": diffusion 8x8 alpha=0.1 float64 seed=6\n"; code != 0 || !strings.HasPrefix(out, want) || !strings.Contains(out, "identical") {
		t.Errorf("exit %d:\n%s\nwant it to begin\n%s", code, out, want)
	}
}
