package cpu

import (
	"unsafe"

	"fmt"

	"github.com/quenchlab/quench"
	"github.com/quenchlab/quench/internal/philox"
)

// flt is the element type of a field kernel.
type flt interface{ ~float32 | ~float64 }

// fieldGeom walks a periodic lattice site by site with an odometer of
// coordinates, giving each site's neighbours without divisions.
type fieldGeom struct {
	shape  []int64
	stride []int64
	n      int64
}

func newFieldGeom(lat quench.Lattice) *fieldGeom {
	d := lat.Dim()
	g := &fieldGeom{shape: make([]int64, d), stride: make([]int64, d), n: lat.Sites()}
	s := int64(1)
	for a := d - 1; a >= 0; a-- {
		g.shape[a], g.stride[a] = int64(lat.Shape[a]), s
		s *= int64(lat.Shape[a])
	}
	return g
}

// cursor is a position in a fieldGeom.
type cursor struct {
	n int64
	c []int64
}

func (g *fieldGeom) at(n int64) cursor {
	c := make([]int64, len(g.shape))
	rem := n
	for a := len(g.shape) - 1; a >= 0; a-- {
		c[a] = rem % g.shape[a]
		rem /= g.shape[a]
	}
	return cursor{n: n, c: c}
}

// kc are the Phi4Coeffs rounded once to the kernel's type.
type kc[T flt] struct{ z, m2, l, h, a, amp, hdt, hdtm, c1, c2, lin, cub, ah T }

func coeffsOf[T flt](c quench.Phi4Coeffs) kc[T] {
	return kc[T]{T(c.Z), T(c.M2), T(c.L), T(c.H), T(c.A), T(c.Amp), T(c.HDt), T(c.HDtM), T(c.C1), T(c.C2),
		T(c.Lin), T(c.Cub), T(c.AH)}
}

// forceOf is F = -dH/dphi at a site from its neighbour sum nb and field
// phi, in the order of quench.Phi4Coeffs.
func forceOf[T flt](nb, phi T, k *kc[T]) T {
	f := nb - T(k.z*phi)
	f = f - T(k.m2*phi)
	t := T(k.l * phi)
	t = T(t * phi)
	t = T(t * phi)
	f = f - t
	return f + k.h
}

// driftOf is the overdamped schemes' drift d (A*F up to rounding) at
// a site from its neighbour sum nb and field phi, in the order of
// quench.Phi4Coeffs.
func driftOf[T flt](nb, phi T, k *kc[T]) T {
	t := T(k.cub * T(phi*phi))
	t = t + k.lin
	d := T(k.a * nb)
	d = d + T(t*phi)
	return d + k.ah
}

// Gaussian noise: site n's number at a step comes from
// Philox(seed; purpose, replica, step, phase, group), purpose Langevin for
// fields and Particle for particles (particleNoise): for float64 kernels
// one of the two normals of pmath.Gaussians (group n>>1, g0 for even n),
// for float32 kernels one of the four of pmath.Gaussians32 (group n>>2,
// position n&3). fillNoise writes a run of them.
type siteNoise struct {
	purpose uint32 // philox.PurposeLangevin (fields), PurposeParticle
	key     philox.Key
	ctr     quench.Counter
	step    uint64
	phase   uint32
	f32     bool
}

func newSiteNoise[T flt](key philox.Key, ctr quench.Counter, step uint64, phase uint32) siteNoise {
	var zero T
	_, f32 := any(zero).(float32)
	return siteNoise{purpose: philox.PurposeLangevin, key: key, ctr: ctr, step: step, phase: phase, f32: f32}
}

// shift is log2 of the numbers per group (W).
func (p *siteNoise) shift() uint64 {
	if p.f32 {
		return 2
	}
	return 1
}

// fieldChunk is the fixed partition of the field kernels (forRows).
const fieldChunk = 1 << 14

func floatBufs(dt quench.DType, n int64, bufs ...quench.Buffer) ([]*Buffer, error) {
	out := make([]*Buffer, len(bufs))
	for i, b := range bufs {
		cb, err := asBuffer(b, dt)
		if err != nil {
			return nil, err
		}
		if cb.n != n {
			return nil, fmt.Errorf("cpu: field buffer has %d elements, want %d", cb.n, n)
		}
		out[i] = cb
	}
	return out, nil
}

