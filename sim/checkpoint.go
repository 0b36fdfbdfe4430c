package sim

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"unsafe"

	"github.com/quenchlab/quench"
)

// CheckpointFile is the checkpoint's name inside a run directory.
const CheckpointFile = "checkpoint.qck"

// SeriesLogFile holds, beside the checkpoint from format 5, the run's
// measurement series and profile snapshots: each checkpoint appends what
// was measured since the last one (rewriting the whole series every time
// made checkpoints of a long run cost in proportion to its length), and
// records how many bytes of the log are the run's and their CRC-32C.
const SeriesLogFile = "series.qck"

// StateFiles are the files of a run's state: a run resumes from them.
var StateFiles = []string{CheckpointFile, SeriesLogFile}

// IsStateFile reports whether name is one of StateFiles.
func IsStateFile(name string) bool { return slices.Contains(StateFiles, name) }

// Checkpoint layout, all integers little-endian:
//
//	magic    8 bytes "QUENCHCK"
//	version  uint32 (checkpointVersion)
//	hlen     uint32, then hlen bytes of JSON header (checkpointHeader)
//	spins    header.Sites bytes (int8; Ising models)
//	samples  before version 5: header.Samples x 3 int64 (sweep, mag,
//	         bond; Ising models)
//	field, aux, omega   header.Field, .Aux, .Omega float64 (Langevin models)
//	rows     before version 5: header.Rows x header.Width float64
//	         (Langevin, sandpile measurements)
//	masses   header.Masses int64 (mass-transfer models)
//	heights  header.Heights bytes, activity int64, stamp int32 (sandpile)
//	profiles before version 5: header.Profiles x header.ProfileWidth
//	         float64 (mass transfer, sandpile)
//	checksum over everything before it: CRC-32C (Castagnoli, 4 bytes,
//	         big-endian) from version 4, SHA-256 (32 bytes) before
//	         (CRC-32C runs at memory speed: SHA-256, about 170 MB/s on a
//	         core without SHA instructions, was most of the time of
//	         writing a checkpoint of a long series or a large lattice;
//	         both detect accidental corruption and truncation)
const (
	checkpointMagic = "QUENCHCK"
	// 2: mass-transfer profiles (version 1 is read for other models);
	// 3: particle v_var is the velocity variance, phi4 energy_field is
	// -h <phi> (version 2 is read for the runs whose columns these did not
	// change: no velocities, h = 0); 4: sandpiles take height
	// distribution snapshots (versions 1 to 3 are read, a sandpile then
	// going on without them: --profile-every -1), and the checksum is a
	// CRC-32C; 5: Ising samples carry the staggered sum (versions 1 to 4
	// are read, a run with samples then going on without the staggered
	// observables: no_staggered), and samples, rows and profiles are in
	// the series log (SeriesLogFile): its first header.SeriesBytes bytes,
	// of CRC-32C header.SeriesCRC, are records of a tag byte, then 'S' 4
	// int64 (sweep, mag, bond, staggered sum), 'R' header.Width float64,
	// 'P' header.ProfileWidth float64, each kind in the order measured;
	// 6: a sandpile's activity restarts from 0 after thermalization, the
	// topplings before in header.ThermTopples (versions 1 to 5 are read,
	// a run past its thermalization then counting it on); 7: particle
	// rows end with v_mean, the velocities' mean (versions 1 to 6 are
	// read, their rows' v_mean NaN under baoab, 0 without velocities:
	// oldParticleRows); 8: the Ising samples of a run with a correlation
	// length (Config.hasCorrelationLength) carry the smallest modes, in
	// 'M' records of 4 int64 and 3 float64 (Sample.Modes) instead of
	// 'S' (versions 1 to 7 are read, a run with samples then going on
	// without them: no_modes); 9: an Ising antiferromagnet has a
	// correlation length, its staggered spins', and its samples carry
	// their smallest modes (versions 1 to 8 are read, an antiferromagnet
	// with samples then going on without them: no_modes); 10: the
	// host's constants (the Ising thresholds, BAOAB's exp(-gamma dt) and
	// noise amplitude) and the measurement rows are computed alike on
	// every machine (pmath.Exp, no fused multiply-add), which changed
	// their last bits (versions 1 to 9 are read, a run but a sandpile's,
	// whose integers they left alone, going on with the new ones:
	// old_constants)
	checkpointVersion = 10
)

type checkpointHeader struct {
	Config       Config  `json:"config"`
	Step         int64   `json:"step"`
	Sites        int64   `json:"sites"`
	Samples      int64   `json:"samples"`
	SweepSeconds float64 `json:"sweep_seconds"`
	// ProfileSeconds: version 2
	ProfileSeconds float64 `json:"profile_seconds,omitempty"`
	Field          int64   `json:"field,omitempty"`
	Aux            int64   `json:"aux,omitempty"`
	Omega          int64   `json:"omega,omitempty"`
	Rows           int64   `json:"rows,omitempty"`
	Width          int64   `json:"width,omitempty"`
	Heights        int64   `json:"heights,omitempty"`
	Stored         int64   `json:"stored,omitempty"`
	Topples        int64   `json:"topples,omitempty"`
	// ThermTopples, OldActivity: version 6
	ThermTopples int64 `json:"therm_topples,omitempty"`
	OldActivity  bool  `json:"old_activity,omitempty"`
	Masses       int64 `json:"masses,omitempty"`
	Profiles     int64 `json:"profiles,omitempty"`
	ProfileWidth int64 `json:"profile_width,omitempty"`
	// NoStaggered: version 5, the samples of a run begun before it
	NoStaggered bool `json:"no_staggered,omitempty"`
	// NoModes: version 8, the samples of a run begun before it that
	// has a correlation length (an antiferromagnet: before version 9)
	NoModes bool `json:"no_modes,omitempty"`
	// OldConstants: version 10, a run begun before it (but a sandpile)
	OldConstants bool `json:"old_constants,omitempty"`
	// version 5: the length and CRC-32C of the series log's records
	SeriesBytes int64  `json:"series_bytes"`
	SeriesCRC   uint32 `json:"series_crc"`
	// NarrowRows, version 7: the particle rows at the head of the log
	// written under format 6 or older, without v_mean (one column fewer
	// than Width): a log is never rewritten while a checkpoint refers
	// to it, so they stay as they were (seriesLog.narrow)
	NarrowRows int64 `json:"narrow_rows,omitempty"`
}

