package qr

import (
	"strings"
	"testing"
	"unicode/utf8"

	"motcua/lookups/pid"
)

func FuzzParse(f *testing.F) {
	f.Add(validA())
	f.Add(validA() + "\r\n")
	f.Add(line(idB, "", nameB, "29022004", "Nam", addrB, "01082024", "", "Lê Văn Cha"))
	f.Add(line(idA, "", "Tr?n Th?", "09071991", "N?", "H? N?i", "15032022"))
	f.Add(line(idA, "", nameA))
	f.Add("||||||")
	f.Add("\xff|\x00")
	f.Add(line(idA, "", "Tr\x00n\u200b", "09071991", "Nữ", "H\x1b", "15032022", "\x00"))
	f.Fuzz(func(t *testing.T, s string) {
		c, err := Parse(s)
		_ = LooksLikeQR(s)
		if err != nil {
			return
		}
		if perr := pid.Validate(c.Citizen.ID, c.Citizen.BirthDate, c.Citizen.Sex); perr != nil {
			t.Fatalf("Parse(%q) returned a card with an invalid ID: %v", s, perr)
		}
		if !c.Citizen.BirthDate.Valid() || !c.Citizen.IssueDate.Valid() {
			t.Fatalf("Parse(%q) returned invalid dates", s)
		}
		for _, v := range append([]string{c.Citizen.FullName, c.Citizen.CardAddress, c.Citizen.OldID}, c.Extra...) {
			if strings.ContainsFunc(v, isControl) {
				t.Fatalf("Parse(%q) kept a control character: %q", s, v)
			}
		}
		if utf8.RuneCountInString(c.Citizen.FullName) > MaxName || utf8.RuneCountInString(c.Citizen.CardAddress) > MaxAddress || len(c.Extra) > MaxExtraFields {
			t.Fatalf("Parse(%q) returned a field beyond its limit", s)
		}
		if !LooksLikeQR(s) {
			t.Fatalf("Parse accepted %q but LooksLikeQR rejects it", s)
		}
	})
}
