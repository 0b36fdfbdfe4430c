// .npy files (numpy's format 1.0): the lattice, fields, masses and the
// sandpile's activity, through gorgonia.org/tensor or in bulk.

package sim

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"gorgonia.org/tensor"

	"github.com/quenchlab/quench"
)

// npyPreamble returns the .npy version 1.0 magic, header length and header
// for the header dictionary dict, as the format's specification asks:
// the dictionary padded with spaces and ended by a newline so that the
// data starts at a multiple of 64 bytes. Version 1.0 headers hold at most
// 65535 bytes, far more than the dictionaries of these shapes (at most 4
// axes) take.
func npyPreamble(dict string) ([]byte, error) {
	dict = strings.TrimRight(dict, " \n")
	hl := len(dict) + 1
	hl += (64 - (10+hl)%64) % 64
	if hl > 0xffff {
		return nil, fmt.Errorf("npy: a header of %d bytes does not fit format 1.0", hl)
	}
	out := make([]byte, 10, 10+hl)
	copy(out, "\x93NUMPY\x01\x00")
	binary.LittleEndian.PutUint16(out[8:], uint16(hl))
	out = append(out, dict...)
	for len(out) < 10+hl-1 {
		out = append(out, ' ')
	}
	return append(out, '\n'), nil
}

// npyOut passes a .npy stream (from tensor's WriteNpy) to w with its
// header rewritten by npyPreamble: tensor pads the header to 16 bytes
// without the closing newline, which numpy accepts but stricter readers
// need not.
func npyOut(w io.Writer) io.Writer { return &npyFixer{w: w} }

type npyFixer struct {
	w    io.Writer
	head []byte // the magic and header, until complete
	done bool
}

func (f *npyFixer) Write(p []byte) (int, error) {
	if f.done {
		return f.w.Write(p)
	}
	n := len(p)
	f.head = append(f.head, p...)
	if len(f.head) < 10 {
		return n, nil
	}
	if string(f.head[:8]) != "\x93NUMPY\x01\x00" {
		return 0, fmt.Errorf("npy: unexpected magic %q", f.head[:8])
	}
	end := 10 + int(binary.LittleEndian.Uint16(f.head[8:10]))
	if len(f.head) < end {
		return n, nil
	}
	f.done = true
	pre, err := npyPreamble(string(f.head[10:end]))
	if err != nil {
		return 0, err
	}
	if _, err := f.w.Write(pre); err != nil {
		return 0, err
	}
	if _, err := f.w.Write(f.head[end:]); err != nil {
		return 0, err
	}
	f.head = nil
	return n, nil
}

// writeMassNpy writes fixed-point masses in units of mass (float64) with
// the lattice's shape: the bytes writeNpyOf writes for the converted
// values, converted a buffer at a time (a float64 copy of the masses, and
// below 2^24 sites tensor's boxing of every element, took a kmp run of
// 4096^2 to 488 MiB resident, past its estimate of 483).
func writeMassNpy(w io.Writer, masses []int64, shape []int) error {
	return writeNpyRaw(w, "<f8", shape, func(buf []byte, lo int) int {
		n := min(len(buf)/8, len(masses)-lo)
		for i, v := range masses[lo : lo+n] {
			binary.LittleEndian.PutUint64(buf[8*i:], math.Float64bits(float64(v)/quench.MassUnit))
		}
		return n
	}, len(masses))
}

// writeFloatNpy writes a Langevin run's final state: the field with the
// lattice's shape, or the positions with shape (N, d), in the run's
// precision.
func writeFloatNpy(w io.Writer, st *State) error {
	shape := st.Config.Shape
	if st.Config.Model == "particles" {
		shape = []int{int(st.Config.N), st.Config.D}
	}
	if st.Config.Precision == "float32" {
		// converted a buffer at a time, the bytes writeNpyOf writes for
		// the float32 values: a float32 copy of the state is 4 bytes a
		// value the memory estimate does not count (a float32 particle run
		// of 10^8 coordinates, estimated at 1242 MiB, peaked at 1544)
		f := st.Field
		return writeNpyRaw(w, "<f4", shape, func(buf []byte, lo int) int {
			n := min(len(buf)/4, len(f)-lo)
			for i, x := range f[lo : lo+n] {
				binary.LittleEndian.PutUint32(buf[4*i:], math.Float32bits(float32(x)))
			}
			return n
		}, len(f))
	}
	return writeNpyOf(w, st.Field, shape)
}

