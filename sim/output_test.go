package sim

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"image"
	"image/png"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"gorgonia.org/tensor"

	"github.com/quenchlab/quench"
	"github.com/quenchlab/quench/cpu"
)

// The bulk .npy writer used for large lattices writes exactly the bytes
// gorgonia.org/tensor writes, for every element type quench writes.
func TestNpyBulkMatchesTensor(t *testing.T) {
	for _, shape := range [][]int{{4, 6}, {256, 128}, {6, 8, 10}, {2, 2, 2, 2}, {3}, {12345, 2}} {
		n := 1
		for _, s := range shape {
			n *= s
		}
		spins := make([]int8, n)
		quench.InitSpins(spins, "hot", uint64(n), 0)
		heights, activity := make([]uint8, n), make([]int64, n)
		f32, f64 := make([]float32, n), make([]float64, n)
		for i := range spins {
			heights[i] = uint8(i * 7)
			activity[i] = int64(i)*int64(i)*1e9 - 5e17
			f64[i] = math.Sin(float64(i)) * math.Pow(10, float64(i%40-20))
			f32[i] = float32(f64[i])
		}
		check := func(what string, viaTensor, bulk func(w io.Writer) error) {
			var a, b bytes.Buffer
			if err1, err2 := viaTensor(&a), bulk(&b); err1 != nil || err2 != nil {
				t.Fatal(err1, err2)
			}
			if a.Len() < 128 || !bytes.Equal(a.Bytes(), b.Bytes()) {
				t.Errorf("bulk .npy of %s differs from tensor's for shape %v:\n%q\n%q", what, shape, a.Bytes()[:80], b.Bytes()[:80])
			}
		}
		check("int8", func(w io.Writer) error { return WriteNpy(w, spins, shape) }, func(w io.Writer) error { return writeNpyBulkOf(w, spins, shape) })
		check("uint8", func(w io.Writer) error { return writeNpyOf(w, heights, shape) }, func(w io.Writer) error { return writeNpyBulkOf(w, heights, shape) })
		check("int64", func(w io.Writer) error { return writeNpyOf(w, activity, shape) }, func(w io.Writer) error { return writeNpyBulkOf(w, activity, shape) })
		check("float32", func(w io.Writer) error { return writeNpyOf(w, f32, shape) }, func(w io.Writer) error { return writeNpyBulkOf(w, f32, shape) })
		check("float64", func(w io.Writer) error { return writeNpyOf(w, f64, shape) }, func(w io.Writer) error { return writeNpyBulkOf(w, f64, shape) })
	}
}

// A float32 run's lattice.npy holds its float64 state rounded to float32,
// the bytes writeNpyOf writes for the float32 values, without a float32
// copy of the state: that copy, 4 bytes a value, is memory the estimate
// does not count (a float32 particle run of 10^8 coordinates, estimated at
// 1242 MiB, peaked at 1544 MiB resident while it wrote lattice.npy).
func TestFloatNpyFloat32NoCopy(t *testing.T) {
	const n = 1 << 21
	st := &State{Config: Config{Model: "particles", Precision: "float32", N: n / 2, D: 2}, Field: make([]float64, n)}
	f32 := make([]float32, n)
	for i := range st.Field {
		st.Field[i] = math.Sin(float64(i)) * math.Pow(10, float64(i%60-30))
		f32[i] = float32(st.Field[i])
	}
	var want bytes.Buffer
	if err := writeNpyOf(&want, f32, []int{n / 2, 2}); err != nil {
		t.Fatal(err)
	}
	got := bytes.NewBuffer(make([]byte, 0, want.Len()))
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	if err := writeFloatNpy(got, st); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	if !bytes.Equal(got.Bytes(), want.Bytes()) {
		t.Errorf("float32 lattice.npy differs from writeNpyOf's (%d vs %d bytes)", got.Len(), want.Len())
	}
	// a 1 MiB write buffer; the copy alone would be 8 MiB
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 4<<20 {
		t.Errorf("writing %d float32 values allocated %d bytes: a copy of the state", n, alloc)
	}
}

