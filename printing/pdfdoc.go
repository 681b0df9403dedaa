package printing

import (
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"time"
	"unicode/utf16"

	"codeberg.org/go-pdf/fpdf"
)

// fpdf lays the forms out, and this file writes the documents. fpdf's own output parses
// every font anew for each document (AddUTF8FontFromBytes), sizes a 65,536-entry width
// table and hashes it, re-subsets each face, and compresses every stream with a new
// compressor: 15 MB allocated and most of the time of a one-page receipt. Its public API
// cannot share a parsed font between documents, but a template (CreateTemplateCustom)
// draws with the fonts of the document it comes from and hands back its pages' content.
// So the faces are parsed once into a few prototype documents (one per concurrent
// renderer), each form is drawn into a template of one of them, and the PDF is written
// here: the pages' content, the faces subset to the characters the pages show
// (pdffont.go), the metadata.

// face is one of the three faces as written into documents.
type face struct {
	style string
	res   string // fpdf's resource name of the face ("F" and a hash), as the pages use it
	name  string // PostScript name of the face
	desc  fpdf.FontDescType
	ttf   *ttFont
}

type faceSet struct {
	faces []face
	byRes map[string]int
}

var faces = sync.OnceValues(func() (*faceSet, error) {
	fs := &faceSet{byRes: map[string]int{}}
	p := newProto()
	names := map[string]string{"": "DejaVuSerifCondensed", "B": "DejaVuSerifCondensed-Bold", "I": "DejaVuSerifCondensed-Italic"}
	for _, ft := range fonts() {
		t, err := parseTTF(ft.ttf)
		if err != nil {
			return nil, fmt.Errorf("font %q: %w", ft.style, err)
		}
		// The resource name fpdf gives the face: select it on a template page.
		tpl := p.CreateTemplateCustom(fpdf.PointType{}, fpdf.SizeType{Wd: 10, Ht: 10}, func(t *fpdf.Tpl) {
			t.SetFont(family, ft.style, 10)
		})
		m := fontSelection.FindSubmatch(tpl.Bytes())
		if m == nil || p.Error() != nil {
			return nil, fmt.Errorf("font %q: no resource name in %q (%v)", ft.style, tpl.Bytes(), p.Error())
		}
		fs.byRes[string(m[1])] = len(fs.faces)
		fs.faces = append(fs.faces, face{style: ft.style, res: string(m[1]), name: names[ft.style], desc: p.GetFontDesc(family, ft.style), ttf: t})
	}
	putProto(p) // the probes drew on templates: the prototype itself is untouched
	return fs, nil
})

var fontSelection = regexp.MustCompile(`/(F[0-9a-f]+) [0-9.]+ Tf`)

// newProto is a document holding the three faces, which its templates draw with.
func newProto() *fpdf.Fpdf {
	f := fpdf.NewCustom(&fpdf.InitType{OrientationStr: "P", UnitStr: "mm", SizeStr: "A4"})
	for _, ft := range fonts() {
		f.AddUTF8FontFromBytes(family, ft.style, ft.ttf)
	}
	return f
}

// protos are the prototype documents not in use. A template records the characters it
// draws in its prototype's fonts, so a prototype serves one renderer at a time; those
// records are never written out (the pages' text is read instead, see usedRunes).
var protos struct {
	sync.Mutex
	free []*fpdf.Fpdf
}

func getProto() *fpdf.Fpdf {
	protos.Lock()
	defer protos.Unlock()
	if n := len(protos.free); n > 0 {
		p := protos.free[n-1]
		protos.free = protos.free[:n-1]
		return p
	}
	return nil
}

func putProto(p *fpdf.Fpdf) {
	protos.Lock()
	defer protos.Unlock()
	// A few MB each: keep as many as can draw at once, and one.
	if len(protos.free) <= runtime.GOMAXPROCS(0) {
		protos.free = append(protos.free, p)
	}
}

// paperSize is the page of geometry g in mm, as fpdf sizes its standard papers (A5 is
// 420.94 × 595.28 pt there).
func paperSize(p *fpdf.Fpdf, g geometry) fpdf.SizeType {
	s := p.GetPageSizeStr(g.size)
	if g.landscape {
		s.Wd, s.Ht = s.Ht, s.Wd
	}
	return s
}

// drawing is a document drawn and not yet written: its pages' content streams
// (compressed once sealed), the page size in mm, and the characters each face shows.
type drawing struct {
	pages  [][]byte
	size   fpdf.SizeType
	used   []map[rune]bool // by face
	sealed bool
}

