package card

// HistoricalBytes returns the historical bytes of an ATR (ISO 7816-3), or
// nil when the ATR is malformed.
func HistoricalBytes(atr []byte) []byte {
	if len(atr) < 2 {
		return nil
	}
	k := int(atr[1] & 0x0F)
	y := atr[1] >> 4
	i := 2
	for {
		for bit := byte(1); bit <= 4; bit <<= 1 { // TA, TB, TC present
			if y&bit != 0 && bit != 8 {
				i++
			}
		}
		if y&8 == 0 {
			break
		}
		if i >= len(atr) { // TD
			return nil
		}
		y = atr[i] >> 4
		i++
	}
	if i+k > len(atr) {
		return nil
	}
	return atr[i : i+k]
}

// ExtendedLength reports whether the ATR's card capabilities (compact-TLV
// tag 7, third byte, bit 7) announce extended Lc and Le fields.
func ExtendedLength(atr []byte) bool {
	h := HistoricalBytes(atr)
	if len(h) < 2 || h[0] != 0x80 {
		return false
	}
	for i := 1; i < len(h); {
		tag, n := h[i]>>4, int(h[i]&0x0F)
		i++
		if i+n > len(h) {
			return false
		}
		if tag == 0x7 && n >= 3 {
			return h[i+2]&0x40 != 0
		}
		i += n
	}
	return false
}
