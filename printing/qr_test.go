package printing

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The QR is drawn as vector rectangles, not embedded as an image, so the honest check is
// to rasterize the page (pdftoppm) and decode it with a real QR reader (zbarimg, Debian
// package zbar-tools), then compare with QRContent.
func TestQRDecodesToDossierCode(t *testing.T) {
	cases := []struct {
		name, url string
	}{
		{"code only", ""},
		{"with lookup URL", "https://dichvucong.example.vn/tra-cuu"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := sampleReceipt(1, 2)
			r.LookupURL = tc.url
			path := renderToFile(t, r)
			ppm := needTool(t, "pdftoppm", "poppler-utils")
			zbar := needTool(t, "zbarimg", "zbar-tools")
			prefix := filepath.Join(t.TempDir(), "page")
			if out, err := exec.Command(ppm, "-png", "-r", "200", "-f", "1", "-l", "1", path, prefix).CombinedOutput(); err != nil {
				t.Fatalf("pdftoppm: %v\n%s", err, out)
			}
			out, err := exec.Command(zbar, "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", prefix+"-1.png").Output()
			if err != nil {
				t.Fatalf("zbarimg found no QR code: %v", err)
			}
			got := strings.TrimSpace(string(out))
			want := QRContent(r)
			if got != want {
				t.Fatalf("QR decodes to %q, want %q", got, want)
			}
			if !strings.Contains(got, r.DossierCode) {
				t.Fatalf("QR %q lacks the dossier code", got)
			}
		})
	}
}
