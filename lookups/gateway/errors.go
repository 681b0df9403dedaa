package gateway

import (
	"context"
	"errors"
	"fmt"
	"time"

	"motcua/lookups"
	"motcua/lookups/vntext"
)

// Kinds of failure; test them with errors.Is on any error the client returns.
var (
	ErrMissingMeta  = errors.New("gateway: call without operator or purpose")
	ErrInvalidInput = errors.New("gateway: invalid input")
	ErrUnreachable  = errors.New("gateway: unreachable")
	ErrTimeout      = errors.New("gateway: timed out")
	ErrCanceled     = errors.New("gateway: call canceled")
	ErrUnauthorized = errors.New("gateway: unauthorized")
	ErrInvalidID    = errors.New("gateway: invalid personal ID number")
	ErrRejected     = errors.New("gateway: request rejected")
	ErrConflict     = errors.New("gateway: conflict")
	ErrServer       = errors.New("gateway: server error")
	ErrBadResponse  = errors.New("gateway: malformed response")

	// ErrCircuitOpen is returned at once, without a network call, while the
	// circuit breaker is open after repeated failures. It also matches
	// ErrUnreachable, so callers that fall back to the cache need no change.
	ErrCircuitOpen error = circuitOpen{}

	// ErrUnacknowledged: the gateway answered a submission with a 2xx that does
	// not acknowledge it (empty, null, another dossier's code, a status the
	// contract does not define). The dossier is not sent. It also matches
	// ErrBadResponse.
	ErrUnacknowledged error = &subKind{"gateway: submission not acknowledged", ErrBadResponse}

	// ErrRedirected: the gateway answered with a redirect (3xx). The client
	// follows none: the request, its body and its token go nowhere else. It
	// also matches ErrBadResponse.
	ErrRedirected error = &subKind{"gateway: redirect refused", ErrBadResponse}
)

// errAnswerWait: the gateway answered, but the call's budget ran out while it
// waited for its share of the answer memory (other large answers were being
// read). A kind of ErrTimeout for the caller; for the breaker, an answer.
var errAnswerWait error = &subKind{"gateway: no time left to read the answer", ErrTimeout}

// subKind is a kind of failure that is also a case of a broader one.
type subKind struct {
	msg    string
	parent error
}

func (k *subKind) Error() string { return k.msg }

// Is makes the kind match its parent kind.
func (k *subKind) Is(target error) bool { return target == k.parent }

type circuitOpen struct{}

func (circuitOpen) Error() string { return "gateway: circuit open, link down" }

// Is makes ErrCircuitOpen match ErrUnreachable.
func (circuitOpen) Is(target error) bool { return target == ErrUnreachable }

// Error is every error the client returns. Status is the HTTP status (0 when no
// answer arrived), Code the contract's error code, Message Vietnamese text from
// the server (may be empty), Err the underlying cause. Error() is English and
// never contains personal data (no ID numbers, no URLs with IDs).
type Error struct {
	Op      string // "lookup", "submit", "status", "health"
	Status  int
	Code    string
	Message string
	Err     error

	// RetryAfter is the server's Retry-After (0 when absent); for
	// ErrCircuitOpen, how long until the breaker lets a probe through.
	RetryAfter time.Duration

	kind error // one of the Err* kinds above, or lookups.ErrNotFound
}

