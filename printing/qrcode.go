package printing

import (
	"errors"
	"math"
	"strconv"
	"strings"
)

// encodeQRM encodes content as github.com/boombuler/barcode/qr's Encode(content, qr.M,
// qr.Auto) does, module for module (TestQRMatchesBoombuler), in a fifth of its time: the
// package draws all eight masks through bit lists and goroutine channels to choose the
// one with the lowest penalty, which was more than half the time of a batch of receipts.
// The encoding steps, the tables and the penalty rules are those of that package (MIT
// licence, © Florian Sundermann); the Reed-Solomon code is the standard one, computed
// without the package's polynomial objects.
func encodeQRM(content string) (*qrSymbol, error) {
	bits, vi, err := qrEncodeAuto(content)
	if err != nil {
		return nil, err
	}
	return qrRender(qrInterleave(bits.bytes(), vi), vi), nil
}

// qrVersion is a QR version at error correction level M.
type qrVersion struct {
	version, eccPerBlock, blocks1, data1, blocks2, data2 int
}

var qrVersionsM = []qrVersion{
	{1, 10, 1, 16, 0, 0}, {2, 16, 1, 28, 0, 0}, {3, 26, 1, 44, 0, 0}, {4, 18, 2, 32, 0, 0}, {5, 24, 2, 43, 0, 0},
	{6, 16, 4, 27, 0, 0}, {7, 18, 4, 31, 0, 0}, {8, 22, 2, 38, 2, 39}, {9, 22, 3, 36, 2, 37}, {10, 26, 4, 43, 1, 44},
	{11, 30, 1, 50, 4, 51}, {12, 22, 6, 36, 2, 37}, {13, 22, 8, 37, 1, 38}, {14, 24, 4, 40, 5, 41}, {15, 24, 5, 41, 5, 42},
	{16, 28, 7, 45, 3, 46}, {17, 28, 10, 46, 1, 47}, {18, 26, 9, 43, 4, 44}, {19, 26, 3, 44, 11, 45}, {20, 26, 3, 41, 13, 42},
	{21, 26, 17, 42, 0, 0}, {22, 28, 17, 46, 0, 0}, {23, 28, 4, 47, 14, 48}, {24, 28, 6, 45, 14, 46}, {25, 28, 8, 47, 13, 48},
	{26, 28, 19, 46, 4, 47}, {27, 28, 22, 45, 3, 46}, {28, 28, 3, 45, 23, 46}, {29, 28, 21, 45, 7, 46}, {30, 28, 19, 47, 10, 48},
	{31, 28, 2, 46, 29, 47}, {32, 28, 10, 46, 23, 47}, {33, 28, 14, 46, 21, 47}, {34, 28, 14, 46, 23, 47}, {35, 28, 12, 47, 26, 48},
	{36, 28, 6, 47, 34, 48}, {37, 28, 29, 46, 14, 47}, {38, 28, 13, 46, 32, 47}, {39, 28, 40, 47, 7, 48}, {40, 28, 18, 47, 31, 48},
}

// qrFormatM is the format information of level M with each mask, bit 14 first.
var qrFormatM = [8]int{0x5412, 0x5125, 0x5e7c, 0x5b4b, 0x45f9, 0x40ce, 0x4f97, 0x4aa0}

const (
	qrNumeric      = 1
	qrAlphaNumeric = 2
	qrByte         = 4
)

func (v *qrVersion) dataBytes() int { return v.blocks1*v.data1 + v.blocks2*v.data2 }
func (v *qrVersion) width() int     { return (v.version-1)*4 + 21 }

func (v *qrVersion) countBits(mode int) int {
	switch mode {
	case qrNumeric:
		switch {
		case v.version < 10:
			return 10
		case v.version < 27:
			return 12
		}
		return 14
	case qrAlphaNumeric:
		switch {
		case v.version < 10:
			return 9
		case v.version < 27:
			return 11
		}
		return 13
	}
	if v.version < 10 {
		return 8
	}
	return 16
}

func qrSmallestVersion(mode, dataBits int) *qrVersion {
	dataBits += 4
	for i := range qrVersionsM {
		v := &qrVersionsM[i]
		if v.dataBytes()*8 >= dataBits+v.countBits(mode) {
			return v
		}
	}
	return nil
}

func (v *qrVersion) alignment() []int {
	if v.version == 1 {
		return nil
	}
	first, last := 6, v.width()-7
	count := int(math.Ceil(float64(last-first)/28)) + 1
	res := make([]int, count)
	res[0], res[count-1] = first, last
	if count > 2 {
		step := int(math.Ceil(float64(last-first) / float64(count-1)))
		if step%2 == 1 {
			frac := float64(last-first) / float64(count-1)
			if _, x := math.Modf(frac); x >= 0.5 {
				frac = math.Ceil(frac)
			} else {
				frac = math.Floor(frac)
			}
			if int(frac)%2 == 0 {
				step--
			} else {
				step++
			}
		}
		for i := 1; i <= count-2; i++ {
			res[i] = last - step*(count-1-i)
		}
	}
	return res
}

