// The files a run writes into its directory, and the order it writes them
// in (summary.json last).

package sim

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"image/png"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/quenchlab/quench"
)

// Output file names inside a run directory.
const (
	SummaryFile = "summary.json"
	SeriesFile  = "series.csv"
	LatticeFile = "lattice.npy"
	ImageFile   = "lattice.png"
)

// OutputGate lets the caller of WriteOutputsGated stop it from putting any
// more files in place: once Close returns, the writer creates no temporary
// file and renames none over an output (it fails with ErrOutputsStopped),
// so that removing the outputs and the temporary files then leaves none
// behind, even while the writer goes on (an interrupted run returns at
// once, without waiting for the file being written).
type OutputGate struct {
	mu     sync.Mutex
	closed bool
}

// ErrOutputsStopped is returned by WriteOutputsGated once its gate is
// closed.
var ErrOutputsStopped = errors.New("writing the outputs was stopped")

// Close stops the writer: see OutputGate. It waits for a creation or a
// rename in progress.
func (g *OutputGate) Close() {
	g.mu.Lock()
	g.closed = true
	g.mu.Unlock()
}

// pass runs f unless g is closed (a nil gate is always open).
func (g *OutputGate) pass(f func() error) error {
	if g == nil {
		return f()
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return ErrOutputsStopped
	}
	return f()
}

// WriteOutputs writes series.csv, lattice.npy, the model's other files,
// lattice.png and last summary.json into dir, each atomically.
func WriteOutputs(dir string, st *State, sum *Summary) error {
	return WriteOutputsGated(dir, st, sum, nil)
}

// WriteOutputsGated is WriteOutputs putting each file in place only while
// g is open (nil: always).
func WriteOutputsGated(dir string, st *State, sum *Summary, g *OutputGate) error {
	put := func(path string, fill func(w *hashWriter) error) error {
		return writeAtomicGated(path, g, fill)
	}
	if err := put(filepath.Join(dir, SeriesFile), func(w *hashWriter) error {
		if IsIsing(st.Config.Model) {
			header := []string{"sweep", "energy", "magnetization", "abs_magnetization", "m2", "m4"}
			stag := st.Staggered()
			if stag {
				header = append(header, "staggered_magnetization")
			}
			d, n := 0, float64(st.Config.Lattice().Sites())
			if st.Modes() {
				d = len(st.Config.Shape)
				header = append(header, st.Config.ModeNames()[:d]...)
			}
			return csvRows(w, header, len(st.Samples), func(i int, b []byte) []byte {
				r := st.Config.Row(st.Samples[i])
				b = appendInt(b, r.Sweep)
				for _, x := range []float64{r.Energy, r.M, r.AbsM, r.M2, r.M4} {
					b = appendFloat(b, x)
				}
				if stag {
					b = appendFloat(b, r.MS)
				}
				for _, m := range st.Samples[i].Modes[:d] {
					b = appendFloat(b, m/n)
				}
				return b
			})
		}
		return csvRows(w, append([]string{"step"}, st.Config.Columns()...), len(st.Rows), func(i int, b []byte) []byte {
			b = appendInt(b, int64(st.Rows[i][0]))
			for _, x := range st.Rows[i][1:] {
				b = appendFloat(b, x)
			}
			return b
		})
	}); err != nil {
		return err
	}
	if err := put(filepath.Join(dir, LatticeFile), func(w *hashWriter) error {
		switch {
		case IsIsing(st.Config.Model):
			return WriteNpy(w, st.Spins, st.Config.Shape)
		case st.Config.Model == "sandpile":
			return writeNpyOf(w, st.Heights, st.Config.Shape)
		case IsMass(st.Config.Model):
			return writeMassNpy(w, st.Masses, st.Config.Shape)
		}
		return writeFloatNpy(w, st)
	}); err != nil {
		return err
	}
	if st.Config.Model == "sandpile" {
		if err := writeSandpileExtras(dir, st, g); err != nil {
			return err
		}
	}
	if len(sum.Histograms)+len(sum.Profiles) > 0 {
		if err := writeHistograms(dir, sum, g); err != nil {
			return err
		}
	}
	if len(st.Profiles) > 0 {
		if err := writeProfiles(dir, st, g); err != nil {
			return err
		}
	}
	if err := put(filepath.Join(dir, ImageFile), func(w *hashWriter) error {
		switch st.Config.Model {
		case "kmp", "aggregation", "transfer":
			m := make([]float64, len(st.Masses))
			for i, v := range st.Masses {
				m[i] = math.Log1p(float64(v) / quench.MassUnit)
			}
			return encodePNG(w, FieldImage(m, st.Config.Shape, 2048))
		case "diffusion":
			return encodePNG(w, FieldImage(st.Field, st.Config.Shape, 2048))
		case "sandpile":
			lo, hi, shape := pileSlice(st.Config.Shape)
			h := make([]float64, hi-lo)
			for i, x := range st.Heights[lo:hi] {
				h[i] = float64(x)
			}
			return encodePNG(w, FieldImage(h, shape, 2048))
		case "phi4":
			return encodePNG(w, FieldImage(st.Field, st.Config.Shape, 2048))
		case "particles":
			return png.Encode(w, Histogram(st.Field, st.Config.D, 512, 256))
		}
		return encodePNG(w, Image(st.Spins, st.Config.Shape, 2048))
	}); err != nil {
		return err
	}
	// last: a summary.json says the run's outputs are all in place (a
	// process killed while writing them leaves none, and the run
	// unfinished: quench resume writes them)
	return put(filepath.Join(dir, SummaryFile), func(w *hashWriter) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(sum)
	})
}

