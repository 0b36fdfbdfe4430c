// What quench run checks before it starts: the backend, host and device
// memory, the disk, and the output directory (claimed, replaced with
// --force, put back when a run fails).

package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"runtime/debug"
	"runtime/metrics"
	"syscall"

	"github.com/quenchlab/quench"
	"github.com/quenchlab/quench/cpu"
	"github.com/quenchlab/quench/gpu"
	"github.com/quenchlab/quench/sim"
)

// openBackend returns the backend a run asked for. cuda without a GPU (or
// without CUDA in this build) is a usage error; auto falls back to the CPU
// with a one-line note. given names where a flag was set (runFlags.given),
// or is nil.
func openBackend(name string, device int, given func(string) string, stderr io.Writer) (quench.Backend, error) {
	if given == nil {
		given = func(string) string { return "" }
	}
	if device < 0 {
		return nil, quench.Usagef("--device %d%s is not allowed: GPU indices start at 0", device, given("device"))
	}
	switch name {
	case "cpu":
		if device != 0 {
			return nil, quench.Usagef("--device %d%s does not apply to --backend cpu (it picks a GPU for cuda or auto)", device, given("device"))
		}
		return cpu.New(), nil
	case "cuda":
		be, err := gpu.New(device)
		if err != nil {
			return nil, quench.Usagef("--backend cuda%s: %v", given("backend"), err)
		}
		return be, nil
	case "auto":
		be, err := gpu.New(device)
		if err != nil {
			fmt.Fprintf(stderr, "quench: note: no CUDA backend (%v); running on the CPU\n", shortReason(err))
			return cpu.New(), nil
		}
		return be, nil
	}
	return nil, quench.Usagef("unknown --backend %q: allowed are cpu, cuda, auto%s", name, given("backend"))
}

func shortReason(err error) string {
	if errors.Is(err, gpu.ErrNoCUDA) {
		return "built without CUDA support"
	}
	return err.Error()
}

// checkMemory refuses a run that cannot fit, before anything is allocated.
func checkMemory(c *sim.Config, be quench.Backend) error {
	return checkMemoryHolding(c, be, 0)
}

// checkMemoryHolding is checkMemory for a run of which this process
// already holds held bytes of what the estimate counts (a resumed run's
// state, read from its checkpoint): the host's available memory, which
// they have already lowered, need hold only the rest. An audit found a
// resume refused that a new run of it passed (the state counted twice).
func checkMemoryHolding(c *sim.Config, be quench.Backend, held uint64) error {
	host, _ := c.Bytes(be.Name() == "cpu")
	if err := checkHostMemory(c, host, held); err != nil {
		return err
	}
	return checkDeviceMemory(c, be)
}

// heapHeld is the Go heap's live objects, after a collection that returns
// the garbage to the system (a checkpoint's bytes once its state is
// decoded: a resume's peak was 1.17 to 1.37 times its estimate while the
// backend's buffers were allocated beside them, an audit).
func heapHeld() uint64 {
	debug.FreeOSMemory()
	m := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(m)
	if m[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return m[0].Value.Uint64()
}

// runWhat names a run's size in memory refusals.
func runWhat(c *sim.Config) string {
	if c.Model == "particles" {
		return fmt.Sprintf("N=%d particles in d=%d", c.N, c.D)
	}
	return "lattice " + c.Lattice().String()
}

// checkHostMemory refuses a run needing more than the host's available
// memory. A run that fits gets its estimate's heap share as the Go
// runtime's soft memory limit (sim.HeapLimit): the estimate counts what the run holds, but with the
// default GOGC the heap grows to twice what was live at the last
// collection before collecting the garbage of conversions and outputs
// (a float32 baoab phi4 run of 4096^2 holding 448 MB peaked at 894 MB of
// heap, 911 MiB resident, against an estimate of 640 MiB); with the
// limit the collector runs before the heap passes it.
func checkHostMemory(c *sim.Config, host, held uint64) error {
	if avail, _, err := hostMemory(); err == nil && host-min(held, host) > avail {
		also := ""
		if held > 0 {
			also = fmt.Sprintf(" (%s of it held already: the state read)", quench.FormatBytes(held))
		}
		return quench.Usagef("the run (%s, %d measurements) does not fit in memory: it needs %s (%d bytes) of host memory%s, %s (%d bytes) are available%s",
			runWhat(c), c.Measurements(), quench.FormatBytes(host), host, also, quench.FormatBytes(avail), avail, shortBy(host-min(held, host), avail))
	}
	limitHeap(host)
	return nil
}

// shortBy says how much more memory need is than avail where the two
// print alike (an audit read "needs 96.0 MiB ... 96.0 MiB are available").
func shortBy(need, avail uint64) string {
	if quench.FormatBytes(need) != quench.FormatBytes(avail) {
		return ""
	}
	return fmt.Sprintf(": %s short", count(int64(need-avail), "bytes"))
}

// limitHeap gives the Go runtime the heap's share of a host estimate
// (sim.HeapLimit) as its soft memory limit; the user's own GOMEMLIMIT
// stays.
func limitHeap(host uint64) {
	if host <= math.MaxInt64 && os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(int64(sim.HeapLimit(host)))
	}
}

