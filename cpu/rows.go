package cpu

import (
	"sync"

	"github.com/quenchlab/quench/internal/philox"
	"github.com/quenchlab/quench/internal/pmath"
)

// rowRun is a run of sites of one row (the last axis) of a field: columns
// [x0, x1) of the row whose first site is base. rm[a] and rp[a] are the
// offsets from a site to its -1 and +1 neighbours along axis a < d-1
// (wrapped); along the last axis the neighbours are the row's columns x-1
// and x+1 (wrapped at lx).
type rowRun struct {
	base, x0, x1, lx int64
	rm, rp           []int64
	bufs             [2]any // scratch rows of the chunk (rowBuf)
}

// rowBuf is scratch buffer i (0 or 1) of the run's chunk with n elements,
// reused from row to row; its contents are whatever the last row left.
func rowBuf[T flt](r *rowRun, i int, n int64) []T {
	b, _ := r.bufs[i].([]T)
	if int64(cap(b)) < n {
		b = make([]T, n)
		r.bufs[i] = b
	}
	return b[:n]
}

// nbRow writes the neighbour sums of the run's columns x0 .. x1-1 into
// dst, in the documented order (quench.Phi4Coeffs): axes from last to
// first, -1 then +1, from the first neighbour. Each term is added for the
// whole run before the next, which leaves every site's sum in the same
// order; on AVX2 the inner columns that fill whole vectors get their
// whole sums from nbVec, in that order too.
func nbRow[T flt](dst, s []T, r *rowRun) {
	row := s[r.base : r.base+r.lx]
	// columns 1 .. lx-2 from shifted slices, then the two edge columns;
	// dst[va:vb] are columns the vector code summed whole (nbVec)
	va, vb := 0, 0
	if xa, xb := max(r.x0, 1), min(r.x1, r.lx-1); xa < xb {
		left, right, d := row[xa-1:xb-1], row[xa+1:xb+1], dst[xa-r.x0:xb-r.x0]
		right, d = right[:len(left)], d[:len(left)]
		v := nbVec(d, left, right, s, r, xa)
		va, vb = int(xa-r.x0), int(xa-r.x0)+v
		for i := v; i < len(left); i++ {
			d[i] = left[i] + right[i]
		}
	}
	for _, x := range [2]int64{0, r.lx - 1} {
		if x < r.x0 || x >= r.x1 {
			continue
		}
		l, rt := x-1, x+1
		if x == 0 {
			l = r.lx - 1
		}
		if rt == r.lx {
			rt = 0
		}
		dst[x-r.x0] = row[l] + row[rt]
	}
	lo, hi := r.base+r.x0, r.base+r.x1
	for a := len(r.rm) - 1; a >= 0; a-- {
		m := s[lo+r.rm[a] : hi+r.rm[a]]
		p := s[lo+r.rp[a] : hi+r.rp[a]]
		m, p = m[:len(dst)], p[:len(dst)]
		for i := range va {
			dst[i] = dst[i] + m[i]
			dst[i] = dst[i] + p[i]
		}
		for i := vb; i < len(dst); i++ {
			dst[i] = dst[i] + m[i]
			dst[i] = dst[i] + p[i]
		}
	}
}

// rowScratch holds the scratch rows (rowRun.bufs) of finished chunks for
// the next.
var rowScratch = sync.Pool{New: func() any { return new([2]any) }}

// forRows runs f over the sites [0, n) in fixed chunks of fieldChunk
// sites (in parallel), each chunk split at row ends: every site gets the
// neighbours a cursor per site would give it (rows_test.go), without one.
func forRows(g *fieldGeom, f func(r *rowRun)) {
	d := len(g.shape)
	lx := g.shape[d-1]
	parts := int((g.n + fieldChunk - 1) / fieldChunk)
	run := func(p int) {
		lo := int64(p) * fieldChunk
		end := min(lo+fieldChunk, g.n)
		r := rowRun{lx: lx, rm: make([]int64, d-1), rp: make([]int64, d-1)}
		// the scratch rows of an earlier chunk, of this call or an
		// earlier one (a chunk of a 1D field is a row of fieldChunk
		// sites: two new ones a chunk cost 10% of a float32 EM step)
		sb := rowScratch.Get().(*[2]any)
		r.bufs = *sb
		defer func() { *sb = r.bufs; rowScratch.Put(sb) }()
		cu := g.at(lo) // the row's coordinates: an odometer from here on
		r.x0 = cu.c[d-1]
		for n := lo; n < end; {
			r.base = n - r.x0
			r.x1 = min(lx, r.x0+(end-n))
			for a := 0; a < d-1; a++ {
				r.rm[a], r.rp[a] = -g.stride[a], g.stride[a]
				if cu.c[a] == 0 {
					r.rm[a] = (g.shape[a] - 1) * g.stride[a]
				}
				if cu.c[a] == g.shape[a]-1 {
					r.rp[a] = -(g.shape[a] - 1) * g.stride[a]
				}
			}
			f(&r)
			n += r.x1 - r.x0
			r.x0 = 0
			for a := d - 2; a >= 0; a-- {
				if cu.c[a]++; cu.c[a] < g.shape[a] {
					break
				}
				cu.c[a] = 0
			}
		}
	}
	if parts == 1 {
		run(0)
		return
	}
	parallel(parts, run)
}

// noiseBatch is how many groups fillNoise draws Philox words for at once.
const noiseBatch = 64

// normals32 and normals64 write the normals of the groups in src to dst
// (pmath.Gaussians32Batch, pmath.GaussiansBatch): straight into dst when
// T is their own type (the kernels' case), else through a slice of that
// type, converted. They call the batch functions directly, not through a
// function value, which would move fillNoise's buffers to the heap (two
// allocations a row).
func normals32[T flt](dst []T, src []byte) {
	if d, ok := any(dst).([]float32); ok {
		pmath.Gaussians32Batch(d, src)
		return
	}
	tmp := make([]float32, len(dst))
	pmath.Gaussians32Batch(tmp, src)
	for k, v := range tmp {
		dst[k] = T(v)
	}
}

func normals64[T flt](dst []T, src []byte) {
	if d, ok := any(dst).([]float64); ok {
		pmath.GaussiansBatch(d, src)
		return
	}
	tmp := make([]float64, len(dst))
	pmath.GaussiansBatch(tmp, src)
	for k, v := range tmp {
		dst[k] = T(v)
	}
}

// fillNoise writes noise numbers n0 .. n0+len(dst)-1 of p into dst, the
// numbers a site-by-site draw gives (noiseAt in the tests): the Philox words of up to noiseBatch groups
// at a time (philox.FillGroups), then their normals (pmath.Gaussians32Batch
// or pmath.GaussiansBatch: four groups at a time on AVX2), copied from the
// first number wanted on.
func fillNoise[T flt](p *siteNoise, dst []T, n0 uint64) {
	s := p.shift()
	w := uint64(1) << s
	var buf [16 * noiseBatch]byte
	var nv [4 * noiseBatch]T
	g, j := n0>>s, n0&(w-1) // the first group, and the first number's place in it
	for i := 0; i < len(dst); {
		m := min((uint64(len(dst)-i)+j+w-1)>>s, noiseBatch)
		philox.FillGroups(buf[:16*m], philox.MakeCounter(p.purpose, p.ctr.Replica, p.step, p.phase, g, 0), p.key)
		if p.f32 {
			normals32(nv[:4*m], buf[:16*m])
		} else {
			normals64(nv[:2*m], buf[:16*m])
		}
		i += copy(dst[i:], nv[j:m<<s])
		j = 0
		g += m
	}
}
