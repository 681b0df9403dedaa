package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"motcua/internal/batchio"
	"motcua/internal/counter"
	"motcua/internal/demo"
	"motcua/lookups"
	"motcua/offline"
)

// The store's administration: operators, the audit chain, the look-up cache.

func init() {
	register((*app).operatorCmd)
	register((*app).auditCmd)
	register((*app).cacheCmd)
}

// actingID is the operator a command names: --operator, else MOTCUA_OPERATOR, else the
// demo's operator in demo mode; "" leaves it to whoever unlocked the store.
func (a *app) actingID() string {
	id := a.operatorFlag
	if id == "" {
		id = a.getenv("MOTCUA_OPERATOR")
	}
	if id == "" && a.demo {
		id = demo.OperatorID
	}
	return id
}

// who is the operator running a command, checked against the store: the one who unlocked
// it with a passphrase, or the operator a key file acts for (who must exist and be
// enabled), with the key file's role (counter.Office.Who).
func (e *env) who(a *app) (counter.Operator, error) {
	op, err := e.office.Who(a.actingID())
	if err != nil {
		return op, refusal(err, "Không xác định được cán bộ chạy lệnh.")
	}
	return op, nil
}

// refusal is the exit error of a use case that failed: a refusal (the rights table, an
// unknown or disabled operator) says why in Vietnamese; anything else gets msg.
func refusal(err error, msg string) error {
	switch {
	case errors.Is(err, counter.ErrForbidden), errors.Is(err, counter.ErrNotHolder),
		errors.Is(err, offline.ErrNoOperator), errors.Is(err, offline.ErrOperatorDisabled):
		return failure(counter.Explain(err), err)
	}
	return failure(msg, err)
}

// openAs opens the environment for a command doing act, and returns who runs it; refused
// (before any work) unless the rights table lets them.
func (a *app) openAs(act counter.Action) (*env, counter.Operator, error) {
	e, err := a.openEnv(false)
	if err != nil {
		return nil, counter.Operator{}, err
	}
	op, err := e.who(a)
	if err == nil {
		if aerr := e.office.Allow(op, act); aerr != nil {
			err = refusal(aerr, offline.ClerkMessage(aerr))
		}
	}
	if err != nil {
		e.Close()
		return nil, op, err
	}
	return e, op, nil
}

// openReceiving opens the environment for a command that receives dossiers (act:
// counter.ActReceive or ActBatchRun): a gateway must be configured.
func (a *app) openReceiving(act counter.Action) (*env, counter.Operator, error) {
	if err := a.needGatewayConfig(); err != nil {
		return nil, counter.Operator{}, err
	}
	e, op, err := a.openAs(act)
	if err != nil {
		return nil, op, err
	}
	if err := e.needGateway(); err != nil {
		e.Close()
		return nil, op, err
	}
	return e, op, nil
}

// askNewPassphrase reads a new passphrase twice on the terminal, or from
// MOTCUA_NEW_PASSPHRASE for scripts.
func (a *app) askNewPassphrase(who string) (string, error) {
	if p := a.getenv("MOTCUA_NEW_PASSPHRASE"); p != "" {
		return p, nil
	}
	if !a.interactive() {
		return "", usageErr("cần mật khẩu mới: chạy trong cửa sổ dòng lệnh hoặc đặt MOTCUA_NEW_PASSPHRASE")
	}
	f := a.stdin.(*os.File)
	read := func(prompt string) (string, error) {
		fmt.Fprint(a.stderr, prompt)
		b, err := readPassword(f)
		fmt.Fprintln(a.stderr)
		return string(b), err
	}
	p1, err := read("Mật khẩu mới cho " + who + " (ít nhất 8 ký tự): ")
	if err != nil {
		return "", failure("Không đọc được mật khẩu.", err)
	}
	p2, err := read("Nhập lại: ")
	if err != nil {
		return "", failure("Không đọc được mật khẩu.", err)
	}
	if p1 != p2 {
		return "", usageErr("hai lần nhập mật khẩu không khớp")
	}
	return p1, nil
}

