package main

import "testing"

// A progress bar's line fits its terminal: fitBar drops the rate, then the
// count, the times and the description's details, as the columns shrink
// (the bar itself the progress bar shrinks; a line wider than the
// terminal wrapped and left a line behind at each redraw).
func TestFitBar(t *testing.T) {
	full := barLine{desc: "ising2d 1024x1024", short: "ising2d", unit: "sweeps", total: 1500, count: true, its: true, predict: true}
	for _, c := range []struct {
		cols                int
		desc                string
		count, its, predict bool
	}{
		{0, "ising2d 1024x1024", true, true, true},   // unknown: all
		{200, "ising2d 1024x1024", true, true, true}, // room
		{80, "ising2d 1024x1024", true, false, true},
		{60, "ising2d 1024x1024", false, false, true},
		{40, "ising2d 1024x1024", false, false, false},
		{30, "ising2d", false, false, false},
		{12, "", false, false, false},
	} {
		got := fitBar(full, c.cols)
		if got.desc != c.desc || got.count != c.count || got.its != c.its || got.predict != c.predict {
			t.Errorf("%d columns: %+v", c.cols, got)
		}
		if c.cols >= 30 && got.width() >= c.cols {
			t.Errorf("%d columns: a line of up to %d", c.cols, got.width())
		}
	}
}
