package batchio

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"path"
	"runtime"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// An .xlsx workbook is a zip archive of XML parts, and a part of a few
// kilobytes can inflate to gigabytes. The reader reads only what a table
// needs (the package and workbook relationships, workbook.xml, styles.xml,
// the shared strings and the first sheet), straight from the archive: no
// temporary file, the sheet streamed row by row, the shared strings kept in
// one buffer. Before anything is inflated, every entry of the archive's
// directory is checked against the limits below; while a part is read, the
// limits are enforced again on the bytes actually inflated, since the
// directory can lie (archive/zip also stops at the size it declares).
const (
	MaxXLSXEntries       = 10_000    // entries in the archive
	MaxXLSXRatio         = 100       // inflated:compressed, for parts over 1 MiB (Apache POI's default)
	MaxXLSXSheet         = 256 << 20 // the first sheet's XML (streamed)
	MaxXLSXSharedStrings = 32 << 20  // sharedStrings.xml (its text is kept in memory)
	MaxXLSXMeta          = 16 << 20  // workbook.xml, styles.xml, relationships (parsed)
	MaxXLSXOtherPart     = 256 << 20 // any other part (never inflated)
	MaxXLSXTotal         = 1 << 30   // every part together
	MaxXLSXInMemory      = 64 << 20  // OpenReader from a plain io.Reader

	xlsxRatioFloor = 1 << 20
	maxXMLRun      = 1 << 20         // bytes between two '<': bounds every XML token
	maxXMLDepth    = 64              // element nesting
	maxXMLAttrs    = 256             // attributes of one element
	maxXLSXColumn  = 16384           // XFD, Excel's last column
	maxCellBytes   = 4 * maxXLSXCell // a cell's text (Excel: 32,767 characters)
	maxRowBytes    = 4 << 20         // the text of one row
	maxNumFmts     = 4096
	maxCellXfs     = 65536 // Excel allows 64,000 cell formats
	maxRels        = 10_000
	sstGCEvery     = 4 << 20 // collect while reading a large shared-string table
)

// oleMagic starts an OLE2 compound file: an .xls workbook, or an encrypted .xlsx.
var oleMagic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}

const (
	reasonNotXLSX     = "tệp không phải bảng tính Excel .xlsx. Hãy mở tệp bằng Excel rồi lưu lại dạng .xlsx, hoặc dạng CSV UTF-8 (.csv)."
	reasonOldExcel    = "tệp là bảng tính Excel cũ (.xls) hoặc có đặt mật khẩu. Hãy mở bằng Excel, bỏ mật khẩu nếu có, rồi lưu lại dạng .xlsx hoặc .csv."
	reasonNotWorkbook = "tệp nén này không phải bảng tính Excel (không có trang tính nào đọc được). Hãy kiểm tra lại tệp, hoặc lưu lại dạng .xlsx bằng Excel."
	reasonDamaged     = "tệp Excel bị hỏng, không đọc được nội dung. Hãy mở bằng Excel rồi lưu lại, hoặc lưu dạng .csv."
	reasonTooLargeFix = "Hãy tách danh sách thành nhiều tệp nhỏ hơn, hoặc lưu dạng .csv."
)

func damaged(err error) error {
	return &FileError{Kind: FileDamaged, Reason: reasonDamaged, Err: err}
}

func tooLarge(err error, what string, limit int64) error {
	return &FileError{Kind: FileTooLarge, Err: err,
		Reason: fmt.Sprintf("%s quá lớn khi giải nén (giới hạn %s). %s", what, mib(limit), reasonTooLargeFix)}
}

func mib(n int64) string {
	if n >= 1<<30 && n%(1<<30) == 0 {
		return fmt.Sprintf("%d GB", n>>30)
	}
	return fmt.Sprintf("%d MB", (n+(1<<20)-1)>>20)
}

// partRole is what a part is read for; it sets the part's limit.
type partRole struct {
	what  string // Vietnamese, for messages
	limit int64
}

var (
	roleSheet   = partRole{"trang tính đầu tiên của tệp Excel", MaxXLSXSheet}
	roleStrings = partRole{"bảng chuỗi (sharedStrings) của tệp Excel", MaxXLSXSharedStrings}
	roleMeta    = partRole{"phần mô tả bảng tính (workbook, styles) của tệp Excel", MaxXLSXMeta}
	roleOther   = partRole{"một thành phần của tệp Excel", MaxXLSXOtherPart}
)

