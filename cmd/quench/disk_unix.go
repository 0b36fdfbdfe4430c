//go:build unix

package main

import "golang.org/x/sys/unix"

// diskFree reports the bytes available to this user on the file system
// holding path.
func diskFree(path string) (uint64, bool) {
	var st unix.Statfs_t
	if err := unix.Statfs(path, &st); err != nil {
		return 0, false
	}
	return st.Bavail * uint64(st.Bsize), true
}
