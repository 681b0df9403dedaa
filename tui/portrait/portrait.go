// Package portrait shows the face image of a chip ID card (DG2) on the
// counter screen so that the clerk can compare it with the person at the
// counter: as terminal graphics where the terminal supports them (kitty
// graphics with Unicode placeholders, the iTerm2 inline image protocol,
// sixel), as half-block characters otherwise.
//
// Every byte of the image comes from the card and is treated as hostile:
// the data size is bounded, the declared dimensions are checked with
// image.DecodeConfig before anything is decoded, a decoder panic is caught,
// and the decoded picture is scaled down at once to a small working copy.
//
// The package knows nothing of the rest of the TUI: a [Portrait] is prepared
// from the raw image (in a tea.Cmd, not in Update: decoding takes a few
// milliseconds), [Portrait.View] renders it as half blocks, the encoders
// ([Portrait.Sixel], [Portrait.ITerm2], [Portrait.KittyTransmit]) produce the
// protocols' sequences, and [Model] is the Bubble Tea component that detects
// what the terminal can show and writes the graphics without breaking the
// frame (see model.go for how).
package portrait

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"sync"

	"golang.org/x/image/draw"
)

// Limits on what a card may hand us. A CCCD portrait is a JPEG of about
// 15-20 KB and 240x320 pixels; ICAO 9303 portraits stay well below 1000
// pixels a side. Anything past these limits is refused unread.
const (
	MaxDataBytes = 1 << 20 // 1 MiB of image data
	MaxSide      = 4096    // pixels, either side
	MaxPixels    = 4 << 20 // 4 Mpx (16 MiB as RGBA)
)

// workSide is the long side, in pixels, of the working copy kept after
// decoding: enough for the largest cell box (16x10 cells at 20x40 pixels a
// cell) without keeping the full picture in memory.
const workSide = 400

// Errors of [New]. They are English, for logs, and carry no personal data;
// [Portrait.Message] gives the clerk's Vietnamese line.
var (
	ErrNoImage     = errors.New("portrait: no image data")
	ErrTooLarge    = errors.New("portrait: image data too large")
	ErrDimensions  = errors.New("portrait: declared image dimensions out of bounds")
	ErrCorrupt     = errors.New("portrait: image data cannot be decoded")
	ErrJPEG2000    = errors.New("portrait: JPEG 2000 is not supported (no well-kept pure Go decoder is available)")
	ErrUnsupported = errors.New("portrait: unknown image format")
)

// Portrait is a prepared face image. It is immutable once made (the caches
// inside are guarded), so it can be shared between a tea.Cmd and the model.
type Portrait struct {
	img *image.RGBA // working copy, at most workSide on its long side; nil if it cannot be shown
	err error

	mu    sync.Mutex
	cache map[cacheKey]string
}

type cacheKey struct {
	kind       byte // 'b' blocks, 's' sixel, 'i' iTerm2, 'k' kitty
	cols, rows int
	cell       CellSize
	id         int
	tmux       bool
}

// New decodes the face image of DG2: format is card.Face.Format ("JPEG" or
// "JPEG 2000") and data its bytes. It never panics; a portrait that cannot be
// shown says why in [Portrait.Err] and [Portrait.Message].
func New(format string, data []byte) *Portrait {
	img, err := decode(format, data)
	p := &Portrait{err: err}
	if err == nil {
		w, h := img.Bounds().Dx(), img.Bounds().Dy()
		if w > workSide || h > workSide {
			w, h = fit(w, h, workSide, workSide)
			p.img = scale(img, w, h)
		} else { // keep the size; turn YCbCr into RGBA once
			p.img = image.NewRGBA(image.Rect(0, 0, w, h))
			draw.Draw(p.img, p.img.Bounds(), img, img.Bounds().Min, draw.Src)
		}
	}
	return p
}

// Err says why the portrait cannot be shown (nil when it can), in English.
func (p *Portrait) Err() error { return p.err }

// OK reports whether there is a picture to show.
func (p *Portrait) OK() bool { return p != nil && p.img != nil }

