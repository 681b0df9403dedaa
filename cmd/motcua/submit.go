package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"

	"github.com/spf13/cobra"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"

	"motcua/forms"
	"motcua/internal/counter"
	"motcua/lookups/vntext"
)

const submitLong = `Tiếp nhận một tờ khai cho sẵn dưới dạng JSON, không qua màn hình quầy (cho lệnh tự động
và kiểm thử): tra cứu từng người theo số định danh (cổng dữ liệu; mất kết nối thì dùng bản lưu tạm),
điền tờ khai, kiểm tra, cấp mã hồ sơ, lưu hồ sơ cùng hàng đợi gửi (một giao dịch), gửi lên hệ thống
và in giấy biên nhận — như ở màn hình quầy.

Tệp FILE ("-" là đầu vào chuẩn), mã hóa UTF-8 (hoặc UTF-16 có BOM, như PowerShell ghi):

  {
    "key":     "ho-so-2026-0001",
    "service": "xac-nhan-tthn",
    "persons": { "subject": { "id": "066303000006" } },
    "values":  { "purpose": "other", "purpose_other": "Bổ sung hồ sơ vay vốn" }
  }

  key      khóa chống trùng (không bắt buộc; --key thay cho trường này): chạy lại cùng khóa, kể cả sau
           khi lệnh trước bị ngắt giữa chừng, không tạo hồ sơ thứ hai mà in lại mã hồ sơ đã tiếp nhận.
           Mỗi tờ khai một khóa riêng; cùng khóa với tờ khai khác bị từ chối.
  service  mã thủ tục (xem "motcua forms list"); --service thay cho trường này.
  persons  số định danh của từng người trong tờ khai, theo mã vị trí ([[persons]] id trong mẫu thủ tục forms/services/*.toml);
           người suy ra (chủ hộ, vợ/chồng) được tra cứu tự động như ở màn hình quầy.
  values   giá trị các trường theo đường dẫn (ví dụ "children.1.name"), điền theo đúng thứ tự
           trong tệp (trường phụ thuộc đặt sau trường nó phụ thuộc).

Kết quả: dòng đầu ra chuẩn là mã hồ sơ (chỉ in khi hồ sơ đã được lưu); trạng thái gửi và đường dẫn
biên nhận ghi ra đầu ra lỗi, hoặc tất cả dạng JSON với --json (có "alreadyReceived": true khi khóa
đã được tiếp nhận trước đó). Hồ sơ chưa gửi được nằm trong hàng
đợi ("motcua queue list") và được gửi lại bằng "motcua queue sync".

Mã thoát: 0 đã tiếp nhận (đã gửi hoặc đang chờ gửi), 1 tờ khai chưa đúng hoặc lỗi, 2 sai cú pháp
lệnh hoặc tệp, 3 đã tiếp nhận nhưng cổng dữ liệu từ chối hồ sơ (xem lý do trong "motcua queue list").`

// submitFile is the JSON form of a declaration for `dossier submit`.
type submitFile struct {
	Key     string                `json:"key,omitempty"` // idempotency key (--key overrides)
	Service string                `json:"service"`
	Persons map[string]submitSlot `json:"persons"`
	Values  orderedValues         `json:"values"`
}

type submitSlot struct {
	ID string `json:"id"`
}

// orderedValues keeps the file's order of "values" (a field may only become
// relevant after another is set).
type orderedValues []counter.Value

func (v *orderedValues) UnmarshalJSON(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if tok == nil {
		return nil
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return &jsonFileError{`"values" phải là một đối tượng {"đường dẫn trường": "giá trị"}.`, errors.New(`"values" is not an object`)}
	}
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			return err
		}
		var text string
		if err := dec.Decode(&text); err != nil {
			return &jsonFileError{fmt.Sprintf("giá trị của trường %q phải là một chuỗi trong dấu ngoặc kép.", k), fmt.Errorf("value of %q is not a string: %w", k, err)}
		}
		*v = append(*v, struct{ Path, Text string }{k.(string), text})
	}
	_, err = dec.Token()
	return err
}