// qrBits is a bit string, most significant bit first.
type qrBits struct {
	b []byte
	n int
}

func (q *qrBits) add(v, count int) {
	for i := count - 1; i >= 0; i-- {
		if q.n%8 == 0 {
			q.b = append(q.b, 0)
		}
		if v>>i&1 == 1 {
			q.b[q.n/8] |= 0x80 >> (q.n % 8)
		}
		q.n++
	}
}

func (q *qrBits) bytes() []byte { return q.b }

func (q *qrBits) pad(v *qrVersion) {
	for i := 0; i < 4 && q.n < v.dataBytes()*8; i++ {
		q.add(0, 1)
	}
	for q.n%8 != 0 {
		q.add(0, 1)
	}
	for i := 0; q.n < v.dataBytes()*8; i++ {
		if i%2 == 0 {
			q.add(236, 8)
		} else {
			q.add(17, 8)
		}
	}
}

const qrAlphaSet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"

// qrEncodeAuto is the data of content in the first mode that holds it: numeric,
// alphanumeric, bytes.
func qrEncodeAuto(content string) (*qrBits, *qrVersion, error) {
	if b, v := qrEncodeNumeric(content); b != nil {
		return b, v, nil
	}
	if b, v := qrEncodeAlpha(content); b != nil {
		return b, v, nil
	}
	v := qrSmallestVersion(qrByte, len(content)*8)
	if v == nil {
		return nil, nil, errors.New("qr: too much data to encode")
	}
	b := &qrBits{}
	b.add(qrByte, 4)
	b.add(len(content), v.countBits(qrByte))
	for i := 0; i < len(content); i++ {
		b.add(int(content[i]), 8)
	}
	b.pad(v)
	return b, v, nil
}

func qrEncodeNumeric(content string) (*qrBits, *qrVersion) {
	n := len(content) / 3 * 10
	switch len(content) % 3 {
	case 1:
		n += 4
	case 2:
		n += 7
	}
	v := qrSmallestVersion(qrNumeric, n)
	if v == nil {
		return nil, nil
	}
	b := &qrBits{}
	b.add(qrNumeric, 4)
	b.add(len(content), v.countBits(qrNumeric))
	for pos := 0; pos < len(content); pos += 3 {
		chunk := content[pos:min(pos+3, len(content))]
		i, err := strconv.Atoi(chunk) // as the package does: "+1" passes
		if err != nil || i < 0 {
			return nil, nil
		}
		bits := [3]int{10, 4, 7}[len(chunk)%3]
		b.add(i, bits)
	}
	b.pad(v)
	return b, v
}

func qrEncodeAlpha(content string) (*qrBits, *qrVersion) {
	n := len(content) / 2 * 11
	if len(content)%2 == 1 {
		n += 6
	}
	v := qrSmallestVersion(qrAlphaNumeric, n)
	if v == nil {
		return nil, nil
	}
	idx := make([]int, 0, len(content))
	for _, r := range content {
		i := strings.IndexRune(qrAlphaSet, r)
		if i < 0 {
			return nil, nil
		}
		idx = append(idx, i)
	}
	b := &qrBits{}
	b.add(qrAlphaNumeric, 4)
	b.add(len(content), v.countBits(qrAlphaNumeric))
	for i := 0; i+1 < len(idx); i += 2 {
		b.add(idx[i]*45+idx[i+1], 11)
	}
	if len(idx)%2 == 1 {
		b.add(idx[len(idx)-1], 6)
	}
	b.pad(v)
	return b, v
}

// The Reed-Solomon code of QR: GF(256) with the polynomial x⁸+x⁴+x³+x²+1 (285), the
// generator of n error correction codewords ∏(x - αⁱ), i < n.
var qrExp, qrLog = func() (exp [512]byte, log [256]int) {
	x := 1
	for i := range 255 {
		exp[i], log[x] = byte(x), i
		if x <<= 1; x >= 256 {
			x ^= 285
		}
	}
	for i := 255; i < 512; i++ {
		exp[i] = exp[i-255]
	}
	return
}()

func qrMul(a, b byte) byte {
	if a == 0 || b == 0 {
		return 0
	}
	return qrExp[qrLog[a]+qrLog[b]]
}

