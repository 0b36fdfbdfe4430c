package quench

import (
	"fmt"
	"math"

	"github.com/quenchlab/quench/internal/philox"
)

// DType is the element type of a device buffer.
type DType uint8

// Element types used by the three kernel families.
const (
	Int8    DType = iota + 1 // Ising spins (+1/-1)
	Uint8                    // sandpile heights
	Int32                    // activity counts, integer masses
	Float32                  // fields, float32 precision
	Float64                  // fields, float64 precision
	Int64                    // fixed-point masses (mass transfer)
)

// Size is the element size in bytes.
func (d DType) Size() int64 {
	switch d {
	case Int8, Uint8:
		return 1
	case Int32, Float32:
		return 4
	case Float64, Int64:
		return 8
	}
	return 0
}

func (d DType) String() string {
	switch d {
	case Int8:
		return "int8"
	case Uint8:
		return "uint8"
	case Int32:
		return "int32"
	case Float32:
		return "float32"
	case Float64:
		return "float64"
	case Int64:
		return "int64"
	}
	return "invalid"
}

// Buffer is memory owned by a backend (host memory on the CPU, device memory
// on a GPU). Its contents move to and from Go slices with Upload/Download.
type Buffer interface {
	DType() DType
	Len() int64
}

// Counter selects the random numbers of one kernel launch: every number is a
// pure function of (Seed, purpose, Replica, Step, phase, site, draw), see
// internal/philox. The kernel supplies purpose, phase, site and draw.
type Counter struct {
	Seed    uint64
	Replica uint32
	Step    uint64
}

// Check reports an error for a counter whose fields do not fit Philox's
// counter layout (internal/philox), where they would be cut to their slot
// and repeat another counter's numbers: Replica up to 2^16-1, Step up to
// 2^48-2 (the LM scheme also draws step+1). The kernels check theirs.
func (c Counter) Check() error {
	if c.Replica > philox.MaxReplica {
		return fmt.Errorf("random counter: replica %d is past %d", c.Replica, philox.MaxReplica)
	}
	if c.Step > philox.MaxStep-1 {
		return fmt.Errorf("random counter: step %d is past %d", c.Step, uint64(philox.MaxStep-1))
	}
	return nil
}

// Distinct reports whether no buffer is given twice: a kernel that reads
// one and writes another (a step's Phi and Next, a diffusion's src and dst)
// would otherwise overwrite what it still reads. A nil Buffer is none
// (left to the kernels' nil checks, whose errors name it).
func Distinct(bufs ...Buffer) bool {
	for i, a := range bufs {
		if a == nil {
			continue
		}
		for _, b := range bufs[:i] {
			if a == b {
				return false
			}
		}
	}
	return true
}

// Buffers allocates and moves memory. Upload and Download take Go slices
// whose element type matches the buffer's DType ([]int8, []uint8, []int32,
// []float32, []float64, []int64) and whose length equals Len.
type Buffers interface {
	// Alloc returns a buffer of n elements, all zero.
	Alloc(dt DType, n int64) (Buffer, error)
	Upload(dst Buffer, src any) error
	Download(dst any, src Buffer) error
	Free(b Buffer) error
	// MemInfo reports the bytes free and in total where the backend
	// allocates (host RAM for the CPU, device memory for a GPU).
	MemInfo() (free, total uint64, err error)
}

// SpinFlipper holds the spin-flip kernels.
type SpinFlipper interface {
	// IsingSweep performs one checkerboard sweep (colour 0, then colour 1)
	// of the Ising model on spins (Int8, +1/-1) with the acceptance table
	// tab; see IsingTable for the per-site rule.
	IsingSweep(spins Buffer, lat Lattice, tab *IsingTable, ctr Counter) error
}

// LangevinStepper holds the Langevin kernels (lattice phi^4 fields and
// particle ensembles). Each call advances the state by one time step; the
// per-site rules are documented on Phi4Coeffs and ParticleCoeffs.
type LangevinStepper interface {
	Phi4Step(f *Phi4Fields, lat Lattice, p *Phi4Params, ctr Counter) error
	ParticleStep(ps *Particles, p *ParticleParams, ctr Counter) error
}

