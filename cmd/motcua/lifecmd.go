package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"motcua/forms"
	"motcua/forms/lifecycle"
	"motcua/internal/counter"
	"motcua/lookups"
	"motcua/lookups/vntext"
	"motcua/offline"
	"motcua/printing"
)

// The dossier's life after reception, scripted: its status, and the clerk's steps (hand-over,
// supplement, refusal, stop, apology with a new appointment, withdrawal), the late watch and
// the dossier book. Each step goes through the same use case as the counter screen (rights,
// state machine, event queue); a rerun of the same step returns the first (its key, given with
// --key or derived from the step: see counter.StepOptions).

const lifeDateFormat = "15:04 02/01/2006"

// openLife opens the environment for a step of a dossier's life (a gateway must be configured:
// the step goes upstream; offline it waits in the event queue).
func (a *app) openLife(act counter.Action) (*env, counter.Operator, error) {
	return a.openReceiving(act)
}

// lifeCommands are the dossier group's commands of the life after reception.
func (a *app) lifeCommands() []*cobra.Command {
	return []*cobra.Command{a.dossierStatusCmd(), a.dossierReturnCmd(), a.dossierSupplementCmd(), a.dossierRefuseCmd(),
		a.dossierReasonsCmd(), a.dossierStopCmd(), a.dossierExtendCmd(), a.dossierWithdrawCmd(), a.dossierLateCmd()}
}

// stepResult is the --json output of a step.
type stepResult struct {
	Code      string    `json:"code"`
	Event     string    `json:"event"`
	Stage     string    `json:"stage"`
	At        time.Time `json:"at"`
	Seq       int       `json:"seq"`
	Duplicate bool      `json:"alreadyRecorded,omitempty"`
	Sent      bool      `json:"sent"`
	SendError string    `json:"sendError,omitempty"` // Vietnamese
	Form      any       `json:"form,omitempty"`      // the form the step prints (Mẫu 02, 04, 05, hand-over slip)
	// the hand-over slip printed (where printer.handover_slip says the province uses one):
	// where it went, or why not and whether it waits in the print queue
	SlipPath   string `json:"slipPath,omitempty"`
	SlipError  string `json:"slipPrintError,omitempty"` // Vietnamese
	SlipQueued bool   `json:"slipQueued,omitempty"`
}

func (a *app) reportStep(out counter.LifeOutcome, form any, asJSON bool, done string) error {
	return a.reportStepSlip(out, form, asJSON, done, "", nil)
}

// reportStepSlip is reportStep for a step that printed a slip (the hand-over slip, where the
// province uses one: the use case decides): where it went (slipPath), or why not (slipErr),
// said with the receipts' words when it waits in the print queue. Neither: nothing printed.
func (a *app) reportStepSlip(out counter.LifeOutcome, form any, asJSON bool, done, slipPath string, slipErr error) error {
	res := stepResult{Code: out.Life.Code, Event: string(out.Step.Event), Stage: string(out.Life.Stage), At: out.Step.At,
		Seq: out.Step.Seq, Duplicate: out.Duplicate, Sent: out.Sent, Form: form, SlipPath: slipPath}
	if out.SendErr != nil {
		res.SendError = counter.Explain(out.SendErr)
	}
	if slipErr != nil {
		res.SlipError, res.SlipQueued = counter.Explain(slipErr), errors.Is(slipErr, counter.ErrPrintQueued)
	}
	if asJSON {
		return json.NewEncoder(a.stdout).Encode(res)
	}
	loc := out.Step.At.Location()
	switch {
	case out.Duplicate:
		fmt.Fprintf(a.stdout, "Hồ sơ %s: việc này đã được ghi trước đó lúc %s; không ghi lại.\n", res.Code, out.Step.At.In(loc).Format(lifeDateFormat))
	default:
		fmt.Fprintf(a.stdout, "Hồ sơ %s: %s lúc %s. Trạng thái: %s.\n", res.Code, done, out.Step.At.In(loc).Format(lifeDateFormat), out.Life.Stage.Label())
	}
	switch {
	case out.Duplicate:
	case out.Sent:
		fmt.Fprintln(a.stderr, "Đã báo lên hệ thống.")
	default:
		fmt.Fprintln(a.stderr, "Chưa báo lên hệ thống được (đã ghi, sẽ tự gửi khi có kết nối: motcua queue sync).", res.SendError)
	}
	switch {
	case res.SlipQueued:
		fmt.Fprintln(a.stderr, "Chưa in được phiếu bàn giao (đã lưu để in lại):", vntext.Display(res.SlipError))
	case res.SlipError != "":
		fmt.Fprintln(a.stderr, "Chưa in được phiếu bàn giao:", vntext.Display(res.SlipError))
	case res.SlipPath != "":
		fmt.Fprintln(a.stderr, "Đã in phiếu bàn giao:", vntext.Display(res.SlipPath))
	}
	return nil
}

