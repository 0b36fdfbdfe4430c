package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"testing"

	"github.com/quenchlab/quench"
	"github.com/quenchlab/quench/gpu"
	"github.com/quenchlab/quench/sim"
)

func TestAutoBackendFallsBack(t *testing.T) {
	if gpu.Available {
		t.Skip("a cuda build uses the GPU for auto")
	}
	code, _, stderr := runQ(t, "run", "--backend", "auto", "--L", "8", "--sweeps", "10", "--out", filepath.Join(t.TempDir(), "o"))
	if code != 0 || !strings.Contains(stderr, "note: no CUDA backend") || strings.Count(stderr, "\n") != 1 {
		t.Errorf("auto backend: exit %d, stderr %q", code, stderr)
	}
}

// A directory with a run's outputs but no checkpoint or summary (deleted)
// is refused without --force (a plain run replaced its series.csv), and
// --force takes it; files that are not a run's stay either way.
func TestStrayOutputsHeld(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ud")
	os.MkdirAll(dir, 0o755)
	os.WriteFile(filepath.Join(dir, sim.SeriesFile), []byte("mydata\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("precious\n"), 0o644)
	args := []string{"run", "--model", "sandpile", "--L", "8", "--grains", "10", "--quiet", "--out", dir}
	code, _, stderr := runQ(t, args...)
	if data, _ := os.ReadFile(filepath.Join(dir, sim.SeriesFile)); code != 2 || !strings.Contains(stderr, "already holds a run's outputs (series.csv, no checkpoint to resume)") || string(data) != "mydata\n" {
		t.Errorf("stray series.csv: exit %d, %q, series.csv %q", code, stderr, data)
	}
	if code, _, stderr := runQ(t, append(args, "--force")...); code != 0 {
		t.Fatalf("--force: exit %d %s", code, stderr)
	}
	if data, _ := os.ReadFile(filepath.Join(dir, "notes.txt")); string(data) != "precious\n" {
		t.Errorf("notes.txt: %q", data)
	}
	// a measurement log alone (a --force run killed before its first
	// checkpoint) is not a run
	bare := filepath.Join(t.TempDir(), "bare")
	os.MkdirAll(bare, 0o755)
	os.WriteFile(filepath.Join(bare, sim.SeriesLogFile), nil, 0o644)
	if name := heldRun(bare); name != "" {
		t.Errorf("a lone %s counts as a run: %q", sim.SeriesLogFile, name)
	}
}

// Runs without --out started in the same second get their own directories,
// claimed atomically; a name that cannot be a directory is refused, not
// looped over.
func TestClaimDir(t *testing.T) {
	base := filepath.Join(t.TempDir(), "runs", "ising2d-8x8-20261129-054829")
	if got, err := claimDir(base); got != base || err != nil {
		t.Errorf("no directory yet: %s %v, want %s", got, err, base)
	}
	os.MkdirAll(base+"-2", 0o755)
	if got, err := claimDir(base); got != base+"-3" || err != nil {
		t.Errorf("two taken: %s %v, want %s-3", got, err, base)
	}
	if fi, err := os.Stat(base + "-3"); err != nil || !fi.IsDir() {
		t.Errorf("claimed directory not created: %v", err)
	}
	file := filepath.Join(t.TempDir(), "runs")
	os.WriteFile(file, []byte("x"), 0o644)
	if _, err := claimDir(filepath.Join(file, "x")); err == nil || !quench.IsUsage(err) {
		t.Errorf("runs is a file: want a usage error, got %v", err)
	}
}

// A --force run that fails with nothing to resume puts back the run it was
// to replace; one that fails after writing a checkpoint keeps its own. A
// failed run without --out removes runs/ only if it made it.
func TestForceRestoresOnFailure(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "r")
	if code, _, stderr := runQ(t, "run", "--model", "sandpile", "--L", "8", "--grains", "100", "--quiet", "--out", dir); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	before, _ := os.ReadFile(filepath.Join(dir, sim.SummaryFile))
	diverge := []string{"run", "--model", "phi4", "--L", "32", "--dt", "0.19", "--therm", "0", "--quiet", "--force", "--out", dir}
	code, _, stderr := runQ(t, diverge...)
	if code != 2 || !strings.Contains(stderr, "either the state is diverging (reduce --dt or --T)") || !strings.Contains(stderr, "(--force: the run that was in "+dir+" is restored)") || strings.Count(stderr, "\n") != 1 {
		t.Errorf("failed --force run: exit %d, %q", code, stderr)
	}
	after, _ := os.ReadFile(filepath.Join(dir, sim.SummaryFile))
	if len(before) == 0 || !bytes.Equal(before, after) {
		t.Errorf("the sandpile's summary.json was not restored")
	}
	if st, err := sim.ReadCheckpoint(dir); err != nil || st.Config.Model != "sandpile" {
		t.Errorf("restored checkpoint: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, replacedDir)); err == nil {
		t.Errorf("%s left behind", replacedDir)
	}
	// diverging after its first checkpoint (step 4): that run stays
	code, _, stderr = runQ(t, append(diverge, "--every", "500", "--checkpoint-every", "4")...)
	if code != 2 || strings.Contains(stderr, "restored") {
		t.Errorf("failed --force run with a checkpoint: exit %d, %q", code, stderr)
	}
	if st, err := sim.ReadCheckpoint(dir); err != nil || st.Config.Model != "phi4" || st.Step == 0 {
		t.Errorf("the failed run's checkpoint: %v", err)
	}
	for _, name := range []string{sim.SummaryFile, replacedDir} {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			t.Errorf("%s left beside the new run's checkpoint", name)
		}
	}
	// a killed --force run's backup: a plain run refuses the directory,
	// resume says where the old run is
	os.MkdirAll(filepath.Join(dir, replacedDir), 0o755)
	os.Remove(filepath.Join(dir, sim.CheckpointFile))
	code, _, stderr = runQ(t, "run", "--L", "8", "--out", dir)
	if code != 2 || !strings.Contains(stderr, "holds, in .quench-replaced, the run that a `run --force` killed") {
		t.Errorf("run into a directory with a backup: exit %d, %q", code, stderr)
	}
	code, _, stderr = runQ(t, "resume", dir)
	if code != 2 || !strings.Contains(stderr, "no checkpoint in") || !strings.Contains(stderr, ".quench-replaced holds the run") {
		t.Errorf("resume of a directory with a backup: exit %d, %q", code, stderr)
	}
	// runs/: kept when it was there, removed when the run made it
	t.Chdir(t.TempDir())
	os.Mkdir("runs", 0o755)
	for _, had := range []bool{true, false} {
		code, _, _ := runQ(t, diverge[:len(diverge)-3]...)
		if _, err := os.Stat("runs"); code != 2 || (err == nil) != had {
			t.Errorf("runs/ there before: %v; exit %d, there after: %v", had, code, err == nil)
		}
		os.Remove("runs")
	}
	// nor the parents of --out it made
	os.Mkdir("n1", 0o755)
	if code, _, _ := runQ(t, append(diverge[:len(diverge)-3], "--out", "n1/n2/n3")...); code != 2 {
		t.Errorf("diverging run into n1/n2/n3: exit %d", code)
	}
	if _, err := os.Stat("n1/n2"); err == nil {
		t.Errorf("a failed run left n1/n2")
	}
	if _, err := os.Stat("n1"); err != nil {
		t.Errorf("a failed run removed n1, which was there before: %v", err)
	}
	// a failure that is not the parameters' (exit 1: the checkpoint
	// cannot be written, a directory where its log goes) still says the
	// old run is back (its summary here; its log was taken away first, so
	// that the restore has nothing to put where that directory is)
	if code, _, stderr := runQ(t, "run", "--L", "8", "--sweeps", "10", "--quiet", "--out", "n1"); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	os.Remove(filepath.Join("n1", sim.SeriesLogFile))
	old, _ := os.ReadFile(filepath.Join("n1", sim.SummaryFile))
	testHookBeforeRun = func(context.Context) { os.Mkdir(filepath.Join("n1", sim.SeriesLogFile), 0o755) }
	code, _, stderr = runQ(t, "run", "--L", "16", "--sweeps", "10", "--quiet", "--force", "--out", "n1")
	testHookBeforeRun = nil
	if now, _ := os.ReadFile(filepath.Join("n1", sim.SummaryFile)); code != 1 || !strings.Contains(stderr, "(--force: the run that was in n1 is restored)") || !bytes.Equal(now, old) {
		t.Errorf("--force run failing on its checkpoint: exit %d, %q", code, stderr)
	}
}

// A run directory another quench process works in is refused by run
// --force and resume, with nothing in it touched; a finished run leaves no
// lock file.
func TestRunDirLock(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "r")
	if code, _, stderr := runQ(t, "run", "--L", "8", "--sweeps", "10", "--quiet", "--out", dir); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, lockFile)); err == nil {
		t.Errorf("a finished run left %s", lockFile)
	}
	unlock, err := lockRun(dir) // as another process would hold it
	if err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"resume", dir, "--sweeps", "20"}, {"run", "--L", "8", "--force", "--out", dir}} {
		code, _, stderr := runQ(t, args...)
		if code != 2 || !strings.Contains(stderr, dir+" is in use by another quench process") || strings.Count(stderr, "\n") != 1 {
			t.Errorf("%v: exit %d, %q", args, code, stderr)
		}
	}
	unlock()
	// a run that ends in the directory between the check of --out and the
	// lock is still refused (without --force)
	fresh := filepath.Join(t.TempDir(), "fresh")
	testHookLocked = func() { os.WriteFile(filepath.Join(fresh, sim.SummaryFile), []byte("{}"), 0o644) }
	code, _, stderr := runQ(t, "run", "--L", "8", "--sweeps", "10", "--quiet", "--out", fresh)
	testHookLocked = nil
	if data, _ := os.ReadFile(filepath.Join(fresh, sim.SummaryFile)); code != 2 || !strings.Contains(stderr, "already holds a run's outputs") || string(data) != "{}" {
		t.Errorf("a run finished meanwhile: exit %d, %q, its summary %q", code, stderr, data)
	}
	if st, err := sim.ReadCheckpoint(dir); err != nil || st.Config.Sweeps != 10 {
		t.Errorf("the locked run was changed: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, sim.SummaryFile)); err != nil {
		t.Errorf("the locked run lost its summary: %v", err)
	}
	if code, _, stderr := runQ(t, "resume", dir, "--sweeps", "20", "--quiet"); code != 0 {
		t.Errorf("resume after the lock is released: exit %d, %s", code, stderr)
	}
}