// A mass model's lattice.npy holds its masses in units of mass, the bytes
// writeNpyOf writes for them, without a float64 copy of the masses.
func TestMassNpyNoCopy(t *testing.T) {
	const n = 1 << 20
	masses, m := make([]int64, n), make([]float64, n)
	for i := range masses {
		masses[i] = int64(i)*int64(i)*977 + int64(i%3)<<40
		m[i] = float64(masses[i]) / quench.MassUnit
	}
	var want bytes.Buffer
	if err := writeNpyOf(&want, m, []int{n / 4, 4}); err != nil {
		t.Fatal(err)
	}
	got := bytes.NewBuffer(make([]byte, 0, want.Len()))
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	if err := writeMassNpy(got, masses, []int{n / 4, 4}); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	if !bytes.Equal(got.Bytes(), want.Bytes()) {
		t.Errorf("mass lattice.npy differs from writeNpyOf's (%d vs %d bytes)", got.Len(), want.Len())
	}
	// a 1 MiB write buffer; the copy alone would be 8 MiB
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 4<<20 {
		t.Errorf("writing %d masses allocated %d bytes: a copy of them", n, alloc)
	}
}

// npyOut gives tensor's .npy stream the header the format asks for (padded
// with spaces to a multiple of 64 bytes, ended by a newline), the same
// dictionary, and the data unchanged, however the stream is cut into
// writes.
func TestNpyOutHeader(t *testing.T) {
	for _, shape := range [][]int{{3}, {4, 6}, {100, 200, 3}} {
		n := 1
		for _, s := range shape {
			n *= s
		}
		v := make([]float64, n)
		for i := range v {
			v[i] = float64(i) / 7
		}
		var raw, fixed bytes.Buffer
		tn := tensor.New(tensor.WithShape(shape...), tensor.WithBacking(v))
		if err := tn.WriteNpy(&raw); err != nil {
			t.Fatal(err)
		}
		// byte by byte through the fixer
		fw := npyOut(&fixed)
		for _, c := range raw.Bytes() {
			fw.Write([]byte{c})
		}
		rb, fb := raw.Bytes(), fixed.Bytes()
		rl, fl := int(binary.LittleEndian.Uint16(rb[8:])), int(binary.LittleEndian.Uint16(fb[8:]))
		if (10+fl)%64 != 0 || fb[10+fl-1] != '\n' || !bytes.Equal(fb[:8], rb[:8]) {
			t.Errorf("%v: header %q is not 64-aligned and newline-ended", shape, fb[:10+fl])
		}
		if strings.TrimRight(string(fb[10:10+fl]), " \n") != strings.TrimRight(string(rb[10:10+rl]), " \n") {
			t.Errorf("%v: dictionary changed: %q vs %q", shape, fb[10:10+fl], rb[10:10+rl])
		}
		if !bytes.Equal(fb[10+fl:], rb[10+rl:]) {
			t.Errorf("%v: data changed", shape)
		}
	}
}

// npyPreamble pads the header to the first multiple of 64 bytes that holds
// the magic, the length, the dictionary and the newline, and no further: a
// dictionary that ends exactly on a multiple of 64 (with its newline) gets
// no spaces, not 64 more.
func TestNpyPreambleMinimal(t *testing.T) {
	for k := 1; k <= 200; k++ {
		dict := strings.Repeat("a", k)
		pre, err := npyPreamble(dict)
		if err != nil {
			t.Fatal(err)
		}
		want := (10 + k + 1 + 63) / 64 * 64
		if len(pre) != want || int(binary.LittleEndian.Uint16(pre[8:10])) != want-10 {
			t.Fatalf("dictionary of %d bytes: preamble of %d bytes (length field %d), want %d", k, len(pre), binary.LittleEndian.Uint16(pre[8:10]), want)
		}
		if string(pre[10:10+k]) != dict || strings.TrimLeft(string(pre[10+k:]), " ") != "\n" || pre[len(pre)-1] != '\n' {
			t.Fatalf("dictionary of %d bytes: header %q", k, pre[10:])
		}
	}
}

