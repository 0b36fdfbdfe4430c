package sim

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"hash/crc32"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/quenchlab/quench"
	"github.com/quenchlab/quench/cpu"
)

// fuzzSeedRuns are small runs of every kind of state a checkpoint holds:
// spins with samples and modes, float32 and float64 fields with momenta
// and frequencies, particle rows with velocities, masses of each rule
// with profiles, a pile, a diffusion field.
var fuzzSeedRuns = []Config{
	{Model: "ising2d", Shape: []int{4, 4}, T: 2.3, J: 1, Algo: "heatbath", Sweeps: 3, Therm: 1, Every: 1, Seed: 3, Start: "hot"},
	{Model: "ising3d", Shape: []int{2, 2, 2}, T: 4.5, J: 1, Algo: "metropolis", Sweeps: 2, Every: 1, Seed: 3, Start: "hot"},
	{Model: "phi4", Shape: []int{4, 2}, Scheme: quench.SchemeBAOAB, Precision: "float32", Dt: 0.05, M2: 1, T: 1, Gamma: 1, Mass: 1, Sweeps: 2, Every: 1, Seed: 2, Start: "hot"},
	{Model: "particles", N: 3, D: 1, Scheme: quench.SchemeEM, Potential: quench.PotentialKuramoto, Precision: "float64", Dt: 0.01, T: 0.5, Gamma: 1, Mass: 1, K: 1, Omega: 0.2, OmegaSpread: 0.3, Sweeps: 2, Every: 1, Seed: 2, Start: "hot"},
	{Model: "particles", N: 2, D: 2, Scheme: quench.SchemeBAOAB, Potential: quench.PotentialDoubleWell, Precision: "float64", Dt: 0.05, T: 0.5, Gamma: 1, Mass: 2, K: 1, Sweeps: 2, Every: 1, Seed: 2, Start: "hot"},
	{Model: "sandpile", Shape: []int{3, 3}, Sweeps: 6, Therm: 2, Every: 1, Seed: 3, Start: "cold"},
	{Model: "kmp", Shape: []int{4}, Mass0: 1, Therm: 1, Seed: 7, Start: "hot", Sweeps: 3, Every: 1},
	{Model: "aggregation", Shape: []int{2, 2}, Mass0: 1, Injection: 0.5, Therm: 1, Seed: 7, Start: "hot", Sweeps: 2, Every: 1},
	{Model: "transfer", Shape: []int{4}, Mass0: 1, Fraction: 0.25, Seed: 7, Start: "hot", Sweeps: 2, Every: 1},
	{Model: "diffusion", Shape: []int{4}, Alpha: 0.1, Precision: "float64", Sweeps: 2, Every: 1, Seed: 7, Start: "cold"},
}

// fuzzSeeds runs fuzzSeedRuns and returns each one's checkpoint file and
// series log.
func fuzzSeeds(f *testing.F) (seeds [][2][]byte) {
	for _, cfg := range fuzzSeedRuns {
		dir := f.TempDir()
		st, err := NewState(cfg)
		if err == nil {
			err = Execute(context.Background(), cpu.New(), st, Options{})
		}
		if err == nil {
			err = WriteCheckpoint(dir, st)
		}
		ck, err1 := os.ReadFile(filepath.Join(dir, CheckpointFile))
		log, err2 := os.ReadFile(filepath.Join(dir, SeriesLogFile))
		if err := errors.Join(err, err1, err2); err != nil {
			f.Fatalf("%s: %v", cfg.Model, err)
		}
		seeds = append(seeds, [2][]byte{ck, log})
	}
	return seeds
}

// oldSandpile is a checkpoint of format 3 (cmd/quench's test data).
func oldSandpile(f *testing.F) []byte {
	v3, err := os.ReadFile("../cmd/quench/testdata/sandpile-v3/checkpoint.qck")
	if err != nil {
		f.Fatal(err)
	}
	return v3
}

// sealCheckpoint gives data, a checkpoint file of any content, the
// checksum its format version asks for, so that what a fuzzer changes is
// read past the checksum (a file that is too short or of no known version
// is left as it is).
func sealCheckpoint(data []byte) []byte {
	if len(data) < 16+32 {
		return data
	}
	switch v := binary.LittleEndian.Uint32(data[8:]); {
	case v >= 4 && v <= checkpointVersion:
		body := data[:len(data)-4]
		return binary.BigEndian.AppendUint32(body[:len(body):len(body)], crc32.Checksum(body, castagnoli))
	case v >= 1 && v < 4:
		body := data[:len(data)-32]
		sum := sha256.Sum256(body)
		return append(body[:len(body):len(body)], sum[:]...)
	}
	return data
}

