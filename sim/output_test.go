package sim

import (
	"bytes"
	"testing"

	"github.com/quenchlab/quench"
)

// The bulk .npy writer used for large lattices writes exactly the bytes
// gorgonia.org/tensor writes.
func TestNpyBulkMatchesTensor(t *testing.T) {
	for _, shape := range [][]int{{4, 6}, {256, 128}, {6, 8, 10}, {2, 2, 2, 2}, {3}, {12345, 2}} {
		n := 1
		for _, s := range shape {
			n *= s
		}
		spins := make([]int8, n)
		quench.InitSpins(spins, "hot", uint64(n), 0)
		var viaTensor, bulk bytes.Buffer
		if err := WriteNpy(&viaTensor, spins, shape); err != nil {
			t.Fatal(err)
		}
		if err := writeNpyBulk(&bulk, spins, shape); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(viaTensor.Bytes(), bulk.Bytes()) {
			t.Errorf("bulk .npy differs from tensor's for shape %v:\n%q\n%q", shape, viaTensor.Bytes()[:80], bulk.Bytes()[:80])
		}
	}
}
