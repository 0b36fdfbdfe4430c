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

// maxWriter records the largest single Write.
type maxWriter struct {
	bytes.Buffer
	max int
}

func (w *maxWriter) Write(p []byte) (int, error) {
	w.max = max(w.max, len(p))
	return w.Buffer.Write(p)
}

// Wide rows (a 1D ring's profile snapshots: 32873 values) are formatted a
// few at a time, not csvChunk of them: each chunk written holds at most
// csvChunkValues values (or one row), so the text held at once stays some
// MiB however many snapshots a run took (3000 with --profile-every 1 had
// held 2 GiB of text per chunk), and the file is still encoding/csv's.
func TestCSVRowsWideRowsBounded(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	const width, n = 20000, 100
	header := make([]string, width)
	for j := range header {
		header[j] = "c" + strconv.Itoa(j)
	}
	val := func(i, j int) float64 { return float64(i) + float64(j)/3 } // 17-18 digits
	var want bytes.Buffer
	cw := csv.NewWriter(&want)
	cw.Write(header)
	rec := make([]string, width)
	for i := range n {
		for j := range rec {
			rec[j] = strconv.FormatFloat(val(i, j), 'g', -1, 64)
		}
		cw.Write(rec)
	}
	cw.Flush()
	var got maxWriter
	if err := csvRows(&got, header, n, func(i int, b []byte) []byte {
		for j := range width {
			b = appendFloat(b, val(i, j))
		}
		return b
	}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), want.Bytes()) {
		t.Errorf("csvRows differs from encoding/csv (%d vs %d bytes)", got.Len(), want.Len())
	}
	// a row is under 300 kB here, the whole file 28 MB; 2^16 values
	// of at most 25 bytes are 1.6 MB
	if limit := 2 << 20; got.max > limit {
		t.Errorf("csvRows wrote %d bytes at once, more than %d: it formats whole files of wide rows in memory", got.max, limit)
	}
}
