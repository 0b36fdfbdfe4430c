package main

import (
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/quenchlab/quench/sim"
)

// The tests interrupt themselves with SIGINT: they catch it even where the
// process started with it ignored (a CI job started with & by a script),
// and keep the real answer for SIGHUP.
func TestMain(m *testing.M) {
	signalIgnored = func(s os.Signal) bool { return s != os.Interrupt && signal.Ignored(s) }
	os.Exit(m.Run())
}

// A signal the process started with ignored stays ignored: SIGHUP under
// nohup, SIGINT in a job a script started with &. SIGTERM is always caught.
func TestCaughtSignalsKeepIgnored(t *testing.T) {
	keep := signalIgnored
	defer func() { signalIgnored = keep }()
	for _, tc := range []struct {
		ignored []os.Signal
		want    []os.Signal
	}{
		{nil, []os.Signal{syscall.SIGTERM, os.Interrupt, syscall.SIGHUP}},
		{[]os.Signal{os.Interrupt}, []os.Signal{syscall.SIGTERM, syscall.SIGHUP}},
		{[]os.Signal{syscall.SIGHUP}, []os.Signal{syscall.SIGTERM, os.Interrupt}},
		{[]os.Signal{os.Interrupt, syscall.SIGHUP, syscall.SIGTERM}, []os.Signal{syscall.SIGTERM}},
	} {
		signalIgnored = func(s os.Signal) bool { return slices.Contains(tc.ignored, s) }
		if got := caughtSignals(); !slices.Equal(got, tc.want) {
			t.Errorf("ignored %v: caught %v, want %v", tc.ignored, got, tc.want)
		}
	}
}

// An interrupt while collect writes its outputs removes the temporary
// files it staged (an audit's collect --csv --plot, interrupted, left
// them beside the outputs 7 times in 9), says so in one line and exits
// 130: here once the CSV is staged, and once both are.
func TestCollectInterruptRemovesStaged(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	runSummary(t, a, "--L", "4", "--T", "3", "--sweeps", "20", "--quiet")
	runSummary(t, b, "--L", "4", "--T", "4", "--sweeps", "20", "--quiet")
	defer func(h func(), e func(int)) { testHookStaged, exitOnInterrupt = h, e }(testHookStaged, exitOnInterrupt)
	for _, at := range []int{1, 2} {
		out := filepath.Join(dir, fmt.Sprintf("out%d", at))
		if err := os.Mkdir(out, 0o755); err != nil {
			t.Fatal(err)
		}
		exited := make(chan int, 1)
		exitOnInterrupt = func(code int) { exited <- code }
		staged := 0
		testHookStaged = func() {
			if staged++; staged != at {
				return
			}
			if err := syscall.Kill(os.Getpid(), syscall.SIGINT); err != nil {
				t.Fatal(err)
			}
			select {
			case code := <-exited:
				if code != exitInterrupted {
					t.Errorf("exit %d, want %d", code, exitInterrupted)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("the interrupt was not handled")
			}
		}
		// (the process goes on here, where it would have exited: its
		// renames then find no file)
		_, _, stderr := runQ(t, "collect", a, b, "--csv", filepath.Join(out, "s.csv"), "--plot", filepath.Join(out, "s.png"))
		if !strings.HasPrefix(stderr, "quench: collect interrupted; the outputs it had not finished were removed, none is half-written\n") {
			t.Errorf("staged %d: stderr %q", at, stderr)
		}
		left, err := os.ReadDir(out)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range left {
			t.Errorf("staged %d: %s left in the output directory", at, e.Name())
		}
		if staging.files != nil && len(staging.files) > 0 {
			t.Errorf("staged %d: still tracked: %v", at, staging.files)
		}
	}
}

// interruptSelf sends this process SIGINT and waits for its handler to
// call exitOnInterrupt (which the test has made send on exited).
func interruptSelf(t *testing.T, exited chan int) {
	t.Helper()
	if err := syscall.Kill(os.Getpid(), syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case <-exited:
	case <-time.After(10 * time.Second):
		t.Fatal("the interrupt was not handled")
	}
}

// An interrupt while collect has nothing staged says only that it was
// interrupted; one while a file is staged removes it.
func TestRemoveOnInterruptLine(t *testing.T) {
	defer func(e func(int)) { exitOnInterrupt = e }(exitOnInterrupt)
	for _, withFile := range []bool{false, true} {
		exited := make(chan int, 1)
		exitOnInterrupt = func(code int) { exited <- code }
		var buf strings.Builder
		var s *staged
		if withFile {
			var err error
			if s, err = stageWhole(filepath.Join(t.TempDir(), "x.csv"), "--csv", func(w io.Writer) error { return nil }); err != nil {
				t.Fatal(err)
			}
		}
		stop := removeOnInterrupt(&buf, "collect")
		interruptSelf(t, exited)
		stop()
		want := "quench: collect interrupted\n"
		if withFile {
			want = "quench: collect interrupted; the outputs it had not finished were removed, none is half-written\n"
			if _, err := os.Stat(s.tmp); err == nil {
				t.Errorf("%s left", s.tmp)
			}
		}
		staging.Lock()
		got, left := buf.String(), len(staging.files)
		staging.Unlock()
		if got != want || left != 0 {
			t.Errorf("staged %v: %q, %d tracked; want %q", withFile, got, left, want)
		}
	}
}

// An interrupt while collect --series shows its bar clears the bar first:
// the line is one of its own, not written over the bar's (an audit saw
// them on one line).
func TestRemoveOnInterruptClearsBar(t *testing.T) {
	defer func(e func(int)) { exitOnInterrupt = e }(exitOnInterrupt)
	defer func(n int64, h func(io.Writer) bool) { seriesBarBytes, testHookTerminal = n, h }(seriesBarBytes, testHookTerminal)
	seriesBarBytes = 1
	testHookTerminal = func(io.Writer) bool { return true }
	dir := t.TempDir()
	runSummary(t, dir, "--L", "4", "--sweeps", "300", "--quiet")
	runs, err := readRuns([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	exited := make(chan int, 1)
	exitOnInterrupt = func(code int) { exited <- code }
	var buf lockedBuffer
	stop := removeOnInterrupt(&buf, "collect")
	progress, done := seriesProgress(runs, &buf)
	if progress == nil {
		t.Fatal("no bar")
	}
	// a third of the file read, as when the interrupt comes mid-read
	fi, err := os.Stat(filepath.Join(dir, sim.SeriesFile))
	if err != nil {
		t.Fatal(err)
	}
	progress.Write(make([]byte, fi.Size()/3))
	interruptSelf(t, exited)
	stop()
	done()
	got := buf.String()
	if !strings.Contains(got, "reading series.csv") {
		t.Fatalf("the bar was not drawn: %q", got)
	}
	// what a terminal shows last: the text after the last carriage return
	last := got[strings.LastIndexByte(got, '\r')+1:]
	if last != "quench: collect interrupted\n" {
		t.Errorf("the line after the bar: %q (all: %q)", last, got)
	}
}
