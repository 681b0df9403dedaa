package forms

import (
	"strings"

	"motcua/lookups"
)

// Vietnamese number words, in one style (the one civil-status books use):
// 10 "mười", 20+ "hai mươi"; after "mươi" 1 is "mốt", 4 is "tư", 5 is "lăm"
// ("mười lăm" too); a zero tens digit after hundreds is "linh" (105 "một
// trăm linh năm"); a zero hundreds digit after thousands is "không trăm".

var digitWords = [10]string{"không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín"}

// NumberWords writes 0 <= n < 1,000,000 in Vietnamese words.
func NumberWords(n int) string {
	if n < 0 || n >= 1000000 {
		return ""
	}
	if n == 0 {
		return "không"
	}
	var parts []string
	if th := n / 1000; th > 0 {
		parts = append(parts, below1000(th, false), "nghìn")
		n %= 1000
		if n == 0 {
			return strings.Join(parts, " ")
		}
		parts = append(parts, below1000(n, true))
		return strings.Join(parts, " ")
	}
	return below1000(n, false)
}

// below1000 writes 1..999; full writes "không trăm" and "linh" as after a thousand.
func below1000(n int, full bool) string {
	h, t, u := n/100, n/10%10, n%10
	var w []string
	if h > 0 || full {
		w = append(w, digitWords[h], "trăm")
		if t == 0 && u > 0 {
			w = append(w, "linh", digitWords[u])
			return strings.Join(w, " ")
		}
	}
	switch {
	case t == 0 && u == 0:
	case t == 0:
		w = append(w, digitWords[u])
	case t == 1:
		w = append(w, "mười")
		if u == 5 {
			w = append(w, "lăm")
		} else if u > 0 {
			w = append(w, digitWords[u])
		}
	default:
		w = append(w, digitWords[t], "mươi")
		switch u {
		case 0:
		case 1:
			w = append(w, "mốt")
		case 4:
			w = append(w, "tư")
		case 5:
			w = append(w, "lăm")
		default:
			w = append(w, digitWords[u])
		}
	}
	return strings.Join(w, " ")
}

// monthWords are the month names as written in words ("tháng tư", not "tháng bốn").
var monthWords = [13]string{"", "một", "hai", "ba", "tư", "năm", "sáu", "bảy", "tám", "chín", "mười", "mười một", "mười hai"}

// DateWords writes a date in Vietnamese words, e.g. 15/03/2026 ->
// "Ngày mười lăm tháng ba năm hai nghìn không trăm hai mươi sáu" ("" when invalid).
func DateWords(d lookups.Date) string {
	if !d.Valid() {
		return ""
	}
	return "Ngày " + NumberWords(d.Day) + " tháng " + monthWords[d.Month] + " năm " + NumberWords(d.Year)
}