// Phi4Step implements quench.LangevinStepper for lattice fields; the rules
// are documented on quench.Phi4Coeffs.
func (b *Backend) Phi4Step(f *quench.Phi4Fields, lat quench.Lattice, p *quench.Phi4Params, ctr quench.Counter) error {
	if err := ctr.Check(); err != nil {
		return fmt.Errorf("cpu: Phi4Step: %v", err)
	}
	if err := lat.Check(); err != nil {
		return fmt.Errorf("cpu: Phi4Step: %v", err)
	}
	if f == nil || p == nil {
		return fmt.Errorf("cpu: Phi4Step needs fields and parameters")
	}
	c, err := p.Coeffs(lat.Dim())
	if err != nil {
		return err
	}
	if f.Phi == nil || f.Next == nil {
		return fmt.Errorf("cpu: Phi4Step needs Phi and Next")
	}
	bufs := []quench.Buffer{f.Phi, f.Next}
	switch p.Scheme {
	case quench.SchemeBAOAB:
		if f.Mom == nil {
			return fmt.Errorf("cpu: scheme baoab needs the momentum buffer")
		}
		bufs = append(bufs, f.Mom)
	case quench.SchemeModelB:
		if f.Mu == nil {
			return fmt.Errorf("cpu: scheme modelb needs the mu buffer")
		}
		if err := quench.CheckNoiseNumbers("cpu: Phi4Step", lat.Sites(), int64(lat.Dim())); err != nil {
			return err
		}
		bufs = append(bufs, f.Mu)
	}
	if !quench.Distinct(bufs...) {
		return fmt.Errorf("cpu: Phi4Step: one buffer is given as two of the fields: each must be its own")
	}
	phi, err := asBuffer(f.Phi, 0) // a nil *Buffer too
	if err != nil {
		return err
	}
	dt := phi.dt
	cbs, err := floatBufs(dt, lat.Sites(), bufs...)
	if err != nil {
		return err
	}
	if dt != quench.Float64 && dt != quench.Float32 {
		return fmt.Errorf("cpu: phi4 fields must be float32 or float64, not %v", dt)
	}
	g := newFieldGeom(lat)
	var cur *[]float64 // Model B's noise currents (curScratch)
	if p.Scheme == quench.SchemeModelB {
		cur = b.curScratch(lat.Sites() * int64(lat.Dim()) * dt.Size())
		defer b.putCur(cur)
	}
	switch dt {
	case quench.Float64:
		phi4Step(g, p.Scheme, coeffsOf[float64](c), ctr, curOf[float64](cur), sl64(cbs)...)
	case quench.Float32:
		phi4Step(g, p.Scheme, coeffsOf[float32](c), ctr, curOf[float32](cur), sl32(cbs)...)
	default:
		return fmt.Errorf("cpu: phi4 fields must be float32 or float64, not %v", dt)
	}
	f.Phi, f.Next = f.Next, f.Phi
	return nil
}

// curScratch returns a buffer of at least n bytes for Model B's noise
// currents, the backend's own when it is free and large enough (kept
// between steps until Close), else a new one; putCur hands it back. It is
// float64 storage (8-byte aligned) that curOf views as the field's type.
func (b *Backend) curScratch(n int64) *[]float64 {
	b.mu.Lock()
	c := b.cur
	b.cur = nil
	b.mu.Unlock()
	if c == nil || int64(len(*c))*8 < n {
		buf := make([]float64, (n+7)/8)
		c = &buf
	}
	return c
}

func (b *Backend) putCur(c *[]float64) {
	b.mu.Lock()
	if b.cur == nil || len(*b.cur) < len(*c) {
		b.cur = c
	}
	b.mu.Unlock()
}

// curOf views the currents' storage as elements of type T (float64 itself,
// or twice as many float32).
func curOf[T flt](c *[]float64) []T {
	if c == nil {
		return nil
	}
	var zero T
	return unsafe.Slice((*T)(unsafe.Pointer(unsafe.SliceData(*c))), len(*c)*8/int(unsafe.Sizeof(zero)))
}

func sl64(bs []*Buffer) [][]float64 {
	out := make([][]float64, len(bs))
	for i, b := range bs {
		out[i] = b.f64
	}
	return out
}

func sl32(bs []*Buffer) [][]float32 {
	out := make([][]float32, len(bs))
	for i, b := range bs {
		out[i] = b.f32
	}
	return out
}

