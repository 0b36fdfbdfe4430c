// Package quench is the core of the quench lattice statistical-physics
// engine: lattice geometry, model parameters, the Backend interface that the
// CPU and CUDA backends implement, and the counter-based randomness rules
// both sides share. It imports neither cgo nor CUDA.
package quench

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Lattice is a periodic hypercubic lattice. Shape lists the extents in numpy
// order: the last extent varies fastest in memory (it is "x"), so a 2D
// lattice of shape {Ly, Lx} stores site (y, x) at index y*Lx + x, and
// lattice.npy has exactly this shape.
type Lattice struct {
	Shape []int
}

// MaxSites is the largest site count the counter layout can address: the
// Ising kernels index Philox groups by site>>1, which has 48 bits.
const MaxSites = int64(1) << 49

// CheckNoiseNumbers refuses more than MaxSites noise numbers a step: a
// Philox group holds two float64 normals, and its index has 48 bits, so
// number j and j + MaxSites would share one. Model B draws dim per site,
// particles one per coordinate; the memory checks refuse such sizes long
// before (petabytes), so this only states the counter's reach.
func CheckNoiseNumbers(what string, n, per int64) error {
	if n < 0 || per < 1 || n > MaxSites/per {
		return fmt.Errorf("%s: %d x %d noise numbers a step, more than the counter's 2^49", what, n, per)
	}
	return nil
}

// NewLattice returns a lattice of the given shape after checking it.
func NewLattice(shape ...int) (Lattice, error) {
	l := Lattice{Shape: append([]int(nil), shape...)}
	if len(shape) == 0 {
		return l, fmt.Errorf("empty lattice shape")
	}
	n := int64(1)
	for _, s := range shape {
		if s < 2 {
			return l, fmt.Errorf("lattice extent %d is too small: every extent must be at least 2", s)
		}
		if n > MaxSites/int64(s) {
			return l, fmt.Errorf("lattice %s has too many sites: at most 2^49 are allowed", l)
		}
		n *= int64(s)
	}
	return l, nil
}

// Check reports an error unless l is a geometry every kernel can walk: at
// least one axis, every extent positive, at most MaxSites sites. (NewLattice
// also asks for extents of 2 or more; an extent of 1, the site its own
// neighbour, is left to the kernels.) The backends check the lattices they
// are given, which callers may build as literals.
func (l Lattice) Check() error {
	if len(l.Shape) == 0 {
		return fmt.Errorf("empty lattice shape")
	}
	n := int64(1)
	for _, s := range l.Shape {
		if s < 1 {
			return fmt.Errorf("lattice %s has extent %d: every extent must be positive", l, s)
		}
		if n > MaxSites/int64(s) {
			return fmt.Errorf("lattice %s has too many sites: at most 2^49 are allowed", l)
		}
		n *= int64(s)
	}
	return nil
}

// Dim is the number of dimensions.
func (l Lattice) Dim() int { return len(l.Shape) }

// Sites is the number of sites (64-bit: lattices can exceed 2^31 sites).
func (l Lattice) Sites() int64 {
	n := int64(1)
	for _, s := range l.Shape {
		n *= int64(s)
	}
	return n
}

// String formats the shape as "256x256".
func (l Lattice) String() string {
	parts := make([]string, len(l.Shape))
	for i, s := range l.Shape {
		parts[i] = strconv.Itoa(s)
	}
	return strings.Join(parts, "x")
}

// CheckCheckerboard reports an error unless every extent is even, which a
// two-colour checkerboard on a periodic lattice needs.
func (l Lattice) CheckCheckerboard() error {
	for i, s := range l.Shape {
		if s%2 != 0 {
			return fmt.Errorf("extent %d (axis %d) of lattice %s is odd: the checkerboard update needs even extents", s, i, l)
		}
	}
	return nil
}

// ParseShape reads "512x256" (or "512") into a shape of dim extents; a single
// number means a hypercube of side L (callers that let the shape set the
// dimension pass dim = the number of extents given).
func ParseShape(s string, dim int) ([]int, error) {
	if dim < 1 {
		return nil, fmt.Errorf("bad shape %q: a lattice has at least 1 dimension, not %d", s, dim)
	}
	fields := strings.Split(strings.ToLower(strings.TrimSpace(s)), "x")
	for i, f := range fields {
		fields[i] = strings.TrimSpace(f) // "8 x 8" as "8x8"
	}
	if slices.Contains(fields, "") && len(fields) > 1 {
		return nil, fmt.Errorf("bad shape %q: an extent is missing (extents are integers joined by x, like 512x256)", s)
	}
	if len(fields) == 1 {
		L, err := strconv.Atoi(fields[0])
		if err != nil {
			return nil, fmt.Errorf("bad shape %q: want an integer L or extents like 512x256", s)
		}
		if L < 2 {
			return nil, fmt.Errorf("bad shape %q: extent %d is too small: every extent must be at least 2", s, L)
		}
		shape := make([]int, dim)
		for i := range shape {
			shape[i] = L
		}
		return shape, nil
	}
	if len(fields) != dim {
		extents := "extents"
		if dim == 1 {
			extents = "extent"
		}
		return nil, fmt.Errorf("bad shape %q: this model needs %d %s, like %s", s, dim, extents, strings.Repeat("64x", dim-1)+"64")
	}
	shape := make([]int, dim)
	for i, f := range fields {
		v, err := strconv.Atoi(f)
		if errors.Is(err, strconv.ErrRange) {
			if strings.HasPrefix(f, "-") {
				return nil, fmt.Errorf("bad shape %q: extent %s is too small: every extent must be at least 2", s, f)
			}
			return nil, fmt.Errorf("bad shape %q: extent %s is too large: a lattice has at most 2^49 sites", s, f)
		}
		if err != nil {
			return nil, fmt.Errorf("bad shape %q: extent %q is not an integer", s, f)
		}
		if v < 2 {
			return nil, fmt.Errorf("bad shape %q: extent %d is too small: every extent must be at least 2", s, v)
		}
		shape[i] = v
	}
	return shape, nil
}

// Critical couplings used for defaults and tests.
var (
	// Kc2D = ln(1+sqrt 2)/2, Onsager.
	Kc2D = math.Log(1+math.Sqrt2) / 2
	// Tc2D = 1/Kc2D = 2/ln(1+sqrt 2).
	Tc2D = 1 / Kc2D
)

// Kc3D is the simple-cubic Ising critical coupling, 0.221654626(5).
const Kc3D = 0.221654626
