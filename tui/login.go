package tui

import (
	"context"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
)

// loginScreen asks for the operator's ID and passphrase: the store opens
// with the operator's key (and again after the idle lock).
type loginScreen struct {
	f    *frame
	keys loginKeys
	id   textinput.Model
	pass textinput.Model
}

func newLoginScreen(f *frame) *loginScreen {
	s := &loginScreen{f: f, keys: defaultLoginKeys(), id: newInput(), pass: newInput()}
	s.id.Prompt, s.pass.Prompt = "Mã cán bộ: ", "Mật khẩu:  "
	s.id.CharLimit, s.pass.CharLimit = 64, 256
	s.pass.EchoMode = textinput.EchoPassword
	s.pass.EchoCharacter = '•'
	return s
}

// newInput returns a text input with a steady cursor: a blinking one redraws
// the screen twice a second for nothing on a counter PC.
func newInput() textinput.Model {
	in := textinput.New()
	st := in.Styles()
	st.Cursor.Blink = false
	in.SetStyles(st)
	return in
}

// lock prepares the screen for the next login (the same operator by default).
func (s *loginScreen) lock(opID string) tea.Cmd {
	s.id.SetValue(opID)
	s.pass.Reset()
	if opID == "" {
		s.pass.Blur()
		return s.id.Focus()
	}
	s.id.Blur()
	return s.pass.Focus()
}

func (s *loginScreen) help() []key.Binding { return s.keys.help() }

func (s *loginScreen) update(msg tea.Msg) tea.Cmd {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return s.edit(msg)
	}
	switch {
	case key.Matches(k, s.keys.Next):
		return s.toggle()
	case key.Matches(k, s.keys.Submit):
		if s.id.Focused() {
			return s.toggle()
		}
		id, pass, login := strings.TrimSpace(s.id.Value()), s.pass.Value(), s.f.opt.Login
		if id == "" || pass == "" || login == nil {
			s.f.fail("Nhập mã cán bộ và mật khẩu.")
			return nil
		}
		s.pass.Reset()
		return s.f.io("Đang mở khóa kho dữ liệu…", 30*time.Second, func(ctx context.Context) tea.Msg {
			b, op, err := login(ctx, id, pass)
			return loginMsg{backend: b, op: op, err: err}
		})
	}
	return s.edit(msg)
}

func (s *loginScreen) toggle() tea.Cmd {
	if s.id.Focused() {
		s.id.Blur()
		return s.pass.Focus()
	}
	s.pass.Blur()
	return s.id.Focus()
}

func (s *loginScreen) edit(msg tea.Msg) tea.Cmd {
	var cmd tea.Cmd
	if s.id.Focused() {
		s.id, cmd = s.id.Update(msg)
	} else {
		s.pass, cmd = s.pass.Update(msg)
	}
	return cmd
}

func (s *loginScreen) view(int, int) string {
	var b strings.Builder
	b.WriteString(s.f.st.Subtitle.Render("Đăng nhập") + "\n\n")
	b.WriteString("Kho dữ liệu trên máy được mã hóa: mỗi cán bộ mở bằng mật khẩu của mình.\n\n")
	b.WriteString(s.id.View() + "\n" + s.pass.View() + "\n")
	return b.String()
}
