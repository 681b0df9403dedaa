// Package tomlfile is the loader the dated, editable TOML files of the forms share (the holiday
// calendar, the fee schedules): strict decoding whose every problem names its line, the lines of
// the tables and top-level keys for the checks after decoding, the embedded default parsed once,
// and the file read from disk. Each file keeps its own error type and its own checks.
package tomlfile

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"

	"github.com/pelletier/go-toml/v2"
)

// Format is one kind of file: how its problems are said.
type Format struct {
	Pkg  string // the English prefix of an error that is not a problem of the file ("calendar")
	What string // Vietnamese: what the file is, starting its problems ("Lịch ngày nghỉ")
	Keys string // Vietnamese: which keys there are, said after an unknown one ("xem chú thích đầu file")
}

// FileError is a problem in a file. Its Error text is Vietnamese, for the person who edits the
// file, and names the file (What) and the line.
type FileError struct {
	What    string // what the file is ("Lịch ngày nghỉ", "Biểu phí, lệ phí")
	Line    int    // 1-based; 0 when the problem concerns the whole file
	Message string // Vietnamese
	Err     error  // underlying cause, if any
}

func (e *FileError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s, dòng %d: %s", e.What, e.Line, e.Message)
	}
	return e.What + ": " + e.Message
}

func (e *FileError) Unwrap() error { return e.Err }

// Problem is a problem of a file of the format at line (0: the whole file).
func (f Format) Problem(line int, message string, cause error) *FileError {
	return &FileError{What: f.What, Line: line, Message: message, Err: cause}
}

// Decode reads r and decodes it into v, refusing unknown keys: a problem of the file (TOML
// syntax, a key not allowed) is a *FileError naming the line; a read error is wrapped with f.Pkg.
// It returns the bytes read, for Scan.
func (f Format) Decode(r io.Reader, v any) ([]byte, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("%s: read: %w", f.Pkg, err)
	}
	dec := toml.NewDecoder(bytes.NewReader(data)).DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var de *toml.DecodeError
		var se *toml.StrictMissingError
		switch {
		case errors.As(err, &se) && len(se.Errors) > 0:
			row, _ := se.Errors[0].Position()
			return nil, f.Problem(row, fmt.Sprintf("khóa %q không được dùng (%s).", strings.Join(se.Errors[0].Key(), "."), f.Keys), err)
		case errors.As(err, &de):
			row, _ := de.Position()
			return nil, f.Problem(row, "sai cú pháp TOML ("+strings.TrimPrefix(de.Error(), "toml: ")+").", err)
		}
		return nil, f.Problem(0, "không đọc được file.", err)
	}
	return data, nil
}

// LoadFile reads a file from disk with load. A problem of the file (a *FileError) comes back
// as it is, since it names the file's line already; any other error is wrapped with f.Pkg and
// path.
func LoadFile[T any](f Format, path string, load func(io.Reader) (T, error)) (T, error) {
	var zero T
	file, err := os.Open(path)
	if err != nil {
		return zero, fmt.Errorf("%s: %w", f.Pkg, err)
	}
	defer file.Close()
	v, err := load(file)
	if err != nil {
		var problem *FileError
		if errors.As(err, &problem) {
			return zero, err
		}
		return zero, fmt.Errorf("%s: %s: %w", f.Pkg, path, err)
	}
	return v, nil
}

// Embedded returns a function giving the value of an embedded default file, parsed on first
// use and shared. A default that does not load is a broken build: it panics with what, the
// package and the file ("calendar: embedded vn-holidays.toml").
func Embedded[T any](what string, data []byte, load func(io.Reader) (T, error)) func() T {
	return sync.OnceValue(func() T {
		v, err := load(bytes.NewReader(data))
		if err != nil {
			panic(what + " is invalid: " + err.Error())
		}
		return v
	})
}

// Header is a table header of a file and its line (1-based).
type Header struct {
	Name string // without spaces and comment: "[[day]]", "[[schedule.tier]]"
	Line int
}

// Lines is where a decoded file's table headers and top-level keys stand, so that the checks
// after decoding can name a line.
type Lines struct {
	Headers []Header       // in file order
	Keys    map[string]int // the line of each key before the first table
}

// Tables returns the lines of the headers named name, in file order.
func (l Lines) Tables(name string) []int {
	var out []int
	for _, h := range l.Headers {
		if h.Name == name {
			out = append(out, h.Line)
		}
	}
	return out
}

// Scan finds the table headers and top-level keys of data, a file Decode has read: since it
// parsed, a simple scan of the lines is enough.
func Scan(data []byte) Lines {
	idx := Lines{Keys: map[string]int{}}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64*1024), len(data)+1)
	n, inTable := 0, false
	for sc.Scan() {
		n++
		s := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(s, "[") {
			inTable = true
			idx.Headers = append(idx.Headers, Header{Name: strings.ReplaceAll(strings.SplitN(s, "#", 2)[0], " ", ""), Line: n})
			continue
		}
		if !inTable {
			if k, _, ok := strings.Cut(s, "="); ok {
				idx.Keys[strings.TrimSpace(k)] = n
			}
		}
	}
	return idx
}
