package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"motcua/internal/counter"
	"motcua/offline"
)

// The store's administration: operators, the audit chain, the look-up cache.

func init() {
	register((*app).operatorCmd)
	register((*app).auditCmd)
	register((*app).cacheCmd)
}

// role returns the role of the operator running a command: the one who
// unlocked the store with a passphrase, or (with a key file) the --operator
// named, who must exist and not be disabled.
func (e *env) role(a *app) (offline.Operator, error) {
	if e.operator.ID != "" {
		return e.operator, nil
	}
	id, err := a.operatorID()
	if err != nil {
		return offline.Operator{}, err
	}
	ops, err := e.store.Operators()
	if err != nil {
		return offline.Operator{}, failure(offline.ClerkMessage(err), err)
	}
	for _, o := range ops {
		if o.ID == id && !o.Disabled {
			return o, nil
		}
	}
	return offline.Operator{}, failure("Cán bộ "+id+" không có trong kho dữ liệu này hoặc đã bị khóa.", offline.ErrNoOperator)
}

// openAs opens the environment for a command that needs one of roles
// (none: any operator who can unlock the store).
func (a *app) openAs(what string, roles ...string) (*env, offline.Operator, error) {
	e, err := a.openEnv(false)
	if err != nil {
		return nil, offline.Operator{}, err
	}
	if len(roles) == 0 {
		return e, offline.Operator{}, nil
	}
	op, err := e.requireRole(a, what, roles...)
	if err != nil {
		e.Close()
		return nil, op, err
	}
	return e, op, nil
}

// openReceiving opens the environment for a command that receives dossiers:
// a gateway must be configured, and the operator must be a clerk or a
// supervisor (a volunteer prepares drafts only).
func (a *app) openReceiving(what string) (*env, counter.Operator, error) {
	if err := a.needGatewayConfig(); err != nil {
		return nil, counter.Operator{}, err
	}
	e, who, err := a.openAs(what, offline.RoleClerk, offline.RoleSupervisor)
	if err != nil {
		return nil, counter.Operator{}, err
	}
	if err := e.needGateway(); err != nil {
		e.Close()
		return nil, counter.Operator{}, err
	}
	return e, counter.Operator{ID: who.ID, Name: who.Name, Role: who.Role}, nil
}

// requireRole refuses the command unless the operator has one of roles.
func (e *env) requireRole(a *app, what string, roles ...string) (offline.Operator, error) {
	op, err := e.role(a)
	if err != nil {
		return op, err
	}
	for _, r := range roles {
		if op.Role == r {
			return op, nil
		}
	}
	return op, &exitError{code: exitFailure, msg: fmt.Sprintf("%s cần quyền %s; cán bộ %s có quyền %s.", what, roleNames(roles), op.ID, roleName(op.Role))}
}

func roleName(r string) string {
	switch r {
	case offline.RoleSupervisor:
		return "giám sát"
	case offline.RoleClerk:
		return "cán bộ một cửa"
	case offline.RoleVolunteer:
		return "tình nguyện viên"
	}
	return r
}