// submitResult is the --json output.
type submitResult struct {
	Code        string   `json:"code"`
	Status      string   `json:"status"`
	Submitted   bool     `json:"submitted"`
	SubmitError string   `json:"submitError,omitempty"` // Vietnamese, for the clerk
	Receipt     string   `json:"receipt,omitempty"`
	PrintError  string   `json:"printError,omitempty"`
	Warnings    []string `json:"warnings,omitempty"`
	// AlreadyReceived: the key was received before; Code is that dossier's, nothing new was made.
	AlreadyReceived bool `json:"alreadyReceived,omitempty"`
	// ControlSheet is where Mẫu 06 went with the receipt (printer.control_sheet),
	// ControlSheetError why not.
	ControlSheet      string `json:"controlSheet,omitempty"`
	ControlSheetError string `json:"controlSheetError,omitempty"`
}

// fingerprint stands for what a submit file asks to receive (service, persons, values in
// order; not the key), so that a key reused for another declaration is caught.
func (in submitFile) fingerprint() string {
	h := sha256.New()
	fmt.Fprintf(h, "service\x00%s\x00", in.Service)
	slots := make([]string, 0, len(in.Persons))
	for s := range in.Persons {
		slots = append(slots, s)
	}
	sort.Strings(slots)
	for _, s := range slots {
		fmt.Fprintf(h, "person\x00%s\x00%s\x00", s, in.Persons[s].ID)
	}
	for _, v := range in.Values {
		fmt.Fprintf(h, "value\x00%s\x00%s\x00", v.Path, v.Text)
	}
	return hex.EncodeToString(h.Sum(nil))[:32]
}