// roleByName guesses a part's role from its name, for the directory check
// (the parts actually read are checked again with the role they are read for).
func roleByName(name string) partRole {
	switch {
	case strings.HasPrefix(name, "xl/worksheets/"):
		return roleSheet
	case strings.Contains(name, "sharedstrings"):
		return roleStrings
	case strings.HasSuffix(name, ".rels"), name == "[content_types].xml", name == "xl/workbook.xml", name == "xl/styles.xml":
		return roleMeta
	}
	return roleOther
}

// partKey is the name a part is looked up by: lower case, forward slashes.
func partKey(name string) string {
	return strings.ToLower(strings.ReplaceAll(name, "\\", "/"))
}

// workbookZip is a checked archive.
type workbookZip struct {
	parts map[string]*zip.File
}

// openWorkbookZip reads the archive's directory and checks every entry.
func openWorkbookZip(ra io.ReaderAt, size int64) (*workbookZip, error) {
	head := make([]byte, len(oleMagic))
	if n, _ := ra.ReadAt(head, 0); n == len(head) && bytes.Equal(head, oleMagic) {
		return nil, &FileError{Kind: FileOldExcel, Reason: reasonOldExcel, Err: errors.New("OLE2 compound file (.xls or encrypted workbook)")}
	}
	zr, err := zip.NewReader(ra, size)
	if err != nil {
		return nil, &FileError{Kind: FileNotXLSX, Reason: reasonNotXLSX, Err: err}
	}
	if len(zr.File) > MaxXLSXEntries {
		return nil, &FileError{Kind: FileTooLarge, Err: fmt.Errorf("%d entries in the archive (limit %d)", len(zr.File), MaxXLSXEntries),
			Reason: fmt.Sprintf("tệp Excel có quá nhiều thành phần (%d, giới hạn %d). %s", len(zr.File), MaxXLSXEntries, reasonTooLargeFix)}
	}
	w := &workbookZip{parts: make(map[string]*zip.File, len(zr.File))}
	var total uint64
	for _, f := range zr.File {
		key := partKey(f.Name)
		if err := checkEntry(f, roleByName(key)); err != nil {
			return nil, err
		}
		total += f.UncompressedSize64
		if total > MaxXLSXTotal {
			return nil, tooLarge(fmt.Errorf("parts inflate to over %d bytes together", uint64(MaxXLSXTotal)), "tệp Excel", MaxXLSXTotal)
		}
		if _, dup := w.parts[key]; !dup {
			w.parts[key] = f
		}
	}
	return w, nil
}

// checkEntry checks a directory entry's declared sizes against role.
func checkEntry(f *zip.File, role partRole) error {
	u, c := f.UncompressedSize64, f.CompressedSize64
	if u > uint64(role.limit) {
		return tooLarge(fmt.Errorf("part %q declares %d bytes inflated (limit %d)", f.Name, u, role.limit), role.what, role.limit)
	}
	if u > xlsxRatioFloor && (c == 0 || u/c > MaxXLSXRatio) {
		return &FileError{Kind: FileTooLarge, Err: fmt.Errorf("part %q inflates %d:%d (limit %d:1)", f.Name, u, c, MaxXLSXRatio),
			Reason: fmt.Sprintf("tệp Excel bất thường: %s nén hơn %d lần (bom giải nén). Hãy mở bằng Excel rồi lưu lại, hoặc lưu dạng .csv.", role.what, MaxXLSXRatio)}
	}
	return nil
}

// open opens a part for role, checking its declared size again and
// enforcing the limit on the bytes inflated. It returns nil, nil when the
// archive has no such part.
func (w *workbookZip) open(name string, role partRole) (*partReader, error) {
	f := w.parts[partKey(name)]
	if f == nil {
		return nil, nil
	}
	if err := checkEntry(f, role); err != nil {
		return nil, err
	}
	rc, err := f.Open()
	if err != nil {
		return nil, damaged(fmt.Errorf("open part %q: %w", f.Name, err))
	}
	return &partReader{rc: rc, name: f.Name, role: role, declared: f.UncompressedSize64}, nil
}

// partReader reads an inflated part and fails with a FileError as soon as
// it goes past the role's limit or past the size the directory declared.
type partReader struct {
	rc       io.ReadCloser
	name     string
	role     partRole
	declared uint64
	n        uint64
	err      error
}

