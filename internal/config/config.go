// Package config loads motcua's configuration: one TOML file in the user's
// config directory (motcua/config.toml), overridable by --config and by
// MOTCUA_* environment variables, plus the per-user data directory.
package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pelletier/go-toml/v2"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// Duration is a time.Duration written as "24h", "90s" in the file.
type Duration struct{ time.Duration }

// MarshalText implements encoding.TextMarshaler.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return err
	}
	d.Duration = v
	return nil
}

// Agency describes the receiving office printed on receipts and dossier codes.
type Agency struct {
	Code        string `toml:"code" comment:"Mã cơ quan (đầu mã hồ sơ), ví dụ G01.00004"`
	Parent      string `toml:"parent" comment:"Cơ quan chủ quản, ví dụ UBND PHƯỜNG BA ĐÌNH"`
	Name        string `toml:"name" comment:"Tên bộ phận, ví dụ BỘ PHẬN TIẾP NHẬN VÀ TRẢ KẾT QUẢ"`
	Address     string `toml:"address"`
	Place       string `toml:"place" comment:"Địa danh ghi ở dòng ngày tháng"`
	Police      string `toml:"police" comment:"Công an cấp xã nhận hồ sơ cư trú (dòng Kính gửi), ví dụ Công an phường Ba Đình"`
	Clinic      string `toml:"clinic" comment:"Trạm y tế của phường/xã: nơi khám chữa bệnh ban đầu điền sẵn cho thẻ BHYT trẻ em, ví dụ Trạm Y tế phường Ba Đình"`
	ResultPlace string `toml:"result_place" comment:"Nơi trả kết quả"`
}

// Gateway is the population-data gateway endpoint.
type Gateway struct {
	URL     string   `toml:"url"`
	Token   string   `toml:"token" comment:"Bearer token; có thể đặt bằng biến môi trường MOTCUA_GATEWAY_TOKEN"`
	Timeout Duration `toml:"timeout" comment:"Thời gian chờ tối đa cho một lần gọi"`
	Budget  Duration `toml:"budget" comment:"Thời gian tối đa cho một thao tác, kể cả gọi lại; 0s = tự tính theo timeout và retries"`
	Retries int      `toml:"retries" comment:"Số lần gọi lại khi lỗi tạm thời (mạng, 5xx, 408, 429); 0 = không gọi lại"`

	BreakerFailures int      `toml:"breaker_failures" comment:"Sau bấy nhiêu lỗi liên tiếp thì coi như mất kết nối và dùng dữ liệu lưu tạm ngay; 0 = không bao giờ"`
	BreakerCooldown Duration `toml:"breaker_cooldown" comment:"Thời gian chờ trước khi thử kết nối lại sau khi mất kết nối"`

	CAFile   string `toml:"ca_file" comment:"Tệp PEM chứng thư CA của cổng (thay cho CA hệ thống); chỉ dùng với https"`
	CertFile string `toml:"cert_file" comment:"Tệp PEM chứng thư máy trạm (TLS hai chiều); đi cùng key_file"`
	KeyFile  string `toml:"key_file" comment:"Tệp PEM khóa riêng của chứng thư máy trạm"`
}