// HistogramsFile holds summary.json's histograms and profiles as CSV rows
// (name, bin, lo, hi, value, error: BinRange's range), names in sorted
// order; histograms are counts with an empty error, profiles the snapshot
// averages with their errors.
const HistogramsFile = "histograms.csv"

// BinRange is bin i of histogram or profile name as the range [lo, hi) of
// the values it holds, in the quantity's own units: a height, a count
// (avalanches, activity: bin 0 the zeros, bin k [2^(k-1), 2^k)), a mass
// (mass_distribution_log: bin 0 the empty sites, [0, 2^-32), bin k
// [2^(k-33), 2^(k-32))), or for mass_distribution the mass over the
// snapshot's mean, [i/4, (i+1)/4), the last bin to inf. The correlation's
// "bin" is the lag r, its lo and hi both r. Empty for a name it does not
// know.
func BinRange(name string, i int, bins int) (lo, hi string) {
	f := func(x float64) string {
		if math.IsInf(x, 1) {
			return "inf" // as Python, numpy and pandas read it
		}
		return strconv.FormatFloat(x, 'g', -1, 64)
	}
	switch name {
	case "height_final", "height_distribution", "height_distribution_center":
		return f(float64(i)), f(float64(i + 1))
	case "avalanche_size", "avalanche_area", "avalanche_duration", "site_activity":
		if i == 0 {
			return "0", "1"
		}
		return f(math.Ldexp(1, i-1)), f(math.Ldexp(1, i))
	case "mass_distribution":
		h := float64(i+1) / 4
		if i == bins-1 {
			h = math.Inf(1)
		}
		return f(float64(i) / 4), f(h)
	case "mass_distribution_log":
		if i == 0 {
			return "0", f(math.Ldexp(1, -32))
		}
		return f(math.Ldexp(1, i-33)), f(math.Ldexp(1, i-32))
	case "correlation":
		return f(float64(i)), f(float64(i))
	}
	return "", ""
}

// ExtraFiles are the outputs only some models write.
var ExtraFiles = []string{ActivityFile, ActivityImageFile, HistogramsFile, ProfilesFile}

// RunFiles are every file a run may write in its directory, checkpoint
// included.
func RunFiles() []string {
	return append([]string{CheckpointFile, SeriesLogFile, SummaryFile, SeriesFile, LatticeFile, ImageFile}, ExtraFiles...)
}

