package cpu

import (
	"math"
	"testing"

	"github.com/quenchlab/quench"
	"github.com/quenchlab/quench/backendtest"
)

func TestConformance(t *testing.T) { backendtest.Run(t, New()) }

// UploadFloat64 and DownloadFloat64 round as float32(x) and widen back
// exactly, as an upload of a converted []float32 does, and check lengths.
func TestMoveFloat64(t *testing.T) {
	be := New()
	src := []float64{1.0 / 3, -2.5e-40, 3.4e38, math.Inf(-1), 0.1, math.Copysign(0, -1)} // (a literal -0.0 is +0 in Go)
	for _, dt := range []quench.DType{quench.Float32, quench.Float64} {
		buf, _ := be.Alloc(dt, int64(len(src)))
		if err := be.UploadFloat64(buf, src); err != nil {
			t.Fatal(err)
		}
		got := make([]float64, len(src))
		if err := be.DownloadFloat64(got, buf); err != nil {
			t.Fatal(err)
		}
		for i, x := range src {
			want := x
			if dt == quench.Float32 {
				want = float64(float32(x))
			}
			if math.Float64bits(got[i]) != math.Float64bits(want) {
				t.Errorf("%v: element %d = %v, want %v", dt, i, got[i], want)
			}
		}
		if err := be.UploadFloat64(buf, src[:2]); err == nil {
			t.Errorf("%v: a short slice was taken", dt)
		}
	}
}