// A 1D field is drawn as a graph: one column per site (per block of sites
// beyond maxSide), white from the lowest to the highest value of the
// column's sites and to the previous column's last value, the maximum
// lineMargin rows below the top and the minimum as far above the bottom.
func TestLineImage(t *testing.T) {
	field := []float64{0, 1, 0.5, 0.5, 2, -1}
	img := FieldImage(field, []int{6}, 3) // two sites a column
	if b := img.Bounds(); b.Dx() != 3 || b.Dy() != 256 {
		t.Fatalf("image %v, want 3 x 256", b)
	}
	white := func(x int) (top, bottom int) {
		top, bottom = -1, -1
		for y := 0; y < 256; y++ {
			if img.GrayAt(x, y).Y == 255 {
				if top < 0 {
					top = y
				}
				bottom = y
			}
		}
		return
	}
	// rows: value v in [-1, 2] maps to 247 - round((v+1)/3 * 239)
	row := func(v float64) int { return 255 - lineMargin - int(math.Round((v+1)/3*(255-2*lineMargin))) }
	// column 1 (0.5, 0.5) reaches up to column 0's last value 1, column 2
	// (2, -1) spans everything
	for x, want := range [][2]float64{{1, 0}, {1, 0.5}, {2, -1}} {
		top, bottom := white(x)
		if top != row(want[0]) || bottom != row(want[1]) {
			t.Errorf("column %d: white rows %d..%d, want %d..%d", x, top, bottom, row(want[0]), row(want[1]))
		}
	}
}

// lineImage stays within its rows for any values: extremes whose
// difference overflows, infinities, NaN, a constant field, a single site;
// fewer sites than minImageSide take k = minImageSide/n columns each.
func TestLineImageExtremes(t *testing.T) {
	for _, field := range [][]float64{
		{-1e308, 1e308, 0},
		{math.Inf(-1), 0, math.Inf(1), math.NaN()},
		{math.NaN(), math.NaN()},
		{3, 3, 3},
		{7},
	} {
		img := FieldImage(field, []int{len(field)}, 2048)
		k := minImageSide / len(field)
		if b := img.Bounds(); b.Dx() != k*len(field) || b.Dy() != 256 {
			t.Errorf("%v: image %v, want %d x 256", field, b, k*len(field))
			continue
		}
		for px := range k * len(field) {
			lit := 0
			for y := 0; y < 256; y++ {
				if img.GrayAt(px, y).Y == 255 {
					lit++
				}
			}
			if lit == 0 {
				t.Errorf("%v: pixel column %d (site %d) is empty", field, px, px/k)
			}
		}
	}
	// the extremes of a field spanning float64 are the lowest and highest
	// rows of the graph, each site's 128 columns alike but for the step
	// up in the second site's first
	img := FieldImage([]float64{-1e308, 1e308}, []int{2}, 2048)
	lo, hi := 255-lineMargin, lineMargin
	for c := range 128 {
		if img.GrayAt(c, lo).Y != 255 || img.GrayAt(c, lo-1).Y != 0 || img.GrayAt(128+c, hi).Y != 255 ||
			img.GrayAt(128+c, hi-1).Y != 0 || (c > 0) != (img.GrayAt(128+c, hi+1).Y == 0) {
			t.Fatalf("-1e308 and 1e308 not at rows %d and %d in pixel column %d", lo, hi, c)
		}
	}
}

// The 2D grey map spans fields whose range overflows float64.
func TestFieldImageExtremes(t *testing.T) {
	img := FieldImage([]float64{-1e308, 1e308, 0, 1e308}, []int{2, 2}, 2048)
	if a, b, c := img.GrayAt(0, 0).Y, img.GrayAt(1, 0).Y, img.GrayAt(0, 1).Y; a != 0 || b != 255 || c != 127 {
		t.Errorf("grey levels %d, %d, %d for -1e308, 1e308, 0: want 0, 255, 127", a, b, c)
	}
}

