package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"os/signal"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"motcua/internal/config"
	"motcua/internal/counter"
	"motcua/internal/demo"
	"motcua/lookups"
	"motcua/lookups/card"
	"motcua/lookups/card/cardsim"
	"motcua/lookups/pid"
	"motcua/lookups/sandbox"
	"motcua/offline"
)

func init() { register((*app).cardCmd) }

// pcscStation opens PC/SC with the configured reader, trust store and trace.
func (a *app) pcscStation(cfg config.Config, log io.Writer) (*card.PCSCStation, error) {
	opt, err := cardOptions(cfg)
	opt.Log = log
	if err != nil {
		return nil, err
	}
	p, err := card.OpenPCSC()
	if err != nil {
		return nil, err
	}
	return &card.PCSCStation{P: p, Reader: cfg.Card.Reader, Opt: opt}, nil
}

// cardOptions loads the CSCA trust store and opens the APDU trace.
func cardOptions(cfg config.Config) (card.Options, error) {
	var opt card.Options
	ts, err := card.LoadTrustStore(cfg.Card.TrustStore...)
	if err != nil {
		return opt, fmt.Errorf("CSCA trust store: %w", err)
	}
	opt.Trust = ts
	if cfg.Card.Trace != "" {
		f, err := os.OpenFile(cfg.Card.Trace, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
		if err != nil {
			return opt, fmt.Errorf("APDU trace: %w", err)
		}
		opt.Trace = f // closed at exit: one per process
	}
	return opt, nil
}

func (a *app) cardCmd() *cobra.Command {
	cmd := groupCmd("card", "Thẻ căn cước gắn chip: đầu đọc, đọc và xác thực chip, chip mô phỏng")
	trust := groupCmd("trust", "Kho chứng thư CSCA dùng để xác thực chữ ký số trên chip")
	trust.AddCommand(a.cardTrustListCmd())
	cmd.AddCommand(a.cardReadersCmd(), a.cardReadCmd(), a.cardSimCmd(), trust)
	return cmd
}

func (a *app) cardReadersCmd() *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "readers",
		Short: "Liệt kê đầu đọc thẻ PC/SC và thẻ đang đặt trên đó",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			p, err := card.OpenPCSC()
			if err != nil {
				return failure(card.Explain(err), err)
			}
			defer p.Close()
			readers, err := p.Readers()
			if err != nil {
				return failure(card.Explain(err), err)
			}
			type row struct {
				Name        string `json:"name"`
				Contactless bool   `json:"contactless"`
				CardPresent bool   `json:"cardPresent"`
			}
			rows := make([]row, 0, len(readers))
			for _, r := range readers {
				rows = append(rows, row{r.Name, r.Contactless, r.CardPresent})
			}
			if err := printList(a.stdout, asJSON, rows, "Không có đầu đọc thẻ nào được cắm.", "ĐẦU ĐỌC", func(r row) string {
				kind := "tiếp xúc"
				if r.Contactless {
					kind = "không tiếp xúc"
				}
				state := "chưa có thẻ"
				if r.CardPresent {
					state = "có thẻ"
				}
				return fmt.Sprintf("%s  (%s) — %s", r.Name, kind, state)
			}); err != nil {
				return err
			}
			if len(rows) == 0 {
				return &exitError{code: exitFailure, msg: "Không có đầu đọc thẻ nào."}
			}
			return nil
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "in dạng JSON")
	return c
}

