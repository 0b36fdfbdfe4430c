package sim

import (
	"bytes"
	"encoding/csv"
	"math"
	"math/rand/v2"
	"runtime"
	"strconv"
	"testing"
)

// csvRows writes what encoding/csv writes for the same numbers, over
// several chunks and the special values, and over more chunks than one
// group formats at a time (4 GOMAXPROCS: 8 here), so that the rows of a
// later group are its own and not the first group's again.
func TestCSVRowsMatchesEncodingCSV(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	r := rand.New(rand.NewPCG(3, 4))
	n := 2*4*2*csvChunk + 3*csvChunk + 17
	rows := make([][]float64, n)
	special := []float64{math.NaN(), math.Inf(1), math.Inf(-1), 0, math.Copysign(0, -1), 1e-310, math.MaxFloat64, -1.5e300}
	for i := range rows {
		rows[i] = []float64{float64(i * 7), r.NormFloat64() * math.Pow(10, float64(r.IntN(40)-20)), special[i%len(special)]}
	}
	var want bytes.Buffer
	cw := csv.NewWriter(&want)
	header := []string{"step", "a", "b"}
	cw.Write(header)
	for _, row := range rows {
		cw.Write([]string{strconv.FormatInt(int64(row[0]), 10), strconv.FormatFloat(row[1], 'g', -1, 64), strconv.FormatFloat(row[2], 'g', -1, 64)})
	}
	cw.Flush()
	var got bytes.Buffer
	if err := csvRows(&got, header, n, func(i int, b []byte) []byte {
		b = appendInt(b, int64(rows[i][0]))
		return appendFloat(appendFloat(b, rows[i][1]), rows[i][2])
	}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), want.Bytes()) {
		t.Errorf("csvRows differs from encoding/csv (%d vs %d bytes)", got.Len(), want.Len())
	}
}
