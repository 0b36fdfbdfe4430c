//go:build unix

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/quenchlab/quench/sim"
)

// signalAt makes the next run send itself sig after the given step, once,
// and wait until it is caught.
func signalAt(step int64, sig syscall.Signal) {
	sent := false
	testHookProgress = func(ctx context.Context, s int64) {
		if s == step && !sent {
			sent = true
			syscall.Kill(os.Getpid(), sig)
			<-ctx.Done()
		}
	}
}

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
	testHookProgress = func(ctx context.Context, step int64) {
		if step == 123 && !sent {
			sent = true
			syscall.Kill(os.Getpid(), syscall.SIGINT)
			// the signal arrives asynchronously: the run, which takes
			// milliseconds, must not finish before it is caught
			select {
			case <-ctx.Done():
			case <-time.After(time.Minute):
				t.Error("SIGINT not caught within a minute")
			}
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
	// shorter than it is set to (not than what it has measured so far): refused
	if code, _, stderr := runQ(t, "resume", cut, "--sweeps", "100", "--quiet"); code != 2 || !strings.Contains(stderr, "--sweeps 100 is fewer than the 400 measured sweeps the run is set to: resume can only extend a run") {
		t.Errorf("resume --sweeps 100: exit %d, %q", code, stderr)
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
	// an extension interrupted: the shorter run's outputs are gone, so
	// none passes for the longer run's, and the message says so
	signalAt(470, syscall.SIGINT)
	code, _, stderr = runQ(t, "resume", cut, "--sweeps", "600", "--quiet")
	testHookProgress = nil
	if code != 130 {
		t.Fatalf("interrupted extension: exit %d, %s", code, stderr)
	}
	if !strings.HasSuffix(stderr, "\nquench: note: the shorter run's outputs were removed when the extension began (its measurements are in the checkpoint); the extended run writes its own when it finishes\n") {
		t.Errorf("interrupted extension: %q says nothing of the shorter run's outputs", stderr)
	}
	for _, name := range sim.RunFiles() {
		if _, err := os.Stat(filepath.Join(cut, name)); (err == nil) != sim.IsStateFile(name) {
			t.Errorf("%s: present %v after the interrupted extension", name, err == nil)
		}
	}
	if _, err := os.Stat(filepath.Join(cut, lockFile)); err == nil {
		t.Errorf("the interrupted extension left its lock file")
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

// SIGINT while the outputs are computed ends the process at once with exit
// 130 and a way on; resume writes the outputs. --force over another model's
// run removes that run's files first, so an interrupted run leaves none of
// them beside its checkpoint.
func TestInterruptOutputsAndForce(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "r")
	if code, _, stderr := runQ(t, "run", "--model", "sandpile", "--L", "8", "--grains", "100", "--quiet", "--out", dir); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	args := []string{"run", "--L", "16", "--sweeps", "300", "--quiet", "--force", "--out", dir}
	testHookOutputs = func() {
		// as if summary.json had been written when the signal came: it
		// goes too, so no set of outputs looks whole
		os.WriteFile(filepath.Join(dir, sim.SummaryFile), []byte("{}"), 0o644)
		syscall.Kill(os.Getpid(), syscall.SIGINT)
		<-make(chan struct{}) // the outputs never come: the signal must end the run
	}
	code, _, stderr := runQ(t, args...)
	testHookOutputs = nil
	if code != 130 || !strings.Contains(stderr, "quench resume "+dir) {
		t.Fatalf("interrupted while writing outputs: exit %d, stderr %q", code, stderr)
	}
	for _, name := range sim.RunFiles() {
		_, err := os.Stat(filepath.Join(dir, name))
		if (err == nil) != sim.IsStateFile(name) {
			t.Errorf("%s: present %v after the interrupted --force run", name, err == nil)
		}
	}
	st, err := sim.ReadCheckpoint(dir)
	if err != nil || !st.Done() || st.Config.Model != "ising2d" {
		t.Fatalf("checkpoint: %v, %+v", err, st)
	}
	// a temporary file of a killed write goes with the next run in dir,
	// and only in dir, even when its name is a glob pattern
	tmp := filepath.Join(dir, ".summary.json.tmp123")
	os.WriteFile(tmp, []byte("x"), 0o644)
	other := filepath.Join(filepath.Dir(dir), "r1")
	os.Mkdir(other, 0o755)
	otherTmp := filepath.Join(other, ".series.csv.tmp9")
	os.WriteFile(otherTmp, []byte("x"), 0o644)
	sim.RemoveTemps(filepath.Join(filepath.Dir(dir), "r[1]"))
	if _, err := os.Stat(otherTmp); err != nil {
		t.Errorf("RemoveTemps of r[1] removed r1's temporary file")
	}
	if code, _, stderr := runQ(t, "resume", dir, "--quiet"); code != 0 {
		t.Fatalf("resume: exit %d, %s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, sim.SummaryFile)); err != nil {
		t.Errorf("resume did not write the outputs: %v", err)
	}
	if _, err := os.Stat(tmp); err == nil {
		t.Errorf("resume left %s", tmp)
	}
}

// --force refuses, before removing anything, a directory or link where an
// output file of a run would be.
func TestForceRefusesNonFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "r")
	if code, _, stderr := runQ(t, "run", "--L", "8", "--sweeps", "10", "--quiet", "--out", dir); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	os.Remove(filepath.Join(dir, sim.SeriesFile))
	os.MkdirAll(filepath.Join(dir, sim.SeriesFile, "x"), 0o755)
	code, _, stderr := runQ(t, "run", "--L", "8", "--sweeps", "10", "--quiet", "--force", "--out", dir)
	if code != 2 || !strings.Contains(stderr, "series.csv is a directory, not an output of a run") || strings.Count(stderr, "\n") != 1 {
		t.Errorf("--force over a directory named series.csv: exit %d %q", code, stderr)
	}
	for _, name := range []string{sim.CheckpointFile, sim.SummaryFile, sim.LatticeFile} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("the refused --force removed %s", name)
		}
	}
}

