package printing

import (
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/go-fonts/dejavu/dejavusans"
	"github.com/go-fonts/dejavu/dejavusansbold"
	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

// Thermal paper widths in printer dots (203 dpi heads).
const (
	Thermal80mm = 576
	Thermal58mm = 384
)

// The thermal layout is drawn as an image and sent as an ESC/POS raster, because code
// pages for Vietnamese are unreliable on receipt printers.

type thermalFaces struct {
	regular, bold, title, code, small font.Face
}

type fontPair struct{ regular, bold *opentype.Font }

var thermalFont = sync.OnceValues(func() (fontPair, error) {
	reg, err := opentype.Parse(dejavusans.TTF)
	if err != nil {
		return fontPair{}, err
	}
	bold, err := opentype.Parse(dejavusansbold.TTF)
	return fontPair{reg, bold}, err
})

// facesFor makes the faces for one rendering: an opentype face keeps scratch buffers and
// is not safe for concurrent use, while making one from the parsed font is cheap.
func facesFor(width int) (*thermalFaces, error) {
	fp, err := thermalFont()
	reg, bold := fp.regular, fp.bold
	if err != nil {
		return nil, fmt.Errorf("parse DejaVu Sans: %w", err)
	}
	body := 24.0
	if width < Thermal80mm {
		body = 20.0
	}
	mk := func(f *opentype.Font, size float64) (font.Face, error) {
		return opentype.NewFace(f, &opentype.FaceOptions{Size: size, DPI: 72, Hinting: font.HintingFull})
	}
	var fs thermalFaces
	for _, x := range []struct {
		dst  *font.Face
		f    *opentype.Font
		size float64
	}{
		{&fs.regular, reg, body}, {&fs.bold, bold, body}, {&fs.title, bold, body * 1.15},
		{&fs.code, bold, body * 1.25}, {&fs.small, reg, body * 0.8},
	} {
		if *x.dst, err = mk(x.f, x.size); err != nil {
			return nil, fmt.Errorf("font face: %w", err)
		}
	}
	return &fs, nil
}

// thermal draws lines of text down a tall white canvas, then crops it.
type thermal struct {
	img    *image.Gray
	width  int
	margin int
	y      int // top of the next line, in dots
}

func (t *thermal) gap(dots int) { t.y += dots }

// text draws s wrapped to the paper width; align is 'L' or 'C'. indent shifts wrapped
// continuation lines (and the first line when hanging is false).
func (t *thermal) text(face font.Face, s string, align byte, indent int) {
	m := face.Metrics()
	lineH := (m.Height + 2<<6).Ceil()
	maxW := t.width - 2*t.margin - indent
	for _, line := range wrap(face, s, maxW) {
		w := font.MeasureString(face, line).Ceil()
		x := t.margin + indent
		if align == 'C' {
			x = (t.width - w) / 2
		}
		t.grow(t.y + lineH)
		d := font.Drawer{Dst: t.img, Src: image.Black, Face: face,
			Dot: fixed.Point26_6{X: fixed.I(x), Y: fixed.I(t.y) + m.Ascent}}
		d.DrawString(line)
		t.y += lineH
	}
}

// field draws "label: value", wrapped to the paper width; an empty value prints dots to
// fill in by hand.
func (t *thermal) field(f *thermalFaces, label, value string) {
	if value == "" {
		value = "…………"
	}
	t.text(f.regular, label+": "+value, 'L', 0)
}

func (t *thermal) rule() {
	t.gap(6)
	t.grow(t.y + 2)
	for x := t.margin; x < t.width-t.margin; x++ {
		t.img.SetGray(x, t.y, color.Gray{0})
		t.img.SetGray(x, t.y+1, color.Gray{0})
	}
	t.gap(10)
}

// grow makes the canvas at least h dots tall.
func (t *thermal) grow(h int) {
	if h <= t.img.Bounds().Dy() {
		return
	}
	nh := max(h, 2*t.img.Bounds().Dy())
	n := image.NewGray(image.Rect(0, 0, t.width, nh))
	draw.Draw(n, n.Bounds(), image.White, image.Point{}, draw.Src)
	draw.Draw(n, t.img.Bounds(), t.img, image.Point{}, draw.Src)
	t.img = n
}

// wrap breaks s into lines no wider than maxW; a word wider than maxW is cut by runes.
func wrap(face font.Face, s string, maxW int) []string {
	var lines []string
	for _, para := range strings.Split(s, "\n") {
		cur := ""
		for _, word := range strings.Fields(para) {
			try := word
			if cur != "" {
				try = cur + " " + word
			}
			if font.MeasureString(face, try).Ceil() <= maxW {
				cur = try
				continue
			}
			if cur != "" {
				lines = append(lines, cur)
			}
			cur = ""
			for _, r := range word {
				if cur != "" && font.MeasureString(face, cur+string(r)).Ceil() > maxW {
					lines = append(lines, cur)
					cur = ""
				}
				cur += string(r)
			}
		}
		lines = append(lines, cur)
	}
	return lines
}

// RenderThermal draws the receipt for a thermal printer widthDots wide (Thermal80mm or
// Thermal58mm) as a 1-bit image: every pixel is black (0) or white (255).
func RenderThermal(r Receipt, widthDots int) (*image.Gray, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	if widthDots != Thermal80mm && widthDots != Thermal58mm {
		return nil, &Error{
			Clerk: "Khổ giấy in nhiệt chỉ hỗ trợ 80 mm hoặc 58 mm. Sửa khổ giấy trong cấu hình máy in.",
			Err:   fmt.Errorf("thermal width %d dots: want %d or %d", widthDots, Thermal80mm, Thermal58mm),
		}
	}
	f, err := facesFor(widthDots)
	if err != nil {
		return nil, &Error{Clerk: "Không tạo được giấy tiếp nhận. Báo quản trị.", Err: err}
	}
	r = r.normalized()
	t := &thermal{img: image.NewGray(image.Rect(0, 0, widthDots, 1200)), width: widthDots, margin: 8}
	draw.Draw(t.img, t.img.Bounds(), image.White, image.Point{}, draw.Src)

	if r.ParentAgency != "" {
		t.text(f.regular, strings.ToUpper(r.ParentAgency), 'C', 0)
	}
	if r.Agency != "" {
		t.text(f.bold, strings.ToUpper(r.Agency), 'C', 0)
	}
	t.rule()
	t.text(f.title, "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ", 'C', 0)
	t.gap(6)
	t.text(f.regular, "Mã hồ sơ", 'C', 0)
	t.text(f.code, r.DossierCode, 'C', 0)
	t.rule()
	t.field(f, "Người nộp", r.CitizenName)
	t.field(f, "Nhận lúc", FormatShortTime(r.ReceivedAt))
	t.gap(4)
	t.text(f.bold, "Thủ tục và hẹn trả kết quả:", 'L', 0)
	for i, p := range r.Procedures {
		t.text(f.regular, fmt.Sprintf("%d. %s", i+1, p.Name), 'L', 0)
		due := "…………"
		if !p.Appointment.IsZero() {
			due = FormatShortTime(p.Appointment)
		}
		t.text(f.bold, "Hẹn trả: "+due, 'L', 24)
	}
	t.gap(4)
	if r.ResultPlace != "" {
		t.field(f, "Nơi trả kết quả", r.ResultPlace)
	}
	for _, fee := range r.Fees {
		t.field(f, "Phí, lệ phí", fee.Procedure+": "+FeeText(fee))
	}
	for _, d := range r.Documents {
		if d.Electronic {
			t.text(f.small, d.Name+" "+ElectronicNote(d.Source), 'L', 0)
		}
	}
	t.field(f, "Cán bộ tiếp nhận", r.Officer)
	for _, n := range r.Notes {
		t.text(f.small, n, 'L', 0)
	}
	if err := t.qr(QRContent(r)); err != nil {
		return nil, &Error{Clerk: "Không tạo được mã QR cho giấy tiếp nhận. Thử in lại.", Err: err}
	}
	t.text(f.small, "Quét mã QR để tra cứu hồ sơ", 'C', 0)
	t.gap(8)

	out := image.NewGray(image.Rect(0, 0, widthDots, t.y))
	for y := 0; y < t.y; y++ {
		for x := 0; x < widthDots; x++ {
			if t.img.GrayAt(x, y).Y < 128 {
				out.Pix[y*out.Stride+x] = 0
			} else {
				out.Pix[y*out.Stride+x] = 255
			}
		}
	}
	return out, nil
}

// qr draws the QR code centred, with whole-dot modules about half the paper wide and a
// quiet zone of four modules above and below.
func (t *thermal) qr(content string) error {
	code, err := encodeQRM(content)
	if err != nil {
		return fmt.Errorf("qr encode: %w", err)
	}
	n := code.dim
	scale := max(t.width/2/n, 2)
	side := n * scale
	x0 := (t.width - side) / 2
	t.y += 4 * scale
	t.grow(t.y + side + 4*scale)
	for row := 0; row < n; row++ {
		for col := 0; col < n; col++ {
			if !code.dark(col, row) {
				continue
			}
			for dy := 0; dy < scale; dy++ {
				off := (t.y+row*scale+dy)*t.img.Stride + x0 + col*scale
				for dx := 0; dx < scale; dx++ {
					t.img.Pix[off+dx] = 0
				}
			}
		}
	}
	t.y += side + 4*scale
	return nil
}

// ESC/POS commands used here (Epson ESC/POS reference).
var (
	escInit = []byte{0x1b, 0x40}             // ESC @: initialize
	escFeed = []byte{0x1b, 0x64, 4}          // ESC d 4: print and feed 4 lines
	gsCut   = []byte{0x1d, 0x56, 0x42, 0x00} // GS V 66 0: feed to the cutter, partial cut
)

// rasterBand is the most rows sent in one GS v 0 command: small enough for the input
// buffers of cheap printers.
const rasterBand = 128

// EncodeESCPOS turns a 1-bit image (dark pixels print) into an ESC/POS job: ESC @, the
// image as GS v 0 raster bands, a feed and a paper cut.
func EncodeESCPOS(img image.Image) []byte {
	b := img.Bounds()
	wBytes := (b.Dx() + 7) / 8
	out := make([]byte, 0, len(escInit)+b.Dy()*wBytes+b.Dy()/rasterBand*8+16)
	out = append(out, escInit...)
	for y0 := b.Min.Y; y0 < b.Max.Y; y0 += rasterBand {
		h := min(rasterBand, b.Max.Y-y0)
		out = append(out, 0x1d, 0x76, 0x30, 0x00, byte(wBytes), byte(wBytes>>8), byte(h), byte(h>>8))
		for y := y0; y < y0+h; y++ {
			for xb := 0; xb < wBytes; xb++ {
				var v byte
				for bit := 0; bit < 8; bit++ {
					x := b.Min.X + xb*8 + bit
					if x < b.Max.X && isDark(img.At(x, y)) {
						v |= 0x80 >> bit
					}
				}
				out = append(out, v)
			}
		}
	}
	out = append(out, escFeed...)
	out = append(out, gsCut...)
	return out
}

// ESCPOSOptions tune an ESCPOSPrinter.
type ESCPOSOptions struct {
	Name    string        // what the clerk sees; empty means the address or device path
	Width   int           // Thermal80mm (the default when zero) or Thermal58mm
	Timeout time.Duration // bounds connecting and writing one job; zero means 20 s
}

// ESCPOSPrinter prints the thermal layout on an ESC/POS receipt printer, over a raw TCP
// socket (port 9100) or a device file (/dev/usb/lp0, a serial port).
type ESCPOSPrinter struct {
	name    string
	target  string
	network bool
	width   int
	timeout time.Duration
}

func newESCPOS(target string, network bool, opt ESCPOSOptions) (*ESCPOSPrinter, error) {
	p := &ESCPOSPrinter{name: opt.Name, target: target, network: network, width: opt.Width, timeout: opt.Timeout}
	if p.width == 0 {
		p.width = Thermal80mm
	}
	if p.width != Thermal80mm && p.width != Thermal58mm {
		return nil, &Error{
			Clerk: "Khổ giấy in nhiệt chỉ hỗ trợ 80 mm hoặc 58 mm. Sửa khổ giấy trong cấu hình máy in.",
			Err:   fmt.Errorf("escpos %s: width %d dots", target, p.width),
		}
	}
	if p.timeout <= 0 {
		p.timeout = 20 * time.Second
	}
	if p.name == "" {
		p.name = target
	}
	return p, nil
}

// NewESCPOSNetPrinter returns a printer at addr ("host" or "host:port"; port 9100 when
// omitted).
func NewESCPOSNetPrinter(addr string, opt ESCPOSOptions) (*ESCPOSPrinter, error) {
	addr = strings.TrimSpace(addr)
	if addr == "" {
		return nil, &Error{Clerk: "Chưa có địa chỉ máy in nhiệt. Điền địa chỉ trong cấu hình máy in.", Err: errors.New("escpos: empty address")}
	}
	if _, _, err := net.SplitHostPort(addr); err != nil {
		addr = net.JoinHostPort(strings.Trim(addr, "[]"), "9100")
	}
	return newESCPOS(addr, true, opt)
}

// NewESCPOSDevicePrinter returns a printer writing to a device file such as /dev/usb/lp0.
func NewESCPOSDevicePrinter(path string, opt ESCPOSOptions) (*ESCPOSPrinter, error) {
	if strings.TrimSpace(path) == "" {
		return nil, &Error{Clerk: "Chưa có đường dẫn máy in nhiệt. Điền đường dẫn trong cấu hình máy in.", Err: errors.New("escpos: empty device path")}
	}
	return newESCPOS(path, false, opt)
}

// Name implements Printer.
func (p *ESCPOSPrinter) Name() string { return p.name }

// Width is the paper width in dots.
func (p *ESCPOSPrinter) Width() int { return p.width }

func (p *ESCPOSPrinter) open(ctx context.Context) (io.WriteCloser, error) {
	ctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	if p.network {
		var d net.Dialer
		c, err := d.DialContext(ctx, "tcp", p.target)
		if err != nil {
			return nil, p.connError(err)
		}
		_ = c.SetDeadline(time.Now().Add(p.timeout))
		return c, nil
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(p.target, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return nil, p.connError(err)
	}
	return f, nil
}

func (p *ESCPOSPrinter) connError(err error) error {
	if p.network {
		return &Error{
			Clerk: "Không kết nối được máy in nhiệt " + p.name + ". Kiểm tra máy in đã bật và nối mạng, rồi in lại.",
			Err:   fmt.Errorf("escpos tcp %s: %w", p.target, err),
		}
	}
	clerk := "Không mở được máy in nhiệt " + p.name + ". Kiểm tra cáp USB và máy in đã bật, rồi in lại."
	if errors.Is(err, os.ErrPermission) {
		clerk = "Không có quyền dùng máy in nhiệt " + p.name + ". Báo quản trị cấp quyền (nhóm lp)."
	}
	return &Error{Clerk: clerk, Err: fmt.Errorf("escpos device %s: %w", p.target, err)}
}

// Status implements Printer: the socket accepts a connection, or the device file opens
// for writing. (Paper and cover state would need DLE EOT, which not every printer answers.)
func (p *ESCPOSPrinter) Status(ctx context.Context) error {
	w, err := p.open(ctx)
	if err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return p.connError(err)
	}
	return nil
}

// Print implements Printer: renders job.Receipt for the paper width and sends it whole.
func (p *ESCPOSPrinter) Print(ctx context.Context, job Job) error {
	if job.Receipt == nil {
		return &Error{
			Clerk: "Thiếu nội dung giấy tiếp nhận để in nhiệt. Thử in lại từ lịch sử hồ sơ.",
			Err:   fmt.Errorf("escpos %s: job %q has no Receipt", p.target, job.DossierCode),
		}
	}
	img, err := RenderThermal(*job.Receipt, p.width)
	if err != nil {
		return err
	}
	data := EncodeESCPOS(img)
	w, err := p.open(ctx)
	if err != nil {
		return err
	}
	_, werr := w.Write(data)
	cerr := w.Close()
	if err := errors.Join(werr, cerr); err != nil {
		return &Error{
			Clerk: "Gửi lệnh in tới máy in nhiệt " + p.name + " bị gián đoạn. Kiểm tra máy in rồi in lại.",
			Err:   fmt.Errorf("escpos %s: write %d bytes: %w", p.target, len(data), err),
		}
	}
	return nil
}

var _ Printer = (*ESCPOSPrinter)(nil)

func isDark(c color.Color) bool {
	r, g, b, _ := c.RGBA()
	return r+g+b < 3*0x8000
}