func (p *partReader) Read(b []byte) (int, error) {
	if p.err != nil {
		return 0, p.err
	}
	if room := uint64(p.role.limit) + 1 - p.n; uint64(len(b)) > room {
		b = b[:room]
	}
	n, err := p.rc.Read(b)
	p.n += uint64(n)
	switch {
	case p.n > uint64(p.role.limit):
		p.err = tooLarge(fmt.Errorf("part %q inflates past %d bytes", p.name, p.role.limit), p.role.what, p.role.limit)
	case errors.Is(err, zip.ErrFormat): // archive/zip's only format error while reading
		p.err = &FileError{Kind: FileTooLarge, Err: fmt.Errorf("part %q inflates past the %d bytes its directory entry declares: %w", p.name, p.declared, err),
			Reason: fmt.Sprintf("tệp Excel bị làm giả: %s giải nén ra nhiều hơn kích thước ghi trong tệp. Hãy mở bằng Excel rồi lưu lại, hoặc lưu dạng .csv.", p.role.what)}
	case err != nil && err != io.EOF:
		p.err = damaged(fmt.Errorf("inflate part %q: %w", p.name, err))
	}
	if p.err != nil {
		return 0, p.err
	}
	return n, err
}

func (p *partReader) Close() error { return p.rc.Close() }

// xmlGuard bounds what encoding/xml holds at once: at most maxXMLRun bytes
// between two '<' (a token, an attribute list or a text), and no "<!"
// (DOCTYPE, CDATA and comments: their content can hold '<', and no
// spreadsheet writes them in these parts).
type xmlGuard struct {
	r   io.Reader
	run int
	lt  bool // the last byte was '<'
}

var (
	errXMLRun  = errors.New("an XML token or text over 1 MiB")
	errXMLDecl = errors.New("DOCTYPE, CDATA or comment in a workbook part")
)

func (g *xmlGuard) Read(b []byte) (int, error) {
	n, err := g.r.Read(b)
	for rest := b[:n]; len(rest) > 0; {
		if g.lt && rest[0] == '!' {
			return 0, errXMLDecl
		}
		i := bytes.IndexByte(rest, '<')
		if i < 0 {
			g.run += len(rest)
			g.lt = false
			break
		}
		g.run += i
		if g.run > maxXMLRun {
			break
		}
		g.run, g.lt = 0, true
		rest = rest[i+1:]
	}
	if g.run > maxXMLRun {
		return 0, errXMLRun
	}
	return n, err
}

// xmlParts reads the tokens of a part (RawToken: no name-space stack, no
// matching of end tags), with the depth and attribute limits.
type xmlParts struct {
	dec   *xml.Decoder
	depth int
	name  string
}

func newXMLParts(r io.Reader, name string) *xmlParts {
	return &xmlParts{dec: xml.NewDecoder(&xmlGuard{r: r}), name: name}
}

// token returns the next token, io.EOF at the end of the part, or a FileError.
func (x *xmlParts) token() (xml.Token, error) {
	tok, err := x.dec.RawToken()
	if err != nil {
		var fe *FileError
		switch {
		case err == io.EOF:
			return nil, io.EOF
		case errors.As(err, &fe):
			return nil, err
		}
		return nil, damaged(fmt.Errorf("part %q: %w", x.name, err))
	}
	switch t := tok.(type) {
	case xml.StartElement:
		x.depth++
		if x.depth > maxXMLDepth || len(t.Attr) > maxXMLAttrs {
			return nil, damaged(fmt.Errorf("part %q: elements nested over %d deep or with over %d attributes", x.name, maxXMLDepth, maxXMLAttrs))
		}
	case xml.EndElement:
		x.depth--
	}
	return tok, nil
}

func attr(se xml.StartElement, local string) string {
	for _, a := range se.Attr {
		if a.Name.Local == local {
			return a.Value
		}
	}
	return ""
}

// readPart calls fn with each token of a part; fn returns false to stop.
// A missing part is not an error (fn is not called).
func (w *workbookZip) readPart(name string, role partRole, fn func(xml.Token) (bool, error)) error {
	pr, err := w.open(name, role)
	if err != nil || pr == nil {
		return err
	}
	defer pr.Close()
	xp := newXMLParts(pr, name)
	for {
		tok, err := xp.token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		more, err := fn(tok)
		if err != nil || !more {
			return err
		}
	}
}