// SIGINT during bench ends the grid after the point being timed, exit 130,
// with the rows measured on stdout and in --json.
func TestBenchInterrupt(t *testing.T) {
	path := filepath.Join(t.TempDir(), "b.json")
	testHookBenchPoint = func(ctx context.Context) {
		syscall.Kill(os.Getpid(), syscall.SIGINT)
		<-ctx.Done()
	}
	code, stdout, stderr := runQ(t, "bench", "--backend", "cpu", "--sweeps", "1", "--min-time", "0", "--json", path)
	testHookBenchPoint = nil
	if code != 130 || !strings.Contains(stderr, "interrupted after 1 of ") || strings.Count(stdout, "\n") != 2 {
		t.Fatalf("interrupted bench: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	data, _ := os.ReadFile(path)
	var rows []map[string]any
	if err := json.Unmarshal(data, &rows); err != nil || len(rows) != 1 {
		t.Errorf("--json after the interrupt: %v, %d rows", err, len(rows))
	}
	// during the last point: still an interrupted run, exit 130
	n, calls := len(benchGrid("cpu")), 0
	testHookBenchPoint = func(ctx context.Context) {
		if calls++; calls == n {
			syscall.Kill(os.Getpid(), syscall.SIGINT)
			<-ctx.Done()
		}
	}
	code, _, stderr = runQ(t, "bench", "--backend", "cpu", "--sweeps", "1", "--min-time", "0")
	testHookBenchPoint = nil
	if code != 130 || !strings.Contains(stderr, fmt.Sprintf("interrupted after %d of %d benchmarks", n, n)) {
		t.Errorf("bench interrupted in its last point: exit %d, stderr %q", code, stderr)
	}
}

// A second SIGINT while bench finishes the point being timed stops it at
// once, with the rows measured written to --json (an audit's second
// Ctrl-C killed bench by the signal's default action, its --json lost).
func TestBenchSecondInterrupt(t *testing.T) {
	defer func(e func(int)) { exitOnInterrupt = e }(exitOnInterrupt)
	exited := make(chan int, 1)
	exitOnInterrupt = func(code int) { exited <- code }
	path := filepath.Join(t.TempDir(), "b.json")
	calls := 0
	testHookBenchPoint = func(ctx context.Context) {
		if calls++; calls != 2 {
			return
		}
		syscall.Kill(os.Getpid(), syscall.SIGINT)
		<-ctx.Done()
		// the point goes on being timed until the second signal ends bench
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			t.Error("the second interrupt did not end bench")
		}
	}
	testHookBenchNoted = func() { syscall.Kill(os.Getpid(), syscall.SIGINT) }
	defer func() { testHookBenchPoint, testHookBenchNoted = nil, nil }()
	code, _, stderr := runQ(t, "bench", "--backend", "cpu", "--sweeps", "1", "--min-time", "0", "--json", path)
	if code != 130 || !strings.Contains(stderr, "quench: interrupted again: stopped at once after 2 of ") {
		t.Errorf("bench interrupted twice: exit %d, stderr %q", code, stderr)
	}
	data, _ := os.ReadFile(path)
	var rows []map[string]any
	if err := json.Unmarshal(data, &rows); err != nil || len(rows) != 2 {
		t.Errorf("--json after the second interrupt: %v, %d rows", err, len(rows))
	}
	if tmp, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".b.json.tmp*")); len(tmp) > 0 {
		t.Errorf("left %v", tmp)
	}
}

// A lock taken on a lock file that its holder removed meanwhile (opened
// before the removal, locked after) does not count: lockRun lets it go and
// locks the file at the path, which another process then cannot lock.
//
// A lock taken on a lock file that was replaced meanwhile (its holder
// removed it, another process made a new one at the path) does not count
// either: lockRun locks the file now at the path.
func TestLockRemovedFile(t *testing.T) {
	for _, replaced := range []bool{false, true} {
		dir := t.TempDir()
		p := filepath.Join(dir, lockFile)
		calls := 0
		testHookLocked = func() {
			if calls++; calls == 1 {
				os.Remove(p) // as the previous holder's unlock would
				if replaced {
					os.WriteFile(p, nil, 0o644) // another process's new lock file
				}
			}
		}
		unlock, err := lockRun(dir)
		testHookLocked = nil
		if err != nil {
			t.Fatal(err)
		}
		if calls != 2 {
			t.Errorf("replaced %v: locked after %d tries, want 2", replaced, calls)
		}
		f, err := os.Open(p)
		if err != nil {
			t.Fatalf("replaced %v: no lock file at the path: %v", replaced, err)
		}
		if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err == nil {
			t.Errorf("replaced %v: the lock file at the path is not locked", replaced)
		}
		f.Close()
		unlock()
	}
}