// PhaseSumsStepper is implemented by a backend whose kuramoto particle
// step can be given the phase sums it starts from: ParticleStepWithSums
// is ParticleStep, bit for bit, with C and S (as PhaseSums returns them
// for ps.Pos, unchanged since) taken from the caller instead of computed
// again. A run that measures the order parameter after a step has them,
// and the next step need not take them a second time. Other potentials
// ignore them.
type PhaseSumsStepper interface {
	ParticleStepWithSums(ps *Particles, p *ParticleParams, ctr Counter, c, s float64) error
}

// LatticeUpdater holds the local-rule lattice kernels.
type LatticeUpdater interface {
	// SandpileAdd adds one grain at site of a stable pile and relaxes it
	// by synchronous parallel toppling (see Sandpile for the rule),
	// counting each site's topplings in its activity and stamping toppled
	// sites with the avalanche number.
	SandpileAdd(s *Sandpile, lat Lattice, site int64, avalanche int32) (Avalanche, error)
	// MassTransfer performs one sweep of a random mass-transfer rule on
	// fixed-point masses (Int64); see MassTransferParams for the rules.
	MassTransfer(mass Buffer, lat Lattice, p *MassTransferParams, ctr Counter) error
	// Diffuse writes one explicit Euler step of the heat equation of src
	// into dst (Float32 or Float64): dst = src + alpha*(nb - 2d*src), the
	// neighbours added in the order of the phi4 kernels.
	Diffuse(dst, src Buffer, lat Lattice, alpha float64) error
}

// IsingSums are the exact integer sums the Ising observables derive from.
type IsingSums struct {
	Mag  int64 // sum_i s_i
	Bond int64 // sum over nearest-neighbour bonds <ij> of s_i s_j
	// Stag is the staggered sum sum_i (-1)^(x_1+...+x_d) s_i over the site
	// coordinates x_a (the extents are even, so the sign is the
	// checkerboard colour): the antiferromagnet's order parameter times N.
	Stag int64
}

// Reducer computes deterministic reductions: sums over a fixed partition of
// the lattice added in index order, so every backend returns the same bits.
type Reducer interface {
	IsingSums(spins Buffer, lat Lattice) (IsingSums, error)
	// PhaseSums returns C = sum cos(2 pi theta) and S = sum sin(2 pi theta)
	// of a buffer of phases in turns (Float32 or Float64), each term by
	// pmath.SinCos2Pi rounded to the buffer's type, added in float64 like
	// Sum.
	PhaseSums(phases Buffer) (c, s float64, err error)
	// Sum adds a Float32 or Float64 buffer in float64: partial sums over
	// consecutive blocks of SumBlock elements, each added left to right,
	// then the partials added as AddPartials does.
	Sum(buf Buffer) (float64, error)
	// FieldSums returns the sums the field, particle and mass observables
	// derive from (see FieldSums) of a Float32, Float64 or Int64 buffer;
	// with lat nil only those that need no geometry (a lattice has 1 to 3
	// axes).
	FieldSums(buf Buffer, lat *Lattice) (FieldSums, error)
	// CenteredSums returns the sums of d = x - center and of d*d over a
	// Float32, Float64 or Int64 buffer, x an element in float64 as
	// FieldSums takes it (Int64: a fixed-point mass times 2^-32): per
	// element sum += d, sum2 += d*d, each an IEEE double operation, over
	// blocks of SumBlock elements left to right, the blocks' partials
	// added as AddPartials does (each of the two apart). A variance
	// sum2/n - (sum/n)^2 about a center near the mean keeps the digits
	// that FieldSums' Sum2/n - (Sum/n)^2 cancels away when the variance
	// is far below the mean's square (a field relaxed nearly to uniform).
	CenteredSums(buf Buffer, center float64) (sum, sum2 float64, err error)
	// HeightCounts counts the sites of a Uint8 buffer of lat (sandpile
	// heights) in box (nil: the whole lattice) by value: c[v] of them
	// hold v for v < 7, c[7] hold 7 or more. Integer counts: every
	// backend returns the same.
	HeightCounts(heights Buffer, lat Lattice, box *Box) ([8]int64, error)
	// IsingPlanes writes the plane sums of spins (Int8) of lat (at most
	// 4 axes) into out, which holds PlaneSumsLen(lat) elements: for each
	// axis a in turn, L_a sums, the j-th adding the spins whose
	// coordinate along a is j. Exact integers: every backend returns the
	// same. ModeTable.Modes takes the magnetization's Fourier components
	// from them. staggered sums the staggered spins
	// (-1)^(x_1+...+x_d) s_x (x_a the site's coordinates) instead: the
	// antiferromagnet's order parameter field, whose components at the
	// smallest wave vectors are the staggered magnetization's at
	// (pi, ..., pi) plus them.
	IsingPlanes(spins Buffer, lat Lattice, staggered bool, out []int64) error
}

