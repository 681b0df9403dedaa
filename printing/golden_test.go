package printing

import (
	"bytes"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"testing"

	"motcua/internal/testenv"
)

// The golden renderings are rewritten only with `go test ./printing -run Golden -update`,
// after the new images were looked at. The flag may be registered by another test file of
// the package (the thermal goldens share it); register it here when it is not.
func init() {
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite the golden images in testdata/ (look at them before committing)")
	}
}

func updateGoldens() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

const (
	goldenDir = "testdata/golden"
	goldenDPI = "50"
	// maxInkDiff is the largest share of pixels whose ink (luminance < 50 %) may differ
	// from the golden: small enough to catch a moved line or a lost word, large enough
	// for anti-aliasing differences between poppler versions.
	maxInkDiff = 0.005
)

// goldenCase is one rendering compared with its golden images.
type goldenCase struct {
	name string
	pdf  func() ([]byte, error)
}

func receiptGolden(name string, r func() Receipt, size string) goldenCase {
	return goldenCase{name, func() ([]byte, error) {
		return RenderPDFBytes(r(), Options{Size: size, CreationDate: fixedCreation})
	}}
}

// goldenCases are the receipts and the one-stop forms (formCases).
func goldenCases() []goldenCase {
	cases := []goldenCase{
		receiptGolden("a4-single", func() Receipt { return sampleReceipt(1, 3) }, "A4"),
		receiptGolden("a4-bundle3", func() Receipt { return sampleReceipt(3, 3) }, "A4"),
		receiptGolden("a5-single", func() Receipt { return sampleReceipt(1, 3) }, "A5"),
		receiptGolden("a5-bundle3", func() Receipt { return sampleReceipt(3, 3) }, "A5"),
	}
	for _, fc := range formCases() {
		cases = append(cases, goldenCase{fc.name, func() ([]byte, error) {
			var buf bytes.Buffer
			err := fc.render(&buf)
			return buf.Bytes(), err
		}})
	}
	return cases
}

func TestGoldenRenderings(t *testing.T) {
	pdftoppm := testenv.NeedTool(t, "pdftoppm", "poppler-utils")
	for _, tc := range goldenCases() {
		t.Run(tc.name, func(t *testing.T) {
			pdf, err := tc.pdf()
			if err != nil {
				t.Fatal(err)
			}
			pages := rasterize(t, pdftoppm, pdf)
			if updateGoldens() {
				writeGoldens(t, tc.name, pages)
				return
			}
			golden, _ := filepath.Glob(filepath.Join(goldenDir, tc.name+"-p*.png"))
			sort.Strings(golden)
			if len(golden) == 0 {
				t.Fatalf("no golden images %s-p*.png in %s: run go test ./printing -run Golden -update and look at them", tc.name, goldenDir)
			}
			if len(golden) != len(pages) {
				t.Errorf("rendered %d pages, goldens have %d", len(pages), len(golden))
			}
			for i := 0; i < min(len(golden), len(pages)); i++ {
				want := readPNG(t, golden[i])
				share, err := inkDiff(pages[i], want)
				if err != nil {
					t.Errorf("page %d: %v", i+1, err)
					continue
				}
				if share > maxInkDiff {
					t.Errorf("page %d differs from %s in %.3f%% of pixels (limit %.1f%%)", i+1, golden[i], 100*share, 100*maxInkDiff)
				} else {
					t.Logf("page %d: %.3f%% of pixels differ", i+1, 100*share)
				}
			}
			if t.Failed() {
				if dir := os.Getenv("PRINTING_DUMP_DIR"); dir != "" {
					for i, p := range pages {
						writePNG(t, filepath.Join(dir, fmt.Sprintf("%s-p%d.png", tc.name, i+1)), p)
					}
				}
			}
		})
	}
}

// rasterize renders every page of pdf to a PNG at goldenDPI with pdftoppm.
func rasterize(t *testing.T, pdftoppm string, pdf []byte) []image.Image {
	t.Helper()
	dir := t.TempDir()
	in := filepath.Join(dir, "r.pdf")
	if err := os.WriteFile(in, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(pdftoppm, "-r", goldenDPI, "-png", in, filepath.Join(dir, "page")).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v: %s", err, out)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "page-*.png"))
	sort.Strings(files) // pdftoppm pads the page numbers to the same width
	if len(files) == 0 {
		t.Fatal("pdftoppm wrote no page")
	}
	var imgs []image.Image
	for _, f := range files {
		imgs = append(imgs, readPNG(t, f))
	}
	return imgs
}

func writeGoldens(t *testing.T, name string, pages []image.Image) {
	t.Helper()
	old, _ := filepath.Glob(filepath.Join(goldenDir, name+"-p*.png"))
	for _, f := range old {
		if err := os.Remove(f); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(goldenDir, 0o755); err != nil {
		t.Fatal(err)
	}
	for i, p := range pages {
		path := filepath.Join(goldenDir, fmt.Sprintf("%s-p%d.png", name, i+1))
		writePNG(t, path, p)
		t.Logf("wrote %s: look at it before committing", path)
	}
}

func readPNG(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("decode %s: %v", path, err)
	}
	return img
}

func writePNG(t *testing.T, path string, img image.Image) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(f, img); err != nil {
		f.Close()
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

func inked(c color.Color) bool { return color.GrayModel.Convert(c).(color.Gray).Y < 128 }

// inkDiff returns the share of pixels where one image has ink and the other has not.
func inkDiff(got, want image.Image) (float64, error) {
	gb, wb := got.Bounds(), want.Bounds()
	if gb.Dx() != wb.Dx() || gb.Dy() != wb.Dy() {
		return 0, fmt.Errorf("size %dx%d, golden %dx%d", gb.Dx(), gb.Dy(), wb.Dx(), wb.Dy())
	}
	diff := 0
	for y := 0; y < gb.Dy(); y++ {
		for x := 0; x < gb.Dx(); x++ {
			if inked(got.At(gb.Min.X+x, gb.Min.Y+y)) != inked(want.At(wb.Min.X+x, wb.Min.Y+y)) {
				diff++
			}
		}
	}
	return float64(diff) / float64(gb.Dx()*gb.Dy()), nil
}

func TestInkDiff(t *testing.T) {
	blank := func() *image.Gray {
		g := image.NewGray(image.Rect(0, 0, 100, 100))
		for i := range g.Pix {
			g.Pix[i] = 255
		}
		return g
	}
	a, b := blank(), blank()
	if d, err := inkDiff(a, b); err != nil || d != 0 {
		t.Fatalf("identical: %v %v", d, err)
	}
	for x := 0; x < 60; x++ { // 60 of 10 000 pixels: 0.6 %
		b.SetGray(x, 50, color.Gray{Y: 0})
	}
	b.SetGray(0, 0, color.Gray{Y: 200}) // light grey: no ink, no difference
	if d, _ := inkDiff(a, b); d != 0.006 {
		t.Errorf("diff = %v, want 0.006", d)
	}
	if _, err := inkDiff(a, image.NewGray(image.Rect(0, 0, 100, 99))); err == nil {
		t.Error("different sizes compared without error")
	}
}