// Outputs that fail to be written leave none of the run's outputs beside
// the checkpoint (not a mix of this run's and an earlier one's), exit 1,
// and say how to get them.
func TestOutputFailureLeavesNoMix(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "r")
	if code, _, stderr := runQ(t, "run", "--L", "8", "--sweeps", "10", "--quiet", "--out", dir); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	// a directory where lattice.png goes, made after resume's checks
	// (which refuse one up front): its write fails after the summary,
	// series and lattice are written
	png := filepath.Join(dir, sim.ImageFile)
	testHookOutputs = func() {
		os.Remove(png)
		os.MkdirAll(filepath.Join(png, "x"), 0o755)
	}
	defer func() { testHookOutputs = nil }()
	code, _, stderr := runQ(t, "resume", dir, "--sweeps", "20", "--quiet")
	if code != 1 || !strings.Contains(stderr, "writing the outputs: ") || !strings.Contains(stderr, "quench resume "+dir+" writes them") {
		t.Errorf("failed outputs: exit %d, %q", code, stderr)
	}
	for _, name := range []string{sim.SummaryFile, sim.SeriesFile, sim.LatticeFile} {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			t.Errorf("%s left beside the checkpoint", name)
		}
	}
	if st, err := sim.ReadCheckpoint(dir); err != nil || !st.Done() || st.Config.Sweeps != 20 {
		t.Errorf("checkpoint after the failed outputs: %v", err)
	}
}

