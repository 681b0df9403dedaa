package printing

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// batchReceipts returns n synthetic receipts with distinct codes and names; every fifth
// is a three-procedure bundle and every seventh has enough documents to run over a page.
func batchReceipts(n int) []Receipt {
	rs := make([]Receipt, n)
	for i := range rs {
		nProc, nDoc := 1, 3
		if i%5 == 4 {
			nProc = 3
		}
		if i%7 == 6 {
			nDoc = 24
		}
		r := sampleReceipt(nProc, nDoc)
		r.DossierCode = fmt.Sprintf("G22.99.08-261123-%04d", i+1)
		r.CitizenName = fmt.Sprintf("Công Dân Thử %03d", i+1)
		rs[i] = r
	}
	return rs
}

func TestRenderBatchPDF(t *testing.T) {
	for _, size := range []string{"A4", "A5"} {
		t.Run(size, func(t *testing.T) {
			rs := batchReceipts(8) // receipt 5 is a bundle, receipt 7 runs over a page
			var buf bytes.Buffer
			if err := RenderBatchPDF(&buf, rs, Options{Size: size, CreationDate: fixedCreation}); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(t.TempDir(), "batch.pdf")
			if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			text := pdfText(t, path)
			pages := strings.Split(strings.TrimSuffix(text, "\f"), "\f")
			if n := pageCount(t, path); n != len(pages) || n < len(rs)+1 {
				t.Fatalf("pages = %d (text pages %d), want more than %d", n, len(pages), len(rs))
			}
			// Every receipt starts on a page of its own, in order, and its own pages carry
			// its own code; a one-page receipt has no page number, a longer one "Trang k/n".
			p := 0
			for i := range rs {
				code := rs[i].DossierCode
				if !strings.Contains(squash(pages[p]), "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ") ||
					!strings.Contains(squash(pages[p]), "Mã hồ sơ: "+code) ||
					!strings.Contains(squash(pages[p]), rs[i].CitizenName) {
					t.Fatalf("page %d does not start receipt %d (%s)", p+1, i+1, code)
				}
				n := 1
				for p+n < len(pages) && !strings.Contains(pages[p+n], "GIẤY TIẾP NHẬN HỒ SƠ") {
					n++
				}
				for k := 1; k <= n; k++ {
					flat := squash(pages[p+k-1])
					num := fmt.Sprintf("Mã hồ sơ: %s — Trang %d/%d", code, k, n)
					if n > 1 && !strings.Contains(flat, num) {
						t.Errorf("receipt %d page %d lacks %q", i+1, k, num)
					}
					if n == 1 && strings.Contains(flat, "Trang ") {
						t.Errorf("one-page receipt %d carries a page number", i+1)
					}
				}
				if !strings.Contains(squash(pages[p+n-1]), "NGƯỜI TIẾP NHẬN HỒ SƠ") {
					t.Errorf("receipt %d: signatures not on its last page", i+1)
				}
				if i == 6 && n < 2 {
					t.Errorf("receipt 7 with 24 documents has %d page", n)
				}
				if i == 4 && !strings.Contains(squash(strings.Join(pages[p:p+n], " ")), "Cấp Thẻ bảo hiểm y tế cho người dưới 6 tuổi: 12 giờ 05 phút") {
					t.Errorf("bundle receipt 5 lacks the third appointment")
				}
				p += n
			}
			if p != len(pages) {
				t.Errorf("%d pages left after the last receipt", len(pages)-p)
			}

			var again bytes.Buffer
			if err := RenderBatchPDF(&again, rs, Options{Size: size, CreationDate: fixedCreation}); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(buf.Bytes(), again.Bytes()) {
				t.Error("same batch gave different bytes")
			}
		})
	}
}

// A batch of one is the same document as RenderPDF gives.
func TestRenderBatchOfOneEqualsRenderPDF(t *testing.T) {
	r := sampleReceipt(3, 24)
	for _, size := range []string{"A4", "A5"} {
		opt := Options{Size: size, CreationDate: fixedCreation}
		single, err := RenderPDFBytes(r, opt)
		if err != nil {
			t.Fatal(err)
		}
		var batch bytes.Buffer
		if err := RenderBatchPDF(&batch, []Receipt{r}, opt); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(single, batch.Bytes()) {
			t.Errorf("%s: batch of one differs from RenderPDF", size)
		}
	}
}

