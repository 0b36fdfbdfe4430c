package stats

import "testing"

// TauInt of a million samples whose window the direct lags find (a = 0.8,
// tau 4.5) and of one that needs the FFT (a = 0.99).
func BenchmarkTauInt(b *testing.B) {
	for _, c := range []struct {
		name string
		a    float64
	}{{"direct", 0.8}, {"fft", 0.99}} {
		x := gaussAR1(1000000, c.a, 1)
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				TauInt(x)
			}
		})
	}
}
