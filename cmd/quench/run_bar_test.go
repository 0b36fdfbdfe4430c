package main

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/quenchlab/quench/sim"
)

// A progress bar's line fits its terminal: fitBar drops the rate, then the
// count, the times and the description's details, as the columns shrink
// (the bar itself the progress bar shrinks; a line wider than the
// terminal wrapped and left a line behind at each redraw).
func TestFitBar(t *testing.T) {
	full := barLine{desc: "ising2d 1024x1024", short: "ising2d", unit: "sweeps", total: 1500, count: true, its: true, predict: true}
	for _, c := range []struct {
		cols                int
		desc                string
		count, its, predict bool
	}{
		{0, "ising2d 1024x1024", true, true, true},   // unknown: all
		{200, "ising2d 1024x1024", true, true, true}, // room
		{80, "ising2d 1024x1024", true, true, true},
		{70, "ising2d 1024x1024", true, false, true},
		{60, "ising2d 1024x1024", false, false, true},
		{40, "ising2d 1024x1024", false, false, false},
		{30, "ising2d", false, false, false},
		{12, "", false, false, false},
	} {
		got := fitBar(full, c.cols)
		if got.desc != c.desc || got.count != c.count || got.its != c.its || got.predict != c.predict {
			t.Errorf("%d columns: %+v", c.cols, got)
		}
		if c.cols >= 30 && got.width() >= c.cols {
			t.Errorf("%d columns: a line of up to %d", c.cols, got.width())
		}
	}
}

// TestProgressBarResumed: a resumed run's bar counts the steps it runs
// ("from step N", out of those left), so its rate and time left are its
// own (with the earlier steps set as progress the bar showed millions of
// steps a second).
func TestProgressBarResumed(t *testing.T) {
	out := filepath.Join(t.TempDir(), "r")
	args := []string{"--model", "kmp", "--L", "16", "--therm", "0", "--seed", "4", "--quiet"}
	if code, _, stderr := runQ(t, append([]string{"run", "--out", out, "--steps", "300"}, args...)...); code != 0 {
		t.Fatalf("run: exit %d %s", code, stderr)
	}
	testHookTerminal = func(w io.Writer) bool { return true }
	defer func() { testHookTerminal = nil }()
	var o, e bytes.Buffer
	if code := Main([]string{"resume", out, "--steps", "1000"}, &o, &e); code != 0 {
		t.Fatalf("resume: exit %d %s", code, e.String())
	}
	bar := e.String()
	if !strings.Contains(bar, "kmp 16x16 from step 300") || !strings.Contains(bar, "/700, ") || strings.Contains(bar, "/1000") {
		t.Errorf("the bar of a run resumed at step 300 of 1000 should count 700 steps from step 300:\n%q", bar)
	}
	if !regexp.MustCompile(`kmp 16x16 from step 300, \d+s left +\d+% `).MatchString(bar) {
		t.Errorf("no time left in the bar's description:\n%q", bar)
	}
	for _, m := range regexp.MustCompile(`\((\d+)/700, `).FindAllStringSubmatch(bar, -1) {
		if n, _ := strconv.Atoi(m[1]); n > 700 {
			t.Errorf("bar count %d past the 700 steps left", n)
		}
	}
}

// TestStartBar: a stationary sandpile's start, which takes seconds to a
// minute on large piles, has a bar of its own on a terminal, none with
// --quiet.
func TestStartBar(t *testing.T) {
	testHookTerminal = func(w io.Writer) bool { return true }
	defer func() { testHookTerminal = nil }()
	dir := t.TempDir()
	for _, quiet := range []bool{false, true} {
		args := []string{"run", "--out", filepath.Join(dir, fmt.Sprint(quiet)), "--model", "sandpile", "--L", "512", "--grains", "10", "--therm-grains", "0"}
		if quiet {
			args = append(args, "--quiet")
		}
		var o, e bytes.Buffer
		if code := Main(args, &o, &e); code != 0 {
			t.Fatalf("exit %d %s", code, e.String())
		}
		if got := regexp.MustCompile(`stationary start 512x512 +\d+% \|`).MatchString(e.String()); got == quiet {
			t.Errorf("quiet %v: start bar shown %v:\n%q", quiet, got, e.String())
		}
	}
}

