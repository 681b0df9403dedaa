package printing

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
)

// ttFont is one of the cut faces (see fonts) read once per process for writing it into
// documents: its tables, the glyph of each character, the widths, and the CIDToGIDMap
// stream. A document embeds a subset holding only the glyphs it shows (subset), cut by
// copying those glyphs' outlines and keeping every glyph number, which is cheap: fpdf
// re-parsed and re-subset each face for every document, most of a receipt's time.
type ttFont struct {
	tables    map[string][]byte
	numGlyphs int
	loca      []uint32 // numGlyphs+1 offsets into glyf
	gid       map[rune]uint16
	width     map[rune]int // advance in PDF glyph space (1/1000 em), as fpdf computes it
	dw        int          // advance of the missing glyph
	cidToGID  []byte       // the CIDToGIDMap stream (a CID is the character's code point), compressed
}

func be16(b []byte, off int) int { return int(binary.BigEndian.Uint16(b[off:])) }
func be32(b []byte, off int) uint32 {
	return binary.BigEndian.Uint32(b[off:])
}

// parseTTF reads a TrueType font: its tables, the glyph and the width of each of its
// characters, and its CIDToGIDMap.
func parseTTF(data []byte) (*ttFont, error) {
	t, err := parseGlyphs(data)
	if err != nil {
		return nil, err
	}
	if t.tables["cmap"] == nil {
		return nil, errors.New("truetype: no \"cmap\" table")
	}
	if t.gid, err = parseCmap(t.tables["cmap"]); err != nil {
		return nil, err
	}
	hmtx, nhm := t.tables["hmtx"], be16(t.tables["hhea"], 34)
	if nhm == 0 || len(hmtx) < 4*nhm {
		return nil, errors.New("truetype: short hmtx")
	}
	scale := 1000 / float64(be16(t.tables["head"], 18))
	adv := func(g uint16) int {
		return int(math.Round(scale * float64(be16(hmtx, 4*min(int(g), nhm-1)))))
	}
	t.dw = adv(0)
	t.width = make(map[rune]int, len(t.gid))
	cid := make([]byte, 2*65536)
	for r, g := range t.gid {
		t.width[r] = adv(g)
		if r < 65536 {
			binary.BigEndian.PutUint16(cid[2*r:], g)
		}
	}
	var z bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&z, zlib.BestCompression)
	_, _ = zw.Write(cid)
	if err := zw.Close(); err != nil {
		return nil, err
	}
	t.cidToGID = z.Bytes()
	return t, nil
}

// parseGlyphs reads the tables of a TrueType font and where each glyph's outline is.
func parseGlyphs(data []byte) (*ttFont, error) {
	if len(data) < 12 {
		return nil, errors.New("truetype: short header")
	}
	n := be16(data, 4)
	t := &ttFont{tables: map[string][]byte{}}
	for i := range n {
		rec := 12 + 16*i
		if rec+16 > len(data) {
			return nil, errors.New("truetype: short table directory")
		}
		tag := string(data[rec : rec+4])
		off, length := int(be32(data, rec+8)), int(be32(data, rec+12))
		if off < 0 || length < 0 || off+length > len(data) {
			return nil, fmt.Errorf("truetype: table %q out of range", tag)
		}
		t.tables[tag] = data[off : off+length]
	}
	for _, tag := range []string{"head", "hhea", "maxp", "hmtx", "loca", "glyf"} {
		if t.tables[tag] == nil {
			return nil, fmt.Errorf("truetype: no %q table", tag)
		}
	}
	head := t.tables["head"]
	if len(head) < 54 || len(t.tables["hhea"]) < 36 || len(t.tables["maxp"]) < 6 || be16(head, 18) == 0 {
		return nil, errors.New("truetype: short head, hhea or maxp")
	}
	longLoca := be16(head, 50) == 1
	t.numGlyphs = be16(t.tables["maxp"], 4)
	loca := t.tables["loca"]
	t.loca = make([]uint32, t.numGlyphs+1)
	for i := range t.loca {
		switch {
		case longLoca && 4*i+4 <= len(loca):
			t.loca[i] = be32(loca, 4*i)
		case !longLoca && 2*i+2 <= len(loca):
			t.loca[i] = 2 * uint32(be16(loca, 2*i))
		default:
			return nil, errors.New("truetype: short loca")
		}
		if t.loca[i] > uint32(len(t.tables["glyf"])) || (i > 0 && t.loca[i] < t.loca[i-1]) {
			return nil, errors.New("truetype: loca out of range")
		}
	}
	return t, nil
}

