package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"motcua/forms"
	"motcua/internal/counter"
	"motcua/offline"
)

// Drafts and their handoff from a volunteer to a clerk.

func init() { register((*app).draftCmd) }

func (a *app) draftCmd() *cobra.Command {
	cmd := groupCmd("draft", "Tờ khai soạn dở: liệt kê, bàn giao (tình nguyện viên → cán bộ) bằng tệp mã hóa")
	var asJSON bool
	list := &cobra.Command{
		Use:   "list",
		Short: "Liệt kê tờ khai soạn dở (mã, thủ tục, cán bộ, thời gian; không có dữ liệu cá nhân)",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			e, op, err := a.openAs(counter.ActDraftOwn)
			if err != nil {
				return err
			}
			defer e.Close()
			ds, err := e.office.DraftList(op)
			if err != nil {
				return refusal(err, offline.ClerkMessage(err))
			}
			loc := e.cfg.Location()
			return printList(a.stdout, asJSON, ds, "Không có tờ khai soạn dở.", "MÃ\tTHỦ TỤC\tCÁN BỘ\tCẬP NHẬT", func(d offline.DraftInfo) string {
				return d.ID + "\t" + d.Service + "\t" + d.Operator + "\t" + d.UpdatedAt.In(loc).Format("15:04 02/01/2006")
			})
		},
	}
	list.Flags().BoolVar(&asJSON, "json", false, "in dạng JSON")

	var keep bool
	export := &cobra.Command{
		Use:   "export ID FILE",
		Short: "Bàn giao một tờ khai: ghi tệp mã hóa bằng mã dùng một lần (in ra), rồi xóa bản trên máy này",
		Long: `Ghi tờ khai soạn dở ID vào tệp FILE, mã hóa AES-256-GCM bằng khóa sinh từ một mã dùng một lần
(in ra màn hình: đọc cho cán bộ nhận, đừng gửi cùng tệp). Sau khi ghi, bản trên máy này bị xóa
(tình nguyện viên không giữ dữ liệu cá nhân sau buổi làm việc), trừ khi có --keep.`,
		Args: exactArgs(2, "mã tờ khai và đường dẫn tệp"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if _, err := a.operatorID(); err != nil {
				return err
			}
			e, op, err := a.openAs(counter.ActDraftOwn)
			if err != nil {
				return err
			}
			defer e.Close()
			blob, _, err := e.office.Draft(op, args[0])
			if err != nil {
				return refusal(err, "Không có tờ khai soạn dở "+args[0]+" trên máy này.")
			}
			code := offline.NewCode()
			sealed, err := offline.SealHandoff(blob, code, a.kdf)
			if err != nil {
				return failure("Không mã hóa được tờ khai.", err)
			}
			f, err := os.OpenFile(args[1], os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
			if err != nil {
				return failure("Không tạo được tệp "+args[1]+" (đã có sẵn?).", err)
			}
			if _, err := f.Write(sealed); err != nil {
				f.Close()
				return failure("Không ghi được tệp "+args[1]+".", err)
			}
			if err := f.Close(); err != nil {
				return failure("Không ghi được tệp "+args[1]+".", err)
			}
			if err := e.office.HandedOff(op, args[0], keep); err != nil {
				return refusal(err, offline.ClerkMessage(err))
			}
			fmt.Fprintf(a.stdout, "Đã ghi tệp bàn giao %s.\nMã mở tệp (đọc cho cán bộ nhận, không gửi kèm tệp): %s\n", args[1], code)
			return nil
		},
	}
	export.Flags().BoolVar(&keep, "keep", false, "giữ bản trên máy này sau khi bàn giao")

	var code string
	imp := &cobra.Command{
		Use:   "import FILE",
		Short: "Nhận tờ khai bàn giao (cán bộ một cửa): mở bằng mã, lưu thành tờ khai soạn dở (mở bằng F3)",
		Args:  exactArgs(1, "đường dẫn tệp"),
		RunE: func(cmd *cobra.Command, args []string) error {
			data, err := os.ReadFile(args[0])
			if err != nil {
				return failure("Tệp "+args[0]+": "+fileReason(err), err)
			}
			if code == "" {
				code = a.getenv("MOTCUA_HANDOFF_CODE")
			}
			if code == "" {
				return usageErr("cần mã mở tệp: --code hoặc MOTCUA_HANDOFF_CODE")
			}
			blob, err := offline.OpenHandoff(data, code)
			if err != nil {
				return failure("Tệp không phải tệp bàn giao, hoặc mã không đúng.", err)
			}
			decl, err := forms.RestoreDraft(blob)
			if err != nil {
				return failure("Tờ khai trong tệp không mở được: mẫu đã thay đổi hoặc tệp hỏng.", err)
			}
			e, op, err := a.openAs(counter.ActDraftImport)
			if err != nil {
				return err
			}
			defer e.Close()
			draftID, err := e.office.ImportDraft(op, decl.Spec().ID, blob)
			if err != nil {
				return refusal(err, offline.ClerkMessage(err))
			}
			fmt.Fprintf(a.stdout, "Đã nhận tờ khai %s (%s). Mở trên màn hình quầy: F3.\n", draftID, decl.Spec().Name)
			return nil
		},
	}
	imp.Flags().StringVar(&code, "code", "", "mã mở tệp do người bàn giao đọc")
	cmd.AddCommand(list, export, imp)
	return cmd
}
