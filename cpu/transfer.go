package cpu

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/bits"
	"unsafe"

	"github.com/quenchlab/quench"
	"github.com/quenchlab/quench/internal/philox"
)

// massGroups is how many Philox groups (four words each) a mass class
// draws at a time: 4 KiB of words.
const massGroups = 256

// massWords holds the words of up to massGroups consecutive groups.
type massWords [4 * massGroups]uint32

// littleEndian: the words are read where FillGroups wrote their bytes.
var littleEndian = binary.NativeEndian.Uint16([]byte{1, 0}) == 1

// fill writes the words of groups g, g+1, ..., g+n-1 (n <= massGroups) of
// counter c (its group field 0) from w[0] on: word j of group g+i at
// 4i+j (philox.FillGroups, its little-endian bytes read as uint32).
func (w *massWords) fill(g uint64, n int, c philox.Counter, key philox.Key) {
	b := unsafe.Slice((*byte)(unsafe.Pointer(&w[0])), 16*n)
	c[0] = uint32(g)
	c[1] |= uint32(g>>32) & 0xFFFF
	philox.FillGroups(b, c, key)
	if !littleEndian {
		for i := range w[:4*n] {
			w[i] = bits.ReverseBytes32(w[i])
		}
	}
}

// mulShift32 is the fixed-point product (a*f) >> 32, the low 64 bits of
// bits 32 and up of the 128-bit product of a and f as unsigned words.
func mulShift32(a int64, f uint64) int64 {
	hi, lo := bits.Mul64(uint64(a), f)
	return int64(hi<<32 | lo>>32)
}

// massLine applies rule to the bonds (mx[i], my[i]) with words u[i]; the
// three rules in loops of their own, without branches on the words (four
// bonds a step on AVX2: massLineAVX2).
func massLine(rule int, mx, my []int64, u []uint32, d32 uint64) {
	my = my[:len(mx)]
	u = u[:len(mx)]
	if n := len(mx) &^ 3; useAVX2 && n > 0 {
		massLineAVX2(rule, &mx[0], &my[0], &u[0], n, d32)
		mx, my, u = mx[n:], my[n:], u[n:]
	}
	switch rule {
	case ruleKMP:
		for i := range mx {
			e := mx[i] + my[i]
			a := mulShift32(e, uint64(u[i]))
			mx[i], my[i] = a, e-a
		}
	case ruleAggregation:
		for i := range mx {
			e := mx[i] + my[i]
			k := -int64(u[i] & 1) // all ones: all to y
			mx[i], my[i] = e&^k, e&k
		}
	default: // transfer
		for i := range mx {
			a, b := mx[i], my[i]
			k := -int64(u[i] & 1)           // all ones: from y to x
			d := mulShift32(a^(a^b)&k, d32) // from the giving end
			d = d ^ k - k                   // -d from y to x
			mx[i], my[i] = a-d, b+d
		}
	}
}

// massPairs applies rule to the bonds (s[2i], s[2i+1]) with words u[2i]
// (len(s) even): the bonds of one parity along a row.
func massPairs(rule int, s []int64, u []uint32, d32 uint64) {
	u = u[:len(s)]
	if n := len(s) / 2 &^ 3; useAVX2 && n > 0 {
		massPairsAVX2(rule, &s[0], &u[0], n, d32)
		s, u = s[2*n:], u[2*n:]
	}
	switch rule {
	case ruleKMP:
		for i := 1; i < len(s); i += 2 {
			e := s[i-1] + s[i]
			a := mulShift32(e, uint64(u[i-1]))
			s[i-1], s[i] = a, e-a
		}
	case ruleAggregation:
		for i := 1; i < len(s); i += 2 {
			e := s[i-1] + s[i]
			k := -int64(u[i-1] & 1) // all ones: all to the upper end
			s[i-1], s[i] = e&^k, e&k
		}
	default: // transfer
		for i := 1; i < len(s); i += 2 {
			a, b := s[i-1], s[i]
			k := -int64(u[i-1] & 1) // all ones: from the upper end
			d := mulShift32(a^(a^b)&k, d32)
			d = d ^ k - k
			s[i-1], s[i] = a-d, b+d
		}
	}
}

// bondRule is one bond (mx, my) of rule with word u (a row's periodic
// bond): massLine's rules.
func bondRule(rule int, mx, my int64, u uint32, d32 uint64) (int64, int64) {
	a, b := [1]int64{mx}, [1]int64{my}
	massLine(rule, a[:], b[:], []uint32{u}, d32)
	return a[0], b[0]
}