func (a *app) cardReadCmd() *cobra.Command {
	var (
		reader, id, can, mrz, face, virtual string
		asJSON, noFace                      bool
		wait                                time.Duration
	)
	c := &cobra.Command{
		Use:   "read",
		Short: "Đọc chip thẻ căn cước và xác thực (PACE/BAC, chữ ký số, chống sao chép)",
		Long: `Đọc chip thẻ căn cước (CCCD 2021, Căn cước 2024) trên đầu đọc PC/SC và xác thực dữ liệu.
Khóa mở chip: --id (số định danh 12 số) hoặc --can (6 số cuối), dùng PACE; hoặc --mrz
SỐGIẤYTỜ/YYMMDD/YYMMDD (ngày sinh/ngày hết hạn) cho BAC khi thẻ không có PACE.
Kết quả: mã thoát 0 khi chip xác thực (có cảnh báo nếu chưa có chứng thư CSCA), 3 khi có
kiểm tra KHÔNG ĐẠT, 4 khi dữ liệu đúng chữ ký nhưng thẻ không có xác thực chủ động hay xác thực
chip nên chưa chứng minh được là chip gốc (quầy vẫn tiếp nhận được sau khi đối chiếu ảnh chân
dung trên chip với người nộp: lưu ảnh bằng --face), 1 khi không đọc được hoặc chưa xác thực xong.
Mỗi lần đọc ghi nhật ký truy cập.
Với --demo: đọc chip mô phỏng của người tổng hợp có số --id (hoặc thẻ tập huấn --card).`,
		Example: "  motcua card read --id 001089012345\n  motcua card read --demo --id 066303000006 --json\n  motcua card read --demo --card the-sao-chep",
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) (runErr error) {
			// --json: one JSON object on stdout whatever happens, the
			// error in it when the read failed before the identity.
			printed := false
			if asJSON {
				defer func() {
					if runErr != nil && !printed {
						_ = writeCardJSON(a.stdout, nil, runErr) // the error is the one to report
					}
				}()
			}
			var key card.Key
			switch {
			case id != "":
				if err := pid.Validate(id, lookups.Date{}, ""); err != nil {
					return usageErr("số định danh không hợp lệ: %v", err)
				}
				key = card.KeyFromID(id)
			case can != "":
				k, ok := card.KeyFromDigits(can)
				if !ok || len(can) != 6 {
					return usageErr("--can phải là 6 chữ số (6 số cuối của số định danh)")
				}
				key = k
			}
			if mrz != "" {
				k, err := card.ParseMRZKey(mrz)
				if err != nil {
					return usageErr("--mrz: %v", err)
				}
				key.DocNo, key.Birth, key.Expiry = k.DocNo, k.Birth, k.Expiry
			}
			if virtual != "" && !a.demo {
				return usageErr("--card chỉ dùng với --demo (thẻ ảo)")
			}
			if key == (card.Key{}) && virtual == "" {
				return usageErr("cần khóa mở chip: --id, --can hoặc --mrz")
			}
			if _, err := a.operatorID(); err != nil {
				return err
			}
			e, op, err := a.openAs(counter.ActCardRead)
			if err != nil {
				return err
			}
			defer e.Close()
			var st card.Station
			if e.demo != nil {
				st = e.demo.Station
				if virtual == "" {
					virtual = id
				}
				if virtual == "" {
					return usageErr("với --demo cần --id của người có thẻ ảo (hoặc --card)")
				}
			} else {
				ps, err := a.pcscStation(e.cfg, e.logw)
				if err != nil {
					return failure(card.Explain(err), err)
				}
				defer ps.P.Close()
				if reader != "" {
					ps.Reader = reader
				}
				if err := waitForCard(cmd.Context(), ps, wait, a.stderr); err != nil {
					return failure(card.Explain(err), err)
				}
				ps.Opt.NoFace = noFace && face == ""
				st = ps
			}
			timeout := e.cfg.Card.Timeout.Duration
			if timeout <= 0 {
				timeout = 15 * time.Second
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), timeout)
			defer cancel()
			res, err := st.Read(ctx, virtual, key, func(p card.Progress) {
				fmt.Fprintf(a.stderr, "… %s\n", p.Step)
			})
			if err != nil {
				fmt.Fprintf(e.logw, "level=WARN msg=\"card read ended\" err=%q\n", err.Error())
			}
			if res != nil && res.Identity != nil {
				if err := e.office.LogAccess(op, offline.AccessEntry{Purpose: lookups.PurposeCheck, Action: offline.ActionCardRead,
					Subject: e.store.SubjectRef(res.Identity.ID), Outcome: res.Verdict().String()}); err != nil {
					fmt.Fprintf(e.logw, "level=WARN msg=\"access log not written\" err=%q\n", err.Error())
				}
				e.office.Mask(op, &res.Identity.Citizen) // a volunteer does not see ethnicity and religion
			}
			if err != nil && (res == nil || res.Identity == nil) {
				return failure(card.Explain(err), err)
			}
			if face != "" && res.Face != nil {
				if werr := os.WriteFile(face, res.Face.Data, 0o600); werr != nil {
					return failure("Không ghi được ảnh vào "+face+".", werr)
				}
			}
			if asJSON {
				printed = true
				if jerr := writeCardJSON(a.stdout, res, err); jerr != nil {
					return jerr
				}
			} else {
				printCardResult(a.stdout, res, face)
			}
			return cardReadOutcome(a.stderr, res, err)
		},
	}
	f := c.Flags()
	f.StringVar(&reader, "reader", "", "tên (một phần) đầu đọc; mặc định đầu đọc không tiếp xúc đầu tiên")
	f.StringVar(&id, "id", "", "số định danh 12 số (6 số cuối là khóa PACE)")
	f.StringVar(&can, "can", "", "6 số cuối của số định danh")
	f.StringVar(&mrz, "mrz", "", "khóa BAC: SỐGIẤYTỜ/YYMMDD/YYMMDD (ngày sinh/ngày hết hạn)")
	f.StringVar(&face, "face", "", "lưu ảnh chân dung (JPEG hoặc JPEG 2000) vào tệp này")
	f.BoolVar(&noFace, "no-face", false, "không đọc ảnh chân dung (nhanh hơn)")
	f.BoolVar(&asJSON, "json", false, "in kết quả dạng JSON")
	f.StringVar(&virtual, "card", "", "với --demo: thẻ ảo cần chạm ("+demo.ClonedCard+", "+demo.TamperedCard+", "+demo.PassiveOnlyCard+" hoặc số định danh)")
	f.DurationVar(&wait, "wait", 30*time.Second, "chờ đặt thẻ lên đầu đọc tối đa")
	return c
}

