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

// ErrNotImplemented is returned by backend methods of kernel families that a
// backend does not provide yet.
var ErrNotImplemented = errors.New("not implemented by this backend")
