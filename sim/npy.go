package sim

import (
	"encoding/binary"
	"fmt"
	"io"
	"strings"
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