// qrGenerators are the generator polynomials by degree, highest coefficient first.
var qrGenerators = func() map[int][]byte {
	gens := map[int][]byte{}
	for _, v := range qrVersionsM {
		n := v.eccPerBlock
		if gens[n] != nil {
			continue
		}
		g := []byte{1}
		for i := range n {
			next := make([]byte, len(g)+1) // g · (x + αⁱ)
			for j, c := range g {
				next[j] ^= c
				next[j+1] ^= qrMul(c, qrExp[i])
			}
			g = next
		}
		gens[n] = g
	}
	return gens
}()

// qrECC is the n error correction codewords of data.
func qrECC(data []byte, n int) []byte {
	gen := qrGenerators[n]
	res := make([]byte, n)
	for _, d := range data {
		factor := d ^ res[0]
		copy(res, res[1:])
		res[n-1] = 0
		if factor != 0 {
			for j := range n {
				res[j] ^= qrMul(gen[j+1], factor)
			}
		}
	}
	return res
}

// qrInterleave splits data into the version's blocks, adds each block's error
// correction, and interleaves them.
func qrInterleave(data []byte, v *qrVersion) []byte {
	type block struct{ data, ecc []byte }
	var blocks []block
	pos := 0
	for g, count := range []int{v.blocks1, v.blocks2} {
		size := v.data1
		if g == 1 {
			size = v.data2
		}
		for range count {
			d := data[pos : pos+size]
			pos += size
			blocks = append(blocks, block{d, qrECC(d, v.eccPerBlock)})
		}
	}
	res := make([]byte, 0, v.dataBytes()+len(blocks)*v.eccPerBlock)
	for i := range max(v.data1, v.data2) {
		for _, b := range blocks {
			if i < len(b.data) {
				res = append(res, b.data[i])
			}
		}
	}
	for i := range v.eccPerBlock {
		for _, b := range blocks {
			res = append(res, b.ecc[i])
		}
	}
	return res
}

// qrSymbol is an encoded QR code: dark modules true, module (x, y) at x*dim+y.
type qrSymbol struct {
	dim  int
	mods []bool
}

func (q *qrSymbol) dark(x, y int) bool { return q.mods[x*q.dim+y] }

func qrMasked(x, y int, val bool, mask int) bool {
	var m bool
	switch mask {
	case 0:
		m = (y+x)%2 == 0
	case 1:
		m = y%2 == 0
	case 2:
		m = x%3 == 0
	case 3:
		m = (y+x)%3 == 0
	case 4:
		m = (y/2+x/3)%2 == 0
	case 5:
		m = (y*x)%2+(y*x)%3 == 0
	case 6:
		m = ((y*x)%2+(y*x)%3)%2 == 0
	case 7:
		m = ((y+x)%2+(y*x)%3)%2 == 0
	}
	return val != m
}

