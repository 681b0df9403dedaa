// Package qr owns the card QR code line: it parses the `|`-separated line a
// handheld scanner types (2021 CCCD card, and the longer 2024 card by position),
// validates it, and flags letters a keyboard-mode scanner has mangled.
package qr
