package quench

import (
	"errors"
	"fmt"
)

// UsageError is an error caused by the user's input (a flag, a config file, a
// checkpoint): the command prints its one-line message and exits 2.
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

// Usagef builds a UsageError.
func Usagef(format string, args ...any) error {
	return &UsageError{Msg: fmt.Sprintf(format, args...)}
}

// IsUsage reports whether err is (or wraps) a UsageError.
func IsUsage(err error) bool {
	var u *UsageError
	return errors.As(err, &u)
}

// ErrNotImplemented is what a backend method of a kernel family that the
// backend does not provide would return. Both backends implement every
// family (without an embedded stub: a method missing is a compile error),
// and the conformance tests fail on it.
var ErrNotImplemented = errors.New("not implemented by this backend")
