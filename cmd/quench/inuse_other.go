//go:build !unix

package main

// inUse reports whether another quench process holds dir's lock now;
// without flock it cannot tell, and says no (lockRun still refuses the
// directory when the run starts).
func inUse(dir string) bool { return false }

// processGone reports whether no process has the id pid; here it cannot
// tell, and says no (a temporary file stays).
func processGone(pid int) bool { return false }
