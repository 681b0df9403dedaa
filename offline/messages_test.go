package offline

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"golang.org/x/text/unicode/norm"
)

func TestClerkMessages(t *testing.T) {
	cases := []struct {
		err  error
		want string
	}{
		{fmt.Errorf("wrapped: %w", ErrBusy), "Dữ liệu đang được một lệnh khác sử dụng quá lâu. Hãy đợi một lát rồi thử lại."},
		{fmt.Errorf("x: %w", ErrSequenceExhausted), "Quầy đã dùng hết số hồ sơ của ngày hôm nay. Hãy báo quản trị viên."},
		{fmt.Errorf("x: %w", ErrNotFound), "Không tìm thấy hồ sơ này trong máy. Hãy kiểm tra lại mã hồ sơ."},
		{fmt.Errorf("x: %w", ErrUnsealable), "Không đọc được dữ liệu đã lưu (khóa hoặc tệp không khớp). Hãy báo quản trị viên."},
		{&CounterLockedError{}, "Quầy này đang mở motcua ở một cửa sổ khác. Hãy dùng cửa sổ đó, hoặc đóng nó rồi mở lại."},
		{&CounterLockedError{Holder: CounterHolder{PID: 42, Host: "may-quay-3", Since: time.Date(2026, 3, 5, 7, 30, 0, 0, time.Local)}},
			"Quầy này đang mở motcua ở một cửa sổ khác (máy may-quay-3, tiến trình 42, từ 07:30 05/03/2026). Hãy dùng cửa sổ đó, hoặc đóng nó rồi mở lại."},
		{fmt.Errorf("x: %w", ErrStoreTooNew), "Tệp dữ liệu này do một phiên bản motcua mới hơn ghi ra; phiên bản đang chạy không mở được. Hãy cập nhật motcua lên phiên bản mới rồi mở lại."},
		{errors.New("disk on fire"), "Lỗi kho dữ liệu trong máy. Hãy thử lại; nếu vẫn lỗi, báo quản trị viên."},
		{nil, ""},
	}
	for _, c := range cases {
		got := ClerkMessage(c.err)
		if got != c.want {
			t.Errorf("ClerkMessage(%v) = %q, want %q", c.err, got, c.want)
		}
		if !norm.NFC.IsNormalString(got) {
			t.Errorf("message %q is not NFC", got)
		}
	}
	generic := ClerkMessage(errors.New("x"))
	seen := map[string]error{}
	for _, e := range []error{ErrBadPassphrase, ErrOperatorDisabled, ErrWeakPassphrase, ErrOperatorExists, ErrNoOperator,
		ErrLastSupervisor, ErrInvalidOperator, ErrLocked, ErrNotEncrypted, ErrNoStore, ErrAlreadyInitialized,
		ErrKeyFileMode, ErrBadKeyFile, ErrAuditBroken, ErrStoreTooNew} {
		msg := ClerkMessage(fmt.Errorf("ctx: %w", e))
		if msg == generic || !norm.NFC.IsNormalString(msg) || seen[msg] != nil {
			t.Errorf("%v: message %q is generic, not NFC or shared with %v", e, msg, seen[msg])
		}
		seen[msg] = e
	}
	if !norm.NFC.IsNormalString(WaitMessage) {
		t.Error("WaitMessage is not NFC")
	}
}