// A stale .quench-replaced beside a run with its own checkpoint is removed
// by run --force: when the new run then fails before its first checkpoint,
// only the old run's files come back, none of the stale backup's.
func TestForceDropsStaleBackup(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "r")
	if code, _, stderr := runQ(t, "run", "--L", "8", "--sweeps", "10", "--quiet", "--out", dir); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	stale := filepath.Join(dir, replacedDir)
	os.MkdirAll(stale, 0o755)
	os.WriteFile(filepath.Join(stale, sim.ActivityFile), []byte("stale"), 0o644)
	code, _, stderr := runQ(t, "run", "--model", "phi4", "--L", "32", "--dt", "0.19", "--therm", "0", "--quiet", "--force", "--out", dir)
	if code != 2 || !strings.Contains(stderr, "is restored") {
		t.Fatalf("diverging --force run: exit %d %q", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, sim.ActivityFile)); err == nil {
		t.Errorf("the stale backup's %s was restored into the run directory", sim.ActivityFile)
	}
	if _, err := os.Stat(stale); err == nil {
		t.Errorf("%s left behind", replacedDir)
	}
	if st, err := sim.ReadCheckpoint(dir); err != nil || st.Config.Model != "ising2d" {
		t.Errorf("restored run: %v", err)
	}
}

