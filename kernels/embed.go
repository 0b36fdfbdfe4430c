// Package kernels holds the CUDA sources of quench (ising.cu, philox.cuh)
// and the fatbin `make kernels` compiles from them: SASS for sm_80, sm_86,
// sm_89 and sm_90 plus compute_90 PTX, built with -fmad=false. The fatbin is
// committed (see quench.fatbin.txt) so that building the CUDA backend needs
// the CUDA headers and driver but not nvcc.
package kernels

import (
	_ "embed"
	"fmt"

	"github.com/quenchlab/quench"
)

// Fatbin is the compiled module loaded by the gpu backend.
//
//go:embed quench.fatbin
var Fatbin string

// Names of the kernels in Fatbin.
const (
	IsingPhaseSeg  = "ising_phase_seg"
	IsingPhaseSite = "ising_phase_site"
	IsingSums      = "ising_sums"
	IsingPlanes    = "ising_planes"
	// phi4 kernels: name + "_f32" or "_f64"
	Phi4Overdamped = "phi4_overdamped"
	Phi4BAOAB1     = "phi4_baoab1"
	Phi4BAOAB2     = "phi4_baoab2"
	Phi4Mu         = "phi4_mu"
	Phi4ModelB     = "phi4_modelb"
	Phi4Currents   = "phi4_currents"
	ParticleStep   = "particle_step"
	PhasePartials  = "phase_partials"
	PhaseTotal     = "phase_total"
	SandpileFlags  = "sandpile_flags"
	SandpileApply  = "sandpile_apply"
	SandpileGrain  = "sandpile_grain"
	SandpileRelax  = "sandpile_relax" // cooperative launches (RelaxBlock threads a block)
	HeightCounts   = "height_counts"
	MassClass      = "mass_class"
	MassClassRows  = "mass_class_rows" // rows a multiple of 4 long (MassRowGrid)
	MassInject     = "mass_inject"
	Diffuse        = "diffuse"
	// row-launched fast paths (fast.cu): RowKernel names an entry point
	Phi4OverdampedRows = "phi4_overdamped_rows" // em
	// em in float32 on 1D and 2D lattices whose rows are a multiple of 8
	// sites long (WideRows): 8 sites per thread
	Phi4OverdampedRows8 = "phi4_overdamped_rows8"
	Phi4LMRows          = "phi4_lm_rows"
	Phi4BAOAB1Rows      = "phi4_baoab1_rows"
	Phi4BAOAB2Rows      = "phi4_baoab2_rows"
	DiffuseRows         = "diffuse_rows"
	Phi4MuRows          = "phi4_mu_rows"
	Phi4ModelBRows      = "phi4_modelb_rows"
	SumBlocksF64        = "sum_blocks_f64"
	SumBlocksF32        = "sum_blocks_f32"
	FieldSums           = "field_sums" // + "_f32", "_f64" or "_i64"
	FieldGroups         = "field_groups"
	CenteredBlocks      = "centered_blocks" // + "_f32", "_f64" or "_i64"
	PhiloxKAT           = "philox_kat"
	Sqrt32Check         = "pmath_sqrt32_check"
)

// All lists every kernel the gpu backend loads.
var All = []string{IsingPhaseSeg, IsingPhaseSite, IsingSums, IsingPlanes, SumBlocksF64, SumBlocksF32, PhiloxKAT, Sqrt32Check,
	Phi4Overdamped + "_f32", Phi4Overdamped + "_f64", Phi4BAOAB1 + "_f32", Phi4BAOAB1 + "_f64",
	Phi4BAOAB2 + "_f32", Phi4BAOAB2 + "_f64", Phi4Mu + "_f32", Phi4Mu + "_f64", Phi4ModelB + "_f32", Phi4ModelB + "_f64",
	Phi4Currents + "_f32", Phi4Currents + "_f64",
	ParticleStep + "_f32", ParticleStep + "_f64", PhasePartials + "_f32", PhasePartials + "_f64", PhaseTotal,
	SandpileFlags, SandpileApply, SandpileGrain, SandpileRelax, HeightCounts, MassClass, MassClassRows, MassInject, Diffuse + "_f32", Diffuse + "_f64",
	FieldSums + "_f32", FieldSums + "_f64", FieldSums + "_i64", FieldGroups,
	CenteredBlocks + "_f32", CenteredBlocks + "_f64", CenteredBlocks + "_i64",
}