// parseCmap reads the Unicode subtable (format 4 or 12) of a cmap table.
func parseCmap(cmap []byte) (map[rune]uint16, error) {
	if len(cmap) < 4 {
		return nil, errors.New("truetype: short cmap")
	}
	best, bestFmt := -1, 0
	for i := range be16(cmap, 2) {
		rec := 4 + 8*i
		if rec+8 > len(cmap) {
			break
		}
		pid, eid, off := be16(cmap, rec), be16(cmap, rec+2), int(be32(cmap, rec+4))
		if off+2 > len(cmap) || (pid != 0 && (pid != 3 || (eid != 1 && eid != 10))) {
			continue
		}
		if f := be16(cmap, off); (f == 4 || f == 12) && f > bestFmt {
			best, bestFmt = off, f
		}
	}
	if best < 0 {
		return nil, errors.New("truetype: no Unicode cmap")
	}
	m := map[rune]uint16{}
	sub := cmap[best:]
	switch bestFmt {
	case 4:
		if len(sub) < 14 {
			return nil, errors.New("truetype: short cmap format 4")
		}
		segs := be16(sub, 6) / 2
		ends, starts, deltas, ranges := 14, 16+2*segs, 16+4*segs, 16+6*segs
		if ranges+2*segs > len(sub) {
			return nil, errors.New("truetype: short cmap format 4")
		}
		for s := range segs {
			end, start := be16(sub, ends+2*s), be16(sub, starts+2*s)
			delta, ro := be16(sub, deltas+2*s), be16(sub, ranges+2*s)
			for c := start; c <= end && c != 0xffff; c++ {
				var g int
				if ro == 0 {
					g = (c + delta) & 0xffff
				} else {
					at := ranges + 2*s + ro + 2*(c-start)
					if at+2 > len(sub) {
						continue
					}
					if g = be16(sub, at); g != 0 {
						g = (g + delta) & 0xffff
					}
				}
				if g != 0 {
					m[rune(c)] = uint16(g)
				}
			}
		}
	case 12:
		if len(sub) < 16 {
			return nil, errors.New("truetype: short cmap format 12")
		}
		groups := int(be32(sub, 12))
		if 16+12*groups > len(sub) {
			return nil, errors.New("truetype: short cmap format 12")
		}
		for i := range groups {
			start, end, g := be32(sub, 16+12*i), be32(sub, 20+12*i), be32(sub, 24+12*i)
			for c := start; c <= end && c < 0x110000; c++ {
				if gg := g + (c - start); gg != 0 && gg < 65536 {
					m[rune(c)] = uint16(gg)
				}
			}
		}
	}
	return m, nil
}

// glyph is the outline data of glyph g.
func (t *ttFont) glyph(g int) []byte {
	if g < 0 || g >= t.numGlyphs {
		return nil
	}
	return t.tables["glyf"][t.loca[g]:t.loca[g+1]]
}

// Composite glyph flags (TrueType glyf table).
const (
	argWords     = 0x0001
	haveScale    = 0x0008
	moreParts    = 0x0020
	haveXYScale  = 0x0040
	haveTwoByTwo = 0x0080
)

