package printing

import (
	"bytes"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"motcua/internal/testenv"
)

// vietnameseWords hold every letter of Vietnamese, lower and upper case, in words of a
// few letters so that lines wrap between them.
var vietnameseWords = func() []string {
	lower := "aàáảãạ ăằắẳẵặ âầấẩẫậ bcdđ eèéẻẽẹ êềếểễệ ghiìíỉĩị klmn oòóỏõọ ôồốổỗộ ơờớởỡợ pqrst uùúủũụ ưừứửữự vx yỳýỷỹỵ"
	return append(strings.Fields(lower), strings.Fields(strings.ToUpper(lower))...)
}()

// letterReceipt shows every Vietnamese letter in the three faces: the citizen's name in
// bold, the address and a note in the regular face, the source of the residence data in
// italics.
func letterReceipt() Receipt {
	r := sampleReceipt(1, 3)
	all := strings.Join(vietnameseWords, " ")
	r.CitizenName = all
	r.Address = all
	r.Notes = []string{all}
	r.ResidenceFrom = all
	return r
}

// Every glyph a document shows is embedded: a receipt showing every Vietnamese letter
// in the three faces reads back as text, and it renders exactly as the same pages with
// the whole faces embedded instead of the subsets.
func TestEveryVietnameseLetterEmbedded(t *testing.T) {
	pdftoppm := testenv.NeedTool(t, "pdftoppm", "poppler-utils")
	r := letterReceipt()
	if err := r.Validate(); err != nil {
		t.Fatal(err)
	}
	flat := squash(pdfText(t, renderToFile(t, r)))
	for _, w := range vietnameseWords {
		if c := strings.Count(flat, w); c < 4 {
			t.Errorf("%q read back %d times, want 4 (name, address, note, residence source)", w, c)
		}
	}

	d, err := drawReceipt(r.normalized(), 0, geomA4)
	if err != nil {
		t.Fatal(err)
	}
	for i, u := range d.used {
		if len(u) == 0 {
			t.Fatalf("face %d shows nothing: the case no longer tests the three faces", i)
		}
	}
	var subset, whole bytes.Buffer
	if err := d.write(&subset, docInfo{created: fixedCreation, title: "x"}); err != nil {
		t.Fatal(err)
	}
	fs, _ := faces()
	full := *d
	full.used = make([]map[rune]bool, len(fs.faces))
	for i, fc := range fs.faces {
		full.used[i] = map[rune]bool{}
		for r := range fc.ttf.gid {
			full.used[i][r] = true
		}
	}
	if err := full.write(&whole, docInfo{created: fixedCreation, title: "x"}); err != nil {
		t.Fatal(err)
	}
	if whole.Len() < subset.Len()+20000 {
		t.Fatalf("whole faces %d bytes, subsets %d: the comparison would not show a missing glyph", whole.Len(), subset.Len())
	}
	a, b := rasterizeGray(t, pdftoppm, subset.Bytes()), rasterizeGray(t, pdftoppm, whole.Bytes())
	if !bytes.Equal(a, b) {
		t.Error("the page with subset faces renders differently from the page with the whole faces: a glyph is missing")
	}
}

