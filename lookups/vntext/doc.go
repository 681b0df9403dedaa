// Package vntext normalizes and compares Vietnamese text: NFC for every input,
// comparison that folds tone-mark placement (hoà = hòa), and diacritic-free
// search keys (Đăng ký -> dang ky).
package vntext