func TestRenderBatchRejects(t *testing.T) {
	bad := batchReceipts(3)
	bad[1].DossierCode = ""
	cases := []struct {
		name  string
		rs    []Receipt
		opt   Options
		clerk string
	}{
		{"empty", nil, Options{}, "Chưa chọn giấy tiếp nhận nào"},
		{"invalid second", bad, Options{}, "Giấy thứ 2"},
		{"unknown size", batchReceipts(1), Options{Size: "A3"}, "Khổ giấy A3"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			err := RenderBatchPDF(&buf, tc.rs, tc.opt)
			var pe *Error
			if !errors.As(err, &pe) || !strings.Contains(pe.Clerk, tc.clerk) {
				t.Fatalf("err = %v, want *Error whose clerk text has %q", err, tc.clerk)
			}
			if buf.Len() != 0 {
				t.Error("bytes written for a rejected batch")
			}
		})
	}
	if err := RenderBatchPDF(&bytes.Buffer{}, bad, Options{}); !errors.Is(err, ErrInvalidReceipt) {
		t.Errorf("invalid receipt error does not wrap ErrInvalidReceipt: %v", err)
	}
}

// BenchmarkRenderBatchPDF renders 100 one-page receipts into one document and reports
// receipt pages per second (goal: at least 300).
func BenchmarkRenderBatchPDF(b *testing.B) {
	for _, size := range []string{"A4", "A5"} {
		b.Run(size, func(b *testing.B) {
			rs := make([]Receipt, 100)
			for i := range rs {
				rs[i] = sampleReceipt(1, 3)
				rs[i].DossierCode = fmt.Sprintf("G22.99.08-261123-%04d", i+1)
			}
			opt := Options{Size: size, CreationDate: fixedCreation}
			var buf bytes.Buffer
			b.ReportAllocs()
			for b.Loop() {
				buf.Reset()
				if err := RenderBatchPDF(&buf, rs, opt); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(rs)*b.N)/b.Elapsed().Seconds(), "pages/s")
			b.ReportMetric(float64(buf.Len())/float64(len(rs)), "bytes/page")
		})
	}
}

// In a batch, the last footer of a receipt over several pages is drawn when the next
// receipt starts: it keeps its own receipt's sizes, not those of a next receipt
// tightened to fit one page.
func TestBatchFooterKeepsItsReceiptSizes(t *testing.T) {
	long, bundle := sampleReceipt(1, 24), sampleReceipt(3, 3) // two A4 pages, then a tightened page
	n := bundle.normalized()
	code, err := encodeQR(n)
	if err != nil {
		t.Fatal(err)
	}
	if g := fitted(n, geomA4, code); g.fs == geomA4.fs {
		t.Fatal("the bundle's receipt is not tightened: the case no longer tests it")
	}
	var buf bytes.Buffer
	if err := RenderBatchPDF(&buf, []Receipt{long, bundle}, Options{CreationDate: fixedCreation}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "batch.pdf")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	bin := needTool(t, "pdftotext", "poppler-utils")
	// the box of the footer's word "Trang" on each page
	boxes := map[int][4]float64{}
	for page := 1; page <= 2; page++ {
		out, err := exec.Command(bin, "-bbox", "-f", strconv.Itoa(page), "-l", strconv.Itoa(page), path, "-").Output()
		if err != nil {
			t.Fatalf("pdftotext: %v", err)
		}
		m := regexp.MustCompile(`<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">Trang</word>`).FindSubmatch(out)
		if m == nil {
			t.Fatalf("page %d has no footer", page)
		}
		var b [4]float64
		for i := range b {
			b[i], _ = strconv.ParseFloat(string(m[i+1]), 64)
		}
		boxes[page] = b
	}
	h1, h2 := boxes[1][3]-boxes[1][1], boxes[2][3]-boxes[2][1]
	if math.Abs(h1-h2) > 0.01 || math.Abs(boxes[1][1]-boxes[2][1]) > 0.01 {
		t.Errorf("footer of page 2 at y %.2f, %.2f pt high; page 1's at y %.2f, %.2f pt high", boxes[2][1], h2, boxes[1][1], h1)
	}
}