// hostMemory is quench.HostMemory (tests replace it).
var hostMemory = quench.HostMemory

// checkReadMemory refuses to resume the run in dir when even reading it
// cannot fit (readBytes). The run's own estimate, more, is checked once
// the checkpoint is read (checkMemory); without this a run that no longer
// fits (moved to a smaller machine, or with less memory free) was read
// first, and where even that did not fit was killed for memory rather
// than refused.
func checkReadMemory(dir string) error {
	files, need := readBytes(dir)
	need += sim.RuntimeBytes
	if avail, _, err := hostMemory(); err == nil && need > avail {
		return quench.Usagef("the run in %s does not fit in memory: reading its checkpoint and series log (%s and %s) needs at least %s (%d bytes) of host memory, %s (%d bytes) are available",
			dir, quench.FormatBytes(files[0]), quench.FormatBytes(files[1]), quench.FormatBytes(need), need, quench.FormatBytes(avail), avail)
	}
	return nil
}

// readBytes returns the sizes of the checkpoint and the series log in dir
// and the memory reading them takes (sim.ReadCheckpoint): the
// checkpoint's bytes while it decodes the state from them (as large
// again), and the series log's bytes while it parses its rows, which take
// more than the log: a row of w values is a slice of its own (8w bytes and
// a 24-byte header, and the 24 of its place in the growing list of rows,
// which holds up to twice that while it grows): measured 2.1 times the log
// for diffusion's rows of 3 values, 1.8 for kmp's, 1.06 for Ising's
// samples. Five times the log counts the log, the rows, the list's growth
// and what compare adds (two 8-byte indices a row).
func readBytes(dir string) (files [2]uint64, need uint64) {
	for i, name := range []string{sim.CheckpointFile, sim.SeriesLogFile} {
		if fi, err := os.Stat(filepath.Join(dir, name)); err == nil && fi.Mode().IsRegular() {
			files[i] = uint64(fi.Size())
		}
	}
	return files, 2*files[0] + 5*files[1]
}

// deviceSlack is what a run on a GPU needs beyond its arrays
// (sim.Config.Bytes): the driver rounds every allocation up (to 256 bytes
// in the emulated driver, to pages of up to 2 MiB on a GPU), and a run
// makes tens of them besides its arrays (the partial sums' blocks, a
// sandpile's tile marks and lists). Without it a run whose arrays just
// fitted (the emulated device 1 KiB larger than them) failed at its first
// step with OutOfMemory, exit 1, where it should be refused up front.
const deviceSlack = 64 << 20

// checkDeviceMemory refuses a run on a GPU backend needing more than its
// free memory.
func checkDeviceMemory(c *sim.Config, be quench.Backend) error {
	if be.Name() == "cpu" {
		return nil
	}
	_, device := c.Bytes(false)
	device += deviceSlack
	if free, _, err := be.MemInfo(); err == nil && device > free {
		return quench.Usagef("the run (%s) does not fit on the device: it needs %s (%d bytes), %s (%d bytes) are free",
			runWhat(c), quench.FormatBytes(device), device, quench.FormatBytes(free), free)
	}
	return nil
}

// freeDisk is diskFree (tests replace it).
var freeDisk = diskFree

