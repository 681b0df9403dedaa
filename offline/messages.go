package offline

import (
	"errors"
	"fmt"
	"time"
)

// WaitMessage is what a command shows when OnWait is called.
const WaitMessage = "Đang chờ dữ liệu: một lệnh khác đang ghi, vui lòng đợi vài giây…"

// StoreTooNewMessage is what the clerk is told about ErrStoreTooNew.
const StoreTooNewMessage = "Tệp dữ liệu này do một phiên bản motcua mới hơn ghi ra; phiên bản đang chạy không mở được. Hãy cập nhật motcua lên phiên bản mới rồi mở lại."

// ClerkMessage turns an error of this package into a short Vietnamese message for the clerk
// that says what to do next. Errors it does not know get a generic message. Times are
// written in the process's zone; ClerkMessageIn takes the counter's.
func ClerkMessage(err error) string { return ClerkMessageIn(err, time.Local) }

// ClerkMessageIn is ClerkMessage with the times in loc (the counter's zone).
func ClerkMessageIn(err error, loc *time.Location) string {
	var locked *CounterLockedError
	var delayed *LoginDelayError
	switch {
	case err == nil:
		return ""
	case errors.As(err, &delayed):
		wait := FormatWait(delayed.Wait)
		switch {
		case errors.Is(delayed.Cause, ErrOperatorDisabled):
			return ClerkMessageIn(delayed.Cause, loc)
		case delayed.Cause != nil:
			return "Sai mã cán bộ hoặc mật khẩu, đã sai nhiều lần liên tiếp. Hãy đợi " + wait + " rồi nhập lại."
		}
		return "Đã nhập sai mật khẩu nhiều lần liên tiếp. Hãy đợi " + wait + " rồi thử lại."
	case errors.As(err, &locked):
		h := locked.Holder
		if h.PID == 0 {
			return "Quầy này đang mở motcua ở một cửa sổ khác. Hãy dùng cửa sổ đó, hoặc đóng nó rồi mở lại."
		}
		return fmt.Sprintf("Quầy này đang mở motcua ở một cửa sổ khác (máy %s, tiến trình %d, từ %s). Hãy dùng cửa sổ đó, hoặc đóng nó rồi mở lại.",
			h.Host, h.PID, h.Since.In(loc).Format("15:04 02/01/2006"))
	case errors.Is(err, ErrStoreTooNew):
		return StoreTooNewMessage
	case errors.Is(err, ErrBusy):
		return "Dữ liệu đang được một lệnh khác sử dụng quá lâu. Hãy đợi một lát rồi thử lại."
	case errors.Is(err, ErrSequenceExhausted):
		return "Quầy đã dùng hết số hồ sơ của ngày hôm nay. Hãy báo quản trị viên."
	case errors.Is(err, ErrNotFound):
		return "Không tìm thấy hồ sơ này trong máy. Hãy kiểm tra lại mã hồ sơ."
	case errors.Is(err, ErrBadPassphrase):
		return "Sai mã cán bộ hoặc mật khẩu. Hãy nhập lại."
	case errors.Is(err, ErrOperatorDisabled):
		return "Tài khoản cán bộ này đã bị khóa. Hãy liên hệ cán bộ phụ trách (giám sát)."
	case errors.Is(err, ErrWeakPassphrase):
		return fmt.Sprintf("Mật khẩu quá ngắn. Hãy chọn mật khẩu có ít nhất %d ký tự.", MinPassphraseRunes)
	case errors.Is(err, ErrOperatorExists):
		return "Mã cán bộ này đã được dùng. Hãy chọn mã khác."
	case errors.Is(err, ErrNoOperator):
		return "Không có cán bộ với mã này. Hãy kiểm tra lại mã cán bộ."
	case errors.Is(err, ErrLastSupervisor):
		return "Không thể khóa giám sát viên cuối cùng. Hãy thêm một giám sát viên khác trước."
	case errors.Is(err, ErrInvalidOperator):
		return "Thông tin cán bộ không hợp lệ (mã, họ tên hoặc vai trò). Hãy kiểm tra lại."
	case errors.Is(err, ErrLocked):
		return "Kho dữ liệu đã được mã hóa. Hãy đăng nhập bằng mã cán bộ và mật khẩu."
	case errors.Is(err, ErrNotEncrypted):
		return "Kho dữ liệu chưa được mã hóa. Hãy khởi tạo tài khoản giám sát viên đầu tiên."
	case errors.Is(err, ErrNoStore):
		return "Chưa có kho dữ liệu trong thư mục này. Hãy khởi tạo trước."
	case errors.Is(err, ErrAlreadyInitialized):
		return "Kho dữ liệu đã được khởi tạo. Hãy đăng nhập bằng tài khoản có sẵn."
	case errors.Is(err, ErrKeyFileMode):
		return "Tệp khóa đang để người khác đọc được. Hãy đặt quyền 0600 (chmod 600) rồi chạy lại."
	case errors.Is(err, ErrBadKeyFile):
		return "Tệp khóa không mở được kho này (sai tệp hoặc đã bị thu hồi). Hãy báo giám sát viên."
	case errors.Is(err, ErrKeyRotated):
		return "Khóa dữ liệu vừa được đổi (một tệp khóa bị thu hồi hoặc một cán bộ bị khóa). Hãy đăng nhập lại."
	case errors.Is(err, ErrAuditRollback):
		return "Nhật ký truy cập đã bị đưa về một bản cũ: có mục đã được xác nhận trước đây nay không còn hoặc đã khác. Hãy báo ngay giám sát viên và không sửa gì thêm."
	case errors.Is(err, ErrAuditBroken):
		return "Nhật ký truy cập đã bị sửa hoặc xóa. Hãy báo ngay giám sát viên và không sửa gì thêm."
	case errors.Is(err, ErrUnsealable):
		return "Không đọc được dữ liệu đã lưu (khóa hoặc tệp không khớp). Hãy báo quản trị viên."
	}
	return "Lỗi kho dữ liệu trong máy. Hãy thử lại; nếu vẫn lỗi, báo quản trị viên."
}

// AuditProblemMessage says in Vietnamese what is wrong with the audit chain
// for a kind of AuditReport (what `audit verify` shows); an unknown kind
// gets a general sentence.
func AuditProblemMessage(kind string) string {
	switch kind {
	case AuditInserted:
		return "có một mục lạ được chèn vào nhật ký"
	case AuditMissing:
		return "có mục đã bị xóa khỏi giữa nhật ký"
	case AuditUnreadable:
		return "mục này bị sửa đến mức không đọc được"
	case AuditMisnumbered:
		return "mục này mang số thứ tự khác (bị chuyển chỗ, đảo thứ tự hoặc chèn thêm)"
	case AuditUnlinked:
		return "mục này không nối với mục trước (có mục bị sửa, xóa, chèn hoặc đảo thứ tự)"
	case AuditBadMAC:
		return "nội dung mục này đã bị sửa hoặc bị làm giả"
	case AuditHeadMissing:
		return "dấu kết thúc của nhật ký bị mất hoặc hỏng"
	case AuditHeadBadMAC:
		return "dấu kết thúc của nhật ký đã bị sửa hoặc bị làm giả"
	case AuditTruncated:
		return "các mục cuối của nhật ký đã bị xóa"
	case AuditAppended:
		return "có mục được thêm vào cuối nhật ký mà không có khóa (bị làm giả)"
	case AuditHeadMismatch:
		return "mục cuối không khớp với dấu kết thúc của nhật ký (đã bị sửa)"
	}
	return "nhật ký đã bị thay đổi ngoài phần mềm"
}
