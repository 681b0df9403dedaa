// Package batchio reads and writes the tables of scripted runs: CSV (UTF-8
// with or without BOM, CRLF, or a legacy Vietnamese encoding), JSON Lines
// and XLSX, by file extension. Malformed input names its line and reason.
package batchio
