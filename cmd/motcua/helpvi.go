package main

import (
	"fmt"
	"regexp"
	"strings"
	"sync"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// Cobra's help, usage and errors are English by default; every person who
// runs motcua reads Vietnamese. The templates below replace cobra's with the
// same structure in Vietnamese, flag values are named in Vietnamese, and the
// errors cobra and pflag produce about the command line are translated.

const usageVI = `Cách dùng:{{if .Runnable}}
  {{.UseLine}}{{end}}{{if .HasAvailableSubCommands}}
  {{.CommandPath}} [lệnh]{{end}}{{if gt (len .Aliases) 0}}

Tên khác:
  {{.NameAndAliases}}{{end}}{{if .HasExample}}

Ví dụ:
{{.Example}}{{end}}{{if .HasAvailableSubCommands}}

Lệnh con:{{range .Commands}}{{if (or .IsAvailableCommand (eq .Name "help"))}}
  {{rpad .Name .NamePadding }} {{.Short}}{{end}}{{end}}{{end}}{{if .HasAvailableLocalFlags}}

Tham số:
{{flagsVI .LocalFlags}}{{end}}{{if .HasAvailableInheritedFlags}}

Tham số chung (mọi lệnh):
{{flagsVI .InheritedFlags}}{{end}}{{if .HasAvailableSubCommands}}

Xem hướng dẫn một lệnh: "{{.CommandPath}} [lệnh] --help".{{end}}
{{/* ends with a newline */}}`

const helpVI = `{{with (or .Long .Short)}}{{. | trimTrailingWhitespaces}}

{{end}}{{if or .Runnable .HasSubCommands}}{{.UsageString}}{{end}}`

// valueNames are the flag value names as the help shows them.
var valueNames = map[string]string{
	"string": "CHUỖI", "int": "SỐ", "uint": "SỐ", "float64": "SỐ", "duration": "THỜI-GIAN",
	"stringSlice": "DANH-SÁCH", "stringArray": "GIÁ-TRỊ", "intSlice": "CÁC-SỐ",
}

// flagsVI lists flags like pflag's FlagUsages, with the value names in Vietnamese.
func flagsVI(fs *pflag.FlagSet) string {
	type line struct{ left, usage string }
	var lines []line
	width := 0
	fs.VisitAll(func(f *pflag.Flag) {
		if f.Hidden {
			return
		}
		name, usage := pflag.UnquoteUsage(f)
		if vi, ok := valueNames[name]; ok {
			name = vi
		}
		left := "      --" + f.Name
		if f.Shorthand != "" {
			left = "  -" + f.Shorthand + ", --" + f.Name
		}
		if name != "" {
			left += " " + name
		}
		if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" && f.DefValue != "[]" && f.DefValue != "0s" {
			usage += fmt.Sprintf(" (mặc định %s)", f.DefValue)
		}
		lines = append(lines, line{left, usage})
		width = max(width, len([]rune(left)))
	})
	var b strings.Builder
	for _, l := range lines {
		fmt.Fprintf(&b, "%s%s   %s\n", l.left, strings.Repeat(" ", width-len([]rune(l.left))), l.usage)
	}
	return strings.TrimRight(b.String(), "\n")
}

// addTemplateFuncs adds the templates' functions to cobra's global map once.
var addTemplateFuncs sync.Once

// vietnameseHelp puts the Vietnamese templates, help flag, help command and
// version flag on root (and so on every command).
func vietnameseHelp(root *cobra.Command) {
	addTemplateFuncs.Do(func() { cobra.AddTemplateFunc("flagsVI", flagsVI) }) // cobra's map is global: once, for commands run side by side
	root.SetUsageTemplate(usageVI)
	root.SetHelpTemplate(helpVI)
	root.PersistentFlags().BoolP("help", "h", false, "xem hướng dẫn của lệnh")
	root.Flags().BoolP("version", "v", false, "in phiên bản")
	root.SetHelpCommand(&cobra.Command{
		Use:   "help [lệnh]",
		Short: "Xem hướng dẫn của một lệnh",
		Run: func(c *cobra.Command, args []string) {
			cmd, _, err := c.Root().Find(args)
			if cmd == nil || err != nil {
				c.Printf("Không có lệnh %q.\n", strings.Join(args, " "))
				_ = c.Root().Usage()
				return
			}
			cmd.InitDefaultHelpFlag()
			_ = cmd.Help()
		},
	})
	root.CompletionOptions.DisableDefaultCmd = true
}

var cmdLineErrors = []struct {
	re *regexp.Regexp
	vi string
}{
	{regexp.MustCompile(`^unknown command "(.*)" for "(.*)"`), `không có lệnh "$1" trong "$2"`},
	{regexp.MustCompile(`^unknown flag: (\S+)`), `không có tham số $1`},
	{regexp.MustCompile(`^unknown shorthand flag: '(.)' in (\S+)`), `không có tham số -$1 (trong $2)`},
	{regexp.MustCompile(`^flag needs an argument: '?(.*?)'? in -(.*)`), `tham số -$1 cần một giá trị`},
	{regexp.MustCompile(`^flag needs an argument: (\S+)`), `tham số $1 cần một giá trị`},
	{regexp.MustCompile(`^invalid argument "(.*)" for "(.*)" flag: .*`), `giá trị "$1" không hợp lệ cho tham số $2`},
	{regexp.MustCompile(`^bad flag syntax: (.*)`), `tham số viết sai: $1`},
	{regexp.MustCompile(`^(?:required flag\(s\)) (.*) not set`), `thiếu tham số bắt buộc $1`},
	{regexp.MustCompile(`^(?:accepts|requires) .*`), `số đối số không đúng`},
}

// commandLineVI translates an error cobra or pflag gave about the command
// line; ok is false for any other error.
func commandLineVI(err error) (string, bool) {
	msg := err.Error()
	for _, e := range cmdLineErrors {
		if e.re.MatchString(msg) {
			return e.re.ReplaceAllString(msg, e.vi), true
		}
	}
	return "", false
}
