//go:build !unix

package main

// diskFree is unknown on this system; the check is skipped.
func diskFree(path string) (uint64, bool) { return 0, false }
