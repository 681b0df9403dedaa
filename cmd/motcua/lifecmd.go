package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

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
	// the form the step prints (Mẫu 02, 04, 05, hand-over slip), its ID numbers masked (stepForm)
	Form any `json:"form,omitempty"`
	// the hand-over slip printed (where printer.handover_slip says the province uses one):
	// where it went, or why not and whether it waits in the print queue
	SlipPath   string `json:"slipPath,omitempty"`
	SlipError  string `json:"slipPrintError,omitempty"` // Vietnamese
	SlipQueued bool   `json:"slipQueued,omitempty"`
}

// reportStepSlip reports a step of a dossier's life, and for a step that printed a slip (the
// hand-over slip, where the province uses one: the use case decides) where it went (slipPath),
// or why not (slipErr), said with the receipts' words when it waits in the print queue.
// Neither: nothing printed.
func (a *app) reportStepSlip(out counter.LifeOutcome, form any, asJSON bool, done, slipPath string, slipErr error) error {
	res := stepResult{Code: out.Life.Code, Event: string(out.Step.Event), Stage: string(out.Life.Stage), At: out.Step.At,
		Seq: out.Step.Seq, Duplicate: out.Duplicate, Sent: out.Sent, Form: stepForm(form), SlipPath: slipPath}
	if out.SendErr != nil {
		res.SendError = counter.Explain(out.SendErr)
	}
	if slipErr != nil {
		res.SlipError, res.SlipQueued = counter.Explain(slipErr), errors.Is(slipErr, counter.ErrPrintQueued)
	}
	if asJSON {
		return newJSONEncoder(a.stdout).Encode(res)
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

// stepForm is a form a step printed as its --json carries it: the ID numbers in it (the
// citizen's, the receiver's) masked but for their last four digits, as the printed hand-over
// slip shows them: the operator did not ask for them, and the output goes to terminals, pipes
// and files. A form of a kind not known here is left out rather than spilled.
func stepForm(form any) any {
	switch f := form.(type) {
	case nil:
		return nil
	case forms.HandoverSlip:
		f.Citizen.ID, f.Receiver.ID = printing.MaskID(f.Citizen.ID), printing.MaskID(f.Receiver.ID)
		return f
	case forms.SupplementSlip:
		f.Citizen.ID = printing.MaskID(f.Citizen.ID)
		return f
	case forms.RefusalSlip:
		f.Citizen.ID = printing.MaskID(f.Citizen.ID)
		return f
	case forms.ApologyLetter:
		f.Citizen.ID = printing.MaskID(f.Citizen.ID)
		return f
	case forms.StopNotice:
		f.Citizen.ID = printing.MaskID(f.Citizen.ID)
		return f
	}
	return nil
}

// maskedSlip is a slip made at reception as its --json carries it (stepForm).
func maskedSlip(out counter.SlipOutcome) counter.SlipOutcome {
	if out.Supplement != nil {
		f, _ := stepForm(*out.Supplement).(forms.SupplementSlip)
		out.Supplement = &f
	}
	if out.Refusal != nil {
		f, _ := stepForm(*out.Refusal).(forms.RefusalSlip)
		out.Refusal = &f
	}
	return out
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
				return newJSONEncoder(a.stdout).Encode(statusJSON(v))
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

// lifeStep is one step command of a dossier's life: what cobra shows of it, its own flags and
// what it does. stepCmd gives every step the same wiring: --json and --key (and --procedure
// where a bundle's procedure can be named), the dossier's code read from the command line
// (CODE, or the QR line of the receipt), the flags checked before the environment opens, a
// refusal of the use case said with lifeError, and the outcome reported by one function.
type lifeStep struct {
	use, short, long, example string
	// args checks the arguments. nil: exactly one, the dossier's code, read before check;
	// otherwise do reads what it needs from the arguments itself.
	args      cobra.PositionalArgs
	act       counter.Action
	keyHelp   string // the help of --key; "": keyHelp
	procedure bool   // the step takes --procedure
	flags     func(f *pflag.FlagSet)
	check     func() error // the command line, before the environment opens (a usage error)
	do        func(ctx context.Context, e *env, op counter.Operator, in stepInput) (stepReport, error)
}

// stepInput is what the command line gives every step.
type stepInput struct {
	code      string // the dossier's code (a step with the default args)
	args      []string
	procedure string
	opt       counter.StepOptions
}

// stepReport is what a step did: a step of the dossier's life (out, the form it prints, done
// said in the text, the hand-over slip printed or why not), or a slip made at reception (slip:
// said with done when made now, again when made before under the same key).
type stepReport struct {
	out      counter.LifeOutcome
	form     any
	done     string
	slipPath string
	slipErr  error
	slip     *counter.SlipOutcome
	again    string
}

// The help of --key.
const (
	keyHelp       = "khóa chống trùng"
	keyHelpRerun  = "khóa chống trùng: chạy lại cùng khóa trả về lần ghi đầu"
	procedureHelp = "chỉ thủ tục này của hồ sơ liên thông (mã thủ tục)"
)

// stepCmd is the command of a step of a dossier's life.
func (a *app) stepCmd(s lifeStep) *cobra.Command {
	var (
		asJSON bool
		in     stepInput
	)
	args := s.args
	if args == nil {
		args = exactArgs(1, "mã hồ sơ")
	}
	cmd := &cobra.Command{Use: s.use, Short: s.short, Long: s.long, Example: s.example, Args: args,
		RunE: func(cmd *cobra.Command, args []string) error {
			in.args = args
			if s.args == nil {
				code, err := counter.ParseReceiptQR(args[0])
				if err != nil {
					return usageErr("%s", counter.Explain(err))
				}
				in.code = code
			}
			if s.check != nil {
				if err := s.check(); err != nil {
					return err
				}
			}
			e, op, err := a.openLife(s.act)
			if err != nil {
				return err
			}
			defer e.Close()
			rep, err := s.do(cmd.Context(), e, op, in)
			if err != nil {
				var said *exitError // the step's own usage error (a code read late)
				if errors.As(err, &said) {
					return err
				}
				return lifeError(err)
			}
			if rep.slip != nil {
				return a.reportSlip(*rep.slip, asJSON, rep.done, rep.again)
			}
			return a.reportStepSlip(rep.out, rep.form, asJSON, rep.done, rep.slipPath, rep.slipErr)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&asJSON, "json", false, "in kết quả dạng JSON")
	if s.flags != nil {
		s.flags(f)
	}
	if s.procedure {
		f.StringVar(&in.procedure, "procedure", "", procedureHelp)
	}
	f.StringVar(&in.opt.Key, "key", "", cmp.Or(s.keyHelp, keyHelp))
	return cmd
}

// reportSlip reports a slip made at reception (Mẫu 02 asking for a supplement, Mẫu 03
// refusing): its code on stdout, and whether it was made now (done) or before (again).
func (a *app) reportSlip(out counter.SlipOutcome, asJSON bool, done, again string) error {
	if asJSON {
		return newJSONEncoder(a.stdout).Encode(maskedSlip(out))
	}
	fmt.Fprintln(a.stdout, out.Info.Code)
	if out.Duplicate {
		fmt.Fprintln(a.stderr, again)
	} else {
		fmt.Fprintln(a.stderr, done)
	}
	return nil
}

func (a *app) dossierReturnCmd() *cobra.Command {
	var receiver, name, auth, via string
	return a.stepCmd(lifeStep{
		use:   "return CODE --receiver ID",
		short: "Trả kết quả: ghi người nhận (người nộp hồ sơ, hoặc người có giấy ủy quyền), gửi lên hệ thống",
		long: `Ghi việc trả kết quả hồ sơ: thời điểm, cán bộ, người nhận. Người nhận là người nộp hồ sơ (số định danh
trùng), hoặc người có giấy ủy quyền (--authorisation mô tả giấy: loại, số, ngày, người ủy quyền). Việc trả kết
quả được báo lên hệ thống (mất kết nối thì chờ trong hàng đợi, tự gửi khi có kết nối). Nơi tỉnh dùng phiếu bàn
giao (printer.handover_slip trong cấu hình), lệnh in phiếu và nói phiếu ở đâu; máy in lỗi thì phiếu được lưu để
in lại. Chạy lại cùng lệnh không ghi thêm lần nữa. CODE là mã hồ sơ hoặc dòng mã QR trên giấy biên nhận.`,
		example: "  motcua dossier return G01.00004-261123-010001 --receiver 066303000006\n" +
			"  motcua dossier return G01.00004-261123-010001 --receiver 010086000000 --authorisation \"Giấy ủy quyền số 12/UQ ngày 20/11/2026\"",
		act:     counter.ActReturn,
		keyHelp: keyHelpRerun,
		flags: func(f *pflag.FlagSet) {
			f.StringVar(&receiver, "receiver", "", "số định danh của người nhận (12 chữ số)")
			f.StringVar(&name, "name", "", "họ tên người nhận (mặc định: họ tên người nộp khi là người nộp)")
			f.StringVar(&auth, "authorisation", "", "giấy ủy quyền khi người nhận không phải người nộp hồ sơ")
			f.StringVar(&via, "source", string(forms.SourceTyped), "cách xác định người nhận: card, qr hoặc typed")
		},
		check: func() error {
			if receiver == "" {
				return usageErr("thiếu --receiver: số định danh của người nhận kết quả")
			}
			switch lookups.ValueSource(via) {
			case forms.SourceCard, forms.SourceQR, forms.SourceTyped:
				return nil
			}
			return usageErr("--source %q không có (card, qr, typed)", via)
		},
		do: func(ctx context.Context, e *env, op counter.Operator, in stepInput) (stepReport, error) {
			out, err := e.svc.HandOver(ctx, op, counter.HandOverRequest{Code: in.code,
				Receiver:      lifecycle.Receiver{ID: receiver, Name: name, Source: lookups.ValueSource(via)},
				Authorisation: auth, Options: in.opt})
			return stepReport{out: out.LifeOutcome, form: out.Slip, done: "đã trả kết quả", slipPath: out.SlipPath, slipErr: out.SlipErr}, err
		},
	})
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
		received        bool
		items           []string
		its             []lifecycle.SupplementItem
		draft, note, ct string
	)
	return a.stepCmd(lifeStep{
		use:   "supplement [CODE] --item \"giấy tờ|thiếu/sai|hướng dẫn\" ...",
		short: "Yêu cầu bổ sung hồ sơ (Mẫu 02): khi tiếp nhận (--draft) hoặc khi đang giải quyết (CODE); --received: đã nhận bổ sung",
		long: `Yêu cầu bổ sung, hoàn thiện hồ sơ (Mẫu 02): mỗi --item là một giấy tờ thiếu hoặc sai, dạng
"tên giấy tờ|nội dung thiếu hoặc sai|hướng dẫn".

Khi tiếp nhận (--draft ID, chưa có mã hồ sơ): tờ khai được giữ lại (bản nháp); lệnh in mã phiếu, mã QR trên
phiếu mang tờ khai trở lại khi công dân quay lại (màn hình quầy: quét mã trên phiếu).
Khi đang giải quyết (CODE): ghi yêu cầu bổ sung vào quá trình giải quyết và báo lên hệ thống.
Với --received (CODE): công dân đã nộp phần bổ sung.`,
		example: "  motcua dossier supplement --draft 3f2a... --item \"Bản án ly hôn|Thiếu bản sao có chứng thực|Nộp bản sao có chứng thực\"\n" +
			"  motcua dossier supplement G01.00004-261123-010001 --received",
		args: func(cmd *cobra.Command, args []string) error {
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
		act:       counter.ActSupplement,
		keyHelp:   keyHelpRerun,
		procedure: true,
		flags: func(f *pflag.FlagSet) {
			f.BoolVar(&received, "received", false, "công dân đã nộp phần bổ sung")
			f.StringArrayVar(&items, "item", nil, "giấy tờ cần bổ sung: \"tên giấy tờ|nội dung thiếu hoặc sai|hướng dẫn\" (lặp lại được)")
			f.StringVar(&draft, "draft", "", "mã tờ khai đang soạn (khi tiếp nhận, chưa có mã hồ sơ; xem motcua draft list)")
			f.StringVar(&note, "note", "", "ghi chú thêm cho công dân")
			f.StringVar(&ct, "contact", "", "nơi liên hệ khi cần hướng dẫn (mặc định: nơi trả kết quả trong cấu hình)")
		},
		check: func() (err error) {
			its, err = parseItems(items)
			return err
		},
		do: func(ctx context.Context, e *env, op counter.Operator, in stepInput) (stepReport, error) {
			if draft != "" {
				out, err := e.svc.AskSupplement(ctx, op, counter.SupplementRequest{DraftID: draft, Items: its, Note: note, Contact: ct, Key: in.opt.Key})
				return stepReport{slip: &out, done: "Đã lập phiếu yêu cầu bổ sung; tờ khai được giữ lại đến khi công dân quay lại.",
					again: "Phiếu này đã được lập trước đó; không lập phiếu mới."}, err
			}
			code, err := counter.ParseReceiptQR(in.args[0])
			if err != nil {
				return stepReport{}, usageErr("%s", counter.Explain(err))
			}
			if received {
				out, err := e.svc.SupplementReceived(ctx, op, code, in.procedure, note, in.opt)
				return stepReport{out: out, done: "đã nhận hồ sơ bổ sung"}, err
			}
			out, err := e.svc.RequestSupplement(ctx, op, code, in.procedure, its, note, in.opt)
			return stepReport{out: out.LifeOutcome, form: out.Slip, done: "đã yêu cầu bổ sung hồ sơ"}, err
		},
	})
}

func (a *app) dossierRefuseCmd() *cobra.Command {
	var (
		keep        bool
		reasons     []string
		draft, note string
	)
	return a.stepCmd(lifeStep{
		use:   "refuse --draft ID --reason R [--reason R2] [--note T]",
		short: "Từ chối tiếp nhận hồ sơ (Mẫu 03): lý do theo danh sách của thủ tục (motcua dossier reasons) và ghi chú",
		long: `Từ chối tiếp nhận một tờ khai (Mẫu 03) với lý do chọn trong danh sách của thủ tục ("motcua dossier
reasons THỦ_TỤC"), thêm ghi chú (bắt buộc với lý do "khac"). Tờ khai không được tiếp nhận nên bị xóa khỏi máy
(--keep-draft để giữ); phiếu từ chối được lưu (mã hóa) để in lại. Lệnh in mã phiếu.`,
		args: noArgs,
		act:  counter.ActRefuse,
		flags: func(f *pflag.FlagSet) {
			f.StringVar(&draft, "draft", "", "mã tờ khai đang soạn (motcua draft list)")
			f.StringArrayVar(&reasons, "reason", nil, "mã lý do (lặp lại được)")
			f.StringVar(&note, "note", "", "ghi chú (bắt buộc với lý do khac)")
			f.BoolVar(&keep, "keep-draft", false, "giữ tờ khai trên máy")
		},
		check: func() error {
			if draft == "" || len(reasons) == 0 {
				return usageErr("cần --draft (mã tờ khai) và ít nhất một --reason (xem motcua dossier reasons THỦ_TỤC)")
			}
			return nil
		},
		do: func(ctx context.Context, e *env, op counter.Operator, in stepInput) (stepReport, error) {
			out, err := e.svc.Refuse(ctx, op, counter.RefusalRequest{DraftID: draft, Reasons: reasons, Note: note, KeepDraft: keep, Key: in.opt.Key})
			return stepReport{slip: &out, done: "Đã lập phiếu từ chối tiếp nhận hồ sơ.", again: "Phiếu từ chối này đã được lập trước đó; không lập phiếu mới."}, err
		},
	})
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
	var reason string
	return a.stepCmd(lifeStep{
		use:       "stop CODE --reason T",
		short:     "Dừng giải quyết hồ sơ (Mẫu 05), với lý do; báo lên hệ thống",
		act:       counter.ActStop,
		procedure: true,
		flags:     func(f *pflag.FlagSet) { f.StringVar(&reason, "reason", "", "lý do dừng giải quyết") },
		check: func() error {
			if strings.TrimSpace(reason) == "" {
				return usageErr("cần --reason: lý do dừng giải quyết")
			}
			return nil
		},
		do: func(ctx context.Context, e *env, op counter.Operator, in stepInput) (stepReport, error) {
			out, err := e.svc.Stop(ctx, op, in.code, in.procedure, reason, in.opt)
			return stepReport{out: out.LifeOutcome, form: out.Notice, done: "đã dừng giải quyết"}, err
		},
	})
}

func (a *app) dossierExtendCmd() *cobra.Command {
	var (
		to, reason string
		days       int
		day        lookups.Date
	)
	return a.stepCmd(lifeStep{
		use:       "extend CODE (--to DD/MM/YYYY | --days N) --reason T",
		short:     "Xin lỗi và hẹn lại ngày trả kết quả (Mẫu 04): ngày mới, hoặc thêm N ngày làm việc theo lịch ngày nghỉ",
		act:       counter.ActExtend,
		procedure: true,
		flags: func(f *pflag.FlagSet) {
			f.StringVar(&to, "to", "", "ngày hẹn mới DD/MM/YYYY")
			f.IntVar(&days, "days", 0, "số ngày làm việc kể từ ngày hẹn ban đầu (hoặc từ hôm nay nếu đã quá hạn); lần hẹn lại thứ hai dùng --to")
			f.StringVar(&reason, "reason", "", "lý do chậm trả kết quả")
		},
		check: func() (err error) {
			if (to == "") == (days == 0) {
				return usageErr("cần đúng một trong --to DD/MM/YYYY và --days N")
			}
			if strings.TrimSpace(reason) == "" {
				return usageErr("cần --reason: lý do chậm trả kết quả")
			}
			if to != "" {
				if day, err = lookups.ParseDate(to); err != nil {
					return usageErr("--to %q: ngày phải dạng DD/MM/YYYY", to)
				}
			}
			return nil
		},
		do: func(ctx context.Context, e *env, op counter.Operator, in stepInput) (stepReport, error) {
			var when time.Time
			if days != 0 {
				var err error
				if when, err = e.svc.NewAppointment(op, in.code, days); err != nil {
					return stepReport{}, err
				}
			} else {
				when = day.Time(e.cfg.Location()).Add(time.Duration(e.cfg.Limits.ReturnHour) * time.Hour)
			}
			out, err := e.svc.Extend(ctx, op, in.code, in.procedure, when, reason, in.opt)
			return stepReport{out: out.LifeOutcome, form: out.Letter, done: "đã hẹn lại ngày trả kết quả " + when.Format("02/01/2006")}, err
		},
	})
}

func (a *app) dossierWithdrawCmd() *cobra.Command {
	var reason string
	return a.stepCmd(lifeStep{
		use:   "withdraw CODE",
		short: "Ghi nhận công dân rút hồ sơ; báo lên hệ thống",
		act:   counter.ActWithdraw,
		flags: func(f *pflag.FlagSet) { f.StringVar(&reason, "reason", "", "lý do (không bắt buộc)") },
		do: func(ctx context.Context, e *env, op counter.Operator, in stepInput) (stepReport, error) {
			out, err := e.svc.Withdraw(ctx, op, in.code, reason, in.opt)
			return stepReport{out: out, done: "đã ghi nhận rút hồ sơ"}, err
		},
	})
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
