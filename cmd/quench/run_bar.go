// The progress bars of quench run.

package main

import (
	"fmt"
	"io"
	"os"
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
func newBar(st *sim.State, quiet bool, stderr io.Writer) *progressbar.ProgressBar {
	left := st.Config.TotalSweeps() - st.Step
	if quiet || left <= 0 || !isTerminal(stderr) {
		return nil
	}
	desc := fmt.Sprintf("%s %s", st.Config.Model, st.Config.Lattice())
	if st.Config.Model == "particles" {
		// no lattice: the ensemble's size
		desc = fmt.Sprintf("particles N=%d d=%d", st.Config.N, st.Config.D)
	}
	if st.Step > 0 {
		desc += fmt.Sprintf(" from %s %d", strings.TrimSuffix(st.Config.StepUnit(), "s"), st.Step)
	}
	unit := st.Config.StepUnit()
	fit := fitBar(barLine{desc: desc, short: st.Config.Model, unit: unit, total: left, count: true, its: true, predict: true}, termColumns(stderr))
	opts := []progressbar.Option{
		progressbar.OptionSetWriter(stderr),
		progressbar.OptionSetDescription(fit.desc),
		progressbar.OptionSetItsString(unit),
		progressbar.OptionSetPredictTime(fit.predict),
		progressbar.OptionThrottle(100 * time.Millisecond),
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
	return bar
}

// barLine is what a progress bar's line shows besides the bar.
type barLine struct {
	desc, short string // the description, and a shorter one
	unit        string // what it counts
	total       int64
	count       bool // done/total
	its         bool // the rate
	predict     bool // elapsed and left
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
		w += len(" [99h59m59s:99h59m59s]")
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