// rasterizeGray renders the first page of pdf at 100 dpi in grey levels.
func rasterizeGray(t *testing.T, pdftoppm string, pdf []byte) []byte {
	t.Helper()
	dir := t.TempDir()
	in := filepath.Join(dir, "d.pdf")
	if err := os.WriteFile(in, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(pdftoppm, "-r", "100", "-gray", "-f", "1", "-l", "1", "-singlefile", in, filepath.Join(dir, "p")).CombinedOutput()
	if err != nil || len(out) > 0 {
		t.Fatalf("pdftoppm: %v %s", err, out)
	}
	img, err := os.ReadFile(filepath.Join(dir, "p.pgm"))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// A subset keeps every glyph it is asked for, and the glyphs a composite one (a letter
// with its marks) is made of, byte for byte at the same glyph numbers; the others are
// empty.
func TestSubsetKeepsGlyphs(t *testing.T) {
	fs, err := faces()
	if err != nil {
		t.Fatal(err)
	}
	runes := []rune(strings.Join(vietnameseWords, ""))
	for _, fc := range fs.faces {
		sub, err := parseGlyphs(fc.ttf.subset(runes))
		if err != nil {
			t.Fatalf("face %q: the subset does not parse: %v", fc.style, err)
		}
		if sub.numGlyphs != fc.ttf.numGlyphs {
			t.Fatalf("face %q: %d glyphs, the face has %d", fc.style, sub.numGlyphs, fc.ttf.numGlyphs)
		}
		keep := map[int]bool{}
		fc.ttf.withComponents(0, keep)
		for _, r := range runes {
			g, ok := fc.ttf.gid[r]
			if !ok {
				t.Fatalf("face %q has no glyph for %q", fc.style, r)
			}
			if len(fc.ttf.glyph(int(g))) == 0 {
				t.Fatalf("face %q: the glyph of %q is empty", fc.style, r)
			}
			fc.ttf.withComponents(int(g), keep)
		}
		composite := 0
		for g := range fc.ttf.numGlyphs {
			want := fc.ttf.glyph(g)
			if !keep[g] {
				want = nil
			} else if len(want) >= 2 && int16(be16(want, 0)) < 0 {
				composite++
			}
			if got := sub.glyph(g); !bytes.Equal(bytes.TrimRight(got, "\x00"), bytes.TrimRight(want, "\x00")) {
				t.Errorf("face %q glyph %d: %d bytes, want %d", fc.style, g, len(got), len(want))
			}
		}
		for g := range sub.numGlyphs { // the parts of a kept composite glyph are kept
			for _, part := range testComponents(sub.glyph(g)) {
				if len(sub.glyph(part)) == 0 {
					t.Errorf("face %q: glyph %d is made of glyph %d, which the subset left empty", fc.style, g, part)
				}
			}
		}
		if composite == 0 {
			t.Errorf("face %q: no composite glyph among the letters: the components are not tested", fc.style)
		}
	}
}

// A document does not depend on another rendered before it or beside it: receipts,
// batches and forms rendered on many goroutines at once, in a shuffled order, give the
// bytes each gives alone. Run with -race.
func TestRendersAreIndependent(t *testing.T) {
	opt := Options{CreationDate: fixedCreation}
	type job struct {
		name   string
		render func() ([]byte, error)
	}
	var jobs []job
	receipt := func(name string, r Receipt, size string) {
		jobs = append(jobs, job{name, func() ([]byte, error) { return RenderPDFBytes(r, Options{Size: size, CreationDate: fixedCreation}) }})
	}
	receipt("a4", sampleReceipt(1, 3), "A4")
	receipt("a5-long", sampleReceipt(4, 24), "A5")
	receipt("a4-bundle", sampleReceipt(3, 3), "A4")
	receipt("letters", letterReceipt(), "A4")
	other := sampleReceipt(1, 2)
	other.CitizenName, other.Address = "Lê Văn Ất", "Thôn Ỷ Lan, xã Ỵ"
	receipt("other-letters", other, "A5")
	jobs = append(jobs, job{"batch", func() ([]byte, error) {
		var buf bytes.Buffer
		err := RenderBatchPDF(&buf, []Receipt{sampleReceipt(1, 24), other, letterReceipt(), sampleReceipt(3, 3)}, opt)
		return buf.Bytes(), err
	}})
	for _, fc := range formCases() {
		jobs = append(jobs, job{fc.name, func() ([]byte, error) {
			var buf bytes.Buffer
			err := fc.render(&buf)
			return buf.Bytes(), err
		}})
	}
	want := make([][]byte, len(jobs))
	for i := len(jobs) - 1; i >= 0; i-- { // alone, in the reverse order
		b, err := jobs[i].render()
		if err != nil {
			t.Fatalf("%s: %v", jobs[i].name, err)
		}
		want[i] = b
	}
	rng := rand.New(rand.NewPCG(5, 17))
	order := make([]int, 0, 2*len(jobs))
	for range 2 {
		for i := range jobs {
			order = append(order, i)
		}
	}
	rng.Shuffle(len(order), func(a, b int) { order[a], order[b] = order[b], order[a] })
	var wg sync.WaitGroup
	got := make([][]byte, len(order))
	errs := make([]error, len(order))
	for k, i := range order {
		wg.Go(func() { got[k], errs[k] = jobs[i].render() })
	}
	wg.Wait()
	for k, i := range order {
		if errs[k] != nil {
			t.Errorf("%s: %v", jobs[i].name, errs[k])
		} else if !bytes.Equal(got[k], want[i]) {
			t.Errorf("%s rendered beside others differs from %s rendered alone", jobs[i].name, jobs[i].name)
		}
	}
}

// The documents are valid PDF as poppler reads them: no syntax error or warning, the
// three faces embedded as subsets with their Unicode maps.
func TestPDFsAreValid(t *testing.T) {
	pdfinfo := testenv.NeedTool(t, "pdfinfo", "poppler-utils")
	pdffonts := testenv.NeedTool(t, "pdffonts", "poppler-utils")
	pdftotext := testenv.NeedTool(t, "pdftotext", "poppler-utils")
	cases := goldenCases()
	cases = append(cases, goldenCase{"batch", func() ([]byte, error) {
		var buf bytes.Buffer
		err := RenderBatchPDF(&buf, []Receipt{sampleReceipt(1, 24), letterReceipt(), sampleReceipt(3, 3)}, Options{Size: "A5", CreationDate: fixedCreation})
		return buf.Bytes(), err
	}})
	fontLine := regexp.MustCompile(`(?m)^[A-Z]{6}\+DejaVuSerifCondensed(-Bold|-Italic)?\s+CID TrueType\s+Identity-H\s+yes yes yes\s+\d+\s+0$`)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			pdf, err := tc.pdf()
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(t.TempDir(), "d.pdf")
			if err := os.WriteFile(path, pdf, 0o644); err != nil {
				t.Fatal(err)
			}
			for _, cmd := range []*exec.Cmd{exec.Command(pdfinfo, path), exec.Command(pdftotext, path, os.DevNull)} {
				var stderr bytes.Buffer
				cmd.Stderr = &stderr
				if err := cmd.Run(); err != nil || stderr.Len() > 0 {
					t.Errorf("%s: %v %s", filepath.Base(cmd.Path), err, stderr.String())
				}
			}
			out, err := exec.Command(pdffonts, path).CombinedOutput()
			if err != nil {
				t.Fatalf("pdffonts: %v %s", err, out)
			}
			lines := strings.Split(strings.TrimSpace(string(out)), "\n")[2:]
			if len(lines) == 0 || len(lines) > 3 {
				t.Errorf("pdffonts lists %d fonts:\n%s", len(lines), out)
			}
			for _, l := range lines {
				if !fontLine.MatchString(l) {
					t.Errorf("font not embedded as a subset with its Unicode map: %q", l)
				}
			}
		})
	}
}

// testComponents are the glyphs a composite glyph is made of (TrueType glyf table).
func testComponents(b []byte) []int {
	if len(b) < 10 || int16(be16(b, 0)) >= 0 {
		return nil
	}
	var parts []int
	for p := 10; p+4 <= len(b); {
		flags := be16(b, p)
		parts = append(parts, be16(b, p+2))
		p += 4 + 2 // glyph index and two byte arguments
		if flags&0x1 != 0 {
			p += 2 // word arguments
		}
		switch {
		case flags&0x8 != 0:
			p += 2
		case flags&0x40 != 0:
			p += 4
		case flags&0x80 != 0:
			p += 8
		}
		if flags&0x20 == 0 {
			break
		}
	}
	return parts
}
