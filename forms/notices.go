package forms

import (
	"time"

	"motcua/forms/lifecycle"
)

// The content of the one-stop counter's forms (Thông tư 03/2025/TT-VPCP, Phụ lục I): plain
// data that internal/counter fills and the printing package lays out. Mẫu 01 is the receipt
// (printing.Receipt). Field lists follow the TT 01/2018/TT-VPCP forms where TT 03/2025's
// could not be confirmed (docs/WORKFLOW.md says which). Every text is Vietnamese, ready to
// print; times are in the counter's zone.

// FormHeader is the top of every form: the agency, the date line, the form's number.
type FormHeader struct {
	ParentAgency  string    // "UBND PHƯỜNG BA ĐÌNH"
	Agency        string    // "BỘ PHẬN TIẾP NHẬN VÀ TRẢ KẾT QUẢ"
	AgencyAddress string    // optional
	Place         string    // the date line's place: "Phường Ba Đình"
	Date          time.Time // the date line
	Number        string    // "Số: ..." (the slip's code, or empty)
}

// SupplementSlip is Mẫu 02, Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ: at reception (the
// declaration is kept as a draft; SlipCode and QR bring it back when the citizen returns) or
// during processing (DossierCode set).
type SupplementSlip struct {
	FormHeader
	SlipCode    string // at reception: the slip's code ("<agency>-<YYMMDD>-BS<counter><n>")
	QR          string // what the slip's QR code carries (the slip's or the dossier's code)
	DossierCode string // during processing: the dossier concerned
	Citizen     lifecycle.Applicant
	ServiceName string
	Items       []lifecycle.SupplementItem
	Note        string    // anything else the officer writes
	Contact     string    // where to ask when in doubt (the counter's phone or place)
	Deadline    time.Time // zero: none stated
	Officer     string    // NGƯỜI HƯỚNG DẪN
}

// RefusalSlip is Mẫu 03, Phiếu từ chối tiếp nhận giải quyết hồ sơ.
type RefusalSlip struct {
	FormHeader
	SlipCode    string
	Citizen     lifecycle.Applicant
	ServiceName string
	Reasons     []string // the reasons chosen from the service's list (forms/refusals.toml), as printed
	Note        string   // the officer's free text
	Basis       string   // the legal basis the reasons rest on, when the list names one
	Officer     string   // NGƯỜI TIẾP NHẬN HỒ SƠ
}

// ApologyLetter is Mẫu 04, Văn bản xin lỗi và đề nghị gia hạn thời gian giải quyết.
type ApologyLetter struct {
	FormHeader
	DossierCode    string
	Citizen        lifecycle.Applicant
	ServiceName    string
	Procedures     []string // the procedures late (a bundle's)
	ReceivedAt     time.Time
	Appointment    time.Time // the appointment missed
	NewAppointment time.Time
	Reason         string
	Handler        string // the agency that apologises
	Officer        string
}

// StopNotice is Mẫu 05, Thông báo dừng giải quyết hồ sơ (new in TT 03/2025: no TT 01/2018
// counterpart).
type StopNotice struct {
	FormHeader
	DossierCode string
	Citizen     lifecycle.Applicant
	ServiceName string
	Procedures  []string
	ReceivedAt  time.Time
	Reason      string
	Handler     string
	Officer     string
}

// ControlSheet is Mẫu 06, Phiếu kiểm soát quá trình giải quyết hồ sơ: printed at reception
// for a paper dossier moving between desks, brought up to date from the history.
type ControlSheet struct {
	FormHeader
	DossierCode string
	Citizen     lifecycle.Applicant
	ServiceName string
	ReceivedAt  time.Time
	Appointment time.Time
	Handlers    []string // the handling agencies (a bundle's several)
	Rows        []ControlRow
}

// ControlRow is one hand-over of the dossier between desks.
type ControlRow struct {
	From   string    // who hands over ("Bộ phận Tiếp nhận và Trả kết quả")
	To     string    // who receives
	At     time.Time // when
	Result string    // the timeliness when a result passes ("trước hạn", "đúng hạn", "quá hạn")
	Note   string
}

// HandoverSlip is the hand-over of the result (where the province uses one).
type HandoverSlip struct {
	FormHeader
	DossierCode string
	Citizen     lifecycle.Applicant
	ServiceName string
	Receiver    lifecycle.Receiver
	Results     []HandoverItem
	ReceivedAt  time.Time
	Appointment time.Time
	ReturnedAt  time.Time
	Timeliness  string // "trước hạn", "đúng hạn", "quá hạn"
	Officer     string
}

// HandoverItem is one result paper handed over.
type HandoverItem struct {
	Procedure string
	Document  lifecycle.ResultDocument
}

// BookRow is one line of Mẫu 07, Sổ theo dõi hồ sơ (columns of TT 01/2018's Mẫu 06 book, plus
// the channel, the stage and the counter the statistics need).
type BookRow struct {
	No          int
	Code        string
	ServiceName string
	Count       int    // "Số lượng hồ sơ (bộ)": 1
	Applicant   string // "Tên cá nhân, tổ chức" ("" when the gateway withheld it)
	Address     string // "Địa chỉ, số điện thoại"
	Handler     string // "Cơ quan chủ trì giải quyết"
	ReceivedAt  time.Time
	Appointment time.Time // "Ngày hẹn trả kết quả" (the one in force)
	ResultAt    time.Time
	ReturnedAt  time.Time
	Receiver    string // who signed for the result
	Stage       string // label
	Timeliness  string // label
	Channel     string // label
	Counter     string
	Note        string
}

// Book is the book for a period, with its header.
type Book struct {
	FormHeader
	From, To time.Time // the period (To exclusive)
	Filter   string    // the filters in force, in Vietnamese ("" for none)
	Rows     []BookRow
}