func init() {
	for _, name := range []string{Phi4OverdampedRows, Phi4LMRows, DiffuseRows, Phi4BAOAB1Rows, Phi4BAOAB2Rows,
		Phi4MuRows, Phi4ModelBRows} {
		for _, dt := range []quench.DType{quench.Float32, quench.Float64} {
			for d := 1; d <= 3; d++ {
				All = append(All, RowKernel(name, dt, d))
			}
		}
	}
	for d := 1; d <= 2; d++ {
		All = append(All, RowKernel(Phi4OverdampedRows8, quench.Float32, d))
	}
}

// WideSites is the sites per thread of the Phi4OverdampedRows8 kernels.
const WideSites = 8

// WideRows says whether a float32 EM step on lat takes the
// Phi4OverdampedRows8 kernels: 1 or 2 dimensions, rows a multiple of
// WideSites long.
func WideRows(lat quench.Lattice, dt quench.DType) bool {
	d := lat.Dim()
	return dt == quench.Float32 && d <= 2 && int64(lat.Shape[d-1])%WideSites == 0
}

// RowKernel is the entry point of row kernel name (Phi4OverdampedRows, ...)
// for precision dt on a lattice of dim dimensions (1 to 3): fast.cu
// compiles one per dimension, so that a 2D kernel carries no code for a
// third axis.
func RowKernel(name string, dt quench.DType, dim int) string {
	suffix := "_f64"
	if dt == quench.Float32 {
		suffix = "_f32"
	}
	return fmt.Sprintf("%s%s_d%d", name, suffix, dim)
}

// IsingTable is the threshold table in the layout of ising.cu: 64 int32,
// hi[32] then lo[32], indexed by nd + 16*(s == -1), nd the number of down
// neighbours; unused hi entries are -1 so that no byte matches them.
func IsingTable(tab *quench.IsingTable) [64]int32 {
	var t [64]int32
	for i := 0; i < 32; i++ {
		t[i] = -1
	}
	z := 2 * tab.Dim
	for _, sv := range []int8{1, -1} {
		for nd := 0; nd <= z; nd++ {
			k := tab.Index(sv, z-2*nd)
			key := nd
			if sv < 0 {
				key += 16
			}
			t[key], t[32+key] = tab.Hi[k], int32(tab.Lo[k])
		}
	}
	return t
}

// ParamBytes is the size of the device buffer the gpu backend holds a
// parameter block in, and each slot of its buffer of the blocks that stay
// the same through a run (TestBlocksFit).
const ParamBytes = 256

// Phi4Symbol is the constant-memory Phi4Block (quench_phi4 in langevin.cu)
// that the phi4 and diffusion kernels read; the gpu backend writes it when
// it differs from what it last wrote (once a run: the step is each
// launch's argument).
const Phi4Symbol = "quench_phi4"

// Phi4Block is the parameter block of the phi4 and diffusion kernels
// (struct qphi4 in langevin.cu, in constant memory: Phi4Symbol), field for
// field in this order: 8-byte fields, then K32's thirteen float32.
type Phi4Block struct {
	Shape, Stride       [4]int64
	Dim, NSites         int64
	Seed, Replica       uint64 // the step is each launch's argument
	Z, M2, L, H, A, Amp float64
	HDt, HDtM, C1, C2   float64
	Lin, Cub, AH        float64
	// Row is the geometry of the row-launched kernels (fast.cu): the last
	// extent lx, the one before it ly and the first lz (1 where the lattice
	// has fewer axes), and the plane ly*lx, so that a thread finds its row
	// and the neighbouring rows without 64-bit products of its own.
	Row [4]int64
	// K32 are Z, M2, L, H, A, Amp, HDt, HDtM, C1, C2, Lin, Cub, AH rounded
	// to float32 (what a float32 kernel would compute from them), read by
	// the row kernels.
	K32 [13]float32
	_   float32 // the padding C puts at the end of struct qphi4
}

