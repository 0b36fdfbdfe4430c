//go:build unix

package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/quenchlab/quench/sim"
)

// SIGINT during a run writes a checkpoint and exits 130; resume then ends
// with exactly the lattice and series of an uninterrupted run.
func TestInterruptAndResume(t *testing.T) {
	dir := t.TempDir()
	args := []string{"--shape", "32x64", "--sweeps", "400", "--therm", "50", "--every", "3", "--seed", "77", "--quiet"}
	full := filepath.Join(dir, "full")
	if code, _, stderr := runQ(t, append([]string{"run", "--out", full}, args...)...); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	cut := filepath.Join(dir, "cut")
	sent := false
	testHookProgress = func(step int64) {
		if step == 123 && !sent {
			sent = true
			syscall.Kill(os.Getpid(), syscall.SIGINT)
		}
	}
	code, _, stderr := runQ(t, append([]string{"run", "--out", cut}, args...)...)
	testHookProgress = nil
	if code != 130 || !strings.Contains(stderr, "quench resume "+cut) {
		t.Fatalf("interrupted run: exit %d, stderr %q", code, stderr)
	}
	st, err := sim.ReadCheckpoint(cut)
	if err != nil || st.Done() || st.Step < 123 {
		t.Fatalf("checkpoint after interrupt: %v, %+v", err, st)
	}
	if _, err := os.Stat(filepath.Join(cut, "summary.json")); err == nil {
		t.Errorf("an interrupted run wrote summary.json")
	}
	if code, _, stderr := runQ(t, "resume", cut, "--quiet"); code != 0 {
		t.Fatalf("resume: exit %d, %s", code, stderr)
	}
	for _, name := range []string{"lattice.npy", "series.csv", "lattice.png"} {
		a, _ := os.ReadFile(filepath.Join(full, name))
		b, _ := os.ReadFile(filepath.Join(cut, name))
		if len(a) == 0 || !bytes.Equal(a, b) {
			t.Errorf("%s of the resumed run differs from the uninterrupted one", name)
		}
	}
	// a corrupted checkpoint is refused with exit 2
	p := filepath.Join(cut, "checkpoint.qck")
	data, _ := os.ReadFile(p)
	data[100] ^= 1
	os.WriteFile(p, data, 0o644)
	if code, _, stderr := runQ(t, "resume", cut); code != 2 || !strings.Contains(stderr, "checksum mismatch") {
		t.Errorf("corrupted checkpoint: exit %d, %q", code, stderr)
	}
}
