package kernels

import (
	"encoding/binary"
	"math"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unsafe"

	"github.com/quenchlab/quench"
	"github.com/quenchlab/quench/internal/pmath"
)

// cuhDefines reads the #define values of pmath.cuh: tables ({a, b, ...})
// and single constants, as float64 (bits 64) or float32 (bits 32) values,
// a trailing f dropped.
func cuhDefines(t *testing.T, bits int) (table func(name string) []float64, constant func(name string) float64) {
	t.Helper()
	src, err := os.ReadFile("pmath.cuh")
	if err != nil {
		t.Fatal(err)
	}
	text := strings.ReplaceAll(string(src), "\\\n", " ")
	parse := func(name, f string) float64 {
		v, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(f), "f"), bits)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return v
	}
	table = func(name string) []float64 {
		m := regexp.MustCompile(`#define ` + name + ` \{([^}]*)\}`).FindStringSubmatch(text)
		if m == nil {
			t.Fatalf("%s not found in pmath.cuh", name)
		}
		var out []float64
		for _, f := range strings.Split(m[1], ",") {
			out = append(out, parse(name, f))
		}
		return out
	}
	constant = func(name string) float64 {
		m := regexp.MustCompile(`#define ` + name + ` (\S+)`).FindStringSubmatch(text)
		if m == nil {
			t.Fatalf("%s not found in pmath.cuh", name)
		}
		return parse(name, m[1])
	}
	return table, constant
}

// The coefficient tables and constants of pmath.cuh parse to exactly the
// float64 and float32 values internal/pmath uses.
func TestCoefficientsMatchCUDA(t *testing.T) {
	table64, _ := cuhDefines(t, 64)
	_, constant32 := cuhDefines(t, 32)
	logC, sinC, cosC := pmath.Coefficients()
	for _, c := range []struct {
		name  string
		table func(string) []float64
		want  []float64
	}{{"QUENCH_LOGC", table64, logC}, {"QUENCH_SINC", table64, sinC}, {"QUENCH_COSC", table64, cosC}} {
		got := c.table(c.name)
		if len(got) != len(c.want) {
			t.Fatalf("%s has %d entries, want %d", c.name, len(got), len(c.want))
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("%s[%d] = %v, Go has %v", c.name, i, got[i], c.want[i])
			}
		}
	}
	for name, want := range pmath.Constants32() {
		if got := constant32(name); float32(got) != want {
			t.Errorf("%s = %v, Go has %v", name, got, want)
		}
	}
}

// The float32 noise tables of pmath_tables.cuh hold the bits of
// internal/pmath's (both written by internal/pmath/gen32.go).
func TestTablesMatchCUDA(t *testing.T) {
	src, err := os.ReadFile("pmath_tables.cuh")
	if err != nil {
		t.Fatal(err)
	}
	array := func(name string) []float32 {
		m := regexp.MustCompile(`(?s)` + name + `\[[A-Z0-9_]+\] = \{(.*?)\};`).FindSubmatch(src)
		if m == nil {
			t.Fatalf("%s not found in pmath_tables.cuh", name)
		}
		var out []float32
		for _, f := range strings.Split(string(m[1]), ",") {
			if f = strings.TrimSpace(f); f == "" {
				continue
			}
			v, err := strconv.ParseFloat(strings.TrimSuffix(f, "f"), 32)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			out = append(out, float32(v))
		}
		return out
	}
	logs, scs := pmath.Tables32()
	var want []float32 // the log entries, then the sincos ones
	for _, e := range logs {
		want = append(want, e[:]...)
	}
	for _, e := range scs {
		want = append(want, e[:]...)
	}
	got := array("quench_tabs32")
	if len(got) != len(want) {
		t.Fatalf("quench_tabs32 has %d entries, Go has %d", len(got), len(want))
	}
	for i := range got {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			t.Errorf("quench_tabs32[%d] = %v, Go has %v", i, got[i], want[i])
		}
	}
}

// The parameter blocks fit the ParamBytes the gpu backend reserves for them.
func TestBlocksFit(t *testing.T) {
	// binary.Write (the emulator's input) writes what the gpu backend
	// copies to the constant block (whose size it checks against
	// unsafe.Sizeof), padding included, as C's struct qphi4 has it
	if s := unsafe.Sizeof(Phi4Block{}); binary.Size(Phi4Block{}) != int(s) || s%8 != 0 {
		t.Errorf("Phi4Block is %d bytes in memory, %d written: want the same, a multiple of 8 as C's struct qphi4",
			s, binary.Size(Phi4Block{}))
	}
	for _, b := range []any{ParticleBlock{}, SandBlock{}, MassBlock{}} {
		if s := binary.Size(b); s > ParamBytes {
			t.Errorf("%T is %d bytes", b, s)
		}
	}
}

