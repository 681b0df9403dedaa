package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/charmbracelet/x/term"
	"github.com/spf13/cobra"

	"motcua/internal/config"
	"motcua/internal/demo"
	"motcua/lookups/vntext"
	"motcua/offline"
)

// app is the state shared by every command: streams, global flags, environment.
type app struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
	// kdf is the argon2id cost of the passphrase wraps and handoff files the commands
	// make; zero: offline.DefaultKDF (tests give a cheap one)
	kdf offline.KDFParams

	configPath   string
	dataDir      string
	demo         bool
	demoWorkflow string // motcua demo --workflow: the demo agencies' schedule (JSON)
	keyFile      string
	operatorFlag string

	logPath string // the log of the environment opened, if any (see logFailure)
}

// run runs the command line args in the process's environment.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return (&app{getenv: os.Getenv}).run(args, stdin, stdout, stderr)
}

// run runs the command line args on the streams given, in a's environment:
// everything a command reads from the environment (MOTCUA_* variables, the
// user's directories) comes through a.getenv, so that tests run commands side
// by side, each in its own environment (and with its own a.kdf).
func (a *app) run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	a.stdin, a.stdout, a.stderr = stdin, stdout, stderr
	root := a.rootCmd()
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	cmd, err := root.ExecuteC()
	if err != nil {
		if vi, ok := commandLineVI(err); ok {
			err = &exitError{code: exitUsage, msg: vi, err: err}
		}
		var ee *exitError
		if !errors.As(err, &ee) { // a raw error (writing the output failed ...): English, for the log only
			err = failure("Lệnh không hoàn thành do lỗi đọc/ghi. Hãy thử lại; nếu vẫn lỗi, báo quản trị viên (chi tiết trong nhật ký "+logName+" của thư mục dữ liệu).", err)
		}
		fmt.Fprintln(stderr, "motcua:", vntext.Display(err.Error()))
		if exitCode(err) == exitUsage {
			fmt.Fprintln(stderr, "Xem hướng dẫn: motcua --help")
		}
		a.logFailure(cmd, err)
	}
	return exitCode(err)
}

// logFailure writes the cause of a failed command (English, its error
// chain) to the data directory's log: the person read the Vietnamese
// message, the details are for whoever helps. Nothing is written when the
// error has no cause or there is no data directory.
func (a *app) logFailure(cmd *cobra.Command, err error) {
	var ee *exitError
	if !errors.As(err, &ee) || ee.err == nil {
		return
	}
	path := a.logPath
	if path == "" {
		dir := a.dataDirForLog()
		if st, serr := os.Stat(dir); dir == "" || serr != nil || !st.IsDir() {
			return
		}
		path = filepath.Join(dir, logName)
	}
	f, ferr := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if ferr != nil {
		return
	}
	defer f.Close()
	name := "motcua"
	if cmd != nil {
		name = cmd.CommandPath()
	}
	slog.New(slog.NewTextHandler(f, nil)).Error("command failed", "cmd", name, "exit", ee.code, "err", withoutPaths(ee.err))
}

// withoutPaths is err's text with the paths of its *fs.PathErrors left
// out: a file's name may hold a person's name, and logs hold no personal data.
func withoutPaths(err error) string {
	msg := err.Error()
	for e := err; e != nil; e = errors.Unwrap(e) {
		if pe, ok := e.(*fs.PathError); ok && pe.Path != "" {
			msg = strings.ReplaceAll(msg, pe.Path, "<file>")
		}
	}
	return msg
}

// dataDirForLog is the data directory a command would use, without
// starting anything: --data-dir, else the configuration's (or the demo's).
func (a *app) dataDirForLog() string {
	if a.demo {
		cfg, err := a.demoConfig()
		if err != nil {
			return ""
		}
		return cfg.DataDir
	}
	if a.dataDir != "" {
		return a.dataDir
	}
	cfg, err := config.Load(a.configPath, a.getenv)
	if err != nil {
		return ""
	}
	return cfg.DataDir
}

const rootLong = `motcua — trợ lý cho bộ phận một cửa cấp xã/phường.

Chạm thẻ căn cước hoặc quét mã QR, lấy thông tin cư trú từ Cơ sở dữ liệu quốc gia
về dân cư, điền sẵn tờ khai, tiếp nhận hồ sơ và in giấy biên nhận.

Chạy không có lệnh con: mở màn hình quầy tiếp nhận (TUI) theo cấu hình.
"motcua demo": mở màn hình quầy trên dữ liệu demo (cổng dữ liệu giả lập, người tổng hợp).

Mã thoát: 0 thành công, 1 lỗi, 2 sai cú pháp lệnh, 3 thành công một phần (card read: thẻ KHÔNG ĐẠT),
4 (card read) dữ liệu đúng chữ ký nhưng chưa chứng minh được chip gốc.`

