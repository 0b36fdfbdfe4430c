// The progress bars of quench run.

package main

import (
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/quenchlab/quench/sim"
)

// isTerminal reports whether w is a terminal (a test may say which
// writers are).
func isTerminal(w io.Writer) bool {
	if testHookTerminal != nil {
		return testHookTerminal(w)
	}
	fd, ok := w.(*os.File)
	return ok && (isatty.IsTerminal(fd.Fd()) || isatty.IsCygwinTerminal(fd.Fd()))
}

// newBar returns a progress bar on a terminal, nil otherwise. It counts
// the steps this process runs, from the state's step (a resumed run's bar
// starts empty, "from step N"): the bar takes its rate from the count and
// the time since it started, so a resumed run's earlier steps, set as
// progress, showed millions of steps a second and too little time left.
// It starts without a first picture, whose rate would be 0 a hour.
func newBar(st *sim.State, quiet bool, stderr io.Writer) (*progressbar.ProgressBar, *barETA) {
	left := st.Config.TotalSweeps() - st.Step
	if quiet || left <= 0 || !isTerminal(stderr) {
		return nil, nil
	}
	desc := fmt.Sprintf("%s %s", st.Config.Model, st.Config.Lattice())
	if st.Config.Model == "particles" {
		// no lattice: the ensemble's size
		desc = fmt.Sprintf("particles N=%d d=%d", st.Config.N, st.Config.D)
	}
	if st.Step > 0 {
		desc += fmt.Sprintf(" from %s %d", strings.TrimSuffix(st.Config.StepUnit(), "s"), st.Step)
	}
	if th := st.Config.Therm - st.Step; th > 0 {
		// the count runs over both (a new user's audit read 410/41000
		// as measured sweeps)
		desc += fmt.Sprintf(" incl. %d therm", th)
	}
	unit := st.Config.StepUnit()
	fit := fitBar(barLine{desc: desc, short: st.Config.Model, unit: unit, total: left, count: true, its: true, predict: true}, termColumns(stderr))
	eta := &barETA{eta: newETA(st), desc: fit.desc, show: fit.predict, last: fit.desc}
	opts := []progressbar.Option{
		progressbar.OptionSetWriter(stderr),
		progressbar.OptionSetDescription(eta.last),
		progressbar.OptionSetItsString(unit),
		// the time left is etaModel's, in the description: the bar's
		// own, from the rate of its last few seconds, was short by the
		// snapshots and measurements those seconds missed
		progressbar.OptionSetPredictTime(false),
		progressbar.OptionSetElapsedTime(false),
		// execute draws at most every barDraw (the count, then a
		// description that changed: a throttle here dropped the second)
		progressbar.OptionThrottle(0),
		progressbar.OptionClearOnFinish(),
	}
	if fit.its {
		opts = append(opts, progressbar.OptionShowIts())
	}
	if fit.count {
		opts = append(opts, progressbar.OptionShowCount())
	}
	bar := progressbar.NewOptions64(left, opts...)
	bar.StartWithoutRender()
	return bar, eta
}

// barDraw is the least time between two pictures of a run's bar.
const barDraw = 100 * time.Millisecond

// barETA is a run's bar's description: the run's, then the time left
// (etaModel) where the line has room for it.
type barETA struct {
	eta  *etaModel
	desc string
	show bool   // the line has room for the time left
	last string // the description the bar has
}

// redescribe gives bar the description with the time left, where it
// changed (a new description draws the bar again).
func (b *barETA) redescribe(bar *progressbar.ProgressBar) {
	if d := b.describe(); d != b.last {
		bar.Describe(d)
		b.last = d
	}
}

// describe is the description with the time left, once it is known.
func (b *barETA) describe() string {
	if !b.show {
		return b.desc
	}
	left, ok := b.eta.left()
	if !ok {
		return b.desc
	}
	sep := ", "
	if b.desc == "" {
		sep = ""
	}
	return b.desc + sep + (time.Duration(left.Seconds()+0.5) * time.Second).String() + " left"
}

