package main

import (
	"context"
	"errors"
	"os"
	"os/signal"
	"path/filepath"
	"sync"
	"syscall"

	"github.com/gofrs/flock"

	"github.com/quenchlab/quench"
)

// catchSignals returns a context that Ctrl-C (SIGINT), SIGTERM and SIGHUP
// (a closed terminal: a dropped ssh session) cancel, instead of ending the
// process, until stop is called.
func catchSignals() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), caughtSignals()...)
}

// caughtSignals lists the signals catchSignals catches: SIGTERM, and SIGINT
// and SIGHUP unless the process started with them ignored (nohup ignores
// SIGHUP; a shell script ignores SIGINT in the jobs it starts with &, so
// that a Ctrl-C meant for the script leaves them running). Notify would
// undo that.
func caughtSignals() []os.Signal {
	sigs := []os.Signal{syscall.SIGTERM}
	for _, s := range []os.Signal{os.Interrupt, syscall.SIGHUP} {
		if !signalIgnored(s) {
			sigs = append(sigs, s)
		}
	}
	return sigs
}

// signalIgnored is signal.Ignored; the tests, which interrupt themselves
// with SIGINT, replace it so that they also run where SIGINT is ignored.
var signalIgnored = signal.Ignored

// lockFile is the run directory's lock: `run` and `resume` hold it (an
// advisory file lock, released by the system when the process ends however
// it ends) while they work in the directory.
const lockFile = ".quench.lock"

// testHookLocked, set by tests only, is called between locking the file
// and checking that it is still the one at the path.
var testHookLocked func()

// lockRun takes dir's lock, refusing a directory that another quench
// process is working in. unlock removes the lock file, then releases it,
// and may be called more than once. Opening the file and locking it are two
// steps: a process that opened the file just before its holder removed it
// can lock the removed file, so a lock counts only on the file still at
// the path (else it is let go and taken again).
func lockRun(dir string) (unlock func(), err error) {
	p := filepath.Join(dir, lockFile)
	for try := 0; ; try++ {
		// readable by all, as the run's other files: another user sharing
		// the directory is then told it is in use, not denied the file
		_, statErr := os.Stat(p)
		fl := flock.New(p, flock.SetPermissions(0o644))
		ok, err := fl.TryLock()
		if err != nil {
			if os.IsNotExist(statErr) {
				os.Remove(p) // made by this call for nothing (a file system without locks)
			}
			if errors.Is(err, syscall.ENAMETOOLONG) {
				return nil, quench.Usagef("cannot create the run's files in %s (%v): choose a shorter path or another directory", dir, errors.Unwrap(err))
			}
			return nil, quench.Usagef("cannot lock the run directory %s: %v", dir, err)
		}
		if !ok {
			return nil, quench.Usagef("%s is in use by another quench process (it holds %s): wait for it to end, or choose another directory", dir, p)
		}
		if testHookLocked != nil {
			testHookLocked()
		}
		held, err1 := fl.Stat()
		there, err2 := os.Stat(p)
		if err1 == nil && err2 == nil && os.SameFile(held, there) {
			var once sync.Once
			return func() {
				once.Do(func() {
					os.Remove(p)
					fl.Unlock()
				})
			}, nil
		}
		fl.Unlock()
		if try == 10 {
			return nil, quench.Usagef("cannot lock the run directory %s: its lock file %s keeps being replaced", dir, p)
		}
	}
}
