package main

import (
	"bufio"
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/spf13/cobra"

	"motcua/lookups"
	"motcua/offline"
	"motcua/tui"
)

// The demo's operator, documented in the README.
const (
	demoOperatorID   = "demo.canbo"
	demoOperatorName = "Cán bộ Demo"
)

func (a *app) demoCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "demo",
		Short: "Mở màn hình quầy trên dữ liệu demo (cổng giả lập, người tổng hợp, thẻ ảo)",
		Long: `Mở màn hình quầy trên môi trường demo: cổng dữ liệu dân cư giả lập chạy trong tiến trình
(trên cổng loopback, dùng đúng trình khách HTTP thật), 100.000 công dân tổng hợp, đầu đọc thẻ ảo,
cán bộ demo "` + demoOperatorID + `". Dữ liệu demo nằm trong thư mục riêng (<thư mục dữ liệu>/demo),
không lẫn với dữ liệu thật.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			a.demo = true
			return a.runCounter(cmd, true)
		},
	}
}

// runCounter runs the counter TUI on the configured (or demo) environment.
func (a *app) runCounter(cmd *cobra.Command, _ bool) error {
	e, err := a.openEnv(true)
	if err != nil {
		return err
	}
	defer e.Close()
	if err := e.needGateway(); err != nil {
		return err
	}
	lock, err := offline.LockCounter(e.cfg.DataDir)
	if err != nil {
		return failure(offline.ClerkMessage(err), err)
	}
	defer lock.Release()

	op := tui.Operator{ID: demoOperatorID, Name: demoOperatorName}
	var reader lookups.CardReader
	if e.demo != nil {
		reader = e.demo.Reader
	} else {
		if op, err = a.login(); err != nil {
			return err
		}
	}
	agency := e.cfg.Agency.Parent
	m := tui.New(tui.Options{Backend: e.svc, Reader: reader, Operator: op, Agency: agency, Demo: e.demo != nil, Location: e.cfg.Location()})
	p := tea.NewProgram(m, tea.WithInput(a.stdin), tea.WithOutput(a.stdout), tea.WithContext(cmd.Context()))
	if _, err := p.Run(); err != nil {
		return failure("Màn hình quầy dừng vì lỗi; xem nhật ký "+e.logPath+".", err)
	}
	if e.demo != nil {
		fmt.Fprintf(a.stdout, "Dữ liệu demo: %s (biên nhận PDF trong %s)\n", e.cfg.DataDir, e.printer.Dir())
	}
	return nil
}

// login asks for the operator's ID. Passphrases and roles arrive with the
// encrypted store; until then the ID is taken as given.
func (a *app) login() (tui.Operator, error) {
	id := a.getenv("MOTCUA_OPERATOR")
	if id == "" {
		fmt.Fprint(a.stdout, "Mã cán bộ: ")
		line, err := bufio.NewReader(a.stdin).ReadString('\n')
		if err != nil && line == "" {
			return tui.Operator{}, usageErr("chưa nhập mã cán bộ")
		}
		id = strings.TrimSpace(line)
	}
	if id == "" || strings.ContainsAny(id, " \t") {
		return tui.Operator{}, usageErr("mã cán bộ không hợp lệ")
	}
	return tui.Operator{ID: id, Name: id}, nil
}
