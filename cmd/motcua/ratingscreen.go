package main

import (
	"context"
	"fmt"
	"path/filepath"

	tea "charm.land/bubbletea/v2"
	"github.com/spf13/cobra"

	"motcua/internal/config"
	"motcua/internal/ratinglink"
	"motcua/tui"
)

func init() { register((*app).ratingScreenCmd) }

func (a *app) ratingScreenCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "rating-screen",
		Short: "Màn hình đánh giá quay về phía công dân (màn hình thứ hai bên cạnh màn hình quầy)",
		Long: `Mở màn hình đánh giá mức độ hài lòng cho công dân, trên một cửa sổ (hoặc màn hình) thứ hai của cùng máy
quầy. Màn hình này không mở kho dữ liệu: nó kết nối với màn hình quầy đang chạy (motcua hoặc motcua demo, cùng thư
mục dữ liệu) qua một kênh nội bộ trên máy (127.0.0.1, có mã bí mật của phiên). Khi cán bộ trả kết quả, câu hỏi hiện
ở đây; công dân nhấn một phím số cho mỗi câu (Esc: không đánh giá); màn hình quầy ghi câu trả lời dưới tên cán bộ.
Mở màn hình quầy trước; nếu màn hình quầy đóng rồi mở lại, màn hình đánh giá tự kết nối lại. Ctrl+C để thoát.`,
		Example: "  motcua rating-screen\n  motcua rating-screen --demo",
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			dir, err := a.ratingDir()
			if err != nil {
				return err
			}
			m := tui.NewRatingScreen(tui.RatingScreenOptions{Dial: func(ctx context.Context) (tui.RatingClient, error) {
				c, err := ratinglink.Dial(ctx, dir)
				if err != nil {
					return nil, err
				}
				return c, nil
			}})
			p := tea.NewProgram(m, tea.WithInput(a.stdin), tea.WithOutput(a.stdout), tea.WithContext(cmd.Context()))
			if _, err := p.Run(); err != nil {
				return failure("Màn hình đánh giá dừng vì lỗi.", err)
			}
			return nil
		},
	}
}

// ratingDir is the data directory of the counter screen to connect to, found as
// the counter finds it, without opening anything in it (nor starting the demo).
func (a *app) ratingDir() (string, error) {
	if a.demo {
		if a.dataDir != "" {
			return a.dataDir, nil
		}
		base, err := config.DefaultDataDir(a.getenv)
		if err != nil {
			return "", failure("Không tìm được thư mục dữ liệu.", err)
		}
		return filepath.Join(base, "demo"), nil
	}
	cfg, err := config.Load(a.configPath, a.getenv)
	if err != nil {
		return "", &exitError{code: exitUsage, msg: "Cấu hình không hợp lệ: " + err.Error(), err: err}
	}
	if a.dataDir != "" {
		cfg.DataDir = a.dataDir
	}
	if cfg.DataDir == "" {
		return "", fmt.Errorf("no data directory")
	}
	return cfg.DataDir, nil
}
