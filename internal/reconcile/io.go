package reconcile

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"motcua/internal/batchio"
	"motcua/lookups/vntext"
)

// Columns of the output, in order (CSV header, JSON keys).
var Columns = []string{"line", "id", "status", "name", "birth_date", "address", "message"}

// ErrNotOurs is returned by OpenOutput when the file exists but is not a
// reconcile output (another header): it is never appended to.
var ErrNotOurs = errors.New("reconcile: output file is not a reconcile result")

// Output writes results as CSV (UTF-8 with BOM, CRLF, formula-like cells
// guarded, like batchio) or JSON Lines, one line per record, so that the
// records already written can be counted to resume.
type Output struct {
	f     *os.File // nil when writing to a plain io.Writer
	bw    *bufio.Writer
	cw    *csv.Writer // CSV only
	row   []string
	jsonl bool
	tab   batchio.Writer // XLSX: a zip archive cannot be appended to, so it cannot resume
}

// ErrNoResume says an XLSX output exists and cannot be appended to.
var ErrNoResume = errors.New("reconcile: an XLSX output cannot be resumed: use --restart, or a .csv/.jsonl output for long lists")

// OutputFormat returns "csv", "jsonl" or "xlsx" for path's extension ("" when none).
func OutputFormat(path string) string {
	switch f := batchio.FormatOf(path); f {
	case "csv", "jsonl", "xlsx":
		return f
	}
	return ""
}

// OpenOutput opens path (CSV or JSON Lines by extension) to append results
// and returns how many records it already holds: the checkpoint of an earlier
// run over the same input. A partial last line (a killed run) is cut off.
// restart empties the file first.
func OpenOutput(path string, restart bool) (*Output, int, error) {
	format := OutputFormat(path)
	if format == "" {
		return nil, 0, fmt.Errorf("%w: output %s (want .csv, .jsonl or .xlsx)", batchio.ErrUnsupported, filepath.Base(path))
	}
	if format == "xlsx" {
		if _, err := os.Stat(path); err == nil && !restart {
			return nil, 0, ErrNoResume
		}
		w, err := batchio.Create(path, Columns)
		if err != nil {
			return nil, 0, fmt.Errorf("reconcile: open output: %w", err)
		}
		return &Output{tab: w}, 0, nil
	}
	flag := os.O_RDWR | os.O_CREATE
	if restart {
		flag |= os.O_TRUNC
	}
	f, err := os.OpenFile(path, flag, 0o600)
	if err != nil {
		return nil, 0, fmt.Errorf("reconcile: open output: %w", err)
	}
	done, end, err := countLines(f, format)
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	if err := f.Truncate(end); err != nil {
		f.Close()
		return nil, 0, fmt.Errorf("reconcile: cut partial line: %w", err)
	}
	if _, err := f.Seek(end, io.SeekStart); err != nil {
		f.Close()
		return nil, 0, fmt.Errorf("reconcile: seek output: %w", err)
	}
	o := newOutput(f, format)
	o.f = f
	if end == 0 && format == "csv" {
		if err := o.header(); err != nil {
			f.Close()
			return nil, 0, err
		}
	}
	return o, done, nil
}

// NewOutput writes results to w ("csv" or "jsonl"); a CSV starts with its header.
func NewOutput(w io.Writer, format string) (*Output, error) {
	if format != "csv" && format != "jsonl" {
		return nil, fmt.Errorf("%w: output format %q", batchio.ErrUnsupported, format)
	}
	o := newOutput(w, format)
	if format == "csv" {
		if err := o.header(); err != nil {
			return nil, err
		}
	}
	return o, nil
}

func newOutput(w io.Writer, format string) *Output {
	o := &Output{bw: bufio.NewWriterSize(w, 64<<10), row: make([]string, len(Columns)), jsonl: format == "jsonl"}
	if !o.jsonl {
		o.cw = csv.NewWriter(o.bw)
		o.cw.UseCRLF = true
	}
	return o
}

func (o *Output) header() error {
	_, _ = o.bw.WriteString("\uFEFF") // a bufio.Writer keeps its first error: the header's write reports it
	if err := o.cw.Write(Columns); err != nil {
		return fmt.Errorf("reconcile: write header: %w", err)
	}
	return nil
}

// oneLine keeps a value on one line (the resume count is a line count).
func oneLine(s string) string {
	if strings.ContainsAny(s, "\r\n") {
		return strings.Join(strings.Fields(s), " ")
	}
	return s
}

// Write adds one result (buffered; Flush makes it durable).
func (o *Output) Write(r Result) error {
	if o.tab != nil {
		return o.tab.Write(map[string]string{"line": strconv.Itoa(r.Line), "id": r.ID, "status": r.Status,
			"name": r.Name, "birth_date": r.BirthDate, "address": r.Address, "message": r.Message})
	}
	if o.jsonl {
		r.ID = oneLine(r.ID)
		b, err := json.Marshal(r)
		if err != nil {
			return fmt.Errorf("reconcile: encode result: %w", err)
		}
		_, _ = o.bw.Write(b) // a bufio.Writer keeps its first error: WriteByte reports it
		return o.bw.WriteByte('\n')
	}
	o.row[0], o.row[1], o.row[2] = strconv.Itoa(r.Line), oneLine(r.ID), r.Status
	o.row[3], o.row[4], o.row[5], o.row[6] = r.Name, r.BirthDate, r.Address, oneLine(r.Message)
	for i, v := range o.row { // the input's own text (ID) must not become a formula
		o.row[i] = batchio.CSVCell(v)
	}
	return o.cw.Write(o.row)
}

