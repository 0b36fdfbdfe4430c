package kernels

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// kernelParams parses the entry points of kernels/*.cu (macro-generated ones
// included) into their parameter lists, by name with the precision and
// dimension suffixes stripped (kernelBase).
func kernelParams(t *testing.T) map[string][][]string {
	t.Helper()
	files, _ := filepath.Glob("*.cu")
	entry := regexp.MustCompile(`extern "C" __global__ void\s+(?:__launch_bounds__\([^)]*\)\s+|QUENCH_[A-Z_0-9#]+\s+)?([A-Za-z0-9_#]+)\s*\(([^)]*)\)`)
	out := map[string][][]string{}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		text := strings.ReplaceAll(string(src), "\\\n", " ") // macro continuation lines
		for _, m := range entry.FindAllStringSubmatch(text, -1) {
			var params []string
			for _, p := range strings.Split(m[2], ",") {
				params = append(params, strings.Join(strings.Fields(p), " "))
			}
			out[kernelBase(m[1])] = append(out[kernelBase(m[1])], params)
		}
	}
	return out
}

// kernelBase strips a kernel name's precision and dimension suffixes, in
// C (field_sums_##S, phi4_mu_rows_f32_d##D) or Go (sum_blocks_f64) spelling.
func kernelBase(name string) string {
	name = strings.TrimSuffix(name, "_##S")
	name = strings.TrimSuffix(name, "_d##D")
	name = regexp.MustCompile(`_d[0-9]$`).ReplaceAllString(name, "") // RowKernel's entry points
	for _, s := range []string{"_f32", "_f64", "_i64"} {
		name = strings.TrimSuffix(name, s)
	}
	return name
}

// eightBytes reports whether a C parameter is one of the 8-byte types
// gorgonia.org/cu copies every kernel argument as (a pointer, a 64-bit
// integer, a double).
func eightBytes(param string) bool {
	if strings.Contains(param, "*") {
		return true
	}
	f := strings.Fields(param)
	typ := strings.Join(f[:len(f)-1], " ")
	switch strings.TrimPrefix(typ, "const ") {
	case "int64_t", "uint64_t", "double", "unsigned long long", "long long":
		return true
	}
	return false
}

// TestLaunchArguments checks the gpu backend's launches (gpu/cuda.go and
// the GPU tests) against the kernels' C signatures, which no emulation
// does (the emulator calls the kernels from C++ with its own argument
// lists): every parameter of every entry point is an 8-byte type, and every
// launch passes as many arguments as its kernel has parameters. A
// mismatch here would give a kernel wrong or shifted arguments on a GPU
// only.
func TestLaunchArguments(t *testing.T) {
	params := kernelParams(t)
	for name, variants := range params {
		for _, ps := range variants {
			if len(ps) != len(variants[0]) {
				t.Errorf("kernel %s: variants with %d and %d parameters", name, len(variants[0]), len(ps))
			}
			for _, p := range ps {
				if !eightBytes(p) {
					t.Errorf("kernel %s: parameter %q is not 8 bytes (gorgonia.org/cu copies every argument as 8)", name, p)
				}
			}
		}
	}
	// every kernel the backend loads has its signature parsed here
	for _, name := range All {
		if _, ok := params[kernelBase(name)]; !ok {
			t.Errorf("kernel %s (kernels.All): no signature found in kernels/*.cu", name)
		}
	}
	// the kernel names' values, from embed.go's constants
	fset := token.NewFileSet()
	consts := map[string]string{}
	emb, err := parser.ParseFile(fset, "embed.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	ast.Inspect(emb, func(n ast.Node) bool {
		if vs, ok := n.(*ast.ValueSpec); ok {
			for i, id := range vs.Names {
				if i < len(vs.Values) {
					if bl, ok := vs.Values[i].(*ast.BasicLit); ok && bl.Kind == token.STRING {
						consts[id.Name], _ = strconv.Unquote(bl.Value)
					}
				}
			}
		}
		return true
	})
	// kernels.X, kernels.X + suffix, kernels.RowKernel(kernels.X, ...), or
	// a variable assigned such names in the function (vars)
	var namesOf func(e ast.Expr, vars map[string][]string) []string
	namesOf = func(e ast.Expr, vars map[string][]string) []string {
		switch v := e.(type) {
		case *ast.SelectorExpr:
			if x, ok := v.X.(*ast.Ident); ok && x.Name == "kernels" && consts[v.Sel.Name] != "" {
				return []string{consts[v.Sel.Name]}
			}
		case *ast.Ident:
			return vars[v.Name]
		case *ast.BinaryExpr:
			return namesOf(v.X, vars)
		case *ast.CallExpr:
			if sel, ok := v.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "RowKernel" && len(v.Args) > 0 {
				return namesOf(v.Args[0], vars)
			}
		}
		return nil
	}
	launches := 0
	coop := 0
	for _, f := range []string{"../gpu/cuda.go", "../gpu/relax.go", "../gpu/gpu_test.go"} {
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, decl := range file.Decls {
			fn, ok := decl.(*ast.FuncDecl)
			if !ok || fn.Body == nil {
				continue
			}
			vars := map[string][]string{}
			ast.Inspect(fn.Body, func(n ast.Node) bool {
				if as, ok := n.(*ast.AssignStmt); ok && len(as.Lhs) == len(as.Rhs) {
					for i, l := range as.Lhs {
						if id, ok := l.(*ast.Ident); ok {
							vars[id.Name] = append(vars[id.Name], namesOf(as.Rhs[i], nil)...)
						}
					}
				}
				return true
			})
			ast.Inspect(fn.Body, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok {
					return true
				}
				sel, ok := call.Fun.(*ast.SelectorExpr)
				if !ok || sel.Sel.Name != "launch" && sel.Sel.Name != "launchRows" && sel.Sel.Name != "launchCoop" {
					return true
				}
				if _, ok := sel.X.(*ast.Ident); !ok || len(call.Args) == 0 {
					return true
				}
				// launch(name, n, args...), launchRows(name, rl, loops,
				// args...), launchCoop(name, grid, block, args...)
				fixed := 2
				if sel.Sel.Name == "launchRows" || sel.Sel.Name == "launchCoop" {
					fixed = 3
				}
				if sel.Sel.Name == "launchCoop" {
					coop++
				}
				pos := fset.Position(call.Pos())
				names := namesOf(call.Args[0], vars)
				if len(names) == 0 {
					t.Errorf("%s: launch of a kernel this test cannot name", pos)
					return true
				}
				if call.Ellipsis != token.NoPos {
					t.Errorf("%s: launch of %s with a spread argument list", pos, names)
					return true
				}
				for _, name := range names {
					variants, ok := params[kernelBase(name)]
					if !ok {
						t.Errorf("%s: no kernel %s in kernels/*.cu", pos, name)
						continue
					}
					if got, want := len(call.Args)-fixed, len(variants[0]); got != want {
						t.Errorf("%s: %s launched with %d arguments, its signature has %d: %v", pos, name, got, want, variants[0])
					}
				}
				launches++
				return true
			})
		}
	}
	if launches < 25 || coop == 0 {
		t.Errorf("found %d launches (%d cooperative) in the gpu backend: the parse misses some", launches, coop)
	}
}
