package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"motcua/forms"
	"motcua/internal/counter"
	"motcua/lookups/vntext"
	"motcua/offline"
)

func (a *app) dossierCmd() *cobra.Command {
	cmd := groupCmd("dossier", "Hồ sơ đã tiếp nhận trên máy này")
	cmd.AddCommand(a.dossierListCmd(), a.dossierShowCmd(), a.dossierSubmitCmd())
	cmd.AddCommand(a.lifeCommands()...) // the life after reception (lifecmd.go)
	return cmd
}

func (a *app) dossierListCmd() *cobra.Command {
	var (
		asJSON bool
		states []string
	)
	cmd := &cobra.Command{
		Use:   "list",
		Short: "Liệt kê hồ sơ (mã, trạng thái, thủ tục, thời gian; không có dữ liệu cá nhân)",
		Long: `Liệt kê hồ sơ đã tiếp nhận trong thư mục dữ liệu. Chạy được cả khi màn hình quầy đang mở:
lệnh chờ vài giây nếu tệp dữ liệu đang bận và báo nếu vẫn bận.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			codes, err := parseStates(states)
			if err != nil {
				return err
			}
			e, op, err := a.openAs(counter.ActDossierList)
			if err != nil {
				return err
			}
			defer e.Close()
			list, err := e.office.Dossiers(op, offline.DossierFilter{States: codes})
			if err != nil {
				return refusal(err, offline.ClerkMessage(err))
			}
			loc := e.cfg.Location()
			return printList(a.stdout, asJSON, list, "Chưa có hồ sơ nào.", "MÃ HỒ SƠ\tTRẠNG THÁI\tTHỦ TỤC\tTIẾP NHẬN", func(d offline.DossierInfo) string {
				return d.Code + "\t" + stateLabel(d.State) + "\t" + d.Service + "\t" + d.ReceivedAt.In(loc).Format("15:04 02/01/2006")
			})
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "in dạng JSON")
	cmd.Flags().StringArrayVar(&states, "state", nil, "chỉ hồ sơ ở trạng thái này (lặp lại --state cho nhiều trạng thái): "+stateChoices())
	return cmd
}

func stateLabel(s string) string { return forms.Status(s).Label() }

// dossierStates are the submission states a person may name.
var dossierStates = []forms.Status{forms.StatusFinalized, forms.StatusQueued, forms.StatusSubmitted, forms.StatusRejected}

// stateChoices lists them as a person writes them: the Vietnamese words (the code).
func stateChoices() string {
	out := make([]string, len(dossierStates))
	for i, s := range dossierStates {
		out[i] = fmt.Sprintf("%q (%s)", s.Label(), s)
	}
	return strings.Join(out, ", ")
}

// parseStates reads --state values: the Vietnamese words (diacritics
// optional) or the codes; anything else is refused with the values allowed.
func parseStates(in []string) ([]string, error) {
	one := func(v string) string {
		v = strings.TrimSpace(v)
		for _, s := range dossierStates {
			if v == string(s) || vntext.SearchKey(v) == vntext.SearchKey(s.Label()) {
				return string(s)
			}
		}
		return ""
	}
	var out []string
	for _, v := range in {
		if s := one(v); s != "" {
			out = append(out, s)
			continue
		}
		// several codes in one value ("queued,submitted")
		for _, part := range strings.Split(v, ",") {
			s := one(part)
			if s == "" {
				return nil, usageErr("trạng thái %q không có; chọn một trong: %s", v, stateChoices())
			}
			out = append(out, s)
		}
	}
	return out, nil
}

func (a *app) dossierShowCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "show CODE",
		Short: "Xem một hồ sơ (có dữ liệu cá nhân: ghi nhật ký truy cập)",
		Args:  exactArgs(1, "mã hồ sơ"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if _, err := a.operatorID(); err != nil {
				return err
			}
			e, op, err := a.openAs(counter.ActDossierShow)
			if err != nil {
				return err
			}
			defer e.Close()
			d, err := e.office.Dossier(op, args[0])
			switch {
			case errors.Is(err, offline.ErrNotFound):
				return failure("Không tìm thấy hồ sơ "+args[0]+" trên máy này.", err)
			case err != nil:
				return refusal(err, "Không mở được hồ sơ "+args[0]+": "+offline.ClerkMessage(err))
			}
			if asJSON {
				enc := newJSONEncoder(a.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(d)
			}
			w, loc, show := a.stdout, e.cfg.Location(), vntext.Display // the values came from outside (gateway, card, files)
			fmt.Fprintf(w, "Mã hồ sơ:        %s (%s)\n", show(d.Code), show(stateLabel(string(d.Status))))
			fmt.Fprintf(w, "Thủ tục:         %s (mẫu phiên bản %s)\n", show(d.ServiceName), show(d.SpecVersion))
			fmt.Fprintf(w, "Công dân:        %s, %s\n", show(d.Subject.FullName), show(d.Subject.ID))
			fmt.Fprintf(w, "Tiếp nhận:       %s bởi %s\n", d.ReceivedAt.In(loc).Format("15:04 02/01/2006"), show(d.Operator))
			fmt.Fprintf(w, "Hẹn trả:         %s\n", d.Appointment.In(loc).Format("15:04 02/01/2006"))
			if rs := d.ResidenceSource; rs != nil {
				how := "tra cứu trực tiếp"
				if rs.Origin == forms.SourceCache {
					how = "bản lưu tạm khi mất kết nối"
				}
				fmt.Fprintf(w, "Cư trú lấy từ:   %s (%s) lúc %s\n", show(rs.Source), how, rs.At.In(loc).Format("15:04:05 02/01/2006"))
			}
			fmt.Fprintln(w, "Tờ khai:")
			for _, f := range d.Fields {
				v := f.Value
				if f.Text != "" {
					v = f.Text
				}
				fmt.Fprintf(w, "  %-40s %s  [%s]\n", show(f.Label), show(v), show(forms.SourceLabel(f.Source)))
			}
			fmt.Fprintln(w, "Giấy tờ nhận:")
			for _, doc := range d.Documents {
				kind := "bản sao"
				if doc.Original {
					kind = "bản chính"
				}
				fmt.Fprintf(w, "  - %s (%s, %d)\n", show(doc.Name), kind, doc.Count)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "in dạng JSON")
	return cmd
}