// checkDisk refuses a run whose outputs cannot fit on the disk
// (sim.Config.DiskBytes), of which have bytes are there already (a resumed
// run's checkpoint and measurement log, which the estimate counts).
func checkDisk(out string, c *sim.Config, have uint64) error {
	dir := out
	for {
		if _, err := os.Stat(dir); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return nil
		}
		dir = parent
	}
	// a file made and removed: the permissions, a read-only mount, a
	// pseudo file system such as /proc
	probe, err := os.CreateTemp(dir, ".quench-probe-*")
	if err != nil {
		return quench.Usagef("cannot create files in %s, where the outputs of %s go (%v): choose another directory", dir, out, errors.Unwrap(err))
	}
	probe.Close()
	os.Remove(probe.Name())
	need := c.DiskBytes() - min(have, c.DiskBytes())
	if free, ok := freeDisk(dir); ok && need > free {
		return quench.Usagef("the outputs of this run need %s (%d bytes) of disk in %s, %s (%d bytes) are free",
			quench.FormatBytes(need), need, dir, quench.FormatBytes(free), free)
	}
	return nil
}

// checkNames refuses an output directory in which the run could not
// create its files: a path so long that the name of the longest temporary
// file it writes there (".checkpoint.qck.tmp" and up to 10 digits, ...)
// passes the system's limit on paths would otherwise fail the run at its
// first checkpoint, after its work.
func checkNames(out string) error {
	longest := ""
	for _, name := range sim.RunFiles() {
		if len(name) > len(longest) {
			longest = name
		}
	}
	p := filepath.Join(out, "."+longest+".tmp4294967295") // os.CreateTemp's longest
	f, err := os.OpenFile(p, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		if os.IsExist(err) {
			return nil
		}
		return quench.Usagef("cannot create the run's files in --out %s (%v): choose a shorter path or another directory", out, errors.Unwrap(err))
	}
	f.Close()
	os.Remove(p)
	return nil
}

// checkRunFiles refuses (for the command part named by who) anything but
// a regular file under the name of one of a run's files in dir: the run
// would fail on it only when it writes its outputs, after its work. With
// states false the checkpoint and the series log are left alone (a resumed
// run reads them through links, and replaces links by its own files).
func checkRunFiles(dir, who string, states bool) error {
	for _, name := range sim.RunFiles() {
		if !states && sim.IsStateFile(name) {
			continue
		}
		p := filepath.Join(dir, name)
		if fi, err := os.Lstat(p); err == nil && !fi.Mode().IsRegular() {
			what := "not a regular file"
			switch {
			case fi.IsDir():
				what = "a directory"
			case fi.Mode()&os.ModeSymlink != 0:
				what = "a symbolic link"
			}
			return quench.Usagef("%s: %s is %s, not an output of a run: remove or rename it first", who, p, what)
		}
	}
	return nil
}

// heldRun names the file that shows dir holds a run, or is "": its
// checkpoint, else any of a run's outputs (summary.json, series.csv,
// lattice.npy, ...: a plain run silently replaced a series.csv whose
// summary had been deleted). A measurement log alone is not a run: a
// --force run killed before its first checkpoint leaves one.
func heldRun(dir string) string {
	for _, name := range append([]string{sim.CheckpointFile}, sim.RunFiles()...) {
		if sim.IsStateFile(name) && name != sim.CheckpointFile {
			continue
		}
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			return name
		}
	}
	return ""
}

// claimDir creates and returns base, or base-2, base-3, ... when base
// exists: runs started in the same second without --out, even at the same
// moment, each get their own directory (os.Mkdir claims it atomically).
func claimDir(base string) (string, error) {
	if err := os.MkdirAll(filepath.Dir(base), 0o755); err != nil {
		return "", quench.Usagef("cannot create the output directory %s: %v", base, err)
	}
	dir := base
	for i := 2; ; i++ {
		err := os.Mkdir(dir, 0o755)
		if err == nil {
			return dir, nil
		}
		if !os.IsExist(err) {
			return "", quench.Usagef("cannot create the output directory %s: %v", dir, err)
		}
		dir = fmt.Sprintf("%s-%d", base, i)
	}
}