// Lattices wider than maxSide are drawn in blocks of f x f sites, f the
// smallest that fits (ceil, not floor: 3000 sites in 2048 pixels take
// f = 2); a block at the edge that holds fewer sites is their mean, not a
// sum over f x f.
func TestImageBlocks(t *testing.T) {
	// Ising: 6 x 3000 spins, up but for the last column's
	spins := make([]int8, 6*3000)
	for i := range spins {
		spins[i] = 1
		if i%3000 == 2999 {
			spins[i] = -1
		}
	}
	img := Image(spins, []int{6, 3000}, 2048)
	if b := img.Bounds(); b.Dx() != 1500 || b.Dy() != 3 {
		t.Fatalf("6x3000 spins in at most 2048 pixels: drawn %dx%d, want 1500x3", b.Dx(), b.Dy())
	}
	if g, e := img.GrayAt(0, 0).Y, img.GrayAt(1499, 2).Y; g != 255 || e != 127 {
		t.Errorf("grey %d in a block of up spins (want 255), %d in the last of half up (want 127)", g, e)
	}
	// a 5 x 5 field in at most 4 pixels: blocks of 2 x 2, the edge ones
	// of 2 x 1, 1 x 2 and 1 x 1 sites; all 1 but site (0, 0), which is 0
	// (sums of quarters and halves: no rounding)
	field := make([]float64, 25)
	for i := range field {
		field[i] = 1
	}
	field[0] = 0
	fimg := FieldImage(field, []int{5, 5}, 4)
	if b := fimg.Bounds(); b.Dx() != 3 || b.Dy() != 3 {
		t.Fatalf("5x5 field in 4 pixels: drawn %dx%d, want 3x3", b.Dx(), b.Dy())
	}
	// the first block's mean is 3/4 of the range: 255 * 3/4 = 191.25
	for py := range 3 {
		for px := range 3 {
			want := uint8(255)
			if px == 0 && py == 0 {
				want = 191
			}
			if g := fimg.GrayAt(px, py).Y; g != want {
				t.Errorf("5x5 field, block (%d, %d): grey %d, want %d", px, py, g, want)
			}
		}
	}
	// blocks of 3 x 3 sites at the maximum sum 9 terms of 1/9 to a few ulp
	// above it: still white, not the grey of no value (a sandpile's height
	// map from sides of 4097 on); a NaN block stays grey
	field = make([]float64, 36)
	for i := 18; i < 36; i++ {
		field[i] = 1
	}
	field[3] = math.NaN()
	fimg = FieldImage(field, []int{6, 6}, 2)
	if b, top, nan, bottom := fimg.Bounds(), fimg.GrayAt(0, 0).Y, fimg.GrayAt(1, 0).Y, fimg.GrayAt(0, 1).Y; b.Dx() != 2 || top != 0 || nan != 127 || bottom != 255 {
		t.Errorf("6x6 field in blocks of 3: %dx%d, greys %d, %d (NaN), %d; want 2x2, 0, 127, 255", b.Dx(), b.Dy(), top, nan, bottom)
	}
}

// The particle histogram spans positions whose range overflows float64:
// the extremes in the first and last bins, 0 in the middle one.
func TestHistogramExtremes(t *testing.T) {
	img := Histogram([]float64{-1.5e308, 0, 1.5e308}, 1, 512, 256)
	for _, x := range []int{0, 256, 511} {
		if img.GrayAt(x, 255).Y != 255 {
			t.Errorf("no bar in column %d", x)
		}
	}
	if img.GrayAt(100, 255).Y != 0 {
		t.Errorf("a bar in column 100")
	}
}

// Diffusion's cold start is a unit spike at L_a/2 along every axis.
func TestDiffusionColdCentre(t *testing.T) {
	for _, c := range []struct {
		shape []int
		at    int
	}{{[]int{9}, 4}, {[]int{4, 5}, 2*5 + 2}, {[]int{4, 4, 4}, 2*16 + 2*4 + 2}, {[]int{6, 3, 8}, 3*24 + 1*8 + 4}} {
		st, err := NewState(Config{Model: "diffusion", Shape: c.shape, Alpha: 0.1, Precision: "float64", Sweeps: 1, Every: 1, Start: "cold"})
		if err != nil {
			t.Fatal(err)
		}
		for i, u := range st.Field {
			if (u == 1) != (i == c.at) || (u != 0 && u != 1) {
				t.Errorf("%v: site %d holds %v, want the spike at %d only", c.shape, i, u, c.at)
			}
		}
	}
}

