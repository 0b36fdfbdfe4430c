package quench

import (
	"os"
	"path/filepath"
	"testing"
)

// fakeRoot writes files (path relative to the root: content) under a new
// directory and returns it.
func fakeRoot(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for name, content := range files {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

const (
	gib     = 1 << 30
	meminfo = "MemTotal:       67108864 kB\nMemFree:         1000000 kB\nMemAvailable:   50331648 kB\n" // 64 GiB, 48 GiB
)

// TestHostMemoryCgroups: the host's figures lowered to the tightest memory
// cgroup, v2 and v1, at the process's group or above it, less inactive
// file cache; groups without a limit, or not under the mount, change
// nothing.
func TestHostMemoryCgroups(t *testing.T) {
	for _, c := range []struct {
		name         string
		files        map[string]string
		avail, total uint64
	}{
		{"no cgroup file", map[string]string{}, 48 * gib, 64 * gib},
		{"v2 without a limit", map[string]string{
			"proc/self/cgroup":             "0::/\n",
			"sys/fs/cgroup/memory.max":     "max\n",
			"sys/fs/cgroup/memory.current": "1000\n"},
			48 * gib, 64 * gib},
		{"v2 container: 16 GiB limit, 6 GiB used of which 2 inactive file", map[string]string{
			"proc/self/cgroup":             "0::/\n",
			"sys/fs/cgroup/memory.max":     "17179869184\n",
			"sys/fs/cgroup/memory.current": "6442450944\n",
			"sys/fs/cgroup/memory.stat":    "anon 4294967296\nactive_file 0\ninactive_file 2147483648\n"},
			12 * gib, 16 * gib},
		{"v2 job: the parent's limit is the tighter", map[string]string{
			"proc/self/cgroup":                     "0::/jobs/42\n",
			"sys/fs/cgroup/jobs/42/memory.max":     "34359738368\n",
			"sys/fs/cgroup/jobs/42/memory.current": "1073741824\n",
			"sys/fs/cgroup/jobs/memory.max":        "8589934592\n",
			"sys/fs/cgroup/jobs/memory.current":    "3221225472\n",
			"sys/fs/cgroup/memory.stat":            "inactive_file 5\n",
			"sys/fs/cgroup/jobs/42/memory.stat":    "inactive_file 0\n",
			"sys/fs/cgroup/jobs/memory.stat":       "inactive_file 1073741824\n"},
			6 * gib, 8 * gib},
		{"v2 job with room under a parent its siblings have nearly filled", map[string]string{
			"proc/self/cgroup":                       "0::/user/job3\n",
			"sys/fs/cgroup/user/job3/memory.max":     "8589934592\n",
			"sys/fs/cgroup/user/job3/memory.current": "1073741824\n",
			"sys/fs/cgroup/user/memory.max":          "17179869184\n",
			"sys/fs/cgroup/user/memory.current":      "16106127360\n"},
			1 * gib, 8 * gib},
		{"a parent above the host's memory but nearly full", map[string]string{
			"proc/self/cgroup":               "0::/a\n",
			"sys/fs/cgroup/memory.max":       "137438953472\n",
			"sys/fs/cgroup/memory.current":   "135291469824\n",
			"sys/fs/cgroup/a/memory.max":     "max\n",
			"sys/fs/cgroup/a/memory.current": "0\n"},
			2 * gib, 64 * gib},
		{"v1 group not under the mount: the mount's root", map[string]string{
			"proc/self/cgroup":                           "9:pids:/docker/abc\n4:memory:/docker/abc\n0::/\n",
			"sys/fs/cgroup/memory/memory.limit_in_bytes": "4294967296\n",
			"sys/fs/cgroup/memory/memory.usage_in_bytes": "3221225472\n",
			"sys/fs/cgroup/memory/memory.stat":           "cache 10\ninactive_file 1\ntotal_inactive_file 1073741824\n"},
			2 * gib, 4 * gib},
		{"v1 unlimited (2^63-1 rounded to pages)", map[string]string{
			"proc/self/cgroup": "4:memory:/process_api/x\n",
			"sys/fs/cgroup/memory/process_api/x/memory.limit_in_bytes": "9223372036854771712\n",
			"sys/fs/cgroup/memory/process_api/x/memory.usage_in_bytes": "3596472320\n"},
			48 * gib, 64 * gib},
		{"v1 controllers listed together, usage over the limit", map[string]string{
			"proc/self/cgroup": "3:cpu,memory:/slurm/job7\n",
			"sys/fs/cgroup/memory/slurm/job7/memory.limit_in_bytes": "2147483648\n",
			"sys/fs/cgroup/memory/slurm/job7/memory.usage_in_bytes": "2147487744\n"},
			0, 2 * gib},
		{"v2: inactive file cache counted above the usage (read apart) leaves the whole limit", map[string]string{
			"proc/self/cgroup":             "0::/\n",
			"sys/fs/cgroup/memory.max":     "4294967296\n",
			"sys/fs/cgroup/memory.current": "1073741824\n",
			"sys/fs/cgroup/memory.stat":    "inactive_file 2147483648\n"},
			4 * gib, 4 * gib},
		{"a limit above the host's memory changes nothing", map[string]string{
			"proc/self/cgroup":             "0::/\n",
			"sys/fs/cgroup/memory.max":     "137438953472\n",
			"sys/fs/cgroup/memory.current": "0\n"},
			48 * gib, 64 * gib},
	} {
		c.files["proc/meminfo"] = meminfo
		avail, total, err := hostMemory(fakeRoot(t, c.files))
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if avail != c.avail || total != c.total {
			t.Errorf("%s: avail %d total %d, want %d and %d", c.name, avail, total, c.avail, c.total)
		}
	}
	// no MemAvailable (a kernel before 3.14): free memory and the caches
	old := "MemTotal: 1000 kB\nMemFree: 100 kB\nBuffers: 20 kB\nCached: 300 kB\nSwapCached: 5 kB\n"
	if avail, total, err := hostMemory(fakeRoot(t, map[string]string{"proc/meminfo": old})); err != nil || avail != 420*1024 || total != 1000*1024 {
		t.Errorf("meminfo without MemAvailable: avail %d total %d, %v; want 420 kB of 1000", avail, total, err)
	}
	if _, _, err := hostMemory(fakeRoot(t, map[string]string{"proc/meminfo": "MemFree: 1 kB\n"})); err == nil {
		t.Errorf("no error without MemTotal")
	}
	if _, _, err := hostMemory(t.TempDir()); err == nil {
		t.Errorf("no error without /proc/meminfo")
	}
}

// TestHostMemoryHere: on this machine, whatever its cgroups, the figures
// are consistent.
func TestHostMemoryHere(t *testing.T) {
	avail, total, err := HostMemory()
	if err != nil {
		t.Skipf("no /proc/meminfo: %v", err)
	}
	if total == 0 || avail > total {
		t.Errorf("avail %d, total %d", avail, total)
	}
}

// FormatBytes moves to the next unit at exactly 1024 of the last: 1 MiB
// is "1.0 MiB", not "1024.0 KiB".
func TestFormatBytes(t *testing.T) {
	for _, c := range []struct {
		b    uint64
		want string
	}{
		{0, "0 B"}, {1023, "1023 B"}, {1024, "1.0 KiB"}, {1536, "1.5 KiB"},
		{1 << 20, "1.0 MiB"}, {1 << 30, "1.0 GiB"}, {3 << 39, "1.5 TiB"}, {1 << 60, "1.0 EiB"}, {1<<64 - 1, "16.0 EiB"},
	} {
		if got := FormatBytes(c.b); got != c.want {
			t.Errorf("FormatBytes(%d) = %q, want %q", c.b, got, c.want)
		}
	}
}
