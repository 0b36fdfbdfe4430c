package cpu

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/bits"

	"github.com/quenchlab/quench"
	"github.com/quenchlab/quench/internal/philox"
)

// bondRule applies one rule to the masses of a bond (x, y) with word u.
func bondRule(rule int, mx, my int64, u uint32, d32 uint64) (int64, int64) {
	switch rule {
	case ruleKMP:
		e := mx + my
		hi, lo := bits.Mul64(uint64(e), uint64(u))
		a := int64(hi<<32 | lo>>32)
		return a, e - a
	case ruleAggregation:
		if u&1 == 1 {
			return 0, mx + my
		}
		return mx + my, 0
	default: // transfer
		if u&1 == 1 { // from y to x
			hi, lo := bits.Mul64(uint64(my), d32)
			d := int64(hi<<32 | lo>>32)
			return mx + d, my - d
		}
		hi, lo := bits.Mul64(uint64(mx), d32)
		d := int64(hi<<32 | lo>>32)
		return mx - d, my + d
	}
}

// wordBatch hands out the Philox words of a class's bonds, word x&3 of
// group x>>2 of counter ctr (its group field 0), for lower ends x that
// only increase: the words of up to 64 groups at a time, as far as the
// last lower end the caller will ask for (philox.FillGroups, two counters
// side by side).
type wordBatch struct {
	key   philox.Key
	ctr   philox.Counter
	first uint64 // the first group in buf
	n     uint64 // groups in buf (0: none yet)
	buf   [16 * 64]byte
}

func (b *wordBatch) word(x, last uint64) uint32 {
	g := x >> 2
	if b.n == 0 || g-b.first >= b.n {
		c := b.ctr
		c[0] = uint32(g)
		c[1] |= uint32(g>>32) & 0xFFFF
		b.first, b.n = g, min(64, last>>2-g+1)
		philox.FillGroups(b.buf[:16*b.n], c, b.key)
	}
	i := 16*(g-b.first) + 4*(x&3)
	return binary.LittleEndian.Uint32(b.buf[i : i+4])
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
// one call serving the bonds of its group.
func massClass(m []int64, rule int, d32 uint64, key philox.Key, ctr quench.Counter, class uint32, stride, ext, par int64) {
	outer := int64(len(m)) / (ext * stride)
	half := (ext - par + 1) / 2 // values of c per o
	cb := max(1, fieldChunk/stride)
	blocks := (half + cb - 1) / cb         // blocks of c per o
	op := max(1, fieldChunk/(half*stride)) // o per block when one block holds every c
	if blocks > 1 {
		op = 1
	}
	parallel(int((outer+op-1)/op*blocks), func(t int) {
		o0, blk := int64(t)/blocks*op, int64(t)%blocks
		wb := wordBatch{key: key, ctr: philox.MakeCounter(philox.PurposeLattice, ctr.Replica, ctr.Step, 1+class, 0, 0)}
		for o := o0; o < min(outer, o0+op); o++ {
			ci1 := min(half, (blk+1)*cb)
			for ci := blk * cb; ci < ci1; ci++ {
				c := par + 2*ci
				x0 := (o*ext + c) * stride
				dy := stride
				if c == ext-1 {
					dy = -(ext - 1) * stride
				}
				last := x0 + stride - 1 // the last lower end asked for in a row
				if stride == 1 {
					last = o*ext + par + 2*(ci1-1) // along the rows: the block's
				}
				for x := x0; x < x0+stride; x++ {
					m[x], m[x+dy] = bondRule(rule, m[x], m[x+dy], wb.word(uint64(x), uint64(last)), d32)
				}
			}
		}
	})
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

// diffuse: lap = nb - z*u; out = u + alpha*lap.
func diffuse[T flt](g *fieldGeom, out, u []T, z, alpha T) {
	forRows(g, func(r *rowRun) {
		nb := rowBuf[T](r, 1, r.x1-r.x0)
		nbRow(nb, u, r)
		for i := range nb {
			n := r.base + r.x0 + int64(i)
			lap := nb[i] - T(z*u[n])
			out[n] = u[n] + T(alpha*lap)
		}
	})
}
