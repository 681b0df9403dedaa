// Package batchio reads and writes the tables of scripted runs: CSV (UTF-8
// with or without BOM, CRLF, or a legacy Vietnamese encoding), JSON Lines
// and XLSX, by file extension. Malformed input names its line and reason;
// a file that cannot be read at all is a FileError with a Vietnamese reason
// (Explain). Workbooks are read within limits (see MaxXLSXSheet and the
// other limits in xlsx.go) and never through temporary files; every cell
// written to CSV or XLSX is guarded against formula injection (guard.go).
package batchio