// encodePNG draws images under minImageSide pixels a side with k x k
// pixels per pixel (an 8x4 lattice as 256x128), thin strips larger,
// others unchanged.
func TestEncodePNGEnlarges(t *testing.T) {
	// a strip under minStripSide on its short side grows to it, its long
	// side to maxEnlargedSide at most
	for _, c := range []struct{ w, h, wantW, wantH int }{{8, 4, 256, 128}, {3, 1, 255, 85}, {300, 2, 3900, 26}, {2, 100, 64, 3200},
		{4000, 3, 4000, 3}, {256, 256, 256, 256}, {1000, 64, 1000, 64}} {
		img := image.NewGray(image.Rect(0, 0, c.w, c.h))
		for i := range img.Pix {
			img.Pix[i] = uint8(i * 37)
		}
		var buf bytes.Buffer
		if err := encodePNG(&buf, img); err != nil {
			t.Fatal(err)
		}
		got, err := png.Decode(&buf)
		if err != nil {
			t.Fatal(err)
		}
		b := got.Bounds()
		if b.Dx() != c.wantW || b.Dy() != c.wantH {
			t.Errorf("%dx%d: drawn %dx%d, want %dx%d", c.w, c.h, b.Dx(), b.Dy(), c.wantW, c.wantH)
			continue
		}
		k := c.wantW / c.w
		for y := range c.wantH {
			for x := range c.wantW {
				if g := got.(*image.Gray).GrayAt(x, y).Y; g != img.GrayAt(x/k, y/k).Y {
					t.Fatalf("%dx%d: pixel (%d, %d) is %d, want that of (%d, %d)", c.w, c.h, x, y, g, x/k, y/k)
				}
			}
		}
	}
}

// The staggered observables are in the table (Estimates' names) for an
// antiferromagnet only, not at J = 0 or J > 0; summary.json has them for
// every coupling. The ferromagnet's have its structure factors and
// correlation length too, the antiferromagnet's its staggered spins'
// (ModeNames), J = 0 neither.
func TestStaggeredNamesOnlyAntiferromagnet(t *testing.T) {
	samples := []Sample{{Sweep: 1, Mag: 4, Bond: 8, Stag: 2}, {Sweep: 2, Mag: -2, Bond: 4, Stag: 6}, {Sweep: 3, Mag: 0, Bond: 0, Stag: -4}}
	for _, c := range []struct {
		J     float64
		names int
		xi    string
	}{{-1, len(ObservableNames) + len(StaggeredNames) + 3, "staggered_correlation_length"}, {0, len(ObservableNames), ""}, {1, len(ObservableNames) + 3, "correlation_length"}} {
		st := &State{Config: Config{Model: "ising2d", Shape: []int{4, 4}, T: 2, Beta: 0.5, J: c.J, Algo: "heatbath", Every: 1}, Samples: samples}
		est, names := st.Estimates()
		if len(names) != c.names || !slices.Equal(names[:len(ObservableNames)], ObservableNames) {
			t.Errorf("J=%v: names %v, want %d", c.J, names, c.names)
		}
		if _, ok := est["staggered_binder"]; !ok {
			t.Errorf("J=%v: no staggered estimates", c.J)
		}
		for _, xi := range []string{"correlation_length", "staggered_correlation_length"} {
			if _, ok := est[xi]; ok != (xi == c.xi) {
				t.Errorf("J=%v: %s %v", c.J, xi, ok)
			}
		}
		if c.xi != "" && !slices.Equal(names[len(names)-3:], st.Config.ModeNames()) {
			t.Errorf("J=%v: names %v end without %v", c.J, names, st.Config.ModeNames())
		}
	}
	if got := (&Config{Model: "ising2d", Shape: []int{4, 4}, J: -1}).ModeNames(); !slices.Equal(got, []string{"staggered_S_k0", "staggered_S_k1", "staggered_correlation_length"}) {
		t.Errorf("antiferromagnet's mode names %v", got)
	}
}