type relationship struct{ typ, target string }

// readRels reads the relationships of source (a part name; "" for the
// package): Id -> type and resolved target.
func (w *workbookZip) readRels(source string) (map[string]relationship, error) {
	name := path.Join(path.Dir(source), "_rels", path.Base(source)+".rels")
	if source == "" {
		name = "_rels/.rels"
	}
	rels := map[string]relationship{}
	err := w.readPart(name, roleMeta, func(tok xml.Token) (bool, error) {
		se, ok := tok.(xml.StartElement)
		if !ok || se.Name.Local != "Relationship" || strings.EqualFold(attr(se, "TargetMode"), "External") {
			return true, nil
		}
		if len(rels) >= maxRels {
			return false, damaged(fmt.Errorf("part %q: over %d relationships", name, maxRels))
		}
		target := strings.ReplaceAll(attr(se, "Target"), "\\", "/")
		if strings.HasPrefix(target, "/") {
			target = path.Clean(target[1:])
		} else {
			target = path.Clean(path.Join(path.Dir(source), target))
		}
		rels[attr(se, "Id")] = relationship{typ: attr(se, "Type"), target: target}
		return true, nil
	})
	return rels, err
}

// byType returns the target of the first relationship whose type ends with suffix.
func byType(rels map[string]relationship, suffix string) string {
	for _, r := range rels {
		if strings.HasSuffix(r.typ, suffix) {
			return r.target
		}
	}
	return ""
}

// sharedStrings holds the shared strings in one buffer: item i is
// buf[end[i-1]:end[i]].
type sharedStrings struct {
	buf []byte
	end []uint32
}

func (s *sharedStrings) item(i int) ([]byte, bool) {
	if i < 0 || i >= len(s.end) {
		return nil, false
	}
	start := uint32(0)
	if i > 0 {
		start = s.end[i-1]
	}
	return s.buf[start:s.end[i]], true
}

// readSharedStrings reads the shared-string table: the text of each <si>
// (its <t>, or the <t> of its rich-text runs; phonetic runs left out).
func (w *workbookZip) readSharedStrings(name string) (*sharedStrings, error) {
	sst := &sharedStrings{}
	if f := w.parts[partKey(name)]; f != nil && f.UncompressedSize64 <= MaxXLSXSharedStrings {
		sst.buf = make([]byte, 0, f.UncompressedSize64) // the text is never longer than its XML
	}
	var in struct{ si, t, rPh bool }
	start, nextGC := 0, sstGCEvery
	err := w.readPart(name, roleStrings, func(tok xml.Token) (bool, error) {
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "si":
				in.si, in.rPh, start = true, false, len(sst.buf)
			case "t":
				in.t = true
			case "rPh":
				in.rPh = true
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "si":
				if in.si {
					sst.buf = append(sst.buf[:start], unescapeBSTR(sst.buf[start:])...)
					sst.end = append(sst.end, uint32(len(sst.buf)))
				}
				in.si = false
			case "t":
				in.t = false
			case "rPh":
				in.rPh = false
			}
		case xml.CharData:
			if in.si && in.t && !in.rPh {
				if len(sst.buf)+len(t) > MaxXLSXSharedStrings {
					return false, tooLarge(fmt.Errorf("shared strings over %d bytes", MaxXLSXSharedStrings), roleStrings.what, MaxXLSXSharedStrings)
				}
				sst.buf = append(sst.buf, t...)
				if len(sst.buf) >= nextGC {
					// The decoder's garbage (a few times the text) would
					// otherwise let the heap grow to twice the table.
					runtime.GC()
					nextGC += sstGCEvery
				}
			}
		}
		return true, nil
	})
	return sst, err
}

// unescapeBSTR decodes the _xHHHH_ escapes of spreadsheet text (characters
// XML cannot carry; _x005F_ is a literal underscore).
func unescapeBSTR(b []byte) []byte {
	if !bytes.Contains(b, []byte("_x")) {
		return b
	}
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); {
		if b[i] == '_' && isBSTREscape(string(b[i:min(i+7, len(b))])) {
			v, _ := strconv.ParseUint(string(b[i+2:i+6]), 16, 32)
			if v == '_' {
				out = append(out, '_')
			} else {
				out = utf8.AppendRune(out, rune(v))
			}
			i += 7
			continue
		}
		out = append(out, b[i])
		i++
	}
	return out
}

