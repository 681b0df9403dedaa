package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"motcua/internal/counter"
	"motcua/lookups"
	"motcua/lookups/pid"
	"motcua/lookups/vntext"
)

func (a *app) lookupCmd() *cobra.Command {
	var (
		purpose, dossier string
		asJSON           bool
	)
	cmd := &cobra.Command{
		Use:   "lookup ID",
		Short: "Tra cứu một công dân trong CSDL dân cư theo số định danh",
		Long: `Tra cứu một công dân (nhân thân, cư trú, hộ gia đình) theo số định danh 12 số.
Mỗi lần tra cứu ghi nhật ký: cán bộ (--operator hoặc MOTCUA_OPERATOR) và mục đích (--purpose).
Khi mất kết nối, dùng kết quả đã lưu tạm còn hạn (ghi rõ thời điểm).`,
		Example: "  motcua lookup --demo --purpose check 066303000006\n  motcua lookup --operator cb01 --purpose dossier --dossier G01.00004-261123-010001 --json 066303000006",
		Args:    exactArgs(1, "số định danh"),
		RunE: func(cmd *cobra.Command, args []string) error {
			id := strings.TrimSpace(args[0])
			if err := pid.Validate(id, lookups.Date{}, ""); err != nil {
				return usageErr("số định danh không hợp lệ: %v", err)
			}
			if _, err := a.operatorID(); err != nil {
				return err
			}
			switch purpose {
			case "":
				return usageErr("thiếu mục đích tra cứu: --purpose (reception, dossier, check, reconcile)")
			case lookups.PurposeReception, lookups.PurposeCheck, lookups.PurposeReconcile:
			case lookups.PurposeDossier:
				if dossier == "" {
					return usageErr("--purpose dossier cần mã hồ sơ: --dossier MÃ")
				}
			default:
				return usageErr("mục đích tra cứu %q không có; dùng reception, dossier, check hoặc reconcile", purpose)
			}
			if err := a.needGatewayConfig(); err != nil {
				return err
			}
			e, err := a.openEnv(false)
			if err != nil {
				return err
			}
			defer e.Close()
			op, err := e.who(a)
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), 30*time.Second)
			defer cancel()
			res, origin, err := e.svc.Lookup(ctx, id, lookups.CallMeta{Operator: op.ID, Purpose: purpose, DossierCode: dossier})
			if err != nil {
				if errors.Is(err, lookups.ErrNotFound) {
					return &exitError{code: exitFailure, msg: counter.Explain(err), err: err}
				}
				return failure(counter.Explain(err), err)
			}
			if asJSON {
				enc := newJSONEncoder(a.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(struct {
					Resident *lookups.Resident `json:"resident"`
					Origin   lookups.Origin    `json:"origin"`
				}{res, origin})
			}
			printResident(a, res, origin, e.cfg.Location())
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&purpose, "purpose", "", "mục đích tra cứu, bắt buộc: reception, dossier, check, reconcile")
	f.StringVar(&dossier, "dossier", "", "mã hồ sơ liên quan (khi --purpose dossier)")
	f.BoolVar(&asJSON, "json", false, "in kết quả dạng JSON")
	return cmd
}

func printResident(a *app, r *lookups.Resident, o lookups.Origin, loc *time.Location) {
	w := a.stdout
	c := r.Citizen
	src := "CSDL quốc gia về dân cư"
	if o.Source == lookups.SourceCache {
		src = "bản lưu tạm (mất kết nối)"
	}
	fmt.Fprintf(w, "Nguồn: %s, lúc %s\n", src, o.FetchedAt.In(loc).Format("15:04:05 02/01/2006"))
	if r.Deceased() {
		fmt.Fprintf(w, "ĐÃ MẤT ngày %s\n", r.DeathDate)
	}
	row := func(k, v string) {
		if v != "" {
			fmt.Fprintf(w, "  %-22s %s\n", k, vntext.Display(v))
		}
	}
	row("Họ, chữ đệm và tên", c.FullName)
	row("Số định danh", c.ID)
	row("CMND cũ", c.OldID)
	row("Ngày sinh", c.BirthDate.String())
	row("Giới tính", string(c.Sex))
	row("Dân tộc", c.Ethnicity)
	if o.Masked {
		row("Dân tộc, tôn giáo", "(ẩn: dữ liệu nhạy cảm, cần quyền cán bộ một cửa)")
	}
	row("Quốc tịch", c.Nationality)
	row("Quê quán", c.PlaceOfOrigin)
	row("Tình trạng hôn nhân", r.MaritalStatus.Label())
	if r.Spouse != nil {
		row("Vợ/chồng", r.Spouse.FullName)
	}
	for _, x := range []struct {
		label string
		res   *lookups.Residence
	}{{"Thường trú", r.Permanent}, {"Tạm trú", r.Temporary}, {"Nơi ở hiện tại", r.CurrentPlace}} {
		if x.res != nil {
			row(x.label, x.res.Address.String())
			if old := x.res.Legacy.String(); old != "" {
				row("", "(trước 2025: "+old+")")
			}
		}
	}
	if h := r.Household; h != nil {
		fmt.Fprintf(w, "  Hộ gia đình (chủ hộ %s, số hồ sơ %s):\n", vntext.Display(h.Head.FullName), vntext.Display(h.FileNumber))
		for _, m := range h.Members {
			fmt.Fprintf(w, "    %-10s %-28s %s  %s\n", vntext.Display(m.Relation), vntext.Display(m.FullName), m.BirthDate, vntext.Display(m.ID))
		}
	}
}