// An atomic write whose content fails leaves nothing behind: neither the
// file nor its temporary.
func TestWriteAtomicFailureLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	boom := errors.New("boom")
	err := writeAtomic(dir+"/"+SummaryFile, func(w *hashWriter) error {
		w.Write([]byte("half"))
		return boom
	})
	if !errors.Is(err, boom) {
		t.Errorf("writeAtomic: %v, want the fill's error", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("left in the directory: %v", entries)
	}
}

// RemoveTemps removes the regular temporaries of RunFiles' atomic writes
// only: not a directory or a symbolic link under such a name, nor other
// files.
func TestRemoveTempsRegularOnly(t *testing.T) {
	dir := t.TempDir()
	tmp := filepath.Join(dir, "."+SummaryFile+".tmp123")
	os.WriteFile(tmp, []byte("half"), 0o644)
	keepDir := filepath.Join(dir, "."+SeriesFile+".tmp456")
	os.Mkdir(keepDir, 0o755)
	keepLink := filepath.Join(dir, "."+LatticeFile+".tmp789")
	os.Symlink(tmp, keepLink)
	other := filepath.Join(dir, ".notes.tmp1")
	os.WriteFile(other, nil, 0o644)
	RemoveTemps(dir)
	if _, err := os.Lstat(tmp); err == nil {
		t.Errorf("temporary %s left", tmp)
	}
	for _, p := range []string{keepDir, keepLink, other} {
		if _, err := os.Lstat(p); err != nil {
			t.Errorf("%s removed: %v", p, err)
		}
	}
}

// DiskBytes, less 256 KiB of its 1 MiB allowance (headers, summary.json), covers the most a run's files take
// at once: a checkpoint written beside the one it replaces
// (--checkpoint-every: the checkpoint's state twice; a float32 or BAOAB
// phi4 run's float64 state, twice, took more than the estimate, which a run
// passed and then failed at its second checkpoint), and the last
// checkpoint with the outputs written after it (lattice.png was not
// counted), the kuramoto frequencies and a ring's averaged C(r) (neither
// was).
func TestDiskBytesCoversPeak(t *testing.T) {
	phi := langevinConfigs()[0]
	phi.Shape, phi.Sweeps, phi.Therm, phi.Every = []int{256, 512}, 2, 0, 1
	baoab := phi
	baoab.Scheme, baoab.Precision = "baoab", "float32"
	part := langevinConfigs()[4] // baoab
	part.N, part.D, part.Sweeps, part.Therm, part.Every = 40000, 3, 2, 0, 1
	ising := smallConfig()
	ising.Shape, ising.Sweeps, ising.Therm, ising.Every = []int{1024, 1024}, 2, 0, 1
	// the sandpile's two images (lattice.png, activity.png), a mass model's
	// and diffusion's
	pile := Config{Model: "sandpile", Shape: []int{512, 384}, Sweeps: 20, Every: 1, Seed: 5, Start: "stationary"}
	kmp := Config{Model: "kmp", Shape: []int{512, 384}, Mass0: 2, Sweeps: 2, Every: 1, Seed: 5, Start: "hot"}
	diff := Config{Model: "diffusion", Shape: []int{512, 384}, Alpha: 0.1, Precision: "float64", Sweeps: 2, Every: 1, Seed: 5, Start: "hot"}
	// the kuramoto checkpoint's frequencies (8 bytes an oscillator, as
	// many as its phases); a ring's averaged C(r), 32769 values in
	// summary.json and histograms.csv (5 MB where its checkpoint is 0.5)
	kur := langevinConfigs()[6]
	kur.N, kur.D, kur.Sweeps, kur.Therm, kur.Every = 200000, 1, 2, 0, 1
	ring := kmp
	ring.Shape = []int{65536}
	for _, cfg := range []Config{phi, baoab, part, ising, pile, kmp, diff, kur, ring} {
		cfg.CheckpointEvery = 1
		if err := cfg.Validate(); err != nil {
			t.Fatal(err)
		}
		st, err := NewState(cfg)
		if err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		if err := Execute(context.Background(), cpu.New(), st, Options{Dir: dir}); err != nil {
			t.Fatal(err)
		}
		sum, _ := MakeSummary(st, "cpu")
		if err := WriteOutputs(dir, st, sum); err != nil {
			t.Fatal(err)
		}
		size := func(name string) uint64 {
			fi, err := os.Stat(filepath.Join(dir, name))
			if err != nil {
				t.Fatal(err)
			}
			return uint64(fi.Size())
		}
		ckpt, log := size(CheckpointFile), size(SeriesLogFile)
		var all uint64
		for _, name := range RunFiles() {
			if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
				all += size(name)
			}
		}
		peak := max(2*ckpt+log, all)
		if est := cfg.DiskBytes() - 1<<18; est < peak {
			t.Errorf("%s: DiskBytes %d (less 256 KiB of its allowance) < the %d bytes the run took (checkpoint %d, all files %d)", cfg.String(), est, peak, ckpt, all)
		}
	}
}