// TestWritingNote: a large run's bar ends with its steps, and a line says
// that the last checkpoint and the outputs are being written (seconds of
// silence at 8192^2 before); none with --quiet or for a small run.
func TestWritingNote(t *testing.T) {
	testHookTerminal = func(w io.Writer) bool { return true }
	defer func() { testHookTerminal = nil }()
	dir := t.TempDir()
	for i, c := range []struct {
		limit uint64
		quiet bool
		want  bool
	}{{1, false, true}, {1, true, false}, {1 << 40, false, false}} {
		writingNoteBytes = c.limit
		args := []string{"run", "--out", filepath.Join(dir, fmt.Sprint(i)), "--L", "16", "--sweeps", "50"}
		if c.quiet {
			args = append(args, "--quiet")
		}
		var o, e bytes.Buffer
		code := Main(args, &o, &e)
		writingNoteBytes = 32 << 20
		if code != 0 {
			t.Fatalf("exit %d %s", code, e.String())
		}
		if got := strings.Contains(e.String(), "quench: writing the checkpoint and the outputs (up to "); got != c.want {
			t.Errorf("limit %d quiet %v: note %v, want %v:\n%q", c.limit, c.quiet, got, c.want, e.String())
		}
	}
}

// The bar's time left counts each kind of work at its own recent cost:
// thermalization steps, measured steps (until one is seen, at a
// thermalization step's) and profile snapshots (at 0 until one is seen,
// resumed at the mean of those taken before),
// scaled by the wall time the rest took; the bar's own, from the rate of
// its last few seconds, read a 2^22-site kmp ring's 60 steps with 30
// snapshots (0.55 s each) as 1 s left while 30 s were. A cost that grows
// (a sandpile filling) is taken at its recent value, not its mean so far.
func TestETA(t *testing.T) {
	c := sim.Config{Model: "kmp", Shape: []int{16}, Sweeps: 100, Therm: 20, Every: 1, ProfileEvery: 10}
	if c.Profiles() != 10 || c.TotalSweeps() != 120 {
		t.Fatalf("profiles %d, total %d: want 10 and 120 (the case this tests)", c.Profiles(), c.TotalSweeps())
	}
	var st *sim.State
	var m *etaModel
	var now time.Time
	start := func(s *sim.State) {
		st, now = s, time.Unix(1e9, 0)
		m = newETA(st)
		m.clock = func() time.Time { return now }
	}
	near := func(what string, want float64) {
		t.Helper()
		got, ok := m.left()
		if !ok || math.Abs(got.Seconds()-want) > 1e-3*want {
			t.Errorf("%s: %v left (%v), want %.4gs", what, got, ok, want)
		}
	}
	// a step of sec seconds and a snapshot of snap, the wall clock
	// advancing by both and by other (checkpoints, ...)
	step := func(sec, snap, other float64) {
		st.Step++
		st.SweepSeconds += sec
		if snap > 0 {
			st.ProfileSeconds += snap
			st.Profiles = append(st.Profiles, []float64{float64(st.Step)})
		}
		now = now.Add(time.Duration((sec + snap + other) * float64(time.Second)))
		m.update()
	}

	start(&sim.State{Config: c})
	b := &barETA{eta: m, desc: "kmp 16", show: true}
	if d := b.describe(); d != "kmp 16" {
		t.Errorf("before a step: %q", d)
	}
	for range 10 {
		step(0.01, 0, 0)
	}
	near("10 thermalization steps of 10 ms", 10*0.01+100*0.01)
	if d := b.describe(); d != "kmp 16, 1s left" {
		t.Errorf("description %q", d)
	}
	for range 10 {
		step(0.01, 0, 0)
	}
	for i := range 10 {
		step(0.02, map[bool]float64{true: 0.05}[i == 9], 0)
	}
	near("then 10 measured steps of 20 ms and a snapshot of 50 ms", 90*0.02+9*0.05)
	// the wall time twice the steps' and snapshots' (checkpoints, ...)
	// for 60 s, twelve etaWindows: twice the time left, and the steps'
	// recent cost (the earlier ones' weight e^-12)
	for range 30 {
		step(1, 0, 1)
	}
	if got, ok := m.left(); math.Abs(got.Seconds()/(2*(60*1+9*0.05))-1) > 0.01 || !ok {
		t.Errorf("then 30 steps of 1 s with 1 s besides each: %v left, want about %.4gs", got, 2*(60*1+9*0.05))
	}
	b.show = false
	if d := b.describe(); d != "kmp 16" {
		t.Errorf("no room for the time left: %q", d)
	}

	// a cost that grows: thermalization steps of 1 s for 100 s, then of
	// 10 s for 100 s: the recent 10 s, not the mean so far (1.8 s)
	long := c
	long.Therm, long.Sweeps, long.ProfileEvery = 1000, 1000, -1
	start(&sim.State{Config: long})
	for range 100 {
		step(1, 0, 0)
	}
	for range 10 {
		step(10, 0, 0)
	}
	if got, _ := m.left(); got.Seconds() < 0.99*10*1890 {
		t.Errorf("after steps of 1 s, then of 10 s: %v left, want about %v", got, 10*1890*time.Second)
	}

	// a resumed run past its thermalization: its measured steps alone,
	// and its 6 snapshots to come at the mean of the 4 it took before
	start(&sim.State{Config: c, Step: 60, Profiles: make([][]float64, 4), ProfileSeconds: 4 * 0.5})
	step(3, 0, 0)
	near("resumed at step 60", 59*3+6*0.5)
	// the snapshots to come at their own recent cost once one is taken
	for range 9 {
		step(3, 0, 0)
	}
	step(3, 1.5, 0)
	near("resumed, then a snapshot of 1.5 s", 49*3+5*(0.5+(1.5-0.5)/4))
}