// Printer chooses where receipts go: PDF files in a folder, an IPP printer
// (a CUPS queue or any IPP printer), or an ESC/POS thermal printer over a raw
// TCP socket or a device file.
type Printer struct {
	Kind    string   `toml:"kind" comment:"file (PDF vào thư mục) | ipp (CUPS/máy in IPP) | escpos (máy in nhiệt)"`
	Name    string   `toml:"name" comment:"Tên máy in hiện trên màn hình"`
	Dir     string   `toml:"dir" comment:"file: thư mục lưu biên nhận PDF; trống = <data>/receipts"`
	URI     string   `toml:"uri" comment:"ipp: ví dụ http://127.0.0.1:631/printers/quay1 hoặc ipp://may-chu/printers/quay1"`
	Address string   `toml:"address" comment:"escpos: máy in nhiệt qua mạng, ví dụ 192.168.1.50:9100"`
	Device  string   `toml:"device" comment:"escpos: tệp thiết bị, ví dụ /dev/usb/lp0"`
	Paper   string   `toml:"paper" comment:"escpos: khổ giấy 80mm hoặc 58mm"`
	Size    string   `toml:"size" comment:"biên nhận PDF: A4 hoặc A5"`
	Timeout Duration `toml:"timeout"`

	// ControlSheet prints Mẫu 06 with every new reception (the counter screen, dossier submit,
	// batch run --print: counter.Config.ControlSheet).
	ControlSheet bool `toml:"control_sheet" comment:"In kèm phiếu kiểm soát quá trình giải quyết hồ sơ (Mẫu 06) với mỗi giấy biên nhận (hồ sơ giấy chuyển giữa các bộ phận); tắt thì nhấn k ở màn hình biên nhận"`
	// HandoverSlip prints the hand-over slip when a result is handed over, where the province
	// uses one (A5 PDF: the file and IPP printers).
	HandoverSlip bool `toml:"handover_slip" comment:"In phiếu bàn giao kết quả khi trả kết quả (nơi tỉnh dùng phiếu này; máy in PDF hoặc IPP)"`
}

// Card configures chip reading.
type Card struct {
	Reader     string   `toml:"reader" comment:"Tên (một phần) đầu đọc thẻ PC/SC; trống = đầu đọc không tiếp xúc đầu tiên"`
	TrustStore []string `toml:"trust_store" comment:"Tệp hoặc thư mục chứng thư CSCA (PEM/DER) để xác thực dữ liệu chip"`
	Trace      string   `toml:"trace" comment:"Tệp ghi vết lệnh APDU (chỉ mã lệnh và mã trạng thái, không có dữ liệu thẻ); trống = tắt"`
	Timeout    Duration `toml:"timeout" comment:"Thời gian tối đa cho một lần đọc thẻ"`
	Portrait   string   `toml:"portrait" comment:"Cách hiện ảnh chân dung trong chip: auto (tự nhận biết), kitty, iterm2, sixel, blocks (ký tự nửa ô) hoặc off (không hiện)"`
}

// PortraitModes are the values of card.portrait (tui/portrait.ParseMode
// reads them; lower packages do not import tui).
var PortraitModes = []string{"auto", "off", "blocks", "kitty", "iterm2", "sixel"}

// Limits are the time limits.
type Limits struct {
	CacheTTL   Duration `toml:"cache_ttl" comment:"Thời hạn lưu tạm kết quả tra cứu"`
	LockWait   Duration `toml:"lock_wait" comment:"Thời gian chờ khi tệp dữ liệu đang bận"`
	CutoffHour int      `toml:"cutoff_hour" comment:"Hồ sơ nhận sau giờ này tính từ ngày làm việc tiếp theo"`
	ReturnHour int      `toml:"return_hour" comment:"Giờ hẹn trả kết quả"`
	IdleLock   Duration `toml:"idle_lock" comment:"Khóa và xóa màn hình sau thời gian không thao tác (0 = không khóa)"`
	SyncEvery  Duration `toml:"sync_every" comment:"Chu kỳ gửi lại hồ sơ đang chờ (mặc định 30s)"`
}

// Input is how the counter screen takes Vietnamese text on a PC without
// an input method (Unikey): the built-in Telex typing.
type Input struct {
	Telex     bool   `toml:"telex" comment:"Bật sẵn gõ Telex có sẵn trong chương trình (F12 bật/tắt) cho máy không có Unikey"`
	ToneStyle string `toml:"tone_style" comment:"Cách đặt dấu khi gõ Telex: new (hòa, thủy) hoặc old (hoà, thuỷ)"`
}