// xlsxReader streams the first sheet row by row; cells come as displayed
// text (numbers in the cell's number format, see numFormatter).
type xlsxReader struct {
	sheet  *partReader
	xp     *xmlParts
	sst    *sharedStrings
	num    *numFormatter
	row    int // the number of the last row read
	cells  []string
	header []string
	closer io.Closer
	err    error // a fatal error, returned again
	ended  bool
}

// newXLSXReader checks the archive and reads the workbook's description;
// it does not close closer on error.
func newXLSXReader(ra io.ReaderAt, size int64, closer io.Closer) (Reader, error) {
	wz, err := openWorkbookZip(ra, size)
	if err != nil {
		return nil, err
	}
	rootRels, err := wz.readRels("")
	if err != nil {
		return nil, err
	}
	book := byType(rootRels, "/officeDocument")
	if book == "" || wz.parts[partKey(book)] == nil {
		book = "xl/workbook.xml"
	}
	if wz.parts[partKey(book)] == nil {
		return nil, &FileError{Kind: FileNotWorkbook, Reason: reasonNotWorkbook, Err: errors.New("no workbook part")}
	}
	var sheetID string
	var sheets int
	num := &numFormatter{}
	err = wz.readPart(book, roleMeta, func(tok xml.Token) (bool, error) {
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "workbookPr":
				d := attr(t, "date1904")
				num.date1904 = d == "1" || strings.EqualFold(d, "true")
			case "sheet":
				if sheets == 0 {
					for _, a := range t.Attr {
						if a.Name.Local == "id" && a.Name.Space != "" {
							sheetID = a.Value
						}
					}
				}
				sheets++
			}
		case xml.EndElement:
			return t.Name.Local != "sheets", nil // the rest is not needed
		}
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	if sheets == 0 {
		return nil, &FormatError{Line: 1, Reason: "tệp Excel không có trang tính nào"}
	}
	rels, err := wz.readRels(book)
	if err != nil {
		return nil, err
	}
	sheetPath := rels[sheetID].target
	if sheetPath == "" || wz.parts[partKey(sheetPath)] == nil {
		sheetPath = "xl/worksheets/sheet1.xml"
	}
	if wz.parts[partKey(sheetPath)] == nil {
		return nil, &FileError{Kind: FileNotWorkbook, Reason: reasonNotWorkbook, Err: errors.New("the first sheet's part is missing")}
	}
	sstPath := byType(rels, "/sharedStrings")
	if sstPath == "" {
		sstPath = "xl/sharedStrings.xml"
	}
	sst, err := wz.readSharedStrings(sstPath)
	if err != nil {
		return nil, err
	}
	stylesPath := byType(rels, "/styles")
	if stylesPath == "" {
		stylesPath = "xl/styles.xml"
	}
	if err := wz.readStyles(stylesPath, num); err != nil {
		return nil, err
	}
	pr, err := wz.open(sheetPath, roleSheet)
	if err != nil {
		return nil, err
	}
	x := &xlsxReader{sheet: pr, xp: newXMLParts(pr, sheetPath), sst: sst, num: num, closer: closer}
	cells, err := x.nextRow()
	if err != nil {
		_ = x.closeParts() // the read's error is the one to report
		if err == io.EOF {
			return nil, &FormatError{Line: 1, Reason: reasonNoHeader, Err: err}
		}
		return nil, err
	}
	h := make([]string, len(cells))
	for i, c := range cells {
		h[i] = norm.NFC.String(strings.TrimSpace(c))
	}
	if err := checkHeader(h, x.row); err != nil {
		_ = x.closeParts() // the header's error is the one to report
		return nil, err
	}
	x.header = h
	return x, nil
}