// editHeader returns the checkpoint data (of format 4 or later) with its
// JSON header changed by edit and its checksum made to hold, or nil
// where the header is not a JSON object.
func editHeader(data []byte, edit func(h map[string]any)) []byte {
	if len(data) < 16 {
		return nil
	}
	hlen := int64(binary.LittleEndian.Uint32(data[12:]))
	if 16+hlen > int64(len(data))-4 {
		return nil
	}
	var h map[string]any
	dec := json.NewDecoder(bytes.NewReader(data[16 : 16+hlen]))
	dec.UseNumber()
	if dec.Decode(&h) != nil || h == nil {
		return nil
	}
	edit(h)
	hdr, err := json.Marshal(h)
	if err != nil {
		return nil
	}
	out := binary.LittleEndian.AppendUint32(slices.Clone(data[:12]), uint32(len(hdr)))
	out = append(append(out, hdr...), data[16+hlen:len(data)-4]...)
	return binary.BigEndian.AppendUint32(out, crc32.Checksum(out, castagnoli))
}

// FuzzReadCheckpoint gives ReadCheckpoint checkpoints of every kind of
// state (fuzzSeedRuns, and a format 3 sandpile) with any bytes changed,
// the checksum made to hold, and a series log of any bytes, whose length
// and checksum the header is made to record where it is JSON and sealLog
// says so (so that what the fuzzer changes in the log is read past its
// checksum; the header is then written anew, its bytes as JSON encodes
// them, which sealLog false leaves as the fuzzer made them): each is
// refused with a UsageError, never a panic or an allocation the file does
// not back, and each state it takes is one that WriteCheckpoint saves and
// ReadCheckpoint takes again (readChecked). Without -fuzz it reads the
// unchanged seeds (go test); with it, a fuzzer's inputs: go test -run
// '^$' -fuzz FuzzReadCheckpoint ./sim.
func FuzzReadCheckpoint(f *testing.F) {
	for _, seed := range fuzzSeeds(f) {
		f.Add(seed[0], seed[1], true)
		f.Add(seed[0], seed[1], false)
	}
	f.Add(oldSandpile(f), []byte(nil), false)
	f.Fuzz(func(t *testing.T, ck, log []byte, sealLog bool) {
		ck = sealCheckpoint(ck)
		if sealLog && len(ck) >= 16 && binary.LittleEndian.Uint32(ck[8:]) >= 5 {
			sealed := editHeader(ck, func(h map[string]any) {
				h["series_bytes"], h["series_crc"] = len(log), crc32.Checksum(log, castagnoli)
			})
			if sealed != nil {
				ck = sealed
			}
		}
		readChecked(t, ck, log)
	})
}

// fuzzHeaderKeys are the header's keys (config's as config.key) a
// header edit seeds with, with a value each; the fuzzer tries others.
var fuzzHeaderKeys = [][2]string{
	{"step", "5"}, {"sites", "16"}, {"samples", "2"}, {"field", "8"}, {"aux", "8"}, {"omega", "3"},
	{"rows", "2"}, {"width", "9"}, {"heights", "9"}, {"stored", "4"}, {"topples", "3"},
	{"therm_topples", "1"}, {"old_activity", "true"}, {"masses", "4"}, {"profiles", "1"},
	{"profile_width", "4"}, {"no_staggered", "true"}, {"no_modes", "true"}, {"old_constants", "true"},
	{"series_bytes", "100"}, {"narrow_rows", "1"},
	{"config.model", `"phi4"`}, {"config.shape", "[4,4]"}, {"config.sweeps", "7"}, {"config.therm", "2"},
	{"config.every", "2"}, {"config.start", `"stationary"`}, {"config.precision", `"float32"`},
	{"config.scheme", `"modelb"`}, {"config.N", "4"}, {"config.d", "2"}, {"config.potential", `"doublewell"`},
	{"config.profile_every", "1"}, {"config.algo", `"glauber"`}, {"config.h", "0.5"},
}

// FuzzCheckpointHeader reads checkpoints whose header has one key set to
// any JSON value (FuzzReadCheckpoint's byte changes seldom leave the JSON
// valid): fuzzSeedRuns' checkpoints, whose series logs stay as they are.
// ReadCheckpoint refuses each with a UsageError or takes a state that is
// written and read again alike (readChecked).
func FuzzCheckpointHeader(f *testing.F) {
	seeds := fuzzSeeds(f)
	for i := range seeds {
		for _, kv := range fuzzHeaderKeys {
			f.Add(uint8(i), kv[0], kv[1])
		}
	}
	f.Fuzz(func(t *testing.T, which uint8, key, value string) {
		seed := seeds[int(which)%len(seeds)]
		var v any
		vd := json.NewDecoder(strings.NewReader(value))
		vd.UseNumber()
		if vd.Decode(&v) != nil {
			return
		}
		ck := editHeader(seed[0], func(h map[string]any) {
			m := h
			if sub, ok := strings.CutPrefix(key, "config."); ok {
				m, key = h["config"].(map[string]any), sub
			}
			m[key] = v
		})
		if ck == nil {
			return
		}
		readChecked(t, ck, seed[1])
	})
}

