package backendtest

import (
	"testing"

	"github.com/quenchlab/quench"
)

// Must stops the test at err. The suites' buffer moves go through it: a
// failed Upload or Download (on a GPU: out of memory, a lost context)
// would otherwise leave a host slice as it was and surface, if at all, as
// a wrong value far from its cause.
func Must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// Alloc is b.Alloc(dt, n), stopping the test where b cannot allocate.
func Alloc(t testing.TB, b quench.Backend, dt quench.DType, n int64) quench.Buffer {
	t.Helper()
	buf, err := b.Alloc(dt, n)
	if err != nil {
		t.Fatalf("%s: Alloc(%v, %d): %v", b.Name(), dt, n, err)
	}
	return buf
}
