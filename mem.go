package quench

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// HostMemory reports the host's available and total memory in bytes, read
// from /proc/meminfo (MemAvailable). Where that file does not exist it
// returns an error and callers skip the check.
func HostMemory() (avail, total uint64, err error) {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 2 {
			continue
		}
		v, err := strconv.ParseUint(fields[1], 10, 64)
		if err != nil {
			continue
		}
		switch fields[0] {
		case "MemAvailable:":
			avail = v * 1024
		case "MemTotal:":
			total = v * 1024
		}
	}
	if total == 0 {
		return 0, 0, fmt.Errorf("no MemTotal in /proc/meminfo")
	}
	return avail, total, sc.Err()
}

// FormatBytes prints a byte count with a binary unit ("1.5 GiB").
func FormatBytes(b uint64) string {
	const unit = 1024
	if b < unit {
		return fmt.Sprintf("%d B", b)
	}
	div, exp := uint64(unit), 0
	for n := b / unit; n >= unit; n /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(b)/float64(div), "KMGTPE"[exp])
}
