package printing

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Printer is a place receipts go to: a folder of PDFs (FilePrinter), an IPP/CUPS queue
// (IPPPrinter) or an ESC/POS thermal printer (ESCPOSPrinter).
type Printer interface {
	Name() string
	// Status reports whether the printer can take a job now.
	Status(ctx context.Context) error
	Print(ctx context.Context, job Job) error
}

// Job is one receipt to print.
type Job struct {
	DossierCode string
	PDF         []byte // the rendered receipt, for the PDF backends (file, IPP)
	// Receipt is the receipt itself, for backends that lay it out on their own (the
	// ESC/POS thermal printers); nil is an error there.
	Receipt *Receipt
}

// FileOutput is what a printer writing each job to a file offers beside Printer: the file
// a job is written to. FilePrinter implements it; a test's printer may too.
type FileOutput interface {
	Printer
	Path(job string) string
}

// OutputPath is the file p writes the job named job to (a receipt's dossier code, a form's
// job name), and false for a printer that writes no file (IPP, ESC/POS).
func OutputPath(p Printer, job string) (string, bool) {
	if fp, ok := p.(FileOutput); ok {
		return fp.Path(job), true
	}
	return "", false
}

// Where says where p put the job named job, for the clerk: the file for a printer writing
// files, else the printer's name.
func Where(p Printer, job string) string {
	if path, ok := OutputPath(p, job); ok {
		return path
	}
	return p.Name()
}

// FilePrinter "prints" by writing <dir>/<dossier code>.pdf. A reprint replaces the file.
type FilePrinter struct {
	dir string
}

// NewFilePrinter returns a printer writing into dir (which must exist).
func NewFilePrinter(dir string) *FilePrinter { return &FilePrinter{dir: dir} }

// Name implements Printer.
func (p *FilePrinter) Name() string { return "file:" + p.dir }

// Dir is the folder receipts are written to.
func (p *FilePrinter) Dir() string { return p.dir }

// Path returns where the receipt of the dossier code is written.
func (p *FilePrinter) Path(code string) string {
	return filepath.Join(p.dir, code+".pdf")
}

func dirError(dir string, err error) error {
	return &Error{
		Clerk: "Không ghi được vào thư mục lưu giấy tiếp nhận. Kiểm tra thư mục trong cấu hình máy in.",
		Err:   fmt.Errorf("file printer %q: %w", dir, err),
	}
}

// Status checks that the directory exists and a file can be created in it.
func (p *FilePrinter) Status(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	st, err := os.Stat(p.dir)
	if err != nil {
		return dirError(p.dir, err)
	}
	if !st.IsDir() {
		return dirError(p.dir, errors.New("not a directory"))
	}
	f, err := os.CreateTemp(p.dir, ".motcua-status-*")
	if err != nil {
		return dirError(p.dir, err)
	}
	name := f.Name()
	cerr := f.Close()
	rerr := os.Remove(name)
	if err := errors.Join(cerr, rerr); err != nil {
		return dirError(p.dir, err)
	}
	return nil
}

// validCode rejects codes that would escape the directory or make odd file names.
func validCode(code string) error {
	if code == "" || code == "." || code == ".." || strings.HasPrefix(code, ".") {
		return fmt.Errorf("bad dossier code %q", code)
	}
	if strings.ContainsAny(code, `/\:*?"<>|`) || strings.ContainsFunc(code, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return fmt.Errorf("bad dossier code %q", code)
	}
	return nil
}

// Print writes the PDF atomically: a temporary file in the same directory, synced, then
// renamed over <code>.pdf, so a reader never sees a half-written receipt. The file is 0600
// like every other file with personal data: a shared or wider folder does not open it to
// other local users.
func (p *FilePrinter) Print(ctx context.Context, job Job) (err error) {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := validCode(job.DossierCode); err != nil {
		return &Error{Clerk: "Mã hồ sơ không hợp lệ để lưu giấy tiếp nhận. Báo quản trị.", Err: err}
	}
	if len(job.PDF) == 0 {
		return &Error{Clerk: "Giấy tiếp nhận rỗng, chưa in được. Thử in lại.", Err: errors.New("empty PDF")}
	}
	tmp, err := os.CreateTemp(p.dir, ".receipt-*.tmp")
	if err != nil {
		return dirError(p.dir, err)
	}
	defer func() {
		if err != nil {
			_ = os.Remove(tmp.Name())
		}
	}()
	if _, err = tmp.Write(job.PDF); err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), 0o600)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), p.Path(job.DossierCode))
	}
	if err != nil {
		return dirError(p.dir, err)
	}
	return nil
}

var _ FileOutput = (*FilePrinter)(nil)