// SIGINT while the start state is drawn ends the run at once: one line,
// exit 130, no directory.
func TestInterruptStart(t *testing.T) {
	out := filepath.Join(t.TempDir(), "r")
	block := make(chan struct{})
	defer close(block)
	testHookStart = func() {
		syscall.Kill(os.Getpid(), syscall.SIGINT)
		<-block // the state never comes: the signal must end the run
	}
	code, _, stderr := runQ(t, "run", "--model", "sandpile", "--L", "64", "--quiet", "--out", out)
	testHookStart = nil
	if code != 130 || stderr != "quench: interrupted while drawing the start state; nothing was written\n" {
		t.Errorf("interrupted start: exit %d, %q", code, stderr)
	}
	if _, err := os.Stat(out); err == nil {
		t.Errorf("an interrupted start created %s", out)
	}
}

// A --force run puts the old run aside until its own first checkpoint, and
// puts it back when interrupted before it starts.
func TestForceBackupLifetime(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "r")
	if code, _, stderr := runQ(t, "run", "--model", "sandpile", "--L", "8", "--grains", "100", "--quiet", "--out", dir); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	old, _ := os.ReadFile(filepath.Join(dir, sim.SummaryFile))
	backup := filepath.Join(dir, replacedDir)
	// interrupted after the old run is put aside, before the new one starts
	testHookBeforeRun = func(ctx context.Context) {
		if _, err := os.Stat(backup); err != nil {
			t.Errorf("the old run is not put aside: %v", err)
		}
		syscall.Kill(os.Getpid(), syscall.SIGINT)
		<-ctx.Done()
	}
	code, _, stderr := runQ(t, "run", "--L", "16", "--sweeps", "300", "--quiet", "--force", "--out", dir)
	testHookBeforeRun = nil
	if now, _ := os.ReadFile(filepath.Join(dir, sim.SummaryFile)); code != 130 || stderr != "quench: interrupted before the run started; nothing was written\n" || !bytes.Equal(now, old) {
		t.Errorf("interrupted before the run: exit %d, %q; old summary back: %v", code, stderr, bytes.Equal(now, old))
	}
	if _, err := os.Stat(backup); err == nil {
		t.Errorf("%s left after the old run was put back", replacedDir)
	}
	// the backup lives until the first checkpoint (at sweep 1050 of 1300)
	var at1049, at1051 bool
	testHookProgress = func(ctx context.Context, step int64) {
		_, err := os.Stat(backup)
		switch step {
		case 1049:
			at1049 = err == nil
		case 1051:
			at1051 = err == nil
		}
	}
	code, _, stderr = runQ(t, "run", "--L", "16", "--sweeps", "300", "--checkpoint-every", "1050", "--quiet", "--force", "--out", dir)
	testHookProgress = nil
	if code != 0 || !at1049 || at1051 {
		t.Errorf("--force run: exit %d %q; backup before the first checkpoint %v, after %v", code, stderr, at1049, at1051)
	}
	// a leftover backup without a run beside it goes with the next --force
	os.MkdirAll(filepath.Join(backup, "x"), 0o755)
	for _, name := range sim.RunFiles() {
		os.Remove(filepath.Join(dir, name))
	}
	if code, _, stderr := runQ(t, "run", "--L", "8", "--sweeps", "10", "--quiet", "--force", "--out", dir); code != 0 {
		t.Fatalf("--force over a leftover backup: exit %d %s", code, stderr)
	}
	if _, err := os.Stat(backup); err == nil {
		t.Errorf("the leftover %s survived a --force run", replacedDir)
	}
	// a backup beside a run (killed after its first checkpoint): the run
	// is what the directory holds
	os.MkdirAll(filepath.Join(backup, "x"), 0o755)
	if code, _, stderr := runQ(t, "run", "--L", "8", "--out", dir); code != 2 || !strings.Contains(stderr, "already holds a finished run (checkpoint.qck, summary.json)") {
		t.Errorf("run into a run with a stale backup: exit %d %q", code, stderr)
	}
}

