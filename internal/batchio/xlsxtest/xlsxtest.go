// Package xlsxtest builds workbooks by hand for tests: small valid ones, and
// hostile ones whose parts inflate to gigabytes from a file of a megabyte or
// two (a deflate stream of a repeated chunk, made once and written many
// times), or whose zip directory lies about the sizes.
package xlsxtest

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"hash/crc32"
	"io"
	"os"
	"strconv"
	"strings"
)

// Part is one entry of the archive: Head, then Fill repeated until the
// part is Size bytes long (cut where it reaches Size), then Tail. Without
// Fill the part is Head+Tail. Declare, when not zero, is the inflated size
// the zip directory claims instead of the true one; BadCRC stores a CRC-32
// that does not match the content; Stored writes a part without
// compression (quicker for many small parts).
type Part struct {
	Name       string
	Head, Tail string
	Fill       string
	Size       int64
	Declare    int64
	BadCRC     bool
	Stored     bool
}

// Valid is a small valid workbook: a header row and one data row (an
// inline string and a shared string: the table is read), a shared-string
// table and a style sheet.
func Valid() []Part {
	return []Part{
		{Name: "[Content_Types].xml", Head: `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` +
			`<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
			`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>` +
			`<Default Extension="xml" ContentType="application/xml"/>` +
			`<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>` +
			`<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>` +
			`<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>` +
			`<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>` +
			`</Types>`},
		{Name: "_rels/.rels", Head: `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` +
			`<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>` +
			`</Relationships>`},
		{Name: "xl/workbook.xml", Head: WorkbookHead, Tail: WorkbookTail},
		{Name: "xl/_rels/workbook.xml.rels", Head: `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` +
			`<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>` +
			`<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>` +
			`<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>` +
			`</Relationships>`},
		{Name: "xl/styles.xml", Head: StylesHead, Tail: StylesTail},
		{Name: "xl/sharedStrings.xml", Head: SharedStringsHead, Tail: SharedStringsTail},
		{Name: "xl/worksheets/sheet1.xml", Head: SheetHead + Row(1, "subject.id", "purpose") +
			`<row r="2"><c t="inlineStr"><is><t>066303000006</t></is></c><c t="s"><v>0</v></c></row>`, Tail: SheetTail},
	}
}

// Pieces of the valid parts, for hostile fills in between.
const (
	WorkbookHead = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` +
		`<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">` +
		`<workbookPr/>`
	WorkbookTail      = `<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>`
	StylesHead        = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">`
	StylesTail        = `<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs></styleSheet>`
	SharedStringsHead = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>other</t></si>`
	SharedStringsTail = `<si><t>x</t></si></sst>`
	SheetHead         = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`
	SheetTail         = `</sheetData></worksheet>`
)

// Row is a <row> of inline-string cells.
func Row(n int, cells ...string) string {
	var b strings.Builder
	b.WriteString(`<row r="` + strconv.Itoa(n) + `">`)
	for _, c := range cells {
		b.WriteString(`<c t="inlineStr"><is><t>` + c + `</t></is></c>`)
	}
	b.WriteString(`</row>`)
	return b.String()
}

// With returns parts with p in place of the part of the same name (or added).
func With(parts []Part, p Part) []Part {
	out := make([]Part, 0, len(parts)+1)
	replaced := false
	for _, q := range parts {
		if q.Name == p.Name {
			q, replaced = p, true
		}
		out = append(out, q)
	}
	if !replaced {
		out = append(out, p)
	}
	return out
}

// WriteFile writes the archive to path.
func WriteFile(path string, parts []Part) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := Write(f, parts); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// Write writes the archive, each part deflated.
func Write(w io.Writer, parts []Part) error {
	zw := zip.NewWriter(w)
	for _, p := range parts {
		if p.Fill == "" && p.Declare == 0 && !p.BadCRC {
			h := &zip.FileHeader{Name: p.Name, Method: zip.Deflate}
			if p.Stored {
				h.Method = zip.Store
			}
			pw, err := zw.CreateHeader(h)
			if err == nil {
				_, err = io.WriteString(pw, p.Head+p.Tail)
			}
			if err != nil {
				return err
			}
			continue
		}
		data, crc, size := deflate(p)
		h := &zip.FileHeader{Name: p.Name, Method: zip.Deflate, CRC32: crc,
			CompressedSize64: uint64(len(data)), UncompressedSize64: uint64(size)}
		if p.BadCRC {
			h.CRC32 ^= 1
		}
		if p.Declare != 0 {
			h.UncompressedSize64 = uint64(p.Declare)
		}
		pw, err := zw.CreateRaw(h)
		if err != nil {
			return err
		}
		if _, err := pw.Write(data); err != nil {
			return err
		}
	}
	return zw.Close()
}

// deflate returns the raw deflate stream of a part, its CRC-32 and its size.
// Each piece is compressed on its own and ended with a sync flush (byte
// aligned, not final), so pieces can follow each other; an empty final
// block ends the stream.
func deflate(p Part) ([]byte, uint32, int64) {
	var out bytes.Buffer
	crc := uint32(0)
	size := int64(0)
	piece := func(b []byte, times int64) {
		if len(b) == 0 || times == 0 {
			return
		}
		var buf bytes.Buffer
		fw, _ := flate.NewWriter(&buf, flate.DefaultCompression)
		_, _ = fw.Write(b) // into a bytes.Buffer: cannot fail
		_ = fw.Flush()
		for range times {
			out.Write(buf.Bytes())
			crc = crc32.Update(crc, crc32.IEEETable, b)
		}
		size += int64(len(b)) * times
	}
	piece([]byte(p.Head), 1)
	if p.Fill != "" {
		fill := p.Size - int64(len(p.Head)) - int64(len(p.Tail))
		chunk := []byte(strings.Repeat(p.Fill, max(1, (1<<20)/len(p.Fill))))
		piece(chunk, fill/int64(len(chunk)))
		rest := fill % int64(len(chunk))
		piece(chunk[:rest], 1)
	}
	piece([]byte(p.Tail), 1)
	fw, _ := flate.NewWriter(&out, flate.DefaultCompression)
	fw.Close() // the final block
	return out.Bytes(), crc, size
}