func (a *app) cardTrustListCmd() *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "list",
		Short: "Liệt kê chứng thư CSCA và danh sách thu hồi (CRL) đang tin cậy",
		Long: `Liệt kê những gì kho tin cậy (card.trust_store) chứa: chứng thư CSCA (quốc gia, chủ thể, hiệu
lực, tệp nguồn — kể cả các CSCA lấy từ danh sách chính ICAO .ml) và danh sách thu hồi (CRL).
Tệp không đọc được, danh sách chính mà người ký không thuộc một CSCA đã tin cậy, hoặc CRL không do
CSCA tin cậy ký: lệnh báo lỗi và nêu tên tệp.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, d, err := a.loadConfig()
			if err != nil {
				return err
			}
			var ts *card.TrustStore
			if d != nil {
				defer d.Close()
				ts = d.Station.Trust()
			} else if ts, err = card.LoadTrustStore(cfg.Card.TrustStore...); err != nil {
				return failure("Kho tin cậy (card.trust_store) có tệp không dùng được: "+err.Error(), err)
			}
			type row struct {
				Kind      string `json:"kind"`
				Country   string `json:"country"`
				Subject   string `json:"subject"`
				NotBefore string `json:"notBefore"`
				NotAfter  string `json:"notAfter"`
				Revoked   int    `json:"revoked,omitempty"`
				Source    string `json:"source"`
			}
			var rows []row
			for _, e := range ts.Entries() {
				src := e.Source
				if src == "" {
					src = "(tích hợp sẵn)"
				}
				rows = append(rows, row{e.Kind, e.Country, e.Subject, e.NotBefore.Format("2006-01-02"), e.NotAfter.Format("2006-01-02"), e.Revoked, src})
			}
			return printList(a.stdout, asJSON, rows,
				"Kho tin cậy trống: chưa cài chứng thư CSCA nào (card.trust_store). Chip thật chỉ báo được \"chữ ký hợp lệ, chưa có chứng thư CSCA\"; xem mục cài CSCA trong README.",
				"LOẠI\tQUỐC GIA\tCHỦ THỂ\tHIỆU LỰC\tTHU HỒI\tTỆP", func(r row) string {
					kind, revoked := "CSCA", ""
					if r.Kind == "crl" {
						kind, revoked = "CRL", fmt.Sprint(r.Revoked)
					}
					return fmt.Sprintf("%s\t%s\t%s\t%s → %s\t%s\t%s", kind, r.Country, r.Subject, r.NotBefore, r.NotAfter, revoked, r.Source)
				})
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "in dạng JSON")
	return c
}

// waitForCard blocks until a card is on the chosen reader, telling the user.
func waitForCard(ctx context.Context, ps *card.PCSCStation, wait time.Duration, w io.Writer) error {
	readers, err := ps.P.Readers()
	if err != nil {
		return err
	}
	if r, err := card.Pick(readers, ps.Reader); err != nil {
		return err
	} else if r.CardPresent {
		return nil
	} else {
		fmt.Fprintf(w, "Đặt thẻ lên đầu đọc %s…\n", r.Name)
	}
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	for ev := range ps.Watch(ctx) {
		if ev.Err != nil {
			continue
		}
		if r, err := card.Pick(ev.Readers, ps.Reader); err == nil && r.CardPresent {
			return nil
		}
	}
	return card.ErrNoCard
}

// cardReadOutcome turns a read with an identity into the command's exit,
// telling one truth: a read that stopped before its checks were decided is
// "not verified yet" (exit 1) whatever the partial states; one that stopped
// after (a card pulled while the portrait was read) keeps its verdict and
// says the portrait is missing.
func cardReadOutcome(stderr io.Writer, res *card.Result, err error) error {
	switch {
	case err != nil && !res.Decided():
		return failure("Chưa xác thực xong: "+card.Explain(err), err)
	case err != nil:
		fmt.Fprintln(stderr, "Đã xác thực xong; chưa đọc được ảnh chân dung: "+card.Explain(err))
	}
	switch res.Verdict() {
	case card.Failed:
		return &exitError{code: exitPartial, msg: "Thẻ KHÔNG vượt qua xác thực chip."}
	case card.ChipNotProven:
		_, notice := res.Receivable()
		return &exitError{code: exitUnproven, msg: notice}
	case card.Untrusted:
		fmt.Fprintln(stderr, "Cảnh báo: chữ ký số hợp lệ nhưng chưa có chứng thư CSCA trong kho tin cậy (card.trust_store).")
	}
	return nil
}

// cardJSON is what card read --json prints: always an object, with the
// same field names whatever happened.
type cardJSON struct {
	*card.Result
	Verdict    string `json:"verdict"` // a check state, or "not_read" when the chip gave nothing
	FaceFormat string `json:"faceFormat,omitempty"`
	FaceBytes  int    `json:"faceBytes,omitempty"`
	Error      string `json:"error,omitempty"`     // Vietnamese, for the clerk
	ErrorKind  string `json:"errorKind,omitempty"` // stable, for scripts (card.Kind)
}

// writeCardJSON prints one JSON object: the result (nil when the read
// failed before the identity) and the error, if any. Text is written as is
// (no \u003c for "<" in the MRZ).
func writeCardJSON(w io.Writer, res *card.Result, err error) error {
	out := cardJSON{Result: res, Verdict: "not_read"}
	if res != nil {
		out.Verdict = res.Verdict().String()
		if res.Face != nil {
			out.FaceFormat, out.FaceBytes = res.Face.Format, len(res.Face.Data)
		}
	}
	if err != nil {
		out.Error, out.ErrorKind = card.Explain(err), card.Kind(err)
		var ee *exitError
		if errors.As(err, &ee) && ee.msg != "" && card.Kind(err) == "other" {
			out.Error = ee.msg // a usage error, already in Vietnamese
		}
	}
	enc := newJSONEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}

func printCardResult(w io.Writer, r *card.Result, facePath string) {
	row := func(k, v string) {
		if v != "" {
			fmt.Fprintf(w, "  %-27s %s\n", k, v)
		}
	}
	fmt.Fprintf(w, "Chip: %s, %d lệnh APDU; có thông tin sau %s, xác thực xong sau %s\n", r.Access, r.APDUs,
		r.IdentityAfter.Round(time.Millisecond), r.VerifiedAfter.Round(time.Millisecond))
	if id := r.Identity; id != nil {
		row("Họ, chữ đệm và tên", id.FullName)
		row("Số định danh", id.ID)
		row("CMND cũ", id.OldID)
		row("Ngày sinh", id.BirthDate.String())
		row("Giới tính", string(id.Sex))
		row("Quốc tịch", id.Nationality)
		row("Dân tộc", id.Ethnicity)
		row("Tôn giáo", id.Religion)
		row("Quê quán", id.PlaceOfOrigin)
		row("Nơi thường trú/cư trú", id.CardAddress)
		row("Đặc điểm nhận dạng", id.Marks)
		row("Ngày cấp", id.IssueDate.String())
		exp := id.ExpiryDate.String()
		if exp == "" {
			exp = id.ExpiryText
		}
		row("Có giá trị đến", exp)
		row("Cha", id.Father)
		row("Mẹ", id.Mother)
		row("Vợ/chồng", id.Spouse)
	}
	row("Lưu ý về thông tin", r.IdentityNote)
	if m := r.MRZ; m != nil && !m.Valid() {
		row("MRZ", "chữ số kiểm tra sai: "+strings.Join(m.BadChecks, ", "))
	}
	note := func(s card.State, n string) string {
		if n != "" {
			return s.Label() + " — " + n
		}
		return s.Label()
	}
	row("Chữ ký số (thụ động)", note(r.Passive, r.PassiveNote))
	row("Chống sao chép (chủ động)", note(r.Active, r.ActiveNote))
	row("Xác thực chip", note(r.Chip, r.ChipNote))
	row("Đối chiếu DG13 với MRZ", note(r.MRZMatch, r.MRZNote))
	switch {
	case r.Face != nil:
		saved := ""
		if facePath != "" {
			saved = ", đã lưu vào " + facePath
		}
		row("Ảnh chân dung", fmt.Sprintf("%s, %d byte%s", r.Face.Format, len(r.Face.Data), saved))
	case r.FaceNote != "":
		row("Ảnh chân dung", r.FaceNote)
	}
	verdict := map[card.State]string{
		card.Passed:        "THẺ THẬT, DỮ LIỆU NGUYÊN VẸN",
		card.ChipNotProven: "DỮ LIỆU ĐÚNG CHỮ KÝ, NGUYÊN VẸN; CHƯA CHỨNG MINH ĐƯỢC LÀ CHIP GỐC (thẻ không có xác thực chủ động hay xác thực chip) — đối chiếu ảnh chân dung trên chip với người nộp",
		card.Untrusted:     "chữ ký số hợp lệ, chưa xác minh được cơ quan cấp (thiếu chứng thư CSCA)",
		card.Failed:        "KHÔNG XÁC THỰC ĐƯỢC — không dùng dữ liệu của thẻ này",
		card.Interrupted:   "chưa xác thực xong",
	}[r.Verdict()]
	fmt.Fprintf(w, "Kết luận: %s\n", verdict)
}

// simFaults are the chip emulator's faults card sim offers (training, and
// trying a reader against a misbehaving chip over real PC/SC).
var simFaults = map[string]func(*cardsim.Profile){
	"cloned":             func(p *cardsim.Profile) { p.Cloned = true },
	"clone-ca":           func(p *cardsim.Profile) { p.CloneCA = true },
	"tampered":           func(p *cardsim.Profile) { p.TamperDG13 = true },
	"wrong-mac":          func(p *cardsim.Profile) { p.WrongMAC = true },
	"bac-only":           func(p *cardsim.Profile) { p.NoPACE = true },
	"passive-only":       func(p *cardsim.Profile) { p.NoChipAuth, p.AA = true, "none" },
	"no-sfi":             func(p *cardsim.Profile) { p.NoSFI = true },
	"unprotected-errors": func(p *cardsim.Profile) { p.UnprotectedErrors = true },
	"com-omits-dg15":     func(p *cardsim.Profile) { p.COMOmits = append(p.COMOmits, 15) },
	"hang":               func(p *cardsim.Profile) { p.HangAfter = 20 },
	"dg13-bare":          func(p *cardsim.Profile) { p.DG13Layout = "bare" },
	"dg13-shuffled":      func(p *cardsim.Profile) { p.DG13Shuffle, p.DG13Unknown = true, true },
	"dg13-latin1":        func(p *cardsim.Profile) { p.DG13BadUTF8 = 2 },
	"mrz-off":            func(p *cardsim.Profile) { p.MRZOff = true },
	"no-signing-time":    func(p *cardsim.Profile) { p.NoSigningTime = true },
}

func (a *app) cardSimCmd() *cobra.Command {
	var (
		vpcd, person, fault string
		latency             time.Duration
		extended            bool
	)
	c := &cobra.Command{
		Use:   "sim",
		Short: "Cắm chip mô phỏng của một người tổng hợp vào pcscd (đầu đọc ảo vsmartcard-vpcd)",
		Long: `Chạy chip mô phỏng (thẻ căn cước của một người tổng hợp, ký bằng PKI thử nghiệm) và nối
