package fftpool

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/dsp/fourier"
)

// A reused FFT, after transforms of other data both ways, gives a new
// one's bits.
func TestReuseSameBits(t *testing.T) {
	for _, n := range []int{1, 2, 8, 12, 1000, 1024, 3 * 5 * 64} {
		seq := make([]float64, n)
		for i := range seq {
			seq[i] = math.Sin(float64(i*i)) + 0.1*float64(i%7)
		}
		want := fourier.NewFFT(n).Coefficients(nil, seq)
		wantBack := fourier.NewFFT(n).Sequence(nil, want)
		f := Get(n)
		junk := make([]float64, n)
		for i := range junk {
			junk[i] = float64(i) * 1e10
		}
		f.Sequence(nil, f.Coefficients(nil, junk))
		Put(f)
		f = Get(n)
		got := f.Coefficients(nil, seq)
		back := f.Sequence(nil, got)
		Put(f)
		for i := range want {
			if math.Float64bits(real(got[i])) != math.Float64bits(real(want[i])) || math.Float64bits(imag(got[i])) != math.Float64bits(imag(want[i])) {
				t.Fatalf("n %d: coefficient %d %v, new FFT %v", n, i, got[i], want[i])
			}
		}
		for i := range wantBack {
			if math.Float64bits(back[i]) != math.Float64bits(wantBack[i]) {
				t.Fatalf("n %d: element %d %v, new FFT %v", n, i, back[i], wantBack[i])
			}
		}
	}
}

// Get returns an FFT of the length asked for, whatever lengths were
// handed back before (several at a time, so that not only the one last
// handed back is looked at).
func TestGetLength(t *testing.T) {
	for range 2 {
		for _, n := range []int{2, 3, 1, 5, 2, 12} {
			fs := []*fourier.FFT{Get(n), Get(n), Get(n)}
			for _, f := range fs {
				if f.Len() != n {
					t.Errorf("Get(%d): an FFT of length %d", n, f.Len())
				}
			}
			for _, f := range fs {
				Put(f)
			}
		}
	}
}
