package printing

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"image"
	"image/png"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The -update flag may be registered by another test file of the package too: whoever
// runs first registers it.
func init() {
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite the golden images in testdata/ (look at them before committing)")
	}
}

func updateFlag() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

// decodeESCPOS parses a job made of ESC @, GS v 0 raster bands and a trailer (ESC d n,
// GS V m [n]) back into an image, and reports whether the job ends with a paper cut.
func decodeESCPOS(data []byte) (*image.Gray, bool, error) {
	if !bytes.HasPrefix(data, escInit) {
		return nil, false, errors.New("job does not start with ESC @")
	}
	data = data[len(escInit):]
	width := -1
	var rows [][]byte
	cut := false
	for len(data) > 0 {
		switch {
		case len(data) >= 8 && data[0] == 0x1d && data[1] == 0x76 && data[2] == 0x30:
			if data[3] != 0 {
				return nil, false, fmt.Errorf("raster mode %d, want 0 (normal)", data[3])
			}
			wb := int(data[4]) | int(data[5])<<8
			h := int(data[6]) | int(data[7])<<8
			if width >= 0 && wb != width {
				return nil, false, fmt.Errorf("band width %d bytes after %d", wb, width)
			}
			width = wb
			data = data[8:]
			if len(data) < wb*h {
				return nil, false, fmt.Errorf("band of %d rows truncated", h)
			}
			for y := 0; y < h; y++ {
				rows = append(rows, data[y*wb:(y+1)*wb])
			}
			data = data[wb*h:]
		case len(data) >= 3 && data[0] == 0x1b && data[1] == 0x64:
			data = data[3:]
		case len(data) >= 3 && data[0] == 0x1d && data[1] == 0x56:
			cut = true
			if data[2] >= 65 {
				if len(data) < 4 {
					return nil, false, errors.New("truncated GS V")
				}
				data = data[4:]
			} else {
				data = data[3:]
			}
		default:
			return nil, false, fmt.Errorf("unexpected bytes % x", data[:min(8, len(data))])
		}
	}
	if width < 0 {
		return nil, false, errors.New("no raster in job")
	}
	img := image.NewGray(image.Rect(0, 0, width*8, len(rows)))
	for y, row := range rows {
		for x := 0; x < width*8; x++ {
			v := uint8(255)
			if row[x/8]&(0x80>>(x%8)) != 0 {
				v = 0
			}
			img.Pix[y*img.Stride+x] = v
		}
	}
	return img, cut, nil
}

// compareGolden compares img with testdata/name (rewriting it under -update): the sizes
// must match and at most maxDiff of the pixels may differ.
func compareGolden(t *testing.T, name string, img *image.Gray, maxDiff float64) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if updateFlag() {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := png.Encode(&buf, img); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s: look at it before committing", path)
		return
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("golden %s: %v (run go test -run %s -update, then look at the image)", path, err, t.Name())
	}
	defer f.Close()
	want, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	if want.Bounds().Size() != img.Bounds().Size() {
		t.Fatalf("image is %v, golden %s is %v", img.Bounds().Size(), path, want.Bounds().Size())
	}
	diff := 0
	wb := want.Bounds()
	for y := 0; y < wb.Dy(); y++ {
		for x := 0; x < wb.Dx(); x++ {
			if isDark(want.At(wb.Min.X+x, wb.Min.Y+y)) != (img.GrayAt(x, y).Y < 128) {
				diff++
			}
		}
	}
	total := wb.Dx() * wb.Dy()
	if frac := float64(diff) / float64(total); frac > maxDiff {
		out := filepath.Join(t.TempDir(), name)
		if fo, err := os.Create(out); err == nil {
			_ = png.Encode(fo, img)
			fo.Close()
		}
		t.Fatalf("%d of %d pixels (%.3f%%) differ from %s, more than %.3f%%; this rendering: %s",
			diff, total, 100*frac, path, 100*maxDiff, out)
	}
}

