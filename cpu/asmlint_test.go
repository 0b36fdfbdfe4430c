package cpu

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// The kernels are AVX2 code, and a legacy SSE instruction (no VEX
// prefix) on an X or Y register executed while the upper halves of the Y
// registers hold data costs a state transition: on the 2-vCPU AMD EPYC VM
// one legacy MOVQ BX, X14 after a VPBROADCASTQ into Y15 made each call of
// isingWords take 265 ns instead of 11 (the 3D Ising sums ran at 0.39
// sites/ns instead of 1.38, a quench run of 64^3 at 0.28 flips/ns instead
// of 0.69). The VEX form (VMOVQ BX, X14) has none.
var (
	vecReg   = regexp.MustCompile(`\b[XY]([0-9]|1[0-5])\b`)
	mnemonic = regexp.MustCompile(`^[A-Z][A-Z0-9_]*`)
	defineRe = regexp.MustCompile(`^\s*#define\s+([A-Za-z_][A-Za-z0-9_]*)(?:\(([^)]*)\))?`)
	label    = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*:\s*`)
)

// legacySSE returns the instructions of an assembly file's text that use
// a vector register without a V mnemonic: every instruction of every line
// (those a ';' separates too, comments and a macro line's '\' left out),
// but the macros the file defines and their parameters (a macro's
// instruction given as its argument, as partrows_amd64.s's MUL and ADD).
func legacySSE(text string) []string {
	macros := map[string]bool{}
	lines := strings.Split(text, "\n")
	for _, l := range lines {
		if m := defineRe.FindStringSubmatch(l); m != nil {
			macros[m[1]] = true
			for _, p := range strings.Split(m[2], ",") {
				macros[strings.TrimSpace(p)] = true
			}
		}
	}
	var bad []string
	for i, l := range lines {
		if j := strings.Index(l, "//"); j >= 0 {
			l = l[:j]
		}
		l = strings.TrimSuffix(strings.TrimSpace(l), `\`)
		if strings.HasPrefix(strings.TrimSpace(l), "#") {
			continue
		}
		for _, ins := range strings.Split(l, ";") {
			ins = strings.TrimSpace(label.ReplaceAllString(strings.TrimSpace(ins), ""))
			if ins == "" {
				continue
			}
			op := mnemonic.FindString(ins)
			if op == "" || strings.HasPrefix(op, "V") || macros[op] || op == "TEXT" || op == "DATA" || op == "GLOBL" {
				continue
			}
			if vecReg.MatchString(ins[len(op):]) {
				bad = append(bad, "line "+strconv.Itoa(i+1)+": "+ins)
			}
		}
	}
	return bad
}

// TestNoLegacySSE fails where an assembly kernel (cpu/*.s,
// internal/*/*.s) uses a legacy SSE instruction on a vector register; the
// check itself finds the forms it must (a MOVQ, a PTEST, a second
// instruction after ';', a macro's body) and passes a macro's parameter.
func TestNoLegacySSE(t *testing.T) {
	for text, want := range map[string]int{
		"\tMOVQ BX, X14\n":              1,
		"\tVMOVQ BX, X14\n":             0,
		"\tPTEST X1, X2 // a comment\n": 1,
		"\tADDQ $1, AX; PXOR X0, X0\n":  1,
		"#define F(MUL) \\\n\tMUL Y0, Y1, Y2; \\\n\tMOVOU X1, (AX)\n": 1,
		"\tMOVQ AX, BX // X15 in a comment\n":                         0,
		"loop:\n\tVPADDB Y1, Y6, Y6\n":                                0,
		"loop: MOVQ BX, X14\n":                                        1,
	} {
		if got := legacySSE(text); len(got) != want {
			t.Errorf("%q: %v, want %d", text, got, want)
		}
	}
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
		for _, bad := range legacySSE(string(b)) {
			t.Errorf("%s %s: a legacy SSE instruction on a vector register (use its VEX form)", f, bad)
		}
	}
}