vào pcscd qua driver vsmartcard-vpcd: đầu đọc "Virtual PCD" thấy như có thẻ thật đặt lên.
Dừng bằng Ctrl+C (thẻ được rút ra). Chỉ dùng để thử và tập huấn; dữ liệu là giả.`,
		Example: "  motcua card sim --vpcd 127.0.0.1:35963 --person 066303000006",
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if person == "" {
				return usageErr("cần --person: số định danh của một người tổng hợp")
			}
			prof := cardsim.Profile{Latency: latency, Extended: extended}
			for _, f := range strings.Split(fault, ",") {
				f = strings.TrimSpace(f)
				if f == "" {
					continue
				}
				set, ok := simFaults[f]
				if !ok {
					return usageErr("--fault %q không có; dùng %s", f, strings.Join(slices.Sorted(maps.Keys(simFaults)), ", "))
				}
				set(&prof)
			}
			chip, err := demo.NewChip(sandbox.Default(), person, prof)
			if err != nil {
				return &exitError{code: exitFailure, msg: "Không có người tổng hợp với số định danh này.", err: err}
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt)
			defer stop()
			fmt.Fprintf(a.stderr, "Chip mô phỏng của %s đang nối vào %s (CAN %s). Ctrl+C để rút thẻ.\n", person, vpcd, chip.CAN())
			if err := cardsim.ServeVPCD(ctx, vpcd, chip); err != nil && !errors.Is(err, context.Canceled) {
				return failure("Mất kết nối với pcscd (vpcd).", err)
			}
			return nil
		},
	}
	f := c.Flags()
	f.StringVar(&vpcd, "vpcd", "127.0.0.1:35963", "địa chỉ driver vpcd của pcscd")
	f.StringVar(&person, "person", "", "số định danh người tổng hợp có thẻ")
	f.StringVar(&fault, "fault", "", "lỗi giả lập, cách nhau dấu phẩy: "+strings.Join(slices.Sorted(maps.Keys(simFaults)), ", "))
	f.DurationVar(&latency, "latency", 0, "độ trễ mỗi lệnh APDU (mô phỏng đường truyền không tiếp xúc)")
	f.BoolVar(&extended, "extended", false, "chip hỗ trợ APDU độ dài mở rộng")
	return c
}
