package batchio

import (
	"errors"
	"fmt"
)

// Record is one row: the column name -> the cell text (NFC).
type Record struct {
	Line   int // 1-based line (CSV, JSONL) or row (XLSX) in the file
	Fields map[string]string
}

// Reader streams the records of a table.
type Reader interface {
	Header() []string
	// Next returns the next record, io.EOF at the end, or a *FormatError for
	// a malformed line (the reader can go on with the next one).
	Next() (Record, error)
	Close() error
}

// Writer writes records with fixed columns.
type Writer interface {
	Write(fields map[string]string) error
	Close() error
}

// Options choose how a file is read.
type Options struct {
	Format   string // "csv", "jsonl", "xlsx"; "" = by extension
	Encoding string // CSV only: "utf-8" (default), "windows-1258", "tcvn3", "vni"
}

// FormatError is a malformed line: its number and a Vietnamese reason.
type FormatError struct {
	Line   int
	Reason string
	Err    error
}

func (e *FormatError) Error() string {
	return fmt.Sprintf("dòng %d: %s", e.Line, e.Reason)
}

func (e *FormatError) Unwrap() error { return e.Err }

// ErrUnsupported: a format or encoding batchio does not know.
var ErrUnsupported = errors.New("batchio: unsupported format or encoding")