// Config is the whole configuration.
type Config struct {
	Agency   Agency  `toml:"agency"`
	Counter  int     `toml:"counter" comment:"Số quầy (01-99), hai chữ số đầu của số thứ tự hồ sơ"`
	Gateway  Gateway `toml:"gateway"`
	Printer  Printer `toml:"printer"`
	Card     Card    `toml:"card"`
	Input    Input   `toml:"input"`
	Limits   Limits  `toml:"limits"`
	Calendar string  `toml:"calendar" comment:"Tệp lịch ngày nghỉ/làm bù; trống = lịch kèm theo chương trình"`
	Fees     string  `toml:"fees" comment:"Tệp biểu phí, lệ phí (vn-fees.toml); trống = biểu kèm theo chương trình"`
	DataDir  string  `toml:"data_dir" comment:"Thư mục dữ liệu; trống = thư mục mặc định của người dùng"`
	Timezone string  `toml:"timezone" comment:"Múi giờ tính giờ tiếp nhận, giờ hẹn (mặc định Asia/Ho_Chi_Minh)"`
	KeyFile  string  `toml:"key_file" comment:"Tệp khóa mở kho dữ liệu cho lệnh chạy tự động (không dùng cho màn hình quầy)"`

	// Path is the file the configuration was read from ("" when none existed).
	Path string `toml:"-"`
}

// Default returns the configuration used when the file sets nothing.
func Default() Config {
	return Config{
		Agency: Agency{
			Name:        "BỘ PHẬN TIẾP NHẬN VÀ TRẢ KẾT QUẢ",
			ResultPlace: "Bộ phận Tiếp nhận và Trả kết quả",
		},
		Counter:  1,
		Timezone: "Asia/Ho_Chi_Minh",
		Gateway: Gateway{Timeout: Duration{5 * time.Second}, Retries: 2,
			BreakerFailures: 5, BreakerCooldown: Duration{30 * time.Second}},
		Printer: Printer{Kind: "file", Paper: "80mm", Size: "A4", Timeout: Duration{20 * time.Second}},
		Card:    Card{Timeout: Duration{15 * time.Second}, Portrait: "auto"},
		Input:   Input{ToneStyle: "new"},
		Limits: Limits{
			CacheTTL:   Duration{24 * time.Hour},
			LockWait:   Duration{3 * time.Second},
			CutoffHour: 15,
			IdleLock:   Duration{10 * time.Minute},
			SyncEvery:  Duration{30 * time.Second},
			ReturnHour: 8,
		},
	}
}

// DefaultPath is <user config dir>/motcua/config.toml, the user config dir
// found as os.UserConfigDir finds it in the environment getenv (nil:
// os.Getenv; a test gives its own).
func DefaultPath(getenv func(string) string) (string, error) {
	dir, err := userConfigDir(orProcess(getenv))
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "motcua", "config.toml"), nil
}

// DefaultDataDir is the per-user data directory: %LocalAppData%\motcua on
// Windows, ~/Library/Application Support/motcua on macOS, and
// $XDG_DATA_HOME/motcua (default ~/.local/share/motcua) elsewhere, in the
// environment getenv (nil: os.Getenv).
func DefaultDataDir(getenv func(string) string) (string, error) {
	getenv = orProcess(getenv)
	switch runtime.GOOS {
	case "windows":
		if d := getenv("LocalAppData"); d != "" {
			return filepath.Join(d, "motcua"), nil
		}
	case "darwin":
		home, err := userHomeDir(getenv)
		if err != nil {
			return "", err
		}
		return filepath.Join(home, "Library", "Application Support", "motcua"), nil
	}
	if d := getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "motcua"), nil
	}
	home, err := userHomeDir(getenv)
	if err != nil {
		return "", err
	}
	return filepath.Join(home, ".local", "share", "motcua"), nil
}

// orProcess is getenv, or os.Getenv when nil.
func orProcess(getenv func(string) string) func(string) string {
	if getenv == nil {
		return os.Getenv
	}
	return getenv
}

