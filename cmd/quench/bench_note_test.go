package main

import (
	"bytes"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/quenchlab/quench"
)

// lockedBuffer is a bytes.Buffer safe for a goroutine that may outlive the
// command.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// A bench that ends by itself says nothing of an interrupt, also not after
// it has returned: its signal handler's stop cancels the context on the way
// out, after the goroutine that notes an interrupt is told of the return,
// and a goroutine that had not yet waited saw both at once and picked the
// cancelled context half the time. On one P the goroutine does not run
// before the command returns (the fake benchmark never blocks), so each
// of the 16 benches would have printed the note with probability 1/2.
func TestBenchNoInterruptNoteAfterReturn(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	old := benchGridOverride
	defer func() { benchGridOverride = old }()
	g := isingCase([]int{8, 8}, quench.Metropolis)
	g.open = func(quench.Backend, float64) (measurer, error) {
		return &fakeMeasurer{perSweep: 1, limit: 1 << 20}, nil
	}
	benchGridOverride = []benchCase{g}
	errs := make([]lockedBuffer, 16)
	for i := range errs {
		var o lockedBuffer
		if code := Main([]string{"bench", "--backend", "cpu", "--sweeps", "1", "--min-time", "0.5"}, &o, &errs[i]); code != 0 {
			t.Fatalf("bench: exit %d, %q", code, errs[i].String())
		}
	}
	time.Sleep(50 * time.Millisecond) // the goroutines left run
	for i := range errs {
		if s := errs[i].String(); strings.Contains(s, "interrupt") {
			t.Fatalf("bench %d, not interrupted: stderr %q", i, s)
		}
	}
}
