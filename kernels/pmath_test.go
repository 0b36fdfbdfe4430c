package kernels

import (
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unsafe"

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

func widen(v []float32) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}

// The coefficient tables and constants of pmath.cuh parse to exactly the
// float64 and float32 values internal/pmath uses.
func TestCoefficientsMatchCUDA(t *testing.T) {
	table64, _ := cuhDefines(t, 64)
	table32, constant32 := cuhDefines(t, 32)
	logC, sinC, cosC := pmath.Coefficients()
	logC32, sinC32, cosC32 := pmath.Coefficients32()
	for _, c := range []struct {
		name  string
		table func(string) []float64
		want  []float64
	}{{"QUENCH_LOGC", table64, logC}, {"QUENCH_SINC", table64, sinC}, {"QUENCH_COSC", table64, cosC},
		{"QUENCH_LOGC32", table32, widen(logC32)}, {"QUENCH_SINC32", table32, widen(sinC32)}, {"QUENCH_COSC32", table32, widen(cosC32)}} {
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

// The parameter blocks fit the 256 bytes the gpu backend reserves for them.
func TestBlocksFit(t *testing.T) {
	if s := unsafe.Sizeof(Phi4Block{}); s > 256 {
		t.Errorf("Phi4Block is %d bytes", s)
	}
	if s := unsafe.Sizeof(ParticleBlock{}); s > 256 {
		t.Errorf("ParticleBlock is %d bytes", s)
	}
}
