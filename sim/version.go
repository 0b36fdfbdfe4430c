package sim

import (
	"fmt"
	"runtime/debug"
)

// Build identifies the quench binary that made a run (summary.json's
// "quench"), from the build information Go embeds: the main module's
// version ("(devel)" for a build from a checkout), and where the build
// stamped them (go build in a git checkout; not go run or go test) the
// commit, its time and whether the tree had uncommitted changes.
type Build struct {
	Version  string `json:"version"`
	Revision string `json:"revision,omitempty"`
	Time     string `json:"time,omitempty"`
	Modified bool   `json:"modified,omitempty"`
	Go       string `json:"go"`
}

// BuildInfo reads this binary's Build.
func BuildInfo() Build {
	b := Build{Version: "(unknown)"}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return b
	}
	b.Go = info.GoVersion
	if info.Main.Version != "" {
		b.Version = info.Main.Version
	}
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			b.Revision = s.Value
		case "vcs.time":
			b.Time = s.Value
		case "vcs.modified":
			b.Modified = s.Value == "true"
		}
	}
	return b
}

// String is one line: "quench VERSION (commit REV[, modified], TIME) GO".
func (b Build) String() string {
	s := "quench " + b.Version
	if b.Revision != "" {
		rev := b.Revision[:min(12, len(b.Revision))]
		if b.Modified {
			rev += ", modified"
		}
		s += fmt.Sprintf(" (commit %s, %s)", rev, b.Time)
	}
	return s + " " + b.Go
}