// An --out path too long for the system is refused in one line, before the
// run, leaving none of the directories it began to make: one whose
// directories can be made, but not the run's temporary files in them, too
// (it failed at its first checkpoint, after the run's work, leaving its
// series log); one longer than the limit left the parents made before the
// part that failed.
func TestOutPathTooLong(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the path limit checked is Linux's PATH_MAX, 4096 bytes")
	}
	t.Chdir(t.TempDir())
	parts := make([]string, 20)
	for i := range parts {
		parts[i] = strings.Repeat("d", 200)
	}
	deep := strings.Join(parts, "/") // 4019 bytes: its directories can be made
	for _, out := range []string{
		deep + "/" + strings.Repeat("g", 50),                                   // 4070: .checkpoint.qck.tmpNNNNNNNNNN is past 4096
		deep + "/" + strings.Repeat("g", 200) + "/" + strings.Repeat("h", 200), // past 4096 itself
		deep + "/" + strings.Repeat("g", 66),                                   // 4085: the lock file's name is past 4096
	} {
		code, _, stderr := runQ(t, "run", "--L", "8", "--sweeps", "20", "--therm", "0", "--quiet", "--out", out)
		if code != 2 || !strings.Contains(stderr, "file name too long): choose a shorter path or another directory") || strings.Count(stderr, "\n") != 1 {
			t.Errorf("--out of %d bytes: exit %d, %q (want 2, file name too long)", len(out), code, stderr)
		}
		if _, err := os.Stat(parts[0]); err == nil {
			t.Errorf("--out of %d bytes: the directories it made are left", len(out))
			os.RemoveAll(parts[0])
		}
	}
}

// An --out (or runs/) that is, or passes through, a link to nothing or a
// link loop is refused in one line, before the run, and the link is left
// as it was (it was taken for a missing directory the run made, and
// removed when making the directories through it failed); a working link
// is followed.
func TestOutThroughLinks(t *testing.T) {
	t.Chdir(t.TempDir())
	links := map[string]string{"dangling": "nowhere", "deep": "nowhere/deeper", "loop": "loop", "good": "real"}
	for name, target := range links {
		if err := os.Symlink(target, name); err != nil {
			t.Skip("no symbolic links here:", err)
		}
	}
	for _, c := range []struct{ out, want string }{
		{"dangling", "--out dangling is a link to nothing (nowhere): give a directory, or create the link's target"},
		{"dangling/x", "--out dangling/x: dangling is a link to nothing (nowhere): give another directory, or create the link's target"},
		{"deep/x/y", "--out deep/x/y: deep is a link to nothing (nowhere/deeper)"},
		{"loop/x", "--out loop/x: loop is a link that cannot be followed (loop: too many levels of symbolic links)"},
	} {
		code, _, stderr := runQ(t, "run", "--L", "8", "--sweeps", "20", "--therm", "0", "--quiet", "--out", c.out)
		if code != 2 || !strings.Contains(stderr, c.want) || strings.Count(stderr, "\n") != 1 {
			t.Errorf("--out %s: exit %d, %q (want 2, %q)", c.out, code, stderr, c.want)
		}
	}
	if err := os.Mkdir("real", 0o755); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := runQ(t, "run", "--L", "8", "--sweeps", "20", "--therm", "0", "--quiet", "--out", "good/x"); code != 0 {
		t.Errorf("--out through a link to a directory: exit %d, %q", code, stderr)
	} else if _, err := os.Stat(filepath.Join("real", "x", sim.SummaryFile)); err != nil {
		t.Errorf("--out through a link to a directory: %v", err)
	}
	if err := os.Symlink("nowhere", "runs"); err != nil {
		t.Fatal(err)
	}
	want := "the output directory runs is a link to nothing (nowhere): give a directory, or create the link's target"
	if code, _, stderr := runQ(t, "run", "--L", "8", "--sweeps", "20", "--therm", "0", "--quiet"); code != 2 || !strings.Contains(stderr, want) {
		t.Errorf("runs a link to nothing: exit %d, %q (want 2, %q)", code, stderr, want)
	}
	links["runs"] = "nowhere"
	for name, target := range links {
		if got, err := os.Readlink(name); err != nil || got != target {
			t.Errorf("the link %s -> %s is now %q, %v", name, target, got, err)
		}
	}
}

