package backendtest

import (
	"errors"
	"math/big"
	"testing"

	"github.com/quenchlab/quench"
	"github.com/quenchlab/quench/internal/philox"
)

// RefMassTransfer is a plain reference of one sweep of
// quench.MassTransferParams's rules, written from the documentation: bonds
// by class, coordinates from each site index, the fixed-point products in
// big integers.
func RefMassTransfer(m []int64, lat quench.Lattice, p *quench.MassTransferParams, ctr quench.Counter) {
	key := philox.KeyFromSeed(ctr.Seed)
	c := make([]int, lat.Dim())
	class := uint32(0)
	mulShift := func(a int64, b uint64) int64 { // (a*b) >> 32
		x := new(big.Int).Mul(big.NewInt(a), new(big.Int).SetUint64(b))
		return x.Rsh(x, 32).Int64()
	}
	for a := lat.Dim() - 1; a >= 0; a-- {
		for par := 0; par < 2; par++ {
			for x := int64(0); x < lat.Sites(); x++ {
				coords(lat, x, c)
				if c[a]%2 != par {
					continue
				}
				y := neighbour(lat, c, a, 1)
				u := philox.Philox4x32_10(philox.MakeCounter(philox.PurposeLattice, ctr.Replica, ctr.Step, 1+class, uint64(x)>>2, 0), key)[x&3]
				switch p.Rule {
				case "kmp":
					e := m[x] + m[y]
					m[x] = mulShift(e, uint64(u))
					m[y] = e - m[x]
				case "aggregation":
					if u&1 == 1 {
						m[x], m[y] = 0, m[x]+m[y]
					} else {
						m[x], m[y] = m[x]+m[y], 0
					}
				case "transfer":
					src, dst := x, y
					if u&1 == 1 {
						src, dst = y, x
					}
					d := mulShift(m[src], p.D32())
					m[src] -= d
					m[dst] += d
				}
			}
			class++
		}
	}
	if p.Rule == "aggregation" {
		for i := range m {
			m[i] += p.Injection
		}
	}
}

// RefDiffuse is the plain reference of one explicit Euler step in float64.
func RefDiffuse(out, u []float64, lat quench.Lattice, alpha float64) {
	c := make([]int, lat.Dim())
	z := float64(2 * lat.Dim())
	for x := range u {
		coords(lat, int64(x), c)
		last := lat.Dim() - 1
		nb := u[neighbour(lat, c, last, -1)] + u[neighbour(lat, c, last, 1)]
		for a := last - 1; a >= 0; a-- {
			nb += u[neighbour(lat, c, a, -1)]
			nb += u[neighbour(lat, c, a, 1)]
		}
		lap := nb - float64(z*u[x])
		out[x] = u[x] + float64(alpha*lap)
	}
}

func testMassTransfer(t *testing.T, b quench.Backend) {
	for _, rule := range []string{"kmp", "aggregation", "transfer"} {
		// the last ones are large enough for the CPU backend to split a
		// class into several blocks of lines, or to put several line sets
		// in one block (cpu.massClass), with extents of 2 and strides
		// above 2^14
		for i, shape := range [][]int{{24}, {6, 8}, {2, 10}, {40, 1000}, {70000}, {20000, 2}, {4, 20000}} {
			lat, _ := quench.NewLattice(shape...)
			p := &quench.MassTransferParams{Rule: rule, Injection: 12345, Fraction: 0.29}
			want := make([]int64, lat.Sites())
			for x := range want {
				want[x] = int64(x+1) * (quench.MassUnit / 3)
			}
			buf, err := b.Alloc(quench.Int64, lat.Sites())
			if err != nil {
				t.Fatal(err)
			}
			Must(t, b.Upload(buf, want))
			for s := 0; s < 7; s++ {
				ctr := quench.Counter{Seed: uint64(50 + i), Replica: 2, Step: uint64(s)}
				err := b.MassTransfer(buf, lat, p, ctr)
				if errors.Is(err, quench.ErrNotImplemented) {
					t.Fatalf("%s: %v: every backend must implement mass transfer", b.Name(), err)
				}
				if err != nil {
					t.Fatal(err)
				}
				RefMassTransfer(want, lat, p, ctr)
			}
			got := make([]int64, lat.Sites())
			Must(t, b.Download(got, buf))
			for x := range got {
				if got[x] != want[x] {
					t.Fatalf("unexpected mass for %s %v at site %d: got %d want %d", rule, shape, x, got[x], want[x])
				}
			}
			b.Free(buf)
		}
	}
}

func testDiffuse(t *testing.T, b quench.Backend) {
	for _, shape := range [][]int{{17}, {6, 9}, {4, 3, 5}} {
		lat, _ := quench.NewLattice(shape...)
		n := lat.Sites()
		u := make([]float64, n)
		for x := range u {
			u[x] = float64((x*7919)%101) / 101
		}
		src := Alloc(t, b, quench.Float64, n)
		dst := Alloc(t, b, quench.Float64, n)
		Must(t, b.Upload(src, u))
		want := make([]float64, n)
		for s := 0; s < 5; s++ {
			err := b.Diffuse(dst, src, lat, 0.13)
			if errors.Is(err, quench.ErrNotImplemented) {
				t.Fatalf("%s: %v: every backend must implement diffusion", b.Name(), err)
			}
			if err != nil {
				t.Fatal(err)
			}
			RefDiffuse(want, u, lat, 0.13)
			u, want = want, u
			src, dst = dst, src
		}
		got := make([]float64, n)
		Must(t, b.Download(got, src))
		for x := range got {
			if got[x] != u[x] {
				t.Fatalf("unexpected diffusion for %v at site %d: got %v want %v", shape, x, got[x], u[x])
			}
		}
		b.Free(src)
		b.Free(dst)
	}
}