// NewPhi4Block fills the block of a run's steps (ctr's step is not in it:
// the kernels take the step as an argument).
func NewPhi4Block(lat quench.Lattice, c quench.Phi4Coeffs, ctr quench.Counter) Phi4Block {
	b := Phi4Block{Dim: int64(lat.Dim()), NSites: lat.Sites(), Seed: ctr.Seed, Replica: uint64(ctr.Replica),
		Z: c.Z, M2: c.M2, L: c.L, H: c.H, A: c.A, Amp: c.Amp, HDt: c.HDt, HDtM: c.HDtM, C1: c.C1, C2: c.C2,
		Lin: c.Lin, Cub: c.Cub, AH: c.AH}
	s := int64(1)
	for a := lat.Dim() - 1; a >= 0; a-- {
		b.Shape[a], b.Stride[a] = int64(lat.Shape[a]), s
		s *= int64(lat.Shape[a])
	}
	for i, v := range []float64{c.Z, c.M2, c.L, c.H, c.A, c.Amp, c.HDt, c.HDtM, c.C1, c.C2, c.Lin, c.Cub, c.AH} {
		b.K32[i] = float32(v)
	}
	d := lat.Dim()
	b.Row = [4]int64{int64(lat.Shape[d-1]), 1, 1, int64(lat.Shape[d-1])}
	if d >= 2 {
		b.Row[1] = int64(lat.Shape[d-2])
		b.Row[3] *= b.Row[1]
	}
	if d == 3 {
		b.Row[2] = int64(lat.Shape[0])
	}
	return b
}

// ParticleBlock is the parameter block of the particle kernels (struct
// qpart in particles.cu): every field 8 bytes, in this order.
type ParticleBlock struct {
	M, Scheme, Potential int64
	Seed, Replica        uint64 // the step is each launch's argument
	K, K4, A, Amp        float64
	HDt, HDtM, C1, C2    float64
	KN, DtTurn, AmpTurn  float64
}

// Scheme and potential codes of ParticleBlock.
var (
	SchemeCodes    = map[string]int64{quench.SchemeEM: 0, quench.SchemeLM: 1, quench.SchemeBAOAB: 2}
	PotentialCodes = map[string]int64{quench.PotentialHarmonic: 0, quench.PotentialDoubleWell: 1, quench.PotentialKuramoto: 2}
)

// NewParticleBlock fills the block of a run's steps (ctr's step is not in
// it: the kernel takes it as an argument, and a kuramoto step's phase sums
// as a pointer to device memory).
func NewParticleBlock(ps *quench.Particles, p *quench.ParticleParams, c quench.ParticleCoeffs, ctr quench.Counter) ParticleBlock {
	return ParticleBlock{M: ps.N * int64(ps.Dim), Scheme: SchemeCodes[p.Scheme], Potential: PotentialCodes[p.Potential],
		Seed: ctr.Seed, Replica: uint64(ctr.Replica),
		K: c.K, K4: c.K4, A: c.A, Amp: c.Amp, HDt: c.HDt, HDtM: c.HDtM, C1: c.C1, C2: c.C2,
		KN: c.KN, DtTurn: c.DtTurn, AmpTurn: c.AmpTurn}
}

// SandBlock is the parameter block of the sandpile kernels (struct qsand in
// sandpile.cu).
type SandBlock struct {
	Shape, Stride [3]int64
	Dim           int64
	TBits         [3]int64 // log2 of the tile extent per axis
	NTile         [3]int64 // tiles per axis
	Z             int64
	Avalanche     int64
}

// sandTileBits are the tile shapes of sandpile.cu by dimension (1024 sites:
// 1024; 32 x 32; 8 x 8 x 16).
var sandTileBits = [4][3]int64{1: {10}, 2: {5, 5}, 3: {3, 3, 4}}