// A signal before a resumed run goes on changes nothing in its directory
// (an extension's old outputs stay); SIGHUP, a closed terminal, is caught
// like SIGINT: a checkpoint and exit 130.
func TestResumeInterruptedEarlyAndHangup(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "r")
	if code, _, stderr := runQ(t, "run", "--L", "8", "--sweeps", "50", "--quiet", "--out", dir); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	testHookBeforeRun = func(ctx context.Context) {
		syscall.Kill(os.Getpid(), syscall.SIGINT)
		<-ctx.Done()
	}
	code, _, stderr := runQ(t, "resume", dir, "--sweeps", "400", "--quiet")
	testHookBeforeRun = nil
	if code != 130 || stderr != "quench: interrupted before the run in "+dir+" went on; nothing was changed\n" {
		t.Errorf("resume interrupted before the run: exit %d, %q", code, stderr)
	}
	for _, name := range []string{sim.SummaryFile, sim.SeriesFile, sim.LatticeFile} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("%s gone after an interrupt before the run: %v", name, err)
		}
	}
	if st, err := sim.ReadCheckpoint(dir); err != nil || st.Config.Sweeps != 50 {
		t.Errorf("checkpoint changed: %v", err)
	}
	// SIGHUP in the middle of the extension (not when the tests run under
	// nohup, whose ignored SIGHUP quench keeps ignored: signalAt would
	// wait for a stop that never comes)
	if signal.Ignored(syscall.SIGHUP) {
		// under nohup, or after a test's signal.Ignore (which
		// signal.Reset does not clear for signal.Ignored)
		t.Skip("SIGHUP is ignored in this process (nohup, or an earlier test): the rest needs it caught")
	}
	signalAt(1100, syscall.SIGHUP)
	code, _, stderr = runQ(t, "resume", dir, "--sweeps", "400", "--quiet")
	testHookProgress = nil
	if code != 130 || !strings.Contains(stderr, "interrupted after sweep 1100 of 1400") {
		t.Errorf("SIGHUP: exit %d, %q", code, stderr)
	}
	if st, err := sim.ReadCheckpoint(dir); err != nil || st.Step != 1100 {
		t.Errorf("checkpoint after SIGHUP: %v", err)
	}
}

// A run that fails after a checkpoint (here its log cannot be opened at
// the next one) says that resume goes on from it, and it does, to the
// uninterrupted run's end.
func TestFailureAfterCheckpointResumes(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	args := []string{"--L", "8", "--sweeps", "100", "--checkpoint-every", "500", "--quiet", "--seed", "9"}
	log := filepath.Join(a, sim.SeriesLogFile)
	testHookProgress = func(_ context.Context, step int64) {
		if step == 600 {
			os.Rename(log, log+".keep")
			os.Mkdir(log, 0o755)
		}
	}
	code, _, stderr := runQ(t, append([]string{"run", "--out", a}, args...)...)
	testHookProgress = nil
	if code != 1 || !strings.Contains(stderr, "checkpoint at sweep 1000: ") || !strings.Contains(stderr, "(the last checkpoint in "+a+" is whole: quench resume "+a+" goes on from it)") {
		t.Fatalf("failure after a checkpoint: exit %d, %q", code, stderr)
	}
	os.Remove(log)
	os.Rename(log+".keep", log)
	if code, _, stderr := runQ(t, "resume", a, "--quiet"); code != 0 {
		t.Fatalf("resume: exit %d %s", code, stderr)
	}
	runQ(t, append([]string{"run", "--out", b}, args...)...)
	x, _ := os.ReadFile(filepath.Join(a, sim.SeriesFile))
	y, _ := os.ReadFile(filepath.Join(b, sim.SeriesFile))
	if len(x) == 0 || !bytes.Equal(x, y) {
		t.Errorf("the resumed run's series differs from an uninterrupted one")
	}
}

