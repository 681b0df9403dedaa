package batchio

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/xuri/excelize/v2"
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
// extension. The caller closes the Reader.
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
	if format == "xlsx" {
		f, err := excelize.OpenFile(path)
		if err != nil {
			return nil, fmt.Errorf("batchio: open %s: %w", filepath.Base(path), err)
		}
		return newXLSXReader(f, nil)
	}
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("batchio: open: %w", err)
	}
	r, err := openReader(fh, format, opt, fh)
	if err != nil {
		fh.Close()
		return nil, err
	}
	return r, nil
}

// OpenReader reads a table of the given format ("csv", "jsonl", "xlsx")
// from r. XLSX is a zip archive, so excelize reads the whole archive
// first; rows are still decoded one at a time.
func OpenReader(r io.Reader, format string, opt Options) (Reader, error) {
	opt.Format = format
	f, err := pickFormat("", opt)
	if err != nil {
		return nil, err
	}
	return openReader(r, f, opt, nil)
}

func openReader(r io.Reader, format string, opt Options, closer io.Closer) (Reader, error) {
	switch format {
	case "csv":
		return newCSVReader(r, opt, closer)
	case "jsonl":
		return newJSONLReader(r, closer)
	case "xlsx":
		f, err := excelize.OpenReader(r)
		if err != nil {
			return nil, fmt.Errorf("batchio: open XLSX: %w", err)
		}
		return newXLSXReader(f, closer)
	}
	return nil, fmt.Errorf("%w: format %q", ErrUnsupported, format)
}

// Create creates (or truncates) path and returns a Writer for it, the
// format chosen by extension (.csv, .jsonl, .xlsx).
func Create(path string, columns []string) (Writer, error) {
	format := FormatOf(path)
	if format == "" {
		return nil, fmt.Errorf("%w: format of %q", ErrUnsupported, filepath.Base(path))
	}
	if format == "xlsx" {
		return newXLSXWriter(columns, func(f *excelize.File) error { return f.SaveAs(path) })
	}
	fh, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("batchio: create: %w", err)
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
		return newXLSXWriter(columns, func(f *excelize.File) error {
			err := f.Write(w)
			if closer != nil {
				if cerr := closer.Close(); err == nil {
					err = cerr
				}
			}
			return err
		})
	}
	return nil, fmt.Errorf("%w: format %q", ErrUnsupported, format)
}