// Message is the clerk's line when the portrait cannot be shown: what
// happened and what to do instead. It is empty when the portrait is shown.
func (p *Portrait) Message() string {
	if p == nil {
		return "Chưa có ảnh chân dung."
	}
	const next = " Hãy đối chiếu với ảnh in trên thẻ."
	switch {
	case p.err == nil:
		return ""
	case errors.Is(p.err, ErrNoImage):
		return "Chip không có ảnh chân dung." + next
	case errors.Is(p.err, ErrJPEG2000):
		return "Không hiển thị được ảnh: ảnh trong chip là JPEG 2000, phần mềm chưa đọc được định dạng này." + next
	case errors.Is(p.err, ErrUnsupported):
		return "Không hiển thị được ảnh: định dạng ảnh trong chip không được hỗ trợ." + next
	case errors.Is(p.err, ErrTooLarge), errors.Is(p.err, ErrDimensions):
		return "Không hiển thị được ảnh: ảnh trong chip có kích thước bất thường." + next
	default:
		return "Không hiển thị được ảnh: dữ liệu ảnh trong chip bị hỏng." + next
	}
}

// Size is the pixel size of the working copy (0, 0 when there is none).
func (p *Portrait) Size() (w, h int) {
	if !p.OK() {
		return 0, 0
	}
	return p.img.Bounds().Dx(), p.img.Bounds().Dy()
}

func decode(format string, data []byte) (img image.Image, err error) {
	switch {
	case len(data) == 0:
		return nil, ErrNoImage
	case len(data) > MaxDataBytes:
		return nil, fmt.Errorf("%w: %d bytes (at most %d)", ErrTooLarge, len(data), MaxDataBytes)
	}
	switch format {
	case "JPEG":
	case "JPEG 2000":
		return nil, ErrJPEG2000
	default:
		return nil, fmt.Errorf("%w: %q", ErrUnsupported, format)
	}
	// Whatever the data, a decoder bug must not take the counter down.
	defer func() {
		if r := recover(); r != nil {
			img, err = nil, fmt.Errorf("%w: decoder panic: %v", ErrCorrupt, r)
		}
	}()
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	if err := checkDims(cfg.Width, cfg.Height); err != nil {
		return nil, err
	}
	img, err = jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	// The decoder trusts the first frame header as DecodeConfig does; check
	// again what it actually built.
	if err := checkDims(img.Bounds().Dx(), img.Bounds().Dy()); err != nil {
		return nil, err
	}
	return img, nil
}

func checkDims(w, h int) error {
	if w <= 0 || h <= 0 || w > MaxSide || h > MaxSide || w*h > MaxPixels {
		return fmt.Errorf("%w: %dx%d", ErrDimensions, w, h)
	}
	return nil
}

// fit returns the largest size with the aspect ratio of w:h that fits in
// boxW x boxH, at least 1x1.
func fit(w, h, boxW, boxH int) (int, int) {
	if w <= 0 || h <= 0 || boxW <= 0 || boxH <= 0 {
		return 0, 0
	}
	if w*boxH > h*boxW { // wider than the box: width bound
		return boxW, max(1, (h*boxW+w/2)/w)
	}
	return max(1, (w*boxH+h/2)/h), boxH
}

// scale resamples src to w x h (Catmull-Rom, which averages properly when
// shrinking).
func scale(src image.Image, w, h int) *image.RGBA {
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.CatmullRom.Scale(dst, dst.Bounds(), src, src.Bounds(), draw.Src, nil)
	return dst
}

// cached returns the cached value for k, or computes it with f and caches it.
func (p *Portrait) cached(k cacheKey, f func() string) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if s, ok := p.cache[k]; ok {
		return s
	}
	s := f()
	if p.cache == nil {
		p.cache = map[cacheKey]string{}
	}
	if len(p.cache) > 32 { // a few sizes and modes at most; never grow without bound
		clear(p.cache)
	}
	p.cache[k] = s
	return s
}