// Review fixes: a failed lock keeps a lock file it did not make; a SIGHUP
// that nohup ignores stays ignored; a killed --force run's backup, the only
// copy of the old run, is put back when the next --force run is
// interrupted before it starts; a failed extension's advice names its
// length, and following it ends as the uninterrupted run.
func TestReviewFixes(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "r")
	if code, _, stderr := runQ(t, "run", "--L", "8", "--sweeps", "50", "--quiet", "--out", dir); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	lock := filepath.Join(dir, lockFile)
	os.Mkdir(lock, 0o755) // cannot be opened to lock
	if code, _, stderr := runQ(t, "resume", dir, "--quiet"); code != 2 || !strings.Contains(stderr, "cannot lock the run directory") {
		t.Errorf("resume with an unlockable lock file: exit %d %q", code, stderr)
	}
	if fi, err := os.Stat(lock); err != nil || !fi.IsDir() {
		t.Errorf("the failed lock removed a lock file it did not make: %v", err)
	}
	os.Remove(lock)

	signal.Ignore(syscall.SIGHUP)
	ctx, stop := catchSignals()
	syscall.Kill(os.Getpid(), syscall.SIGHUP)
	select {
	case <-ctx.Done():
		t.Errorf("an ignored SIGHUP cancelled the run")
	case <-time.After(200 * time.Millisecond):
	}
	stop()
	signal.Reset(syscall.SIGHUP)

	// the extension's first checkpoint cannot be written (a directory
	// where its log goes): the advice names --sweeps 400
	log := filepath.Join(dir, sim.SeriesLogFile)
	testHookBeforeRun = func(context.Context) {
		os.Rename(log, log+".keep")
		os.Mkdir(log, 0o755)
	}
	code, _, stderr := runQ(t, "resume", dir, "--sweeps", "400", "--quiet")
	testHookBeforeRun = nil
	if code != 1 || !strings.Contains(stderr, "quench resume "+dir+" --sweeps 400 goes on from it") {
		t.Errorf("failed extension: exit %d %q", code, stderr)
	}
	os.Remove(log)
	os.Rename(log+".keep", log)
	if code, _, stderr := runQ(t, "resume", dir, "--sweeps", "400", "--quiet"); code != 0 {
		t.Fatalf("the advised resume: exit %d %s", code, stderr)
	}
	other := filepath.Join(t.TempDir(), "o")
	runQ(t, "run", "--L", "8", "--sweeps", "400", "--quiet", "--out", other)
	x, _ := os.ReadFile(filepath.Join(dir, sim.SeriesFile))
	y, _ := os.ReadFile(filepath.Join(other, sim.SeriesFile))
	if len(x) == 0 || !bytes.Equal(x, y) {
		t.Errorf("the extension resumed as advised differs from a run of 400 sweeps")
	}

	// the old run, alone in a killed --force run's backup, comes back
	backup := filepath.Join(dir, replacedDir)
	os.Mkdir(backup, 0o755)
	for _, name := range sim.RunFiles() {
		os.Rename(filepath.Join(dir, name), filepath.Join(backup, name))
	}
	signalBeforeRun := func(ctx context.Context) {
		syscall.Kill(os.Getpid(), syscall.SIGINT)
		<-ctx.Done()
	}
	testHookBeforeRun = signalBeforeRun
	code, _, stderr = runQ(t, "run", "--L", "16", "--sweeps", "10", "--quiet", "--force", "--out", dir)
	testHookBeforeRun = nil
	if back, _ := os.ReadFile(filepath.Join(dir, sim.SeriesFile)); code != 130 || !bytes.Equal(back, x) {
		t.Errorf("--force over a killed run's backup, interrupted: exit %d %q; the old run back: %v", code, stderr, bytes.Equal(back, x))
	}
	if _, err := os.Stat(backup); err == nil {
		t.Errorf("%s left after the old run was put back", replacedDir)
	}
}

// A --force run killed while moving the old run aside leaves part of it in
// .quench-replaced (its checkpoint, log and summary) and part in place
// (series.csv, lattice.npy...). The next --force run takes the leftover as
// its backup (the old run's only checkpoint is there), not as stale, and
// interrupted before it starts puts the whole old run back.
func TestForceAfterPartialMove(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "r")
	args := []string{"--model", "kmp", "--L", "8", "--steps", "50", "--therm", "0", "--quiet", "--out", dir}
	if code, _, stderr := runQ(t, append([]string{"run"}, args...)...); code != 0 {
		t.Fatal(stderr)
	}
	backup := filepath.Join(dir, replacedDir)
	os.Mkdir(backup, 0o755)
	for _, name := range []string{sim.CheckpointFile, sim.SeriesLogFile, sim.SummaryFile} {
		if err := os.Rename(filepath.Join(dir, name), filepath.Join(backup, name)); err != nil {
			t.Fatal(err)
		}
	}
	testHookBeforeRun = func(ctx context.Context) {
		syscall.Kill(os.Getpid(), syscall.SIGINT)
		<-ctx.Done()
	}
	code, _, stderr := runQ(t, append([]string{"run", "--force"}, args...)...)
	testHookBeforeRun = nil
	if code != 130 {
		t.Errorf("interrupted --force run: exit %d %q", code, stderr)
	}
	for _, name := range []string{sim.CheckpointFile, sim.SeriesLogFile, sim.SummaryFile, sim.SeriesFile, sim.LatticeFile} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("the old run's %s is not back: %v", name, err)
		}
	}
	if st, err := sim.ReadCheckpoint(dir); err != nil || st.Step != 50 {
		t.Errorf("the old run's checkpoint: %v", err)
	}
}

// A signal while the outputs are computed ends the run at once, but the
// goroutine writing them goes on until the process ends: it must put no
// output (nor temporary file) in place after the outputs were removed (it
// left summary.json, series.csv and a partial .lattice.npy.tmp file in
// runs interrupted just before their outputs).
func TestInterruptOutputsWriterStopped(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "r")
	returned, ended := make(chan struct{}), make(chan struct{})
	testHookOutputs = func() {
		syscall.Kill(os.Getpid(), syscall.SIGINT)
		<-returned // the writer goes on only once the run has returned
	}
	testHookOutputsDone = func() { close(ended) }
	code, _, stderr := runQ(t, "run", "--model", "sandpile", "--L", "8", "--grains", "50", "--profile-every", "5", "--quiet", "--out", dir)
	testHookOutputs = nil
	close(returned)
	if code != 130 || !strings.Contains(stderr, "interrupted while writing the outputs") {
		t.Fatalf("interrupted while writing outputs: exit %d, stderr %q", code, stderr)
	}
	select {
	case <-ended:
	case <-time.After(time.Minute):
		t.Fatal("the writer did not end")
	}
	testHookOutputsDone = nil
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if !sim.IsStateFile(e.Name()) {
			t.Errorf("%s is in the directory of the interrupted run, after the writer ended", e.Name())
		}
	}
	if code, _, stderr := runQ(t, "resume", dir, "--quiet"); code != 0 {
		t.Fatalf("resume: exit %d, %s", code, stderr)
	}
	for _, name := range []string{sim.SummaryFile, sim.SeriesFile, sim.LatticeFile, sim.ActivityFile, sim.ProfilesFile} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("resume did not write %s: %v", name, err)
		}
	}
}

