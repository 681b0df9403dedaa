package cardsim

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"math/rand/v2"
	"sync"

	"motcua/lookups"
	"motcua/lookups/card/icao"
)

// dg2 holds the face: a biometric information group template around an
// ISO/IEC 19794-5 facial record with a synthetic JPEG portrait.
func dg2(p Person, size int, noImage bool) []byte {
	img := portrait(p.ID, size)
	if noImage { // a made-up format: neither JPEG nor JPEG 2000
		img = append([]byte("XIMG"), img[4:]...)
	}
	gender := byte(0)
	switch p.Sex {
	case lookups.Male:
		gender = 1
	case lookups.Female:
		gender = 2
	}
	w, h := jpegSize(img)

	// Facial information block (20 bytes): record length, no feature
	// points, gender, the rest unspecified.
	const faceInfo, imageInfo = 20, 12
	face := make([]byte, faceInfo, faceInfo+imageInfo+len(img))
	binary.BigEndian.PutUint32(face[0:], uint32(faceInfo+imageInfo+len(img)))
	face[6] = gender
	// Image information block (12 bytes): full frontal, JPEG, size, RGB,
	// digital still camera.
	info := make([]byte, imageInfo)
	info[0], info[1] = 1, 0
	binary.BigEndian.PutUint16(info[2:], uint16(w))
	binary.BigEndian.PutUint16(info[4:], uint16(h))
	info[6], info[7] = 1, 2
	face = append(append(face, info...), img...)

	header := make([]byte, 14, 14+len(face))
	copy(header, "FAC\x00010\x00")
	binary.BigEndian.PutUint32(header[8:], uint32(14+len(face)))
	binary.BigEndian.PutUint16(header[12:], 1)
	record := append(header, face...)

	bhi := icao.Encode(0xA1,
		icao.Encode(0x80, []byte{0x01, 0x01}), // ICAO header version
		icao.Encode(0x81, []byte{0x02}),       // biometric type: facial features
		icao.Encode(0x87, []byte{0x01, 0x01}), // format owner
		icao.Encode(0x88, []byte{0x00, 0x08})) // format type
	return icao.Encode(0x75, icao.Encode(0x7F61, derInt(1), icao.Encode(0x7F60, bhi, icao.Encode(0x5F2E, record))))
}

// jpegSize reads the dimensions from a JPEG's frame header.
func jpegSize(b []byte) (w, h int) {
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		return 0, 0
	}
	return cfg.Width, cfg.Height
}

var (
	portraitMu    sync.Mutex
	portraitCache = map[portraitKey][]byte{}
)

type portraitKey struct {
	id   string
	size int
}

// portrait draws a deterministic, obviously synthetic head-and-shoulders
// picture for id and encodes it as a JPEG of size bytes: the largest quality
// that stays below the target, then a comment segment up to the exact size,
// so that read timings and chunking in tests do not depend on the encoder.
func portrait(id string, size int) []byte {
	portraitMu.Lock()
	defer portraitMu.Unlock()
	key := portraitKey{id, size}
	if b, ok := portraitCache[key]; ok {
		return b
	}
	var out []byte
	for _, dim := range [][2]int{{240, 320}, {120, 160}, {60, 80}} {
		img := drawPortrait(id, dim[0], dim[1])
		lo, hi := 1, 100
		for lo < hi { // largest quality with an encoding <= size
			q := (lo + hi + 1) / 2
			if len(encodeJPEG(img, q)) <= size {
				lo = q
			} else {
				hi = q - 1
			}
		}
		out = encodeJPEG(img, lo)
		if len(out) <= size {
			break
		}
	}
	out = padJPEG(out, size)
	portraitCache[key] = out
	return out
}

func encodeJPEG(img image.Image, quality int) []byte {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: quality}); err != nil {
		return nil
	}
	return buf.Bytes()
}

