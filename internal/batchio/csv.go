package batchio

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"

	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

const (
	reasonColumns  = "số cột không khớp tiêu đề"
	reasonBadUTF8  = "văn bản không phải UTF-8; hãy chọn đúng bảng mã bằng --encoding (windows-1258, tcvn3, vni)"
	reasonNoHeader = "thiếu dòng tiêu đề"
)

type csvReader struct {
	cr     *csv.Reader
	header []string
	closer io.Closer
}

// skipBOM drops a UTF-8 byte order mark at the start of r.
func skipBOM(r io.Reader) *bufio.Reader {
	br := bufio.NewReaderSize(r, 64<<10)
	if b, err := br.Peek(3); err == nil && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF {
		_, _ = br.Discard(3)
	}
	return br
}

func newCSVReader(r io.Reader, opt Options, closer io.Closer) (Reader, error) {
	dec, ok := decoderFor(opt.Encoding)
	if !ok {
		return nil, fmt.Errorf("%w: encoding %q", ErrUnsupported, opt.Encoding)
	}
	var src io.Reader = skipBOM(r)
	if dec != nil {
		src = transform.NewReader(src, dec)
	}
	cr := csv.NewReader(src)
	cr.FieldsPerRecord = -1 // ragged rows are reported per line, not fatal
	cr.ReuseRecord = true
	c := &csvReader{cr: cr, closer: closer}
	rec, err := cr.Read()
	if err == io.EOF {
		return nil, &FormatError{Line: 1, Reason: reasonNoHeader, Err: err}
	}
	if err != nil {
		return nil, csvError(err, 1)
	}
	line, _ := cr.FieldPos(0)
	h := make([]string, len(rec))
	for i, f := range rec {
		if !utf8.ValidString(f) {
			return nil, &FormatError{Line: line, Reason: reasonBadUTF8, Err: errors.New("invalid UTF-8 in header")}
		}
		h[i] = norm.NFC.String(f)
	}
	if err := checkHeader(h, line); err != nil {
		return nil, err
	}
	c.header = h
	return c, nil
}

// checkHeader rejects empty and duplicate column names.
func checkHeader(h []string, line int) error {
	seen := make(map[string]bool, len(h))
	for i, name := range h {
		if name == "" {
			return &FormatError{Line: line, Reason: fmt.Sprintf("cột %d của dòng tiêu đề không có tên", i+1)}
		}
		if seen[name] {
			return &FormatError{Line: line, Reason: fmt.Sprintf("tiêu đề có cột trùng tên %q", name)}
		}
		seen[name] = true
	}
	return nil
}

func csvError(err error, line int) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		reason := "lỗi định dạng CSV"
		if errors.Is(pe.Err, csv.ErrQuote) || errors.Is(pe.Err, csv.ErrBareQuote) {
			reason = "dấu ngoặc kép không đúng chỗ; kiểm tra lại ô có dấu \""
		}
		return &FormatError{Line: pe.StartLine, Reason: reason, Err: err}
	}
	return &FileError{Kind: FileUnreadable, Reason: "không đọc được tiếp tệp. Hãy kiểm tra lại tệp rồi chạy lại.",
		Err: fmt.Errorf("read CSV near line %d: %w", line, err)}
}

func (c *csvReader) Header() []string { return c.header }

func (c *csvReader) Next() (Record, error) {
	rec, err := c.cr.Read()
	if err == io.EOF {
		return Record{}, io.EOF
	}
	if err != nil {
		return Record{}, csvError(err, 0)
	}
	line, _ := c.cr.FieldPos(0)
	if len(rec) != len(c.header) {
		return Record{Line: line}, &FormatError{Line: line,
			Reason: fmt.Sprintf("%s (có %d cột, tiêu đề có %d)", reasonColumns, len(rec), len(c.header))}
	}
	fields := make(map[string]string, len(rec))
	for i, f := range rec {
		if !utf8.ValidString(f) {
			return Record{Line: line}, &FormatError{Line: line, Reason: reasonBadUTF8,
				Err: fmt.Errorf("invalid UTF-8 in column %d", i+1)}
		}
		fields[c.header[i]] = norm.NFC.String(f)
	}
	return Record{Line: line, Fields: fields}, nil
}

func (c *csvReader) Close() error {
	if c.closer != nil {
		return c.closer.Close()
	}
	return nil
}