// imageBytes covers lattice.png of a 1024 x 1024 field of noise (a pixel a
// site: the lattice is within 2048 a side), which deflate does not shrink:
// about a byte a pixel.
func TestImageBytesCoversNoise(t *testing.T) {
	c := langevinConfigs()[0]
	c.Shape = []int{1024, 1024}
	rng := rand.New(rand.NewPCG(1, 2))
	field := make([]float64, 1024*1024)
	for i := range field {
		field[i] = rng.Float64()
	}
	var n countWriter
	if err := encodePNG(&n, FieldImage(field, c.Shape, 2048)); err != nil {
		t.Fatal(err)
	}
	if n < 1024*1024 {
		t.Fatalf("a PNG of 2^20 noise pixels took %d bytes: not noise", n)
	}
	if got := c.imageBytes(); got < uint64(n) {
		t.Errorf("imageBytes %d < the %d bytes of the image", got, n)
	}
}

type countWriter int

func (c *countWriter) Write(p []byte) (int, error) { *c += countWriter(len(p)); return len(p), nil }

// A 3D pile's lattice.png and activity.png draw its middle layer (index
// L/2 along the first axis), not its first, an open boundary; a 2D pile's
// draw all of it.
func TestPileImagesMiddleLayer(t *testing.T) {
	for _, shape := range [][]int{{5, 6, 7}, {4, 3, 8}, {6, 9}} {
		st, _, dir := executed(t, Config{Model: "sandpile", Shape: shape, Sweeps: 200, Every: 1, Seed: 3, Start: "stationary"}, true)
		layer, plane := 0, shape
		if len(shape) == 3 {
			layer, plane = shape[0]/2*shape[1]*shape[2], shape[1:]
		}
		n := plane[0] * plane[1]
		h, a := make([]float64, n), make([]float64, n)
		for i := range n {
			h[i] = float64(st.Heights[layer+i])
			a[i] = math.Log1p(float64(st.Activity[layer+i]))
		}
		for file, img := range map[string]*image.Gray{ImageFile: FieldImage(h, plane, 2048), ActivityImageFile: FieldImage(a, plane, 2048)} {
			var want bytes.Buffer
			if err := encodePNG(&want, img); err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(filepath.Join(dir, file))
			if err != nil || !bytes.Equal(got, want.Bytes()) {
				t.Errorf("%v: %s is not the layer at %d (%v)", shape, file, layer, err)
			}
		}
	}
}

// A file error on the temporary file an output is written through names
// the output, without the wrappers around it (the npy writer's "Sequence
// N:"), as a full disk's did not; other errors are left as they are.
func TestAtTarget(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), ".lattice.npy.tmp*")
	if err != nil {
		t.Fatal(err)
	}
	f.Close() // its writes fail with a file error on its name
	ts := tensor.New(tensor.WithShape(4, 4), tensor.Of(tensor.Int8))
	werr := ts.WriteNpy(f)
	if werr == nil || !strings.Contains(werr.Error(), f.Name()) {
		t.Fatalf("a write to a closed file: %v", werr)
	}
	if got := AtTarget(werr, f.Name(), "run/lattice.npy").Error(); got != "write run/lattice.npy: file already closed" {
		t.Errorf("AtTarget(%q) = %q", werr, got)
	}
	other := errors.New("diverged")
	if AtTarget(other, f.Name(), "run/lattice.npy") != other {
		t.Error("AtTarget changed an error that is no file error")
	}
}
