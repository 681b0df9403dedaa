package printing

import (
	"bytes"
	"regexp"
	"strconv"
)

// fpdf writes the document's CreationDate and ModDate as "D:YYYYMMDDHHmmSS", without
// the time zone the PDF format allows after it ("+07'00'"): a reader then cannot tell
// 10:00 at the counter from 10:00 UTC. withZone adds the zone of the counter's clock
// to both dates and moves the cross-reference offsets that follow by the bytes added.
// A document whose structure is not the expected one comes back unchanged.

var (
	pdfDate  = regexp.MustCompile(`/(CreationDate|ModDate) \(D:\d{14}\)`)
	xrefLine = regexp.MustCompile(`(?m)^(\d{10})( \d{5} n)`)
	startRef = regexp.MustCompile(`startxref\s+(\d+)\s+%%EOF\s*$`)
)

func withZone(pdf []byte, zone string) []byte {
	if zone == "" {
		return pdf
	}
	dates := pdfDate.FindAllIndex(pdf, -1)
	xref := bytes.LastIndex(pdf, []byte("\nxref\n"))
	start := startRef.FindSubmatchIndex(pdf)
	if len(dates) == 0 || xref < 0 || start == nil {
		return pdf
	}
	for _, d := range dates {
		if d[1] > xref {
			return pdf // a date after the table: not fpdf's layout
		}
	}
	// the bytes added before a position
	shift := func(pos int) int {
		n := 0
		for _, d := range dates {
			if d[1]-1 < pos {
				n += len(zone)
			}
		}
		return n
	}
	var out bytes.Buffer
	out.Grow(len(pdf) + len(dates)*len(zone))
	prev := 0
	for _, d := range dates {
		closing := d[1] - 1 // the ')' of the date string
		out.Write(pdf[prev:closing])
		out.WriteString(zone)
		prev = closing
	}
	// the table: every offset moves by what was added before it
	table := pdf[xref:start[0]]
	out.Write(pdf[prev:xref])
	fixed := xrefLine.ReplaceAllFunc(table, func(line []byte) []byte {
		m := xrefLine.FindSubmatch(line)
		off, err := strconv.Atoi(string(m[1]))
		if err != nil {
			return line
		}
		return append([]byte(pad10(off+shift(off))), m[2]...)
	})
	out.Write(fixed)
	ref, err := strconv.Atoi(string(pdf[start[2]:start[3]]))
	if err != nil {
		return pdf
	}
	out.Write(pdf[start[0]:start[2]])
	out.WriteString(strconv.Itoa(ref + shift(ref)))
	out.Write(pdf[start[3]:])
	return out.Bytes()
}

func pad10(n int) string {
	s := strconv.Itoa(n)
	for len(s) < 10 {
		s = "0" + s
	}
	return s
}