// drawDoc runs fn on a new document of paper g whose first page is open, and returns its
// pages. fn sets the footer, draws, and calls the last footer itself (finish).
func drawDoc(g geometry, fn func(f *fpdf.Fpdf) error) (*drawing, error) {
	if _, err := faces(); err != nil {
		return nil, err
	}
	p := getProto()
	if p == nil {
		p = newProto()
	}
	size := paperSize(p, g)
	var err error
	tpl := p.CreateTemplateCustom(fpdf.PointType{}, size, func(t *fpdf.Tpl) {
		f := &t.Fpdf
		f.SetMargins(g.marginL, g.marginT, g.marginR)
		f.SetAutoPageBreak(true, g.breakMargin())
		f.SetCellMargin(0)
		f.SetXY(g.marginL, g.marginT) // the first page was opened before the margins were set
		if err = fn(f); err == nil {
			err = f.Error()
		}
	})
	if perr := p.Error(); perr != nil {
		return nil, perr // a prototype in error is not reused
	}
	putProto(p)
	if err != nil {
		return nil, err
	}
	d := &drawing{size: size}
	for _, pg := range tpl.FromPages() {
		d.pages = append(d.pages, pg.Bytes())
	}
	return d, nil
}

// seal replaces the page-count aliases, notes the characters the pages show, and
// compresses the pages. Sealed drawings are joined and written.
func (d *drawing) seal(aliases map[string]string) error {
	fs, err := faces()
	if err != nil {
		return err
	}
	d.used = make([]map[rune]bool, len(fs.faces))
	var buf bytes.Buffer
	for i, pg := range d.pages {
		for alias, n := range aliases {
			if a := utf16Bytes(alias); bytes.Contains(pg, a) {
				pg = bytes.ReplaceAll(pg, a, utf16Bytes(n))
			}
		}
		if err := usedRunes(pg, fs, d.used); err != nil {
			return fmt.Errorf("page %d: %w", i+1, err)
		}
		buf.Reset()
		compress(&buf, pg)
		d.pages[i] = bytes.Clone(buf.Bytes())
	}
	d.sealed = true
	return nil
}

// joinDrawings is the sealed drawings one after the other in one document.
func joinDrawings(ds []*drawing) *drawing {
	j := &drawing{size: ds[0].size, used: make([]map[rune]bool, len(ds[0].used)), sealed: true}
	for _, d := range ds {
		j.pages = append(j.pages, d.pages...)
		for i, u := range d.used {
			if u != nil && j.used[i] == nil {
				j.used[i] = map[rune]bool{}
			}
			for r := range u {
				j.used[i][r] = true
			}
		}
	}
	return j
}

// finish draws the last page's footer, as fpdf's Close does.
func finish(f *fpdf.Fpdf, footer func()) {
	f.SetAutoPageBreak(false, 0)
	footer()
}

// docInfo is the metadata of a document that is written out.
type docInfo struct {
	created time.Time
	title   string
}

// zw are zlib writers for the streams: a new one allocates about 1 MB.
var zw = sync.Pool{New: func() any {
	w, _ := zlib.NewWriterLevel(io.Discard, zlib.BestSpeed)
	return w
}}

func compress(dst *bytes.Buffer, data []byte) {
	w := zw.Get().(*zlib.Writer)
	w.Reset(dst)
	_, _ = w.Write(data) // writes into a bytes.Buffer do not fail
	_ = w.Close()
	zw.Put(w)
}

// pdfWriter writes numbered objects and their cross-reference table.
type pdfWriter struct {
	buf  bytes.Buffer
	offs []int // offs[n] is the offset of object n
	tmp  bytes.Buffer
}

func (w *pdfWriter) obj(n int) {
	w.offs[n] = w.buf.Len()
	w.buf.WriteString(strconv.Itoa(n))
	w.buf.WriteString(" 0 obj\n")
}

func (w *pdfWriter) end() { w.buf.WriteString("\nendobj\n") }

// stream writes object n as a compressed stream of data; dict holds more entries.
func (w *pdfWriter) stream(n int, dict string, data []byte) {
	w.tmp.Reset()
	compress(&w.tmp, data)
	w.obj(n)
	fmt.Fprintf(&w.buf, "<</Filter /FlateDecode /Length %d%s>>\nstream\n", w.tmp.Len(), dict)
	w.buf.Write(w.tmp.Bytes())
	w.buf.WriteString("\nendstream")
	w.end()
}

// textString is a text string of the document information: UTF-16BE with its mark, in hex.
func textString(s string) string {
	b := []byte("<FEFF")
	for _, u := range utf16.Encode([]rune(s)) {
		b = fmt.Appendf(b, "%04X", u)
	}
	return string(append(b, '>'))
}

const toUnicodeCMap = "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n/CIDSystemInfo\n<</Registry (Adobe)\n/Ordering (UCS)\n/Supplement 0\n>> def\n/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n1 beginbfrange\n<0000> <FFFF> <0000>\nendbfrange\nendcmap\nCMapName currentdict /CMap defineresource pop\nend\nend"