// A checkpoint or series log that is a named pipe (or a link to a device)
// is refused in one line: resume blocked for ever opening the pipe, with
// the signals caught, so that Ctrl-C and SIGTERM did nothing.
func TestResumeRefusesPipes(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "r")
	if code, _, stderr := runQ(t, "run", "--L", "8", "--sweeps", "20", "--quiet", "--out", dir); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, name := range []string{sim.CheckpointFile, sim.SeriesLogFile} {
		p := filepath.Join(dir, name)
		os.Rename(p, p+".keep")
		if err := syscall.Mkfifo(p, 0o644); err != nil {
			t.Skipf("mkfifo: %v", err)
		}
		type result struct {
			code   int
			stderr string
		}
		res := make(chan result, 1)
		go func() {
			code, _, stderr := runQ(t, "resume", dir, "--quiet")
			res <- result{code, stderr}
		}()
		select {
		case r := <-res:
			if want := "is a named pipe, not a file written by quench run\n"; r.code != 2 || !strings.HasSuffix(r.stderr, want) || strings.Count(r.stderr, "\n") != 1 {
				t.Errorf("resume with %s a named pipe: exit %d %q, want 2 and a line ending %q", name, r.code, r.stderr, want)
			}
		case <-time.After(10 * time.Second):
			t.Errorf("resume with %s a named pipe: still blocked after 10 s", name)
			if w, err := os.OpenFile(p, os.O_WRONLY, 0); err == nil { // its EOF lets the reader go
				w.Close()
			}
			<-res
		}
		os.Remove(p)
		os.Rename(p+".keep", p)
	}
	if code, _, stderr := runQ(t, "resume", dir, "--quiet"); code != 0 {
		t.Errorf("resume with the files back: exit %d %s", code, stderr)
	}
}

// A named pipe where a file is read is refused at once, not waited on: a
// --config FIFO, and a run directory whose summary.json is one.
func TestFIFOInputs(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "c.toml")
	if err := syscall.Mkfifo(cfg, 0o644); err != nil {
		t.Skip("no FIFOs here:", err)
	}
	run := filepath.Join(dir, "r")
	if code, _, stderr := runQ(t, "run", "--L", "4", "--sweeps", "10", "--quiet", "--out", run); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	os.Remove(filepath.Join(run, sim.SummaryFile))
	syscall.Mkfifo(filepath.Join(run, sim.SummaryFile), 0o644)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"run", "--config", cfg, "--L", "4", "--quiet", "--out", filepath.Join(dir, "o")}, "config file " + cfg + " is a named pipe (a FIFO), not a TOML file"},
		{[]string{"collect", run}, "collect: " + filepath.Join(run, sim.SummaryFile) + " is not a regular file"},
	} {
		done := make(chan [3]any, 1)
		go func() {
			code, stdout, stderr := runQ(t, c.args...)
			done <- [3]any{code, stdout, stderr}
		}()
		select {
		case r := <-done:
			if r[0] != 2 || r[1] != "" || !strings.Contains(r[2].(string), c.want) {
				t.Errorf("%q: exit %v, stdout %q, stderr %q; want exit 2 and %q", c.args, r[0], r[1], r[2], c.want)
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("%q: still waiting after 20 s", c.args)
		}
	}
}