// padJPEG inserts comment (COM) segments after SOI until the JPEG is size bytes.
func padJPEG(img []byte, size int) []byte {
	if len(img) < 2 || len(img)+4 > size {
		return img
	}
	const note = "motcua: synthetic test portrait, not a real person. "
	var segs []byte
	for missing := size - len(img); missing >= 4; missing = size - len(img) - len(segs) {
		n := min(missing-4, 65533) // payload; the length field counts itself
		payload := bytes.Repeat([]byte(note), n/len(note)+1)[:n]
		segs = append(segs, 0xFF, 0xFE, byte((n+2)>>8), byte(n+2))
		segs = append(segs, payload...)
	}
	out := make([]byte, 0, size)
	out = append(out, img[:2]...)
	out = append(out, segs...)
	return append(out, img[2:]...)
}

// drawPortrait paints background, shoulders, neck, head, hair and a few
// facial marks with colours and proportions drawn from a seed of id, plus
// mild noise so the JPEG has some texture.
func drawPortrait(id string, w, h int) *image.RGBA {
	seed := sha256.Sum256([]byte("motcua portrait " + id))
	rng := rand.New(rand.NewPCG(binary.BigEndian.Uint64(seed[:8]), binary.BigEndian.Uint64(seed[8:16])))
	jitter := func(base, spread float64) float64 { return base + (rng.Float64()*2-1)*spread }

	bg := [3]float64{jitter(200, 30), jitter(215, 25), jitter(235, 20)}
	skin := [3]float64{jitter(222, 20), jitter(180, 20), jitter(150, 20)}
	hair := [3]float64{jitter(35, 25), jitter(28, 20), jitter(25, 20)}
	cloth := [3]float64{jitter(60, 50), jitter(70, 50), jitter(100, 60)}
	headRX, headRY := jitter(0.26, 0.03), jitter(0.25, 0.02)
	headY := jitter(0.43, 0.02)
	hairLine := headY - headRY*jitter(0.35, 0.1)

	img := image.NewRGBA(image.Rect(0, 0, w, h))
	inEllipse := func(x, y, cx, cy, rx, ry float64) float64 {
		dx, dy := (x-cx)/rx, (y-cy)/ry
		return dx*dx + dy*dy
	}
	for py := range h {
		for px := range w {
			x, y := float64(px)/float64(w), float64(py)/float64(h)
			// coordinates: x in [0,1], y in [0,1] of the height; the head
			// ellipse is scaled by the aspect ratio to stay round-ish
			ax := (x - 0.5) * float64(w) / float64(h) * 1.33
			c := bg
			shade := 1 - 0.25*y // background gradient
			switch {
			case inEllipse(ax, y, 0, headY, headRX*1.1, headRY*1.08) <= 1 && y < hairLine+0.02:
				c, shade = hair, 1
			case inEllipse(ax, y, 0, headY, headRX, headRY) <= 1:
				c = skin
				d := inEllipse(ax, y, 0, headY, headRX, headRY)
				shade = 1 - 0.2*d // rounder look: darker towards the edge
				switch {
				case inEllipse(math.Abs(ax), y, headRX*0.38, headY-0.01, 0.035, 0.015) <= 1:
					c, shade = [3]float64{40, 35, 30}, 1 // eyes
				case inEllipse(ax, y, 0, headY+headRY*0.55, 0.07, 0.016) <= 1:
					c, shade = [3]float64{170, 80, 80}, 1 // mouth
				case math.Abs(ax) < 0.012 && y > headY && y < headY+headRY*0.3:
					shade *= 0.9 // nose
				}
			case math.Abs(ax) < headRX*0.45 && y > headY && y < headY+headRY+0.08:
				c, shade = skin, 0.85 // neck
			case inEllipse(ax, y, 0, 1.08, 0.62, 0.3) <= 1:
				c, shade = cloth, 1-0.15*y // shoulders
			}
			n := rng.NormFloat64() * 6
			img.SetRGBA(px, py, color.RGBA{clamp(c[0]*shade + n), clamp(c[1]*shade + n), clamp(c[2]*shade + n), 255})
		}
	}
	return img
}

func clamp(v float64) uint8 {
	return uint8(max(0, min(255, math.Round(v))))
}
