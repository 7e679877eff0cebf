package overrides

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
)

// Reading files without blocking and without bounds surprises: opening a
// FIFO for reading waits for a writer, and a device such as /dev/zero never
// ends. Every file Confine reads is opened with O_NONBLOCK (the open returns
// at once whatever the file is), checked to be what it should be, and read
// up to a limit.

// NotRegularError reports a file that is not a regular file where one was
// expected: a FIFO, a device, a socket, a folder.
type NotRegularError struct {
	Path string
	Type fs.FileMode
}

func (e *NotRegularError) Error() string {
	return fmt.Sprintf("%s is not a regular file (%s)", e.Path, typeName(e.Type))
}

// TooLargeError reports a file larger than Confine reads.
type TooLargeError struct {
	Path  string
	Limit int64
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("%s is larger than %d bytes", e.Path, e.Limit)
}

func typeName(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a block device"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDir != 0:
		return "a folder"
	case m&fs.ModeSymlink != 0:
		return "a symbolic link"
	}
	return m.Type().String()
}

// openNoBlock opens p for reading without waiting, whatever p is, and
// returns it with what it is. flags are added to the open (O_NOFOLLOW).
func openNoBlock(p string, flags int) (*os.File, fs.FileInfo, error) {
	f, err := os.OpenFile(p, os.O_RDONLY|syscall.O_NONBLOCK|syscall.O_NOCTTY|flags, 0)
	if err != nil {
		return nil, nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return f, st, nil
}

// readAtMost reads f to its end, failing when it holds more than max
// bytes.
func readAtMost(f *os.File, p string, max int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max {
		return nil, &TooLargeError{Path: p, Limit: max}
	}
	return data, nil
}

// ReadRegular reads the regular file p (following symbolic links), at most
// max bytes; anything else is refused with a *NotRegularError without
// waiting, a larger file with a *TooLargeError.
func ReadRegular(p string, max int64) ([]byte, error) {
	f, st, err := openNoBlock(p, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if !st.Mode().IsRegular() {
		return nil, &NotRegularError{Path: p, Type: st.Mode().Type()}
	}
	return readAtMost(f, p, max)
}

// ReadInput reads a file a person named on the command line: a regular
// file, or a pipe or FIFO (as `confine apply <(…)` gives), at most max
// bytes. A pipe is read like standard input, until its writers close it; a
// FIFO nobody writes to reads as empty instead of waiting for a writer.
// Devices, sockets and folders are refused.
func ReadInput(p string, max int64) ([]byte, error) {
	f, st, err := openNoBlock(p, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	switch {
	case st.Mode().IsRegular():
	case st.Mode()&fs.ModeNamedPipe != 0:
		// Go's poller makes a read wait for data while a writer has the
		// pipe open, as from standard input; with none it reads as empty.
	default:
		return nil, &NotRegularError{Path: p, Type: st.Mode().Type()}
	}
	return readAtMost(f, p, max)
}

// IsNotRegular reports whether err is a *NotRegularError.
func IsNotRegular(err error) bool {
	var nr *NotRegularError
	return errors.As(err, &nr)
}
