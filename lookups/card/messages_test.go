package card

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// TestExplainByMethodAndStatus: the clerk's message follows the access
// method and the status word, and names the file concerned; two different
// problems never share one generic sentence.
func TestExplainByMethodAndStatus(t *testing.T) {
	for _, c := range []struct {
		name      string
		err       error
		want, not []string
	}{
		{"wrong CAN", &AccessError{Method: "PACE-CAN", SW: 0x6300}, []string{"6 số cuối"}, []string{"MRZ"}},
		{"wrong MRZ key, BAC, 6988", &AccessError{Method: "BAC", SW: 0x6988}, []string{"khóa MRZ", "ngày sinh", "ngày hết hạn", "cùng khóa sẽ không được"}, []string{"6 số cuối", "6988", "Hãy đặt lại thẻ"}},
		{"wrong MRZ key, BAC, 6300", &AccessError{Method: "BAC", SW: 0x6300}, []string{"khóa MRZ"}, []string{"6 số cuối"}},
		{"wrong MRZ key, PACE, tries left", &AccessError{Method: "PACE-MRZ", SW: 0x63C2}, []string{"khóa MRZ", "còn 2 lần thử"}, nil},
		{"malformed EF.COM", &FileError{File: "EF.COM", Err: errors.New("no tag list")}, []string{"EF.COM"}, []string{"DG13"}},
		{"malformed DG1", &FileError{File: "DG1", Err: errors.New("x")}, []string{"DG1 (MRZ)"}, nil},
		{"a card without DG13", fmt.Errorf("%w (x)", ErrNoDG13), []string{"DG13", "không phải thẻ căn cước"}, []string{"cấu trúc"}},
		{"bare status word", &UnprotectedError{SW: 0x6982, What: "read DG15"}, []string{"6982", "DG15", "ngoài kênh bảo mật"}, nil},
		{"file not found", &StatusError{SW: 0x6A82, What: "read DG2"}, []string{"Chip không có tệp DG2"}, nil},
		{"refused", &StatusError{SW: 0x6982, What: "select EF.SOD"}, []string{"từ chối", "EF.SOD"}, nil},
		{"no answer", fmt.Errorf("%w (watchdog)", ErrNoAnswer), []string{"không trả lời", "rút đầu đọc"}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := Explain(c.err)
			for _, w := range c.want {
				if !strings.Contains(m, w) {
					t.Errorf("%q lacks %q", m, w)
				}
			}
			for _, w := range c.not {
				if strings.Contains(m, w) {
					t.Errorf("%q has %q", m, w)
				}
			}
			if strings.Contains(m, "card:") || !strings.HasSuffix(m, ".") {
				t.Errorf("not a clerk's sentence: %q", m)
			}
		})
	}
	if Explain(&FileError{File: "EF.COM"}) == Explain(ErrNoDG13) {
		t.Error("a malformed EF.COM and a card without DG13 get one message")
	}
}

// TestBACWrongKeyAnswered6988: chips answering a wrong BAC cryptogram with
// 6988 (not 6300) refuse the key: an AccessError, the MRZ advice.
func TestBACWrongKeyAnswered6988(t *testing.T) {
	sc := &scripted{t: t, steps: [][2][]byte{
		{unhex("0084000008"), unhex("46 08 F9 19 88 70 22 12 90 00")},
		{nil, unhex("69 88")},
	}}
	s := &session{link: NewLink(sc, nil)}
	err := s.bac(context.Background(), Key{DocNo: "L898902C<", Birth: "690806", Expiry: "940623"}, strings.NewReader(strings.Repeat("x", 24)))
	var ae *AccessError
	if !errors.As(err, &ae) || ae.Method != "BAC" || ae.SW != 0x6988 || !errors.Is(err, ErrAccessDenied) {
		t.Fatalf("%v", err)
	}
	if !strings.Contains(Explain(err), "khóa MRZ") {
		t.Errorf("%q", Explain(err))
	}
}
