package sim

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"path/filepath"
	"strconv"
	"strings"

	"gorgonia.org/tensor"

	"github.com/quenchlab/quench/stats"
)

// Output file names inside a run directory.
const (
	SummaryFile = "summary.json"
	SeriesFile  = "series.csv"
	LatticeFile = "lattice.npy"
	ImageFile   = "lattice.png"
)

// Value is one observable in summary.json. Fields that cannot be estimated
// (too few measurements) are null.
type Value struct {
	Mean     *float64 `json:"mean"`
	Error    *float64 `json:"error"`
	TauInt   *float64 `json:"tau_int"`
	Reliable bool     `json:"reliable"`
}

// Summary is summary.json.
type Summary struct {
	Model        string           `json:"model"`
	Backend      string           `json:"backend"`
	Shape        []int            `json:"shape"`
	Sites        int64            `json:"sites"`
	Params       Params           `json:"params"`
	Seed         uint64           `json:"seed"`
	Start        string           `json:"start"`
	Sweeps       int64            `json:"sweeps"`
	Therm        int64            `json:"therm"`
	Every        int64            `json:"every"`
	Measurements int              `json:"measurements"`
	Observables  map[string]Value `json:"observables"`
	Throughput   Throughput       `json:"throughput"`
}

// Params are the physical parameters in summary.json.
type Params struct {
	T    float64 `json:"T"`
	Beta float64 `json:"beta"`
	J    float64 `json:"J"`
	H    float64 `json:"h"`
	Algo string  `json:"algo"`
}

// Throughput is the measured speed of the run.
type Throughput struct {
	SiteUpdatesPerNs float64 `json:"site_updates_per_ns"`
	Seconds          float64 `json:"seconds"`
}

func ptr(x float64) *float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return nil
	}
	return &x
}

// MakeSummary estimates the observables of st.
func MakeSummary(st *State, backend string) (*Summary, map[string]stats.Estimate) {
	c := &st.Config
	est := c.Observables(st.Samples)
	s := &Summary{
		Model: c.Model, Backend: backend, Shape: c.Shape, Sites: c.Lattice().Sites(),
		Params: Params{T: c.T, Beta: c.Beta, J: c.J, H: c.H, Algo: c.Algo},
		Seed:   c.Seed, Start: c.Start, Sweeps: c.Sweeps, Therm: c.Therm, Every: c.Every,
		Measurements: len(st.Samples), Observables: map[string]Value{},
		Throughput: Throughput{SiteUpdatesPerNs: st.SiteUpdatesPerNs(), Seconds: st.SweepSeconds},
	}
	for name, e := range est {
		s.Observables[name] = Value{Mean: ptr(e.Mean), Error: ptr(e.Err), TauInt: ptr(e.Tau), Reliable: e.Reliable}
	}
	return s, est
}

// WriteOutputs writes summary.json, series.csv, lattice.npy and lattice.png
// into dir, each atomically.
func WriteOutputs(dir string, st *State, sum *Summary) error {
	if err := writeAtomic(filepath.Join(dir, SummaryFile), func(w *hashWriter) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(sum)
	}); err != nil {
		return err
	}
	if err := writeAtomic(filepath.Join(dir, SeriesFile), func(w *hashWriter) error {
		cw := csv.NewWriter(w)
		cw.Write([]string{"sweep", "energy", "magnetization", "abs_magnetization", "m2", "m4"})
		f := func(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }
		for _, r := range st.Config.Rows(st.Samples) {
			cw.Write([]string{strconv.FormatInt(r.Sweep, 10), f(r.Energy), f(r.M), f(r.AbsM), f(r.M2), f(r.M4)})
		}
		cw.Flush()
		return cw.Error()
	}); err != nil {
		return err
	}
	if err := writeAtomic(filepath.Join(dir, LatticeFile), func(w *hashWriter) error {
		return WriteNpy(w, st.Spins, st.Config.Shape)
	}); err != nil {
		return err
	}
	return writeAtomic(filepath.Join(dir, ImageFile), func(w *hashWriter) error {
		return png.Encode(w, Image(st.Spins, st.Config.Shape, 2048))
	})
}

// npyBulkSites is the size above which WriteNpy writes the array body in
// bulk: gorgonia.org/tensor writes one element at a time through
// encoding/binary (about 100 ns each, two hours for 2^36 spins).
const npyBulkSites = 1 << 24

// WriteNpy writes spins as a .npy file (format 1.0, int8, C order) of the
// given shape through gorgonia.org/tensor; above npyBulkSites it writes the
// same bytes itself (the same header, then the raw int8 data), which a test
// checks against tensor's output.
func WriteNpy(w io.Writer, spins []int8, shape []int) error {
	if len(spins) <= npyBulkSites {
		t := tensor.New(tensor.WithShape(shape...), tensor.WithBacking(spins))
		return t.WriteNpy(w)
	}
	return writeNpyBulk(w, spins, shape)
}

func writeNpyBulk(w io.Writer, spins []int8, shape []int) error {
	dims := make([]string, len(shape))
	for i, s := range shape {
		dims[i] = strconv.Itoa(s)
	}
	tuple := strings.Join(dims, ", ")
	if len(shape) == 1 {
		tuple += ","
	}
	header := fmt.Sprintf("{'descr': '<i1', 'fortran_order': False, 'shape': (%s)}", tuple)
	header += strings.Repeat(" ", 16-(10+len(header))%16)
	pre := append([]byte("\x93NUMPY\x01\x00"), byte(len(header)), byte(len(header)>>8))
	if _, err := w.Write(append(pre, header...)); err != nil {
		return err
	}
	const chunk = 1 << 20
	buf := make([]byte, chunk)
	for lo := 0; lo < len(spins); lo += chunk {
		part := spins[lo:min(lo+chunk, len(spins))]
		for i, v := range part {
			buf[i] = byte(v)
		}
		if _, err := w.Write(buf[:len(part)]); err != nil {
			return err
		}
	}
	return nil
}

// Image draws a 2D lattice (or the first 2D slice of a 3D one) with up spins
// white and down spins black. Lattices wider than maxSide are shown in
// blocks of f x f spins, f the smallest integer that fits, as grey levels.
func Image(spins []int8, shape []int, maxSide int) *image.Gray {
	ly, lx := shape[len(shape)-2], shape[len(shape)-1]
	f := max((max(ly, lx)+maxSide-1)/maxSide, 1)
	w, h := (lx+f-1)/f, (ly+f-1)/f
	img := image.NewGray(image.Rect(0, 0, w, h))
	for py := 0; py < h; py++ {
		for px := 0; px < w; px++ {
			up, n := 0, 0
			for y := py * f; y < min((py+1)*f, ly); y++ {
				for x := px * f; x < min((px+1)*f, lx); x++ {
					if spins[y*lx+x] > 0 {
						up++
					}
					n++
				}
			}
			img.SetGray(px, py, color.Gray{Y: uint8(255 * up / n)})
		}
	}
	return img
}
