package main

import (
	"bytes"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
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
		{80, "ising2d 1024x1024", true, false, true},
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
		writingNoteBytes = 256 << 20
		if code != 0 {
			t.Fatalf("exit %d %s", code, e.String())
		}
		if got := strings.Contains(e.String(), "quench: writing the checkpoint and the outputs (up to "); got != c.want {
			t.Errorf("limit %d quiet %v: note %v, want %v:\n%q", c.limit, c.quiet, got, c.want, e.String())
		}
	}
}