const (
	ruleKMP = iota
	ruleAggregation
	ruleTransfer
)

// RuleCode maps a mass-transfer rule name to its code (also the kernels').
func RuleCode(rule string) (int, error) {
	switch rule {
	case "kmp":
		return ruleKMP, nil
	case "aggregation":
		return ruleAggregation, nil
	case "transfer":
		return ruleTransfer, nil
	}
	return 0, fmt.Errorf("unknown mass-transfer rule %q: allowed are kmp, aggregation, transfer", rule)
}

// MassTransfer implements quench.LatticeUpdater; the rules are documented
// on quench.MassTransferParams.
func (b *Backend) MassTransfer(mass quench.Buffer, lat quench.Lattice, p *quench.MassTransferParams, ctr quench.Counter) error {
	if err := ctr.Check(); err != nil {
		return fmt.Errorf("cpu: MassTransfer: %v", err)
	}
	if err := lat.Check(); err != nil {
		return fmt.Errorf("cpu: MassTransfer: %v", err)
	}
	if p == nil {
		return fmt.Errorf("cpu: MassTransfer needs parameters")
	}
	mb, err := asBuffer(mass, quench.Int64)
	if err != nil {
		return err
	}
	if mb.n != lat.Sites() {
		return fmt.Errorf("cpu: mass buffer has %d elements, lattice %s has %d", mb.n, lat, lat.Sites())
	}
	if lat.Dim() > 2 {
		return fmt.Errorf("cpu: mass transfer runs on 1D and 2D lattices, not %dD", lat.Dim())
	}
	if err := lat.CheckCheckerboard(); err != nil {
		return err
	}
	rule, err := RuleCode(p.Rule)
	if err != nil {
		return err
	}
	if rule == ruleTransfer && math.IsNaN(p.Fraction) {
		// D32 would convert NaN to 2^63 and move masses of the wrong sign
		return fmt.Errorf("cpu: transfer fraction %v is not a number", p.Fraction)
	}
	m := mb.i64
	key := philox.KeyFromSeed(ctr.Seed)
	d := lat.Dim()
	d32 := p.D32()
	class := uint32(0)
	stride := int64(1)
	for a := d - 1; a >= 0; a-- {
		ext := int64(lat.Shape[a])
		for par := int64(0); par < 2; par++ {
			massClass(m, rule, d32, key, ctr, class, stride, ext, par)
			class++
		}
		stride *= ext
	}
	if rule == ruleAggregation && p.Injection != 0 {
		for i := range m {
			m[i] += p.Injection
		}
	}
	return nil
}

// massClass updates the bonds of one class: along the axis of extent ext
// and stride, the bonds whose lower end x has coordinate c = par (mod 2),
// upper end x + stride (periodic). x = (o ext + c) stride + i: a line of
// `stride` bonds per (o, c). The bonds of a class are disjoint (extents
// are even: Lattice.CheckCheckerboard), so blocks of lines run in parallel
// in any order; a block is about fieldChunk bonds: several o when a line
// set is short, part of one o's lines when it is long. A bond's random word is word x&3
// of the Philox call of group x>>2 (phase 1+class; quench.MassTransferParams),
// one call serving the bonds of its group. The words come massGroups
// groups at a time (massWords): a line's stretch of bonds, or along the
// rows (stride 1) a row's stretch of every other site.
func massClass(m []int64, rule int, d32 uint64, key philox.Key, ctr quench.Counter, class uint32, stride, ext, par int64) {
	outer := int64(len(m)) / (ext * stride)
	half := (ext - par + 1) / 2 // values of c per o
	cb := max(1, fieldChunk/stride)
	blocks := (half + cb - 1) / cb         // blocks of c per o
	op := max(1, fieldChunk/(half*stride)) // o per block when one block holds every c
	if blocks > 1 {
		op = 1
	}
	c0 := philox.MakeCounter(philox.PurposeLattice, ctr.Replica, ctr.Step, 1+class, 0, 0)
	parallel(int((outer+op-1)/op*blocks), func(t int) {
		var w massWords
		o0, blk := int64(t)/blocks*op, int64(t)%blocks
		ci0, ci1 := blk*cb, min(half, (blk+1)*cb)
		for o := o0; o < min(outer, o0+op); o++ {
			if stride == 1 {
				massRow(m[o*ext:(o+1)*ext], o*ext, par+2*ci0, par+2*ci1, rule, d32, &w, c0, key)
				continue
			}
			for ci := ci0; ci < ci1; ci++ {
				c := par + 2*ci
				x0 := (o*ext + c) * stride
				y0 := x0 + stride
				if c == ext-1 {
					y0 = x0 - (ext-1)*stride
				}
				mx, my := m[x0:x0+stride], m[y0:y0+stride]
				for i := int64(0); i < stride; {
					x := uint64(x0 + i)
					g := x >> 2
					n := min(stride-i, 4*massGroups-int64(x&3))   // bonds this fill
					w.fill(g, int((x&3+uint64(n)+3)>>2), c0, key) // words x&3 .. x&3+n-1
					massLine(rule, mx[i:i+n], my[i:i+n], w[x&3:], d32)
					i += n
				}
			}
		}
	})
}