// Receipts added to a BatchWriter group after group make the document RenderBatchPDF makes
// of them at once, byte for byte; an invalid one is refused with its place in the document.
// (The batch branch's test, kept as it is: BatchWriter is now built on the parallel drawing.)
func TestBatchWriterIsRenderBatchPDF(t *testing.T) {
	rs := batchReceipts(9)
	for _, opt := range []Options{{CreationDate: fixedCreation}, {Size: "A5"}} {
		var want bytes.Buffer
		if err := RenderBatchPDF(&want, rs, opt); err != nil {
			t.Fatal(err)
		}
		bw, err := NewBatchWriter(opt)
		if err != nil {
			t.Fatal(err)
		}
		for _, part := range [][]Receipt{rs[:1], rs[1:5], nil, rs[5:]} {
			if err := bw.Add(part...); err != nil {
				t.Fatal(err)
			}
		}
		var got bytes.Buffer
		if err := bw.Finish(&got); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Bytes(), want.Bytes()) || bw.Len() != len(rs) {
			t.Errorf("%+v: the streamed document (%d bytes, %d receipts) differs from RenderBatchPDF's (%d bytes)",
				opt, got.Len(), bw.Len(), want.Len())
		}
	}
	// one receipt: the single receipt's title, as RenderBatchPDF gives it
	var want, got bytes.Buffer
	if err := RenderBatchPDF(&want, rs[:1], Options{}); err != nil {
		t.Fatal(err)
	}
	bw, _ := NewBatchWriter(Options{})
	if err := bw.Add(rs[0]); err != nil {
		t.Fatal(err)
	}
	if err := bw.Finish(&got); err != nil || !bytes.Equal(got.Bytes(), want.Bytes()) {
		t.Errorf("one receipt: differs from RenderBatchPDF (%v)", err)
	}
	bad := rs[2]
	bad.DossierCode = ""
	bw, _ = NewBatchWriter(Options{})
	if err := bw.Add(rs[0], rs[1]); err != nil {
		t.Fatal(err)
	}
	var pe *Error
	if err := bw.Add(rs[3], bad); !errors.As(err, &pe) || !strings.Contains(pe.Clerk, "Giấy thứ 4") || bw.Len() != 2 {
		t.Errorf("invalid receipt: %v (added %d)", err, bw.Len())
	}
	if err := (&BatchWriter{}).Finish(&got); err == nil {
		t.Error("an empty batch was written")
	}
}

// A receipt's QR code encoded once (EncodeQR, Receipt.QR) is the one every rendering draws:
// the same bytes as encoding it there, for a single receipt and a batch; the symbol given is
// drawn, not encoded again; one that carries another receipt's content is not used.
func TestEncodedQRIsReused(t *testing.T) {
	r := sampleReceipt(1, 3)
	opt := Options{CreationDate: fixedCreation}
	plain, err := RenderPDFBytes(r, opt)
	if err != nil {
		t.Fatal(err)
	}
	if r.QR, err = EncodeQR(r); err != nil {
		t.Fatal(err)
	}
	once, err := RenderPDFBytes(r, opt)
	if err != nil || !bytes.Equal(once, plain) {
		t.Fatalf("with the code encoded beforehand: %v, same bytes %v", err, bytes.Equal(once, plain))
	}
	var a, b bytes.Buffer
	if err := RenderBatchPDF(&a, []Receipt{r, r}, opt); err != nil {
		t.Fatal(err)
	}
	r2 := r
	r2.QR = nil
	if err := RenderBatchPDF(&b, []Receipt{r2, r2}, opt); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("a batch draws another code than the one encoded beforehand")
	}

	// the symbol given is drawn as it is (here another one, under the right content)
	other, err := encodeQRM("G22.99.08-000000-0000")
	if err != nil {
		t.Fatal(err)
	}
	forged := r
	forged.QR = &QRCode{content: r.QR.content, sym: other}
	drawn, err := RenderPDFBytes(forged, opt)
	if err != nil || bytes.Equal(drawn, plain) {
		t.Fatalf("the symbol given was encoded again instead of drawn: %v", err)
	}
	// a code of another receipt is not drawn
	wrong := sampleReceipt(1, 3)
	wrong.DossierCode = "G22.99.08-261123-0099"
	if forged.QR, err = EncodeQR(wrong); err != nil {
		t.Fatal(err)
	}
	if got, err := RenderPDFBytes(forged, opt); err != nil || !bytes.Equal(got, plain) {
		t.Errorf("another receipt's code was drawn: %v", err)
	}
}
