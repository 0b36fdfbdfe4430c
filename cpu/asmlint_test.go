package cpu

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// legacySSE matches an instruction of the assembly kernels with an X or Y
// register operand in its legacy SSE encoding (no V prefix). The kernels
// are AVX2 code, and a legacy SSE instruction executed while the upper
// halves of the Y registers hold data costs a state transition: on the
// 2-vCPU AMD EPYC VM one legacy MOVQ BX, X14 after a VPBROADCASTQ into Y15
// made each call of isingWords take 265 ns instead of 11 (the 3D Ising
// sums ran at 0.39 sites/ns instead of 1.38, a quench run of 64^3 at
// 0.28 flips/ns instead of 0.69). The VEX form (VMOVQ BX, X14) has none.
var legacySSE = regexp.MustCompile(`^\s*(MOVQ|MOVL|MOVD|MOVSD|MOVSS|MOVO|MOVOU|MOVOA|MOVUPS|MOVUPD|MOVAPS|MOVAPD|MOVHPS|MOVLPS|PXOR|PAND|PANDN|POR|XORPS|XORPD|ANDPS|ANDPD|ORPS|ORPD|PINSR[BWDQ]|PEXTR[BWDQ]|PSHUF[DBLHW]*|SHUFP[SD]|UNPCK[LH]P[SD]|PUNPCK\w+|PADD[BWDQ]|PSUB[BWDQ]|PMUL\w+|PCMP\w+|PSLL\w*|PSRL\w*|PSRA\w*|CVT\w+|ADDS[SD]|SUBS[SD]|MULS[SD]|DIVS[SD]|SQRTS[SD]|ADDP[SD]|SUBP[SD]|MULP[SD]|DIVP[SD]|SQRTP[SD]|MINS[SD]|MAXS[SD]|UCOMIS[SD]|COMIS[SD])\s[^/]*\b[XY]([0-9]|1[0-5])\b`)

// TestNoLegacySSE fails where an assembly kernel (cpu/*.s,
// internal/*/*.s) uses a legacy SSE instruction on an X or Y register.
func TestNoLegacySSE(t *testing.T) {
	files, _ := filepath.Glob("*.s")
	more, _ := filepath.Glob(filepath.Join("..", "internal", "*", "*.s"))
	files = append(files, more...)
	if len(files) < 8 {
		t.Fatalf("found %d assembly files: %v", len(files), files)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(b), "\n") {
			if legacySSE.MatchString(line) {
				t.Errorf("%s:%d: a legacy SSE instruction on a vector register (use its VEX form): %s", f, i+1, strings.TrimSpace(line))
			}
		}
	}
}
