// The PNG images of a run: lattices, fields and particle histograms.

package sim

import (
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
)

// Image enlargement (encodePNG): minImageSide is the least longer side a
// lattice image is drawn with, minStripSide the least shorter side a strip
// is enlarged towards, as far as maxEnlargedSide allows the longer one.
const (
	minImageSide    = 256
	minStripSide    = 64
	maxEnlargedSide = 4096
)

// encodePNG writes img, each pixel as k x k pixels when its larger side is
// below minImageSide (k = minImageSide / that side): an 8x8 lattice as
// 256x256 pixels, not 8x8; and a strip whose shorter side is under
// minStripSide pixels so much larger that it is not (as long as its longer
// side stays within maxEnlargedSide): a 2x300 lattice as 26x3900.
func encodePNG(w io.Writer, img *image.Gray) error {
	b := img.Bounds()
	long, short := max(b.Dx(), b.Dy(), 1), max(min(b.Dx(), b.Dy()), 1)
	k := minImageSide / long
	if short*max(k, 1) < minStripSide {
		k = max(k, min((minStripSide+short-1)/short, maxEnlargedSide/long))
	}
	if k <= 1 {
		return png.Encode(w, img)
	}
	big := image.NewGray(image.Rect(0, 0, k*b.Dx(), k*b.Dy()))
	for y := range big.Bounds().Dy() {
		for x := range big.Bounds().Dx() {
			big.SetGray(x, y, img.GrayAt(b.Min.X+x/k, b.Min.Y+y/k))
		}
	}
	return png.Encode(w, big)
}