// SumBlock is the fixed block length of Reducer.Sum and Reducer.FieldSums.
const SumBlock = 4096

// SumGroup is the number of consecutive blocks whose partials Sum,
// PhaseSums and FieldSums add first, each group from zero left to right,
// before they add the groups' totals left to right: a GPU adds the groups
// on the device and copies SumGroup times fewer partials to the host (a
// 16384^2 field's FieldSums: 98 KiB instead of 6.3 MB, 1024 groups to add
// instead of 65536 blocks).
const SumGroup = 64

// AddPartials adds block partials as Sum does: each group of SumGroup
// consecutive ones (the last may have fewer) from zero left to right, then
// the groups' totals left to right.
func AddPartials(p []float64) float64 {
	var tot float64
	for lo := 0; lo < len(p); lo += SumGroup {
		var g float64
		for _, v := range p[lo:min(lo+SumGroup, len(p))] {
			g += v
		}
		tot += g
	}
	return tot
}

// FieldSums are the sums the observables of fields, particles and masses
// derive from, so that a run measures on its backend instead of copying its
// state to the host. A value x is an element in float64: Float32 and
// Float64 converted exactly, Int64 a fixed-point mass times 2^-32.
//
// Each sum runs over blocks of SumBlock consecutive elements, each block
// from zero and left to right; the blocks' results are combined in groups
// of SumGroup consecutive blocks, each group from zero left to right, and
// the groups' results left to right (Max: a block's or group's Max
// replaces the running one when it is greater; NonFinite: counted;
// GroupFieldSums, CombineFieldGroups), so every backend returns the same
// bits (a sum that meets a NaN is NaN; its payload is unspecified).
// Per element:
//
//	Sum += x;  Sum2 += x*x;  Sum4 += ((x*x)*x)*x
//	Max = x when x > Max (from -Inf: a NaN never becomes Max)
//	NonFinite += 1 when x - x != 0 (x is NaN or infinite)
//
// and on a lattice of d axes, with f_a the value at the site's forward
// neighbour along axis a (periodic):
//
//	Corr += x*f_{d-1}
//	for each axis a:  g = f_a - x;  Grad[a] += g*g;  Cos[a] += x*c_a;  Sin[a] += x*s_a
//
// where (s_a, c_a) approximate (sin, cos) of 2 pi x_a/L_a for the site's
// coordinate x_a: pmath.SinCos2Pi(x_a/L_a) (the quotient an IEEE division)
// for a < d-1; along the last axis, with j = x_a mod 64,
// (S, C) = pmath.SinCos2Pi((x_a-j)/L_a) and (S', C') = pmath.SinCos2Pi(j/L_a),
// c = C*C' - S*S' and s = S*C' + C*S' (a few ulp). Every product and sum is
// one IEEE double operation, nothing fused.
//
// For Int64 buffers of non-negative values (masses) the backends also
// report Units, the exact integer sum of the fixed-point values, with
// UnitsExact, from the same partials (UnitSum): a conserved total reads as
// exactly constant even where the float64 Sum rounds.
type FieldSums struct {
	Sum, Sum2, Sum4 float64
	Max             float64
	NonFinite       int64
	Corr            float64   // lattice only
	Grad, Cos, Sin  []float64 // lattice only: one per axis
	Units           int64     // Int64 buffers: the exact sum, when UnitsExact
	UnitsExact      bool
}