func (a *app) operatorCmd() *cobra.Command {
	cmd := groupCmd("operator", "Cán bộ mở kho dữ liệu: khởi tạo, thêm, liệt kê, khóa, đổi mật khẩu, tệp khóa")
	var name, role string
	initCmd := &cobra.Command{
		Use:   "init ID",
		Short: "Khởi tạo kho dữ liệu mã hóa với cán bộ giám sát đầu tiên (chuyển kho cũ chưa mã hóa sang mã hóa)",
		Args:  exactArgs(1, "mã cán bộ"),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, d, err := a.loadConfig()
			if err != nil {
				return err
			}
			if d != nil {
				d.Close()
				return usageErr("kho demo được tạo tự động; lệnh này dành cho kho thật")
			}
			pass, err := a.askNewPassphrase(args[0])
			if err != nil {
				return err
			}
			st, err := offline.Init(cfg.DataDir, offline.Operator{ID: args[0], Name: name, Role: offline.RoleSupervisor}, pass, offline.Options{KDF: a.kdf})
			if err != nil {
				return failure(offline.ClerkMessage(err), err)
			}
			fmt.Fprintf(a.stdout, "Đã khởi tạo kho dữ liệu mã hóa %s; cán bộ giám sát: %s.\n", st.Dir(), args[0])
			return nil
		},
	}
	initCmd.Flags().StringVar(&name, "name", "", "họ tên hiển thị")

	add := &cobra.Command{
		Use:   "add ID",
		Short: "Thêm cán bộ (cần quyền giám sát): --role clerk | volunteer | supervisor",
		Args:  exactArgs(1, "mã cán bộ"),
		RunE: func(cmd *cobra.Command, args []string) error {
			switch role {
			case offline.RoleClerk, offline.RoleVolunteer, offline.RoleSupervisor:
			default:
				return usageErr("--role phải là clerk, volunteer hoặc supervisor")
			}
			e, op, err := a.openAs(counter.ActOperators)
			if err != nil {
				return err
			}
			defer e.Close()
			pass, err := a.askNewPassphrase(args[0])
			if err != nil {
				return err
			}
			if err := e.office.AddOperator(op, offline.Operator{ID: args[0], Name: name, Role: role}, pass); err != nil {
				return refusal(err, offline.ClerkMessage(err))
			}
			fmt.Fprintf(a.stdout, "Đã thêm %s (%s).\n", args[0], counter.RoleLabel(role))
			return nil
		},
	}
	add.Flags().StringVar(&name, "name", "", "họ tên hiển thị")
	add.Flags().StringVar(&role, "role", offline.RoleClerk, "quyền: clerk, volunteer, supervisor")

	var asJSON bool
	list := &cobra.Command{
		Use:   "list",
		Short: "Liệt kê cán bộ của kho dữ liệu",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			e, op, err := a.openAs(counter.ActOperatorList)
			if err != nil {
				return err
			}
			defer e.Close()
			ops, err := e.office.Operators(op)
			if err != nil {
				return refusal(err, offline.ClerkMessage(err))
			}
			if asJSON {
				return newJSONEncoder(a.stdout).Encode(ops)
			}
			tw := tabwriter.NewWriter(a.stdout, 0, 2, 2, ' ', 0)
			fmt.Fprintln(tw, "MÃ\tHỌ TÊN\tQUYỀN\tTRẠNG THÁI")
			for _, o := range ops {
				state := "đang dùng"
				if o.Disabled {
					state = "đã khóa"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", o.ID, o.Name, counter.RoleLabel(o.Role), state)
			}
			return tw.Flush()
		},
	}
	list.Flags().BoolVar(&asJSON, "json", false, "in dạng JSON")

	disable := &cobra.Command{
		Use:   "disable ID",
		Short: "Khóa một cán bộ (cần quyền giám sát); mật khẩu của người đó không còn mở được kho",
		Args:  exactArgs(1, "mã cán bộ"),
		RunE: func(cmd *cobra.Command, args []string) error {
			e, op, err := a.openAs(counter.ActOperators)
			if err != nil {
				return err
			}
			defer e.Close()
			if err := e.office.DisableOperator(op, args[0]); err != nil {
				return refusal(err, offline.ClerkMessage(err))
			}
			fmt.Fprintf(a.stdout, "Đã khóa %s.\n", args[0])
			a.printRotation(e.store)
			return nil
		},
	}

	passwd := &cobra.Command{
		Use:   "passphrase [ID]",
		Short: "Đổi mật khẩu của mình, hoặc đặt lại cho người khác (cần quyền giám sát)",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			e, err := a.openEnv(false)
			if err != nil {
				return err
			}
			defer e.Close()
			me, err := e.who(a)
			if err != nil {
				return err
			}
			target := me.ID
			if len(args) == 1 {
				target = args[0]
			}
			// refused before the new passphrase is asked for; the use case checks again
			act := counter.ActOwnPassphrase
			if target != me.ID || me.KeyRole != "" {
				act = counter.ActOperators
			}
			if err := e.office.Allow(me, act); err != nil {
				return refusal(err, offline.ClerkMessage(err))
			}
			pass, err := a.askNewPassphrase(target)
			if err != nil {
				return err
			}
			if err := e.office.ChangePassphrase(me, target, pass); err != nil {
				return refusal(err, offline.ClerkMessage(err))
			}
			fmt.Fprintf(a.stdout, "Đã đổi mật khẩu của %s.\n", target)
			return nil
		},
	}

	var keyRole string
	keyfile := &cobra.Command{
		Use:   "keyfile PATH --role " + strings.Join(offline.KeyRoles, "|"),
		Short: "Tạo tệp khóa cho lệnh chạy tự động (cần quyền giám sát; tệp 0600, giữ kín như mật khẩu)",
		Long: `Tạo tệp khóa cho lệnh chạy tự động, với quyền riêng chọn khi tạo (--role, bắt buộc):
  sync             chỉ gửi hồ sơ trong hàng đợi (motcua queue sync)
  reception        tiếp nhận tự động: tra cứu, motcua dossier submit, motcua batch run
  sync+reception   cả hai (quyền của các tệp khóa tạo trước khi có quyền riêng)
  clerk            quyền cán bộ một cửa (màn hình quầy không cần mật khẩu, như bản demo)
Tệp khóa không bao giờ quản lý cán bộ, tệp khóa, xuất nhật ký hay đối chiếu danh sách. Khi tệp khóa
chạy lệnh cho một cán bộ (--operator), lệnh chỉ làm được điều cả hai quyền cho phép.`,
		Args: exactArgs(1, "đường dẫn tệp"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !offline.ValidKeyRole(keyRole) {
				return usageErr("cần --role: %s", strings.Join(offline.KeyRoles, ", "))
			}
			e, op, err := a.openAs(counter.ActKeyFiles)
			if err != nil {
				return err
			}
			defer e.Close()
			id, err := e.office.ExportKeyFile(op, args[0], keyRole)
			if err != nil {
				return refusal(err, offline.ClerkMessage(err))
			}
			fmt.Fprintf(a.stdout, "Đã tạo tệp khóa %s (mã %s, quyền %s). Thu hồi: motcua operator revoke-keyfile %s\n",
				args[0], id, counter.RoleLabel(keyRole), id)
			return nil
		},
	}
	keyfile.Flags().StringVar(&keyRole, "role", "", "quyền của tệp khóa: "+strings.Join(offline.KeyRoles, ", "))
	var keysJSON bool
	keyfiles := &cobra.Command{
		Use:   "keyfiles",
		Short: "Liệt kê các tệp khóa mở được kho và quyền của chúng (cần quyền giám sát)",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			e, op, err := a.openAs(counter.ActKeyFiles)
			if err != nil {
				return err
			}
			defer e.Close()
			list, err := e.office.KeyFiles(op)
			if err != nil {
				return refusal(err, offline.ClerkMessage(err))
			}
			for i := range list {
				list[i].Role = list[i].EffectiveRole()
			}
			loc := e.cfg.Location()
			return printList(a.stdout, keysJSON, list, "Không có tệp khóa nào.", "MÃ\tQUYỀN\tTẠO BỞI\tLÚC", func(k offline.KeyFileInfo) string {
				return k.ID + "\t" + k.Role + " (" + counter.RoleLabel(k.Role) + ")\t" + k.CreatedBy + "\t" + k.CreatedAt.In(loc).Format("15:04 02/01/2006")
			})
		},
	}
	keyfiles.Flags().BoolVar(&keysJSON, "json", false, "in dạng JSON")
	revoke := &cobra.Command{
		Use:   "revoke-keyfile ID",
		Short: "Thu hồi một tệp khóa (cần quyền giám sát)",
		Args:  exactArgs(1, "mã tệp khóa"),
		RunE: func(cmd *cobra.Command, args []string) error {
			e, op, err := a.openAs(counter.ActKeyFiles)
			if err != nil {
				return err
			}
			defer e.Close()
			if err := e.office.RevokeKeyFile(op, args[0]); err != nil {
				return refusal(err, offline.ClerkMessage(err))
			}
			fmt.Fprintf(a.stdout, "Đã thu hồi tệp khóa %s.\n", args[0])
			a.printRotation(e.store)
			return nil
		},
	}
	cmd.AddCommand(initCmd, add, list, disable, passwd, keyfile, keyfiles, revoke)
	return cmd
}