// userConfigDir is os.UserConfigDir reading the environment through getenv
// (the same variables, the same rules, the same errors).
func userConfigDir(getenv func(string) string) (string, error) {
	var dir string
	switch runtime.GOOS {
	case "windows":
		dir = getenv("AppData")
		if dir == "" {
			return "", errors.New("%AppData% is not defined")
		}
	case "darwin", "ios":
		dir = getenv("HOME")
		if dir == "" {
			return "", errors.New("$HOME is not defined")
		}
		dir += "/Library/Application Support"
	case "plan9":
		dir = getenv("home")
		if dir == "" {
			return "", errors.New("$home is not defined")
		}
		dir += "/lib"
	default: // Unix
		dir = getenv("XDG_CONFIG_HOME")
		if dir == "" {
			dir = getenv("HOME")
			if dir == "" {
				return "", errors.New("neither $XDG_CONFIG_HOME nor $HOME are defined")
			}
			dir += "/.config"
		} else if !filepath.IsAbs(dir) {
			return "", errors.New("path in $XDG_CONFIG_HOME is relative")
		}
	}
	return dir, nil
}

// userHomeDir is os.UserHomeDir reading the environment through getenv.
func userHomeDir(getenv func(string) string) (string, error) {
	env, enverr := "HOME", "$HOME"
	switch runtime.GOOS {
	case "windows":
		env, enverr = "USERPROFILE", "%userprofile%"
	case "plan9":
		env, enverr = "home", "$home"
	}
	if v := getenv(env); v != "" {
		return v, nil
	}
	switch runtime.GOOS { // where the home directory is not always defined
	case "android":
		return "/sdcard", nil
	case "ios":
		return "/", nil
	}
	return "", errors.New(enverr + " is not defined")
}

// Load reads path (the default path when empty; a missing default file is
// not an error), then applies the environment overrides and fills defaults.
// getenv is the environment (nil: os.Getenv): the overrides, and the user's
// directories of the default path and data directory.
func Load(path string, getenv func(string) string) (Config, error) {
	return LoadOnto(Default(), path, getenv)
}

// LoadOnto is Load over base instead of Default: the file's settings, then the environment's,
// replace base's (the demo's configuration under the user's settings).
func LoadOnto(base Config, path string, getenv func(string) string) (Config, error) {
	cfg := base
	explicit := path != ""
	if !explicit {
		p, err := DefaultPath(getenv)
		if err != nil {
			return cfg, err
		}
		path = p
	}
	b, err := os.ReadFile(path)
	if err == nil {
		b, err = decodeText(b)
	}
	switch {
	case err == nil:
		if err := toml.Unmarshal(b, &cfg); err != nil {
			var de *toml.DecodeError
			if errors.As(err, &de) {
				row, col := de.Position()
				return cfg, fmt.Errorf("config %s:%d:%d: %s", path, row, col, de.Error())
			}
			return cfg, fmt.Errorf("config %s: %w", path, err)
		}
		cfg.Path = path
	case errors.Is(err, fs.ErrNotExist) && !explicit:
	default:
		return cfg, fmt.Errorf("config: %w", err)
	}
	if err := cfg.applyEnv(getenv); err != nil {
		return cfg, err
	}
	if cfg.DataDir == "" {
		d, err := DefaultDataDir(getenv)
		if err != nil {
			return cfg, err
		}
		cfg.DataDir = d
	}
	return cfg, cfg.Validate()
}

// decodeText returns the file's text as UTF-8. Windows tools often put a
// byte order mark in front: Notepad's "UTF-8 with BOM", PowerShell 5's
// Out-File and ">" (UTF-16LE). The mark decides the encoding and is dropped;
// without one the bytes are taken as UTF-8, unchanged.
func decodeText(b []byte) ([]byte, error) {
	out, _, err := transform.Bytes(unicode.BOMOverride(transform.Nop), b)
	return out, err
}

