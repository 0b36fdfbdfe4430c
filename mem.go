package quench

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// HostMemory reports the host memory available to this process and its
// total in bytes: MemAvailable (without it, MemFree + Buffers + Cached)
// and MemTotal of /proc/meminfo, lowered to
// the memory cgroup's limit where one is set (a container's or a batch
// job's; cgroup v2 or v1, the process's group and the groups above it),
// its available part being the limit less the group's usage other than
// inactive file cache (which the kernel reclaims before it kills). Where
// /proc/meminfo does not exist it returns an error and callers skip the
// check.
func HostMemory() (avail, total uint64, err error) { return hostMemory("/") }

// hostMemory is HostMemory with /proc and /sys read under root.
func hostMemory(root string) (avail, total uint64, err error) {
	f, err := os.Open(filepath.Join(root, "proc/meminfo"))
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	var reclaimable uint64 // MemFree + Buffers + Cached
	hasAvail := false
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
			avail, hasAvail = v*1024, true
		case "MemTotal:":
			total = v * 1024
		case "MemFree:", "Buffers:", "Cached:":
			reclaimable += v * 1024
		}
	}
	if err := sc.Err(); err != nil {
		return 0, 0, err
	}
	if total == 0 {
		return 0, 0, fmt.Errorf("no MemTotal in /proc/meminfo")
	}
	if !hasAvail {
		// a kernel before 3.14, or a /proc that leaves it out: free
		// memory and the caches, what MemAvailable estimated before it
		// (an audit's such meminfo read as 0 bytes available, refusing
		// every run)
		avail = min(total, reclaimable)
	}
	// every group bounds what is left: a parent with a larger limit but
	// little room left (siblings using it) is the tighter one
	for _, g := range memoryGroups(root) {
		lim, use, ok := g.read()
		if !ok {
			continue
		}
		total = min(total, lim)
		avail = min(avail, lim-min(lim, use))
	}
	return avail, total, nil
}

// memGroup is one memory cgroup directory: its limit and usage files and
// the memory.stat key of its inactive file cache.
type memGroup struct {
	dir, limit, usage, inactive string
}

// memoryGroups lists the memory cgroups that bound this process, from its
// own up to the hierarchy's root: those of cgroup v2 (the "0::" line of
// /proc/self/cgroup) and of v1's memory controller. A group whose
// directory is not under the mount (a container that sees only its own
// group, at the mount's root) is skipped; the root is always listed.
func memoryGroups(root string) []memGroup {
	b, err := os.ReadFile(filepath.Join(root, "proc/self/cgroup"))
	if err != nil {
		return nil
	}
	var out []memGroup
	add := func(mount, path string, g memGroup) {
		base := filepath.Join(root, mount)
		for p := filepath.Clean("/" + path); ; p = filepath.Dir(p) {
			g.dir = filepath.Join(base, p)
			out = append(out, g)
			if p == "/" {
				return
			}
		}
	}
	for _, line := range strings.Split(string(b), "\n") {
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 {
			continue
		}
		switch {
		case parts[0] == "0" && parts[1] == "":
			add("sys/fs/cgroup", parts[2], memGroup{limit: "memory.max", usage: "memory.current", inactive: "inactive_file"})
		case slices.Contains(strings.Split(parts[1], ","), "memory"):
			add("sys/fs/cgroup/memory", parts[2], memGroup{limit: "memory.limit_in_bytes", usage: "memory.usage_in_bytes", inactive: "total_inactive_file"})
		}
	}
	return out
}

// read returns the group's limit and its usage less inactive file cache;
// false where the group sets no limit ("max", or v1's page-rounded
// 2^63-1) or its files cannot be read.
func (g memGroup) read() (limit, usage uint64, ok bool) {
	num := func(name string) (uint64, bool) {
		b, err := os.ReadFile(filepath.Join(g.dir, name))
		if err != nil {
			return 0, false
		}
		v, err := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64)
		return v, err == nil
	}
	limit, ok = num(g.limit)
	if !ok || limit >= 1<<62 {
		return 0, 0, false
	}
	usage, ok = num(g.usage)
	if !ok {
		return 0, 0, false
	}
	if b, err := os.ReadFile(filepath.Join(g.dir, "memory.stat")); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, found := strings.Cut(line, " "); found && k == g.inactive {
				if n, err := strconv.ParseUint(strings.TrimSpace(v), 10, 64); err == nil {
					usage -= min(usage, n)
				}
			}
		}
	}
	return limit, usage, true
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