// readStyles reads the number format of each cell format (cellXfs) and the
// workbook's own number formats.
func (w *workbookZip) readStyles(name string, num *numFormatter) error {
	var inNumFmts, inCellXfs bool
	return w.readPart(name, roleMeta, func(tok xml.Token) (bool, error) {
		switch t := tok.(type) {
		case xml.StartElement:
			switch {
			case t.Name.Local == "numFmts":
				inNumFmts = true
			case t.Name.Local == "cellXfs":
				inCellXfs = true
			case t.Name.Local == "numFmt" && inNumFmts:
				if len(num.custom) >= maxNumFmts {
					return false, damaged(fmt.Errorf("over %d number formats", maxNumFmts))
				}
				id, err := strconv.Atoi(attr(t, "numFmtId"))
				code := attr(t, "formatCode16")
				if code == "" {
					code = attr(t, "formatCode")
				}
				if err == nil && code != "" && len(code) <= 1024 {
					if num.custom == nil {
						num.custom = map[int]string{}
					}
					num.custom[id] = code
				}
			case t.Name.Local == "xf" && inCellXfs:
				if len(num.xfs) >= maxCellXfs {
					return false, damaged(fmt.Errorf("over %d cell formats", maxCellXfs))
				}
				id, _ := strconv.Atoi(attr(t, "numFmtId"))
				num.xfs = append(num.xfs, int32(id))
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "numFmts":
				inNumFmts = false
			case "cellXfs":
				inCellXfs = false
			}
		}
		return true, nil
	})
}

// rowProblem is a row that cannot be read (reported as a FormatError; the
// reader goes on with the next row).
type rowProblem struct{ reason string }

// readRow reads the next <row> of the sheet: its cells by column (missing
// ones empty, trailing empty ones cut), and its number in x.row. io.EOF at
// the end of the sheet data.
func (x *xlsxReader) readRow() ([]string, *rowProblem, error) {
	for {
		tok, err := x.xp.token()
		if err != nil {
			return nil, nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if t.Name.Local == "row" {
				if n, err := strconv.Atoi(attr(t, "r")); err == nil && n > x.row && n <= 1<<20 {
					x.row = n
				} else {
					x.row++
				}
				return x.rowCells()
			}
		case xml.EndElement:
			if t.Name.Local == "sheetData" {
				return nil, nil, io.EOF
			}
		}
	}
}

// width is how many columns a row may have: the header's (more is an error
// of the row), or Excel's maximum while reading the header.
func (x *xlsxReader) width() int {
	if x.header != nil {
		return len(x.header)
	}
	return maxXLSXColumn
}

// rowCells reads the cells of the row just started, up to its end tag.
func (x *xlsxReader) rowCells() ([]string, *rowProblem, error) {
	x.cells = x.cells[:0]
	var prob *rowProblem
	bytesInRow, col, widest := 0, 0, 0
	depth := 0
	var c struct {
		ref, typ, style string
		v, is           []byte
		in              string // "v", "is", "" (inside <c>)
		t, rPh          bool
		open            bool
	}
	for {
		tok, err := x.xp.token()
		if err == io.EOF {
			err = damaged(errors.New("sheet ends inside a row"))
		}
		if err != nil {
			return nil, nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			switch t.Name.Local {
			case "c":
				c.ref, c.typ, c.style = attr(t, "r"), attr(t, "t"), attr(t, "s")
				c.v, c.is, c.in, c.t, c.rPh, c.open = c.v[:0], c.is[:0], "", false, false, true
			case "v":
				c.in = "v"
			case "is":
				c.in = "is"
			case "t":
				c.t = true
			case "rPh":
				c.rPh = true
			case "f":
				c.in = "f"
			}
		case xml.CharData:
			switch {
			case !c.open || prob != nil:
			case c.in == "v" && len(c.v)+len(t) <= maxCellBytes:
				c.v = append(c.v, t...)
			case c.in == "is" && c.t && !c.rPh && len(c.is)+len(t) <= maxCellBytes:
				c.is = append(c.is, t...)
			case c.in == "v", c.in == "is" && c.t && !c.rPh:
				prob = &rowProblem{fmt.Sprintf("ô %s dài quá %d ký tự", c.ref, maxXLSXCell)}
			}
		case xml.EndElement:
			if depth == 0 { // </row>
				if prob != nil {
					return nil, prob, nil
				}
				if widest > 0 {
					return nil, &rowProblem{fmt.Sprintf("%s (có %d cột, tiêu đề có %d)", reasonColumns, widest, x.width())}, nil
				}
				n := len(x.cells)
				for n > 0 && strings.TrimSpace(x.cells[n-1]) == "" {
					n--
				}
				return x.cells[:n], nil, nil
			}
			depth--
			switch t.Name.Local {
			case "v", "is", "f":
				c.in = ""
			case "t":
				c.t = false
			case "rPh":
				c.rPh = false
			case "c":
				if !c.open {
					break
				}
				c.open = false
				col = cellColumn(c.ref, col)
				if prob != nil {
					break
				}
				if col > maxXLSXColumn {
					prob = &rowProblem{fmt.Sprintf("ô %s nằm ngoài cột cuối cùng của Excel", c.ref)}
					break
				}
				v, p := x.cellValue(c.typ, c.style, c.v, c.is)
				if p != nil {
					prob = p
					break
				}
				if col > x.width() {
					if strings.TrimSpace(v) != "" {
						widest = col // counted, not kept
					}
					break
				}
				if v == "" {
					break
				}
				if bytesInRow += len(v); bytesInRow > maxRowBytes {
					prob = &rowProblem{fmt.Sprintf("dòng quá dài (trên %s)", mib(maxRowBytes))}
					break
				}
				for len(x.cells) < col {
					x.cells = append(x.cells, "")
				}
				x.cells[col-1] = v
			}
		}
	}
}

