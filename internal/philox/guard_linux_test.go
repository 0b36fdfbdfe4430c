//go:build linux && amd64 && !purego

package philox

import (
	"math/rand/v2"
	"syscall"
	"testing"
	"unsafe"
)

// guardedU32 returns n uint32s whose end (atEnd) or start abuts a
// PROT_NONE page, and a function that unmaps them.
func guardedU32(t *testing.T, n int, atEnd bool) ([]uint32, func()) {
	const pg = 4096
	bytes := 4 * n
	pages := (bytes+pg-1)/pg + 2
	mem, err := syscall.Mmap(-1, 0, pages*pg, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mprotect(mem[:pg], syscall.PROT_NONE); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mprotect(mem[(pages-1)*pg:], syscall.PROT_NONE); err != nil {
		t.Fatal(err)
	}
	start := pg
	if atEnd {
		start = (pages-1)*pg - bytes
	}
	if n == 0 {
		return nil, func() { syscall.Munmap(mem) }
	}
	return unsafe.Slice((*uint32)(unsafe.Pointer(&mem[start])), n), func() { syscall.Munmap(mem) }
}

// TestGuardWord0s runs Word0s (word0s8 or word0s8v for the whole blocks of eight)
// with dst and w0 abutting PROT_NONE pages, every length to 300.
func TestGuardWord0s(t *testing.T) {
	if !useAVX2 {
		t.Skip("no AVX2")
	}
	r := rand.New(rand.NewPCG(9, 10))
	for _, p := range vectorPaths()[1:] {
		withPath(t, p)
		for n := 0; n <= 300; n++ {
			for _, atEnd := range []bool{false, true} {
				k := Key{r.Uint32(), r.Uint32()}
				c := Counter{0, r.Uint32(), r.Uint32(), r.Uint32()}
				w0, f1 := guardedU32(t, n, atEnd)
				dst, f2 := guardedU32(t, n, atEnd)
				for i := range w0 {
					w0[i] = r.Uint32()
				}
				Word0s(dst, w0, c, k)
				for i := range w0 {
					if want := Philox4x32_10(Counter{w0[i], c[1], c[2], c[3]}, k)[0]; dst[i] != want {
						t.Fatalf("n %d word %d: %#x, want %#x", n, i, dst[i], want)
					}
				}
				f1()
				f2()
			}
		}
	}
}