// seriesLog is what of a State's series the log in dir holds: the first
// samples, rows and profiles, in bytes of records with CRC-32C crc; owner
// is the State that wrote the file, file the file it wrote (appended to in
// place while both still hold: a copy of a State, or a log replaced or
// linked from elsewhere, is rewritten first); narrow, the first rows
// of which are of a particle run's format 6 width, without v_mean
// (oldParticleRows), padded when read.
type seriesLog struct {
	dir                     string
	samples, rows, profiles int
	narrow                  int
	bytes                   int64
	crc                     uint32
	owner                   *State
	file                    os.FileInfo
}

// Series log record tags.
const (
	tagSample  = 'S'
	tagModes   = 'M' // a sample with its smallest modes
	tagRow     = 'R'
	tagProfile = 'P'
)

// appendLog writes to dir's series log what st measured since the log was
// last written there, and syncs it to disk. The log this State wrote is
// appended to in place, any tail past the records it counts (left by a
// process killed between a log write and its checkpoint, or by a failed
// write) cut off. Any other log (read from a checkpoint, in another
// directory, of a copy of the State, hard-linked into a snapshot) is
// replaced atomically by a new file: the records of the old one that st
// holds too, byte for byte, so that the checkpoint still in place stays
// valid, then the new ones. On an error st.log is left as it was.
func appendLog(dir string, st *State) error {
	path := filepath.Join(dir, SeriesLogFile)
	if st.log.owner == st && st.log.dir == dir {
		if fi, err := os.Stat(path); err == nil && os.SameFile(fi, st.log.file) && fi.Size() >= st.log.bytes {
			return appendInPlace(path, st)
		}
	}
	log := st.log
	prefix := validPrefix(path, dir, st)
	if prefix == nil {
		log = seriesLog{dir: dir}
	}
	log.dir, log.owner = dir, st
	err := writeAtomic(path, func(w *hashWriter) error {
		w.Write(prefix)
		w.crc = &log.crc
		writeRecords(w, st, log)
		return w.err
	})
	if err != nil {
		return err
	}
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	log.samples, log.rows, log.profiles = len(st.Samples), len(st.Rows), len(st.Profiles)
	log.bytes = fi.Size()
	log.file = fi
	st.log = log
	return nil
}

// validPrefix returns the first st.log.bytes bytes of the log at path when
// they are the records st.log counts, with its CRC, and equal st's first
// samples, rows and profiles; else nil (the log must be written anew).
func validPrefix(path, dir string, st *State) []byte {
	if st.log.dir != dir || st.log.bytes == 0 {
		return nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	data := make([]byte, st.log.bytes)
	if _, err := io.ReadFull(f, data); err != nil || crc32.Checksum(data, castagnoli) != st.log.crc {
		return nil
	}
	width, pwidth := int64(len(st.Config.Columns())+1), int64(0)
	if HasProfiles(st.Config.Model) {
		pwidth = int64(st.Config.ProfileWidth())
	}
	samples, rows, profiles, _, bad := parseLog(data, width, pwidth, st.log.narrow, rowPad(&st.Config))
	same := func(a, b []float64) bool {
		return slices.EqualFunc(a, b, func(x, y float64) bool { return math.Float64bits(x) == math.Float64bits(y) })
	}
	if bad >= 0 || len(samples) != st.log.samples || len(rows) != st.log.rows || len(profiles) != st.log.profiles ||
		len(st.Samples) < len(samples) || len(st.Rows) < len(rows) || len(st.Profiles) < len(profiles) ||
		!slices.Equal(samples, st.Samples[:len(samples)]) ||
		!slices.EqualFunc(rows, st.Rows[:len(rows)], same) || !slices.EqualFunc(profiles, st.Profiles[:len(profiles)], same) {
		return nil
	}
	return data
}

// appendInPlace appends st's new records to the log it wrote at path.
func appendInPlace(path string, st *State) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := f.Truncate(st.log.bytes); err != nil {
		return err
	}
	if _, err := f.Seek(st.log.bytes, io.SeekStart); err != nil {
		return err
	}
	crc := st.log.crc
	w := &hashWriter{bw: bufio.NewWriterSize(f, 1<<20), crc: &crc}
	writeRecords(w, st, st.log)
	if w.err == nil {
		w.err = w.bw.Flush()
	}
	if w.err == nil {
		w.err = f.Sync()
	}
	if w.err != nil {
		return w.err // the tail is cut off next time
	}
	st.log.samples, st.log.rows, st.log.profiles = len(st.Samples), len(st.Rows), len(st.Profiles)
	st.log.bytes += w.n
	st.log.crc = crc
	return nil
}

