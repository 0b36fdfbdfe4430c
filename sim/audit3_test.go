package sim

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// A phi4 series' m2 beyond float64 is named as m^2 of the mean field (not
// --m2), as m4 is.
func TestCheckRowNamesM2(t *testing.T) {
	c := langevinConfigs()[0]
	if c.Model != "phi4" {
		t.Fatalf("config 0 is %s", c.Model)
	}
	cols := c.Columns()
	k := slices.Index(cols, "m2")
	if k < 0 {
		t.Fatalf("no m2 column in %q", cols)
	}
	row := make([]float64, 1+len(cols))
	row[1+k] = math.Inf(1)
	err := c.checkRow(row)
	if err == nil || !strings.Contains(err.Error(), "m2 (m^2, m the mean field) is +Inf, beyond float64's range") {
		t.Errorf("m2 = +Inf: %v", err)
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