// prepareOut checks the output directory without creating it; with no
// --out it returns "" (runNew claims runs/<model>-<shape>-<time> when the
// run starts). locked: this process holds out's lock (the check again,
// under it), so that no other process can be working there.
func prepareOut(out string, force, locked bool) error {
	if out == "" {
		return nil
	}
	if fi, err := os.Stat(out); err == nil {
		if !fi.IsDir() {
			return quench.Usagef("--out %s exists and is not a directory", out)
		}
		name := heldRun(out)
		if _, err := os.Stat(filepath.Join(out, replacedDir)); err == nil && name == "" && !force {
			return quench.Usagef("--out %s holds, in %s, the run that a `run --force` killed before its first checkpoint was replacing: move its files back, or pass --force to overwrite it", out, replacedDir)
		}
		if name != "" && !force {
			if !locked && inUse(out) {
				return quench.Usagef("--out %s is in use by another quench process (a run or resume working there): wait for it to end, or choose another --out", out)
			}
			if !sim.IsStateFile(name) {
				return quench.Usagef("--out %s already holds a run's outputs (%s, no checkpoint to resume): pass --force to overwrite, or choose another --out", out, name)
			}
			if _, err := os.Stat(filepath.Join(out, sim.SummaryFile)); err == nil {
				// finished: resume would only write its outputs again
				return quench.Usagef("--out %s already holds a finished run (%s, %s): extend it with `quench resume %s` and a longer --sweeps, --steps or --grains (whichever its model counts), pass --force to overwrite, or choose another --out", out, name, sim.SummaryFile, shellWord(out))
			}
			return quench.Usagef("--out %s already holds a run (%s): continue it with `quench resume %s`, or pass --force to overwrite", out, name, shellWord(out))
		}
	}
	return nil
}

// missingDirs lists dir and its ancestors that do not exist yet, dir
// first: what os.MkdirAll(dir) makes.
func missingDirs(dir string) []string {
	var made []string
	for d := filepath.Clean(dir); ; d = filepath.Dir(d) {
		// a path past the system's limit does not exist either: it is
		// made up to the part that fails
		// (Lstat: a link, even to nothing, is not made here, so it is
		// never removed)
		if _, err := os.Lstat(d); err == nil || !os.IsNotExist(err) && !errors.Is(err, syscall.ENAMETOOLONG) {
			return made
		}
		made = append(made, d)
		if filepath.Dir(d) == d {
			return made
		}
	}
}

// checkLinks refuses an output directory (out, or runs/ when out is "")
// whose path goes through a link to nothing: the directories could not be
// made through it, and a message from mkdir ("file exists") would not say
// why.
func checkLinks(out string) error {
	flag, dir := "--out", out
	if out == "" {
		flag, dir = "the output directory", "runs"
	}
	for d := filepath.Clean(dir); ; d = filepath.Dir(d) {
		fi, err := os.Lstat(d)
		if err == nil {
			if fi.Mode()&fs.ModeSymlink != 0 {
				if _, err := os.Stat(d); err != nil {
					target, _ := os.Readlink(d)
					what, fix := fmt.Sprintf("a link to nothing (%s)", target), ", or create the link's target"
					if !os.IsNotExist(err) {
						what, fix = fmt.Sprintf("a link that cannot be followed (%s: %v)", target, errors.Unwrap(err)), ""
					}
					if d == filepath.Clean(dir) {
						return quench.Usagef("%s %s is %s: give a directory%s", flag, dir, what, fix)
					}
					return quench.Usagef("%s %s: %s is %s: give another directory%s", flag, dir, d, what, fix)
				}
			}
			return nil // the deepest part that exists: what is above it was resolved
		}
		if filepath.Dir(d) == d {
			return nil
		}
	}
}

// removeDirs removes the directories in order while they are empty.
func removeDirs(dirs []string) {
	for _, d := range dirs {
		if err := os.Remove(d); err != nil && !os.IsNotExist(err) && !errors.Is(err, syscall.ENAMETOOLONG) {
			return // not empty: what is above it stays too
		}
	}
}

// replacedDir holds, inside a run directory, the files of the run that
// `run --force` is replacing until the new run has a checkpoint (a
// leftover of a killed process is removed by the next --force or resume).
const replacedDir = ".quench-replaced"

// moveRun moves the run files (sim.RunFiles) of dir into to, created if
// needed, and returns to. A file missing in dir is skipped.
func moveRun(dir, to string) (string, error) {
	if err := os.MkdirAll(to, 0o755); err != nil {
		return "", fmt.Errorf("--force: %w", err)
	}
	for _, name := range sim.RunFiles() {
		if err := os.Rename(filepath.Join(dir, name), filepath.Join(to, name)); err != nil && !os.IsNotExist(err) {
			return "", fmt.Errorf("--force: %w", err)
		}
	}
	return to, nil
}
