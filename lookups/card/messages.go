package card

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// Explain returns the Vietnamese message for a read error: what happened
// and what to do next, by access method and status word, naming the card
// file concerned. It never quotes card data.
func Explain(err error) string {
	var (
		ae *AccessError
		ue *UnprotectedError
		fe *FileError
		ie *ItemError
		se *StatusError
	)
	switch {
	case err == nil:
		return ""
	case errors.Is(err, ErrNoAnswer):
		return "Chip hoặc đầu đọc không trả lời (treo giữa chừng). Hãy nhấc thẻ ra, đặt lại và thử lại; nếu vẫn vậy, rút đầu đọc ra cắm lại."
	case errors.Is(err, ErrRemoved):
		return "Thẻ đã rời đầu đọc khi đang đọc. Hãy đặt lại thẻ và giữ yên đến khi đọc xong."
	case errors.Is(err, ErrNoCard):
		return "Chưa có thẻ trên đầu đọc. Hãy đặt thẻ lên đầu đọc."
	case errors.Is(err, ErrNoReader):
		return "Không thấy đầu đọc thẻ. Hãy kiểm tra cáp USB của đầu đọc."
	case errors.Is(err, ErrNoService), errors.Is(err, ErrPCSCUnavailable):
		return "Dịch vụ đầu đọc thẻ (PC/SC) không chạy trên máy này."
	case errors.Is(err, ErrNoKey):
		return "Cần 6 số cuối của số định danh (in trên thẻ) để mở chip."
	case errors.Is(err, ErrNeedMRZ):
		return "Thẻ này chỉ mở bằng khóa MRZ (BAC): cần số giấy tờ, ngày sinh và ngày hết hạn in trên thẻ (motcua card read --mrz)."
	case errors.As(err, &ae):
		return accessMessage(ae)
	case errors.Is(err, ErrAccessDenied):
		return "Chip không mở được với khóa đã nhập: kiểm tra lại số trên thẻ rồi thử lại."
	case errors.As(err, &ue):
		return fmt.Sprintf("Chip trả lời lỗi %04X ngoài kênh bảo mật khi %s: đã dừng đọc (không đọc tiếp khi dữ liệu không được mã hóa). Hãy đặt lại thẻ và thử lại; nếu vẫn vậy, không dùng thẻ này để xác thực.", ue.SW, doing(ue.What))
	case errors.Is(err, ErrSecureMessaging), errors.Is(err, ErrSessionClosed):
		return "Kênh bảo mật với chip bị lỗi (mã kiểm tra sai; có thể do thẻ di chuyển). Hãy đặt lại thẻ và thử lại; nếu lặp lại, không dùng thẻ này để xác thực."
	case errors.Is(err, ErrNoDG13):
		return "Chip không có dữ liệu công dân (DG13): đây không phải thẻ căn cước Việt Nam (có thể là hộ chiếu hoặc giấy tờ nước ngoài). Hãy tra cứu theo số định danh."
	case errors.As(err, &ie):
		return fmt.Sprintf("Mục %s (mục %d) trong dữ liệu công dân (DG13) không đọc được; không dùng được thẻ này để điền tờ khai.", itemLabels[ie.Item], ie.Item)
	case errors.As(err, &fe):
		return fmt.Sprintf("Tệp %s trên chip không đúng cấu trúc; không dùng được thẻ này để xác thực. Hãy tra cứu theo số định danh.", fileLabel(fe.File))
	case errors.Is(err, ErrBadResponse):
		return "Chip trả lời sai giao thức; không dùng được thẻ này để xác thực. Hãy đặt lại thẻ và thử lại."
	case errors.Is(err, context.DeadlineExceeded):
		return "Đọc thẻ quá lâu. Hãy đặt lại thẻ và thử lại."
	case errors.Is(err, context.Canceled):
		return "Đã dừng đọc thẻ."
	case errors.As(err, &se):
		return statusMessage(se)
	}
	return "Không đọc được thẻ. Hãy đặt lại thẻ và thử lại."
}

// accessMessage is the advice for a refused key: the CAN is the last six
// digits of the ID, the MRZ key three fields printed on the card; retrying
// the same key will not help.
func accessMessage(e *AccessError) string {
	tries := ""
	if e.SW&0xFFF0 == 0x63C0 {
		tries = fmt.Sprintf(" Chip báo còn %d lần thử.", e.SW&0x0F)
	}
	switch e.Method {
	case "PACE-CAN":
		return "Chip không mở được với 6 số đã nhập: kiểm tra lại 6 số cuối của số định danh in trên thẻ rồi thử lại." + tries
	case "PACE-MRZ", "BAC":
		return "Chip không mở được với khóa MRZ đã nhập: kiểm tra số giấy tờ (9 số cuối của số định danh), ngày sinh và ngày hết hạn in trên thẻ (YYMMDD) rồi thử lại; đọc lại với cùng khóa sẽ không được." + tries
	}
	return "Chip không mở được với khóa đã nhập: kiểm tra lại số trên thẻ rồi thử lại." + tries
}