// UnitSum recovers the exact sum of an Int64 buffer's non-negative
// fixed-point values from its FieldSums partials (FieldSumsWidth(d) per
// block): a block's Sum partial adds the values times 2^-32 in float64,
// which is exact while the block's total stays below 2^53 units (its
// partial sums only grow), and then the partial times 2^32 is that total.
// ok is false when a block's partial is not such an integer below 2^53, or
// the total would reach 2^62, or d is negative.
func UnitSum(partial []float64, d int) (units int64, ok bool) {
	if d < 0 {
		return 0, false
	}
	return AddUnits(GroupUnits(partial, d))
}

// GroupUnits is UnitSum's first step, which a GPU takes on the device: for
// each group of SumGroup consecutive blocks the exact total of its blocks'
// units, or -1 when one of them is not an integer below 2^53 (a group's
// total is then below 2^59).
func GroupUnits(partial []float64, d int) []int64 {
	if d < 0 {
		return nil
	}
	w := FieldSumsWidth(d)
	nblk := len(partial) / w
	out := make([]int64, (nblk+SumGroup-1)/SumGroup)
	for g := range out {
		for k := g * SumGroup; k < min((g+1)*SumGroup, nblk); k++ {
			u := partial[k*w] * 0x1p32 // a power of two: exact
			if !(u >= 0 && u < 0x1p53 && u == math.Trunc(u)) {
				out[g] = -1
				break
			}
			out[g] += int64(u)
		}
	}
	return out
}

// AddUnits adds GroupUnits' totals left to right: ok is false when one of
// them is -1 or the total would reach 2^62 (every total is non-negative,
// so the answer is UnitSum's over the blocks).
func AddUnits(groups []int64) (units int64, ok bool) {
	for _, u := range groups {
		if u < 0 || u >= 1<<62-units { // no wrap, whatever u
			return 0, false
		}
		units += u
	}
	return units, true
}

// FieldSumsWidth is the number of float64 partials a block of a
// d-dimensional lattice (d = 0 without one) contributes to FieldSums, in
// the order Sum, Sum2, Sum4, Max, NonFinite, Corr, then Grad[a], Cos[a],
// Sin[a] for each axis.
func FieldSumsWidth(d int) int { return 6 + 3*d }

// CombineFieldSums adds per-block partials (FieldSumsWidth(d) each, in
// block order) into FieldSums as documented there: GroupFieldSums, then
// CombineFieldGroups. A negative d adds nothing (no block has a negative
// width).
func CombineFieldSums(partial []float64, d int) FieldSums {
	return CombineFieldGroups(GroupFieldSums(partial, d), d)
}

// GroupFieldSums combines per-block partials (FieldSumsWidth(d) each, in
// block order) into those of each group of SumGroup consecutive blocks
// (the last may have fewer), of the same width: each group from zero (Max
// from -Inf) left to right, a block's Max replacing the group's when
// greater, the other partials added (NonFinite's counts exactly). A GPU
// computes them on the device (kernels/fieldsums.cu field_groups).
func GroupFieldSums(partial []float64, d int) []float64 {
	if d < 0 {
		return nil
	}
	w := FieldSumsWidth(d)
	nblk := len(partial) / w
	out := make([]float64, (nblk+SumGroup-1)/SumGroup*w)
	for lo := 0; lo < nblk; lo += SumGroup {
		o := out[lo/SumGroup*w : (lo/SumGroup+1)*w]
		o[3] = math.Inf(-1)
		for k := lo; k < min(lo+SumGroup, nblk); k++ {
			p := partial[k*w : (k+1)*w]
			o[0] += p[0]
			o[1] += p[1]
			o[2] += p[2]
			if p[3] > o[3] { // not max(): -0 and +0 keep their order
				o[3] = p[3]
			}
			o[4] += p[4]
			o[5] += p[5]
			for c := 6; c < w; c++ {
				o[c] += p[c]
			}
		}
	}
	return out
}