// write writes the drawn document d to out: its pages, the faces they use subset to the
// characters they show, and the metadata, the dates in the zone of info.created. The same
// drawing gives the same bytes.
func (d *drawing) write(out io.Writer, info docInfo) error {
	fs, err := faces()
	if err != nil {
		return err
	}
	if !d.sealed {
		return errors.New("write pdf: the drawing is not sealed")
	}
	used := d.used
	// Objects: 1 pages, 2 resources, 3 the ToUnicode map, two per page, six per face
	// used, the information, the catalogue.
	nPages := len(d.pages)
	firstFace := 4 + 2*nPages
	faceObj := make([]int, len(fs.faces))
	next := firstFace
	for i := range fs.faces {
		if used[i] != nil {
			faceObj[i] = next
			next += 6
		}
	}
	infoObj, catalogObj := next, next+1
	w := &pdfWriter{offs: make([]int, catalogObj+1)}
	w.buf.Grow(4096 + 6000*nPages)
	w.buf.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")

	k := 72 / 25.4
	wPt, hPt := d.size.Wd*k, d.size.Ht*k
	w.obj(1)
	w.buf.WriteString("<</Type /Pages\n/Kids [")
	for i := range nPages {
		fmt.Fprintf(&w.buf, "%d 0 R ", 4+2*i)
	}
	fmt.Fprintf(&w.buf, "]\n/Count %d\n/MediaBox [0 0 %.2f %.2f]\n>>", nPages, wPt, hPt)
	w.end()
	w.obj(2)
	w.buf.WriteString("<</ProcSet [/PDF /Text]\n/Font <<")
	for i, fc := range fs.faces {
		if faceObj[i] != 0 {
			fmt.Fprintf(&w.buf, "/%s %d 0 R ", fc.res, faceObj[i])
		}
	}
	w.buf.WriteString(">>\n>>")
	w.end()
	w.stream(3, "", []byte(toUnicodeCMap))
	for i, pg := range d.pages {
		n := 4 + 2*i
		w.obj(n)
		fmt.Fprintf(&w.buf, "<</Type /Page\n/Parent 1 0 R\n/Resources 2 0 R\n/Contents %d 0 R>>", n+1)
		w.end()
		w.obj(n + 1)
		fmt.Fprintf(&w.buf, "<</Filter /FlateDecode /Length %d>>\nstream\n", len(pg))
		w.buf.Write(pg)
		w.buf.WriteString("\nendstream")
		w.end()
	}
	for i, fc := range fs.faces {
		if faceObj[i] != 0 {
			writeFace(w, faceObj[i], fc, used[i])
		}
	}
	w.obj(infoObj)
	zone := info.created.Format("-07'00'")
	date := "(D:" + info.created.Format("20060102150405") + zone + ")"
	fmt.Fprintf(&w.buf, "<</Producer %s\n/Title %s\n/Creator %s\n/CreationDate %s\n/ModDate %s>>",
		textString("motcua"), textString(info.title), textString("motcua"), date, date)
	w.end()
	w.obj(catalogObj)
	w.buf.WriteString("<</Type /Catalog\n/Pages 1 0 R\n/Lang (vi-VN)>>")
	w.end()

	xref := w.buf.Len()
	fmt.Fprintf(&w.buf, "xref\n0 %d\n0000000000 65535 f \n", catalogObj+1)
	for _, off := range w.offs[1:] {
		fmt.Fprintf(&w.buf, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&w.buf, "trailer\n<</Size %d\n/Root %d 0 R\n/Info %d 0 R>>\nstartxref\n%d\n%%%%EOF\n", catalogObj+1, catalogObj, infoObj, xref)
	if _, err := out.Write(w.buf.Bytes()); err != nil {
		return fmt.Errorf("write pdf: %w", err)
	}
	return nil
}

// writeFace writes face fc as objects n…n+5 (Type0 font, CID font, descriptor,
// CIDToGIDMap, font program, widths), holding the glyphs of the characters in used.
func writeFace(w *pdfWriter, n int, fc face, used map[rune]bool) {
	runes := make([]rune, 0, len(used))
	for r := range used {
		runes = append(runes, r)
	}
	slices.Sort(runes)
	// The subset's tag, from the characters it holds (ISO 32000-1, 9.6.4).
	h := fnv.New32a()
	for _, r := range runes {
		fmt.Fprintf(h, "%d,", r)
	}
	sum := h.Sum32()
	tag := make([]byte, 6)
	for i := range tag {
		tag[i] = 'A' + byte(sum%26)
		sum /= 26
	}
	name := string(tag) + "+" + fc.name

	w.obj(n)
	fmt.Fprintf(&w.buf, "<</Type /Font\n/Subtype /Type0\n/BaseFont /%s\n/Encoding /Identity-H\n/DescendantFonts [%d 0 R]\n/ToUnicode 3 0 R>>", name, n+1)
	w.end()
	w.obj(n + 1)
	fmt.Fprintf(&w.buf, "<</Type /Font\n/Subtype /CIDFontType2\n/BaseFont /%s\n/CIDSystemInfo <</Registry (Adobe) /Ordering (Identity) /Supplement 0>>\n/FontDescriptor %d 0 R\n/DW %d\n/W %d 0 R\n/CIDToGIDMap %d 0 R>>",
		name, n+2, fc.ttf.dw, n+5, n+3)
	w.end()
	d := fc.desc
	w.obj(n + 2)
	fmt.Fprintf(&w.buf, "<</Type /FontDescriptor /FontName /%s\n/Ascent %d /Descent %d /CapHeight %d /Flags %d /FontBBox [%d %d %d %d] /ItalicAngle %d /StemV %d /MissingWidth %d\n/FontFile2 %d 0 R>>",
		name, d.Ascent, d.Descent, d.CapHeight, (d.Flags|4)&^32, d.FontBBox.Xmin, d.FontBBox.Ymin, d.FontBBox.Xmax, d.FontBBox.Ymax, d.ItalicAngle, d.StemV, d.MissingWidth, n+4)
	w.end()
	w.obj(n + 3)
	fmt.Fprintf(&w.buf, "<</Filter /FlateDecode /Length %d>>\nstream\n", len(fc.ttf.cidToGID))
	w.buf.Write(fc.ttf.cidToGID)
	w.buf.WriteString("\nendstream")
	w.end()
	prog := fc.ttf.subset(runes)
	w.stream(n+4, " /Length1 "+strconv.Itoa(len(prog)), prog)
	w.obj(n + 5)
	w.buf.WriteString("[")
	for i := 0; i < len(runes); {
		j := i + 1
		for j < len(runes) && runes[j] == runes[j-1]+1 {
			j++
		}
		fmt.Fprintf(&w.buf, "%d [", runes[i])
		for _, r := range runes[i:j] {
			fmt.Fprintf(&w.buf, "%d ", fc.ttf.width[r])
		}
		w.buf.WriteString("]\n")
		i = j
	}
	w.buf.WriteString("]")
	w.end()
}

// utf16Bytes is s as fpdf writes it into the text of a page in a UTF-8 font.
func utf16Bytes(s string) []byte {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		b = append(b, byte(u>>8), byte(u))
	}
	return b
}