// A signal as the steps of a new run begin, before its first step (after
// the pre-run check: the start state uploaded, the bar drawn), writes
// nothing: a --force run puts the old run back, a new directory goes. An
// audit found the replaced run gone, for a checkpoint of the start, after
// a Ctrl-C 0.6 s into a 4096^2 phi4 run. A resumed run interrupted there
// still checkpoints as before.
func TestInterruptBeforeFirstStep(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "r")
	if code, _, stderr := runQ(t, "run", "--L", "8", "--sweeps", "50", "--quiet", "--out", dir); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	old, _ := os.ReadFile(filepath.Join(dir, sim.SummaryFile))
	oldCk, _ := os.ReadFile(filepath.Join(dir, sim.CheckpointFile))
	steps := 0
	testHookProgress = func(context.Context, int64) { steps++ }
	testHookExecute = func(ctx context.Context) {
		syscall.Kill(os.Getpid(), syscall.SIGINT)
		<-ctx.Done()
	}
	defer func() { testHookExecute, testHookProgress = nil, nil }()
	code, _, stderr := runQ(t, "run", "--model", "phi4", "--L", "16", "--steps", "30", "--quiet", "--force", "--out", dir)
	now, _ := os.ReadFile(filepath.Join(dir, sim.SummaryFile))
	nowCk, _ := os.ReadFile(filepath.Join(dir, sim.CheckpointFile))
	if code != 130 || stderr != "quench: interrupted before the run started; nothing was written\n" || !bytes.Equal(now, old) || !bytes.Equal(nowCk, oldCk) || steps != 0 {
		t.Errorf("--force run interrupted before its first step: exit %d, %q; old summary back %v, old checkpoint back %v; %d steps", code, stderr, bytes.Equal(now, old), bytes.Equal(nowCk, oldCk), steps)
	}
	if _, err := os.Stat(filepath.Join(dir, replacedDir)); err == nil {
		t.Errorf("%s left after the old run was put back", replacedDir)
	}
	// a new directory (and the parents it made) goes
	fresh := filepath.Join(t.TempDir(), "a", "b")
	code, _, stderr = runQ(t, "run", "--L", "8", "--sweeps", "50", "--quiet", "--out", fresh)
	if _, err := os.Stat(filepath.Dir(fresh)); code != 130 || stderr != "quench: interrupted before the run started; nothing was written\n" || err == nil {
		t.Errorf("new run interrupted before its first step: exit %d, %q; %s left: %v", code, stderr, filepath.Dir(fresh), err == nil)
	}
	// resumed (extended): a checkpoint at the step it stood at, and the
	// usual message
	code, _, stderr = runQ(t, "resume", dir, "--sweeps", "100", "--quiet")
	if code != 130 || !strings.Contains(stderr, "interrupted after sweep 1050 of 1100; checkpoint written") {
		t.Errorf("resume interrupted before its first step: exit %d, %q", code, stderr)
	}
	if st, err := sim.ReadCheckpoint(dir); err != nil || st.Step != 1050 {
		t.Errorf("the resumed run's checkpoint: %v", err)
	}
}

// A new run whose checkpoint fails (at its end here: its directory gone
// from under it) and that leaves nothing says that its steps are lost with
// the directory it made (an audit read only of a write to a file in a
// directory that was gone); a refusal of its parameters says nothing of
// the kind.
func TestCheckpointFailedRunGone(t *testing.T) {
	out := filepath.Join(t.TempDir(), "r")
	testHookExecute = func(context.Context) { os.RemoveAll(out) }
	defer func() { testHookExecute = nil }()
	code, _, stderr := runQ(t, "run", "--L", "8", "--sweeps", "20", "--therm", "5", "--quiet", "--out", out)
	if code != 1 || strings.Count(stderr, "\n") != 1 || !strings.HasPrefix(stderr, "quench: checkpoint at sweep 25: ") ||
		!strings.HasSuffix(stderr, "; nothing of the run was kept, its 25 sweeps lost: its directory "+out+", which it made, was removed\n") {
		t.Errorf("a run whose checkpoint failed: exit %d, %q", code, stderr)
	}
	testHookExecute = nil
	// its parameters' fault, after steps: the refusal alone
	diverged := filepath.Join(t.TempDir(), "d")
	code, _, stderr = runQ(t, "run", "--model", "phi4", "--L", "4", "--lambda", "1e300", "--start", "cold", "--steps", "5", "--therm", "0", "--quiet", "--out", diverged)
	if _, err := os.Stat(diverged); code != 2 || !strings.Contains(stderr, "after step 1") || strings.Contains(stderr, "nothing of the run was kept") || err == nil {
		t.Errorf("a run refused for its parameters after a step: exit %d, %q; directory left %v", code, stderr, err == nil)
	}
}

// resume of a directory that holds no run refuses it as that, without
// taking a lock there first (an audit's `resume /etc` was refused for
// the lock file it could not make, not for holding no run).
func TestResumeNoRunNoLock(t *testing.T) {
	dir := t.TempDir()
	testHookLocked = func() { t.Error("resume locked a directory that holds no run") }
	defer func() { testHookLocked = nil }()
	code, _, stderr := runQ(t, "resume", dir)
	if code != 2 || stderr != "quench: no checkpoint in "+dir+": expected the file "+filepath.Join(dir, sim.CheckpointFile)+" written by quench run\n" {
		t.Errorf("resume of an empty directory: exit %d, %q", code, stderr)
	}
}

// A temporary file of collect's --csv that a killed process of this host
// left is removed by the next collect writing that file; one of a process
// still there (this one's), or of another host, is kept: it may be being
// written.
func TestCollectStaleTemps(t *testing.T) {
	dir := t.TempDir()
	run := filepath.Join(dir, "r")
	runSummary(t, run, "--L", "4", "--sweeps", "20", "--quiet")
	gone := exec.Command("true")
	if err := gone.Run(); err != nil {
		t.Skip(err)
	}
	tag := hostTag()
	stale := filepath.Join(dir, fmt.Sprintf(".c.csv.tmp%d-%s-123", gone.Process.Pid, tag))
	live := filepath.Join(dir, fmt.Sprintf(".c.csv.tmp%d-%s-456", os.Getpid(), tag))
	other := filepath.Join(dir, fmt.Sprintf(".d.csv.tmp%d-%s-789", gone.Process.Pid, tag))
	elsewhere := filepath.Join(dir, fmt.Sprintf(".c.csv.tmp%d-0badc0de-321", gone.Process.Pid)) // another host's
	for _, p := range []string{stale, live, other, elsewhere} {
		os.WriteFile(p, []byte("x"), 0o644)
	}
	if code, _, stderr := runQ(t, "collect", run, "--csv", filepath.Join(dir, "c.csv")); code != 0 {
		t.Fatalf("collect: exit %d %s", code, stderr)
	}
	for p, want := range map[string]bool{stale: false, live: true, other: true, elsewhere: true} {
		if _, err := os.Stat(p); (err == nil) != want {
			t.Errorf("%s: there %v, want %v", filepath.Base(p), err == nil, want)
		}
	}
}

