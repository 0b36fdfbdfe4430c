package sim

import (
	"encoding/csv"
	"io"
	"runtime"
	"strconv"

	"github.com/quenchlab/quench/internal/par"
)

// csvChunk is the most rows csvRows formats per task, and csvChunkValues
// the most values: a chunk of wide rows (a 1D ring's profile snapshots,
// 32873 values each) is fewer rows, so that the chunks formatted at a
// time hold some MiB of text, not the whole file (3000 snapshots of
// 2^16 sites with --profile-every 1 had held 2 GiB of text per chunk and
// peaked at 6 GiB resident against an estimate of 1.6 GiB).
const (
	csvChunk       = 1 << 12
	csvChunkValues = 1 << 16
)

// csvRows writes a CSV header and then rows 0..n-1 of numbers, each made by
// row(i, buf) appending its fields (appendInt, appendFloat) to buf, one
// field per header name. Rows are formatted in chunks (at most csvChunk
// rows and, but for a single row, csvChunkValues values) on up to
// GOMAXPROCS goroutines and written in
// order, so the file is byte for byte what encoding/csv writes for the
// same fields (numbers never need quoting) at a fraction of the time: a
// series of millions of rows takes seconds to format on one core.
func csvRows(w io.Writer, header []string, n int, row func(i int, buf []byte) []byte) error {
	cw := csv.NewWriter(w)
	cw.Write(header)
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	rows := max(1, min(csvChunk, csvChunkValues/max(len(header), 1)))
	chunks := (n + rows - 1) / rows
	group := 4 * runtime.GOMAXPROCS(0) // chunks formatted at a time, bounding memory
	bufs := make([][]byte, group)
	for g0 := 0; g0 < chunks; g0 += group {
		g1 := min(g0+group, chunks)
		par.Do(g1-g0, func(k int) {
			b := bufs[k][:0]
			lo := (g0 + k) * rows
			for i := lo; i < min(lo+rows, n); i++ {
				b = row(i, b)
				b[len(b)-1] = '\n' // the last field's separator ends the row
			}
			bufs[k] = b
		})
		for k := range g1 - g0 {
			if _, err := w.Write(bufs[k]); err != nil {
				return err
			}
		}
	}
	return nil
}

// appendInt appends v and a comma.
func appendInt(b []byte, v int64) []byte { return append(strconv.AppendInt(b, v, 10), ',') }

// appendFloat appends x in the shortest form that reads back exactly
// (strconv 'g', -1) and a comma.
func appendFloat(b []byte, x float64) []byte {
	return append(strconv.AppendFloat(b, x, 'g', -1, 64), ',')
}