// RemoveOutputs removes the outputs of a run in dir (RunFiles but the
// state, StateFiles), so that no set of them passes for a run's they are
// not all of.
func RemoveOutputs(dir string) {
	for _, name := range RunFiles() {
		if !IsStateFile(name) {
			os.Remove(filepath.Join(dir, name))
		}
	}
}

// RemoveTemps removes the temporary files that an atomic write of one of
// RunFiles leaves in dir when the process is killed mid-write (regular
// files named .NAME.tmp...; dir is a plain path, not a pattern).
func RemoveTemps(dir string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		for _, name := range RunFiles() {
			if strings.HasPrefix(e.Name(), "."+name+".tmp") {
				os.Remove(filepath.Join(dir, e.Name()))
				break
			}
		}
	}
}

// ProfilesFile holds every profile snapshot of a mass-transfer or sandpile
// run, one row each (Config.ProfileColumns: step, p0.., c0..; step, h0..).
const ProfilesFile = "profiles.csv"

func writeHistograms(dir string, sum *Summary, g *OutputGate) error {
	return writeAtomicGated(filepath.Join(dir, HistogramsFile), g, func(w *hashWriter) error {
		cw := csv.NewWriter(w)
		cw.Write([]string{"name", "bin", "lo", "hi", "value", "error"})
		for _, k := range slices.Sorted(maps.Keys(sum.Histograms)) {
			h := sum.Histograms[k]
			for i, v := range h {
				lo, hi := BinRange(k, i, len(h))
				cw.Write([]string{k, strconv.Itoa(i), lo, hi, strconv.FormatInt(v, 10), ""})
			}
		}
		f := func(x *float64) string {
			if x == nil {
				return ""
			}
			return strconv.FormatFloat(*x, 'g', -1, 64)
		}
		for _, k := range slices.Sorted(maps.Keys(sum.Profiles)) {
			p := sum.Profiles[k]
			for i := range p.Mean {
				lo, hi := BinRange(k, i, len(p.Mean))
				cw.Write([]string{k, strconv.Itoa(i), lo, hi, f(p.Mean[i]), f(p.Error[i])})
			}
		}
		cw.Flush()
		return cw.Error()
	})
}

func writeProfiles(dir string, st *State, g *OutputGate) error {
	return writeAtomicGated(filepath.Join(dir, ProfilesFile), g, func(w *hashWriter) error {
		return csvRows(w, st.Config.ProfileColumns(), len(st.Profiles), func(i int, b []byte) []byte {
			r := st.Profiles[i]
			b = appendInt(b, int64(r[0]))
			for _, x := range r[1:] {
				b = appendFloat(b, x)
			}
			return b
		})
	})
}

// Sandpile extra outputs.
const (
	ActivityFile      = "activity.npy"
	ActivityImageFile = "activity.png"
)

// writeSandpileExtras writes the site activity (int64, the lattice's
// shape) and its map, on a log scale (log(1+a)), grey from least to most.
func writeSandpileExtras(dir string, st *State, g *OutputGate) error {
	if err := writeAtomicGated(filepath.Join(dir, ActivityFile), g, func(w *hashWriter) error {
		return writeNpyOf(w, st.Activity, st.Config.Shape)
	}); err != nil {
		return err
	}
	return writeAtomicGated(filepath.Join(dir, ActivityImageFile), g, func(w *hashWriter) error {
		lo, hi, shape := pileSlice(st.Config.Shape)
		v := make([]float64, hi-lo)
		for i, a := range st.Activity[lo:hi] {
			v[i] = math.Log1p(float64(a))
		}
		return encodePNG(w, FieldImage(v, shape, 2048))
	})
}

// pileSlice is the part of a sandpile's sites its images draw, [lo, hi),
// and its shape: all of a 1D or 2D pile, the middle layer of a 3D one
// (index L/2 along the first axis), whose boundary layers (the first
// included) lose grains and topple least.
func pileSlice(shape []int) (lo, hi int, sliced []int) {
	if len(shape) < 3 {
		n := 1
		for _, l := range shape {
			n *= l
		}
		return 0, n, shape
	}
	layer := shape[1] * shape[2]
	lo = shape[0] / 2 * layer
	return lo, lo + layer, shape[1:]
}
