package offline

import (
	"errors"
	"fmt"
)

// WaitMessage is what a command shows when OnWait is called.
const WaitMessage = "Đang chờ dữ liệu: một lệnh khác đang ghi, vui lòng đợi vài giây…"

// ClerkMessage turns an error of this package into a short Vietnamese message for the clerk
// that says what to do next. Errors it does not know get a generic message.
func ClerkMessage(err error) string {
	var locked *CounterLockedError
	switch {
	case err == nil:
		return ""
	case errors.As(err, &locked):
		h := locked.Holder
		if h.PID == 0 {
			return "Quầy này đang mở motcua ở một cửa sổ khác. Hãy dùng cửa sổ đó, hoặc đóng nó rồi mở lại."
		}
		return fmt.Sprintf("Quầy này đang mở motcua ở một cửa sổ khác (máy %s, tiến trình %d, từ %s). Hãy dùng cửa sổ đó, hoặc đóng nó rồi mở lại.",
			h.Host, h.PID, h.Since.Local().Format("15:04 02/01/2006"))
	case errors.Is(err, ErrBusy):
		return "Dữ liệu đang được một lệnh khác sử dụng quá lâu. Hãy đợi một lát rồi thử lại."
	case errors.Is(err, ErrSequenceExhausted):
		return "Quầy đã dùng hết số hồ sơ của ngày hôm nay. Hãy báo quản trị viên."
	case errors.Is(err, ErrNotFound):
		return "Không tìm thấy hồ sơ này trong máy. Hãy kiểm tra lại mã hồ sơ."
	case errors.Is(err, ErrUnsealable):
		return "Không đọc được dữ liệu đã lưu (khóa hoặc tệp không khớp). Hãy báo quản trị viên."
	}
	return "Lỗi kho dữ liệu trong máy. Hãy thử lại; nếu vẫn lỗi, báo quản trị viên."
}
