package sim

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/quenchlab/quench"
	"github.com/quenchlab/quench/backendtest"
	"github.com/quenchlab/quench/cpu"
)

func smallConfig() Config {
	return Config{Model: "ising2d", Shape: []int{512, 256}, T: 2.3, J: 1, H: 0.05, Algo: "metropolis",
		Sweeps: 24, Therm: 5, Every: 3, Seed: 99, Start: "hot"}
}

func sameState(t *testing.T, what string, a, b *State) {
	t.Helper()
	if a.Step != b.Step {
		t.Errorf("%s: steps differ: %d vs %d", what, a.Step, b.Step)
	}
	if !slices.Equal(a.Spins, b.Spins) {
		t.Errorf("%s: lattices differ", what)
	}
	if !slices.Equal(a.Samples, b.Samples) {
		t.Errorf("%s: measurement series differ:\n%v\n%v", what, a.Samples, b.Samples)
	}
}

// The same seed gives the same lattice and series for any GOMAXPROCS: the
// CPU backend splits this lattice into several parts run concurrently.
func TestGOMAXPROCSIndependence(t *testing.T) {
	old := runtime.GOMAXPROCS(0)
	defer runtime.GOMAXPROCS(old)
	var states []*State
	for _, procs := range []int{1, 2, 5} {
		runtime.GOMAXPROCS(procs)
		for _, model := range []string{"ising2d", "ising3d"} {
			cfg := smallConfig()
			if model == "ising3d" {
				cfg.Model, cfg.Shape = model, []int{16, 32, 128}
			}
			st, _ := simulate(t, cfg)
			states = append(states, st)
		}
	}
	for i := 2; i < len(states); i++ {
		sameState(t, "GOMAXPROCS", states[i%2], states[i])
	}
	if len(states[0].Samples) != 8 {
		t.Errorf("unexpected number of measurements: got %d want 8", len(states[0].Samples))
	}
}

// A run interrupted and resumed from its checkpoint ends bit for bit where an
// uninterrupted run ends, including checkpoints taken by --checkpoint-every.
func TestResumeEqualsUninterrupted(t *testing.T) {
	for _, stopAt := range []int64{3, 5, 11, 28} {
		cfg := smallConfig()
		cfg.CheckpointEvery = 4
		full, _ := simulate(t, cfg)

		dir := t.TempDir()
		back := interruptAt(t, cfg, dir, stopAt)
		if back.Step != stopAt {
			t.Fatalf("checkpoint at step %d, want %d", back.Step, stopAt)
		}
		if err := Execute(context.Background(), cpu.New(), back, Options{Dir: dir}); err != nil {
			t.Fatal(err)
		}
		sameState(t, "resumed run", full, back)
		final, err := ReadCheckpoint(dir)
		if err != nil {
			t.Fatal(err)
		}
		sameState(t, "final checkpoint", full, final)
	}
}

func TestPeriodicCheckpoint(t *testing.T) {
	cfg := smallConfig()
	cfg.CheckpointEvery = 10
	dir := t.TempDir()
	st, _ := NewState(cfg)
	var seen []int64
	opts := Options{Dir: dir, Progress: func(step, total int64) {
		if step%10 == 1 && step > 1 { // the sweep after a checkpoint
			back, err := ReadCheckpoint(dir)
			if err != nil {
				t.Fatal(err)
			}
			seen = append(seen, back.Step)
		}
	}}
	if err := Execute(context.Background(), cpu.New(), st, opts); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(seen, []int64{10, 20}) {
		t.Errorf("unexpected checkpoint steps: got %v want [10 20]", seen)
	}
}

func TestCheckpointRefused(t *testing.T) {
	cfg := smallConfig()
	cfg.Shape = []int{8, 8}
	st, _ := simulate(t, cfg)
	write := func(t *testing.T, st *State) string {
		dir := t.TempDir()
		if err := WriteCheckpoint(dir, st); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	edit := func(dir string, f func([]byte) []byte) {
		p := filepath.Join(dir, CheckpointFile)
		data, _ := os.ReadFile(p)
		os.WriteFile(p, f(data), 0o644)
	}
	cases := []struct {
		name string
		make func(t *testing.T) string
		want string
	}{
		{"missing", func(t *testing.T) string { return t.TempDir() }, "no checkpoint"},
		{"flipped byte", func(t *testing.T) string {
			d := write(t, st)
			edit(d, func(b []byte) []byte { b[len(b)/2] ^= 0x40; return b })
			return d
		}, "checksum mismatch"},
		{"truncated", func(t *testing.T) string {
			d := write(t, st)
			edit(d, func(b []byte) []byte { return b[:len(b)-100] })
			return d
		}, "checksum mismatch"},
		{"not a checkpoint", func(t *testing.T) string {
			d := write(t, st)
			edit(d, func(b []byte) []byte { return []byte("hello, this is not a checkpoint at all, not at all......") })
			return d
		}, "not a quench checkpoint"},
		{"state of another size", func(t *testing.T) string {
			bad := *st
			bad.Spins = bad.Spins[:60]
			return write(t, &bad)
		}, "holds 60 sites"},
		{"series inconsistent with step", func(t *testing.T) string {
			bad := *st
			bad.Samples = bad.Samples[:len(bad.Samples)-1]
			return write(t, &bad)
		}, "measurements"},
		{"invalid config", func(t *testing.T) string {
			bad := *st
			bad.Config.Algo = "wolff"
			return write(t, &bad)
		}, "unknown --algo"},
		{"bad spin", func(t *testing.T) string {
			bad := *st
			bad.Spins = slices.Clone(st.Spins)
			bad.Spins[7] = 3
			return write(t, &bad)
		}, "spin 7 is 3"},
	}
	for _, c := range cases {
		_, err := ReadCheckpoint(c.make(t))
		if err == nil || !quench.IsUsage(err) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: want a usage error containing %q, got %v", c.name, c.want, err)
		}
	}
	// and the good one round-trips
	back, err := ReadCheckpoint(write(t, st))
	if err != nil {
		t.Fatal(err)
	}
	sameState(t, "round trip", st, back)
}

