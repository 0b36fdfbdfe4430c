package main

import (
	"encoding/binary"
	"hash/crc32"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/quenchlab/quench/sim"
)

// A run begun under checkpoint format 9 or older goes on with constants
// and measurement rows whose last bits may differ from its first binary's:
// resume says so, at every resume (the mark is kept); a sandpile's, whose
// integers did not change, gets no such note.
func TestResumeOldConstantsNote(t *testing.T) {
	dir := t.TempDir()
	const note = "was begun under checkpoint format 9 or older, before quench computed its constants (the Ising thresholds, BAOAB's exp(-gamma dt)) and its measurement rows alike on every machine"
	for _, c := range []struct {
		args []string
		want bool
	}{
		{[]string{"--model", "phi4", "--scheme", "baoab", "--L", "4", "--steps", "20", "--therm", "5"}, true},
		{[]string{"--model", "sandpile", "--L", "4", "--grains", "20"}, false},
	} {
		out := filepath.Join(dir, c.args[1])
		if code, _, stderr := runQ(t, append([]string{"run", "--quiet", "--out", out}, c.args...)...); code != 0 {
			t.Fatalf("%v: exit %d %s", c.args, code, stderr)
		}
		// the checkpoint as format 9 wrote it (its header has no field
		// that format 10 added but old_constants, false here)
		p := filepath.Join(out, sim.CheckpointFile)
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		body := data[:len(data)-4]
		binary.LittleEndian.PutUint32(body[8:], 9)
		if err := os.WriteFile(p, binary.BigEndian.AppendUint32(body, crc32.Checksum(body, crc32.MakeTable(crc32.Castagnoli))), 0o644); err != nil {
			t.Fatal(err)
		}
		flag := "--steps"
		if c.args[1] == "sandpile" {
			flag = "--grains"
		}
		if c.want {
			// a run begun since, compared with it: the same bits here
			// (this format 9 file was written by this binary), so no
			// word of the format; differing runs get one (compare.go)
			fresh := out + "-new"
			if code, _, stderr := runQ(t, append([]string{"run", "--quiet", "--out", fresh}, c.args...)...); code != 0 {
				t.Fatalf("%v: exit %d %s", c.args, code, stderr)
			}
			// (the same run: identical, no note)
			if code, stdout, _ := runQ(t, "compare", out, fresh); code != 0 || strings.Contains(stdout, "format 9") {
				t.Errorf("an old run and its new twin at the same bits: exit %d %q", code, stdout)
			}
		}
		for i, n := range []string{"30", "40"} {
			code, _, stderr := runQ(t, "resume", out, flag, n)
			if code != 0 || strings.Contains(stderr, note) != c.want {
				t.Errorf("%s, resume %d: exit %d, note %v, want %v: %q", c.args[1], i+1, code, strings.Contains(stderr, note), c.want, stderr)
			}
		}
	}
}
