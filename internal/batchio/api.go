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

// ErrUnsupported reports a format or encoding batchio does not know.
var ErrUnsupported = errors.New("batchio: unsupported format or encoding")

// Kinds of FileError.
const (
	FileNotFound    = "not_found"    // no such file
	FileUnreadable  = "unreadable"   // no permission, a directory, an I/O error
	FileUncreatable = "uncreatable"  // an output file cannot be created
	FileNotXLSX     = "not_xlsx"     // .xlsx but not a zip archive
	FileOldExcel    = "old_excel"    // an .xls workbook, or a password-protected .xlsx
	FileNotWorkbook = "not_workbook" // a zip archive without a worksheet
	FileTooLarge    = "too_large"    // a part inflates beyond the limits (see MaxXLSXSheet...)
	FileDamaged     = "damaged"      // a corrupt archive or XML
)

// FileError is a file that cannot be read (or created) as a table at all.
// Reason is Vietnamese, for people: what is wrong and what to do. Error()
// is English, with the cause, for the log.
type FileError struct {
	Kind   string // FileNotFound, FileTooLarge ...
	Reason string
	Err    error
}

func (e *FileError) Error() string {
	if e.Err == nil {
		return "batchio: " + e.Kind
	}
	return "batchio: " + e.Kind + ": " + e.Err.Error()
}

func (e *FileError) Unwrap() error { return e.Err }

// Explain returns the Vietnamese message for an error of this package (a
// FileError's reason, a FormatError's line and reason); other errors get a
// generic message. Callers put the file's name in front.
func Explain(err error) string {
	var fe *FileError
	var le *FormatError
	switch {
	case err == nil:
		return ""
	case errors.As(err, &fe):
		return fe.Reason
	case errors.As(err, &le):
		return le.Error()
	case errors.Is(err, ErrUnsupported):
		return reasonUnsupported
	}
	return "lỗi đọc hoặc ghi tệp. Hãy thử lại; nếu vẫn lỗi, báo quản trị viên (chi tiết trong nhật ký)."
}

const reasonUnsupported = "định dạng hoặc bảng mã không được hỗ trợ: dùng tệp .csv, .jsonl hoặc .xlsx; bảng mã (--encoding) utf-8, windows-1258, tcvn3 hoặc vni."