// CombineFieldGroups adds GroupFieldSums' partials left to right into
// FieldSums. A negative d adds nothing.
func CombineFieldGroups(partial []float64, d int) FieldSums {
	w := FieldSumsWidth(d)
	fs := FieldSums{Max: math.Inf(-1)}
	if d < 0 {
		return fs
	}
	if d > 0 {
		fs.Grad, fs.Cos, fs.Sin = make([]float64, d), make([]float64, d), make([]float64, d)
	}
	for k := 0; k+w <= len(partial); k += w {
		p := partial[k : k+w]
		fs.Sum += p[0]
		fs.Sum2 += p[1]
		fs.Sum4 += p[2]
		if p[3] > fs.Max {
			fs.Max = p[3]
		}
		fs.NonFinite += int64(p[4])
		fs.Corr += p[5]
		for a := 0; a < d; a++ {
			fs.Grad[a] += p[6+3*a]
			fs.Cos[a] += p[7+3*a]
			fs.Sin[a] += p[8+3*a]
		}
	}
	return fs
}

// Backend is one place kernels run: the CPU or a GPU.
type Backend interface {
	Name() string
	Buffers
	SpinFlipper
	LangevinStepper
	LatticeUpdater
	Reducer
	// Sync waits until all work issued so far is done.
	Sync() error
	Close() error
}

// Phi4Params are the parameters of a lattice phi^4 Langevin step:
// H = sum_x [ 1/2 sum_mu (phi_{x+mu} - phi_x)^2 + M2/2 phi^2 + Lambda/4 phi^4 - H phi ].
type Phi4Params struct {
	Scheme string // SchemeEM, SchemeLM, SchemeBAOAB, SchemeModelB
	Dt     float64
	M2     float64
	Lambda float64
	H      float64
	T      float64
	Gamma  float64 // mobility (overdamped, modelb) or friction (baoab)
	Mass   float64 // baoab
}

// Particles are the buffers of an ensemble of N particles in Dim dimensions:
// Pos (and Vel for baoab) hold N*Dim coordinates, particle-major; Omega
// holds the natural frequencies of the kuramoto potential (then Dim = 1 and
// Pos is the phase in turns, in [0, 1)).
type Particles struct {
	N     int64
	Dim   int
	Pos   Buffer
	Vel   Buffer
	Omega Buffer
}

// ParticleParams are the parameters of a particle-ensemble Langevin step.
type ParticleParams struct {
	Scheme    string // SchemeEM, SchemeLM, SchemeBAOAB
	Potential string // "harmonic", "doublewell", "kuramoto"
	Dt, T     float64
	Gamma     float64 // friction
	Mass      float64 // baoab
	K         float64 // spring constant, well depth or coupling
}

// MassTransferParams are the parameters of a random mass-transfer sweep on a
// periodic 1D or 2D lattice with even extents. Masses are int64 fixed point
// (MassUnit per unit of mass), so every rule conserves mass exactly.
//
// A sweep updates the bonds (x, x+e_a) in classes: for axes a from last to
// first, bonds whose lower end has coordinate c_a even, then odd. Each
// class is a matching (no two bonds share a site), so its bonds update in
// parallel in any order. Bond (x, y=x+e_a) of class k uses the 32-bit word
// u = word x&3 of Philox(seed; Lattice, replica, step, phase 1+k, group x>>2):
//
//	kmp:         E = m_x + m_y; m_x' = (E*u) >> 32; m_y' = E - m_x'
//	aggregation: all of m_x + m_y moves to y if u&1, else to x
//	transfer:    src = y if u&1 else x, dst the other; d = (m_src*D32) >> 32
//	             moves from src to dst (D32 = floor(Fraction*2^32))
//
// After the classes, aggregation adds Injection (fixed point) to every site.
type MassTransferParams struct {
	Rule      string // "kmp", "aggregation", "transfer"
	Injection int64  // fixed-point mass injected per site and sweep (aggregation)
	Fraction  float64
}

// MassUnit is the fixed-point scale of masses: mass m is stored as m*2^32.
const MassUnit = 1 << 32

// D32 is the transfer fraction in fixed point.
func (p *MassTransferParams) D32() uint64 {
	if p.Fraction <= 0 {
		return 0
	}
	if p.Fraction >= 1 {
		return 1<<32 - 1
	}
	return uint64(p.Fraction * (1 << 32))
}