func roleNames(rs []string) string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = roleName(r)
	}
	return strings.Join(out, " hoặc ")
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
			st, err := offline.Init(cfg.DataDir, offline.Operator{ID: args[0], Name: name, Role: offline.RoleSupervisor}, pass, offline.Options{})
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
			e, _, err := a.openAs("Thêm cán bộ", offline.RoleSupervisor)
			if err != nil {
				return err
			}
			defer e.Close()
			switch role {
			case offline.RoleClerk, offline.RoleVolunteer, offline.RoleSupervisor:
			default:
				return usageErr("--role phải là clerk, volunteer hoặc supervisor")
			}
			pass, err := a.askNewPassphrase(args[0])
			if err != nil {
				return err
			}
			if err := e.store.AddOperator(offline.Operator{ID: args[0], Name: name, Role: role}, pass); err != nil {
				return failure(offline.ClerkMessage(err), err)
			}
			fmt.Fprintf(a.stdout, "Đã thêm %s (%s).\n", args[0], roleName(role))
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
			e, err := a.openEnv(false)
			if err != nil {
				return err
			}
			defer e.Close()
			ops, err := e.store.Operators()
			if err != nil {
				return failure(offline.ClerkMessage(err), err)
			}
			if asJSON {
				return json.NewEncoder(a.stdout).Encode(ops)
			}
			tw := tabwriter.NewWriter(a.stdout, 0, 2, 2, ' ', 0)
			fmt.Fprintln(tw, "MÃ\tHỌ TÊN\tQUYỀN\tTRẠNG THÁI")
			for _, o := range ops {
				state := "đang dùng"
				if o.Disabled {
					state = "đã khóa"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", o.ID, o.Name, roleName(o.Role), state)
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
			e, _, err := a.openAs("Khóa cán bộ", offline.RoleSupervisor)
			if err != nil {
				return err
			}
			defer e.Close()
			if err := e.store.DisableOperator(args[0]); err != nil {
				return failure(offline.ClerkMessage(err), err)
			}
			fmt.Fprintf(a.stdout, "Đã khóa %s.\n", args[0])
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
			me, err := e.role(a)
			if err != nil {
				return err
			}
			target := me.ID
			if len(args) == 1 && args[0] != me.ID {
				if _, err := e.requireRole(a, "Đặt lại mật khẩu cho người khác", offline.RoleSupervisor); err != nil {
					return err
				}
				target = args[0]
			}
			pass, err := a.askNewPassphrase(target)
			if err != nil {
				return err
			}
			if err := e.store.ChangePassphrase(target, pass); err != nil {
				return failure(offline.ClerkMessage(err), err)
			}
			fmt.Fprintf(a.stdout, "Đã đổi mật khẩu của %s.\n", target)
			return nil
		},
	}

	keyfile := &cobra.Command{
		Use:   "keyfile PATH",
		Short: "Tạo tệp khóa cho lệnh chạy tự động (cần quyền giám sát; tệp 0600, giữ kín như mật khẩu)",
		Args:  exactArgs(1, "đường dẫn tệp"),
		RunE: func(cmd *cobra.Command, args []string) error {
			e, _, err := a.openAs("Tạo tệp khóa", offline.RoleSupervisor)
			if err != nil {
				return err
			}
			defer e.Close()
			id, err := e.store.ExportKeyFile(args[0])
			if err != nil {
				return failure(offline.ClerkMessage(err), err)
			}
			fmt.Fprintf(a.stdout, "Đã tạo tệp khóa %s (mã %s). Thu hồi: motcua operator revoke-keyfile %s\n", args[0], id, id)
			return nil
		},
	}
	revoke := &cobra.Command{
		Use:   "revoke-keyfile ID",
		Short: "Thu hồi một tệp khóa (cần quyền giám sát)",
		Args:  exactArgs(1, "mã tệp khóa"),
		RunE: func(cmd *cobra.Command, args []string) error {
			e, _, err := a.openAs("Thu hồi tệp khóa", offline.RoleSupervisor)
			if err != nil {
				return err
			}
			defer e.Close()
			if err := e.store.RevokeKeyFile(args[0]); err != nil {
				return failure(offline.ClerkMessage(err), err)
			}
			fmt.Fprintf(a.stdout, "Đã thu hồi tệp khóa %s.\n", args[0])
			return nil
		},
	}
	cmd.AddCommand(initCmd, add, list, disable, passwd, keyfile, revoke)
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
			e, err := a.openEnv(false)
			if err != nil {
				return err
			}
			defer e.Close()
			rep, err := e.store.VerifyAudit()
			if asJSON {
				if jerr := json.NewEncoder(a.stdout).Encode(rep); jerr != nil {
					return jerr
				}
			}
			if err != nil && !errors.Is(err, offline.ErrAuditBroken) {
				return failure(offline.ClerkMessage(err), err)
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
		Short: "Xuất nhật ký dạng JSON Lines cho giám sát (cần quyền giám sát); đối tượng là mã băm, không có số định danh",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var f, t time.Time
			var err error
			if from != "" {
				if f, err = time.Parse("2006-01-02", from); err != nil {
					return usageErr("--from phải là YYYY-MM-DD")
				}
			}
			if to != "" {
				if t, err = time.Parse("2006-01-02", to); err != nil {
					return usageErr("--to phải là YYYY-MM-DD")
				}
				t = t.AddDate(0, 0, 1)
			}
			e, _, err := a.openAs("Xuất nhật ký", offline.RoleSupervisor)
			if err != nil {
				return err
			}
			defer e.Close()
			w := a.stdout
			if out != "" {
				file, err := os.OpenFile(out, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
				if err != nil {
					return failure("Không tạo được tệp "+out+" (đã có sẵn?).", err)
				}
				defer file.Close()
				w = file
			}
			n, err := e.store.ExportAudit(w, f, t)
			if err != nil {
				return failure(offline.ClerkMessage(err), err)
			}
			fmt.Fprintf(a.stderr, "Đã xuất %d mục nhật ký.\n", n)
			return nil
		},
	}
	export.Flags().StringVar(&from, "from", "", "từ ngày YYYY-MM-DD")
	export.Flags().StringVar(&to, "to", "", "đến hết ngày YYYY-MM-DD")
	export.Flags().StringVar(&out, "out", "", "ghi vào tệp (không ghi đè tệp có sẵn)")
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
			e, err := a.openEnv(false)
			if err != nil {
				return err
			}
			defer e.Close()
			ttl := e.cfg.Limits.CacheTTL.Duration
			st, err := e.store.CacheStats(ttl)
			if err != nil {
				return failure(offline.ClerkMessage(err), err)
			}
			if asJSON {
				return json.NewEncoder(a.stdout).Encode(st)
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
			e, err := a.openEnv(false)
			if err != nil {
				return err
			}
			defer e.Close()
			var n int
			if expired {
				n, err = e.store.SweepLookups(e.cfg.Limits.CacheTTL.Duration)
			} else {
				n, err = e.store.PurgeLookups()
			}
			if err != nil {
				return failure(offline.ClerkMessage(err), err)
			}
			before, after, err := e.store.Compact()
			if err != nil {
				return failure(offline.ClerkMessage(err), err)
			}
			fmt.Fprintf(a.stdout, "Đã xóa %d bản lưu tạm; tệp dữ liệu từ %d còn %d byte.\n", n, before, after)
			return nil
		},
	}
	purge.Flags().BoolVar(&expired, "expired", false, "chỉ xóa bản đã hết hạn")
	cmd.AddCommand(stats, purge)
	return cmd
}