// writeRecords writes st's samples, rows and profiles past those log
// counts as log records.
func writeRecords(w *hashWriter, st *State, log seriesLog) {
	rec := make([]byte, 1+modesBytes)
	rec[0] = tagSample
	if st.Modes() {
		rec[0] = tagModes
	} else {
		rec = rec[:1+sampleBytes]
	}
	for _, s := range st.Samples[log.samples:] {
		binary.LittleEndian.PutUint64(rec[1:], uint64(s.Sweep))
		binary.LittleEndian.PutUint64(rec[9:], uint64(s.Mag))
		binary.LittleEndian.PutUint64(rec[17:], uint64(s.Bond))
		binary.LittleEndian.PutUint64(rec[25:], uint64(s.Stag))
		if rec[0] == tagModes {
			for a, m := range s.Modes {
				binary.LittleEndian.PutUint64(rec[33+8*a:], math.Float64bits(m))
			}
		}
		w.Write(rec)
	}
	for _, r := range st.Rows[log.rows:] {
		w.Write([]byte{tagRow})
		writeFloats(w, r)
	}
	for _, r := range st.Profiles[log.profiles:] {
		w.Write([]byte{tagProfile})
		writeFloats(w, r)
	}
}

// parseLog decodes log records (rows of width, profiles of pwidth
// float64; the first narrow rows one value narrower, padded with pad to
// width: a particle run's format 6 rows); modes counts the samples read
// from 'M' records, bad is the offset of the first record it cannot
// decode, or -1. A width past what data can hold (one value more: a
// narrow row of width w is 8 w - 7 bytes with its tag) makes its records
// undecodable (ReadCheckpoint checks the widths against the model first;
// 8 times a width from 2^61 had wrapped to a small size, and the record's
// allocation of width values panicked: a review of the fuzz tests).
func parseLog(data []byte, width, pwidth int64, narrow int, pad float64) (samples []Sample, rows, profiles [][]float64, modes int, bad int64) {
	bytesOf := func(w int64) int64 {
		if w < 0 || w > int64(len(data))/8+1 {
			return -1
		}
		return 8 * w
	}
	size := map[byte]int64{tagSample: sampleBytes, tagModes: modesBytes, tagRow: bytesOf(width), tagProfile: bytesOf(pwidth)}
	float := func(b []byte, n int64) []float64 {
		v := make([]float64, n)
		for i := range v {
			v[i] = math.Float64frombits(binary.LittleEndian.Uint64(b[8*i:]))
		}
		return v
	}
	for off := int64(0); off < int64(len(data)); {
		tag := data[off]
		n, ok := size[tag]
		if tag == tagRow && len(rows) < narrow {
			n -= 8
		}
		// (n <= 0: a width of 0, or one past the data)
		if !ok || n <= 0 || n > int64(len(data))-off-1 {
			return samples, rows, profiles, modes, off
		}
		r := data[off+1 : off+1+n]
		switch tag {
		case tagSample, tagModes:
			s := Sample{
				Sweep: int64(binary.LittleEndian.Uint64(r[0:])), Mag: int64(binary.LittleEndian.Uint64(r[8:])),
				Bond: int64(binary.LittleEndian.Uint64(r[16:])), Stag: int64(binary.LittleEndian.Uint64(r[24:])),
			}
			if tag == tagModes {
				for a := range s.Modes {
					s.Modes[a] = math.Float64frombits(binary.LittleEndian.Uint64(r[32+8*a:]))
				}
				modes++
			}
			samples = append(samples, s)
		case tagRow:
			if len(rows) < narrow {
				rows = append(rows, append(float(r, width-1), pad))
				break
			}
			rows = append(rows, float(r, width))
		case tagProfile:
			profiles = append(profiles, float(r, pwidth))
		}
		off += 1 + n
	}
	return samples, rows, profiles, modes, -1
}

// readLog parses the series log records of a version 5 checkpoint in dir
// (header h) into st; bad refuses the checkpoint.
func readLog(dir string, h *checkpointHeader, st *State, badf func(string, ...any) error) error {
	path := filepath.Join(dir, SeriesLogFile)
	if fi, err := os.Stat(path); err == nil && !fi.Mode().IsRegular() {
		return badf("its series log %s is %s, not a file written by quench run", path, fileKind(fi))
	}
	f, err := os.Open(path)
	if err != nil {
		if os.IsNotExist(err) {
			return badf("its series log %s is missing", path)
		}
		return badf("cannot read its series log: %v", err)
	}
	defer f.Close()
	// the length the header records is checked against the file before
	// anything is allocated for it (a header edited to a huge length
	// panicked in make, or ran the process out of memory)
	if fi, err := f.Stat(); err == nil && fi.Size() < h.SeriesBytes {
		return badf("its series log %s holds fewer than the %d bytes it records: truncated", path, h.SeriesBytes)
	}
	data := make([]byte, h.SeriesBytes)
	if _, err := io.ReadFull(f, data); err != nil {
		return badf("its series log %s holds fewer than the %d bytes it records: truncated", path, h.SeriesBytes)
	}
	if crc32.Checksum(data, castagnoli) != h.SeriesCRC {
		return badf("its series log %s does not match its checksum: corrupted", path)
	}
	var at int64
	var modes int
	st.Samples, st.Rows, st.Profiles, modes, at = parseLog(data, h.Width, h.ProfileWidth, int(h.NarrowRows), rowPad(&st.Config))
	if at >= 0 {
		return badf("its series log %s has a bad record at byte %d", path, at)
	}
	if want := len(st.Samples); !st.Modes() {
		want = 0
		if modes != want {
			return badf("its series log holds %d samples with smallest modes, the run measures none", modes)
		}
	} else if modes != want {
		return badf("its series log holds %d of its %d samples with smallest modes", modes, want)
	}
	for i, s := range st.Samples {
		for a, m := range s.Modes {
			// |M(k)|^2 of the lattice's axes: finite, not negative
			if !(m >= 0 && m <= math.MaxFloat64) || a >= len(st.Config.Shape) && m != 0 {
				return badf("its sample %d has smallest mode %d of %v", i, a, m)
			}
		}
	}
	if int64(len(st.Samples)) != h.Samples || int64(len(st.Rows)) != h.Rows || int64(len(st.Profiles)) != h.Profiles {
		return badf("its series log holds %d samples, %d rows and %d profiles, it records %d, %d and %d",
			len(st.Samples), len(st.Rows), len(st.Profiles), h.Samples, h.Rows, h.Profiles)
	}
	if !IsIsing(st.Config.Model) && len(st.Samples) > 0 {
		return badf("its series log holds Ising samples for model %s", st.Config.Model)
	}
	st.log = seriesLog{dir: dir, samples: len(st.Samples), rows: len(st.Rows), profiles: len(st.Profiles), narrow: int(h.NarrowRows), bytes: h.SeriesBytes, crc: h.SeriesCRC}
	return nil
}

