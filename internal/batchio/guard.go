package batchio

// Formula injection: a spreadsheet program opening a CSV file, or a cell
// being edited in a workbook, reads a value that starts with = + - @ (and,
// in some programs, a tab or a carriage return) as a formula, which can run
// commands or send data away (=HYPERLINK, =WEBSERVICE, DDE). Every cell that
// motcua writes to a CSV file or a workbook goes through FormulaLike: CSV
// cells get a leading apostrophe (CSVCell), workbook cells are text cells
// formatted as text with the quote prefix (the XLSX writer), never formulas.

// FormulaLike reports whether a spreadsheet could read s as a formula.
func FormulaLike(s string) bool {
	if s == "" {
		return false
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return true
	}
	return false
}

// CSVCell returns s as it must be written to a CSV file: with a leading
// apostrophe when it could be read as a formula (OWASP's advice): the
// spreadsheet then shows the value as text.
func CSVCell(s string) string {
	if FormulaLike(s) {
		return "'" + s
	}
	return s
}