// qrRender places the codewords with each of the eight masks and keeps the one with the
// lowest penalty (the first of equals).
func qrRender(data []byte, v *qrVersion) *qrSymbol {
	dim := v.width()
	base := make([]bool, dim*dim)
	occupied := make([]bool, dim*dim)
	setAll := func(x, y int, val bool) {
		occupied[x*dim+y] = true
		base[x*dim+y] = val
	}
	finder := func(xoff, yoff int) {
		for x := -1; x < 8; x++ {
			for y := -1; y < 8; y++ {
				val := (x == 0 || x == 6 || y == 0 || y == 6 || (x > 1 && x < 5 && y > 1 && y < 5)) && (x <= 6 && y <= 6 && x >= 0 && y >= 0)
				if x+xoff >= 0 && x+xoff < dim && y+yoff >= 0 && y+yoff < dim {
					setAll(x+xoff, y+yoff, val)
				}
			}
		}
	}
	finder(0, 0)
	finder(0, dim-7)
	finder(dim-7, 0)
	pos := v.alignment()
	for _, ax := range pos {
		for _, ay := range pos {
			if occupied[ax*dim+ay] {
				continue
			}
			for x := -2; x <= 2; x++ {
				for y := -2; y <= 2; y++ {
					setAll(ax+x, ay+y, x == -2 || x == 2 || y == -2 || y == 2 || (x == 0 && y == 0))
				}
			}
		}
	}
	for i := range dim {
		if !occupied[i*dim+6] {
			setAll(i, 6, i%2 == 0)
		}
		if !occupied[6*dim+i] {
			setAll(6, i, i%2 == 0)
		}
	}
	setAll(8, dim-8, true)
	if v.version >= 7 {
		info := v.version << 12
		r := info
		for i := 17; i >= 12; i-- {
			if r>>i&1 == 1 {
				r ^= 0x1f25 << (i - 12)
			}
		}
		info |= r
		for i := range 18 {
			x, y := dim-11+i%3, i/3
			setAll(x, y, info>>i&1 == 1)
			setAll(y, x, info>>i&1 == 1)
		}
	}
	formatPos := func(set func(x, y, bit int)) {
		for i, p := range [][2]int{{0, 8}, {1, 8}, {2, 8}, {3, 8}, {4, 8}, {5, 8}, {7, 8}, {8, 8}, {8, 7}, {8, 5}, {8, 4}, {8, 3}, {8, 2}, {8, 1}, {8, 0}} {
			set(p[0], p[1], i)
		}
		for i := range 7 {
			set(8, dim-1-i, i)
		}
		for i := range 8 {
			set(dim-8+i, 8, 7+i)
		}
	}
	formatPos(func(x, y, _ int) { occupied[x*dim+y] = true })

	// The free modules in placement order, and the data bit of each.
	var free []int
	var bits []bool
	n := 0
	put := func(x, y int) {
		if !occupied[x*dim+y] {
			free = append(free, x*dim+y)
			bits = append(bits, n < len(data)*8 && (data[n/8]>>(7-n%8))&1 == 1)
			n++
		}
	}
	for x, y, up := dim-1, dim-1, true; ; {
		put(x, y)
		put(x-1, y)
		if up {
			if y--; y < 0 {
				y, x = 0, x-2
				if x == 6 {
					x--
				}
				if x < 0 {
					break
				}
				up = false
			}
		} else {
			if y++; y >= dim {
				y, x = dim-1, x-2
				if x == 6 {
					x--
				}
				up = true
				if x < 0 {
					break
				}
			}
		}
	}

	var best *qrSymbol
	bestPenalty := ^uint(0)
	for mask := range 8 {
		s := &qrSymbol{dim: dim, mods: make([]bool, dim*dim)}
		copy(s.mods, base)
		f := qrFormatM[mask]
		formatPos(func(x, y, bit int) { s.mods[x*dim+y] = f>>(14-bit)&1 == 1 })
		for i, at := range free {
			s.mods[at] = qrMasked(at/dim, at%dim, bits[i], mask)
		}
		if p := s.penalty(); p < bestPenalty {
			best, bestPenalty = s, p
		}
	}
	return best
}

// penalty is the sum of the four penalty rules, computed as the package computes them.
func (q *qrSymbol) penalty() uint {
	dim, m := q.dim, q.mods
	var res uint
	// Rule 1: runs of five or more modules of one colour, in rows and columns.
	for x := range dim {
		checkX, checkY := false, false
		var cntX, cntY uint
		for y := range dim {
			if m[x*dim+y] == checkX {
				cntX++
			} else {
				checkX = !checkX
				if cntX >= 5 {
					res += cntX - 2
				}
				cntX = 1
			}
			if m[y*dim+x] == checkY {
				cntY++
			} else {
				checkY = !checkY
				if cntY >= 5 {
					res += cntY - 2
				}
				cntY = 1
			}
		}
		if cntX >= 5 {
			res += cntX - 2
		}
		if cntY >= 5 {
			res += cntY - 2
		}
	}
	// Rule 2: 2×2 blocks of one colour.
	for x := 0; x < dim-1; x++ {
		for y := 0; y < dim-1; y++ {
			c := m[x*dim+y]
			if m[x*dim+y+1] == c && m[(x+1)*dim+y] == c && m[(x+1)*dim+y+1] == c {
				res += 3
			}
		}
	}
	// Rule 3: the finder-like patterns 1011101 0000 and 0000 1011101, along x and
	// along y: a window of the last 11 modules slides along each line.
	for a := range dim {
		var wx, wy int
		for b := range dim {
			wx = (wx<<1 | qrBit(m[b*dim+a])) & 0x7ff
			wy = (wy<<1 | qrBit(m[a*dim+b])) & 0x7ff
			if b >= 10 {
				if wx == qrPattern1 || wx == qrPattern2 {
					res += 40
				}
				if wy == qrPattern1 || wy == qrPattern2 {
					res += 40
				}
			}
		}
	}
	// Rule 4: the share of dark modules away from half.
	dark := 0
	for _, d := range m {
		if d {
			dark++
		}
	}
	perc := float64(dark) * 100 / float64(len(m))
	floor := math.Abs(math.Floor(perc/5) - 10)
	ceil := math.Abs(math.Ceil(perc/5) - 10)
	return res + uint(math.Min(floor, ceil)*10)
}

// The patterns of penalty rule 3, first module in the highest bit.
const (
	qrPattern1 = 0b10111010000
	qrPattern2 = 0b00001011101
)

func qrBit(b bool) int {
	if b {
		return 1
	}
	return 0
}