// Flush writes the buffered results and, for a file, syncs it to disk (an
// XLSX is complete only once closed).
func (o *Output) Flush() error {
	if o.tab != nil {
		return nil
	}
	if o.cw != nil {
		o.cw.Flush()
		if err := o.cw.Error(); err != nil {
			return fmt.Errorf("reconcile: write output: %w", err)
		}
	}
	if err := o.bw.Flush(); err != nil {
		return fmt.Errorf("reconcile: write output: %w", err)
	}
	if o.f != nil {
		if err := o.f.Sync(); err != nil {
			return fmt.Errorf("reconcile: sync output: %w", err)
		}
	}
	return nil
}

// Close flushes and closes the file (not a plain writer).
func (o *Output) Close() error {
	if o.tab != nil {
		return o.tab.Close()
	}
	err := o.Flush()
	if o.f != nil {
		if cerr := o.f.Close(); err == nil {
			err = cerr
		}
	}
	return err
}

// countLines returns the number of complete records in f and the offset just
// after the last complete line; a CSV's first line must be our header.
func countLines(f *os.File, format string) (records int, end int64, err error) {
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return 0, 0, fmt.Errorf("reconcile: read output: %w", err)
	}
	br := bufio.NewReaderSize(f, 64<<10)
	var off int64
	lines := 0
	for {
		line, err := br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			// A line over 64 KiB is not ours; read on to its end.
			n := int64(len(line))
			for err == bufio.ErrBufferFull {
				line, err = br.ReadSlice('\n')
				n += int64(len(line))
			}
			if err != nil {
				break
			}
			lines++
			off += n
			continue
		}
		if err != nil {
			if err != io.EOF {
				return 0, 0, fmt.Errorf("reconcile: read output: %w", err)
			}
			break // a partial last line (or none) is dropped
		}
		if lines == 0 && format == "csv" {
			h := strings.TrimRight(strings.TrimPrefix(string(line), "\uFEFF"), "\r\n")
			if h != strings.Join(Columns, ",") {
				return 0, 0, ErrNotOurs
			}
		}
		if lines == 0 && format == "jsonl" && !bytes.HasPrefix(line, []byte(`{"line":`)) {
			return 0, 0, ErrNotOurs
		}
		lines++
		off += int64(len(line))
	}
	if format == "csv" && lines > 0 {
		lines-- // the header
	}
	return lines, off, nil
}

// Roles of the input columns and the names they may have (compared by
// search key, with spaces, dots and hyphens as underscores).
var columnAliases = map[string][]string{
	"id":         {"id", "so_dinh_danh", "so_dinh_danh_ca_nhan", "cccd", "so_cccd", "can_cuoc", "ma_dinh_danh"},
	"name":       {"name", "ho_ten", "ho_va_ten", "ten", "full_name"},
	"birth_date": {"birth_date", "ngay_sinh", "birthdate", "dob", "ngay_thang_nam_sinh"},
	"address":    {"address", "dia_chi", "noi_thuong_tru", "thuong_tru", "noi_cu_tru"},
}

func columnKey(s string) string {
	k := vntext.SearchKey(s)
	return strings.NewReplacer(" ", "_", ".", "_", "-", "_").Replace(k)
}

// InputColumns names the input's column for each role.
type InputColumns struct{ ID, Name, BirthDate, Address string }

// MapColumns finds the columns of a header: id, name and birth_date are
// required (also in Vietnamese: so_dinh_danh, ho_ten, ngay_sinh), address
// (dia_chi) is optional. The error is Vietnamese.
func MapColumns(header []string) (InputColumns, error) {
	found := map[string]string{}
	for _, h := range header {
		k := columnKey(h)
		for role, names := range columnAliases {
			for _, n := range names {
				if k == n && found[role] == "" {
					found[role] = h
				}
			}
		}
	}
	var missing []string
	for _, r := range []struct{ role, label string }{{"id", "số định danh (id)"}, {"name", "họ tên (name)"}, {"birth_date", "ngày sinh (birth_date)"}} {
		if found[r.role] == "" {
			missing = append(missing, r.label)
		}
	}
	if len(missing) > 0 {
		return InputColumns{}, fmt.Errorf("tệp đầu vào thiếu cột: %s", strings.Join(missing, ", "))
	}
	return InputColumns{ID: found["id"], Name: found["name"], BirthDate: found["birth_date"], Address: found["address"]}, nil
}

// TableSource reads Inputs from a batchio table. A malformed line becomes an
// Input with Problem set (it is reported, and counted for resuming).
type TableSource struct {
	R    batchio.Reader
	Cols InputColumns
}

// Next implements Source.
func (t *TableSource) Next() (Input, error) {
	rec, err := t.R.Next()
	if err != nil {
		var fe *batchio.FormatError
		if errors.As(err, &fe) {
			return Input{Line: fe.Line, Problem: fe.Reason}, nil
		}
		return Input{}, err
	}
	f := rec.Fields
	in := Input{Line: rec.Line, ID: strings.TrimSpace(f[t.Cols.ID]), Name: f[t.Cols.Name], BirthDate: f[t.Cols.BirthDate]}
	if t.Cols.Address != "" {
		in.Address = f[t.Cols.Address]
	}
	return in, nil
}

// Skip reads and drops n records of src (the ones a previous run finished).
func Skip(src Source, n int) error {
	for i := 0; i < n; i++ {
		if _, err := src.Next(); err != nil {
			if err == io.EOF {
				return fmt.Errorf("reconcile: the output holds %d records but the input only %d: not the same input", n, i)
			}
			return err
		}
	}
	return nil
}