// readChecked writes a checkpoint file and series log to a new directory
// and reads them: ReadCheckpoint refuses them with a UsageError or takes
// a state that WriteCheckpoint saves, and that, read again and saved once
// more, gives the same files byte for byte (the state, the configuration
// and every sample, row and profile are written again as they were read).
func readChecked(t *testing.T, ck, log []byte) {
	dir := t.TempDir()
	if err := errors.Join(os.WriteFile(filepath.Join(dir, CheckpointFile), ck, 0o644),
		os.WriteFile(filepath.Join(dir, SeriesLogFile), log, 0o644)); err != nil {
		t.Fatal(err)
	}
	st, err := ReadCheckpoint(dir)
	if err != nil {
		if !quench.IsUsage(err) {
			t.Fatalf("refused with %T, not a UsageError: %v", err, err)
		}
		return
	}
	var files [2][2][]byte
	for i := range files {
		again := t.TempDir()
		if err := WriteCheckpoint(again, st); err != nil {
			t.Fatalf("a state read is not written again: %v", err)
		}
		if st, err = ReadCheckpoint(again); err != nil {
			t.Fatalf("a state read and written again is refused: %v", err)
		}
		for j, name := range []string{CheckpointFile, SeriesLogFile} {
			if files[i][j], err = os.ReadFile(filepath.Join(again, name)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if !bytes.Equal(files[0][0], files[1][0]) || !bytes.Equal(files[0][1], files[1][1]) {
		t.Fatalf("a state read, written, read and written again gives other files (checkpoint %d and %d bytes, log %d and %d)",
			len(files[0][0]), len(files[1][0]), len(files[0][1]), len(files[1][1]))
	}
}

// FuzzParseLog gives the series log's decoder any bytes and widths: it
// never panics, and where it reads every record their sizes add up to
// the data. Its seeds are fuzzSeedRuns' logs at their own widths and a
// narrow row alone, each of which must decode.
func FuzzParseLog(f *testing.F) {
	// logs that decode: the runs' own, and a narrow row alone (8 width - 7
	// bytes, which a bound of the data's length / 8 on the width refused)
	type seed struct {
		data          []byte
		width, pwidth int64
		narrow        int
	}
	good := []seed{{append([]byte{tagRow}, make([]byte, 8)...), 2, 0, 1}}
	for _, s := range fuzzSeeds(f) {
		var h checkpointHeader
		hlen := binary.LittleEndian.Uint32(s[0][12:])
		if err := json.Unmarshal(s[0][16:16+hlen], &h); err != nil {
			f.Fatal(err)
		}
		good = append(good, seed{s[1], h.Width, h.ProfileWidth, int(h.NarrowRows)})
	}
	for _, s := range good {
		if _, _, _, _, bad := parseLog(s.data, s.width, s.pwidth, s.narrow, -1); bad >= 0 {
			f.Fatalf("a log of %d bytes, width %d, profile width %d, %d narrow rows: bad record at %d", len(s.data), s.width, s.pwidth, s.narrow, bad)
		}
		f.Add(s.data, s.width, s.pwidth, s.narrow)
	}
	// 8 times the width wrapped to 8: an allocation of 2^61 values panicked
	f.Add(append([]byte{tagRow}, make([]byte, 8)...), int64(1)<<61+1, int64(0), 0)
	f.Fuzz(func(t *testing.T, data []byte, width, pwidth int64, narrow int) {
		samples, rows, profiles, modes, bad := parseLog(data, width, pwidth, narrow, -1)
		if bad >= 0 {
			if bad >= int64(len(data)) {
				t.Fatalf("bad record at %d of %d bytes", bad, len(data))
			}
			return
		}
		size := int64(len(samples))*(1+sampleBytes) + int64(modes)*(modesBytes-sampleBytes) + int64(len(profiles))*(1+8*pwidth)
		for i, r := range rows {
			size += 1 + 8*width
			if i < narrow {
				size -= 8
			}
			if int64(len(r)) != width {
				t.Fatalf("row %d of %d values, width %d", i, len(r), width)
			}
		}
		if size != int64(len(data)) {
			t.Fatalf("records of %d bytes read from %d", size, len(data))
		}
	})
}