func (e *Error) Error() string {
	s := "gateway " + e.Op
	if e.Status != 0 {
		s += fmt.Sprintf(": status %d", e.Status)
	}
	if e.Code != "" {
		s += " (" + e.Code + ")"
	}
	if e.kind != nil {
		s += ": " + e.kind.Error()
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Is matches the error's kind (ErrUnreachable, ErrConflict, lookups.ErrNotFound...);
// an ErrCircuitOpen error matches ErrUnreachable as well.
func (e *Error) Is(target error) bool {
	return e.kind != nil && (target == e.kind || errors.Is(e.kind, target))
}

// Kind returns the kind sentinel of the error (nil when unclassified).
func (e *Error) Kind() error { return e.kind }

// Messages shown to the clerk.
const (
	msgMissingMeta  = "Thiếu mã cán bộ hoặc mục đích tra cứu. Đăng nhập lại rồi thử lại."
	msgInvalidInput = "Dữ liệu gửi đi chưa đầy đủ. Kiểm tra lại hồ sơ rồi thử lại."
	msgCircuitOpen  = "Mất kết nối cổng dữ liệu (đã tạm ngừng gọi sau nhiều lần lỗi liên tiếp): chưa lấy được dữ liệu. Kiểm tra mạng rồi thử lại."
	msgCircuitSend  = "Mất kết nối cổng dữ liệu: hồ sơ đã lưu trên máy và sẽ tự gửi khi có kết nối. Kiểm tra mạng."
	msgUnreachable  = "Không kết nối được cổng dữ liệu dân cư. Kiểm tra mạng rồi thử lại."
	msgTimeout      = "Cổng dữ liệu dân cư không trả lời kịp. Thử lại sau ít phút."
	msgCanceled     = "Đã hủy yêu cầu gửi cổng dữ liệu dân cư."
	msgUnauthorized = "Cổng dữ liệu từ chối quyền truy cập. Kiểm tra mã truy cập trong cấu hình."
	msgNotFound     = "Không tìm thấy công dân có số định danh này. Kiểm tra lại số trên thẻ."
	msgInvalidID    = "Số định danh cá nhân không hợp lệ. Kiểm tra lại 12 chữ số."
	msgRejected     = "Cổng dữ liệu từ chối yêu cầu. Kiểm tra lại thông tin rồi thử lại."
	msgConflict     = "Mã hồ sơ này đã được gửi với nội dung khác. Kiểm tra lại hồ sơ, không gửi trùng."
	msgServer       = "Cổng dữ liệu dân cư đang gặp lỗi. Thử lại sau ít phút."
	msgBadResponse  = "Cổng dữ liệu trả lời không đúng định dạng. Báo bộ phận kỹ thuật."
	msgUnacked      = "Cổng dữ liệu chưa xác nhận đã nhận hồ sơ này (câu trả lời không nêu đúng mã hồ sơ và trạng thái đã tiếp nhận): hồ sơ vẫn chờ gửi và sẽ được gửi lại. Báo bộ phận kỹ thuật nếu lặp lại."
	msgRedirected   = "Cổng dữ liệu chuyển sang một địa chỉ khác; motcua không gửi dữ liệu theo. Kiểm tra địa chỉ cổng (gateway.url) hoặc báo bộ phận kỹ thuật."
	msgUnknown      = "Có lỗi khi gọi cổng dữ liệu dân cư. Thử lại hoặc báo bộ phận kỹ thuật."
)

// ClerkMessage returns a short Vietnamese text saying what went wrong and what to
// do next, for any error returned by the client ("" for nil).
func ClerkMessage(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, ErrMissingMeta):
		return msgMissingMeta
	case errors.Is(err, ErrInvalidInput):
		return msgInvalidInput
	case errors.Is(err, ErrTimeout), errors.Is(err, context.DeadlineExceeded):
		return msgTimeout
	case errors.Is(err, ErrCanceled), errors.Is(err, context.Canceled):
		return msgCanceled
	case errors.Is(err, ErrCircuitOpen):
		// Say what happened: nothing was looked up; a dossier waits in the queue.
		var ge *Error
		if errors.As(err, &ge) && ge.Op == "submit" {
			return msgCircuitSend
		}
		return msgCircuitOpen
	case errors.Is(err, ErrUnreachable):
		return msgUnreachable
	case errors.Is(err, ErrUnauthorized):
		return msgUnauthorized
	case errors.Is(err, lookups.ErrNotFound):
		return msgNotFound
	case errors.Is(err, ErrInvalidID):
		return msgInvalidID
	case errors.Is(err, ErrConflict):
		return msgConflict
	case errors.Is(err, ErrServer):
		return msgServer
	case errors.Is(err, ErrUnacknowledged):
		return msgUnacked
	case errors.Is(err, ErrRedirected):
		return msgRedirected
	case errors.Is(err, ErrBadResponse):
		return msgBadResponse
	case errors.Is(err, ErrRejected):
		var ge *Error
		if errors.As(err, &ge) && ge.Message != "" {
			return vntext.Display(ge.Message) // set by the client already; a caller's *Error too
		}
		return msgRejected
	}
	return msgUnknown
}