func (a *app) dossierSubmitCmd() *cobra.Command {
	var (
		asJSON       bool
		service, key string
	)
	cmd := &cobra.Command{
		Use:     "submit FILE",
		Short:   "Tiếp nhận tờ khai cho sẵn dạng JSON (không qua màn hình quầy)",
		Long:    submitLong,
		Example: "  motcua dossier submit --operator cb01 to-khai.json\n  motcua --demo dossier submit --json - < to-khai.json",
		Args:    exactArgs(1, "tệp tờ khai JSON"),
		RunE: func(cmd *cobra.Command, args []string) error {
			in, err := a.readSubmitFile(args[0])
			if err != nil {
				return err
			}
			if service != "" {
				in.Service = service
			}
			if key != "" {
				in.Key = key
			}
			spec, ok := forms.Lookup(in.Service)
			if in.Service == "" || !ok {
				return usageErr("không có thủ tục %q: đặt \"service\" trong tệp hoặc --service (xem motcua forms list)", in.Service)
			}
			e, op, err := a.openReceiving(counter.ActReceive)
			if err != nil {
				return err
			}
			defer e.Close()
			opts := counter.ReceiveOptions{Key: in.Key}
			if in.Key != "" {
				// a rerun after a crash gets its code back before any look-up
				opts.Fingerprint = in.fingerprint()
				out, done, err := e.svc.Resume(cmd.Context(), op, opts)
				switch {
				case errors.Is(err, counter.ErrBadKey):
					return usageErr("%s", counter.Explain(err))
				case err != nil:
					return refusal(err, "Chưa tiếp nhận được hồ sơ: "+counter.Explain(err))
				case done:
					return a.reportSubmit(out, out.Warnings, asJSON)
				}
			}
			decl, ids, warnings, err := a.fillDeclaration(cmd.Context(), e.svc, spec, in, op)
			if err != nil {
				return err
			}
			out, err := e.svc.ReceiveWith(cmd.Context(), decl, op, ids, "", opts)
			if err != nil {
				var ve *forms.ValidationError
				if errors.As(err, &ve) {
					return failure(counter.Explain(err), err)
				}
				return failure("Chưa tiếp nhận được hồ sơ: "+counter.Explain(err), err)
			}
			return a.reportSubmit(out, append(warnings, out.Warnings...), asJSON)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "in kết quả dạng JSON")
	cmd.Flags().StringVar(&service, "service", "", "mã thủ tục (thay cho \"service\" trong tệp)")
	cmd.Flags().StringVar(&key, "key", "", "khóa chống trùng (thay cho \"key\" trong tệp): chạy lại cùng khóa trả về hồ sơ đã tiếp nhận")
	return cmd
}

func (a *app) readSubmitFile(name string) (submitFile, error) {
	var r io.Reader
	if name == "-" {
		r = a.stdin
	} else {
		f, err := os.Open(name)
		if err != nil {
			return submitFile{}, &exitError{code: exitUsage, msg: fmt.Sprintf("tệp tờ khai %s: %s", name, fileReason(err)), err: err}
		}
		defer f.Close()
		r = f
	}
	var in submitFile
	// A file written on Windows may start with a byte order mark (Notepad's
	// UTF-8 with BOM; PowerShell 5's Out-File and ">" write UTF-16LE): the
	// mark decides the encoding; without one the bytes are UTF-8 as they are.
	if reason, err := decodeJSONFile(transform.NewReader(r, unicode.BOMOverride(transform.Nop)), &in); err != nil {
		return submitFile{}, &exitError{code: exitUsage, msg: fmt.Sprintf("tệp tờ khai %s: %s", name, reason), err: err}
	}
	return in, nil
}

func (a *app) reportSubmit(out counter.Outcome, warnings []string, asJSON bool) error {
	d := out.Dossier
	res := submitResult{Code: d.Code, Status: string(d.Status), Submitted: out.Submitted, Receipt: out.ReceiptPath, Warnings: warnings,
		AlreadyReceived: out.Duplicate}
	if out.SubmitErr != nil {
		res.SubmitError = counter.Explain(out.SubmitErr)
	}
	if out.PrintErr != nil {
		res.PrintError = counter.Explain(out.PrintErr)
	}
	res.ControlSheet = out.ControlSheetPath
	if out.ControlSheetErr != nil {
		res.ControlSheetError = counter.Explain(out.ControlSheetErr)
	}
	if asJSON {
		if err := newJSONEncoder(a.stdout).Encode(res); err != nil {
			return err
		}
	} else {
		show := vntext.Display // every text here may come from the gateway
		fmt.Fprintln(a.stdout, show(d.Code))
		switch {
		case out.Duplicate:
			fmt.Fprintf(a.stderr, "Hồ sơ %s đã được tiếp nhận trước đó với khóa này (%s); không tạo hồ sơ mới. In lại biên nhận: motcua receipt reprint %s\n",
				d.Code, stateLabel(string(d.Status)), d.Code)
		case out.Submitted:
			fmt.Fprintf(a.stderr, "Đã tiếp nhận hồ sơ %s và đã gửi lên hệ thống.\n", show(d.Code))
		case d.Status == forms.StatusRejected:
			fmt.Fprintf(a.stderr, "Đã tiếp nhận hồ sơ %s nhưng cổng dữ liệu từ chối: %s\n", show(d.Code), show(res.SubmitError))
		default:
			fmt.Fprintf(a.stderr, "Đã tiếp nhận hồ sơ %s; chưa gửi được, hồ sơ nằm trong hàng đợi và sẽ được gửi lại. %s\n", show(d.Code), show(res.SubmitError))
		}
		if res.Receipt != "" {
			fmt.Fprintln(a.stderr, "Giấy biên nhận:", show(res.Receipt))
		}
		if res.PrintError != "" {
			fmt.Fprintln(a.stderr, "Chưa in được giấy biên nhận (đã lưu để in lại):", show(res.PrintError))
		}
		switch {
		case res.ControlSheet != "":
			fmt.Fprintln(a.stderr, "Phiếu kiểm soát (Mẫu 06):", show(res.ControlSheet))
		case res.ControlSheetError == "":
		case errors.Is(out.ControlSheetErr, counter.ErrPrintQueued):
			fmt.Fprintln(a.stderr, "Chưa in được phiếu kiểm soát (Mẫu 06) (đã lưu để in lại):", show(res.ControlSheetError))
		default: // a printer that can never take it (thermal): nothing waits
			fmt.Fprintln(a.stderr, "Chưa in được phiếu kiểm soát (Mẫu 06):", show(res.ControlSheetError))
		}
		for _, w := range warnings {
			fmt.Fprintln(a.stderr, "Lưu ý:", show(w))
		}
	}
	if d.Status == forms.StatusRejected {
		return &exitError{code: exitPartial, msg: "Cổng dữ liệu từ chối hồ sơ " + d.Code + ": " + res.SubmitError}
	}
	return nil
}
