package batchio

import (
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"
)

// generalNumber is a number cell in the General format, as excelize shows
// it: the shortest decimal form, 15 significant digits at most.
func generalNumber(s string) string {
	if strings.Contains(s, "_") {
		return s
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return s
	}
	plain := strconv.FormatFloat(f, 'f', -1, 64)
	if len(plain)-strings.Count(plain, ".") > 15 && !intWithin15Digits(s) {
		return strconv.FormatFloat(f, 'G', 15, 64)
	}
	return plain
}

// intWithin15Digits: an integer written with zeros after its 15th significant digit.
func intWithin15Digits(s string) bool {
	if strings.ContainsAny(s, ".Ee") {
		return false
	}
	s = strings.TrimLeft(s, "+-0")
	return len(strings.TrimRight(s, "0")) <= 15
}

// numFormatter shows a number cell in its number format (a date, a
// percentage, a fixed number of decimals ...) with excelize's formatter:
// a one-cell in-memory workbook holding one style per number format used,
// so that the cell reads as it did when excelize read the whole workbook.
// Only the number formats come from the file (bounded); excelize never
// sees the file itself.
type numFormatter struct {
	date1904 bool
	xfs      []int32        // cellXfs index -> number format id
	custom   map[int]string // the workbook's own number formats: id -> code

	f      *excelize.File // created on first use
	sheet  string
	styles map[int]int // number format id -> style of f (-1: unusable)
}

// maxFormatStyles bounds the styles of the formatting workbook.
const maxFormatStyles = 512

func (n *numFormatter) format(v string, id int) (out string) {
	if _, err := strconv.ParseFloat(v, 64); err != nil || strings.Contains(v, "_") {
		return v // not a number: shown as it is
	}
	defer func() {
		if recover() != nil { // a hostile format code must not stop the run
			out = generalNumber(v)
		}
	}()
	if n.f == nil {
		n.f = excelize.NewFile()
		n.sheet = n.f.GetSheetName(0)
		n.styles = map[int]int{}
		if n.date1904 {
			d := true
			_ = n.f.SetWorkbookProps(&excelize.WorkbookPropsOptions{Date1904: &d})
		}
	}
	st, ok := n.styles[id]
	if !ok && len(n.styles) >= maxFormatStyles {
		return generalNumber(v)
	}
	if !ok {
		var s excelize.Style
		if code, custom := n.custom[id]; custom {
			s.CustomNumFmt = &code
		} else {
			s.NumFmt = id
		}
		var err error
		if st, err = n.f.NewStyle(&s); err != nil {
			st = -1
		}
		n.styles[id] = st
	}
	if st < 0 {
		return generalNumber(v)
	}
	if n.f.SetCellDefault(n.sheet, "A1", v) != nil || n.f.SetCellStyle(n.sheet, "A1", "A1", st) != nil {
		return generalNumber(v)
	}
	out, err := n.f.GetCellValue(n.sheet, "A1")
	if err != nil {
		return generalNumber(v)
	}
	return out
}

func (n *numFormatter) close() {
	if n.f != nil {
		n.f.Close()
		n.f = nil
	}
}