// headerOf is the checkpoint header of st's sizes (what every format has).
func headerOf(st *State) checkpointHeader {
	h := checkpointHeader{
		Config: st.Config, Step: st.Step, Sites: int64(len(st.Spins)),
		Samples: int64(len(st.Samples)), SweepSeconds: st.SweepSeconds, ProfileSeconds: st.ProfileSeconds,
		Field: int64(len(st.Field)), Aux: int64(len(st.Aux)), Omega: int64(len(st.Omega)), Rows: int64(len(st.Rows)),
		Heights: int64(len(st.Heights)), Stored: st.Stored, Topples: st.Topples, ThermTopples: st.ThermTopples, OldActivity: st.OldActivity, Masses: int64(len(st.Masses)),
		Profiles: int64(len(st.Profiles)),
	}
	if HasProfiles(st.Config.Model) {
		h.ProfileWidth = int64(st.Config.ProfileWidth())
	}
	if !IsIsing(st.Config.Model) {
		h.Width = int64(len(st.Config.Columns()) + 1)
	}
	return h
}

// WriteCheckpoint writes st to dir: first what it measured since its last
// checkpoint there, appended to the series log and synced, then the
// checkpoint atomically (a temporary file, fsync, rename over the old
// checkpoint, fsync of the directory), which records how much of the log
// is the run's.
func WriteCheckpoint(dir string, st *State) error {
	if err := appendLog(dir, st); err != nil {
		return err
	}
	h := headerOf(st)
	h.NoStaggered, h.NoModes, h.SeriesBytes, h.SeriesCRC, h.NarrowRows = st.NoStaggered, st.NoModes, st.log.bytes, st.log.crc, int64(st.log.narrow)
	h.OldConstants = st.OldConstants
	hdr, err := json.Marshal(h)
	if err != nil {
		return err
	}
	return writeAtomic(filepath.Join(dir, CheckpointFile), func(w *hashWriter) error {
		w.h = crc32.New(castagnoli) // the checkpoint ends in the checksum of its contents
		var pre [16]byte
		copy(pre[:8], checkpointMagic)
		binary.LittleEndian.PutUint32(pre[8:], checkpointVersion)
		binary.LittleEndian.PutUint32(pre[12:], uint32(len(hdr)))
		w.Write(pre[:])
		w.Write(hdr)
		w.Write(int8Bytes(st.Spins))
		for _, v := range [][]float64{st.Field, st.Aux, st.Omega} {
			writeFloats(w, v)
		}
		writeWords(w, st.Masses)
		w.Write(st.Heights)
		writeWords(w, st.Activity)
		writeWords(w, st.Stamp)
		w.Write(w.h.Sum(nil))
		return w.err
	})
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// sampleBytes is the size of an Ising sample's record (24 before version
// 5), modesBytes of one with its smallest modes (tagModes).
const (
	sampleBytes = 32
	modesBytes  = sampleBytes + 8*3 // and the three Modes
)

// checkSum splits a checkpoint of the given format version into its body
// and trailing checksum, and reports whether they match.
func checkSum(data []byte, version uint32) (body []byte, ok bool) {
	if version >= 4 {
		body = data[:len(data)-4]
		return body, crc32.Checksum(body, castagnoli) == binary.BigEndian.Uint32(data[len(data)-4:])
	}
	body = data[:len(data)-32]
	h := sha256.Sum256(body)
	return body, bytes.Equal(h[:], data[len(data)-32:])
}

// ReadCheckpoint loads and verifies the checkpoint in dir. Every problem
// (missing, truncated, corrupted, from another version, inconsistent with
// its own configuration) is a quench.UsageError.
func ReadCheckpoint(dir string) (*State, error) {
	path, data, err := readCheckpointFile(dir)
	if err != nil {
		return nil, err
	}
	bad := func(why string, args ...any) error {
		return quench.Usagef("checkpoint %s is refused: %s", path, fmt.Sprintf(why, args...))
	}
	if len(data) < 16+32 || string(data[:8]) != checkpointMagic {
		return nil, bad("not a quench checkpoint (bad magic or too short)")
	}
	version := binary.LittleEndian.Uint32(data[8:])
	if version < 1 || version > checkpointVersion {
		return nil, bad("format version %d, this quench reads versions 1 to %d", version, checkpointVersion)
	}
	body, ok := checkSum(data, version)
	if !ok {
		return nil, bad("checksum mismatch: the file is corrupted or truncated")
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
	if err := refuseOldFormat(version, &cfg, &h, bad); err != nil {
		return nil, err
	}
	// a run saved under the heat bath's other name goes on under its
	// recorded one, so that it compares alike with heatbath runs
	cfg.Algo = CanonicalAlgo(cfg.Algo)
	if err := cfg.ValidateSaved(); err != nil {
		return nil, bad("its configuration is invalid: %v", err)
	}
	sites, inline, pastTherm, err := checkLayout(&h, &cfg, version, int64(len(body)), hlen, bad)
	if err != nil {
		return nil, err
	}
	st := &State{Config: cfg, Step: h.Step, SweepSeconds: h.SweepSeconds, ProfileSeconds: h.ProfileSeconds, Format: version,
		// the staggered sums of the samples of format 4 and older are lost
		NoStaggered: h.NoStaggered || version < 5 && h.Samples > 0,
		// and so are the smallest modes before format 8 (9)
		NoModes: h.NoModes || version < modesSince(&cfg) && h.Samples > 0 && IsIsing(cfg.Model) && cfg.hasCorrelationLength(),
		// and its constants and rows came from formulas now gone
		OldConstants: h.OldConstants || version < 10 && cfg.Model != "sandpile"}
	off := 16 + hlen
	st.Spins = make([]int8, sites)
	for i, b := range body[off : off+sites] {
		st.Spins[i] = int8(b)
		if st.Spins[i] != 1 && st.Spins[i] != -1 {
			return nil, bad("spin %d is %d, not +1 or -1", i, st.Spins[i])
		}
	}
	off += sites
	if IsIsing(cfg.Model) && inline {
		st.Samples = make([]Sample, h.Samples)
		for i := range st.Samples {
			r := body[off+24*int64(i):]
			st.Samples[i] = Sample{
				Sweep: int64(binary.LittleEndian.Uint64(r[0:])),
				Mag:   int64(binary.LittleEndian.Uint64(r[8:])),
				Bond:  int64(binary.LittleEndian.Uint64(r[16:])),
			}
		}
		off += 24 * h.Samples
	}
	floats := func(n int64) []float64 {
		if n == 0 {
			return nil
		}
		v := make([]float64, n)
		for i := range v {
			v[i] = math.Float64frombits(binary.LittleEndian.Uint64(body[off+8*int64(i):]))
		}
		off += 8 * n
		return v
	}
	st.Field, st.Aux, st.Omega = floats(h.Field), floats(h.Aux), floats(h.Omega)
	if err := checkFloats(st, bad); err != nil {
		return nil, err
	}
	for i := int64(0); inline && i < h.Rows; i++ {
		st.Rows = append(st.Rows, floats(h.Width))
	}
	if h.Masses > 0 {
		if st.Masses, err = readMasses(body[off:off+8*h.Masses], bad); err != nil {
			return nil, err
		}
		off += 8 * h.Masses
	}
	if cfg.Model == "sandpile" {
		if err := readPile(st, &h, body[off:off+13*h.Heights], version, pastTherm, bad); err != nil {
			return nil, err
		}
		off += 13 * h.Heights
	}
	for i := int64(0); inline && i < h.Profiles; i++ {
		st.Profiles = append(st.Profiles, floats(h.ProfileWidth))
	}
	if err := checkNarrowRows(&h, cfg.Model, version, bad); err != nil {
		return nil, err
	}
	if oldParticleRows(&cfg, version) {
		// the rows without v_mean (rowPad's in its place): inline, padded
		// here; in the log, all of them, which stays as it is (later
		// rows are appended at the full width: NarrowRows)
		if inline {
			for i, r := range st.Rows {
				st.Rows[i] = append(r, rowPad(&cfg))
			}
		}
		h.Width++
		h.NarrowRows = h.Rows
	}
	if !inline {
		if err := readLog(dir, &h, st, bad); err != nil {
			return nil, err
		}
	}
	return st, nil
}

// refuseOldFormat refuses a checkpoint of an old format version whose
// run this quench cannot go on with (its series measured something else
// then), and sets what an old sandpile run goes on without.
func refuseOldFormat(version uint32, cfg *Config, h *checkpointHeader, bad func(string, ...any) error) error {
	if version == 1 && IsMass(cfg.Model) {
		// version 1 is version 2 without profiles, which only mass models take
		return bad("format version 1 holds a %s run without the profile snapshots this quench takes: rerun it", cfg.Model)
	}
	if version < 3 && cfg.Model == "particles" && cfg.Scheme == quench.SchemeBAOAB {
		// its series' v_var column held <p^2>, not the velocity variance
		return bad("format version %d holds a baoab particle run whose v_var measured <p^2>, not the velocity variance this quench measures: rerun it", version)
	}
	if version < 3 && cfg.Model == "phi4" && cfg.H != 0 {
		// energy_field changed sign during format 2 (+h<phi> to -h<phi>):
		// such a file may hold either
		return bad("format version %d holds a phi4 run with h != 0 whose energy_field may have the old sign (+h <phi>, now -h <phi>): rerun it", version)
	}
	if version < 4 && cfg.Model == "sandpile" {
		// it took no height distribution snapshots, and their history
		// cannot be recovered: the run goes on without them
		if h.Profiles != 0 {
			return bad("format version %d holds %d sandpile profile snapshots, which it had none of", version, h.Profiles)
		}
		cfg.ProfileEvery = ProfileNone
	}
	return nil
}

// checkFloats refuses a state's field, momenta or frequencies that are
// not finite, or not float32 values in a float32 run.
func checkFloats(st *State, bad func(string, ...any) error) error {
	// quench checkpoints no diverged state (checkFinite), and a float32
	// run's values are float32 ones: anything else was put there by hand,
	// and would run on as a divergence blamed on --dt
	for _, f := range []struct {
		name string
		v    []float64
	}{{"field value", st.Field}, {"momentum", st.Aux}, {"frequency", st.Omega}} {
		for i, x := range f.v {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return bad("%s %d is %v (quench writes no checkpoint of a diverged state)", f.name, i, x)
			}
			if st.Config.Precision == "float32" && float64(float32(x)) != x {
				return bad("%s %d is %v, not a float32 value, in a float32 run", f.name, i, x)
			}
		}
	}
	return nil
}

// readMasses reads a mass model's sites (8 bytes each) from b, refusing
// a negative mass or a total past the fixed-point range.
func readMasses(b []byte, bad func(string, ...any) error) ([]int64, error) {
	masses := make([]int64, len(b)/8)
	var total uint64
	for i := range masses {
		masses[i] = int64(binary.LittleEndian.Uint64(b[8*i:]))
		if masses[i] < 0 {
			return nil, bad("mass %d at site %d is negative", masses[i], i)
		}
		total += uint64(masses[i])
		if total >= maxTotalMass {
			return nil, bad("its total mass exceeds the fixed-point range")
		}
	}
	return masses, nil
}

// checkNarrowRows refuses a header's narrow_rows (the particle rows of
// the old width in its log) where the format or the model has none, or
// more than its rows.
func checkNarrowRows(h *checkpointHeader, model string, version uint32, bad func(string, ...any) error) error {
	switch {
	case h.NarrowRows != 0 && version < 7:
		return bad("its header has narrow_rows %d, a field of format 7 and later (this file is of format %d)", h.NarrowRows, version)
	case h.NarrowRows != 0 && model != "particles":
		return bad("its header has narrow_rows %d, which only particle runs have (this is %s)", h.NarrowRows, model)
	case h.NarrowRows < 0 || h.NarrowRows > h.Rows:
		return bad("its narrow_rows %d is outside 0 to its %d rows", h.NarrowRows, h.Rows)
	}
	return nil
}

// readPile reads a sandpile's heights, activity and stamps from b (13
// bytes a site) into st and checks them against the header h: stable
// heights adding up to the grains stored, activity adding up to the
// topplings recorded, stamps within the grains added.
func readPile(st *State, h *checkpointHeader, b []byte, version uint32, pastTherm bool, bad func(string, ...any) error) error {
	n := h.Heights
	st.Heights = append([]uint8(nil), b[:n]...)
	st.Activity, st.Stamp = make([]int64, n), make([]int32, n)
	var topples int64
	for i := range st.Activity {
		st.Activity[i] = int64(binary.LittleEndian.Uint64(b[n+8*int64(i):]))
		if st.Activity[i] < 0 {
			return bad("activity %d at site %d is negative", st.Activity[i], i)
		}
		topples += st.Activity[i]
	}
	for i := range st.Stamp {
		st.Stamp[i] = int32(binary.LittleEndian.Uint32(b[9*n+4*int64(i):]))
		if st.Stamp[i] < 0 || int64(st.Stamp[i]) > h.Step {
			return bad("stamp %d at site %d is outside 0..%d (the grains added)", st.Stamp[i], i, h.Step)
		}
	}
	if h.ThermTopples < 0 || h.ThermTopples > h.Topples || topples != h.Topples-h.ThermTopples {
		return bad("its activity adds up to %d topplings but it records %d, %d of them in thermalization", topples, h.Topples, h.ThermTopples)
	}
	z := uint8(quench.SandpileThreshold(st.Config.Lattice().Dim()))
	var stored int64
	for i, x := range st.Heights {
		if x >= z {
			return bad("height %d at site %d is not stable", x, i)
		}
		stored += int64(x)
	}
	if stored != h.Stored {
		return bad("it holds %d grains but records %d", stored, h.Stored)
	}
	st.Stored, st.Topples, st.ThermTopples = stored, h.Topples, h.ThermTopples
	st.OldActivity = h.OldActivity || version < 6 && pastTherm
	return nil
}

// readCheckpointFile reads the checkpoint in the run directory dir,
// refusing a missing directory or file and anything but a regular file.
func readCheckpointFile(dir string) (path string, data []byte, err error) {
	path = filepath.Join(dir, CheckpointFile)
	if fi, err := os.Stat(dir); err != nil && !errors.Is(err, fs.ErrPermission) || dir == "" {
		// (missing, or a path through a file: ENOTDIR)
		return "", nil, quench.Usagef("no run directory %q: it does not exist (give the output directory of a run)", dir)
	} else if err == nil && !fi.IsDir() {
		return "", nil, quench.Usagef("%s is not a directory: give the output directory of a run", dir)
	}
	if fi, err := os.Stat(path); err == nil && !fi.Mode().IsRegular() {
		// a named pipe blocked the read for ever (with the signals
		// caught: Ctrl-C did nothing), a device such as /dev/zero never
		// ended it; a link to a checkpoint is read
		return "", nil, quench.Usagef("checkpoint %s is refused: it is %s, not a file written by quench run", path, fileKind(fi))
	}
	data, err = os.ReadFile(path)
	if err != nil {
		if os.IsNotExist(err) {
			return "", nil, quench.Usagef("no checkpoint in %s: expected the file %s written by quench run", dir, path)
		}
		return "", nil, quench.Usagef("cannot read checkpoint %s: %v", path, err)
	}
	return path, data, nil
}

// checkLayout checks a checkpoint header h of format version against its
// configuration cfg and the body's length (hlen the header's): which
// arrays the model holds and how long, the measurements and snapshots a
// run has made by its step, and the flags each format may carry. It
// returns the spins it holds (0 but for Ising), whether its series is
// inline (formats before 5) rather than in the series log, and whether a
// sandpile's step is past its thermalization (its activity restarted).
func checkLayout(h *checkpointHeader, cfg *Config, version uint32, bodyLen, hlen int64, bad func(string, ...any) error) (sites int64, inline, pastTherm bool, err error) {
	sites = cfg.Lattice().Sites()
	if cfg.Model == "sandpile" {
		if h.Heights != sites || h.Width != int64(len(cfg.Columns())+1) || h.Field+h.Aux+h.Omega != 0 {
			return 0, false, false, bad("it holds %d heights for a lattice of %d sites", h.Heights, sites)
		}
		sites = 0
	} else if h.Heights != 0 {
		return 0, false, false, bad("it holds sandpile heights for model %s", cfg.Model)
	}
	if !IsIsing(cfg.Model) && h.Samples != 0 {
		return 0, false, false, bad("it holds %d Ising samples for model %s", h.Samples, cfg.Model)
	}
	if IsIsing(cfg.Model) && (h.Rows != 0 || h.Width != 0) {
		// Ising runs measure samples, not rows
		return 0, false, false, bad("it holds %d rows of %d columns for model %s, which measures samples", h.Rows, h.Width, cfg.Model)
	}
	if IsMass(cfg.Model) != (h.Masses == cfg.Lattice().Sites()) || !IsMass(cfg.Model) && h.Masses != 0 {
		return 0, false, false, bad("it holds %d masses for model %s", h.Masses, cfg.Model)
	}
	if IsMass(cfg.Model) {
		sites = 0
		if h.Field+h.Aux+h.Omega != 0 || h.Width != int64(len(cfg.Columns())+1) {
			return 0, false, false, bad("its layout does not match model %s", cfg.Model)
		}
	} else if !IsIsing(cfg.Model) && cfg.Model != "sandpile" {
		sites = 0
		n := cfg.Lattice().Sites()
		if cfg.Model == "particles" {
			n = cfg.Coordinates()
		}
		if h.Field != n {
			return 0, false, false, bad("it holds %d field values but the run has %d", h.Field, n)
		}
		if (cfg.Scheme == quench.SchemeBAOAB) != (h.Aux == n) || h.Aux != 0 && h.Aux != n {
			return 0, false, false, bad("it holds %d momenta for a %s run of %d", h.Aux, cfg.Scheme, n)
		}
		if kur := cfg.Model == "particles" && cfg.Potential == quench.PotentialKuramoto; kur && h.Omega != cfg.N || !kur && h.Omega != 0 {
			return 0, false, false, bad("it holds %d frequencies", h.Omega)
		}
		w := int64(len(cfg.Columns()) + 1)
		if oldParticleRows(cfg, version) {
			w-- // (no v_mean)
		}
		if h.Width != w {
			return 0, false, false, bad("its rows have %d columns, model %s has %d", h.Width, cfg.Model, w)
		}
	}
	if h.Sites != sites {
		return 0, false, false, bad("it holds %d sites but its lattice %s has %d", h.Sites, cfg.Lattice(), sites)
	}
	if HasProfiles(cfg.Model) && h.ProfileWidth != int64(cfg.ProfileWidth()) && !(version < 4 && cfg.Model == "sandpile") {
		return 0, false, false, bad("its profile rows have %d columns, model %s on %v has %d", h.ProfileWidth, cfg.Model, cfg.Shape, cfg.ProfileWidth())
	}
	if !HasProfiles(cfg.Model) && h.ProfileWidth+h.Profiles != 0 {
		return 0, false, false, bad("it holds profile snapshots for model %s", cfg.Model)
	}
	// before version 5 the samples (24 bytes), rows and profiles are in
	// the checkpoint; from it in the series log
	inline = version < 5
	var series int64
	if inline {
		series = 24*h.Samples + 8*(h.Rows*h.Width+h.Profiles*h.ProfileWidth)
		if h.SeriesBytes != 0 || h.SeriesCRC != 0 {
			return 0, false, false, bad("format version %d has no series log", version)
		}
	}
	want := 16 + hlen + sites + series + 8*(h.Field+h.Aux+h.Omega+h.Masses) + 13*h.Heights
	if h.SeriesBytes < 0 || h.Samples < 0 || h.Field < 0 || h.Aux < 0 || h.Omega < 0 || h.Rows < 0 || h.Width < 0 || h.Profiles < 0 || h.ProfileWidth < 0 || bodyLen != want {
		return 0, false, false, bad("size %d bytes does not match its header (%d)", bodyLen, want)
	}
	if h.Step < 0 || h.Step > cfg.TotalSweeps() {
		return 0, false, false, bad("step %d is outside the run's %d sweeps", h.Step, cfg.TotalSweeps())
	}
	if m := measurementsUpTo(cfg, h.Step); m != h.Samples+h.Rows {
		return 0, false, false, bad("it holds %d measurements, but %d are made by sweep %d", h.Samples+h.Rows, m, h.Step)
	}
	if p := profilesUpTo(cfg, h.Step); p != h.Profiles {
		return 0, false, false, bad("it holds %d profile snapshots, but %d are taken by step %d", h.Profiles, p, h.Step)
	}
	if h.NoStaggered && (version < 5 || !IsIsing(cfg.Model) || h.Samples == 0) {
		return 0, false, false, bad("it marks %d samples of model %s as without staggered sums", h.Samples, cfg.Model)
	}
	if h.NoModes && (version < modesSince(cfg) || !IsIsing(cfg.Model) || h.Samples == 0 || !cfg.hasCorrelationLength()) {
		return 0, false, false, bad("it marks %d samples of model %s as without smallest modes", h.Samples, cfg.Model)
	}
	if h.OldConstants && (version < 10 || cfg.Model == "sandpile") {
		return 0, false, false, bad("it marks a run of model %s as begun under format 9 or older", cfg.Model)
	}
	// the activity restarts after grain Therm (version 6): no topplings
	// recorded apart before, and an old count only past it
	pastTherm = cfg.Model == "sandpile" && cfg.Therm > 0 && h.Step > cfg.Therm
	if h.ThermTopples != 0 && (version < 6 || !pastTherm || h.OldActivity) || h.OldActivity && (version < 6 || !pastTherm) {
		return 0, false, false, bad("its sandpile activity bookkeeping (%d thermalization topplings, old activity %v) does not fit format %d at grain %d of thermalization %d", h.ThermTopples, h.OldActivity, version, h.Step, cfg.Therm)
	}
	return sites, inline, pastTherm, nil
}

// rowPad is the v_mean of a particle row measured under checkpoint format
// 6 or older, which did not record it (oldParticleRows): NaN where it had
// a value (baoab), the 0 it is without velocities.
func rowPad(c *Config) float64 {
	if c.Model == "particles" && c.Scheme == quench.SchemeBAOAB {
		return math.NaN()
	}
	return 0
}

// oldParticleRows reports whether a checkpoint of format version holds
// particle rows without v_mean, the last column (format 6 and older).
func oldParticleRows(c *Config, version uint32) bool {
	return c.Model == "particles" && version < 7
}

// NoVMean reports whether a baoab particle run's rows lack v_mean (NaN),
// some of them measured before format 7: its outputs leave out v_mean and
// v2.
func (st *State) NoVMean() bool {
	if st.Config.Model != "particles" || st.Config.Scheme != quench.SchemeBAOAB {
		return false
	}
	j := slices.Index(st.Config.Columns(), "v_mean") + 1
	return slices.ContainsFunc(st.Rows, func(r []float64) bool { return math.IsNaN(r[j]) })
}

// fileKind names what a file that is not a regular one is.
func fileKind(fi os.FileInfo) string {
	switch m := fi.Mode(); {
	case m.IsDir():
		return "a directory"
	case m&os.ModeNamedPipe != 0:
		return "a named pipe"
	case m&os.ModeSocket != 0:
		return "a socket"
	case m&os.ModeDevice != 0:
		return "a device"
	}
	return "not a regular file"
}

// measurementsUpTo counts the measurements made in sweeps 1..step.
func measurementsUpTo(c *Config, step int64) int64 {
	if step <= c.Therm {
		return 0
	}
	return min((step-c.Therm)/c.Every, c.Measurements())
}

func writeFloats(w *hashWriter, v []float64) {
	buf := make([]byte, 8*min(len(v), 1<<16))
	for lo := 0; lo < len(v); lo += 1 << 16 {
		part := v[lo:min(lo+1<<16, len(v))]
		for i, x := range part {
			binary.LittleEndian.PutUint64(buf[8*i:], math.Float64bits(x))
		}
		w.Write(buf[:8*len(part)])
	}
}

// writeWords writes int64 or int32 values little-endian, 2^16 at a time.
func writeWords[T int64 | int32](w *hashWriter, v []T) {
	var zero T
	size := binary.Size(zero)
	buf := make([]byte, size*min(len(v), 1<<16))
	for lo := 0; lo < len(v); lo += 1 << 16 {
		part := v[lo:min(lo+1<<16, len(v))]
		for i, x := range part {
			if size == 8 {
				binary.LittleEndian.PutUint64(buf[8*i:], uint64(x))
			} else {
				binary.LittleEndian.PutUint32(buf[4*i:], uint32(x))
			}
		}
		w.Write(buf[:size*len(part)])
	}
}

func int8Bytes(s []int8) []byte {
	if len(s) == 0 {
		return nil
	}
	// the same memory viewed as bytes (int8 and byte share size and
	// layout): a copy was a second lattice in memory at every checkpoint
	return unsafe.Slice((*byte)(unsafe.Pointer(&s[0])), len(s))
}

// hashWriter writes through a buffer to a file and, when h is set, to a
// hash, keeping the first error.
type hashWriter struct {
	bw  *bufio.Writer
	h   hash.Hash
	crc *uint32 // a CRC-32C (Castagnoli) continued over what is written
	n   int64   // bytes written
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
	if w.h != nil {
		w.h.Write(p)
	}
	if w.crc != nil {
		*w.crc = crc32.Update(*w.crc, castagnoli, p)
	}
	w.n += int64(len(p))
	return len(p), nil
}

// writeAtomic writes path through fill into a temporary file in the same
// directory, fsyncs it, renames it over path and fsyncs the directory, so a
// crash leaves either the old file or the new one, never a mix.
func writeAtomic(path string, fill func(w *hashWriter) error) error {
	return writeAtomicGated(path, nil, fill)
}

// writeAtomicGated is writeAtomic creating its temporary file and renaming
// it into place only through g (nil: always).
func writeAtomicGated(path string, g *OutputGate, fill func(w *hashWriter) error) error {
	dir := filepath.Dir(path)
	var f *os.File
	err := g.pass(func() (err error) {
		f, err = os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
		return err
	})
	var pe *fs.PathError
	if errors.As(err, &pe) {
		// (its pattern's name: "open run/.lattice.npy.tmp*: ...")
		return &fs.PathError{Op: pe.Op, Path: path, Err: pe.Err}
	}
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp) // no-op after a successful rename
	w := &hashWriter{bw: bufio.NewWriterSize(f, 1<<20)}
	for _, step := range []func() error{
		func() error { return f.Chmod(0o644) },
		func() error { return fill(w) },
		w.bw.Flush,
		f.Sync,
	} {
		if err := step(); err != nil {
			f.Close()
			return AtTarget(err, tmp, path)
		}
	}
	if err := f.Close(); err != nil {
		return AtTarget(err, tmp, path)
	}
	if err := g.pass(func() error { return os.Rename(tmp, path) }); err != nil {
		return err
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// AtTarget is err with its file error (an fs.PathError) on tmp, the
// temporary file through which path is written, naming path instead,
// and without the wrappers around it: a full disk's error while
// lattice.npy is written, "Sequence 1048449: write
// run/.lattice.npy.tmp2855251535: no space left on device" under the npy
// writer's wrapper, is "write run/lattice.npy: no space left on device".
// Other errors are returned as they are.
func AtTarget(err error, tmp, path string) error {
	var pe *fs.PathError
	if errors.As(err, &pe) && pe.Path == tmp {
		return &fs.PathError{Op: pe.Op, Path: path, Err: pe.Err}
	}
	return err
}

// modesSince is the first checkpoint format whose Ising samples carry the
// smallest modes of c's run (where it has a correlation length): 8, an
// antiferromagnet's (the staggered spins') 9.
func modesSince(c *Config) uint32 {
	if c.modePrefix() != "" {
		return 9
	}
	return 8
}