// FieldImage draws a field (the first 2D slice in 3D) in grey from its
// minimum (black) to its maximum (white), in blocks of f x f sites when
// wider than maxSide. A 1D field is drawn as a graph instead (lineImage).
func FieldImage(field []float64, shape []int, maxSide int) *image.Gray {
	if len(shape) == 1 {
		return lineImage(field, maxSide, 256)
	}
	ly, lx := 1, shape[len(shape)-1]
	if len(shape) >= 2 {
		ly = shape[len(shape)-2]
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, x := range field[:ly*lx] {
		if !math.IsNaN(x) && !math.IsInf(x, 0) {
			lo, hi = math.Min(lo, x), math.Max(hi, x)
		}
	}
	f := max((max(ly, lx)+maxSide-1)/maxSide, 1)
	w, h := (lx+f-1)/f, (ly+f-1)/f
	img := image.NewGray(image.Rect(0, 0, w, h))
	for py := 0; py < h; py++ {
		for px := 0; px < w; px++ {
			// the block's mean as a sum of terms over n, and halves in
			// the scale, so that neither overflows for any finite field
			var s float64
			n := (min((py+1)*f, ly) - py*f) * (min((px+1)*f, lx) - px*f)
			inv := 1 / float64(n)
			for y := py * f; y < min((py+1)*f, ly); y++ {
				for x := px * f; x < min((px+1)*f, lx); x++ {
					s += field[y*lx+x] * inv
				}
			}
			g := 0.5 // no scale, or a block with NaN
			if v := (s/2 - lo/2) / (hi/2 - lo/2); hi > lo && !math.IsNaN(v) {
				// clamped: a block all at the maximum sums to a few ulp
				// above it (9 terms of 1/9: 1.0000000000000002)
				g = min(max(v, 0), 1)
			}
			img.SetGray(px, py, color.Gray{Y: uint8(255 * g)})
		}
	}
	return img
}

// lineImage draws a 1D field as a graph h pixels high: site x to the
// right (blocks of f sites a column when longer than maxSide), value up
// from the minimum (row h-1-lineMargin) to the maximum (row lineMargin,
// so that neither lies on the image's edge); each column is white from
// the least to the greatest value of its sites, so spikes within a block
// still show, and down or up to the previous column's last value, so the
// graph is one connected line. Fewer than minImageSide sites are drawn k
// columns each (k = minImageSide / n), so a short chain is not a few
// pixels wide.
func lineImage(field []float64, maxSide, h int) *image.Gray {
	n := len(field)
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, x := range field {
		if !math.IsNaN(x) && !math.IsInf(x, 0) {
			lo, hi = math.Min(lo, x), math.Max(hi, x)
		}
	}
	f := max((n+maxSide-1)/maxSide, 1)
	w := (n + f - 1) / f
	k := 1 // pixel columns per column
	if f == 1 && n < minImageSide {
		k = minImageSide / max(n, 1)
	}
	img := image.NewGray(image.Rect(0, 0, w*k, h))
	m := min(lineMargin, (h-1)/4)
	row := func(x float64) int { // pixel row of value x, 0 at the top
		// halves, so that hi - lo cannot overflow; NaN and a constant
		// field go to the middle, infinities to the extremes' rows
		v := (x/2 - lo/2) / (hi/2 - lo/2)
		if !(hi > lo) || math.IsNaN(v) {
			return h / 2
		}
		v = math.Min(math.Max(v, 0), 1)
		return h - 1 - m - int(math.Round(v*float64(h-1-2*m)))
	}
	prev := -1 // row of the previous column's last site
	for px := 0; px < w; px++ {
		top, bottom := h, -1
		for x := px * f; x < min((px+1)*f, n); x++ {
			r := row(field[x])
			top, bottom = min(top, r), max(bottom, r)
		}
		last := row(field[min((px+1)*f, n)-1])
		for c := range k {
			t, b := top, bottom
			if c == 0 && prev >= 0 { // the step from the previous column
				t, b = min(t, prev), max(b, prev)
			}
			for py := t; py <= b; py++ {
				img.SetGray(k*px+c, py, color.Gray{Y: 255})
			}
		}
		prev = last
	}
	return img
}

// lineMargin is the rows a graph (lineImage) leaves above its maximum and
// below its minimum.
const lineMargin = 8

// Histogram draws the distribution of the first coordinate of every
// particle as white bars on black, w pixels wide: from its minimum to its
// maximum in 2 n^(1/3) bins for n particles (Rice's rule: about 20 for a
// thousand, which w bins would leave a comb of single counts), at least
// 16 and at most w.
func Histogram(x []float64, d, w, h int) *image.Gray {
	img := image.NewGray(image.Rect(0, 0, w, h))
	lo, hi := math.Inf(1), math.Inf(-1)
	finite := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
	n := 0
	for i := 0; i < len(x); i += d {
		if finite(x[i]) {
			lo, hi = math.Min(lo, x[i]), math.Max(hi, x[i])
			n++
		}
	}
	bins := min(w, max(16, int(2*math.Cbrt(float64(n)))))
	counts := make([]int, bins)
	top := 1
	for i := 0; i < len(x); i += d {
		if !finite(x[i]) {
			continue
		}
		b := 0
		if hi > lo {
			// in halves: hi - lo can overflow where both are finite
			f := (x[i]/2 - lo/2) / (hi/2 - lo/2)
			b = max(0, min(int(f*float64(bins)), bins-1))
		}
		counts[b]++
		top = max(top, counts[b])
	}
	for px := range w {
		c := counts[px*bins/w]
		for y := h - c*h/top; y < h; y++ {
			img.SetGray(px, y, color.Gray{Y: 255})
		}
	}
	return img
}

// Image draws a 2D lattice (or the first 2D slice of a 3D one) with up spins
// white and down spins black. Lattices wider than maxSide are shown in
// blocks of f x f spins, f the smallest integer that fits, as grey levels.
func Image(spins []int8, shape []int, maxSide int) *image.Gray {
	ly, lx := shape[len(shape)-2], shape[len(shape)-1]
	f := max((max(ly, lx)+maxSide-1)/maxSide, 1)
	w, h := (lx+f-1)/f, (ly+f-1)/f
	img := image.NewGray(image.Rect(0, 0, w, h))
	for py := 0; py < h; py++ {
		for px := 0; px < w; px++ {
			up, n := 0, 0
			for y := py * f; y < min((py+1)*f, ly); y++ {
				for x := px * f; x < min((px+1)*f, lx); x++ {
					if spins[y*lx+x] > 0 {
						up++
					}
					n++
				}
			}
			img.SetGray(px, py, color.Gray{Y: uint8(255 * up / n)})
		}
	}
	return img
}