// NewSandBlock describes lat (1..3 dimensions) and its tiles.
func NewSandBlock(lat quench.Lattice, avalanche int32) SandBlock {
	d := lat.Dim()
	b := SandBlock{Dim: int64(d), Z: int64(quench.SandpileThreshold(d)), Avalanche: int64(avalanche), TBits: sandTileBits[d]}
	s := int64(1)
	for a := d - 1; a >= 0; a-- {
		b.Shape[a], b.Stride[a] = int64(lat.Shape[a]), s
		s *= int64(lat.Shape[a])
		b.NTile[a] = (b.Shape[a] + 1<<b.TBits[a] - 1) >> b.TBits[a]
	}
	return b
}

// Tiles is the number of tiles.
func (b *SandBlock) Tiles() int64 {
	t := int64(1)
	for a := int64(0); a < b.Dim; a++ {
		t *= b.NTile[a]
	}
	return t
}

// Tile is the tile holding site n.
func (b *SandBlock) Tile(n int64) int64 {
	t := int64(0)
	for a := int64(0); a < b.Dim; a++ {
		t = t*b.NTile[a] + (n/b.Stride[a]%b.Shape[a])>>b.TBits[a]
	}
	return t
}

// SandCounts are the counts of sandpile.cu: [0..2] the current round
// (topplings, new stamps, lost grains), [3], [4] the lengths of the current
// and next tile lists, [5] the round, [9..12] the avalanche so far (size,
// area, lost, duration), [13] done, [14] the blocks of sandpile_apply done
// in the round (0 between rounds).
type SandCounts [15]uint64

// Reset prepares the counts for a new avalanche that starts in round
// `round` with the grain's tile as the only listed tile.
func (c *SandCounts) Reset(round uint64) {
	*c = SandCounts{3: 1, 5: round}
}

// RelaxBlock is the block size of sandpile_relax launches: a thread a site
// of a tile (any power of two up to it works: a thread then takes several).
const RelaxBlock = 1024

// RelaxCounts are sandpile_relax's counts (rc in sandpile.cu): [0] the
// next pass, [1] done, [2..4] the tile lists' lengths, [5] 1 + the last
// pass with a toppling (0: none), [6..8] the avalanche's size, area and
// lost grains so far, [9] the grid barrier's counter.
type RelaxCounts [10]uint64

// Avalanche is the avalanche so far of counts that started at pass p0.
func (c *RelaxCounts) Avalanche(p0 uint64) quench.Avalanche {
	av := quench.Avalanche{Size: int64(c[6]), Area: int64(c[7]), Lost: int64(c[8])}
	if c[5] > p0 {
		av.Duration = int64(c[5] - p0)
	}
	return av
}

// MassBlock is the parameter block of mass_class (struct qmass in
// transfer.cu).
type MassBlock struct {
	Shape, Stride    [2]int64
	Dim, NSites      int64
	Axis, Par, Class int64
	Rule             int64
	D32              uint64
	Seed, Replica    uint64 // the step is each launch's argument
}

// MassClasses lists the bond classes of a sweep in order: (axis, parity).
func MassClasses(lat quench.Lattice) [][2]int64 {
	var out [][2]int64
	for a := lat.Dim() - 1; a >= 0; a-- {
		out = append(out, [2]int64{int64(a), 0}, [2]int64{int64(a), 1})
	}
	return out
}

// NewMassBlock fills the block of class k of a run's sweeps (ctr's step is
// not in it: the kernels take it as an argument).
func NewMassBlock(lat quench.Lattice, rule int64, d32 uint64, ctr quench.Counter, k int) MassBlock {
	cl := MassClasses(lat)[k]
	b := MassBlock{Dim: int64(lat.Dim()), NSites: lat.Sites(), Axis: cl[0], Par: cl[1], Class: int64(k), Rule: rule, D32: d32,
		Seed: ctr.Seed, Replica: uint64(ctr.Replica)}
	s := int64(1)
	for a := lat.Dim() - 1; a >= 0; a-- {
		b.Shape[a], b.Stride[a] = int64(lat.Shape[a]), s
		s *= int64(lat.Shape[a])
	}
	return b
}

