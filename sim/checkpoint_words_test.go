package sim

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"testing"
)

// writeWords gives the little-endian bytes of every value, across and at
// its chunk boundaries, for int64 and int32 of both signs.
func TestWriteWords(t *testing.T) {
	for _, n := range []int{0, 1, 1<<16 - 1, 1 << 16, 1<<16 + 1, 2<<16 + 3} {
		i64, i32 := make([]int64, n), make([]int32, n)
		var want64, want32 []byte
		for i := range n {
			i64[i] = int64(i)*0x9E3779B97F4A7 - 1<<62
			i32[i] = int32(i)*-40503 + 7
			want64 = binary.LittleEndian.AppendUint64(want64, uint64(i64[i]))
			want32 = binary.LittleEndian.AppendUint32(want32, uint32(i32[i]))
		}
		for _, c := range []struct {
			write func(w *hashWriter)
			want  []byte
		}{{func(w *hashWriter) { writeWords(w, i64) }, want64}, {func(w *hashWriter) { writeWords(w, i32) }, want32}} {
			var buf bytes.Buffer
			w := &hashWriter{bw: bufio.NewWriter(&buf), h: sha256.New()}
			c.write(w)
			w.bw.Flush()
			if w.err != nil || !bytes.Equal(buf.Bytes(), c.want) {
				t.Errorf("%d values: %d bytes written (err %v), want %d bytes as encoded one by one", n, buf.Len(), w.err, len(c.want))
			}
		}
	}
}
