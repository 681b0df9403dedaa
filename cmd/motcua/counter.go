package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/spf13/cobra"

	wire "motcua/internal/app"
	"motcua/internal/counter"
	"motcua/internal/demo"
	"motcua/internal/ratinglink"
	"motcua/internal/reports"
	"motcua/offline"
	"motcua/tui"
	"motcua/tui/portrait"
)

func (a *app) demoCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "demo",
		Short: "Mở màn hình quầy trên dữ liệu demo (cổng giả lập, người tổng hợp, thẻ ảo)",
		Long: `Mở màn hình quầy trên môi trường demo: cổng dữ liệu dân cư giả lập chạy trong tiến trình
(trên cổng loopback, dùng đúng trình khách HTTP thật), 100.000 công dân tổng hợp, đầu đọc thẻ ảo.
Lần chạy đầu tạo kho dữ liệu demo (mã hóa) với cán bộ "` + demo.OperatorID + `" (giám sát) và tình nguyện
viên "` + demo.VolunteerID + `", in mật khẩu của họ và lưu vào <thư mục demo>/demo-operators.txt;
màn hình quầy demo tự đăng nhập "` + demo.OperatorID + `" bằng tệp khóa demo.key, với quyền cán bộ một cửa
(việc của giám sát cần mật khẩu: đăng nhập lại sau khi khóa màn hình, hoặc MOTCUA_PASSPHRASE cho lệnh). Dữ liệu demo nằm trong thư mục riêng
(<thư mục dữ liệu>/demo), không lẫn với dữ liệu thật.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			a.demo = true
			return a.runCounter(cmd)
		},
	}
	c.Flags().StringVar(&a.demoWorkflow, "workflow", "", `cách các cơ quan giả lập giải quyết hồ sơ, JSON như "motcua sandbox serve --workflow", ví dụ '{"span":"10s","onTime":1}' (mặc định: cả thời gian giải quyết trong 3 phút, phần lớn đúng hạn)`)
	return c
}

// runCounter runs the counter TUI on the configured (or demo) environment.
// The demo logs its operator in with the demo key file; otherwise the TUI
// starts on its login screen and unlocks the store with the operator's
// passphrase (the next shift logs in the same way after an idle lock).
//
// The demo starts (sandbox gateway, store, operator) while the first frame is
// drawn: the identification screen shows at once and keys typed meanwhile
// wait for it (tui.Options.Open). Only the first start, which creates the
// store and shows its operators' passphrases, starts it before the screen.
func (a *app) runCounter(cmd *cobra.Command) error {
	releaseGCAfterStart()
	e, err := a.prepareEnv(true)
	if err != nil {
		return err
	}
	defer e.Close()
	if e.demo == nil && e.cfg.Gateway.URL == "" {
		return &exitError{code: exitUsage, msg: "Chưa cấu hình địa chỉ cổng dữ liệu dân cư (gateway.url hoặc MOTCUA_GATEWAY_URL). " +
			"Muốn thử trên dữ liệu demo: motcua demo."}
	}
	lock, err := offline.LockCounter(e.cfg.DataDir)
	if err != nil {
		return failure(offline.ClerkMessageIn(err, e.cfg.Location()), err)
	}
	defer func() { _ = lock.Release() }() // the lock also ends with the process
	// the rating screen facing the citizen (motcua rating-screen) connects here; without
	// it the citizen rates on the counter's screen
	link, err := ratinglink.Listen(e.cfg.DataDir, slog.New(slog.NewTextHandler(e.logw, nil)))
	if err != nil {
		fmt.Fprintf(e.logw, "level=WARN msg=\"no rating screen channel\" err=%q\n", err.Error())
	} else {
		defer link.Close()
	}

	login := func(_ context.Context, id, pass string) (tui.Backend, tui.Operator, error) {
		parts, err := wire.Open(e.cfg, wire.Options{Log: e.logw, Credentials: wire.Credentials{Operator: id, Passphrase: pass},
			OnWait: func() { fmt.Fprintln(e.logw, "level=INFO msg=\"waited for the data file\"") }})
		if err != nil {
			return nil, tui.Operator{}, err
		}
		op, err := parts.Service.Who(parts.Operator.ID)
		return reports.Desk{Service: parts.Service}, op, err
	}
	mode, err := portrait.ParseMode(e.cfg.Card.Portrait)
	if err != nil {
		return usageErr("card.portrait: %v", err)
	}
	opt := tui.Options{Login: login, RatingLink: ratingLink(link), Agency: e.cfg.Agency.Parent, Location: e.cfg.Location(), IdleLock: e.cfg.Limits.IdleLock.Duration,
		SyncEvery: e.cfg.Limits.SyncEvery.Duration, Portrait: mode, Telex: e.cfg.Input.Telex, TelexOldStyle: e.cfg.Input.ToneStyle == "old",
		CardTimeout: e.cfg.Card.Timeout.Duration}
	var beside besideFrame
	switch {
	case e.demo != nil && e.demo.Exists():
		opt.Demo, opt.Reader = true, e.demo.Station
		opt.Open = func(context.Context) (b tui.Backend, op tui.Operator, err error) {
			err = beside.run(func() error {
				b, op, err = a.startDemo(e)
				return err
			})
			return b, op, err
		}
	case e.demo != nil:
		opt.Demo, opt.Reader = true, e.demo.Station
		if opt.Backend, opt.Operator, err = a.startDemo(e); err != nil {
			return err
		}
		fmt.Fprintln(a.stdout, "Đã tạo kho dữ liệu demo (mã hóa). Cán bộ demo và mật khẩu (cũng lưu trong "+e.demo.CredentialsFile+"):")
		for _, o := range e.demo.Created {
			fmt.Fprintf(a.stdout, "  %-16s %-11s %s\n", o.ID, o.Role, o.Passphrase)
		}
		time.Sleep(2 * time.Second) // let the clerk read them before the screen clears
	default:
		st, err := a.pcscStation(e.cfg, e.logw)
		if err != nil {
			fmt.Fprintf(e.logw, "level=WARN msg=\"no PC/SC card reading\" err=%q\n", err.Error())
		} else {
			defer st.P.Close()
			opt.Reader = st
			opt.WatchReaders = st.Watch
		}
	}
	p := tea.NewProgram(tui.New(opt), tea.WithInput(a.stdin), tea.WithOutput(a.stdout), tea.WithContext(cmd.Context()),
		tea.WithFilter(tui.Interrupts))
	_, runErr := p.Run()
	// the demo's start, if it began, has ended before its parts close
	if err := beside.wait(); err != nil {
		return err
	}
	if runErr != nil {
		fmt.Fprintf(e.logw, "level=ERROR msg=\"counter screen stopped\" err=%q\n", runErr.Error())
		return failure("Màn hình quầy dừng vì lỗi; xem nhật ký "+e.logPath+".", runErr)
	}
	if e.demo != nil && e.files != nil { // (nil: the clerk quit before the demo started)
		fmt.Fprintf(a.stdout, "Dữ liệu demo: %s (biên nhận PDF trong %s; cán bộ và mật khẩu trong %s)\n",
			e.cfg.DataDir, e.files.Dir(), e.demo.CredentialsFile)
	}
	return nil
}

// startDemo starts the demo (sandbox gateway and store) and logs its operator
// in with the demo's key file, with a clerk's rights.
func (a *app) startDemo(e *env) (tui.Backend, tui.Operator, error) {
	if err := e.demo.Start(); err != nil {
		return nil, tui.Operator{}, demoStartError(err)
	}
	e.cfg = e.demo.Config // with the gateway's address
	if err := e.unlock(wire.Credentials{KeyFile: e.demo.KeyFile, Unlocked: e.demo.Store}); err != nil {
		return nil, tui.Operator{}, err
	}
	op, err := e.svc.Who(demo.OperatorID)
	if err != nil {
		return nil, tui.Operator{}, failure(counter.Explain(err), err)
	}
	return reports.Desk{Service: e.svc}, op, nil
}

// besideFrame runs a start beside the first frame (tui.Options.Open) at most
// once and never after the screen has ended: Bubble Tea may not call Open at
// all when the clerk quits at once.
type besideFrame struct {
	mu    sync.Mutex
	ended bool
	done  chan error // nil until the start begins
}

// errScreenEnded: the screen ended before its start began.
var errScreenEnded = errors.New("the counter screen ended before its start")

func (s *besideFrame) run(start func() error) error {
	s.mu.Lock()
	if s.ended {
		s.mu.Unlock()
		return errScreenEnded
	}
	s.done = make(chan error, 1)
	s.mu.Unlock()
	err := start()
	s.done <- err
	return err
}

// wait ends the screen's starts and returns the error of the one that ran.
func (s *besideFrame) wait() error {
	s.mu.Lock()
	s.ended = true
	done := s.done
	s.mu.Unlock()
	if done == nil {
		return nil
	}
	return <-done
}

// ratingLink is the channel as the TUI takes it (nil when it could not open: a
// typed nil pointer would not be nil in the interface).
func ratingLink(s *ratinglink.Server) tui.RatingLink {
	if s == nil {
		return nil
	}
	return s
}
