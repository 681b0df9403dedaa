package counter

import (
	"errors"
	"fmt"
	"strings"

	"motcua/forms"
	"motcua/forms/calendar"
	"motcua/forms/lifecycle"
	"motcua/lookups"
	"motcua/lookups/gateway"
	"motcua/offline"
	"motcua/printing"
)

// Explain turns any error of the counter's work into a short Vietnamese
// message for the clerk that says what to do next.
func Explain(err error) string {
	if err == nil {
		return ""
	}
	var ve *forms.ValidationError
	var ge *gateway.Error
	var pe *printing.Error
	var fe *ForbiddenError
	var te *lifecycle.TransitionError
	var ce *lifecycle.ChangeError
	var re *forms.RatingError
	var de *DoneError
	var se *SlipError
	var coe *CollectorError
	var cre *calendar.RangeError
	switch {
	case errors.As(err, &te):
		return te.Message()
	case errors.As(err, &ce):
		return ce.Message
	case errors.As(err, &re):
		return re.Message
	case errors.As(err, &se):
		return se.Message
	case errors.As(err, &coe):
		return coe.Message
	case errors.As(err, &cre):
		return cre.Error()
	case errors.As(err, &de):
		return fmt.Sprintf("Đã %s cho hồ sơ %s lúc %s (cán bộ %s) với nội dung khác; không ghi thêm lần nữa. Xem lại: motcua dossier status %s",
			de.Step.Event.Label(), de.Code, de.Step.At.Format("15:04 02/01/2006"), de.Step.By, de.Code)
	case errors.Is(err, ErrNoDossier):
		return "Không có hồ sơ với mã này trên máy và trên hệ thống. Kiểm tra lại mã trên giấy biên nhận."
	case errors.Is(err, ErrBadCode):
		return "Không đọc được mã hồ sơ. Quét lại mã QR trên giấy biên nhận hoặc gõ mã hồ sơ (dạng <mã cơ quan>-<năm tháng ngày>-<số>)."
	case errors.Is(err, ErrBookRange):
		return "Ngày kết thúc phải sau ngày bắt đầu."
	case errors.As(err, &ve):
		msgs := make([]string, 0, len(ve.Problems))
		for _, p := range ve.Problems {
			msgs = append(msgs, p.Message)
		}
		return "Tờ khai chưa đúng: " + strings.Join(msgs, " ")
	case errors.Is(err, ErrReceivedInFuture):
		return "Thời điểm tiếp nhận gốc không được sau thời điểm hiện tại."
	case errors.Is(err, ErrCopyRequester):
		return "Chưa xác định được người yêu cầu chứng thực: chạm thẻ căn cước (F2) hoặc gõ số định danh 12 số và họ tên."
	case errors.Is(err, ErrCopyRequest):
		return fmt.Sprintf("Yêu cầu chứng thực chưa đủ: mỗi bản chính cần tên giấy tờ, số trang (1 đến %d) và số bản sao (1 đến %d). Sửa rồi chứng thực lại.", MaxCopyPages, MaxCopies)
	case errors.Is(err, ErrNoFee):
		return "Hồ sơ này không có phí, lệ phí: không có biên lai thu phí để in."
	case errors.Is(err, ErrNoExportDir):
		return "Máy này chưa có thư mục xuất tệp. Xuất sổ bằng lệnh: motcua certify register --out TỆP.xlsx"
	case errors.Is(err, offline.ErrCertSequenceExhausted):
		return "Sổ chứng thực của quầy này đã dùng hết số của năm. Báo quản trị để mở quyển mới."
	case errors.Is(err, ErrVolunteer):
		return "Tình nguyện viên chỉ chuẩn bị tờ khai, không tiếp nhận hồ sơ: hãy chuyển tờ khai (đã lưu nháp) cho cán bộ một cửa tiếp nhận."
	case errors.As(err, &fe):
		return forbiddenMessage(fe)
	case errors.Is(err, ErrNotHolder):
		return "Mã cán bộ khác với người đã mở khóa kho dữ liệu. Hãy dùng đúng mã cán bộ đã đăng nhập."
	case errors.Is(err, ErrKeyReused):
		return "Khóa chống trùng này đã dùng cho một tờ khai khác. Hãy dùng khóa mới cho tờ khai mới."
	case errors.Is(err, ErrBadKey):
		return "Khóa chống trùng không hợp lệ: cần 1 đến 200 ký tự, không có ký tự điều khiển."
	case errors.Is(err, offline.ErrNoOperator):
		return "Không có cán bộ với mã này trong kho dữ liệu. Hãy kiểm tra lại mã cán bộ (--operator)."
	case errors.Is(err, offline.ErrLoginDelayed), errors.Is(err, offline.ErrBadPassphrase), errors.Is(err, offline.ErrOperatorDisabled):
		return offline.ClerkMessage(err)
	case errors.Is(err, forms.ErrSpecChanged):
		return "Mẫu tờ khai đã được cập nhật sau khi lưu bản nháp này: hãy lập tờ khai mới."
	case errors.Is(err, ErrNotCached):
		// Say what happened: the look-up could not be made, and why.
		return "Chưa tra cứu được (máy chưa có bản lưu tạm còn hạn của người này): " + gateway.ClerkMessage(err)
	case errors.Is(err, lookups.ErrNotFound):
		return "Không có công dân mang số định danh này trong Cơ sở dữ liệu quốc gia về dân cư. Kiểm tra lại số."
	case errors.As(err, &ge):
		return gateway.ClerkMessage(err)
	case errors.As(err, &pe) && pe.Clerk != "":
		return pe.Clerk
	case errors.Is(err, offline.ErrBusy), errors.Is(err, offline.ErrCounterLocked), errors.Is(err, offline.ErrStoreTooNew),
		errors.Is(err, offline.ErrSequenceExhausted), errors.Is(err, offline.ErrUnsealable),
		errors.Is(err, offline.ErrNotFound):
		return offline.ClerkMessage(err)
	}
	return "Có lỗi ngoài dự kiến. Thử lại; nếu vẫn lỗi, báo cho quản trị hệ thống."
}

// Explain is the method form of the package function, for the TUI.
func (s *Service) Explain(err error) string { return Explain(err) }
