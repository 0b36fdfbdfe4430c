package main

import (
	"os"
	"os/signal"
	"slices"
	"syscall"
	"testing"
)

// The tests interrupt themselves with SIGINT: they catch it even where the
// process started with it ignored (a CI job started with & by a script),
// and keep the real answer for SIGHUP.
func TestMain(m *testing.M) {
	signalIgnored = func(s os.Signal) bool { return s != os.Interrupt && signal.Ignored(s) }
	os.Exit(m.Run())
}

// A signal the process started with ignored stays ignored: SIGHUP under
// nohup, SIGINT in a job a script started with &. SIGTERM is always caught.
func TestCaughtSignalsKeepIgnored(t *testing.T) {
	keep := signalIgnored
	defer func() { signalIgnored = keep }()
	for _, tc := range []struct {
		ignored []os.Signal
		want    []os.Signal
	}{
		{nil, []os.Signal{syscall.SIGTERM, os.Interrupt, syscall.SIGHUP}},
		{[]os.Signal{os.Interrupt}, []os.Signal{syscall.SIGTERM, syscall.SIGHUP}},
		{[]os.Signal{syscall.SIGHUP}, []os.Signal{syscall.SIGTERM, os.Interrupt}},
		{[]os.Signal{os.Interrupt, syscall.SIGHUP, syscall.SIGTERM}, []os.Signal{syscall.SIGTERM}},
	} {
		signalIgnored = func(s os.Signal) bool { return slices.Contains(tc.ignored, s) }
		if got := caughtSignals(); !slices.Equal(got, tc.want) {
			t.Errorf("ignored %v: caught %v, want %v", tc.ignored, got, tc.want)
		}
	}
}