// cellColumn is the column of a cell reference ("B7" -> 2); a missing or
// malformed reference is the next column after prev.
func cellColumn(ref string, prev int) int {
	col := 0
	for i := 0; i < len(ref); i++ {
		ch := ref[i] | 0x20 // lower case
		if ch < 'a' || ch > 'z' {
			if i == 0 {
				return prev + 1
			}
			break
		}
		col = col*26 + int(ch-'a'+1)
		if col > maxXLSXColumn {
			return maxXLSXColumn + 1
		}
	}
	if col == 0 {
		return prev + 1
	}
	return col
}

// cellValue is the displayed text of a cell from its type, style, <v> and
// inline string.
func (x *xlsxReader) cellValue(typ, style string, v, is []byte) (string, *rowProblem) {
	switch typ {
	case "s":
		i, err := strconv.Atoi(strings.TrimSpace(string(v)))
		if err != nil {
			return "", nil
		}
		b, ok := x.sst.item(i)
		if !ok {
			return "", &rowProblem{"ô tham chiếu một chuỗi không có trong tệp (tệp hỏng?)"}
		}
		if len(b) > maxCellBytes {
			return "", &rowProblem{fmt.Sprintf("một ô dài quá %d ký tự", maxXLSXCell)}
		}
		return string(b), nil
	case "inlineStr":
		return string(unescapeBSTR(is)), nil
	case "b":
		switch string(v) {
		case "1":
			return "TRUE", nil
		case "0":
			return "FALSE", nil
		}
		return string(v), nil
	case "str", "e", "d":
		return string(v), nil
	}
	s := string(v)
	if i, err := strconv.Atoi(style); err == nil && i > 0 && i < len(x.num.xfs) && x.num.xfs[i] != 0 {
		return x.num.format(s, int(x.num.xfs[i])), nil
	}
	return generalNumber(s), nil
}

// nextRow returns the next non-empty row; a row that cannot be read is a
// *FormatError with its number.
func (x *xlsxReader) nextRow() ([]string, error) {
	if x.err != nil {
		return nil, x.err
	}
	if x.ended {
		return nil, io.EOF
	}
	for {
		cells, prob, err := x.readRow()
		if err == io.EOF {
			// Read the part to its end, where archive/zip checks its CRC.
			if _, err := io.Copy(io.Discard, x.sheet); err != nil {
				x.err = err
				return nil, err
			}
			x.ended = true
			return nil, io.EOF
		}
		if err != nil {
			x.err = err
			return nil, err
		}
		if prob != nil {
			return nil, &FormatError{Line: x.row, Reason: prob.reason}
		}
		if len(cells) > 0 {
			return cells, nil
		}
	}
}

func (x *xlsxReader) Header() []string { return x.header }

func (x *xlsxReader) Next() (Record, error) {
	cells, err := x.nextRow()
	if err != nil {
		var fe *FormatError
		if errors.As(err, &fe) {
			return Record{Line: fe.Line}, err
		}
		return Record{}, err
	}
	fields := make(map[string]string, len(x.header))
	for i, name := range x.header {
		v := ""
		if i < len(cells) { // Excel drops trailing empty cells
			v = norm.NFC.String(cells[i])
		}
		fields[name] = v
	}
	return Record{Line: x.row, Fields: fields}, nil
}

func (x *xlsxReader) closeParts() error {
	err := x.sheet.Close()
	x.num.close()
	return err
}

func (x *xlsxReader) Close() error {
	errs := []error{x.closeParts()}
	if x.closer != nil {
		errs = append(errs, x.closer.Close())
	}
	return errors.Join(errs...)
}
