//go:build unix

package main

import (
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// inUse reports whether another quench process holds dir's lock now (a
// run or resume working there): a flock on the lock file, tried and let
// go at once, on a descriptor opened without creating the file (no lock
// file is made where there is none, nor one left by a holder that just
// removed its own).
func inUse(dir string) bool {
	f, err := os.Open(filepath.Join(dir, lockFile))
	if err != nil {
		return false
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		return false
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		return err == unix.EWOULDBLOCK
	}
	unix.Flock(int(f.Fd()), unix.LOCK_UN)
	return false
}

// processGone reports whether no process has the id pid (kill(pid, 0)
// finds none; one of another user's is there).
func processGone(pid int) bool {
	return unix.Kill(pid, 0) == unix.ESRCH
}