// npyElem are the element types of the .npy files quench writes.
type npyElem interface {
	int8 | uint8 | int64 | float32 | float64
}

// writeNpyOf writes v as a .npy file of the given shape through
// gorgonia.org/tensor, or above npyBulkSites the same bytes itself (the
// same header, then the little-endian data), which a test checks against
// tensor's output.
func writeNpyOf[T npyElem](w io.Writer, v []T, shape []int) error {
	if len(v) <= npyBulkSites {
		return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(v)).WriteNpy(npyOut(w))
	}
	return writeNpyBulkOf(w, v, shape)
}

func writeNpyBulkOf[T npyElem](w io.Writer, v []T, shape []int) error {
	var descr string
	var put func(b []byte, x T)
	switch any(v).(type) {
	case []int8:
		descr, put = "<i1", func(b []byte, x T) { b[0] = byte(int8(x)) }
	case []uint8:
		descr, put = "<u1", func(b []byte, x T) { b[0] = byte(x) }
	case []int64:
		descr, put = "<i8", func(b []byte, x T) { binary.LittleEndian.PutUint64(b, uint64(int64(x))) }
	case []float32:
		descr, put = "<f4", func(b []byte, x T) { binary.LittleEndian.PutUint32(b, math.Float32bits(float32(x))) }
	case []float64:
		descr, put = "<f8", func(b []byte, x T) { binary.LittleEndian.PutUint64(b, math.Float64bits(float64(x))) }
	}
	size := elemSize(descr)
	return writeNpyRaw(w, descr, shape, func(buf []byte, lo int) int {
		n := min(len(buf)/size, len(v)-lo)
		for i := 0; i < n; i++ {
			put(buf[size*i:], v[lo+i])
		}
		return n
	}, len(v))
}

// npyBulkSites is the size above which WriteNpy writes the array body in
// bulk: gorgonia.org/tensor writes one element at a time through
// encoding/binary (about 100 ns each, two hours for 2^36 spins).
const npyBulkSites = 1 << 24

// WriteNpy writes spins as a .npy file (format 1.0, int8, C order) of the
// given shape (writeNpyOf).
func WriteNpy(w io.Writer, spins []int8, shape []int) error { return writeNpyOf(w, spins, shape) }

// writeNpyRaw writes the .npy header (npyPreamble of the dictionary tensor
// writes) for dtype descr, then the n elements fill encodes chunk by chunk
// (fill(buf, lo) encodes elements lo.. into buf and returns how many).
func writeNpyRaw(w io.Writer, descr string, shape []int, fill func(buf []byte, lo int) int, n int) error {
	dims := make([]string, len(shape))
	for i, s := range shape {
		dims[i] = strconv.Itoa(s)
	}
	tuple := strings.Join(dims, ", ")
	if len(shape) == 1 {
		tuple += ","
	}
	header := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': (%s)}", descr, tuple)
	pre, err := npyPreamble(header)
	if err != nil {
		return err
	}
	if _, err := w.Write(pre); err != nil {
		return err
	}
	buf := make([]byte, 1<<20)
	for lo := 0; lo < n; {
		k := fill(buf, lo)
		if _, err := w.Write(buf[:k*elemSize(descr)]); err != nil {
			return err
		}
		lo += k
	}
	return nil
}

func elemSize(descr string) int {
	switch descr {
	case "<f8", "<i8":
		return 8
	case "<f4":
		return 4
	}
	return 1
}