// lockCheckWriter records, at its first write, whether dir still holds
// the run's lock file.
type lockCheckWriter struct {
	dir    string
	wrote  bool
	locked bool
	bytes.Buffer
}

func (w *lockCheckWriter) Write(p []byte) (int, error) {
	if !w.wrote {
		w.wrote = true
		_, err := os.Stat(filepath.Join(w.dir, lockFile))
		w.locked = err == nil
	}
	return w.Buffer.Write(p)
}

// The results table is printed after the run let its directory go and
// stopped catching signals (the same closure does both): a table blocked
// on a full stdout pipe had left Ctrl-C and SIGTERM doing nothing, and a
// process killed there had left its lock file behind.
func TestTableAfterRelease(t *testing.T) {
	out := filepath.Join(t.TempDir(), "r")
	for _, args := range [][]string{
		{"run", "--L", "8", "--sweeps", "20", "--therm", "0", "--quiet", "--out", out},
		{"resume", out, "--sweeps", "40", "--quiet"},
	} {
		w := &lockCheckWriter{dir: out}
		var e bytes.Buffer
		if code := Main(args, w, &e); code != 0 || !w.wrote || w.locked {
			t.Errorf("%v: exit %d, wrote %v, lock file there at the first write %v; %s", args, code, w.wrote, w.locked, e.String())
		}
	}
}