// RowGrid covers every row with 256-thread blocks (short rows share a
// block), cuts the looping kernels' grid to about RowBlocks blocks, and
// refuses the shapes the row kernels cannot take.
func TestRowGrid(t *testing.T) {
	for _, c := range []struct {
		shape []int
		w     int64 // sites per thread
		want  RowLaunch
		loopY int64
		ok    bool
	}{
		{[]int{16384, 16384}, 4, RowLaunch{GX: 16, GY: 16384, GZ: 1, BX: 256, BY: 1}, 1024, true},
		{[]int{16384, 16384}, 2, RowLaunch{GX: 32, GY: 16384, GZ: 1, BX: 256, BY: 1}, 512, true},
		{[]int{16384, 16384}, 8, RowLaunch{GX: 8, GY: 16384, GZ: 1, BX: 256, BY: 1}, 2048, true},
		{[]int{6, 24}, 8, RowLaunch{GX: 1, GY: 1, GZ: 1, BX: 4, BY: 64}, 1, true},
		{[]int{6, 12}, 8, RowLaunch{}, 0, false}, // 12 is not a multiple of 8
		// rows of 128 groups: two rows per block
		{[]int{512, 512, 512}, 4, RowLaunch{GX: 1, GY: 256, GZ: 512, BX: 128, BY: 2}, 32, true},
		{[]int{64, 64, 64}, 4, RowLaunch{GX: 1, GY: 4, GZ: 64, BX: 16, BY: 16}, 4, true},
		{[]int{64, 64}, 2, RowLaunch{GX: 1, GY: 8, GZ: 1, BX: 32, BY: 8}, 8, true},
		{[]int{6, 12}, 4, RowLaunch{GX: 1, GY: 1, GZ: 1, BX: 4, BY: 64}, 1, true}, // 3 groups: one idle
		{[]int{1 << 20}, 4, RowLaunch{GX: 1024, GY: 1, GZ: 1, BX: 256, BY: 1}, 1, true},
		{[]int{6, 10}, 4, RowLaunch{}, 0, false},    // 10 is not a multiple of 4
		{[]int{70000, 8}, 4, RowLaunch{}, 0, false}, // more than 65535 rows
		// at CUDA's limit of 65535 blocks along y and z: a block a row
		// (rows of 256 groups), or a plane, past it are refused (a
		// GPU would refuse the launch); up to it taken
		{[]int{65536, 1024}, 4, RowLaunch{}, 0, false},
		{[]int{65535, 1024}, 4, RowLaunch{GX: 1, GY: 65535, GZ: 1, BX: 256, BY: 1}, 16384, true},
		{[]int{65536, 2, 4}, 4, RowLaunch{}, 0, false},
		{[]int{65535, 2, 4}, 4, RowLaunch{GX: 1, GY: 1, GZ: 65535, BX: 1, BY: 256}, 1, true},
		{[]int{2, 2, 2, 4}, 4, RowLaunch{}, 0, false},
	} {
		lat, err := quench.NewLattice(c.shape...)
		if err != nil {
			t.Fatal(err)
		}
		r, ok := RowGrid(lat, 256, c.w)
		if ok != c.ok || r != c.want {
			t.Errorf("RowGrid(%v, %v) = %+v, %v; want %+v, %v", c.shape, c.w, r, ok, c.want, c.ok)
		}
		if !ok {
			continue
		}
		if y := r.LoopY(RowBlocks); y != c.loopY {
			t.Errorf("%v %v: LoopY = %d, want %d", c.shape, c.w, y, c.loopY)
		}
		rows := int64(1)
		if len(c.shape) >= 2 {
			rows = int64(c.shape[len(c.shape)-2])
		}
		if r.BX*r.BY != 256 || r.GX*r.BX*c.w < int64(c.shape[len(c.shape)-1]) || r.GY*r.BY < rows {
			t.Errorf("%v: %+v does not cover the rows with 256-thread blocks", c.shape, r)
		}
	}
}

// WideRows: float32, 1 or 2 dimensions, rows a multiple of 8 long.
func TestWideRows(t *testing.T) {
	for _, c := range []struct {
		shape []int
		dt    quench.DType
		want  bool
	}{
		{[]int{16384, 16384}, quench.Float32, true},
		{[]int{1 << 20}, quench.Float32, true},
		{[]int{8, 24}, quench.Float32, true},
		{[]int{16384, 16384}, quench.Float64, false},
		{[]int{100, 100}, quench.Float32, false},
		{[]int{64, 64, 64}, quench.Float32, false},
	} {
		lat, _ := quench.NewLattice(c.shape...)
		if got := WideRows(lat, c.dt); got != c.want {
			t.Errorf("WideRows(%v, %v) = %v, want %v", c.shape, c.dt, got, c.want)
		}
	}
}

// TestFatbinHoldsAll checks that every kernel the gpu backend loads (All,
// with the row kernels' entry point per precision and dimension) is a
// symbol of the committed fatbin, so a renamed or missing entry point fails
// here rather than when a GPU machine loads the module.
func TestFatbinHoldsAll(t *testing.T) {
	if len(All) != 42+7*2*3+2 {
		t.Errorf("All lists %d kernels, want %d", len(All), 42+7*2*3+2)
	}
	seen := map[string]bool{}
	for _, name := range All {
		if seen[name] {
			t.Errorf("kernel %s listed twice", name)
		}
		seen[name] = true
		if !strings.Contains(Fatbin, "\x00"+name+"\x00") {
			t.Errorf("kernel %s is not in quench.fatbin (run make kernels)", name)
		}
	}
	if got := RowKernel(Phi4OverdampedRows, quench.Float32, 2); got != "phi4_overdamped_rows_f32_d2" {
		t.Errorf("RowKernel = %q", got)
	}
	// the constant block the backend looks up by name (its size is checked
	// when the backend starts)
	if !strings.Contains(Fatbin, "\x00"+Phi4Symbol+"\x00") {
		t.Errorf("constant %s is not in quench.fatbin (run make kernels)", Phi4Symbol)
	}
}
