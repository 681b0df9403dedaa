// Package vntext normalizes and compares Vietnamese text: NFC for every input,
// comparison that folds tone-mark placement (hoà = hòa), and diacritic-free
// search keys (Đăng ký -> dang ky).
package vntext

// NFC returns s in Unicode NFC.
func NFC(s string) string { panic("not implemented") }

// Clean is NFC plus trimmed and inner runs of white space collapsed to one space.
func Clean(s string) string { panic("not implemented") }

// FoldTone returns the canonical form of s with tone marks placed by one rule
// (the "new" style: hòa, thủy), NFC, so that Hoà and Hòa fold equal. Case is kept.
func FoldTone(s string) string { panic("not implemented") }

// Equal reports whether a and b are the same text after Clean, FoldTone and case folding.
func Equal(a, b string) bool { panic("not implemented") }

// SearchKey returns the lower-case, diacritic-free form (đ -> d) with white space collapsed.
func SearchKey(s string) string { panic("not implemented") }

// Contains reports whether the search key of query occurs in the search key of s.
func Contains(s, query string) bool { panic("not implemented") }

// DiffersOnlyInDiacritics reports whether a and b differ, but have equal search keys.
func DiffersOnlyInDiacritics(a, b string) bool { panic("not implemented") }