// Without a terminal (a log) a run that lasts past runLogAfter says its
// settings on stderr, a resumed one from which step; --quiet, or a
// shorter run, says nothing.
func TestRunLogLine(t *testing.T) {
	saved := runLogAfter
	defer func() { runLogAfter = saved }()
	dir := t.TempDir()
	out := filepath.Join(dir, "a")
	code, _, stderr := runQ(t, "run", "--L", "8", "--sweeps", "10", "--quiet", "--out", out)
	if code != 0 || stderr != "" {
		t.Fatalf("a short run: exit %d %q", code, stderr)
	}
	runLogAfter = 0
	code, _, stderr = runQ(t, "resume", out, "--sweeps", "20")
	if want := "quench: running ising2d 8x8 T=2.269185314 (beta=0.4406867935) J=1 h=0 metropolis seed=1 on cpu: 10 sweeps from sweep 1010, into " + out + "\n"; code != 0 || stderr != want {
		t.Errorf("resume: exit %d %q, want %q", code, stderr, want)
	}
	b := filepath.Join(dir, "b")
	code, _, stderr = runQ(t, "run", "--L", "8", "--sweeps", "10", "--out", b)
	if want := "quench: running ising2d 8x8 T=2.269185314 (beta=0.4406867935) J=1 h=0 metropolis seed=1 on cpu: 1010 sweeps (1000 of thermalization), into " + b + "\n"; code != 0 || stderr != want {
		t.Errorf("run: exit %d %q, want %q", code, stderr, want)
	}
	code, _, stderr = runQ(t, "run", "--L", "8", "--sweeps", "10", "--quiet", "--out", filepath.Join(dir, "c"))
	if code != 0 || stderr != "" {
		t.Errorf("--quiet: exit %d %q", code, stderr)
	}
}