// withComponents adds to keep the glyphs the composite glyph g is made of (a precomposed
// Vietnamese letter is a base letter and its marks), recursively.
func (t *ttFont) withComponents(g int, keep map[int]bool) {
	if keep[g] {
		return
	}
	keep[g] = true
	b := t.glyph(g)
	if len(b) < 10 || int16(be16(b, 0)) >= 0 {
		return
	}
	for p := 10; p+4 <= len(b); {
		flags, part := be16(b, p), be16(b, p+2)
		t.withComponents(part, keep)
		p += 4
		if flags&argWords != 0 {
			p += 4
		} else {
			p += 2
		}
		switch {
		case flags&haveScale != 0:
			p += 2
		case flags&haveXYScale != 0:
			p += 4
		case flags&haveTwoByTwo != 0:
			p += 8
		}
		if flags&moreParts == 0 {
			break
		}
	}
}

// subsetTables are the tables a PDF reader needs of an embedded TrueType font drawn
// through a CIDToGIDMap (ISO 32000-1, 9.9): no cmap, no names.
var subsetTables = []string{"cvt ", "fpgm", "glyf", "head", "hhea", "hmtx", "loca", "maxp", "prep"}

// subset is the font program holding the glyphs of runes (and .notdef): every glyph
// keeps its number, the others are left empty, so the face's CIDToGIDMap serves every
// subset.
func (t *ttFont) subset(runes []rune) []byte {
	keep := map[int]bool{}
	t.withComponents(0, keep)
	for _, r := range runes {
		if g, ok := t.gid[r]; ok {
			t.withComponents(int(g), keep)
		}
	}
	var glyf bytes.Buffer
	loca := make([]byte, 4*(t.numGlyphs+1))
	for g := range t.numGlyphs {
		binary.BigEndian.PutUint32(loca[4*g:], uint32(glyf.Len()))
		if keep[g] {
			glyf.Write(t.glyph(g))
			for glyf.Len()%4 != 0 {
				glyf.WriteByte(0)
			}
		}
	}
	binary.BigEndian.PutUint32(loca[4*t.numGlyphs:], uint32(glyf.Len()))
	head := slices.Clone(t.tables["head"])
	binary.BigEndian.PutUint32(head[8:], 0)  // checkSumAdjustment: not checked by PDF readers
	binary.BigEndian.PutUint16(head[50:], 1) // indexToLocFormat: long offsets
	out := map[string][]byte{"glyf": glyf.Bytes(), "loca": loca, "head": head}
	var tags []string
	for _, tag := range subsetTables {
		if out[tag] == nil && t.tables[tag] != nil {
			out[tag] = t.tables[tag]
		}
		if out[tag] != nil {
			tags = append(tags, tag)
		}
	}
	sort.Strings(tags)
	return sfnt(tags, out)
}

// sfnt assembles a TrueType font file from its tables.
func sfnt(tags []string, tables map[string][]byte) []byte {
	n := len(tags)
	es := 0
	for 1<<(es+1) <= n {
		es++
	}
	size := 12 + 16*n
	for _, tag := range tags {
		size += (len(tables[tag]) + 3) &^ 3
	}
	b := make([]byte, 12+16*n, size)
	binary.BigEndian.PutUint32(b[0:], 0x00010000)
	binary.BigEndian.PutUint16(b[4:], uint16(n))
	binary.BigEndian.PutUint16(b[6:], uint16(16<<es))
	binary.BigEndian.PutUint16(b[8:], uint16(es))
	binary.BigEndian.PutUint16(b[10:], uint16(16*n-16<<es))
	for i, tag := range tags {
		data := tables[tag]
		rec := 12 + 16*i
		copy(b[rec:], tag)
		binary.BigEndian.PutUint32(b[rec+4:], checksum(data))
		binary.BigEndian.PutUint32(b[rec+8:], uint32(len(b)))
		binary.BigEndian.PutUint32(b[rec+12:], uint32(len(data)))
		b = append(b, data...)
		for len(b)%4 != 0 {
			b = append(b, 0)
		}
	}
	return b
}

func checksum(data []byte) uint32 {
	var sum uint32
	for i := 0; i < len(data); i += 4 {
		var w [4]byte
		copy(w[:], data[i:])
		sum += binary.BigEndian.Uint32(w[:])
	}
	return sum
}