// EnvOverride is one MOTCUA_* environment variable and the setting it overrides.
type EnvOverride struct {
	Name, Field string
	set         func(c *Config, v string) error
}

func setString(f func(*Config) *string) func(*Config, string) error {
	return func(c *Config, v string) error { *f(c) = v; return nil }
}

func setDuration(f func(*Config) *Duration) func(*Config, string) error {
	return func(c *Config, v string) error { return f(c).UnmarshalText([]byte(v)) }
}

func setInt(f func(*Config) *int) func(*Config, string) error {
	return func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil {
			return err
		}
		*f(c) = n
		return nil
	}
}

// Env lists the environment overrides, applied after the file.
var Env = []EnvOverride{
	{"MOTCUA_AGENCY_CODE", "agency.code", setString(func(c *Config) *string { return &c.Agency.Code })},
	{"MOTCUA_COUNTER", "counter", func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		c.Counter = n
		return err
	}},
	{"MOTCUA_GATEWAY_URL", "gateway.url", setString(func(c *Config) *string { return &c.Gateway.URL })},
	{"MOTCUA_GATEWAY_TOKEN", "gateway.token", setString(func(c *Config) *string { return &c.Gateway.Token })},
	{"MOTCUA_GATEWAY_TIMEOUT", "gateway.timeout", setDuration(func(c *Config) *Duration { return &c.Gateway.Timeout })},
	{"MOTCUA_GATEWAY_BUDGET", "gateway.budget", setDuration(func(c *Config) *Duration { return &c.Gateway.Budget })},
	{"MOTCUA_GATEWAY_RETRIES", "gateway.retries", setInt(func(c *Config) *int { return &c.Gateway.Retries })},
	{"MOTCUA_GATEWAY_BREAKER_FAILURES", "gateway.breaker_failures", setInt(func(c *Config) *int { return &c.Gateway.BreakerFailures })},
	{"MOTCUA_GATEWAY_BREAKER_COOLDOWN", "gateway.breaker_cooldown", setDuration(func(c *Config) *Duration { return &c.Gateway.BreakerCooldown })},
	{"MOTCUA_GATEWAY_CA_FILE", "gateway.ca_file", setString(func(c *Config) *string { return &c.Gateway.CAFile })},
	{"MOTCUA_GATEWAY_CERT_FILE", "gateway.cert_file", setString(func(c *Config) *string { return &c.Gateway.CertFile })},
	{"MOTCUA_GATEWAY_KEY_FILE", "gateway.key_file", setString(func(c *Config) *string { return &c.Gateway.KeyFile })},
	{"MOTCUA_PRINTER_DIR", "printer.dir", setString(func(c *Config) *string { return &c.Printer.Dir })},
	{"MOTCUA_PRINTER_KIND", "printer.kind", setString(func(c *Config) *string { return &c.Printer.Kind })},
	{"MOTCUA_PRINTER_URI", "printer.uri", setString(func(c *Config) *string { return &c.Printer.URI })},
	{"MOTCUA_PRINTER_ADDRESS", "printer.address", setString(func(c *Config) *string { return &c.Printer.Address })},
	{"MOTCUA_CARD_READER", "card.reader", setString(func(c *Config) *string { return &c.Card.Reader })},
	{"MOTCUA_CARD_TRACE", "card.trace", setString(func(c *Config) *string { return &c.Card.Trace })},
	{"MOTCUA_CARD_PORTRAIT", "card.portrait", setString(func(c *Config) *string { return &c.Card.Portrait })},
	{"MOTCUA_CACHE_TTL", "limits.cache_ttl", setDuration(func(c *Config) *Duration { return &c.Limits.CacheTTL })},
	{"MOTCUA_CALENDAR", "calendar", setString(func(c *Config) *string { return &c.Calendar })},
	{"MOTCUA_FEES", "fees", setString(func(c *Config) *string { return &c.Fees })},
	{"MOTCUA_DATA_DIR", "data_dir", setString(func(c *Config) *string { return &c.DataDir })},
	{"MOTCUA_KEY_FILE", "key_file", setString(func(c *Config) *string { return &c.KeyFile })},
	{"MOTCUA_IDLE_LOCK", "limits.idle_lock", setDuration(func(c *Config) *Duration { return &c.Limits.IdleLock })},
	{"MOTCUA_SYNC_EVERY", "limits.sync_every", setDuration(func(c *Config) *Duration { return &c.Limits.SyncEvery })},
}