// statusMessage explains a verified status word by what it means.
func statusMessage(e *StatusError) string {
	what := doing(e.What)
	switch e.SW {
	case SWSecurityStatus:
		return fmt.Sprintf("Chip từ chối %s (không đủ quyền truy cập). Hãy đặt lại thẻ và thử lại.", what)
	case SWFileNotFound:
		return fmt.Sprintf("Chip không có %s. Thẻ này không đọc được đầy đủ; hãy tra cứu theo số định danh.", strings.TrimPrefix(what, "đọc "))
	case SWSMObjectsWrong:
		return "Chip từ chối kênh bảo mật (lỗi 6988). Hãy đặt lại thẻ và thử lại; nếu lặp lại, không dùng thẻ này để xác thực."
	case SWInsNotSupported, 0x6E00:
		return fmt.Sprintf("Chip không hỗ trợ lệnh khi %s (lỗi %04X): có thể đây không phải thẻ căn cước gắn chip.", what, e.SW)
	}
	return fmt.Sprintf("Chip trả lời lỗi %04X khi %s. Hãy đặt lại thẻ và thử lại.", e.SW, what)
}

// doing puts a command of the trace ("read DG13", "select EF.COM",
// "general authenticate") in Vietnamese words for the clerk.
func doing(what string) string {
	verb, file, _ := strings.Cut(what, " ")
	switch verb {
	case "read", "select":
		if file != "" && (strings.HasPrefix(file, "DG") || strings.HasPrefix(file, "EF.")) {
			return "đọc " + fileLabel(file)
		}
	}
	switch {
	case strings.Contains(what, "internal authenticate"):
		return "xác thực chủ động"
	case strings.Contains(what, "CA"), strings.Contains(what, "KAT"):
		return "xác thực chip"
	case strings.Contains(what, "authenticate"), strings.Contains(what, "challenge"), strings.Contains(what, "PACE"):
		return "mở khóa chip"
	case strings.Contains(what, "application"):
		return "chọn ứng dụng eMRTD"
	}
	return "đọc thẻ"
}

// fileLabel names a card file for the clerk.
func fileLabel(file string) string {
	switch file {
	case "DG1":
		return "tệp DG1 (MRZ)"
	case "DG2":
		return "tệp DG2 (ảnh chân dung)"
	case "DG13":
		return "tệp DG13 (thông tin công dân)"
	case "DG14":
		return "tệp DG14 (khóa xác thực chip)"
	case "DG15":
		return "tệp DG15 (khóa xác thực chủ động)"
	case "EF.SOD":
		return "tệp EF.SOD (chữ ký số)"
	case "EF.COM":
		return "tệp EF.COM (danh mục dữ liệu)"
	case "":
		return "tệp dữ liệu"
	}
	return "tệp " + file
}

// Kind names the kind of a read error with a stable token for scripts
// (card read --json): removed, no_answer, no_card, no_reader, no_service,
// no_key, need_mrz, access_denied, unprotected, secure_messaging, no_dg13,
// malformed_file, bad_response, timeout, canceled, status, other.
func Kind(err error) string {
	for _, k := range []struct {
		err  error
		kind string
	}{
		{ErrNoAnswer, "no_answer"}, {ErrRemoved, "removed"}, {ErrNoCard, "no_card"}, {ErrNoReader, "no_reader"},
		{ErrNoService, "no_service"}, {ErrPCSCUnavailable, "no_service"}, {ErrNoKey, "no_key"}, {ErrNeedMRZ, "need_mrz"},
		{ErrAccessDenied, "access_denied"}, {ErrUnprotected, "unprotected"}, {ErrSecureMessaging, "secure_messaging"},
		{ErrSessionClosed, "secure_messaging"}, {ErrNoDG13, "no_dg13"}, {ErrLDS, "malformed_file"}, {ErrBadResponse, "bad_response"},
		{context.DeadlineExceeded, "timeout"}, {context.Canceled, "canceled"},
	} {
		if errors.Is(err, k.err) {
			return k.kind
		}
	}
	if _, ok := SW(err); ok {
		return "status"
	}
	return "other"
}