func (a *app) auditCmd() *cobra.Command {
	cmd := groupCmd("audit", "Nhật ký truy cập (chuỗi băm chỉ ghi thêm): kiểm tra, xuất cho giám sát")
	var asJSON bool
	verify := &cobra.Command{
		Use:   "verify",
		Short: "Kiểm tra nhật ký: phát hiện mục bị sửa, xóa, chèn hoặc đảo thứ tự",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			e, op, err := a.openAs(counter.ActAuditVerify)
			if err != nil {
				return err
			}
			defer e.Close()
			rep, err := a.verifyAudit(cmd.Context(), e, op, asJSON)
			if asJSON {
				if jerr := newJSONEncoder(a.stdout).Encode(rep); jerr != nil {
					return jerr
				}
			}
			if err != nil && !errors.Is(err, offline.ErrAuditBroken) {
				return failure(offline.ClerkMessage(err), err)
			}
			if rep.Rollback {
				return &exitError{code: exitFailure, msg: rollbackMessage(rep), err: err}
			}
			if !rep.OK {
				return &exitError{code: exitFailure, msg: fmt.Sprintf("Nhật ký KHÔNG toàn vẹn: sai từ mục số %d (%s). Báo ngay cho giám sát.", rep.FirstBad, offline.AuditProblemMessage(rep.Kind)), err: err}
			}
			if !asJSON {
				fmt.Fprintf(a.stdout, "Nhật ký toàn vẹn: %d mục, mục cuối số %d.\n", rep.Entries, rep.Last)
			}
			return nil
		},
	}
	verify.Flags().BoolVar(&asJSON, "json", false, "in dạng JSON")
	var from, to, out string
	export := &cobra.Command{
		Use:   "export",
		Short: "Xuất nhật ký truy cập cho giám sát (cần quyền giám sát); đối tượng là mã băm, không có số định danh",
		Long: `Xuất nhật ký truy cập cho giám sát. Định dạng theo đuôi tệp của --out: .jsonl (JSON Lines,
nguyên bản có mã băm chuỗi để đối chiếu), .csv hoặc .xlsx (bảng, giờ theo múi giờ của quầy);
không có --out: JSON Lines ra màn hình. Không ghi đè tệp có sẵn.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			format := "jsonl"
			if out != "" {
				switch format = strings.ToLower(strings.TrimPrefix(filepath.Ext(out), ".")); format {
				case "jsonl", "json":
					format = "jsonl"
				case "csv", "xlsx":
				default:
					return usageErr("tệp %s: đuôi tệp chọn định dạng, một trong .jsonl, .csv, .xlsx", filepath.Base(out))
				}
			}
			e, op, err := a.openAs(counter.ActAuditExport)
			if err != nil {
				return err
			}
			defer e.Close()
			loc := e.cfg.Location()
			f, t, err := dateRange(from, to, loc)
			if err != nil {
				return err
			}
			w := a.stdout
			if out != "" {
				file, err := os.OpenFile(out, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
				if err != nil {
					return failure("Không tạo được tệp "+out+" (đã có sẵn?).", err)
				}
				defer file.Close()
				w = file
			}
			var n int
			if format == "jsonl" {
				n, err = e.office.ExportAudit(op, w, f, t)
			} else {
				n, err = exportAuditTable(e, op, w, format, f, t, loc)
			}
			if err != nil {
				return refusal(err, offline.ClerkMessage(err))
			}
			fmt.Fprintf(a.stderr, "Đã xuất %d mục nhật ký.\n", n)
			return nil
		},
	}
	export.Flags().StringVar(&from, "from", "", "từ ngày DD/MM/YYYY")
	export.Flags().StringVar(&to, "to", "", "đến hết ngày DD/MM/YYYY")
	export.Flags().StringVar(&out, "out", "", "ghi vào tệp .jsonl, .csv hoặc .xlsx (không ghi đè tệp có sẵn)")
	cmd.AddCommand(verify, export)
	return cmd
}

func (a *app) cacheCmd() *cobra.Command {
	cmd := groupCmd("cache", "Bản lưu tạm kết quả tra cứu (mã hóa, có thời hạn): thống kê, xóa")
	var asJSON bool
	stats := &cobra.Command{
		Use:   "stats",
		Short: "Số bản lưu tạm còn hạn, hết hạn, dung lượng",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			e, op, err := a.openAs(counter.ActCacheStats)
			if err != nil {
				return err
			}
			defer e.Close()
			ttl := e.cfg.Limits.CacheTTL.Duration
			st, err := e.office.CacheStats(op, ttl)
			if err != nil {
				return refusal(err, offline.ClerkMessage(err))
			}
			if asJSON {
				return newJSONEncoder(a.stdout).Encode(st)
			}
			fmt.Fprintf(a.stdout, "Bản lưu tạm: %d (còn hạn %d, hết hạn %d; thời hạn %s), %d byte đã mã hóa.\n",
				st.Entries, st.Fresh, st.Expired, ttl, st.Bytes)
			return nil
		},
	}
	stats.Flags().BoolVar(&asJSON, "json", false, "in dạng JSON")
	var expired bool
	purge := &cobra.Command{
		Use:   "purge",
		Short: "Xóa mọi bản lưu tạm (hoặc chỉ bản hết hạn: --expired) rồi thu gọn tệp dữ liệu",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			act := counter.ActCachePurge
			if expired {
				act = counter.ActCacheSweep
			}
			e, op, err := a.openAs(act)
			if err != nil {
				return err
			}
			defer e.Close()
			n, before, after, err := e.office.PurgeCache(op, expired, e.cfg.Limits.CacheTTL.Duration)
			if err != nil {
				return refusal(err, offline.ClerkMessage(err))
			}
			fmt.Fprintf(a.stdout, "Đã xóa %d bản lưu tạm; tệp dữ liệu từ %d còn %d byte.\n", n, before, after)
			return nil
		},
	}
	purge.Flags().BoolVar(&expired, "expired", false, "chỉ xóa bản đã hết hạn")
	cmd.AddCommand(stats, purge)
	return cmd
}

// auditColumns are the columns of the audit log as a table.
var auditColumns = []string{"seq", "time", "operator", "purpose", "action", "subject", "dossier", "outcome", "detail", "prev", "hash", "mac"}

// exportAuditTable writes the audit entries as a CSV or XLSX table (cells
// guarded against formulas by batchio), times in the counter's zone.
func exportAuditTable(e *env, op counter.Operator, w io.Writer, format string, from, to time.Time, loc *time.Location) (int, error) {
	var buf bytes.Buffer
	n, err := e.office.ExportAudit(op, &buf, from, to)
	if err != nil {
		return n, err
	}
	tw, err := batchio.NewWriter(w, format, auditColumns)
	if err != nil {
		return 0, err
	}
	dec := json.NewDecoder(&buf)
	for dec.More() {
		var r offline.AuditRecord
		if err := dec.Decode(&r); err != nil {
			return 0, fmt.Errorf("audit export: %w", err)
		}
		if err := tw.Write(map[string]string{"seq": strconv.FormatUint(r.Seq, 10), "time": r.Time.In(loc).Format("02/01/2006 15:04:05"),
			"operator": r.Operator, "purpose": r.Purpose, "action": r.Action, "subject": r.Subject, "dossier": r.DossierCode,
			"outcome": r.Outcome, "detail": r.Detail, "prev": r.Prev, "hash": r.Hash, "mac": r.MAC}); err != nil {
			return 0, err
		}
	}
	return n, tw.Close()
}

// dateRange reads --from and --to (DD/MM/YYYY, or YYYY-MM-DD) as the start of
// from and the end of to in the counter's zone; an empty one is open.
func dateRange(from, to string, loc *time.Location) (f, t time.Time, err error) {
	day := func(flag, s string) (time.Time, error) {
		if d, err := lookups.ParseDate(s); err == nil {
			return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc), nil
		}
		if d, err := time.ParseInLocation("2006-01-02", s, loc); err == nil {
			return d, nil
		}
		return time.Time{}, usageErr("%s %q: ngày viết dạng DD/MM/YYYY, ví dụ 05/12/2026", flag, s)
	}
	if from != "" {
		if f, err = day("--from", from); err != nil {
			return f, t, err
		}
	}
	if to != "" {
		if t, err = day("--to", to); err != nil {
			return f, t, err
		}
		t = t.AddDate(0, 0, 1)
	}
	if !f.IsZero() && !t.IsZero() && !f.Before(t) {
		return f, t, usageErr("--from phải trước --to")
	}
	return f, t, nil
}