func (c *Config) applyEnv(getenv func(string) string) error {
	getenv = orProcess(getenv)
	for _, e := range Env {
		if v := getenv(e.Name); v != "" {
			if err := e.set(c, v); err != nil {
				return fmt.Errorf("environment %s: %w", e.Name, err)
			}
		}
	}
	return nil
}

// ErrThermalForms is wrapped by Validate's refusal of a form printed with every reception or
// hand-over (printer.control_sheet, printer.handover_slip) on an escpos thermal printer, which
// prints receipts only.
var ErrThermalForms = errors.New("config: an escpos thermal printer prints receipts only")

// Validate checks the values that would otherwise fail later and obscurely.
func (c Config) Validate() error {
	if c.Counter < 1 || c.Counter > 99 {
		return fmt.Errorf("config: counter must be 1..99, got %d", c.Counter)
	}
	switch p := c.Printer; p.Kind {
	case "file":
	case "ipp":
		if p.URI == "" {
			return errors.New("config: printer.kind ipp needs printer.uri")
		}
	case "escpos":
		if (p.Address == "") == (p.Device == "") {
			return errors.New("config: printer.kind escpos needs printer.address or printer.device (one of them)")
		}
		if p.Paper != "80mm" && p.Paper != "58mm" {
			return fmt.Errorf("config: printer.paper %q: 80mm or 58mm", p.Paper)
		}
		// every reception (hand-over) would report the form refused
		if p.ControlSheet {
			return fmt.Errorf("%w: printer.control_sheet needs a printer of forms (file or ipp)", ErrThermalForms)
		}
		if p.HandoverSlip {
			return fmt.Errorf("%w: printer.handover_slip needs a printer of forms (file or ipp)", ErrThermalForms)
		}
	default:
		return fmt.Errorf("config: printer.kind %q is not supported (file, ipp, escpos)", p.Kind)
	}
	if s := c.Printer.Size; s != "A4" && s != "A5" {
		return fmt.Errorf("config: printer.size %q: A4 or A5", s)
	}
	if !slices.Contains(PortraitModes, c.Card.Portrait) {
		return fmt.Errorf("config: card.portrait %q: one of %s", c.Card.Portrait, strings.Join(PortraitModes, ", "))
	}
	if s := c.Input.ToneStyle; s != "new" && s != "old" {
		return fmt.Errorf("config: input.tone_style %q: new or old", s)
	}
	if _, err := time.LoadLocation(c.Timezone); err != nil {
		return fmt.Errorf("config: timezone %q: %w", c.Timezone, err)
	}
	if c.Limits.CutoffHour < 0 || c.Limits.CutoffHour > 23 || c.Limits.ReturnHour < 0 || c.Limits.ReturnHour > 23 {
		return errors.New("config: limits.cutoff_hour and limits.return_hour must be 0..23")
	}
	return nil
}

// Location is the counter's time zone (validated by Load).
func (c Config) Location() *time.Location {
	loc, err := time.LoadLocation(c.Timezone)
	if err != nil {
		return time.Local
	}
	return loc
}

// Encode writes the configuration as TOML (for `motcua config show`).
func (c Config) Encode() ([]byte, error) {
	cc := c
	if cc.Gateway.Token != "" {
		cc.Gateway.Token = "***"
	}
	return toml.Marshal(cc)
}
