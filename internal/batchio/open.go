package batchio

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// FormatOf returns the format for a file name by extension: "csv",
// "jsonl" (.jsonl, .ndjson) or "xlsx"; "" when unknown.
func FormatOf(path string) string {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".csv":
		return "csv"
	case ".jsonl", ".ndjson":
		return "jsonl"
	case ".xlsx":
		return "xlsx"
	}
	return ""
}

func pickFormat(path string, opt Options) (string, error) {
	f := strings.ToLower(opt.Format)
	if f == "" {
		f = FormatOf(path)
	}
	switch f {
	case "csv", "jsonl", "xlsx":
		return f, nil
	}
	return "", fmt.Errorf("%w: format of %q", ErrUnsupported, filepath.Base(path))
}

// Open opens a table file; the format comes from opt.Format or the
// extension. The caller closes the Reader. A file that cannot be read as a
// table at all is a *FileError; a malformed header a *FormatError.
func Open(path string, opt Options) (Reader, error) {
	format, err := pickFormat(path, opt)
	if err != nil {
		return nil, err
	}
	if opt.Encoding != "" && format != "csv" {
		if dec, ok := decoderFor(opt.Encoding); !ok || dec != nil {
			return nil, fmt.Errorf("%w: encoding %q for %s", ErrUnsupported, opt.Encoding, format)
		}
	}
	fh, err := os.Open(path)
	if err != nil {
		return nil, openError(err)
	}
	st, err := fh.Stat()
	if err == nil && st.IsDir() {
		err = errors.New("is a directory")
	}
	if err != nil {
		fh.Close()
		return nil, &FileError{Kind: FileUnreadable, Reason: "đây là một thư mục, không phải tệp. Hãy chỉ đúng tệp danh sách.", Err: err}
	}
	var r Reader
	if format == "xlsx" {
		r, err = newXLSXReader(fh, st.Size(), fh)
	} else {
		r, err = openReader(fh, format, opt, fh)
	}
	if err != nil {
		fh.Close()
		return nil, err
	}
	return r, nil
}

// pathless drops the path from an *fs.PathError: the cause goes to logs,
// and a file's name may hold a person's name.
func pathless(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", pe.Op, pe.Err)
	}
	return err
}

// openError is the FileError of a file that cannot be opened.
func openError(err error) error {
	err = pathless(err)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return &FileError{Kind: FileNotFound, Reason: "không có tệp này. Hãy kiểm tra lại tên và thư mục của tệp.", Err: err}
	case errors.Is(err, fs.ErrPermission):
		return &FileError{Kind: FileUnreadable, Reason: "không có quyền đọc tệp này. Hãy chép tệp vào thư mục của mình rồi chạy lại.", Err: err}
	}
	return &FileError{Kind: FileUnreadable, Reason: "không đọc được tệp. Hãy kiểm tra lại tệp rồi chạy lại.", Err: err}
}

// OpenReader reads a table of the given format ("csv", "jsonl", "xlsx")
// from r. An XLSX archive needs random access: r is used as it is when it
// is an io.ReaderAt with a Size method (*bytes.Reader, *strings.Reader),
// otherwise it is read into memory, up to MaxXLSXInMemory bytes (use Open
// for a file).
func OpenReader(r io.Reader, format string, opt Options) (Reader, error) {
	opt.Format = format
	f, err := pickFormat("", opt)
	if err != nil {
		return nil, err
	}
	if f == "xlsx" {
		if ra, ok := r.(interface {
			io.ReaderAt
			Size() int64
		}); ok {
			return newXLSXReader(ra, ra.Size(), nil)
		}
		b, err := io.ReadAll(io.LimitReader(r, MaxXLSXInMemory+1))
		if err != nil {
			return nil, &FileError{Kind: FileUnreadable, Reason: "không đọc được tệp. Hãy kiểm tra lại tệp rồi chạy lại.", Err: err}
		}
		if len(b) > MaxXLSXInMemory {
			return nil, tooLarge(fmt.Errorf("workbook stream over %d bytes", MaxXLSXInMemory), "tệp Excel", MaxXLSXInMemory)
		}
		return newXLSXReader(bytes.NewReader(b), int64(len(b)), nil)
	}
	return openReader(r, f, opt, nil)
}

func openReader(r io.Reader, format string, opt Options, closer io.Closer) (Reader, error) {
	switch format {
	case "csv":
		return newCSVReader(r, opt, closer)
	case "jsonl":
		return newJSONLReader(r, closer)
	}
	return nil, fmt.Errorf("%w: format %q", ErrUnsupported, format)
}

// Create creates (or truncates) path, readable by its owner only, and
// returns a Writer for it, the format chosen by extension (.csv, .jsonl,
// .xlsx). An XLSX file is written as rows come: a run that is killed leaves
// an incomplete file, never a temporary one.
func Create(path string, columns []string) (Writer, error) {
	format := FormatOf(path)
	if format == "" {
		return nil, fmt.Errorf("%w: format of %q", ErrUnsupported, filepath.Base(path))
	}
	fh, err := os.OpenFile(path, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, &FileError{Kind: FileUncreatable,
			Reason: "không tạo được tệp (thư mục không có, hoặc không có quyền ghi). Hãy chọn tệp trong một thư mục của mình.", Err: pathless(err)}
	}
	w, err := newWriter(fh, format, columns, fh)
	if err != nil {
		fh.Close()
		return nil, err
	}
	return w, nil
}

// NewWriter writes a table of the given format to w. Closing the Writer
// flushes it but does not close w.
func NewWriter(w io.Writer, format string, columns []string) (Writer, error) {
	return newWriter(w, strings.ToLower(format), columns, nil)
}

func newWriter(w io.Writer, format string, columns []string, closer io.Closer) (Writer, error) {
	if err := checkHeader(columns, 1); err != nil {
		return nil, fmt.Errorf("batchio: writer columns: %w", err)
	}
	switch format {
	case "csv":
		return newCSVWriter(w, columns, closer)
	case "jsonl":
		return newJSONLWriter(w, columns, closer)
	case "xlsx":
		return newXLSXWriter(w, columns, closer)
	}
	return nil, fmt.Errorf("%w: format %q", ErrUnsupported, format)
}