// interruptAt runs cfg on the CPU with its outputs in dir, cancels it
// after step `at` (as an interrupt would), requires ErrInterrupted and
// returns the checkpoint the run left.
func interruptAt(t *testing.T, cfg Config, dir string, at int64) *State {
	t.Helper()
	st, err := NewState(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	err = Execute(ctx, cpu.New(), st, Options{Dir: dir, Progress: func(step, _ int64) {
		if step == at {
			cancel()
		}
	}})
	if !errors.Is(err, ErrInterrupted) {
		t.Fatalf("%s: stop at %d: want ErrInterrupted, got %v", cfg.String(), at, err)
	}
	back, err := ReadCheckpoint(dir)
	if err != nil {
		t.Fatalf("%s: %v", cfg.String(), err)
	}
	return back
}

// A fresh run (Options.Fresh) interrupted before its first step writes
// nothing and returns ErrNotStarted (an ErrInterrupted too); one that is
// not fresh checkpoints the step it stands at, as after any interrupt.
func TestInterruptedBeforeFirstStep(t *testing.T) {
	cfg := Config{Model: "kmp", Shape: []int{16}, Sweeps: 20, Therm: 5, Every: 1, Seed: 3, Mass0: 1, Start: "hot"}
	for _, fresh := range []bool{true, false} {
		dir := t.TempDir()
		st, err := NewState(cfg)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		err = Execute(ctx, cpu.New(), st, Options{Dir: dir, Fresh: fresh})
		files, _ := os.ReadDir(dir)
		switch {
		case fresh && (!errors.Is(err, ErrNotStarted) || !errors.Is(err, ErrInterrupted) || len(files) != 0 || st.Step != 0):
			t.Errorf("fresh: %v, %d files written, step %d", err, len(files), st.Step)
		case !fresh && (errors.Is(err, ErrNotStarted) || !errors.Is(err, ErrInterrupted)):
			t.Errorf("not fresh: %v", err)
		case !fresh:
			if back, err := ReadCheckpoint(dir); err != nil || back.Step != 0 {
				t.Errorf("not fresh: the checkpoint of step 0: %v", err)
			}
		}
	}
}

// Version 1 checkpoints (no profile section) are still read for models
// without profiles, and refused with a reason for mass models; versions 2
// and 3 for the runs whose columns have not changed since; unknown
// versions are refused.
func TestCheckpointVersion1(t *testing.T) {
	// setVersion writes st's checkpoint as format version v; drop names
	// header keys to leave out ("profile_width", "config.profile_every"),
	// as a quench of that version would have
	setVersion := func(t *testing.T, st *State, v uint32, drop ...string) string {
		dir := t.TempDir()
		p := filepath.Join(dir, CheckpointFile)
		narrow := st.Config.Model == "particles" && v < 7
		if narrow {
			// particle rows before format 7 have no v_mean, the last column
			old := *st
			old.Rows = make([][]float64, len(st.Rows))
			for i, r := range st.Rows {
				old.Rows[i] = slices.Clone(r[:len(r)-1])
			}
			old.log = seriesLog{}
			st = &old
		}
		var body []byte
		if v >= 5 {
			if err := WriteCheckpoint(dir, st); err != nil {
				t.Fatal(err)
			}
			data, _ := os.ReadFile(p)
			body = data[:len(data)-4] // written with a CRC-32C
		} else {
			body = inlineCheckpoint(t, st)
			drop = append(drop, "series_bytes", "series_crc", "no_staggered")
		}
		if len(drop) > 0 || narrow {
			hlen := binary.LittleEndian.Uint32(body[12:])
			var hdr map[string]any
			if err := json.Unmarshal(body[16:16+hlen], &hdr); err != nil {
				t.Fatal(err)
			}
			for _, k := range drop {
				if c, ok := strings.CutPrefix(k, "config."); ok {
					delete(hdr["config"].(map[string]any), c)
				} else {
					delete(hdr, k)
				}
			}
			if narrow {
				hdr["width"] = len(st.Config.Columns())
			}
			h, _ := json.Marshal(hdr)
			rest := slices.Clone(body[16+hlen:])
			body = binary.LittleEndian.AppendUint32(slices.Clone(body[:12]), uint32(len(h)))
			body = append(append(body, h...), rest...)
		}
		binary.LittleEndian.PutUint32(body[8:], v)
		if v < 4 { // earlier versions end in a SHA-256
			sum := sha256.Sum256(body)
			os.WriteFile(p, append(body, sum[:]...), 0o644)
		} else {
			os.WriteFile(p, binary.BigEndian.AppendUint32(body, crc32.Checksum(body, castagnoli)), 0o644)
		}
		return dir
	}
	cfg := smallConfig()
	cfg.Shape = []int{8, 8}
	ising, _ := simulate(t, cfg)
	back, err := ReadCheckpoint(setVersion(t, ising, 1))
	if err != nil {
		t.Fatalf("version 1 Ising checkpoint: %v", err)
	}
	if !back.NoStaggered || back.Staggered() {
		t.Errorf("version 1 Ising checkpoint read with staggered sums")
	}
	lost := slices.Clone(ising.Samples)
	for i := range lost {
		lost[i].Stag = 0
	}
	sameState(t, "version 1", &State{Step: ising.Step, Spins: ising.Spins, Samples: lost}, back)
	for _, v := range []uint32{1, 4} {
		testOldIsingExtended(t, setVersion(t, ising, v), v)
	}
	// a version 4 run stopped before its first sample loses nothing
	therm, _ := simulate(t, cfg)
	therm.Step, therm.Samples = therm.Config.Therm, nil // stopped at the end of thermalization
	if back, err := ReadCheckpoint(setVersion(t, therm, 4)); err != nil || back.NoStaggered || len(back.Samples) != 0 {
		t.Errorf("version 4 Ising checkpoint without samples: %v (want it read with the staggered sums)", err)
	}
	kmp, _ := simulate(t, Config{Model: "kmp", Shape: []int{8, 8}, Mass0: 1, Sweeps: 20, Every: 1, Seed: 1, Start: "hot"})
	if _, err := ReadCheckpoint(setVersion(t, kmp, 1)); err == nil || !strings.Contains(err.Error(), "without the profile snapshots") {
		t.Errorf("version 1 kmp checkpoint: want a refusal naming the profiles, got %v", err)
	}
	if _, err := ReadCheckpoint(setVersion(t, ising, checkpointVersion+1)); err == nil || !strings.Contains(err.Error(), fmt.Sprintf("format version %d", checkpointVersion+1)) {
		t.Errorf("version %d: want a refusal, got %v", checkpointVersion+1, err)
	}
	// a sandpile past its thermalization: version 6 records the topplings
	// before the activity restarted, and refuses a count that does not
	// add up; a version 5 one, whose activity counts them all, is read
	hotPile, _ := simulate(t, Config{Model: "sandpile", Shape: []int{8, 8}, Sweeps: 200, Therm: 100, Every: 1, ProfileEvery: -1, Seed: 2, Start: "hot"})
	if back, err := ReadCheckpoint(setVersion(t, hotPile, 6)); err != nil || back.ThermTopples != hotPile.ThermTopples || hotPile.ThermTopples == 0 {
		t.Errorf("version 6 sandpile: %v, thermalization topplings %d read back as %v", err, hotPile.ThermTopples, back)
	}
	bad := *hotPile
	bad.ThermTopples++
	if _, err := ReadCheckpoint(setVersion(t, &bad, 6)); err == nil || !strings.Contains(err.Error(), "in thermalization") {
		t.Errorf("version 6 sandpile with a wrong thermalization count: want a refusal, got %v", err)
	}
	v5 := *hotPile
	v5.Topples -= v5.ThermTopples // as a version 5 run counted: all of it in the activity
	v5.ThermTopples = 0
	v5back, err := ReadCheckpoint(setVersion(t, &v5, 5))
	if err != nil || v5back.ThermTopples != 0 || v5back.Format != 5 || !v5back.OldActivity {
		t.Fatalf("version 5 sandpile past thermalization: %v (want it read as counting the thermalization)", err)
	}
	// and it stays so in the version 6 checkpoints it goes on to write
	if again, err := ReadCheckpoint(setVersion(t, v5back, 6)); err != nil || !again.OldActivity {
		t.Errorf("version 5 sandpile written again as version 6: %v, old activity lost", err)
	}
	// an old_activity mark is format 6's: in a version 5 header it is refused
	if _, err := ReadCheckpoint(setVersion(t, v5back, 5)); err == nil || !strings.Contains(err.Error(), "activity bookkeeping") {
		t.Errorf("version 5 sandpile with old_activity in its header: %v, want a refusal", err)
	}
	if back, err := ReadCheckpoint(setVersion(t, hotPile, 5)); err == nil {
		t.Errorf("version 5 sandpile with thermalization topplings recorded apart: read (old activity %v), want a refusal", back.OldActivity)
	}
	// version 3: read
	if back, err := ReadCheckpoint(setVersion(t, kmp, 3)); err != nil {
		t.Errorf("version 3 kmp checkpoint: %v", err)
	} else {
		sameState(t, "version 3", kmp, back)
	}
	// a version 3 sandpile (no profile_every, no profile_width in its
	// header) goes on without P(h) snapshots; extended, it is written as
	// version 4 with --profile-every -1 and read back
	old, _ := simulate(t, Config{Model: "sandpile", Shape: []int{6, 6}, Sweeps: 30, Every: 1, ProfileEvery: ProfileNone, Seed: 1, Start: "stationary"})
	if back, err := ReadCheckpoint(setVersion(t, old, 3, "profile_width", "config.profile_every")); err != nil || back.Config.ProfileEvery != ProfileNone {
		t.Errorf("version 3 sandpile: %v (want it read, with --profile-every -1)", err)
	} else {
		sameState(t, "version 3 sandpile", old, back)
		back.Config.Sweeps += 10 // extended: no snapshots
		dir := t.TempDir()
		if err := Execute(context.Background(), cpu.New(), back, Options{Dir: dir}); err != nil || len(back.Profiles) != 0 || len(back.Rows) != 40 {
			t.Errorf("extended version 3 sandpile: %v, %d snapshots, %d rows", err, len(back.Profiles), len(back.Rows))
		}
		if again, err := ReadCheckpoint(dir); err != nil || again.Config.ProfileEvery != ProfileNone || len(again.Rows) != 40 {
			t.Errorf("extended version 3 sandpile, read back: %v", err)
		}
	}
	pile, _ := simulate(t, Config{Model: "sandpile", Shape: []int{6, 6}, Sweeps: 30, Every: 1, Seed: 1, Start: "stationary"})
	if _, err := ReadCheckpoint(setVersion(t, pile, 3)); err == nil || !strings.Contains(err.Error(), "profile snapshots, which it had none of") {
		t.Errorf("version 3 sandpile with snapshots: want a refusal, got %v", err)
	}
	if back, err := ReadCheckpoint(setVersion(t, pile, 4)); err != nil {
		t.Errorf("version 4 sandpile: %v", err)
	} else {
		sameState(t, "version 4 sandpile", pile, back)
	}
	// version 2: read, except baoab particles (v_var changed meaning)
	if back, err := ReadCheckpoint(setVersion(t, kmp, 2)); err != nil {
		t.Errorf("version 2 kmp checkpoint: %v", err)
	} else {
		sameState(t, "version 2", kmp, back)
	}
	part := Config{Model: "particles", N: 50, D: 1, Potential: "harmonic", Scheme: quench.SchemeBAOAB, Precision: "float64",
		Dt: 0.1, T: 1, Gamma: 1, Mass: 2, K: 1, Sweeps: 5, Every: 1, Seed: 1, Start: "hot"}
	baoab, _ := simulate(t, part)
	if _, err := ReadCheckpoint(setVersion(t, baoab, 2)); err == nil || !strings.Contains(err.Error(), "v_var measured <p^2>") {
		t.Errorf("version 2 baoab particles: want a refusal naming v_var, got %v", err)
	}
	phi := Config{Model: "phi4", Shape: []int{8}, Scheme: quench.SchemeEM, Precision: "float64", Dt: 0.01, M2: 1, Lambda: 1,
		T: 1, Gamma: 1, Mass: 1, H: 0.5, Sweeps: 5, Every: 1, Seed: 1, Start: "hot"}
	withH, _ := simulate(t, phi)
	if _, err := ReadCheckpoint(setVersion(t, withH, 2)); err == nil || !strings.Contains(err.Error(), "energy_field may have the old sign") {
		t.Errorf("version 2 phi4 with h != 0: want a refusal naming energy_field, got %v", err)
	}
	phi.H = 0
	noH, _ := simulate(t, phi)
	if _, err := ReadCheckpoint(setVersion(t, noH, 2)); err != nil {
		t.Errorf("version 2 phi4 with h = 0: %v", err)
	}
	part.Scheme, part.Mass = quench.SchemeEM, 1
	em, _ := simulate(t, part)
	if _, err := ReadCheckpoint(setVersion(t, em, 2)); err != nil {
		t.Errorf("version 2 em particles: %v", err)
	}
	testVersion7Modes(t, setVersion)
	testVersion9Constants(t, setVersion)
}

// A run begun under format 9 or older (but a sandpile's) is marked
// OldConstants: its constants and rows came from formulas since made
// machine-independent (a review found an old binary's BAOAB run resumed
// by the new one matching neither binary's own). The mark is kept in the
// format 10 checkpoints it goes on to write; one a format 9 header could
// not hold, or a sandpile's, is refused.
func testVersion9Constants(t *testing.T, setVersion func(t *testing.T, st *State, v uint32, drop ...string) string) {
	baoab, _ := simulate(t, Config{Model: "phi4", Shape: []int{6, 4}, Scheme: quench.SchemeBAOAB, Precision: "float64", Dt: 0.05, M2: -1, Lambda: 1,
		T: 1, Gamma: 0.7, Mass: 1, Sweeps: 10, Every: 1, Seed: 1, Start: "hot"})
	pile, _ := simulate(t, Config{Model: "sandpile", Shape: []int{6, 6}, Sweeps: 20, Every: 1, Seed: 1, Start: "stationary"})
	if baoab.OldConstants || pile.OldConstants {
		t.Fatalf("new runs marked OldConstants")
	}
	back, err := ReadCheckpoint(setVersion(t, baoab, 9))
	if err != nil || !back.OldConstants {
		t.Fatalf("version 9 baoab: %v, OldConstants %v", err, back != nil && back.OldConstants)
	}
	dir := t.TempDir()
	if err := WriteCheckpoint(dir, back); err != nil {
		t.Fatal(err)
	}
	if again, err := ReadCheckpoint(dir); err != nil || !again.OldConstants || again.Format != checkpointVersion {
		t.Errorf("version 9 baoab written again: %v", err)
	}
	if back, err := ReadCheckpoint(setVersion(t, pile, 9)); err != nil || back.OldConstants {
		t.Errorf("version 9 sandpile: %v, want it read without OldConstants", err)
	}
	marked := *back
	marked.log = seriesLog{}
	if _, err := ReadCheckpoint(setVersion(t, &marked, 9)); err == nil || !strings.Contains(err.Error(), "as begun under format 9 or older") {
		t.Errorf("version 9 header with old_constants: %v, want a refusal", err)
	}
	oldPile := *pile
	oldPile.OldConstants, oldPile.log = true, seriesLog{}
	if _, err := ReadCheckpoint(setVersion(t, &oldPile, checkpointVersion)); err == nil || !strings.Contains(err.Error(), "as begun under format 9 or older") {
		t.Errorf("sandpile with old_constants: %v, want a refusal", err)
	}
}

// testVersion7Modes: an Ising ferromagnet at h = 0 on a square lattice
// begun under format 7, whose samples have no smallest modes, is read
// with NoModes and goes on without them (no S_k or correlation_length in
// its outputs); its format 8 checkpoint keeps them out. A format 7 header
// cannot carry format 8's no_modes, nor a format 8 log samples without
// modes for a run that measures them; a format 7 run stopped before its
// first sample loses nothing. The same for an antiferromagnet, whose
// staggered spins' modes came with format 9, begun under format 8.
func testVersion7Modes(t *testing.T, setVersion func(t *testing.T, st *State, v uint32, drop ...string) string) {
	cfg := smallConfig()
	cfg.Shape, cfg.H = []int{8, 8}, 0
	ferro, _ := simulate(t, cfg)
	for _, c := range []struct {
		j   float64
		old uint32
		xi  string
	}{{1, 7, "correlation_length"}, {-1, 8, "staggered_correlation_length"}} {
		cfg.J = c.j
		run, _ := simulate(t, cfg)
		name := fmt.Sprintf("version %d J=%v", c.old, c.j)
		if !run.Modes() || run.Samples[0].Modes[0] == 0 || run.Samples[0].Modes[2] != 0 {
			t.Fatalf("J=%v at h = 0 measured no smallest modes: %+v", c.j, run.Samples[0])
		}
		old := *run
		old.NoModes, old.log = true, seriesLog{}
		old.Samples = slices.Clone(run.Samples)
		for i := range old.Samples {
			old.Samples[i].Modes = [3]float64{}
		}
		dir := setVersion(t, &old, c.old, "no_modes")
		back, err := ReadCheckpoint(dir)
		if err != nil || !back.NoModes || back.Modes() {
			t.Fatalf("%s: %v (want it read without modes)", name, err)
		}
		sameState(t, name, &old, back)
		n := len(back.Samples)
		back.Config.Sweeps += 3 * back.Config.Every
		if err := Execute(context.Background(), cpu.New(), back, Options{Dir: dir}); err != nil || len(back.Samples) != n+3 || back.Samples[n+2].Modes != [3]float64{} {
			t.Fatalf("extended %s: %v, %d samples (had %d)", name, err, len(back.Samples), n)
		}
		sum, _ := MakeSummary(back, "cpu")
		if _, ok := sum.Observables[c.xi]; ok {
			t.Errorf("extended %s: summary has a correlation length from part of its samples", name)
		}
		if series, _ := os.ReadFile(filepath.Join(dir, SeriesFile)); strings.Contains(string(series), "S_k0") {
			t.Errorf("extended %s: series.csv has S_k0", name)
		}
		if again, err := ReadCheckpoint(dir); err != nil || !again.NoModes || again.Format != checkpointVersion {
			t.Errorf("extended %s read back: %v", name, err)
		} else {
			sameState(t, "extended "+name, back, again)
		}
		if _, err := ReadCheckpoint(setVersion(t, &old, c.old)); err == nil || !strings.Contains(err.Error(), "without smallest modes") {
			t.Errorf("%s header with no_modes: %v, want a refusal", name, err)
		}
		if _, err := ReadCheckpoint(setVersion(t, &old, c.old+1, "no_modes")); err == nil || !strings.Contains(err.Error(), "holds 0 of its 8 samples with smallest modes") {
			t.Errorf("version %d log without modes for a run that measures them (J=%v): %v, want a refusal", c.old+1, c.j, err)
		}
		therm := *run
		therm.Step, therm.Samples, therm.log = therm.Config.Therm, nil, seriesLog{}
		if back, err := ReadCheckpoint(setVersion(t, &therm, c.old)); err != nil || back.NoModes {
			t.Errorf("%s without samples: %v (want it read with the modes)", name, err)
		}
	}
	// modes that no lattice gives: refused
	for _, m := range []struct {
		a int
		v float64
	}{{0, math.NaN()}, {1, math.Inf(1)}, {0, -1}, {2, 1}} {
		bad := *ferro
		bad.Samples, bad.log = slices.Clone(ferro.Samples), seriesLog{}
		bad.Samples[3].Modes[m.a] = m.v
		if _, err := ReadCheckpoint(setVersion(t, &bad, checkpointVersion)); err == nil || !strings.Contains(err.Error(), fmt.Sprintf("sample 3 has smallest mode %d of", m.a)) {
			t.Errorf("a sample with mode %d of %v: %v, want a refusal", m.a, m.v, err)
		}
	}
}

// inlineCheckpoint is the body (all but the checksum) of st's checkpoint in
// the layout of format 4: samples of 3 words (no staggered sum), rows and
// profile snapshots in the checkpoint itself.
func inlineCheckpoint(t *testing.T, st *State) []byte {
	t.Helper()
	hdr, err := json.Marshal(headerOf(st))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	w := &hashWriter{bw: bufio.NewWriter(&buf)}
	w.Write([]byte(checkpointMagic))
	w.Write(binary.LittleEndian.AppendUint32(binary.LittleEndian.AppendUint32(nil, 4), uint32(len(hdr))))
	w.Write(hdr)
	w.Write(int8Bytes(st.Spins))
	for _, s := range st.Samples {
		for _, x := range []int64{s.Sweep, s.Mag, s.Bond} {
			w.Write(binary.LittleEndian.AppendUint64(nil, uint64(x)))
		}
	}
	for _, v := range [][]float64{st.Field, st.Aux, st.Omega} {
		writeFloats(w, v)
	}
	for _, r := range st.Rows {
		writeFloats(w, r)
	}
	writeWords(w, st.Masses)
	w.Write(st.Heights)
	writeWords(w, st.Activity)
	writeWords(w, st.Stamp)
	for _, r := range st.Profiles {
		writeFloats(w, r)
	}
	if err := w.bw.Flush(); err != nil || w.err != nil {
		t.Fatal(err, w.err)
	}
	return buf.Bytes()
}

// testOldIsingExtended extends the Ising run of a checkpoint of format v
// (4 or older: no staggered sums) by 4 samples: the run measures m_s from
// then on but leaves the staggered observables out of its outputs, and its
// format 5 checkpoint keeps them out.
func testOldIsingExtended(t *testing.T, dir string, v uint32) {
	t.Helper()
	st, err := ReadCheckpoint(dir)
	if err != nil {
		t.Fatalf("version %d: %v", v, err)
	}
	n := len(st.Samples)
	st.Config.Sweeps = (st.Config.Sweeps/st.Config.Every + 4) * st.Config.Every // the last sweep measured
	if err := Execute(context.Background(), cpu.New(), st, Options{Dir: dir}); err != nil {
		t.Fatalf("extended version %d Ising run: %v", v, err)
	}
	last := st.Samples[len(st.Samples)-1]
	lat, _ := quench.NewLattice(st.Config.Shape...)
	if want := backendtest.RefIsingSums(st.Spins, lat); len(st.Samples) <= n || last.Sweep != st.Step || last.Stag != want.Stag {
		t.Errorf("extended version %d Ising run: %d samples (had %d), the last at sweep %d of %d with staggered sum %d (want %d)",
			v, len(st.Samples), n, last.Sweep, st.Step, last.Stag, want.Stag)
	}
	sum, _ := MakeSummary(st, "cpu")
	if _, ok := sum.Observables["staggered_m2"]; ok {
		t.Errorf("extended version %d Ising run: summary has staggered_m2 from part of its samples", v)
	}
	if _, ok := sum.Observables["m2"]; !ok {
		t.Errorf("extended version %d Ising run: summary has no m2", v)
	}
	series, _ := os.ReadFile(filepath.Join(dir, SeriesFile))
	if strings.Contains(string(series), "staggered") {
		t.Errorf("extended version %d Ising run: series.csv has a staggered column", v)
	}
	again, err := ReadCheckpoint(dir)
	if err != nil || !again.NoStaggered || again.Format != checkpointVersion {
		t.Errorf("extended version %d Ising run read back: %v (format %d, no_staggered %v)", v, err, again.Format, again.NoStaggered)
	} else {
		sameState(t, fmt.Sprintf("extended version %d Ising run", v), st, again)
	}
}

// Extending a finished mass run keeps its automatic snapshot spacing,
// fixed at validation (a fresh 10000-step run would take one every 10):
// the extended run's checkpoint reads back, its snapshots evenly spaced.
func TestProfileIntervalKeptOnExtend(t *testing.T) {
	cfg := Config{Model: "kmp", Shape: []int{8, 8}, Mass0: 1, Sweeps: 2500, Therm: 3, Every: 1, Seed: 4, Start: "hot"}
	dir := t.TempDir()
	st, err := NewState(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if st.Config.ProfileEvery != 3 { // 2500 steps: every ceil(2.5) = 3, 833 snapshots
		t.Fatalf("automatic interval %d, want 3", st.Config.ProfileEvery)
	}
	if err := Execute(context.Background(), cpu.New(), st, Options{Dir: dir}); err != nil {
		t.Fatal(err)
	}
	st.Config.Sweeps = 10000
	if err := st.Config.Validate(); err != nil {
		t.Fatal(err)
	}
	if err := Execute(context.Background(), cpu.New(), st, Options{Dir: dir}); err != nil {
		t.Fatal(err)
	}
	back, err := ReadCheckpoint(dir)
	if err != nil {
		t.Fatalf("extended run's checkpoint: %v", err)
	}
	if len(back.Profiles) != 3333 {
		t.Errorf("%d snapshots after 10000 steps every 3, want 3333", len(back.Profiles))
	}
	for i, r := range back.Profiles {
		if r[0] != float64(cfg.Therm+3*int64(i+1)) {
			t.Fatalf("snapshot %d at step %v, want %d", i, r[0], cfg.Therm+3*int64(i+1))
		}
	}
	none := cfg
	none.ProfileEvery = ProfileNone
	if st, _ := simulate(t, none); len(st.Profiles) != 0 {
		t.Errorf("--profile-every -1 took %d snapshots", len(st.Profiles))
	}
}

// The series log: each checkpoint appends to it (what was there stays, byte
// for byte), a tail left by a process killed between the log and its
// checkpoint is ignored and then dropped, and a log that is corrupted,
// truncated or missing is refused.
func TestSeriesLog(t *testing.T) {
	for _, cfg := range []Config{
		{Model: "ising2d", Shape: []int{8, 8}, T: 2.3, J: 1, Algo: "metropolis", Sweeps: 10, Therm: 3, Every: 1, Seed: 5, Start: "hot"},
		{Model: "kmp", Shape: []int{16}, Mass0: 1, Sweeps: 10, Therm: 3, Every: 1, ProfileEvery: 2, Seed: 5, Start: "hot"},
	} {
		dir := t.TempDir()
		logPath := filepath.Join(dir, SeriesLogFile)
		st, err := NewState(cfg)
		if err != nil {
			t.Fatal(err)
		}
		var prev []byte
		for _, sweeps := range []int64{10, 20, 30} {
			st.Config.Sweeps = sweeps
			if err := Execute(context.Background(), cpu.New(), st, Options{Dir: dir}); err != nil {
				t.Fatal(err)
			}
			log, _ := os.ReadFile(logPath)
			if len(log) <= len(prev) || !bytes.HasPrefix(log, prev) {
				t.Errorf("%s: the log after %d sweeps (%d bytes) does not extend the one before (%d bytes)", cfg.Model, sweeps, len(log), len(prev))
			}
			prev = log
		}
		sameReadBack(t, dir, cfg.Model+" read back", st)
		// a killed process's tail: read as if absent, dropped when the run
		// goes on, which ends as an uninterrupted run
		os.WriteFile(logPath, append(slices.Clone(prev), "RtailRtail"...), 0o644)
		back, err := ReadCheckpoint(dir)
		if err != nil {
			t.Fatalf("%s: log with a tail: %v", cfg.Model, err)
		}
		back.Config.Sweeps, st.Config.Sweeps = 40, 40
		if err := Execute(context.Background(), cpu.New(), back, Options{Dir: dir}); err != nil {
			t.Fatal(err)
		}
		if err := Execute(context.Background(), cpu.New(), st, Options{Dir: t.TempDir()}); err != nil {
			t.Fatal(err)
		}
		sameReadBack(t, dir, cfg.Model+" after the tail", st)
		log, _ := os.ReadFile(logPath)
		if bytes.Contains(log, []byte("RtailRtail")) {
			t.Errorf("%s: the tail is still in the log", cfg.Model)
		}
		// corrupted, truncated, missing
		bad := slices.Clone(log)
		bad[len(bad)/2] ^= 1
		os.WriteFile(logPath, bad, 0o644)
		if _, err := ReadCheckpoint(dir); err == nil || !strings.Contains(err.Error(), "does not match its checksum: corrupted") {
			t.Errorf("%s: corrupted log: %v", cfg.Model, err)
		}
		os.WriteFile(logPath, log[:len(log)-1], 0o644)
		if _, err := ReadCheckpoint(dir); err == nil || !strings.Contains(err.Error(), "truncated") {
			t.Errorf("%s: truncated log: %v", cfg.Model, err)
		}
		os.Remove(logPath)
		if _, err := ReadCheckpoint(dir); err == nil || !strings.Contains(err.Error(), "is missing") {
			t.Errorf("%s: missing log: %v", cfg.Model, err)
		}
	}
}

// A log this State did not write is replaced, never changed in place: a
// hard-linked snapshot of a run directory keeps its own series when the
// run goes on (and the other way round), and a copy of a State written
// where the original wrote puts its own series there.
func TestSeriesLogNotShared(t *testing.T) {
	cfg := Config{Model: "ising2d", Shape: []int{8, 8}, T: 2.3, J: 1, Algo: "metropolis", Sweeps: 20, Therm: 3, Every: 1, Seed: 7, Start: "hot"}
	run, snap := t.TempDir(), t.TempDir()
	st, _ := NewState(cfg)
	if err := Execute(context.Background(), cpu.New(), st, Options{Dir: run}); err != nil {
		t.Fatal(err)
	}
	for _, name := range StateFiles {
		if err := os.Link(filepath.Join(run, name), filepath.Join(snap, name)); err != nil {
			t.Skipf("no hard links here: %v", err)
		}
	}
	extend := func(dir string, sweeps int64) *State {
		t.Helper()
		st, err := ReadCheckpoint(dir)
		if err != nil {
			t.Fatalf("%s: %v", dir, err)
		}
		st.Config.Sweeps = sweeps
		if err := Execute(context.Background(), cpu.New(), st, Options{Dir: dir}); err != nil {
			t.Fatal(err)
		}
		return st
	}
	long := extend(run, 40)
	if again := extend(snap, 30); len(again.Samples) != 30 {
		t.Errorf("the snapshot extended to 30 sweeps holds %d samples", len(again.Samples))
	}
	if back, err := ReadCheckpoint(run); err != nil || len(back.Samples) != 40 {
		t.Fatalf("the run after its snapshot went on: %v", err)
	} else {
		sameState(t, "the run after its snapshot went on", long, back)
	}
	// a copy of a State, its first sample changed, written where the
	// original wrote
	cp := *long
	cp.Samples = slices.Clone(long.Samples)
	cp.Samples[0].Mag = 12345
	if err := WriteCheckpoint(run, &cp); err != nil {
		t.Fatal(err)
	}
	if back, err := ReadCheckpoint(run); err != nil || back.Samples[0].Mag != 12345 {
		t.Errorf("a copy's checkpoint holds the original's series: %v", err)
	}
}

// sameReadBack reads the checkpoint in dir and requires st's state, rows
// and profiles.
func sameReadBack(t *testing.T, dir, what string, st *State) {
	t.Helper()
	back, err := ReadCheckpoint(dir)
	if err != nil {
		t.Fatal(err)
	}
	sameState(t, what, st, back)
	if !slices.EqualFunc(st.Rows, back.Rows, slices.Equal) || !slices.EqualFunc(st.Profiles, back.Profiles, slices.Equal) {
		t.Errorf("%s: rows or profiles differ", what)
	}
}

// An interrupt whose checkpoint fails (here: series.qck is a directory, so
// the log cannot be renamed into place) returns an error that is
// ErrCheckpointLost, not ErrInterrupted, naming the step it stopped at.
func TestInterruptCheckpointLost(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, SeriesLogFile), 0o755); err != nil {
		t.Fatal(err)
	}
	st, err := NewState(smallConfig())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	err = Execute(ctx, cpu.New(), st, Options{Dir: dir, Progress: func(step, _ int64) {
		if step == 7 {
			cancel()
		}
	}})
	if !errors.Is(err, ErrCheckpointLost) || errors.Is(err, ErrInterrupted) || !strings.Contains(err.Error(), "interrupted after sweep 7, and the checkpoint failed: ") {
		t.Errorf("a failed checkpoint on interrupt: %v", err)
	}
}

