package sim

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/quenchlab/quench"
	"github.com/quenchlab/quench/cpu"
)

// rewriteHeader rewrites the header of the checkpoint in dir with edit and
// recomputes its CRC-32C: a file whose checksum holds but whose header
// was edited (by hand, or by a tool).
func rewriteHeader(t *testing.T, dir string, edit func(h map[string]any)) {
	t.Helper()
	p := filepath.Join(dir, CheckpointFile)
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	data = editHeader(data, edit)
	if data == nil {
		t.Fatalf("%s: its header is no JSON object, or the edit made it one JSON cannot write", p)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// A checkpoint whose checksum holds but whose header records sizes its
// files do not have is refused (a UsageError, exit 2), never a panic or an
// allocation of the size it claims: a series log longer than the file
// (makeslice: len out of range at 2^62 bytes, the process out of memory
// at 2^48), or an Ising run whose header gives its rows a width (Ising
// runs have none: a width whose 8-byte rows overflowed to a negative
// record size sliced the log out of range).
func TestCheckpointCraftedHeader(t *testing.T) {
	st, _ := simulate(t, Config{Model: "ising2d", Shape: []int{4, 4}, T: 2.3, J: 1, Algo: "heatbath", Sweeps: 10, Therm: 2, Every: 1, Seed: 3, Start: "hot"})
	write := func(t *testing.T) string {
		dir := t.TempDir()
		if err := WriteCheckpoint(dir, st); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	refused := func(t *testing.T, dir, want string) {
		t.Helper()
		defer func() {
			if p := recover(); p != nil {
				t.Fatalf("ReadCheckpoint panicked: %v", p)
			}
		}()
		_, err := ReadCheckpoint(dir)
		if err == nil || !quench.IsUsage(err) || !strings.Contains(err.Error(), want) {
			t.Errorf("want a usage error naming %q, got %v", want, err)
		}
	}
	for _, n := range []string{"4611686018427387904", "281474976710656", "9223372036854775807"} {
		t.Run("series_bytes="+n, func(t *testing.T) {
			dir := write(t)
			rewriteHeader(t, dir, func(h map[string]any) { h["series_bytes"] = json.Number(n) })
			refused(t, dir, "truncated")
		})
	}
	for _, w := range []string{"2305843009213693951", "1", "-1"} {
		t.Run("ising width="+w, func(t *testing.T) {
			dir := write(t)
			// a row record after the run's samples, counted by the header
			log := filepath.Join(dir, SeriesLogFile)
			data, _ := os.ReadFile(log)
			data = append(data, append([]byte{tagRow}, make([]byte, 16)...)...)
			os.WriteFile(log, data, 0o644)
			rewriteHeader(t, dir, func(h map[string]any) {
				h["width"] = json.Number(w)
				h["series_bytes"] = json.Number(itoa(len(data)))
				h["series_crc"] = json.Number(itoa(int(crc32.Checksum(data, castagnoli))))
			})
			refused(t, dir, "refused")
		})
	}
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// A checkpoint whose checksum holds but whose field, momenta or
// frequencies hold NaN or an infinity (quench checkpoints no diverged
// state), or, in a float32 run, a value no float32 holds, is refused when
// read, naming the value: it had run on and been reported as a divergence
// blamed on --dt, after the extension had removed the run's outputs.
func TestCheckpointCraftedValues(t *testing.T) {
	phi, _ := simulate(t, Config{Model: "phi4", Shape: []int{4, 4}, Scheme: quench.SchemeBAOAB, Precision: "float32", Dt: 0.05, M2: 1, T: 1, Gamma: 1, Mass: 1, Sweeps: 4, Every: 1, Seed: 2, Start: "hot"})
	kur, _ := simulate(t, Config{Model: "particles", N: 6, D: 1, Scheme: quench.SchemeEM, Potential: quench.PotentialKuramoto, Precision: "float32", Dt: 0.01, T: 0.5, Gamma: 1, Mass: 1, K: 1, Omega: 0.2, OmegaSpread: 0.3, Sweeps: 4, Every: 1, Seed: 2, Start: "hot"})
	for _, c := range []struct {
		st   *State
		v    func(st *State) []float64
		name string
	}{
		{phi, func(st *State) []float64 { return st.Field }, "field value"},
		{phi, func(st *State) []float64 { return st.Aux }, "momentum"},
		{kur, func(st *State) []float64 { return st.Field }, "field value"},
		{kur, func(st *State) []float64 { return st.Omega }, "frequency"},
	} {
		if len(c.v(c.st)) < 4 {
			t.Fatalf("%s: %d values, want at least 4", c.name, len(c.v(c.st)))
		}
		for _, x := range []float64{math.NaN(), math.Inf(1), math.Inf(-1), 0.1} {
			st := *c.st
			st.Field, st.Aux, st.Omega = slices.Clone(st.Field), slices.Clone(st.Aux), slices.Clone(st.Omega)
			c.v(&st)[3] = x
			dir := t.TempDir()
			if err := WriteCheckpoint(dir, &st); err != nil {
				t.Fatal(err)
			}
			want := fmt.Sprintf("%s 3 is %v", c.name, x)
			if _, err := ReadCheckpoint(dir); err == nil || !quench.IsUsage(err) || !strings.Contains(err.Error(), want) {
				t.Errorf("%s 3 = %v: want a usage error naming %q, got %v", c.name, x, want, err)
			}
		}
		// the unaltered state reads back
		dir := t.TempDir()
		if err := WriteCheckpoint(dir, c.st); err != nil {
			t.Fatal(err)
		}
		if back, err := ReadCheckpoint(dir); err != nil || !slices.Equal(c.v(back), c.v(c.st)) {
			t.Errorf("%s: the unaltered checkpoint: %v", c.name, err)
		}
	}
}

// asFormat6 rewrites the particle checkpoint in dir, written from st, as
// format 6 wrote it: rows without v_mean, the last column.
func asFormat6(t *testing.T, dir string, st *State) {
	t.Helper()
	old := *st
	old.Rows = make([][]float64, len(st.Rows))
	for i, r := range st.Rows {
		old.Rows[i] = slices.Clone(r[:len(r)-1])
	}
	old.log = seriesLog{}
	if err := WriteCheckpoint(dir, &old); err != nil {
		t.Fatal(err)
	}
	rewriteHeader(t, dir, func(h map[string]any) { h["width"] = len(st.Config.Columns()) })
	p := filepath.Join(dir, CheckpointFile)
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	body := data[:len(data)-4]
	binary.LittleEndian.PutUint32(body[8:], 6)
	if err := os.WriteFile(p, binary.BigEndian.AppendUint32(body, crc32.Checksum(body, castagnoli)), 0o644); err != nil {
		t.Fatal(err)
	}
}

// A particle run begun under checkpoint format 6, whose rows have no
// v_mean, resumes: its old rows read v_mean NaN under baoab (0 without
// velocities), the new ones measure it, every other value is the
// uninterrupted run's to the bit (compare calls the runs identical), and
// the summary leaves out v_mean and v2 (and keeps v_var). The series log
// keeps the old rows as they were (narrow_rows), appending the new ones,
// so the format 6 checkpoint stays readable beside the new log (a process
// killed between the log's write and the checkpoint's), and a format 7
// checkpoint of such a run, interrupted again, resumes as well.
func TestParticleCheckpointFormat6(t *testing.T) {
	same := func(a, b []float64) bool {
		return slices.EqualFunc(a, b, func(x, y float64) bool { return math.Float64bits(x) == math.Float64bits(y) })
	}
	for _, scheme := range []string{quench.SchemeBAOAB, quench.SchemeEM} {
		cfg := Config{Model: "particles", N: 8, D: 1, Potential: quench.PotentialHarmonic, Scheme: scheme, Precision: "float64",
			Dt: 0.1, T: 1, Gamma: 1, Mass: 1, K: 1, Sweeps: 40, Therm: 5, Every: 1, Seed: 3, Start: "hot"}
		full, _ := simulate(t, cfg)
		dir := t.TempDir()
		st := interruptAt(t, cfg, dir, 25)
		asFormat6(t, dir, st)
		old, err := os.ReadFile(filepath.Join(dir, CheckpointFile))
		if err != nil {
			t.Fatal(err)
		}
		back, err := ReadCheckpoint(dir)
		if err != nil {
			t.Fatalf("%s: format 6: %v", scheme, err)
		}
		n6 := len(back.Rows)
		if back.Format != 6 || n6 != 20 || back.NoVMean() != (scheme == quench.SchemeBAOAB) {
			t.Fatalf("%s: format %d, %d rows, NoVMean %v", scheme, back.Format, n6, back.NoVMean())
		}
		// resumed, and interrupted again at step 35: a format 7
		// checkpoint whose log keeps the 20 old rows as they were
		ctx, cancel := context.WithCancel(context.Background())
		err = Execute(ctx, cpu.New(), back, Options{Dir: dir, Progress: func(step, _ int64) {
			if step == 35 {
				cancel()
			}
		}})
		cancel()
		if !errors.Is(err, ErrInterrupted) {
			t.Fatalf("%s: resumed format 6 run, stopped at 35: %v", scheme, err)
		}
		mid, err := ReadCheckpoint(dir)
		if err != nil || mid.Format != checkpointVersion || len(mid.Rows) != 30 || mid.log.narrow != n6 {
			t.Fatalf("%s: format 7 of a format 6 run: %v (narrow %d)", scheme, err, mid.log.narrow)
		}
		// the format 6 checkpoint beside the new log still reads
		crash := t.TempDir()
		for name, data := range map[string][]byte{CheckpointFile: old, SeriesLogFile: nil} {
			if data == nil {
				if data, err = os.ReadFile(filepath.Join(dir, name)); err != nil {
					t.Fatal(err)
				}
			}
			if err := os.WriteFile(filepath.Join(crash, name), data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if was, err := ReadCheckpoint(crash); err != nil || len(was.Rows) != n6 || !slices.EqualFunc(was.Rows, mid.Rows[:n6], same) {
			t.Errorf("%s: the format 6 checkpoint beside the new log: %v", scheme, err)
		}
		if err := Execute(context.Background(), cpu.New(), mid, Options{Dir: dir}); err != nil {
			t.Fatalf("%s: resumed again: %v", scheme, err)
		}
		again, err := ReadCheckpoint(dir)
		if err != nil || again.Format != checkpointVersion || len(again.Rows) != len(full.Rows) {
			t.Fatalf("%s: read back: %v", scheme, err)
		}
		for i, r := range again.Rows {
			want := slices.Clone(full.Rows[i])
			if i < n6 && scheme == quench.SchemeBAOAB {
				want[len(want)-1] = math.NaN()
			}
			if !same(r, want) {
				t.Errorf("%s: row %d %v, want %v", scheme, i, r, want)
			}
		}
		if res, err := Compare(full, again); err != nil || !res.Identical {
			t.Errorf("%s: compare with the uninterrupted run: %+v, %v", scheme, res, err)
		}
		sum, _ := MakeSummary(again, "cpu")
		_, vm := sum.Observables["v_mean"]
		_, v2 := sum.Observables["v2"]
		_, vv := sum.Observables["v_var"]
		if vm || v2 || vv != (scheme == quench.SchemeBAOAB) {
			t.Errorf("%s: summary has v_mean %v, v2 %v, v_var %v", scheme, vm, v2, vv)
		}
		if _, ok := sum.Exact["v2"]; ok {
			t.Errorf("%s: an exact v2 for a run that leaves it out", scheme)
		}
	}
	// a format 6 log of one row, narrow (8 width - 7 bytes: a bound on
	// the width of the data's length / 8 refused it)
	one := Config{Model: "particles", N: 8, D: 1, Potential: quench.PotentialHarmonic, Scheme: quench.SchemeEM, Precision: "float64",
		Dt: 0.1, T: 1, Gamma: 1, Mass: 1, K: 1, Sweeps: 40, Therm: 5, Every: 1, Seed: 3, Start: "hot"}
	oneDir := t.TempDir()
	asFormat6(t, oneDir, interruptAt(t, one, oneDir, 6))
	if back, err := ReadCheckpoint(oneDir); err != nil || len(back.Rows) != 1 {
		t.Errorf("format 6, one narrow row: %v", err)
	}
	// a format 7 header may mark rows as narrow only for particles, and
	// no more than it has
	st, _ := simulate(t, Config{Model: "particles", N: 4, D: 1, Potential: quench.PotentialHarmonic, Scheme: quench.SchemeEM, Precision: "float64",
		Dt: 0.1, T: 1, Gamma: 1, Mass: 1, K: 1, Sweeps: 10, Every: 1, Seed: 3, Start: "hot"})
	dir := t.TempDir()
	if err := WriteCheckpoint(dir, st); err != nil {
		t.Fatal(err)
	}
	rewriteHeader(t, dir, func(h map[string]any) { h["narrow_rows"] = 11 })
	if _, err := ReadCheckpoint(dir); err == nil || !strings.Contains(err.Error(), "its narrow_rows 11 is outside 0 to its 10 rows") {
		t.Errorf("narrow_rows past the rows: %v", err)
	}
}

// A run saved under --algo glauber (before runs recorded it as heatbath)
// reads back as heatbath, and goes on the same: the name alone changes.
func TestCheckpointGlauberAlgo(t *testing.T) {
	st, _, dir := executed(t, Config{Model: "ising2d", Shape: []int{8, 8}, T: 2.5, J: 1, Algo: "glauber", Sweeps: 20, Every: 1, Seed: 3, Start: "hot"}, false)
	back, err := ReadCheckpoint(dir)
	if err != nil || back.Config.Algo != "heatbath" || !slices.Equal(back.Spins, st.Spins) {
		t.Fatalf("read back: algo %q, %v", back.Config.Algo, err)
	}
}