// etaModel predicts the time a run has left from what its work has cost
// lately, by kind: thermalization steps and measured steps (a
// measurement each --every) at their means over about the last etaWindow
// of wall time, profile snapshots (st.ProfileSeconds, apart from
// st.SweepSeconds) at a mean over the last few, all scaled by the wall
// time the rest took over that window (checkpoints, the bar). The
// progress bar's own time left, from the count's rate of its last few
// seconds, missed whatever those seconds did not hold: a 2^22-site kmp
// ring's 60 steps with 30 snapshots (0.55 s each) read 1 s left while 30
// s were. Means over the whole run lag behind a cost that grows: a
// sandpile filling from an empty start (L = 512, 800000 thermalization
// grains) read 4 s left with 97 s to go.
type etaModel struct {
	st          *sim.State
	clock       func() time.Time // time.Now (a test's own)
	last        time.Time        // the wall clock at the last update (zero before the first)
	step        int64            // st.Step then
	sweep, prof float64          // st.SweepSeconds, st.ProfileSeconds then
	snaps       int              // len(st.Profiles) then
	therm, meas etaCost          // decayed over etaWindow
	snap        float64          // a snapshot's cost, a mean over the last few (0: none seen)
	wall, spent float64          // decayed: the wall time since the first update, and the steps' and snapshots' part of it
}

// etaWindow is the decay time of etaModel's means.
const etaWindow = 5 * time.Second

// etaCost is the time spent on n things of one kind (both decayed).
type etaCost struct{ sec, n float64 }

func (c etaCost) mean() (float64, bool) {
	if !(c.n > 0) {
		return 0, false
	}
	return c.sec / c.n, true
}

// newETA starts predicting st's time left from its present state. A
// resumed run's snapshots start at the mean cost of those it took before
// (a new run's at 0 until its first).
func newETA(st *sim.State) *etaModel {
	m := &etaModel{st: st, clock: time.Now, step: st.Step, sweep: st.SweepSeconds, prof: st.ProfileSeconds, snaps: len(st.Profiles)}
	if n := len(st.Profiles); n > 0 && st.ProfileSeconds > 0 {
		m.snap = st.ProfileSeconds / float64(n)
	}
	return m
}

// restart leaves out of the wall time what went by since the last update
// (a checkpoint written minutes from the next).
func (m *etaModel) restart() {
	if !m.last.IsZero() {
		m.last = m.clock()
	}
}

// update takes in the steps and snapshots since the last update (called
// after each step). The wall time counts from the first: before it the
// run was set up (a GPU's upload, the series' allocation), once.
func (m *etaModel) update() {
	st, now := m.st, m.clock()
	dSweep, dProf := st.SweepSeconds-m.sweep, st.ProfileSeconds-m.prof
	decay := 1.0
	if !m.last.IsZero() {
		dt := now.Sub(m.last).Seconds()
		decay = math.Exp(-dt / etaWindow.Seconds())
		m.wall = m.wall*decay + dt
		m.spent = m.spent*decay + dSweep + dProf
	}
	m.therm = etaCost{m.therm.sec * decay, m.therm.n * decay}
	m.meas = etaCost{m.meas.sec * decay, m.meas.n * decay}
	if n := st.Step - m.step; n > 0 {
		c := &m.meas
		if st.Step <= st.Config.Therm {
			c = &m.therm
		}
		c.sec += dSweep
		c.n += float64(n)
	}
	if k := len(st.Profiles) - m.snaps; k > 0 {
		each := dProf / float64(k)
		if m.snap == 0 {
			m.snap = each
		} else {
			m.snap += (each - m.snap) / 4
		}
	}
	m.last, m.step, m.sweep, m.prof, m.snaps = now, st.Step, st.SweepSeconds, st.ProfileSeconds, len(st.Profiles)
}

// left is the predicted time left: each kind's steps and snapshots still
// to come at its recent cost (a measured step, until one is seen, at a
// thermalization step's and the other way round; a snapshot at 0 until
// one is seen or, resumed, at the earlier ones' mean), times the recent ratio of the wall time to the time
// those took. false before the first step.
func (m *etaModel) left() (time.Duration, bool) {
	tt, okT := m.therm.mean()
	tm, okM := m.meas.mean()
	switch {
	case !okT && !okM:
		return 0, false
	case !okT:
		tt = tm
	case !okM:
		tm = tt
	}
	c := &m.st.Config
	step, total := m.st.Step, c.TotalSweeps()
	thermLeft := max(0, min(c.Therm, total)-step)
	measLeft := total - max(step, min(c.Therm, total))
	snapsLeft := max(0, c.Profiles()-int64(len(m.st.Profiles)))
	work := float64(thermLeft)*tt + float64(measLeft)*tm + float64(snapsLeft)*m.snap
	if m.spent > 0 && m.wall > m.spent {
		work *= m.wall / m.spent
	}
	return time.Duration(min(work, 1e9) * float64(time.Second)), true
}

// barLine is what a progress bar's line shows besides the bar.
type barLine struct {
	desc, short string // the description, and a shorter one
	unit        string // what it counts
	total       int64
	count       bool // done/total
	its         bool // the rate
	predict     bool // the time left
}

// barMin is the least bar, in columns, that fitBar keeps room for.
const barMin = 10