// syncCounter is a backend whose Sync calls are counted, and whose Ising
// sweeps take at least sleep.
type syncCounter struct {
	quench.Backend
	syncs int
	sleep time.Duration
}

func (b *syncCounter) Sync() error {
	b.syncs++
	return b.Backend.Sync()
}

func (b *syncCounter) IsingSweep(spins quench.Buffer, lat quench.Lattice, tab *quench.IsingTable, ctr quench.Counter) error {
	time.Sleep(b.sleep)
	return b.Backend.IsingSweep(spins, lat, tab, ctr)
}

// syncSchedule runs cfg on a syncCounter and returns the steps after which
// Execute waited (-1: after the last Progress call), the final state and
// Execute's error; cancelAt > 0 interrupts the run after that step.
func syncSchedule(t *testing.T, cfg Config, sleep time.Duration, cancelAt int64) ([]int64, *State, error) {
	t.Helper()
	st, err := NewState(cfg)
	if err != nil {
		t.Fatal(err)
	}
	be := &syncCounter{Backend: cpu.New(), sleep: sleep}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var at []int64
	last := 0
	err = Execute(ctx, be, st, Options{Progress: func(step, _ int64) {
		if be.syncs != last {
			at = append(at, step)
			last = be.syncs
		}
		if step == cancelAt {
			cancel()
		}
	}})
	if be.syncs != last {
		at = append(at, -1)
	}
	return at, st, err
}