// An interrupt during a step that goes on (a large sandpile's avalanche,
// which is not cut) says, after interruptNoteAfter, what the run waits for
// and what a second one loses; a second ends the process at once (exit
// 130), naming the checkpoint the run goes on from. A step that ends at
// once says nothing of it.
func TestSlowInterrupt(t *testing.T) {
	defer func(d time.Duration, e func(int)) { interruptNoteAfter, exitOnInterrupt, testHookProgress = d, e, nil }(interruptNoteAfter, exitOnInterrupt)
	exited := make(chan int, 1)
	var atExit func() // what the process would leave, looked at as it exits
	exitOnInterrupt = func(code int) {
		if atExit != nil {
			atExit()
		}
		exited <- code
	}
	args := []string{"--L", "16", "--sweeps", "40", "--therm", "0", "--quiet"}
	// a step of 300 ms after the signal: the note, then the checkpoint
	interruptNoteAfter = 50 * time.Millisecond
	slow := func(second bool) {
		sent := false
		testHookProgress = func(ctx context.Context, s int64) {
			if s != 5 || sent {
				return
			}
			sent = true
			syscall.Kill(os.Getpid(), syscall.SIGINT)
			<-ctx.Done()
			time.Sleep(300 * time.Millisecond) // the note comes at 50
			if second {
				syscall.Kill(os.Getpid(), syscall.SIGINT)
				select {
				case code := <-exited:
					if code != 130 {
						t.Errorf("exit %d, want 130", code)
					}
				case <-time.After(10 * time.Second):
					t.Error("the second interrupt did not stop the run")
				}
			}
		}
	}
	dir := t.TempDir()
	slow(false)
	code, _, stderr := runQ(t, append([]string{"run", "--out", filepath.Join(dir, "a")}, args...)...)
	note := "quench: interrupt noted: the sweep under way has not ended after 50ms (a sweep is not cut); the checkpoint is written once it has. A second Ctrl-C stops at once, losing what ran since the start: no checkpoint of the run has been written yet\n"
	if code != 130 || !strings.HasPrefix(stderr, note) || !strings.Contains(stderr, "quench: interrupted after sweep 5 of 40; checkpoint written") {
		t.Errorf("one interrupt in a slow sweep: exit %d, stderr %q", code, stderr)
	}
	// a checkpoint every 2 sweeps: the second interrupt names sweep 4's
	slow(true)
	b := filepath.Join(dir, "b")
	_, _, stderr = runQ(t, append([]string{"run", "--out", b, "--checkpoint-every", "2"}, args...)...)
	if !strings.Contains(stderr, "since the last checkpoint, after sweep 4\nquench: stopped at once by a second interrupt: the run goes on from its checkpoint after sweep 4 with: quench resume "+b+"\n") {
		t.Errorf("a second interrupt: stderr %q", stderr)
	}
	// before the first checkpoint: the directory the run made goes, and
	// a run that --force was replacing is put back
	slow(true)
	c := filepath.Join(dir, "new", "c")
	var left error
	atExit = func() { _, left = os.Stat(filepath.Join(dir, "new")) }
	_, _, stderr = runQ(t, append([]string{"run", "--out", c}, args...)...)
	if !strings.Contains(stderr, "quench: stopped at once by a second interrupt, before the run's first checkpoint: nothing of it was kept\n") {
		t.Errorf("a second interrupt before a checkpoint: stderr %q", stderr)
	}
	if left == nil {
		t.Errorf("the directories the run made are left at its exit")
	}
	old, _ := os.ReadFile(filepath.Join(dir, "a", sim.CheckpointFile))
	var back []byte
	atExit = func() { back, _ = os.ReadFile(filepath.Join(dir, "a", sim.CheckpointFile)) }
	slow(true)
	_, _, stderr = runQ(t, append([]string{"run", "--out", filepath.Join(dir, "a"), "--force"}, args...)...)
	atExit = nil
	if !strings.Contains(stderr, "nothing of it was kept, and the run it was replacing is back\n") || len(old) == 0 || !bytes.Equal(old, back) {
		t.Errorf("a second interrupt of a --force run before a checkpoint: the old checkpoint back %v, stderr %q", bytes.Equal(old, back), stderr)
	}
	// a sweep that ends at once: no note
	interruptNoteAfter = 2 * time.Second
	signalAt(5, syscall.SIGINT)
	code, _, stderr = runQ(t, append([]string{"run", "--out", filepath.Join(dir, "d")}, args...)...)
	if code != 130 || strings.Contains(stderr, "interrupt noted") {
		t.Errorf("an interrupt in a quick sweep: exit %d, stderr %q", code, stderr)
	}
}