// massRow updates the bonds of a row r (base its first site's index) whose
// lower ends are c = c0, c0+2, ... below c1, the upper end c+1 but r[0]
// for c = len(r)-1.
func massRow(r []int64, base, c0, c1 int64, rule int, d32 uint64, w *massWords, ctr philox.Counter, key philox.Key) {
	wrap := c1 == int64(len(r))+1 // the bond (len(r)-1, 0) is among them
	for c := c0; c < c1; {
		x := uint64(base + c)
		g := x >> 2
		n := min(c1-c, (4*massGroups-int64(x&3))&^1)   // sites this fill, n/2 bonds
		w.fill(g, int((x&3+uint64(n)+2)>>2), ctr, key) // words x&3 .. x&3+n-2
		k := n
		if wrap && c+n == c1 {
			k = n - 2 // the periodic bond
		}
		massPairs(rule, r[c:c+k], w[x&3:], d32)
		if k < n {
			e := int64(len(r)) - 1
			r[e], r[0] = bondRule(rule, r[e], r[0], w[x&3+uint64(k)], d32)
		}
		c += n
	}
}

// Diffuse implements quench.LatticeUpdater: one explicit Euler step of the
// heat equation, the neighbours added in the order of the phi4 kernels.
func (b *Backend) Diffuse(dst, src quench.Buffer, lat quench.Lattice, alpha float64) error {
	if err := lat.Check(); err != nil {
		return fmt.Errorf("cpu: Diffuse: %v", err)
	}
	if !quench.Distinct(dst, src) {
		return fmt.Errorf("cpu: Diffuse: dst and src are one buffer: each must be its own")
	}
	if math.IsNaN(alpha) || math.IsInf(alpha, 0) {
		return fmt.Errorf("cpu: Diffuse: alpha %v is not a finite number", alpha)
	}
	sb, err := asBuffer(src, 0) // a nil one too
	if err != nil {
		return err
	}
	dt := sb.dt
	cbs, err := floatBufs(dt, lat.Sites(), dst, src)
	if err != nil {
		return err
	}
	g := newFieldGeom(lat)
	z := float64(2 * lat.Dim())
	switch dt {
	case quench.Float64:
		diffuse(g, cbs[0].f64, cbs[1].f64, z, alpha)
	case quench.Float32:
		diffuse(g, cbs[0].f32, cbs[1].f32, float32(z), float32(alpha))
	default:
		return fmt.Errorf("cpu: diffusion fields must be float32 or float64, not %v", dt)
	}
	return nil
}

// diffuse: lap = nb - z*u; out = u + alpha*lap (on AVX2 the rows' whole
// vectors by diffVec, the same operations lane by lane).
func diffuse[T flt](g *fieldGeom, out, u []T, z, alpha T) {
	k := [2]T{z, alpha}
	nt := int64(len(out))*int64(unsafe.Sizeof(z)) >= diffNTBytes
	forRows(g, func(r *rowRun) {
		nb := rowBuf[T](r, 1, r.x1-r.x0)
		nbRow(nb, u, r)
		n0 := r.base + r.x0
		v := diffVec(out[n0:n0+int64(len(nb))], u[n0:n0+int64(len(nb))], nb, &k, nt)
		for i := v; i < len(nb); i++ {
			n := n0 + int64(i)
			lap := nb[i] - T(z*u[n])
			out[n] = u[n] + T(alpha*lap)
		}
	})
}
