package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"motcua/internal/config"
)

func (a *app) configCmd() *cobra.Command {
	cmd := groupCmd("config", "Cấu hình: xem cấu hình đang dùng và vị trí tệp")
	cmd.AddCommand(&cobra.Command{
		Use:   "show",
		Short: "In cấu hình đang dùng (tệp + biến môi trường; che mã bí mật)",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, d, err := a.loadConfig()
			if err != nil {
				return err
			}
			if d != nil {
				defer d.Close()
			}
			b, err := cfg.Encode()
			if err != nil {
				return failure("Không in được cấu hình.", err)
			}
			if cfg.Path != "" {
				fmt.Fprintf(a.stdout, "# từ tệp %s\n", cfg.Path)
			}
			_, err = a.stdout.Write(b)
			return err
		},
	}, &cobra.Command{
		Use:   "path",
		Short: "In đường dẫn tệp cấu hình và thư mục dữ liệu mặc định",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			p, err := config.DefaultPath(a.getenv)
			if err != nil {
				return failure("Không xác định được thư mục cấu hình.", err)
			}
			d, err := config.DefaultDataDir(a.getenv)
			if err != nil {
				return failure("Không xác định được thư mục dữ liệu.", err)
			}
			fmt.Fprintf(a.stdout, "config: %s\ndata:   %s\n", p, d)
			for _, e := range config.Env {
				fmt.Fprintf(a.stdout, "env:    %s -> %s\n", e.Name, e.Field)
			}
			return nil
		},
	})
	return cmd
}
