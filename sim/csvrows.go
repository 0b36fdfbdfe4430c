package sim

import (
	"encoding/csv"
	"io"
	"runtime"
	"strconv"

	"github.com/quenchlab/quench/internal/par"
)

// csvChunk is the number of rows csvRows formats per task.
const csvChunk = 1 << 12

// csvRows writes a CSV header and then rows 0..n-1 of numbers, each made by
// row(i, buf) appending its fields (appendInt, appendFloat) to buf. Rows
// are formatted in chunks on up to GOMAXPROCS goroutines and written in
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
	chunks := (n + csvChunk - 1) / csvChunk
	group := 4 * runtime.GOMAXPROCS(0) // chunks formatted at a time, bounding memory
	bufs := make([][]byte, group)
	for g0 := 0; g0 < chunks; g0 += group {
		g1 := min(g0+group, chunks)
		par.Do(g1-g0, func(k int) {
			b := bufs[k][:0]
			lo := (g0 + k) * csvChunk
			for i := lo; i < min(lo+csvChunk, n); i++ {
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
