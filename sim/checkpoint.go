package sim

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash"
	"os"
	"path/filepath"

	"github.com/quenchlab/quench"
)

// CheckpointFile is the checkpoint's name inside a run directory.
const CheckpointFile = "checkpoint.qck"

// Checkpoint layout, all integers little-endian:
//
//	magic    8 bytes "QUENCHCK"
//	version  uint32 (checkpointVersion)
//	hlen     uint32, then hlen bytes of JSON header (checkpointHeader)
//	spins    header.Sites bytes (int8)
//	samples  header.Samples x 3 int64 (sweep, mag, bond)
//	sha256   32 bytes over everything before it
const (
	checkpointMagic   = "QUENCHCK"
	checkpointVersion = 1
)

type checkpointHeader struct {
	Config       Config  `json:"config"`
	Step         int64   `json:"step"`
	Sites        int64   `json:"sites"`
	Samples      int64   `json:"samples"`
	SweepSeconds float64 `json:"sweep_seconds"`
}

// WriteCheckpoint writes st to dir atomically: a temporary file, fsync,
// rename over the old checkpoint, fsync of the directory.
func WriteCheckpoint(dir string, st *State) error {
	hdr, err := json.Marshal(checkpointHeader{
		Config: st.Config, Step: st.Step, Sites: int64(len(st.Spins)),
		Samples: int64(len(st.Samples)), SweepSeconds: st.SweepSeconds,
	})
	if err != nil {
		return err
	}
	return writeAtomic(filepath.Join(dir, CheckpointFile), func(w *hashWriter) error {
		var pre [16]byte
		copy(pre[:8], checkpointMagic)
		binary.LittleEndian.PutUint32(pre[8:], checkpointVersion)
		binary.LittleEndian.PutUint32(pre[12:], uint32(len(hdr)))
		w.Write(pre[:])
		w.Write(hdr)
		w.Write(int8Bytes(st.Spins))
		rec := make([]byte, 24)
		for _, s := range st.Samples {
			binary.LittleEndian.PutUint64(rec[0:], uint64(s.Sweep))
			binary.LittleEndian.PutUint64(rec[8:], uint64(s.Mag))
			binary.LittleEndian.PutUint64(rec[16:], uint64(s.Bond))
			w.Write(rec)
		}
		w.Write(w.h.Sum(nil))
		return w.err
	})
}

// ReadCheckpoint loads and verifies the checkpoint in dir. Every problem
// (missing, truncated, corrupted, from another version, inconsistent with
// its own configuration) is a quench.UsageError.
func ReadCheckpoint(dir string) (*State, error) {
	path := filepath.Join(dir, CheckpointFile)
	data, err := os.ReadFile(path)
	if err != nil {
		if os.IsNotExist(err) {
			return nil, quench.Usagef("no checkpoint in %s: expected the file %s written by quench run", dir, path)
		}
		return nil, quench.Usagef("cannot read checkpoint %s: %v", path, err)
	}
	bad := func(why string, args ...any) error {
		return quench.Usagef("checkpoint %s is refused: %s", path, fmt.Sprintf(why, args...))
	}
	if len(data) < 16+32 || string(data[:8]) != checkpointMagic {
		return nil, bad("not a quench checkpoint (bad magic or too short)")
	}
	body, sum := data[:len(data)-32], data[len(data)-32:]
	if h := sha256.Sum256(body); !bytes.Equal(h[:], sum) {
		return nil, bad("checksum mismatch: the file is corrupted or truncated")
	}
	if v := binary.LittleEndian.Uint32(data[8:]); v != checkpointVersion {
		return nil, bad("format version %d, this quench reads version %d", v, checkpointVersion)
	}
	hlen := int64(binary.LittleEndian.Uint32(data[12:]))
	if 16+hlen > int64(len(body)) {
		return nil, bad("header length %d runs past the end of the file", hlen)
	}
	var h checkpointHeader
	if err := json.Unmarshal(body[16:16+hlen], &h); err != nil {
		return nil, bad("header is not valid JSON: %v", err)
	}
	cfg := h.Config
	if err := cfg.Validate(); err != nil {
		return nil, bad("its configuration is invalid: %v", err)
	}
	sites := cfg.Lattice().Sites()
	if h.Sites != sites {
		return nil, bad("it holds %d sites but its lattice %s has %d", h.Sites, cfg.Lattice(), sites)
	}
	want := 16 + hlen + sites + 24*h.Samples
	if h.Samples < 0 || int64(len(body)) != want {
		return nil, bad("size %d bytes does not match its header (%d)", len(body), want)
	}
	if h.Step < 0 || h.Step > cfg.TotalSweeps() {
		return nil, bad("step %d is outside the run's %d sweeps", h.Step, cfg.TotalSweeps())
	}
	if m := measurementsUpTo(&cfg, h.Step); m != h.Samples {
		return nil, bad("it holds %d measurements, but %d are made by sweep %d", h.Samples, m, h.Step)
	}
	st := &State{Config: cfg, Step: h.Step, SweepSeconds: h.SweepSeconds}
	off := 16 + hlen
	st.Spins = make([]int8, sites)
	for i, b := range body[off : off+sites] {
		st.Spins[i] = int8(b)
		if st.Spins[i] != 1 && st.Spins[i] != -1 {
			return nil, bad("spin %d is %d, not +1 or -1", i, st.Spins[i])
		}
	}
	off += sites
	st.Samples = make([]Sample, h.Samples)
	for i := range st.Samples {
		r := body[off+24*int64(i):]
		st.Samples[i] = Sample{
			Sweep: int64(binary.LittleEndian.Uint64(r[0:])),
			Mag:   int64(binary.LittleEndian.Uint64(r[8:])),
			Bond:  int64(binary.LittleEndian.Uint64(r[16:])),
		}
	}
	return st, nil
}

// measurementsUpTo counts the measurements made in sweeps 1..step.
func measurementsUpTo(c *Config, step int64) int64 {
	if step <= c.Therm {
		return 0
	}
	return min((step-c.Therm)/c.Every, c.Measurements())
}

func int8Bytes(s []int8) []byte {
	b := make([]byte, len(s))
	for i, v := range s {
		b[i] = byte(v)
	}
	return b
}

// hashWriter writes through a buffer to a file and to a SHA-256, keeping
// the first error.
type hashWriter struct {
	bw  *bufio.Writer
	h   hash.Hash
	err error
}

func (w *hashWriter) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	if _, err := w.bw.Write(p); err != nil {
		w.err = err
		return 0, err
	}
	w.h.Write(p)
	return len(p), nil
}

// writeAtomic writes path through fill into a temporary file in the same
// directory, fsyncs it, renames it over path and fsyncs the directory, so a
// crash leaves either the old file or the new one, never a mix.
func writeAtomic(path string, fill func(w *hashWriter) error) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp) // no-op after a successful rename
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		return err
	}
	w := &hashWriter{bw: bufio.NewWriterSize(f, 1<<20), h: sha256.New()}
	if err := fill(w); err != nil {
		f.Close()
		return err
	}
	if err := w.bw.Flush(); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}