// usedRunes adds the characters the content stream pg shows to used, per face: the
// strings of its text operators, in the face selected before them.
func usedRunes(pg []byte, fs *faceSet, used []map[rune]bool) error {
	cur := -1
	pending := -1
	var s []byte
	for i := 0; i < len(pg); i++ {
		switch c := pg[i]; c {
		case '/':
			j := i + 1
			for j < len(pg) && !isDelim(pg[j]) {
				j++
			}
			pending = -1
			if idx, ok := fs.byRes[string(pg[i+1:j])]; ok {
				pending = idx
			}
			i = j - 1
		case 'T':
			if i+1 < len(pg) && pg[i+1] == 'f' && pending >= 0 {
				cur = pending
			}
		case '(':
			s = s[:0]
			depth := 1
			for i++; i < len(pg); i++ {
				c := pg[i]
				if c == '\\' && i+1 < len(pg) {
					i++
					switch e := pg[i]; e {
					case 'n':
						s = append(s, '\n')
					case 'r':
						s = append(s, '\r')
					case 't':
						s = append(s, '\t')
					case 'b':
						s = append(s, '\b')
					case 'f':
						s = append(s, '\f')
					default:
						if e >= '0' && e <= '7' {
							v := 0
							for k := 0; k < 3 && i < len(pg) && pg[i] >= '0' && pg[i] <= '7'; k++ {
								v = 8*v + int(pg[i]-'0')
								i++
							}
							i--
							s = append(s, byte(v))
						} else {
							s = append(s, e)
						}
					}
					continue
				}
				if c == '(' {
					depth++
				} else if c == ')' {
					if depth--; depth == 0 {
						break
					}
				}
				s = append(s, c)
			}
			if cur < 0 {
				return fmt.Errorf("text shown before a font is selected")
			}
			if len(s)%2 != 0 {
				return fmt.Errorf("text of odd length %d in a UTF-16 font", len(s))
			}
			if used[cur] == nil {
				used[cur] = map[rune]bool{}
			}
			for k := 0; k+1 < len(s); k += 2 {
				used[cur][rune(s[k])<<8|rune(s[k+1])] = true
			}
		}
	}
	return nil
}

func isDelim(c byte) bool {
	switch c {
	case ' ', '\n', '\r', '\t', '\f', 0, '/', '(', ')', '[', ']', '<', '>', '{', '}', '%':
		return true
	}
	return false
}
