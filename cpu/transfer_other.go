//go:build !amd64 || purego

package cpu

func massLineAVX2(rule int, mx, my *int64, u *uint32, n int, d32 uint64) {
	panic("cpu: no vector code")
}

func massPairsAVX2(rule int, s *int64, u *uint32, n int, d32 uint64) {
	panic("cpu: no vector code")
}