// lifeError is the exit error of a step that was not recorded.
func lifeError(err error) error {
	switch {
	case errors.Is(err, counter.ErrBadKey):
		return usageErr("%s", counter.Explain(err))
	case errors.Is(err, offline.ErrNotFound), errors.Is(err, counter.ErrNoDossier):
		return failure("Không có hồ sơ này trên máy. Xem: motcua dossier status MÃ (hỏi cả hệ thống).", err)
	}
	return refusal(err, counter.Explain(err))
}

func (a *app) dossierStatusCmd() *cobra.Command {
	var asJSON, local bool
	cmd := &cobra.Command{
		Use:   "status CODE",
		Short: "Tình trạng giải quyết một hồ sơ: trạng thái, từng thủ tục, kết quả, quá trình (hỏi hệ thống, mất kết nối thì dùng dữ liệu trên máy)",
		Long: `In tình trạng giải quyết của hồ sơ: trạng thái (đã tiếp nhận, đang giải quyết, chờ bổ sung, đã có kết quả,
đã trả kết quả, dừng giải quyết, đã rút), ngày hẹn, từng thủ tục với kết quả, và quá trình giải quyết (ai, lúc
nào, ở đâu). Lệnh hỏi hệ thống trước (hồ sơ tiếp nhận ở quầy khác cũng xem được); mất kết nối thì dùng dữ liệu
trên máy và nói rõ. CODE là mã hồ sơ, hoặc dòng mã QR trên giấy biên nhận.`,
		Args: exactArgs(1, "mã hồ sơ"),
		RunE: func(cmd *cobra.Command, args []string) error {
			code, err := counter.ParseReceiptQR(args[0])
			if err != nil {
				return usageErr("%s", counter.Explain(err))
			}
			e, op, err := a.openLife(counter.ActDossierStatus)
			if err != nil {
				return err
			}
			defer e.Close()
			v, err := e.svc.DossierStatus(cmd.Context(), op, code, !local)
			if err != nil {
				return lifeError(err)
			}
			if asJSON {
				return json.NewEncoder(a.stdout).Encode(statusJSON(v))
			}
			a.printStatus(v, e.cfg.Location())
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "in dạng JSON")
	cmd.Flags().BoolVar(&local, "local", false, "chỉ dùng dữ liệu trên máy, không hỏi hệ thống")
	return cmd
}

// statusOut is `dossier status --json`.
type statusOut struct {
	Code        string                    `json:"code"`
	Service     string                    `json:"service"`
	ServiceName string                    `json:"serviceName"`
	Stage       string                    `json:"stage"`
	StageLabel  string                    `json:"stageLabel"`
	Submission  string                    `json:"submission,omitempty"`
	Channel     string                    `json:"channel"`
	Counter     string                    `json:"counter"`
	Applicant   string                    `json:"applicant,omitempty"`
	ReceivedAt  time.Time                 `json:"receivedAt"`
	Due         time.Time                 `json:"due"`
	Appointment time.Time                 `json:"appointment"`
	ResultAt    time.Time                 `json:"resultAt,omitzero"`
	ReturnedAt  time.Time                 `json:"returnedAt,omitzero"`
	Timeliness  string                    `json:"timeliness,omitempty"`
	Fresh       bool                      `json:"fresh"`
	Offline     bool                      `json:"offline,omitempty"`
	Procedures  []lifecycle.ProcedureLife `json:"procedures"`
	History     []historyOut              `json:"history"`
	Pending     []pendingOut              `json:"pendingEvents"`
}

type historyOut struct {
	Seq         int       `json:"seq"`
	Event       string    `json:"event"`
	Label       string    `json:"label"`
	Procedures  []string  `json:"procedures,omitempty"`
	Stage       string    `json:"stage"`
	At          time.Time `json:"at"`
	By          string    `json:"by"`
	Origin      string    `json:"origin"`
	Agency      string    `json:"agency,omitempty"`
	Counter     string    `json:"counter,omitempty"`
	Reason      string    `json:"reason,omitempty"`
	Appointment time.Time `json:"appointment,omitzero"`
}

type pendingOut struct {
	Kind    string `json:"kind"`
	State   string `json:"state"`
	Message string `json:"message,omitempty"`
}

func statusJSON(v *counter.DossierView) statusOut {
	l := v.Life
	out := statusOut{Code: l.Code, Service: l.Service, ServiceName: l.ServiceName, Stage: string(l.Stage), StageLabel: l.Stage.Label(),
		Submission: string(v.Submission), Channel: string(l.Channel), Counter: l.Counter, Applicant: l.Applicant.Name,
		ReceivedAt: l.ReceivedAt, Due: l.Due, Appointment: l.Appointment, ResultAt: l.ResultAt, ReturnedAt: l.ReturnedAt,
		Timeliness: v.Timeliness, Fresh: v.Fresh, Offline: v.Offline, Procedures: l.Procedures, History: []historyOut{}, Pending: []pendingOut{}}
	for _, s := range l.History {
		out.History = append(out.History, historyOut{Seq: s.Seq, Event: string(s.Event), Label: s.Event.Label(), Procedures: s.Procedures,
			Stage: string(s.To), At: s.At, By: s.By, Origin: s.Origin, Agency: s.Agency, Counter: s.Counter, Reason: s.Reason, Appointment: s.Appointment})
	}
	for _, e := range v.Pending {
		out.Pending = append(out.Pending, pendingOut{Kind: e.Kind, State: string(e.State), Message: e.Message})
	}
	return out
}

func (a *app) printStatus(v *counter.DossierView, loc *time.Location) {
	w, l := a.stdout, v.Life
	t := func(x time.Time) string {
		if x.IsZero() {
			return "—"
		}
		return x.In(loc).Format(lifeDateFormat)
	}
	fmt.Fprintf(w, "Mã hồ sơ:      %s\n", l.Code)
	fmt.Fprintf(w, "Thủ tục:       %s\n", l.ServiceName)
	fmt.Fprintf(w, "Trạng thái:    %s", l.Stage.Label())
	if v.Timeliness != "" {
		fmt.Fprintf(w, " (%s)", lifecycle.TimelinessLabel(v.Timeliness))
	}
	fmt.Fprintln(w)
	if l.Applicant.Name != "" {
		fmt.Fprintf(w, "Người nộp:     %s\n", l.Applicant.Name)
	}
	fmt.Fprintf(w, "Tiếp nhận:     %s, quầy %s, %s\n", t(l.ReceivedAt), l.Counter, l.Channel.Label())
	fmt.Fprintf(w, "Hẹn trả:       %s", t(l.Appointment))
	if !l.Due.Equal(l.Appointment) {
		fmt.Fprintf(w, " (hẹn ban đầu %s)", t(l.Due))
	}
	fmt.Fprintln(w)
	if !l.ResultAt.IsZero() {
		fmt.Fprintf(w, "Có kết quả:    %s\n", t(l.ResultAt))
	}
	if !l.ReturnedAt.IsZero() {
		fmt.Fprintf(w, "Đã trả:        %s\n", t(l.ReturnedAt))
	}
	fmt.Fprintln(w, "Thủ tục:")
	for _, p := range l.Procedures {
		fmt.Fprintf(w, "  - %s (%s): %s, hẹn %s\n", p.Name, p.Agency, p.Stage.Label(), t(p.Appointment))
		for _, d := range p.Results {
			fmt.Fprintf(w, "      kết quả: %s %s\n", d.Name, d.Number)
		}
	}
	fmt.Fprintln(w, "Quá trình:")
	for _, s := range l.History {
		where := s.Agency
		if s.Counter != "" {
			where += ", quầy " + s.Counter
		}
		line := fmt.Sprintf("  %s  %s — %s (%s)", t(s.At), s.Event.Label(), s.By, strings.TrimPrefix(where, ", "))
		if s.Reason != "" {
			line += ": " + s.Reason
		}
		fmt.Fprintln(w, line)
	}
	for _, e := range v.Pending {
		state := "chờ gửi lên hệ thống"
		if e.State == offline.OutboxRejected {
			state = "hệ thống không nhận: " + e.Message
		}
		fmt.Fprintf(w, "Chưa gửi: %s (%s)\n", lifecycle.Event(e.Kind).Label(), state)
	}
	switch {
	case v.Offline:
		fmt.Fprintln(a.stderr, "Mất kết nối hệ thống: đang hiển thị dữ liệu trên máy.", counter.Explain(v.LinkErr))
	case !v.Fresh:
		fmt.Fprintln(a.stderr, "Dữ liệu trên máy (không hỏi hệ thống).")
	}
}

func (a *app) dossierReturnCmd() *cobra.Command {
	var (
		asJSON                         bool
		receiver, name, auth, key, via string
	)
	cmd := &cobra.Command{
		Use:   "return CODE --receiver ID",
		Short: "Trả kết quả: ghi người nhận (người nộp hồ sơ, hoặc người có giấy ủy quyền), gửi lên hệ thống",
		Long: `Ghi việc trả kết quả hồ sơ: thời điểm, cán bộ, người nhận. Người nhận là người nộp hồ sơ (số định danh
trùng), hoặc người có giấy ủy quyền (--authorisation mô tả giấy: loại, số, ngày, người ủy quyền). Việc trả kết
quả được báo lên hệ thống (mất kết nối thì chờ trong hàng đợi, tự gửi khi có kết nối). Nơi tỉnh dùng phiếu bàn
giao (printer.handover_slip trong cấu hình), lệnh in phiếu và nói phiếu ở đâu; máy in lỗi thì phiếu được lưu để
in lại. Chạy lại cùng lệnh không ghi thêm lần nữa. CODE là mã hồ sơ hoặc dòng mã QR trên giấy biên nhận.`,
		Example: "  motcua dossier return G01.00004-261123-010001 --receiver 066303000006\n" +
			"  motcua dossier return G01.00004-261123-010001 --receiver 010086000000 --authorisation \"Giấy ủy quyền số 12/UQ ngày 20/11/2026\"",
		Args: exactArgs(1, "mã hồ sơ"),
		RunE: func(cmd *cobra.Command, args []string) error {
			code, err := counter.ParseReceiptQR(args[0])
			if err != nil {
				return usageErr("%s", counter.Explain(err))
			}
			if receiver == "" {
				return usageErr("thiếu --receiver: số định danh của người nhận kết quả")
			}
			switch lookups.ValueSource(via) {
			case forms.SourceCard, forms.SourceQR, forms.SourceTyped:
			default:
				return usageErr("--source %q không có (card, qr, typed)", via)
			}
			e, op, err := a.openLife(counter.ActReturn)
			if err != nil {
				return err
			}
			defer e.Close()
			out, err := e.svc.HandOver(cmd.Context(), op, counter.HandOverRequest{Code: code,
				Receiver:      lifecycle.Receiver{ID: receiver, Name: name, Source: lookups.ValueSource(via)},
				Authorisation: auth, Options: counter.StepOptions{Key: key}})
			if err != nil {
				return lifeError(err)
			}
			return a.reportStepSlip(out.LifeOutcome, out.Slip, asJSON, "đã trả kết quả", out.SlipPath, out.SlipErr)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&asJSON, "json", false, "in kết quả dạng JSON")
	f.StringVar(&receiver, "receiver", "", "số định danh của người nhận (12 chữ số)")
	f.StringVar(&name, "name", "", "họ tên người nhận (mặc định: họ tên người nộp khi là người nộp)")
	f.StringVar(&auth, "authorisation", "", "giấy ủy quyền khi người nhận không phải người nộp hồ sơ")
	f.StringVar(&via, "source", string(forms.SourceTyped), "cách xác định người nhận: card, qr hoặc typed")
	f.StringVar(&key, "key", "", "khóa chống trùng: chạy lại cùng khóa trả về lần ghi đầu")
	return cmd
}

// parseItems reads --item "giấy tờ|nội dung thiếu hoặc sai|hướng dẫn".
func parseItems(raw []string) ([]lifecycle.SupplementItem, error) {
	var out []lifecycle.SupplementItem
	for _, r := range raw {
		parts := strings.SplitN(r, "|", 3)
		if len(parts) < 2 || strings.TrimSpace(parts[0]) == "" || strings.TrimSpace(parts[1]) == "" {
			return nil, usageErr("--item %q: cần \"tên giấy tờ|nội dung thiếu hoặc sai|hướng dẫn\" (hướng dẫn không bắt buộc)", r)
		}
		it := lifecycle.SupplementItem{Document: parts[0], Problem: parts[1]}
		if len(parts) == 3 {
			it.Guidance = parts[2]
		}
		out = append(out, it)
	}
	return out, nil
}

func (a *app) dossierSupplementCmd() *cobra.Command {
	var (
		asJSON, received           bool
		items                      []string
		draft, proc, note, key, ct string
	)
	cmd := &cobra.Command{
		Use:   "supplement [CODE] --item \"giấy tờ|thiếu/sai|hướng dẫn\" ...",
		Short: "Yêu cầu bổ sung hồ sơ (Mẫu 02): khi tiếp nhận (--draft) hoặc khi đang giải quyết (CODE); --received: đã nhận bổ sung",
		Long: `Yêu cầu bổ sung, hoàn thiện hồ sơ (Mẫu 02): mỗi --item là một giấy tờ thiếu hoặc sai, dạng
"tên giấy tờ|nội dung thiếu hoặc sai|hướng dẫn".

Khi tiếp nhận (--draft ID, chưa có mã hồ sơ): tờ khai được giữ lại (bản nháp); lệnh in mã phiếu, mã QR trên
phiếu mang tờ khai trở lại khi công dân quay lại (màn hình quầy: quét mã trên phiếu).
Khi đang giải quyết (CODE): ghi yêu cầu bổ sung vào quá trình giải quyết và báo lên hệ thống.
Với --received (CODE): công dân đã nộp phần bổ sung.`,
		Example: "  motcua dossier supplement --draft 3f2a... --item \"Bản án ly hôn|Thiếu bản sao có chứng thực|Nộp bản sao có chứng thực\"\n" +
			"  motcua dossier supplement G01.00004-261123-010001 --received",
		Args: func(cmd *cobra.Command, args []string) error {
			switch {
			case len(args) > 1:
				return usageErr("lệnh nhận tối đa một mã hồ sơ")
			case draft != "" && len(args) == 1:
				return usageErr("dùng --draft (khi tiếp nhận) hoặc mã hồ sơ (khi đang giải quyết), không dùng cả hai")
			case draft == "" && len(args) == 0:
				return usageErr("cần mã hồ sơ, hoặc --draft khi yêu cầu bổ sung lúc tiếp nhận")
			case received && draft != "":
				return usageErr("--received chỉ dùng với mã hồ sơ")
			case !received && len(items) == 0:
				return usageErr("cần ít nhất một --item \"giấy tờ|nội dung thiếu hoặc sai|hướng dẫn\"")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			its, err := parseItems(items)
			if err != nil {
				return err
			}
			e, op, err := a.openLife(counter.ActSupplement)
			if err != nil {
				return err
			}
			defer e.Close()
			if draft != "" {
				out, err := e.svc.AskSupplement(cmd.Context(), op, counter.SupplementRequest{DraftID: draft, Items: its, Note: note, Contact: ct, Key: key})
				if err != nil {
					return lifeError(err)
				}
				if asJSON {
					return json.NewEncoder(a.stdout).Encode(out)
				}
				fmt.Fprintln(a.stdout, out.Info.Code)
				if out.Duplicate {
					fmt.Fprintln(a.stderr, "Phiếu này đã được lập trước đó; không lập phiếu mới.")
				} else {
					fmt.Fprintln(a.stderr, "Đã lập phiếu yêu cầu bổ sung; tờ khai được giữ lại đến khi công dân quay lại.")
				}
				return nil
			}
			code, err := counter.ParseReceiptQR(args[0])
			if err != nil {
				return usageErr("%s", counter.Explain(err))
			}
			if received {
				out, err := e.svc.SupplementReceived(cmd.Context(), op, code, proc, note, counter.StepOptions{Key: key})
				if err != nil {
					return lifeError(err)
				}
				return a.reportStep(out, nil, asJSON, "đã nhận hồ sơ bổ sung")
			}
			out, err := e.svc.RequestSupplement(cmd.Context(), op, code, proc, its, note, counter.StepOptions{Key: key})
			if err != nil {
				return lifeError(err)
			}
			return a.reportStep(out.LifeOutcome, out.Slip, asJSON, "đã yêu cầu bổ sung hồ sơ")
		},
	}
	f := cmd.Flags()
	f.BoolVar(&asJSON, "json", false, "in kết quả dạng JSON")
	f.BoolVar(&received, "received", false, "công dân đã nộp phần bổ sung")
	f.StringArrayVar(&items, "item", nil, "giấy tờ cần bổ sung: \"tên giấy tờ|nội dung thiếu hoặc sai|hướng dẫn\" (lặp lại được)")
	f.StringVar(&draft, "draft", "", "mã tờ khai đang soạn (khi tiếp nhận, chưa có mã hồ sơ; xem motcua draft list)")
	f.StringVar(&proc, "procedure", "", "chỉ thủ tục này của hồ sơ liên thông (mã thủ tục)")
	f.StringVar(&note, "note", "", "ghi chú thêm cho công dân")
	f.StringVar(&ct, "contact", "", "nơi liên hệ khi cần hướng dẫn (mặc định: nơi trả kết quả trong cấu hình)")
	f.StringVar(&key, "key", "", "khóa chống trùng: chạy lại cùng khóa trả về lần ghi đầu")
	return cmd
}

func (a *app) dossierRefuseCmd() *cobra.Command {
	var (
		asJSON, keep     bool
		reasons          []string
		draft, note, key string
	)
	cmd := &cobra.Command{
		Use:   "refuse --draft ID --reason R [--reason R2] [--note T]",
		Short: "Từ chối tiếp nhận hồ sơ (Mẫu 03): lý do theo danh sách của thủ tục (motcua dossier reasons) và ghi chú",
		Long: `Từ chối tiếp nhận một tờ khai (Mẫu 03) với lý do chọn trong danh sách của thủ tục ("motcua dossier
reasons THỦ_TỤC"), thêm ghi chú (bắt buộc với lý do "khac"). Tờ khai không được tiếp nhận nên bị xóa khỏi máy
(--keep-draft để giữ); phiếu từ chối được lưu (mã hóa) để in lại. Lệnh in mã phiếu.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if draft == "" || len(reasons) == 0 {
				return usageErr("cần --draft (mã tờ khai) và ít nhất một --reason (xem motcua dossier reasons THỦ_TỤC)")
			}
			e, op, err := a.openLife(counter.ActRefuse)
			if err != nil {
				return err
			}
			defer e.Close()
			out, err := e.svc.Refuse(cmd.Context(), op, counter.RefusalRequest{DraftID: draft, Reasons: reasons, Note: note, KeepDraft: keep, Key: key})
			if err != nil {
				return lifeError(err)
			}
			if asJSON {
				return json.NewEncoder(a.stdout).Encode(out)
			}
			fmt.Fprintln(a.stdout, out.Info.Code)
			if out.Duplicate {
				fmt.Fprintln(a.stderr, "Phiếu từ chối này đã được lập trước đó; không lập phiếu mới.")
			} else {
				fmt.Fprintln(a.stderr, "Đã lập phiếu từ chối tiếp nhận hồ sơ.")
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.BoolVar(&asJSON, "json", false, "in kết quả dạng JSON")
	f.StringVar(&draft, "draft", "", "mã tờ khai đang soạn (motcua draft list)")
	f.StringArrayVar(&reasons, "reason", nil, "mã lý do (lặp lại được)")
	f.StringVar(&note, "note", "", "ghi chú (bắt buộc với lý do khac)")
	f.BoolVar(&keep, "keep-draft", false, "giữ tờ khai trên máy")
	f.StringVar(&key, "key", "", "khóa chống trùng")
	return cmd
}

func (a *app) dossierReasonsCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "reasons SERVICE",
		Short: "Danh sách lý do từ chối tiếp nhận của một thủ tục (forms/refusals.toml)",
		Args:  exactArgs(1, "mã thủ tục"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if _, ok := forms.Lookup(args[0]); !ok {
				return usageErr("không có thủ tục %q (xem motcua forms list)", args[0])
			}
			return printList(a.stdout, asJSON, forms.RefusalReasons(args[0]), "Không có lý do nào.", "MÃ\tLÝ DO\tCĂN CỨ", func(r forms.RefusalReason) string {
				return r.ID + "\t" + r.Text + "\t" + r.Basis
			})
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "in dạng JSON")
	return cmd
}

func (a *app) dossierStopCmd() *cobra.Command {
	var (
		asJSON            bool
		reason, proc, key string
	)
	cmd := &cobra.Command{
		Use:   "stop CODE --reason T",
		Short: "Dừng giải quyết hồ sơ (Mẫu 05), với lý do; báo lên hệ thống",
		Args:  exactArgs(1, "mã hồ sơ"),
		RunE: func(cmd *cobra.Command, args []string) error {
			code, err := counter.ParseReceiptQR(args[0])
			if err != nil {
				return usageErr("%s", counter.Explain(err))
			}
			if strings.TrimSpace(reason) == "" {
				return usageErr("cần --reason: lý do dừng giải quyết")
			}
			e, op, err := a.openLife(counter.ActStop)
			if err != nil {
				return err
			}
			defer e.Close()
			out, err := e.svc.Stop(cmd.Context(), op, code, proc, reason, counter.StepOptions{Key: key})
			if err != nil {
				return lifeError(err)
			}
			return a.reportStep(out.LifeOutcome, out.Notice, asJSON, "đã dừng giải quyết")
		},
	}
	f := cmd.Flags()
	f.BoolVar(&asJSON, "json", false, "in kết quả dạng JSON")
	f.StringVar(&reason, "reason", "", "lý do dừng giải quyết")
	f.StringVar(&proc, "procedure", "", "chỉ thủ tục này của hồ sơ liên thông (mã thủ tục)")
	f.StringVar(&key, "key", "", "khóa chống trùng")
	return cmd
}

func (a *app) dossierExtendCmd() *cobra.Command {
	var (
		asJSON                bool
		to, reason, proc, key string
		days                  int
	)
	cmd := &cobra.Command{
		Use:   "extend CODE (--to DD/MM/YYYY | --days N) --reason T",
		Short: "Xin lỗi và hẹn lại ngày trả kết quả (Mẫu 04): ngày mới, hoặc thêm N ngày làm việc theo lịch ngày nghỉ",
		Args:  exactArgs(1, "mã hồ sơ"),
		RunE: func(cmd *cobra.Command, args []string) error {
			code, err := counter.ParseReceiptQR(args[0])
			if err != nil {
				return usageErr("%s", counter.Explain(err))
			}
			if (to == "") == (days == 0) {
				return usageErr("cần đúng một trong --to DD/MM/YYYY và --days N")
			}
			if strings.TrimSpace(reason) == "" {
				return usageErr("cần --reason: lý do chậm trả kết quả")
			}
			var day lookups.Date
			if to != "" {
				if day, err = lookups.ParseDate(to); err != nil {
					return usageErr("--to %q: ngày phải dạng DD/MM/YYYY", to)
				}
			}
			e, op, err := a.openLife(counter.ActExtend)
			if err != nil {
				return err
			}
			defer e.Close()
			var when time.Time
			if days != 0 {
				if when, err = e.svc.NewAppointment(op, code, days); err != nil {
					return lifeError(err)
				}
			} else {
				when = day.Time(e.cfg.Location()).Add(time.Duration(e.cfg.Limits.ReturnHour) * time.Hour)
			}
			out, err := e.svc.Extend(cmd.Context(), op, code, proc, when, reason, counter.StepOptions{Key: key})
			if err != nil {
				return lifeError(err)
			}
			return a.reportStep(out.LifeOutcome, out.Letter, asJSON, "đã hẹn lại ngày trả kết quả "+when.Format("02/01/2006"))
		},
	}
	f := cmd.Flags()
	f.BoolVar(&asJSON, "json", false, "in kết quả dạng JSON")
	f.StringVar(&to, "to", "", "ngày hẹn mới DD/MM/YYYY")
	f.IntVar(&days, "days", 0, "số ngày làm việc kể từ ngày hẹn ban đầu (hoặc từ hôm nay nếu đã quá hạn); lần hẹn lại thứ hai dùng --to")
	f.StringVar(&reason, "reason", "", "lý do chậm trả kết quả")
	f.StringVar(&proc, "procedure", "", "chỉ thủ tục này của hồ sơ liên thông (mã thủ tục)")
	f.StringVar(&key, "key", "", "khóa chống trùng")
	return cmd
}

func (a *app) dossierWithdrawCmd() *cobra.Command {
	var (
		asJSON      bool
		reason, key string
	)
	cmd := &cobra.Command{
		Use:   "withdraw CODE",
		Short: "Ghi nhận công dân rút hồ sơ; báo lên hệ thống",
		Args:  exactArgs(1, "mã hồ sơ"),
		RunE: func(cmd *cobra.Command, args []string) error {
			code, err := counter.ParseReceiptQR(args[0])
			if err != nil {
				return usageErr("%s", counter.Explain(err))
			}
			e, op, err := a.openLife(counter.ActWithdraw)
			if err != nil {
				return err
			}
			defer e.Close()
			out, err := e.svc.Withdraw(cmd.Context(), op, code, reason, counter.StepOptions{Key: key})
			if err != nil {
				return lifeError(err)
			}
			return a.reportStep(out, nil, asJSON, "đã ghi nhận rút hồ sơ")
		},
	}
	f := cmd.Flags()
	f.BoolVar(&asJSON, "json", false, "in kết quả dạng JSON")
	f.StringVar(&reason, "reason", "", "lý do (không bắt buộc)")
	f.StringVar(&key, "key", "", "khóa chống trùng")
	return cmd
}

func (a *app) dossierLateCmd() *cobra.Command {
	var (
		asJSON, own bool
		days        int
		ctr         string
	)
	cmd := &cobra.Command{
		Use:   "late",
		Short: "Hồ sơ chưa có kết quả sắp đến hạn (trong N ngày làm việc) hoặc đã quá hạn (không có dữ liệu cá nhân)",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			e, op, err := a.openLife(counter.ActLateWatch)
			if err != nil {
				return err
			}
			defer e.Close()
			list, err := e.svc.LateWatch(op, counter.LateWatchOptions{Days: days, Counter: ctr, OwnOnly: own})
			if err != nil {
				return lifeError(err)
			}
			loc := e.cfg.Location()
			return printList(a.stdout, asJSON, list, "Không có hồ sơ nào sắp đến hạn hay quá hạn.", "MÃ HỒ SƠ\tTHỦ TỤC\tQUẦY\tTRẠNG THÁI\tHẸN TRẢ\tCÒN (NGÀY LÀM VIỆC)\tGHI CHÚ",
				func(i counter.LateItem) string {
					note := ""
					switch {
					case i.Past:
						note = "quá hạn"
					case i.Late:
						note = "quá hạn ban đầu"
					}
					if i.Extended {
						note = strings.TrimPrefix(note+", đã xin lỗi hẹn lại", ", ")
					}
					return fmt.Sprintf("%s\t%s\t%s\t%s\t%s\t%d\t%s", i.Code, i.Service, i.Counter, lifecycle.Stage(i.Stage).Label(),
						i.Appointment.In(loc).Format("02/01/2006"), i.DaysLeft, note)
				})
		},
	}
	f := cmd.Flags()
	f.BoolVar(&asJSON, "json", false, "in dạng JSON")
	f.IntVar(&days, "days", 2, "trong bấy nhiêu ngày làm việc tới")
	f.StringVar(&ctr, "counter", "", "chỉ hồ sơ của quầy này (01, 02...)")
	f.BoolVar(&own, "own", false, "chỉ hồ sơ tiếp nhận tại máy này")
	return cmd
}

// ---- the dossier book

func init() { register((*app).bookCmd) }

func (a *app) bookCmd() *cobra.Command {
	cmd := groupCmd("book", "Sổ theo dõi hồ sơ (Mẫu 07)")
	var (
		from, to, out, service, ctr, channel string
		states                               []string
		late, notLate, own, local            bool
	)
	export := &cobra.Command{
		Use:   "export --from DD/MM/YYYY --to DD/MM/YYYY --out F.xlsx|F.pdf",
		Short: "Xuất sổ theo dõi hồ sơ của một khoảng ngày ra tệp XLSX hoặc PDF (A4 ngang, theo cột của Mẫu 07)",
		Long: `Xuất sổ theo dõi hồ sơ (Mẫu 07) các hồ sơ tiếp nhận từ ngày --from đến hết ngày --to: hồ sơ tiếp nhận
tại máy này và hồ sơ các quầy khác của cơ quan (lấy từ hệ thống; mất kết nối thì dùng danh sách đã có trên
máy, không có tên người nộp, và nói rõ). Lọc theo thủ tục, trạng thái, quá hạn, quầy, hình thức nộp.
Tệp ra (chỉ chủ sở hữu đọc được) có tên người nộp: mỗi lần xuất được ghi vào nhật ký truy cập.
Mọi ô XLSX là chữ, không bao giờ là công thức. Tệp .pdf là sổ in trên khổ A4 ngang theo các cột của Mẫu 07
(người nhận, trạng thái, tiến độ, hình thức nộp ghi ở cột Ghi chú).`,
		Example: "  motcua book export --from 01/11/2026 --to 30/11/2026 --out so-thang-11.xlsx\n  motcua book export --from 01/11/2026 --to 30/11/2026 --out so-thang-11.pdf\n  motcua book export --from 01/01/2026 --to 31/12/2026 --late --out qua-han.xlsx",
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if from == "" || to == "" || out == "" {
				return usageErr("cần --from DD/MM/YYYY, --to DD/MM/YYYY và --out TỆP.xlsx (hoặc TỆP.pdf)")
			}
			df, err := lookups.ParseDate(from)
			if err != nil {
				return usageErr("--from %q: ngày phải dạng DD/MM/YYYY", from)
			}
			dt, err := lookups.ParseDate(to)
			if err != nil {
				return usageErr("--to %q: ngày phải dạng DD/MM/YYYY", to)
			}
			if dt.Before(df) {
				return usageErr("--to phải từ ngày --from trở đi")
			}
			export := counter.ExportBookXLSX
			switch strings.ToLower(filepath.Ext(out)) {
			case ".xlsx":
			case ".pdf":
				export = counter.ExportBookPDF
			default:
				return usageErr("--out phải là tệp .xlsx hoặc .pdf")
			}
			if late && notLate {
				return usageErr("--late và --not-late không dùng cùng nhau")
			}
			f := counter.BookFilter{Service: service, Counter: ctr, Channel: lifecycle.Channel(channel), OwnOnly: own, Refresh: !local}
			if channel != "" && !f.Channel.Valid() {
				return usageErr("--channel %q không có (in_person, online, post)", channel)
			}
			for _, s := range states {
				st := lifecycle.Stage(strings.TrimSpace(s))
				if !st.Valid() {
					return usageErr("--state %q không có (received, processing, supplement_requested, result_ready, returned, stopped, withdrawn)", s)
				}
				f.Stages = append(f.Stages, st)
			}
			if late || notLate {
				f.Late = &late
			}
			e, op, err := a.openLife(counter.ActBook)
			if err != nil {
				return err
			}
			defer e.Close()
			loc := e.cfg.Location()
			f.From, f.To = df.Time(loc), dt.Time(loc).AddDate(0, 0, 1)
			res, err := e.svc.Book(cmd.Context(), op, f)
			if err != nil {
				return lifeError(err)
			}
			if err := export(out, res.Book); err != nil {
				var pe *printing.Error
				if errors.As(err, &pe) {
					return failure(pe.Clerk, err)
				}
				return failure("Không ghi được tệp "+out+".", err)
			}
			e.svc.BookExported(op, len(res.Book.Rows))
			fmt.Fprintf(a.stdout, "Đã xuất %d hồ sơ (%d tiếp nhận tại máy này, %d của quầy khác) vào %s.\n", len(res.Book.Rows), res.Local, res.Remote, out)
			if res.Offline {
				fmt.Fprintln(a.stderr, "Mất kết nối hệ thống: hồ sơ của quầy khác lấy theo danh sách đã có trên máy, không có tên người nộp.", counter.Explain(res.LinkErr))
			}
			return nil
		},
	}
	fl := export.Flags()
	fl.StringVar(&from, "from", "", "từ ngày DD/MM/YYYY")
	fl.StringVar(&to, "to", "", "đến hết ngày DD/MM/YYYY")
	fl.StringVar(&out, "out", "", "tệp ra .xlsx hoặc .pdf")
	fl.StringVar(&service, "service", "", "chỉ thủ tục này (mã thủ tục)")
	fl.StringSliceVar(&states, "state", nil, "chỉ các trạng thái này")
	fl.BoolVar(&late, "late", false, "chỉ hồ sơ quá hạn")
	fl.BoolVar(&notLate, "not-late", false, "chỉ hồ sơ không quá hạn")
	fl.StringVar(&ctr, "counter", "", "chỉ quầy này (01, 02...)")
	fl.StringVar(&channel, "channel", "", "chỉ hình thức nộp này (in_person, online, post)")
	fl.BoolVar(&own, "own", false, "chỉ hồ sơ tiếp nhận tại máy này")
	fl.BoolVar(&local, "local", false, "không hỏi hệ thống, chỉ dùng dữ liệu trên máy")
	cmd.AddCommand(export)
	return cmd
}