func (a *app) rootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:           "motcua",
		Short:         "Trợ lý bộ phận một cửa: thẻ căn cước, CSDL dân cư, tờ khai, biên nhận",
		Long:          rootLong,
		Version:       version,
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.runCounter(cmd)
		},
		// the counter screen keeps the collector off a moment longer (startgc.go)
		PersistentPreRun: func(cmd *cobra.Command, _ []string) {
			if !counterScreen(cmd) {
				releaseGC()
			}
		},
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		if vi, ok := commandLineVI(err); ok {
			return &exitError{code: exitUsage, msg: vi, err: err}
		}
		return usageErr("%v", err)
	})
	vietnameseHelp(root)
	pf := root.PersistentFlags()
	pf.StringVar(&a.configPath, "config", "", "tệp cấu hình (mặc định: <thư mục cấu hình>/motcua/config.toml)")
	pf.StringVar(&a.dataDir, "data-dir", "", "thư mục dữ liệu (mặc định: thư mục dữ liệu của người dùng)")
	pf.BoolVar(&a.demo, "demo", false, "dùng môi trường demo (cổng giả lập trong tiến trình, thư mục dữ liệu demo riêng)")
	pf.StringVar(&a.keyFile, "key-file", "", "tệp khóa mở kho dữ liệu cho lệnh chạy tự động (mặc định: MOTCUA_KEY_FILE)")
	pf.StringVar(&a.operatorFlag, "operator", "", "mã cán bộ thực hiện lệnh (mặc định: MOTCUA_OPERATOR)")
	root.AddCommand(
		a.demoCmd(),
		a.lookupCmd(),
		a.sandboxCmd(),
		a.dossierCmd(),
		a.formsCmd(),
		a.configCmd(),
		a.versionCmd(),
	)
	for _, c := range commands {
		root.AddCommand(c(a))
	}
	return root
}

// commands are the command groups that register themselves from their own
// files (queue, cache, audit, operator ...), so that adding one does not
// touch this list.
var commands []func(*app) *cobra.Command

func register(c func(*app) *cobra.Command) { commands = append(commands, c) }

// operatorID is the operator of a scripted command: --operator, else
// MOTCUA_OPERATOR, else the demo operator in demo mode.
func (a *app) operatorID() (string, error) {
	id := a.operatorFlag
	if id == "" {
		id = a.getenv("MOTCUA_OPERATOR")
	}
	if id == "" && a.demo {
		id = demo.OperatorID
	}
	if id == "" {
		return "", usageErr("thiếu mã cán bộ: dùng --operator hoặc biến MOTCUA_OPERATOR")
	}
	return id, nil
}

// interactive reports whether the user can be asked (stdin is a terminal).
func (a *app) interactive() bool {
	f, ok := a.stdin.(*os.File)
	return ok && term.IsTerminal(f.Fd())
}

// askLogin asks for the operator's ID (unless known) and passphrase on the terminal.
func (a *app) askLogin(id string) (string, string, error) {
	f := a.stdin.(*os.File)
	if id == "" {
		fmt.Fprint(a.stderr, "Mã cán bộ: ")
		line, err := bufio.NewReader(f).ReadString('\n')
		if err != nil && line == "" {
			return "", "", usageErr("chưa nhập mã cán bộ")
		}
		id = strings.TrimSpace(line)
	}
	fmt.Fprintf(a.stderr, "Mật khẩu của %s: ", id)
	pass, err := readPassword(f)
	fmt.Fprintln(a.stderr)
	if err != nil {
		return "", "", failure("Không đọc được mật khẩu.", err)
	}
	return id, string(pass), nil
}

// noArgs rejects positional arguments with a usage error (exit 2).
// groupCmd is a command that only groups its subcommands: run alone, it
// prints its help.
func groupCmd(use, short string) *cobra.Command {
	return &cobra.Command{
		Use:   use,
		Short: short,
		Args:  noArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
}

func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usageErr("lệnh %q không nhận tham số %q", cmd.CommandPath(), args[0])
	}
	return nil
}

// exactArgs is cobra.ExactArgs with a usage error.
func exactArgs(n int, what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			return usageErr("lệnh %q cần đúng %d tham số: %s", cmd.CommandPath(), n, what)
		}
		return nil
	}
}

func (a *app) versionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "In phiên bản",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintln(a.stdout, "motcua", version)
			return nil
		},
	}
}

// readPassword reads a line from the terminal without echo.
func readPassword(f *os.File) ([]byte, error) { return term.ReadPassword(f.Fd()) }

// printList writes the rows of a list command: as JSON with --json (no rows
// as [], never null), else empty when there are none, else an aligned table
// under header with one line per row.
func printList[T any](w io.Writer, asJSON bool, rows []T, empty, header string, line func(T) string) error {
	if asJSON {
		if rows == nil {
			rows = []T{}
		}
		return newJSONEncoder(w).Encode(rows)
	}
	if len(rows) == 0 {
		_, err := fmt.Fprintln(w, empty)
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 2, 2, ' ', 0)
	fmt.Fprintln(tw, header)
	for _, r := range rows {
		fmt.Fprintln(tw, displayCells(line(r)))
	}
	return tw.Flush()
}

// displayCells neutralises every cell of a tab-separated table line for the
// terminal (vntext.Display): a value cannot draw over the screen, forge a
// line or reorder what is shown.
func displayCells(line string) string {
	cells := strings.Split(line, "\t")
	for i, c := range cells {
		cells[i] = vntext.Display(c)
	}
	return strings.Join(cells, "\t")
}