// MassRowGrid is the launch of mass_class_rows for bond class k of lat (1D
// or 2D, MassClasses), and whether lat qualifies: rows a multiple of 4
// long (RowGrid with 4 sites per thread). A class across the rows takes
// every other row (those of its parity), so half the thread rows.
func MassRowGrid(lat quench.Lattice, block int64, k int) (RowLaunch, bool) {
	r, ok := RowGrid(lat, block, 4)
	if !ok || lat.Dim() > 2 {
		return RowLaunch{}, false
	}
	if d := lat.Dim(); MassClasses(lat)[k][0] != int64(d-1) {
		rows := int64(lat.Shape[0]) / 2
		r.GY = (rows + r.BY - 1) / r.BY
	}
	return r, true
}

// RowLaunch is how the row-launched kernels (fast.cu) cover a lattice:
// blocks of BX x BY threads, BX groups of w sites along a row (w =
// SitesPerThread or WideSites; BX a power of two) and BY = block/BX rows,
// so that short rows share a block instead of leaving threads idle; a grid
// of GX x GY x GZ blocks (GZ the planes) with a thread per group of every
// row. Kernels that loop over rows (RowLoops) take LoopY blocks along y
// instead of GY.
type RowLaunch struct {
	GX, GY, GZ, BX, BY int64
}

// LoopY is the grid's y extent for the kernels that loop over rows: GY,
// or fewer when that still leaves about `target` blocks (RowBlocks), so
// that a block's copy of the noise tables serves several rows.
func (r RowLaunch) LoopY(target int64) int64 {
	return min(r.GY, max(1, (target+r.GX*r.GZ-1)/(r.GX*r.GZ)))
}

// RowGrid is the RowLaunch for lat with blocks of `block` threads (a
// power of two) and w sites per thread (SitesPerThread, or WideSites), and
// whether lat qualifies: 1 to 3 dimensions, a last extent that is a
// multiple of w, the others at most 65535 (the grid's z limit, and rows
// indexed in 32 bits).
func RowGrid(lat quench.Lattice, block, w int64) (RowLaunch, bool) {
	if block < 1 || block&(block-1) != 0 {
		panic(fmt.Sprintf("kernels.RowGrid: block %d is not a power of two", block))
	}
	d := lat.Dim()
	lx := int64(lat.Shape[d-1])
	if d > 3 || lx%w != 0 {
		return RowLaunch{}, false
	}
	ly, lz := int64(1), int64(1)
	if d >= 2 {
		ly = int64(lat.Shape[d-2])
	}
	if d == 3 {
		lz = int64(lat.Shape[0])
	}
	if ly > 65535 || lz > 65535 {
		return RowLaunch{}, false
	}
	groups := lx / w
	r := RowLaunch{BX: 1, GZ: lz}
	for r.BX < block && r.BX < groups {
		r.BX *= 2
	}
	r.BY = block / r.BX
	r.GX = (groups + r.BX - 1) / r.BX
	r.GY = (ly + r.BY - 1) / r.BY
	return r, true
}

// RowBlocks is about how many blocks the gpu backend's looping row kernels
// get (LoopY) when a lattice has more rows than that takes: enough for the partial last wave of blocks on
// a large GPU (a few hundred blocks at a time) to cost a few per cent at
// most.
const RowBlocks = 16384

// RowLoops says whether the row kernels of precision dt with noise (EM, LM,
// BAOAB's first half) loop over rows (qloop in fast.cu).
func RowLoops(dt quench.DType) bool { return dt == quench.Float32 }

// SitesPerThread is W of the row kernels and of particle_step: the normals
// one Philox call gives at precision dt (qw in langevin.cu): 4 for
// float32, 2 for float64.
func SitesPerThread(dt quench.DType) int64 {
	if dt == quench.Float32 {
		return 4
	}
	return 2
}