// width is the line's columns at most: the description, the percentage,
// the bar (barMin), then, as the progress bar writes them, the count and
// the rate in parentheses and the times in brackets, at their widest.
func (l barLine) width() int {
	w := len(l.desc) + len(" 100% |") + barMin + len("|")
	var paren []string
	if l.count {
		n := len(strconv.FormatInt(l.total, 10))
		paren = append(paren, strings.Repeat("9", n)+"/"+strings.Repeat("9", n))
	}
	if l.its {
		paren = append(paren, "99999 "+l.unit+"/s")
	}
	if len(paren) > 0 {
		w += len(" ()") + len(strings.Join(paren, ", "))
	}
	if l.predict {
		w += len(", 99h59m59s left") // in the description (barETA)
	}
	return w
}

// fitBar drops from l what the line cannot hold in a terminal of cols
// columns (0: unknown, nothing dropped), in this order: the rate, the
// count, the times, the description's details, the description. The
// progress bar shrinks the bar itself to fit, but not the rest: a line
// wider than the terminal wraps, and every redraw left a line behind.
func fitBar(l barLine, cols int) barLine {
	if cols <= 0 {
		return l
	}
	fits := func() bool { return l.width() < cols } // the last column free: no wrap at the end
	for _, drop := range []func(){
		func() { l.its = false },
		func() { l.count = false },
		func() { l.predict = false },
		func() { l.desc = l.short },
		func() { l.desc = "" },
	} {
		if fits() {
			break
		}
		drop()
	}
	return l
}

// termColumns is the width of the terminal w writes to, 0 when unknown.
func termColumns(w io.Writer) int {
	f, ok := w.(*os.File)
	if !ok {
		return 0
	}
	cols, _, err := term.GetSize(int(f.Fd()))
	if err != nil {
		return 0
	}
	return cols
}

// newStartBar is the bar of a stationary sandpile's start
// (quench.SandpileStationaryProgress: three passes over the sites).
func newStartBar(c sim.Config, stderr io.Writer) *progressbar.ProgressBar {
	fit := fitBar(barLine{desc: fmt.Sprintf("stationary start %s", c.Lattice()), short: "stationary start", predict: true}, termColumns(stderr))
	bar := progressbar.NewOptions64(3*c.Lattice().Sites(),
		progressbar.OptionSetWriter(stderr),
		progressbar.OptionSetDescription(fit.desc),
		progressbar.OptionSetWidth(30),
		progressbar.OptionSetPredictTime(fit.predict),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish(),
	)
	bar.StartWithoutRender()
	return bar
}

// seriesBarBytes: collect --series shows a bar while it reads the runs'
// series.csv files when they hold this much (a variable for tests); four
// runs of 10^6 measurements, 380 MB, took 2.3 s to read on the 2-vCPU VM.
var seriesBarBytes int64 = 32 << 20

// seriesProgress returns, on a terminal, a writer that counts the bytes
// of the series.csv files of runs (and of the seeds they average) on a
// bar as they are read, and done, which clears the bar; elsewhere, or for
// less than seriesBarBytes, a nil writer (no bar) and a done that does
// nothing.
func seriesProgress(runs []*collected, stderr io.Writer) (progress io.Writer, done func()) {
	if !isTerminal(stderr) {
		return nil, func() {}
	}
	var total int64
	files := 0
	for _, r := range runs {
		members := r.members
		if len(members) == 0 {
			members = []*collected{r} // (a run, not an average)
		}
		for _, m := range members {
			if fi, err := os.Stat(filepath.Join(m.dir, sim.SeriesFile)); err == nil {
				total += fi.Size()
				files++
			}
		}
	}
	if total < seriesBarBytes {
		return nil, func() {}
	}
	bar := progressbar.NewOptions64(total,
		progressbar.OptionSetWriter(stderr),
		progressbar.OptionSetDescription(fmt.Sprintf("reading %s of %s", sim.SeriesFile, count(int64(files), "runs"))),
		progressbar.OptionSetWidth(30),
		progressbar.OptionShowBytes(true),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish(),
	)
	staging.Lock()
	staging.bar = bar
	staging.Unlock()
	return barCounter{bar}, func() {
		staging.Lock()
		staging.bar = nil
		staging.Unlock()
		bar.Finish()
	}
}

// barCounter counts the bytes written to it on its bar, and never fails:
// the bar's own errors (past its total, as a series.csv rewritten larger
// since it was measured; a terminal that went away) must not fail the
// read it counts, which io.TeeReader would make of them (a review).
type barCounter struct{ bar *progressbar.ProgressBar }

func (b barCounter) Write(p []byte) (int, error) {
	b.bar.Add(len(p))
	return len(p), nil
}
