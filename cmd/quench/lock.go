package main

import (
	"os"
	"path/filepath"
	"sync"

	"github.com/gofrs/flock"

	"github.com/quenchlab/quench"
)

// lockFile is the run directory's lock: `run` and `resume` hold it (an
// advisory file lock, released by the system when the process ends however
// it ends) while they work in the directory.
const lockFile = ".quench.lock"

// lockRun takes dir's lock, refusing a directory that another quench
// process is working in. unlock removes the lock file, then releases it
// (a process that opened the file meanwhile fails to lock it, as it does
// not wait), and may be called more than once.
func lockRun(dir string) (unlock func(), err error) {
	p := filepath.Join(dir, lockFile)
	fl := flock.New(p)
	ok, err := fl.TryLock()
	if err != nil {
		return nil, quench.Usagef("cannot lock the run directory %s: %v", dir, err)
	}
	if !ok {
		return nil, quench.Usagef("%s is in use by another quench process (it holds %s): wait for it to end, or choose another directory", dir, p)
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			os.Remove(p)
			fl.Unlock()
		})
	}, nil
}
