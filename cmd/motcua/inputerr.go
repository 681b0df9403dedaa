package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"

	"motcua/internal/batchio"
)

// Messages for files that come from outside (input tables, declaration
// files, handoff files): Vietnamese, per cause, saying what to do; the Go
// error goes to the log with the exitError.

// tableErr is the error of an input or output table that cannot be used at all.
func tableErr(path string, err error) error {
	return &exitError{code: exitUsage, msg: fmt.Sprintf("tệp %s: %s", path, batchio.Explain(err)), err: err}
}

// readErr is a run stopped by its input: exit 2 when the file itself is
// bad (a batchio.FileError: too large, damaged ...), 1 otherwise.
func readErr(msg string, err error) error {
	var fe *batchio.FileError
	if errors.As(err, &fe) && fe.Kind != batchio.FileUnreadable && fe.Kind != batchio.FileUncreatable {
		return &exitError{code: exitUsage, msg: msg, err: err}
	}
	return failure(msg, err)
}

// fileReason says why a file could not be opened or read.
func fileReason(err error) string {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "không có tệp này. Hãy kiểm tra lại tên và thư mục của tệp."
	case errors.Is(err, fs.ErrPermission):
		return "không có quyền đọc tệp này. Hãy chép tệp vào thư mục của mình rồi chạy lại."
	}
	return "không đọc được tệp. Hãy kiểm tra lại tệp rồi chạy lại."
}

// jsonFileError is a JSON declaration that cannot be read: reason is
// Vietnamese (for people), err English (for the log).
type jsonFileError struct {
	reason string
	err    error
}

func (e *jsonFileError) Error() string { return e.err.Error() }

// maxJSONFile bounds a declaration file (it is read whole).
const maxJSONFile = 1 << 20

// decodeJSONFile reads a JSON document of at most maxJSONFile bytes into v
// (unknown fields refused) and explains a failure in Vietnamese.
func decodeJSONFile(r io.Reader, v any) (string, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxJSONFile+1))
	if err != nil {
		return fileReason(err), err
	}
	if len(data) > maxJSONFile {
		return fmt.Sprintf("tệp lớn quá %d KB; một tờ khai chỉ vài KB. Hãy kiểm tra lại tệp.", maxJSONFile>>10), errors.New("declaration file over 1 MiB")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	err = dec.Decode(v)
	if err == nil && dec.More() {
		err = errors.New("data after the JSON object")
	}
	if err == nil {
		return "", nil
	}
	line := func(off int64) int { return 1 + bytes.Count(data[:min(int(off), len(data))], []byte{'\n'}) }
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var own *jsonFileError
	switch {
	case errors.As(err, &own):
		return own.reason, err
	case errors.As(err, &syn):
		return fmt.Sprintf("không đúng định dạng JSON ở dòng %d. Hãy kiểm tra dấu ngoặc, dấu phẩy và dấu ngoặc kép quanh đó.", line(syn.Offset)), err
	case errors.As(err, &typ):
		return fmt.Sprintf("giá trị của %q ở dòng %d sai kiểu (cần chuỗi trong dấu ngoặc kép hoặc đối tượng như trong mẫu: motcua dossier submit --help).", typ.Field, line(typ.Offset)), err
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "tệp trống hoặc bị cắt ngang. Hãy kiểm tra lại tệp.", err
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return fmt.Sprintf("có trường %s không thuộc tờ khai (chỉ có service, persons, values). Xem mẫu: motcua dossier submit --help.", strings.TrimPrefix(err.Error(), "json: unknown field ")), err
	}
	return "không đúng định dạng tờ khai JSON. Xem mẫu: motcua dossier submit --help.", err
}
