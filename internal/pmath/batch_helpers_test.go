package pmath

import (
	"encoding/binary"
	"testing"
)

// bothPaths runs f with the scalar code and, where the CPU has it, the
// vector code (useAVX2), restoring the setting after.
func bothPaths(f func(avx bool)) {
	saved := useAVX2
	defer func() { useAVX2 = saved }()
	paths := []bool{false}
	if saved {
		paths = append(paths, true)
	}
	for _, avx := range paths {
		useAVX2 = avx
		f(avx)
	}
}

// packWords lays the groups' words out as Philox writes them: 16 bytes a
// group, little-endian.
func packWords(words [][4]uint32) []byte {
	src := make([]byte, 16*len(words))
	for g, w := range words {
		for k := range 4 {
			binary.LittleEndian.PutUint32(src[16*g+4*k:], w[k])
		}
	}
	return src
}

// benchBatch times batch on 256 groups with both paths, in ns per group.
func benchBatch(b *testing.B, batch func(src []byte)) {
	src := make([]byte, 16*256)
	for i := range src {
		src[i] = byte(i * 7)
	}
	bothPaths(func(avx bool) {
		b.Run(map[bool]string{false: "scalar", true: "avx2"}[avx], func(b *testing.B) {
			for b.Loop() {
				batch(src)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/256, "ns/group")
		})
	})
}
