package main

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"unicode/utf16"
)

// A declaration file written on Windows reads like the plain one: CRLF line
// ends, a UTF-8 byte order mark (Notepad) or UTF-16 with its mark
// (PowerShell 5's Out-File and ">").
func TestSubmitFileWindowsEncodings(t *testing.T) {
	t.Parallel()
	text := strings.ReplaceAll(`{
  "service": "xac-nhan-tthn",
  "persons": { "subject": { "id": "066303000006" } },
  "values":  { "purpose": "other", "purpose_other": "Bổ sung hồ sơ vay vốn" }
}
`, "\n", "\r\n")
	asUTF16 := func(order binary.AppendByteOrder, s string) []byte {
		var b []byte
		for _, u := range utf16.Encode([]rune("\uFEFF" + s)) {
			b = order.AppendUint16(b, u)
		}
		return b
	}
	want := submitFile{
		Service: "xac-nhan-tthn",
		Persons: map[string]submitSlot{"subject": {ID: "066303000006"}},
		Values:  orderedValues{{Path: "purpose", Text: "other"}, {Path: "purpose_other", Text: "Bổ sung hồ sơ vay vốn"}},
	}
	for _, tt := range []struct {
		name string
		file []byte
	}{
		{"utf-8 crlf", []byte(text)},
		{"utf-8 with bom", append([]byte("\uFEFF"), text...)},
		{"utf-16le with bom", asUTF16(binary.LittleEndian, text)},
		{"utf-16be with bom", asUTF16(binary.BigEndian, text)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "to-khai.json")
			if err := os.WriteFile(p, tt.file, 0o600); err != nil {
				t.Fatal(err)
			}
			got, err := (&app{}).readSubmitFile(p)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("read %+v, want %+v", got, want)
			}
		})
	}
}