// Execute waits for the backend (Sync) only where it must: at a
// measurement, a profile, a checkpoint, the end, an interrupt, and after
// syncEvery queued steps, so that a GPU's steps between them are queued
// ahead of the device. The steps are timed from wait to wait, every one
// of them, and the state is that of a run that waits every step.
func TestSyncSchedule(t *testing.T) {
	defer func(s time.Duration) { syncSpan = s }(syncSpan)
	syncSpan = time.Hour // batches of syncEvery however long a step takes here
	cfg := Config{Model: "ising2d", Shape: []int{64, 64}, T: 2.3, J: 1, Algo: "metropolis",
		Sweeps: 101, Therm: 40, Every: 50, CheckpointEvery: 100, Seed: 7, Start: "hot"}
	const sleep = 2 * time.Millisecond
	at, st, err := syncSchedule(t, cfg, sleep, 0)
	if err != nil {
		t.Fatal(err)
	}
	// 1, the first step timed alone; 33 and 65 queued; 90 measured; 100
	// checkpoint; 132 queued; 140 measured; 141 the end
	if want := []int64{1, 33, 65, 90, 100, 132, 140, 141}; !slices.Equal(at, want) {
		t.Errorf("Sync after steps %v, want %v", at, want)
	}
	// every step timed: at least its sleep each
	if min := float64(st.Step) * sleep.Seconds(); !(st.SweepSeconds >= min) {
		t.Errorf("SweepSeconds %v for %d steps of at least %v", st.SweepSeconds, st.Step, sleep)
	}
	// the same state as waiting every step (syncBatch's least)
	syncSpan = 0
	every, ref, err := syncSchedule(t, cfg, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(every) != 141 {
		t.Errorf("a batch of 1: %d waits in 141 steps", len(every))
	}
	sameState(t, "queued and waited every step", st, ref)
	syncSpan = time.Hour
	// interrupted at 45: the 12 steps queued since 33 are waited for
	// and timed before the checkpoint
	at, st, err = syncSchedule(t, cfg, sleep, 45)
	if !errors.Is(err, ErrInterrupted) || st.Step != 45 {
		t.Fatalf("interrupted run: %v at step %d", err, st.Step)
	}
	if want := []int64{1, 33, -1}; !slices.Equal(at, want) {
		t.Errorf("interrupted: Sync after steps %v, want %v", at, want)
	}
	if min := 45 * sleep.Seconds(); !(st.SweepSeconds >= min) {
		t.Errorf("interrupted: SweepSeconds %v for 45 steps of at least %v", st.SweepSeconds, sleep)
	}
	// a mass model's profiles wait too: measured at 50 and 100, profiled
	// every 20
	kmp := Config{Model: "kmp", Shape: []int{64}, Sweeps: 100, Every: 50, ProfileEvery: 20, Seed: 3, Start: "hot", Mass0: 1}
	at, _, err = syncSchedule(t, kmp, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if want := []int64{1, 20, 40, 50, 60, 80, 100}; !slices.Equal(at, want) {
		t.Errorf("kmp: Sync after steps %v, want %v", at, want)
	}
}

// syncBatch queues as many steps as take about syncSpan, 1 to syncEvery.
func TestSyncBatch(t *testing.T) {
	span := syncSpan.Seconds()
	for _, c := range []struct {
		d    float64
		n    int
		want int
	}{{span, 32, 32}, {2 * span, 32, 16}, {20 * span, 32, 1}, {3 * span, 1, 1}, {span / 100, 4, 32}, {0, 5, syncEvery}, {math.NaN(), 5, syncEvery}, {span, 0, syncEvery}} {
		if got := syncBatch(c.d, c.n); got != c.want {
			t.Errorf("syncBatch(%v, %d) = %d, want %d", c.d, c.n, got, c.want)
		}
	}
}

// Options.CheckpointAfter: a checkpoint once that much wall time has run
// since the last one (or the start), written at the next wait for the
// backend (so at a step Execute waits after anyway), none sooner, and the
// same state and series as a run without timed checkpoints.
func TestTimedCheckpoints(t *testing.T) {
	defer func(s time.Duration) { syncSpan = s }(syncSpan)
	syncSpan = time.Hour // waits every syncEvery steps (about 64 ms here)
	cfg := Config{Model: "ising2d", Shape: []int{32, 32}, T: 2.3, J: 1, Algo: "metropolis",
		Sweeps: 300, Therm: 0, Every: 100, Seed: 9, Start: "hot"}
	type save struct {
		step int64
		at   time.Time
	}
	run := func(after time.Duration) (saved []save, waits []int64, st *State, start time.Time) {
		t.Helper()
		st, err := NewState(cfg)
		if err != nil {
			t.Fatal(err)
		}
		be := &syncCounter{Backend: cpu.New(), sleep: 2 * time.Millisecond}
		last := 0
		start = time.Now()
		err = Execute(context.Background(), be, st, Options{Dir: t.TempDir(), CheckpointAfter: after,
			AfterCheckpoint: func() { saved = append(saved, save{st.Step, time.Now()}) },
			Progress: func(step, _ int64) {
				if be.syncs != last {
					waits, last = append(waits, step), be.syncs
				}
			}})
		if err != nil {
			t.Fatal(err)
		}
		return saved, waits, st, start
	}
	const after = 150 * time.Millisecond
	saved, waits, st, start := run(after)
	if len(saved) < 3 || saved[len(saved)-1].step != 300 {
		t.Fatalf("checkpoints %v: want two or more during the 300 steps of 2 ms, and the last after step 300", saved)
	}
	prev := start
	for _, s := range saved[:len(saved)-1] {
		if !slices.Contains(waits, s.step) {
			t.Errorf("a timed checkpoint after step %d, where the run did not wait (waits after %v)", s.step, waits)
		}
		if d := s.at.Sub(prev); d < after {
			t.Errorf("a timed checkpoint after step %d, %v after the one before (or the start): want %v or more", s.step, d, after)
		}
		prev = s.at
	}
	if saved, _, _, _ := run(time.Hour); len(saved) != 1 || saved[0].step != 300 {
		t.Errorf("CheckpointAfter an hour: checkpoints %v, want only the end's", saved)
	}
	_, _, ref, _ := run(0)
	sameState(t, "timed checkpoints and none", st, ref)
}

// A timed checkpoint that cannot be written does not end the run: it is
// told (CheckpointFailed) and tried again later; and an interrupt that
// comes while a checkpoint is written does not write that step's again.
func TestTimedCheckpointFailures(t *testing.T) {
	defer func(s time.Duration) { syncSpan = s }(syncSpan)
	syncSpan = time.Hour
	cfg := Config{Model: "ising2d", Shape: []int{32, 32}, T: 2.3, J: 1, Algo: "metropolis",
		Sweeps: 300, Therm: 0, Every: 100, Seed: 9, Start: "hot"}
	newRun := func() (*State, *syncCounter, string) {
		st, err := NewState(cfg)
		if err != nil {
			t.Fatal(err)
		}
		return st, &syncCounter{Backend: cpu.New(), sleep: 2 * time.Millisecond}, t.TempDir()
	}
	// the series log a directory at first: the first timed checkpoint
	// fails, and the directory goes when it is told
	st, be, dir := newRun()
	blocker := filepath.Join(dir, SeriesLogFile)
	if err := os.Mkdir(blocker, 0o755); err != nil {
		t.Fatal(err)
	}
	var failed, saved []int64
	err := Execute(context.Background(), be, st, Options{Dir: dir, CheckpointAfter: 50 * time.Millisecond,
		CheckpointFailed: func(step int64, err error) {
			failed = append(failed, step)
			os.Remove(blocker)
		},
		AfterCheckpoint: func() { saved = append(saved, st.Step) }})
	if err != nil || len(failed) != 1 || len(saved) < 2 || saved[0] <= failed[0] || saved[len(saved)-1] != 300 {
		t.Fatalf("a failing timed checkpoint: %v, failed after steps %v, saved after %v: want the run to go on and save later", err, failed, saved)
	}
	ref, _, _ := newRun()
	if err := Execute(context.Background(), cpu.New(), ref, Options{}); err != nil {
		t.Fatal(err)
	}
	sameState(t, "a failed timed checkpoint and none", st, ref)
	// interrupted while the first timed checkpoint is written
	st, be, dir = newRun()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	saved = nil
	err = Execute(ctx, be, st, Options{Dir: dir, CheckpointAfter: 50 * time.Millisecond,
		AfterCheckpoint: func() { saved = append(saved, st.Step); cancel() }})
	if !errors.Is(err, ErrInterrupted) || len(saved) != 1 || saved[0] != st.Step {
		t.Errorf("interrupted during a timed checkpoint: %v, checkpoints after steps %v at step %d: want one", err, saved, st.Step)
	}
	if back, err := ReadCheckpoint(dir); err != nil || back.Step != st.Step {
		t.Errorf("the checkpoint after the interrupt: %v", err)
	}
}