// phi4Step runs one step; s = {phi, next[, mom | mu]}; cur is scratch for
// Model B's noise currents (at least dim elements per site).
func phi4Step[T flt](g *fieldGeom, scheme string, k kc[T], ctr quench.Counter, cur []T, s ...[]T) {
	phi, next := s[0], s[1]
	key := philox.KeyFromSeed(ctr.Seed)
	step := ctr.Step
	switch scheme {
	case quench.SchemeEM, quench.SchemeLM:
		lm := scheme == quench.SchemeLM
		forRows(g, func(r *rowRun) {
			now := newSiteNoise[T](key, ctr, step, 0)
			xi := rowBuf[T](r, 0, r.x1-r.x0)
			fillNoise(&now, xi, uint64(r.base+r.x0))
			if lm {
				nxt := newSiteNoise[T](key, ctr, step+1, 0)
				xi2 := rowBuf[T](r, 1, r.x1-r.x0) // consumed before nb takes buffer 1
				fillNoise(&nxt, xi2, uint64(r.base+r.x0))
				for i := addVec(xi, xi, xi2); i < len(xi); i++ {
					xi[i] = xi[i] + xi2[i]
				}
			}
			nb := rowBuf[T](r, 1, r.x1-r.x0)
			nbRow(nb, phi, r)
			lo, hi := r.base+r.x0, r.base+r.x1
			for i := emVec(next[lo:hi], phi[lo:hi], nb, xi, &k); i < len(nb); i++ {
				n := lo + int64(i)
				next[n] = (phi[n] + driftOf(nb[i], phi[n], &k)) + T(k.amp*xi[i])
			}
		})
	case quench.SchemeBAOAB:
		mom := s[2]
		forRows(g, func(r *rowRun) {
			now := newSiteNoise[T](key, ctr, step, 0)
			xi := rowBuf[T](r, 0, r.x1-r.x0)
			fillNoise(&now, xi, uint64(r.base+r.x0))
			nb := rowBuf[T](r, 1, r.x1-r.x0)
			nbRow(nb, phi, r)
			lo, hi := r.base+r.x0, r.base+r.x1
			for i := baoab1Vec(next[lo:hi], mom[lo:hi], phi[lo:hi], nb, xi, &k); i < len(nb); i++ {
				n := lo + int64(i)
				p1 := mom[n] + T(k.hdt*forceOf(nb[i], phi[n], &k))
				q1 := phi[n] + T(k.hdtm*p1)
				p2 := T(k.c1*p1) + T(k.c2*xi[i])
				next[n] = q1 + T(k.hdtm*p2)
				mom[n] = p2
			}
		})
		forRows(g, func(r *rowRun) {
			nb := rowBuf[T](r, 1, r.x1-r.x0)
			nbRow(nb, next, r)
			lo, hi := r.base+r.x0, r.base+r.x1
			for i := baoab2Vec(mom[lo:hi], next[lo:hi], nb, &k); i < len(nb); i++ {
				n := lo + int64(i)
				mom[n] = mom[n] + T(k.hdt*forceOf(nb[i], next[n], &k))
			}
		})
	case quench.SchemeModelB:
		mu := s[2]
		d := len(g.shape)
		forRows(g, func(r *rowRun) {
			nb := rowBuf[T](r, 1, r.x1-r.x0)
			nbRow(nb, phi, r)
			lo, hi := r.base+r.x0, r.base+r.x1
			for i := negForceVec(mu[lo:hi], phi[lo:hi], nb, &k); i < len(nb); i++ {
				n := lo + int64(i)
				mu[n] = -forceOf(nb[i], phi[n], &k)
			}
		})
		// the current on link (n, a) is noise number n*d + a of phase 1,
		// drawn once into cur (the GPU's phi4_currents)
		links := g.n * int64(d)
		cur = cur[:links]
		parallel(int((links+fieldChunk-1)/fieldChunk), func(part int) {
			lo := int64(part) * fieldChunk
			p := newSiteNoise[T](key, ctr, step, 1)
			fillNoise(&p, cur[lo:min(lo+fieldChunk, links)], uint64(lo))
		})
		forRows(g, func(r *rowRun) {
			nb := rowBuf[T](r, 1, r.x1-r.x0)
			nbRow(nb, mu, r)
			modelBRow(next, phi, mu, nb, cur, r, d, &k)
		})
	}
}

// modelBRow is Model B's second pass on the run r: next from phi, the
// chemical potential mu, its neighbour sums nb (the run's) and the link
// currents cur (d a site), the leading whole vectors after x = 0 by divVec.
func modelBRow[T flt](next, phi, mu, nb, cur []T, r *rowRun, d int, k *kc[T]) {
	dd := int64(d)
	// the vector kernel from the first site not at x = 0 (whose link
	// along the last axis wraps)
	vlo, vhi := 0, 0
	if r.x0 == 0 {
		vlo, vhi = 1, 1
	}
	if n0 := r.base + r.x0 + int64(vlo); vlo < len(nb) {
		m := n0 + int64(len(nb)-vlo)
		vhi += divVec(next[n0:m], phi[n0:m], mu[n0:m], nb[vlo:], cur, r, n0, d, k)
	}
	for i := 0; i < len(nb); i++ {
		if i == vlo && vhi > vlo {
			i = vhi - 1
			continue
		}
		x := r.x0 + int64(i)
		n := r.base + x
		lap := nb[i] - T(k.z*mu[n])
		// the link into n along the last axis, from x-1 (wrapped)
		xm := n - 1
		if x == 0 {
			xm = r.base + r.lx - 1
		}
		var div T
		div = div + (cur[n*dd+dd-1] - cur[xm*dd+dd-1])
		for a := d - 2; a >= 0; a-- {
			div = div + (cur[n*dd+int64(a)] - cur[(n+r.rm[a])*dd+int64(a)])
		}
		next[n] = (phi[n] + T(k.a*lap)) + T(k.amp*div)
	}
}
