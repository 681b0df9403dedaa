package batchio

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

const maxJSONLine = 16 << 20

type jsonlReader struct {
	sc      *bufio.Scanner
	line    int
	header  []string
	known   map[string]bool
	pending *Record // first record, read to learn the header
	pendErr error
	closer  io.Closer
}

func newJSONLReader(r io.Reader, closer io.Closer) (Reader, error) {
	sc := bufio.NewScanner(skipBOM(r))
	sc.Buffer(make([]byte, 64<<10), maxJSONLine)
	j := &jsonlReader{sc: sc, known: map[string]bool{}, closer: closer}
	rec, err := j.next()
	if err == io.EOF {
		return nil, &FormatError{Line: 1, Reason: "tệp không có bản ghi nào"}
	}
	if err != nil {
		var fe *FormatError
		if !errors.As(err, &fe) {
			return nil, err
		}
	}
	j.pending, j.pendErr = &rec, err
	return j, nil
}

func (j *jsonlReader) Header() []string { return j.header }

func (j *jsonlReader) Next() (Record, error) {
	if j.pending != nil {
		rec, err := *j.pending, j.pendErr
		j.pending, j.pendErr = nil, nil
		return rec, err
	}
	return j.next()
}

func (j *jsonlReader) next() (Record, error) {
	for j.sc.Scan() {
		j.line++
		b := bytes.TrimSpace(j.sc.Bytes())
		if len(b) == 0 {
			continue
		}
		if !utf8.Valid(b) {
			return Record{Line: j.line}, &FormatError{Line: j.line, Reason: reasonBadUTF8}
		}
		fields, keys, err := parseJSONObject(b)
		if err != nil {
			return Record{Line: j.line}, &FormatError{Line: j.line,
				Reason: "dòng không phải một đối tượng JSON hợp lệ {\"cột\": \"giá trị\"}", Err: err}
		}
		for _, k := range keys {
			if !j.known[k] {
				j.known[k] = true
				j.header = append(j.header, k)
			}
		}
		return Record{Line: j.line, Fields: fields}, nil
	}
	if err := j.sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return Record{}, &FormatError{Line: j.line + 1, Reason: "dòng quá dài (trên 16 MB)", Err: err}
		}
		return Record{}, &FileError{Kind: FileUnreadable, Reason: "không đọc được tiếp tệp. Hãy kiểm tra lại tệp rồi chạy lại.",
			Err: fmt.Errorf("read JSON Lines after line %d: %w", j.line, err)}
	}
	return Record{}, io.EOF
}

// parseJSONObject reads one flat object, keeping its key order; numbers
// keep their literal text, booleans become "true"/"false", null "".
func parseJSONObject(b []byte) (map[string]string, []string, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return nil, nil, err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, nil, errors.New("not a JSON object")
	}
	fields := map[string]string{}
	var keys []string
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return nil, nil, err
		}
		key := norm.NFC.String(kt.(string))
		vt, err := dec.Token()
		if err != nil {
			return nil, nil, err
		}
		var v string
		switch x := vt.(type) {
		case string:
			v = norm.NFC.String(x)
		case json.Number:
			v = x.String()
		case bool:
			v = fmt.Sprint(x)
		case nil:
			v = ""
		default:
			return nil, nil, fmt.Errorf("key %q: nested arrays or objects are not supported", key)
		}
		if _, dup := fields[key]; dup {
			return nil, nil, fmt.Errorf("duplicate key %q", key)
		}
		fields[key] = v
		keys = append(keys, key)
	}
	if _, err := dec.Token(); err != nil { // closing '}'
		return nil, nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, nil, errors.New("trailing data after the object")
	}
	return fields, keys, nil
}

func (j *jsonlReader) Close() error {
	if j.closer != nil {
		return j.closer.Close()
	}
	return nil
}
