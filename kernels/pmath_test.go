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

// The coefficient tables and constants of pmath.cuh parse to exactly the
// float64 values internal/pmath uses.
func TestCoefficientsMatchCUDA(t *testing.T) {
	src, err := os.ReadFile("pmath.cuh")
	if err != nil {
		t.Fatal(err)
	}
	text := strings.ReplaceAll(string(src), "\\\n", " ")
	table := func(name string) []float64 {
		m := regexp.MustCompile(`#define ` + name + ` \{([^}]*)\}`).FindStringSubmatch(text)
		if m == nil {
			t.Fatalf("%s not found in pmath.cuh", name)
		}
		var out []float64
		for _, f := range strings.Split(m[1], ",") {
			v, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			out = append(out, v)
		}
		return out
	}
	logC, sinC, cosC := pmath.Coefficients()
	for _, c := range []struct {
		name string
		want []float64
	}{{"QUENCH_LOGC", logC}, {"QUENCH_SINC", sinC}, {"QUENCH_COSC", cosC}} {
		got := table(c.name)
		if len(got) != len(c.want) {
			t.Fatalf("%s has %d entries, want %d", c.name, len(got), len(c.want))
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("%s[%d] = %v, Go has %v", c.name, i, got[i], c.want[i])
			}
		}
	}
}

// The float32 tables and constants of pmath.cuh parse to the float32
// values internal/pmath uses.
func TestCoefficients32MatchCUDA(t *testing.T) {
	src, err := os.ReadFile("pmath.cuh")
	if err != nil {
		t.Fatal(err)
	}
	text := strings.ReplaceAll(string(src), "\\\n", " ")
	parse := func(name, f string) float32 {
		v, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(f), "f"), 32)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return float32(v)
	}
	table := func(name string) []float32 {
		m := regexp.MustCompile(`#define ` + name + ` \{([^}]*)\}`).FindStringSubmatch(text)
		if m == nil {
			t.Fatalf("%s not found in pmath.cuh", name)
		}
		var out []float32
		for _, f := range strings.Split(m[1], ",") {
			out = append(out, parse(name, f))
		}
		return out
	}
	logC, sinC, cosC := pmath.Coefficients32()
	for _, c := range []struct {
		name string
		want []float32
	}{{"QUENCH_LOGC32", logC}, {"QUENCH_SINC32", sinC}, {"QUENCH_COSC32", cosC}} {
		got := table(c.name)
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
		m := regexp.MustCompile(`#define ` + name + ` (\S+)`).FindStringSubmatch(text)
		if m == nil {
			t.Fatalf("%s not found in pmath.cuh", name)
		}
		if got := parse(name, m[1]); got != want {
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
