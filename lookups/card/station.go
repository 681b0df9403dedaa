package card

import (
	"context"
	"errors"
	"fmt"

	"motcua/lookups"
)

// Station is where the clerk taps a card: a PC/SC reader, or the chip
// emulator holding the synthetic persons' cards (demo and training).
type Station interface {
	// Name is shown in the status bar.
	Name() string
	// Virtual lists the cards that can be "tapped" by choosing them; nil
	// for a physical reader.
	Virtual() []lookups.CardInfo
	// Read reads the card on the reader (or the chosen virtual card) with
	// key, reporting each step to progress.
	Read(ctx context.Context, virtualID string, key Key, progress func(Progress)) (*Result, error)
}

// Emulated adapts a chip answering APDUs in-process (the emulator) to a
// Transport. Removed is the chip's "card removed" error.
type Emulated struct {
	Chip interface {
		ATR() []byte
		Transmit([]byte) ([]byte, error)
	}
	Removed error
}

// ATR implements Transport.
func (e Emulated) ATR() []byte { return e.Chip.ATR() }

// Transmit implements Transport.
func (e Emulated) Transmit(ctx context.Context, apdu []byte) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	resp, err := e.Chip.Transmit(apdu)
	if err != nil && e.Removed != nil && errors.Is(err, e.Removed) {
		return nil, fmt.Errorf("%w (%v)", ErrRemoved, err)
	}
	return resp, err
}

// PCSCStation reads cards on a PC/SC reader.
type PCSCStation struct {
	P      *PCSC
	Reader string // preferred reader name (substring); "" = first contactless
	Opt    Options
}

// Name implements Station.
func (s *PCSCStation) Name() string {
	if s.Reader != "" {
		return s.Reader
	}
	return "PC/SC"
}

// Virtual implements Station: a physical reader has no virtual cards.
func (s *PCSCStation) Virtual() []lookups.CardInfo { return nil }

// Read implements Station.
func (s *PCSCStation) Read(ctx context.Context, _ string, key Key, progress func(Progress)) (*Result, error) {
	readers, err := s.P.Readers()
	if err != nil {
		return nil, err
	}
	r, err := Pick(readers, s.Reader)
	if err != nil {
		return nil, err
	}
	conn, err := s.P.Connect(r.Name)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	return Read(ctx, conn, key, s.Opt, progress)
}

// Explain returns the Vietnamese message for a read error, with what to do.
func Explain(err error) string {
	var se *StatusError
	switch {
	case err == nil:
		return ""
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
	case errors.Is(err, ErrAccessDenied):
		return "Chip không mở được với số đã nhập: kiểm tra lại 6 số cuối của số định danh in trên thẻ."
	case errors.Is(err, ErrUnprotected):
		var ue *UnprotectedError
		errors.As(err, &ue)
		return fmt.Sprintf("Chip trả lời lỗi %04X ngoài kênh bảo mật: đã dừng đọc (không đọc tiếp khi dữ liệu không được mã hóa). Hãy đặt lại thẻ và thử lại; nếu vẫn vậy, không dùng thẻ này để xác thực.", ue.SW)
	case errors.Is(err, ErrSecureMessaging), errors.Is(err, ErrSessionClosed):
		return "Kênh bảo mật với chip bị lỗi (có thể do thẻ di chuyển). Hãy đặt lại thẻ và thử lại."
	case errors.Is(err, ErrLDS), errors.Is(err, ErrBadResponse):
		return "Dữ liệu trên chip không đúng cấu trúc; không dùng được thẻ này để xác thực."
	case errors.Is(err, context.DeadlineExceeded):
		return "Đọc thẻ quá lâu. Hãy đặt lại thẻ và thử lại."
	case errors.Is(err, context.Canceled):
		return "Đã dừng đọc thẻ."
	case errors.As(err, &se):
		switch se.SW {
		case SWSecurityStatus:
			return "Chip từ chối truy cập dữ liệu này."
		case SWFileNotFound:
			return "Chip không có tệp dữ liệu cần đọc."
		}
		return fmt.Sprintf("Chip trả lời lỗi %04X. Hãy đặt lại thẻ và thử lại.", se.SW)
	}
	return "Không đọc được thẻ. Hãy đặt lại thẻ và thử lại."
}

// Watch reports reader and card changes (see PCSC.Watch).
func (s *PCSCStation) Watch(ctx context.Context) <-chan ReaderEvent { return s.P.Watch(ctx) }