// resume refuses, before the run goes on, a directory (or link) under the
// name of an output it will write: it had run the extension, then failed
// to rename its lattice.png over the directory, with advice that failed
// the same way.
func TestResumeRefusesNonFileOutput(t *testing.T) {
	out := filepath.Join(t.TempDir(), "r")
	if code, _, stderr := runQ(t, "run", "--L", "8", "--sweeps", "20", "--therm", "0", "--quiet", "--out", out); code != 0 {
		t.Fatal(stderr)
	}
	png := filepath.Join(out, "lattice.png")
	os.Remove(png)
	if err := os.MkdirAll(filepath.Join(png, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(filepath.Join(out, "checkpoint.qck"))
	code, stdout, stderr := runQ(t, "resume", out, "--sweeps", "40", "--quiet")
	if code != 2 || stdout != "" || stderr != "quench: resume: "+png+" is a directory, not an output of a run: remove or rename it first\n" {
		t.Errorf("resume over a directory lattice.png: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	if after, _ := os.ReadFile(filepath.Join(out, "checkpoint.qck")); !bytes.Equal(before, after) {
		t.Error("the refused resume changed the checkpoint")
	}
	// the checkpoint and log read through links are resumed, as before
	// the check (it had refused them as links)
	os.RemoveAll(png)
	for _, name := range []string{sim.CheckpointFile, sim.SeriesLogFile} {
		p := filepath.Join(out, name)
		if err := os.Rename(p, p+".real"); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(name+".real", p); err != nil {
			t.Fatal(err)
		}
	}
	if code, _, stderr := runQ(t, "resume", out, "--sweeps", "40", "--quiet"); code != 0 {
		t.Errorf("resume through linked state files: exit %d, %q", code, stderr)
	}
}

// The disk check: a new run needs all of sim.Config.DiskBytes free; a
// resumed one all but its checkpoint and log already on disk (it had
// counted them again: a finished run on a nearly full disk was refused
// an extension that fits).
func TestDiskCheck(t *testing.T) {
	defer func() { freeDisk = diskFree }()
	var free uint64
	freeDisk = func(string) (uint64, bool) { return free, true }
	out := filepath.Join(t.TempDir(), "r")
	args := []string{"run", "--L", "64", "--sweeps", "200", "--therm", "0", "--quiet", "--out", out}
	cfg := sim.Config{Model: "ising2d", Shape: []int{64, 64}, Sweeps: 200, Every: 1, T: 2.269185314213022, J: 1, Algo: "metropolis", Start: "hot", Seed: 1}
	need := cfg.DiskBytes()
	free = need - 1
	if code, _, stderr := runQ(t, args...); code != 2 || !strings.Contains(stderr, fmt.Sprintf("the outputs of this run need %s (%d bytes) of disk", quench.FormatBytes(need), need)) {
		t.Fatalf("a run one byte short: exit %d, %q", code, stderr)
	}
	free = need
	if code, _, stderr := runQ(t, args...); code != 0 {
		t.Fatalf("a run with its bytes free: exit %d, %q", code, stderr)
	}
	var have uint64
	for _, name := range []string{sim.CheckpointFile, sim.SeriesLogFile} {
		fi, err := os.Stat(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		have += uint64(fi.Size())
	}
	cfg.Sweeps = 400
	extend := cfg.DiskBytes() - have
	free = extend - 1
	if code, _, stderr := runQ(t, "resume", out, "--sweeps", "400", "--quiet"); code != 2 || !strings.Contains(stderr, fmt.Sprintf("(%d bytes) of disk", extend)) {
		t.Errorf("an extension one byte short of what it adds: exit %d, %q", code, stderr)
	}
	free = extend
	if code, _, stderr := runQ(t, "resume", out, "--sweeps", "400", "--quiet"); code != 0 {
		t.Errorf("an extension with what it adds free: exit %d, %q", code, stderr)
	}
}

// A resume that cannot even read its checkpoint and series log into
// memory (twice their size) is refused in one line before reading them:
// here a corrupted checkpoint, which reading would refuse for its
// checksum, is refused for memory. With room to read them, the run's own
// estimate is checked after reading, as before.
func TestResumeMemoryCheckBeforeReading(t *testing.T) {
	defer func() { hostMemory = quench.HostMemory }()
	out := filepath.Join(t.TempDir(), "r")
	if code, _, stderr := runQ(t, "run", "--L", "64", "--sweeps", "200", "--therm", "0", "--quiet", "--out", out); code != 0 {
		t.Fatalf("run: exit %d, %q", code, stderr)
	}
	var files uint64
	for _, name := range []string{sim.CheckpointFile, sim.SeriesLogFile} {
		fi, err := os.Stat(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		files += uint64(fi.Size())
	}
	ckpt := filepath.Join(out, sim.CheckpointFile)
	good, err := os.ReadFile(ckpt)
	if err != nil {
		t.Fatal(err)
	}
	bad := slices.Clone(good)
	bad[len(bad)/2] ^= 1
	if err := os.WriteFile(ckpt, bad, 0o644); err != nil {
		t.Fatal(err)
	}
	need := 2*uint64(len(good)) + 5*(files-uint64(len(good))) + sim.RuntimeBytes
	avail := need - 1
	hostMemory = func() (uint64, uint64, error) { return avail, 1 << 40, nil }
	code, _, stderr := runQ(t, "resume", out, "--sweeps", "400", "--quiet")
	if want := fmt.Sprintf("does not fit in memory: reading its checkpoint and series log (%s and %s) needs at least %s (%d bytes) of host memory", quench.FormatBytes(uint64(len(good))), quench.FormatBytes(files-uint64(len(good))), quench.FormatBytes(need), need); code != 2 || !strings.Contains(stderr, want) || strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
		t.Errorf("a resume one byte short of reading its files: exit %d, %q, want one line with %q", code, stderr, want)
	}
	if err := os.WriteFile(ckpt, good, 0o644); err != nil {
		t.Fatal(err)
	}
	avail = need // enough to read, not for the run's estimate
	if code, _, stderr := runQ(t, "resume", out, "--sweeps", "400", "--quiet"); code != 2 || !strings.Contains(stderr, "the run (lattice 64x64, 400 measurements) does not fit in memory: it needs") {
		t.Errorf("a resume that can read its files but not run: exit %d, %q", code, stderr)
	}
	hostMemory = quench.HostMemory
	if code, _, stderr := runQ(t, "resume", out, "--sweeps", "400", "--quiet"); code != 0 {
		t.Errorf("resume with the host's memory: exit %d, %q", code, stderr)
	}
}

// failWriter fails every write, as a full disk behind stdout does.
type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("no space left on device") }

// A results table that cannot be written (stdout on a full disk) is said
// in one line with exit 1, pointing to the complete run's summary: it had
// been lost without a word and exit 0.
func TestTableWriteFails(t *testing.T) {
	out := filepath.Join(t.TempDir(), "r")
	var e bytes.Buffer
	code := Main([]string{"run", "--L", "8", "--sweeps", "20", "--therm", "0", "--quiet", "--out", out}, failWriter{}, &e)
	want := "quench: the results table could not be printed: no space left on device (the run is complete: its results are in " + filepath.Join(out, sim.SummaryFile) + ")\n"
	if code != 1 || e.String() != want {
		t.Errorf("exit %d, stderr %q, want 1 and %q", code, e.String(), want)
	}
	if _, err := os.Stat(filepath.Join(out, sim.SummaryFile)); err != nil {
		t.Errorf("the run's summary: %v", err)
	}
	// the other commands' results too: compare's verdict, bench's table,
	// the version (they had exited 0 with nothing said)
	other := filepath.Join(t.TempDir(), "r2")
	if code, _, stderr := runQ(t, "run", "--L", "8", "--sweeps", "10", "--therm", "0", "--quiet", "--out", other); code != 0 {
		t.Fatal(stderr)
	}
	for _, args := range [][]string{{"compare", out, other}, {"version"}, {"--version"}, {"bench", "--backend", "cpu", "--model", "kmp", "--L", "8", "--sweeps", "1", "--min-time", "0"}} {
		var e bytes.Buffer
		code := Main(args, failWriter{}, &e)
		want := "quench: the output could not be written: no space left on device\n"
		if code != 1 || e.String() != want {
			t.Errorf("%v: exit %d, stderr %q, want 1 and %q", args, code, e.String(), want)
		}
	}
}

// A plain run refuses, before its work, a directory under the series
// log's name (which heldRun does not count as a held run): it had run to
// its first checkpoint and failed renaming series.qck over it (exit 1).
func TestRunRefusesNonFileSeriesLog(t *testing.T) {
	for _, name := range []string{sim.SeriesLogFile, sim.ImageFile} {
		testRunRefusesNonFile(t, name)
	}
}

// testRunRefusesNonFile: a directory under a run file's name is named as
// such with and without --force (under an output's name it had been
// taken for an earlier run: "pass --force", which then refused it).
func testRunRefusesNonFile(t *testing.T, name string) {
	out := filepath.Join(t.TempDir(), "r")
	p := filepath.Join(out, name)
	if err := os.MkdirAll(p, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, force := range []bool{false, true} {
		args := []string{"run", "--L", "8", "--sweeps", "20", "--therm", "0", "--quiet", "--out", out}
		who := "--out"
		if force {
			args, who = append(args, "--force"), "--force"
		}
		code, stdout, stderr := runQ(t, args...)
		if want := "quench: " + who + ": " + p + " is a directory, not an output of a run: remove or rename it first\n"; code != 2 || stdout != "" || stderr != want {
			t.Errorf("force %v: exit %d, stdout %q, stderr %q, want 2 and %q", force, code, stdout, stderr, want)
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

// A run on a device needs its arrays and deviceSlack: with the device's
// free memory a KiB above the arrays it is refused up front (exit 2,
// naming the bytes needed and free), where it started and failed at its
// first step with OutOfMemory (the emulated driver rounds each allocation
// up to 256 bytes; a GPU to pages of up to 2 MiB).
func TestDeviceMemorySlack(t *testing.T) {
	c := sim.Config{Model: "phi4", Scheme: "lm", Precision: "float32", Shape: []int{262147}, Sweeps: 5, Every: 1}
	_, arrays := c.Bytes(false)
	err := checkDeviceMemory(&c, memBackend{free: arrays + 1024})
	want := fmt.Sprintf("it needs %s (%d bytes), %s (%d bytes) are free", quench.FormatBytes(arrays+deviceSlack), arrays+deviceSlack,
		quench.FormatBytes(arrays+1024), arrays+1024)
	if !quench.IsUsage(err) || !strings.Contains(err.Error(), want) {
		t.Errorf("arrays + 1 KiB free: %v, want a usage error with %q", err, want)
	}
	if err := checkDeviceMemory(&c, memBackend{free: arrays + deviceSlack}); err != nil {
		t.Errorf("arrays + deviceSlack free: %v", err)
	}
	if err := checkDeviceMemory(&c, memBackend{free: arrays + deviceSlack - 1}); !quench.IsUsage(err) {
		t.Errorf("a byte short of arrays + deviceSlack: %v", err)
	}
}

// The host check counts what the process already holds of a run (a
// resume's state) as had: a run that needs avail plus held passes, one
// byte more is refused, saying what is held; where the rounded figures
// print alike, the line says by how many bytes it is short.
func TestHostMemoryHeld(t *testing.T) {
	defer func() { hostMemory = quench.HostMemory }()
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(-1))
	c := sim.Config{Model: "ising2d", Shape: []int{64, 64}, T: 2, Sweeps: 100, Every: 1, Start: "hot", Algo: "metropolis", J: 1}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	host, _ := c.Bytes(true)
	const held = 5 << 20
	avail := host - held
	hostMemory = func() (uint64, uint64, error) { return avail, 1 << 40, nil }
	if err := checkHostMemory(&c, host, held); err != nil {
		t.Errorf("needs avail + held: %v", err)
	}
	avail--
	err := checkHostMemory(&c, host, held)
	if err == nil || !strings.Contains(err.Error(), "of host memory (5.0 MiB of it held already: the state read), ") || !strings.HasSuffix(err.Error(), ": 1 byte short") {
		t.Errorf("one byte short: %v", err)
	}
	avail = host / 2
	if err := checkHostMemory(&c, host, 0); err == nil || strings.Contains(err.Error(), "held") || strings.Contains(err.Error(), "short") {
		t.Errorf("half the estimate: %v", err)
	}
}

// A resume counts the state it has read as held: the host needs only the
// rest of the run's estimate. With 4 MiB less available than a 1024^2
// float64 phi4 run's estimate (its field alone 8 MiB), a new run is
// refused and its resume is not; without heapHeld both were.
func TestResumeCountsHeldState(t *testing.T) {
	defer func() { hostMemory = quench.HostMemory }()
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(-1))
	dir := filepath.Join(t.TempDir(), "run")
	args := []string{"--model", "phi4", "--L", "1024", "--therm", "0", "--quiet"}
	if code, _, stderr := runQ(t, append([]string{"run", "--steps", "2", "--out", dir}, args...)...); code != 0 {
		t.Fatalf("run: exit %d %q", code, stderr)
	}
	st, err := sim.ReadCheckpoint(dir)
	if err != nil {
		t.Fatal(err)
	}
	c := st.Config
	c.Sweeps = 4
	host, _ := c.Bytes(true)
	st = nil // (not counted in the resume's heap: only its own read is)
	hostMemory = func() (uint64, uint64, error) { return host - 4<<20, 1 << 40, nil }
	code, _, stderr := runQ(t, append([]string{"run", "--steps", "4", "--out", filepath.Join(t.TempDir(), "new")}, args...)...)
	if code != 2 || !strings.Contains(stderr, "does not fit in memory") {
		t.Fatalf("a new run 4 MiB short: exit %d %q", code, stderr)
	}
	if code, _, stderr := runQ(t, "resume", dir, "--steps", "4", "--quiet"); code != 0 {
		t.Errorf("resume, 4 MiB short of the estimate with the 8 MiB field read: exit %d %q", code, stderr)
	}
}