func TestESCPOSOverTCPMatchesGolden(t *testing.T) {
	for _, tc := range []struct {
		name  string
		width int
	}{
		{"80mm", Thermal80mm},
		{"58mm", Thermal58mm},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			got := make(chan []byte, 1)
			go func() {
				c, err := l.Accept()
				if err != nil {
					got <- nil
					return
				}
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(10 * time.Second))
				b, _ := io.ReadAll(c)
				got <- b
			}()
			p, err := NewESCPOSNetPrinter(l.Addr().String(), ESCPOSOptions{Name: "Máy in nhiệt", Width: tc.width, Timeout: 5 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			r := sampleReceipt(2, 3)
			if err := p.Print(context.Background(), Job{DossierCode: r.DossierCode, Receipt: &r}); err != nil {
				t.Fatalf("Print: %v", err)
			}
			var data []byte
			select {
			case data = <-got:
			case <-time.After(10 * time.Second):
				t.Fatal("listener got no job")
			}
			img, cut, err := decodeESCPOS(data)
			if err != nil {
				t.Fatalf("decode job of %d bytes: %v", len(data), err)
			}
			if !cut {
				t.Error("job does not end with a paper cut (GS V)")
			}
			if img.Bounds().Dx() != tc.width {
				t.Fatalf("raster is %d dots wide, want %d", img.Bounds().Dx(), tc.width)
			}
			// The decoded raster is what RenderThermal drew, bit for bit.
			direct, err := RenderThermal(r, tc.width)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(direct.Pix, img.Pix) {
				t.Error("decoded raster differs from RenderThermal's image")
			}
			compareGolden(t, "thermal-"+tc.name+".png", img, 0.005)
			checkQR(t, img, QRContent(r))
		})
	}
}

// checkQR scans the raster with a real QR reader (zbarimg, Debian package zbar-tools).
func checkQR(t *testing.T, img *image.Gray, want string) {
	t.Helper()
	zbar := needTool(t, "zbarimg", "zbar-tools")
	path := filepath.Join(t.TempDir(), "thermal.png")
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(zbar, "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", path).Output()
	if err != nil {
		t.Fatalf("zbarimg found no QR code in the thermal raster: %v", err)
	}
	if got := strings.TrimSpace(string(out)); got != want {
		t.Fatalf("thermal QR decodes to %q, want %q", got, want)
	}
}

func TestESCPOSDeviceFile(t *testing.T) {
	dev := filepath.Join(t.TempDir(), "lp0")
	if err := os.WriteFile(dev, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	p, err := NewESCPOSDevicePrinter(dev, ESCPOSOptions{Width: Thermal58mm})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Status(context.Background()); err != nil {
		t.Fatalf("Status: %v", err)
	}
	r := sampleReceipt(1, 1)
	if err := p.Print(context.Background(), Job{DossierCode: r.DossierCode, Receipt: &r}); err != nil {
		t.Fatalf("Print: %v", err)
	}
	data, err := os.ReadFile(dev)
	if err != nil {
		t.Fatal(err)
	}
	img, cut, err := decodeESCPOS(data)
	if err != nil || !cut || img.Bounds().Dx() != Thermal58mm {
		t.Fatalf("device got a bad job: err=%v cut=%v size=%v", err, cut, img.Bounds())
	}
}

func TestESCPOSErrors(t *testing.T) {
	// A port nothing listens on.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	r := sampleReceipt(1, 1)
	netp, err := NewESCPOSNetPrinter(addr, ESCPOSOptions{Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	devp, err := NewESCPOSDevicePrinter(filepath.Join(t.TempDir(), "missing", "lp0"), ESCPOSOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		run   func() error
		clerk string
	}{
		{"refused status", func() error { return netp.Status(context.Background()) }, "Không kết nối được máy in nhiệt"},
		{"refused print", func() error { return netp.Print(context.Background(), Job{DossierCode: r.DossierCode, Receipt: &r}) }, "Không kết nối được máy in nhiệt"},
		{"missing device", func() error { return devp.Status(context.Background()) }, "Không mở được máy in nhiệt"},
		{"no receipt", func() error {
			return devp.Print(context.Background(), Job{DossierCode: r.DossierCode, PDF: []byte("%PDF")})
		}, "Thiếu nội dung"},
		{"bad width", func() error { _, err := NewESCPOSNetPrinter("127.0.0.1", ESCPOSOptions{Width: 500}); return err }, "80 mm hoặc 58 mm"},
		{"invalid receipt", func() error { _, err := RenderThermal(Receipt{}, Thermal80mm); return err }, "Chưa có mã hồ sơ"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.run()
			var perr *Error
			if !errors.As(err, &perr) || !strings.Contains(perr.Clerk, tc.clerk) {
				t.Fatalf("error %v, want a clerk error containing %q", err, tc.clerk)
			}
		})
	}
}

func TestESCPOSDefaultPort(t *testing.T) {
	for in, want := range map[string]string{
		"192.0.2.10":      "192.0.2.10:9100",
		"192.0.2.10:9101": "192.0.2.10:9101",
		"printer.lan":     "printer.lan:9100",
		"[2001:db8::1]":   "[2001:db8::1]:9100",
	} {
		p, err := NewESCPOSNetPrinter(in, ESCPOSOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if p.Name() != want || p.Width() != Thermal80mm {
			t.Errorf("%q: name %q width %d, want %q and %d", in, p.Name(), p.Width(), want, Thermal80mm)
		}
	}
}

func TestRenderThermalIsOneBitAndDeterministic(t *testing.T) {
	r := sampleReceipt(4, 2)
	a, err := RenderThermal(r, Thermal80mm)
	if err != nil {
		t.Fatal(err)
	}
	b, err := RenderThermal(r, Thermal80mm)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Pix, b.Pix) {
		t.Fatal("two renderings differ")
	}
	for i, v := range a.Pix {
		if v != 0 && v != 255 {
			t.Fatalf("pixel %d is %d, want 0 or 255", i, v)
		}
	}
	// More procedures make a longer receipt.
	short, _ := RenderThermal(sampleReceipt(1, 2), Thermal80mm)
	if short.Bounds().Dy() >= a.Bounds().Dy() {
		t.Errorf("1 procedure: %d rows, 4 procedures: %d rows", short.Bounds().Dy(), a.Bounds().Dy())
	}
}

func TestRenderThermalConcurrent(t *testing.T) {
	want, err := RenderThermal(sampleReceipt(2, 1), Thermal58mm)
	if err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 8)
	for range 8 {
		go func() {
			got, err := RenderThermal(sampleReceipt(2, 1), Thermal58mm)
			if err == nil && !bytes.Equal(got.Pix, want.Pix) {
				err = errors.New("concurrent rendering differs")
			}
			errs <- err
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}

func TestEncodeESCPOSBands(t *testing.T) {
	img := image.NewGray(image.Rect(0, 0, 20, 300)) // all black, width not a multiple of 8
	data := EncodeESCPOS(img)
	back, cut, err := decodeESCPOS(data)
	if err != nil || !cut {
		t.Fatalf("decode: %v cut=%v", err, cut)
	}
	if back.Bounds().Dx() != 24 || back.Bounds().Dy() != 300 {
		t.Fatalf("decoded %v, want 24x300", back.Bounds())
	}
	for y := 0; y < 300; y++ {
		for x := 0; x < 24; x++ {
			if dark := back.GrayAt(x, y).Y == 0; dark != (x < 20) {
				t.Fatalf("pixel %d,%d dark=%v", x, y, dark)
			}
		}
	}
	if n := bytes.Count(data, []byte{0x1d, 0x76, 0x30, 0x00}); n != 3 {
		t.Errorf("%d GS v 0 bands for 300 rows, want 3", n)
	}
}

func BenchmarkRenderThermalESCPOS(b *testing.B) {
	r := sampleReceipt(2, 3)
	for b.Loop() {
		img, err := RenderThermal(r, Thermal80mm)
		if err != nil {
			b.Fatal(err)
		}
		_ = EncodeESCPOS(img)
	}
}
