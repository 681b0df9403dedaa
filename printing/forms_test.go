package printing

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"motcua/internal/testenv"
)

// Synthetic forms: made-up people, made-up ID numbers, made-up codes.

var sampleHead = Letterhead{
	ParentAgency:  "UBND phường Ba Đình",
	Agency:        "Bộ phận Tiếp nhận và Trả kết quả",
	AgencyAddress: "Số 1 phố Giả Định, phường Ba Đình, thành phố Hà Nội",
	Place:         "Phường Ba Đình",
}

var sampleApplicant = Applicant{
	Name:    "Nguyễn Thị Hoà",
	ID:      "001099000123",
	Phone:   "0900000000",
	Address: "Số 12, ngõ 34 phố Mẫu Thử, phường Ba Đình, thành phố Hà Nội",
}

var (
	formDay   = time.Date(2026, 11, 23, 10, 5, 0, 0, hcm)
	lateDay   = time.Date(2026, 12, 2, 9, 30, 0, 0, hcm)
	supplyQR  = "MOTCUA-BS:BS-261123-0007"
	extraDocs = []string{
		"Giấy khai sinh của người con",
		"Văn bản ủy quyền có chứng thực",
		"Sổ hộ khẩu cũ (nếu còn giữ)",
		"Giấy xác nhận tình trạng hôn nhân",
	}
)

func sampleSupplement(nItems int) SupplementSlip {
	s := SupplementSlip{
		Letterhead: sampleHead,
		SlipCode:   "BS-261123-0007",
		Date:       formDay,
		Officer:    "Trần Văn Thử",
		Applicant:  sampleApplicant,
		Procedures: []string{"Đăng ký thường trú"},
		Reason:     "Hồ sơ chưa đủ thành phần theo quy định của thủ tục.",
		Contact:    "công chức Trần Văn Thử, số điện thoại 0241 000 000",
		QR:         supplyQR,
	}
	base := []SupplementItem{
		{Document: "Tờ khai thay đổi thông tin cư trú (Mẫu CT01)", Problem: "Chưa có chữ ký của chủ hộ tại mục ý kiến của chủ hộ.", Guidance: "Chủ hộ ký và ghi rõ họ tên vào mục 13 của tờ khai."},
		{Document: "Giấy tờ chứng minh chỗ ở hợp pháp", Problem: "Chưa nộp.", Guidance: "Nộp bản sao có chứng thực hợp đồng mua bán nhà ở, hoặc xuất trình bản chính để cán bộ đối chiếu."},
	}
	for i := 0; i < nItems; i++ {
		it := base[i%len(base)]
		if i >= len(base) {
			it = SupplementItem{Document: fmt.Sprintf("%s (số %02d)", extraDocs[i%len(extraDocs)], i+1), Problem: "Bản sao không rõ chữ, không đọc được số và ngày cấp.", Guidance: "Nộp bản sao rõ nét hoặc xuất trình bản chính."}
		}
		s.Items = append(s.Items, it)
	}
	return s
}

func sampleRefusal() Refusal {
	return Refusal{
		Letterhead: sampleHead,
		Number:     "15/TC-BPMC",
		Date:       formDay,
		Officer:    "Trần Văn Thử",
		Applicant:  sampleApplicant,
		Procedures: []string{"Đăng ký thường trú"},
		Reasons: []string{
			"Chỗ ở đề nghị đăng ký thường trú nằm trong khu vực cấm, khu vực không được đăng ký thường trú mới theo quy định.",
			"Người đề nghị đã có nơi thường trú tại chính chỗ ở này.",
		},
		LegalBasis: "khoản 1 Điều 23 Luật Cư trú số 68/2020/QH14",
	}
}

func sampleApology(nLate int) Apology {
	a := Apology{
		Letterhead:  Letterhead{ParentAgency: "UBND thành phố Hà Nội", Agency: "UBND phường Ba Đình", Place: "Phường Ba Đình"},
		Number:      "42/XL-UBND",
		Date:        lateDay,
		Issuer:      "Ủy ban nhân dân phường Ba Đình",
		Applicant:   sampleApplicant,
		DossierCode: "G22.99.08-261123-0004",
		ReceivedAt:  formDay,
		Reason:      "Hồ sơ cần xác minh thông tin về chỗ ở hợp pháp với cơ quan quản lý nhà ở; kết quả xác minh chưa được gửi về đúng hạn.",
		Signer:      Signer{Title: "KT. CHỦ TỊCH\nPHÓ CHỦ TỊCH", Name: "Lê Văn Mẫu"},
		Recipients:  []string{"Như trên;", "Bộ phận Tiếp nhận và Trả kết quả;", "Lưu: VT."},
	}
	names := []string{"Đăng ký thường trú", "Đăng ký khai sinh", "Cấp Thẻ bảo hiểm y tế cho người dưới 6 tuổi"}
	for i := 0; i < nLate; i++ {
		old := formDay.AddDate(0, 0, 3+i)
		a.Late = append(a.Late, LateProcedure{Name: names[i%len(names)], Appointment: old, NewAppointment: old.AddDate(0, 0, 7)})
	}
	return a
}

func sampleStopNotice() StopNotice {
	return StopNotice{
		Letterhead:  Letterhead{ParentAgency: "UBND thành phố Hà Nội", Agency: "UBND phường Ba Đình", Place: "Phường Ba Đình"},
		Number:      "07/TB-UBND",
		Date:        lateDay,
		Issuer:      "Ủy ban nhân dân phường Ba Đình",
		Applicant:   sampleApplicant,
		DossierCode: "G22.99.08-261123-0004",
		ReceivedAt:  formDay,
		Procedures:  []string{"Đăng ký thường trú"},
		Reason:      "Ngày 01/12/2026 ông/bà có đơn đề nghị dừng giải quyết hồ sơ để bổ sung giấy tờ về chỗ ở.",
		LegalBasis:  "đơn đề nghị của ông/bà",
		Guidance:    "Ông/bà đến Bộ phận Tiếp nhận và Trả kết quả của phường để nhận lại hồ sơ đã nộp; lệ phí đã nộp được hoàn trả theo quy định.",
		Signer:      Signer{Title: "CHỦ TỊCH", Name: "Phạm Thị Thử"},
	}
}

func sampleHandover() HandoverSlip {
	return HandoverSlip{
		Letterhead: sampleHead, Number: "15/BG", Date: lateDay, Applicant: sampleApplicant,
		DossierCode: "G22.99.08-261123-0004", Service: "Cấp giấy xác nhận tình trạng hôn nhân",
		ReceivedAt: formDay, Appointment: lateDay.Add(-time.Hour), Timeliness: "đúng hạn",
		Results: []HandoverItem{{Procedure: "Cấp giấy xác nhận tình trạng hôn nhân", Document: "Giấy xác nhận tình trạng hôn nhân",
			Number: "123/XNTTHN", Copies: 2}},
		Receiver: "Lê Văn Nhận", ReceiverID: "001086000123", Authorisation: "Giấy ủy quyền số 12/UQ ngày 20/11/2026 của bà Nguyễn Thị Hoà",
		Officer: "Trần Văn Trả",
	}
}

func sampleControlSheet(nHistory, blank int) ControlSheet {
	c := ControlSheet{
		Letterhead:  sampleHead,
		DossierCode: "G22.99.08-261123-0004",
		Applicant:   sampleApplicant,
		Procedures:  []Procedure{{Name: "Đăng ký thường trú", Appointment: formDay.AddDate(0, 0, 3)}},
		ReceivedAt:  formDay,
		Handler:     "Công an phường Ba Đình",
		Cooperating: "Công chức Tư pháp - Hộ tịch",
		BlankRows:   blank,
	}
	desks := []string{"Bộ phận Tiếp nhận và Trả kết quả", "Công an phường Ba Đình", "Lãnh đạo Công an phường", "Công an phường Ba Đình"}
	people := []string{"Trần Văn Thử", "Đỗ Thị Mẫu", "Hoàng Văn Giả", "Đỗ Thị Mẫu"}
	for i := 0; i < nHistory; i++ {
		h := Handover{
			From: desks[i%len(desks)], To: desks[(i+1)%len(desks)],
			At:    formDay.Add(time.Duration(i*5+1) * time.Hour / 2),
			Giver: people[i%len(people)], Receiver: people[(i+1)%len(people)],
		}
		if i%3 == 1 {
			h.Result = ResultOnTime
		}
		if i == 2 {
			h.Note = "Chuyển xác minh chỗ ở"
		}
		c.Handovers = append(c.Handovers, h)
	}
	return c
}

func sampleBook(n int) Book {
	b := Book{
		Letterhead: sampleHead,
		Volume:     "03",
		From:       time.Date(2026, 11, 1, 0, 0, 0, 0, hcm),
		To:         time.Date(2026, 11, 30, 0, 0, 0, 0, hcm),
		Date:       time.Date(2026, 12, 1, 8, 0, 0, 0, hcm),
	}
	procs := []string{"Đăng ký thường trú", "Đăng ký khai sinh; Đăng ký thường trú; Cấp Thẻ bảo hiểm y tế cho người dưới 6 tuổi", "Chứng thực bản sao từ bản chính", "Xác nhận tình trạng hôn nhân"}
	names := []string{"Nguyễn Thị Hoà", "Trần Văn Thử", "Lê Thị Mẫu", "Phạm Văn Giả Định"}
	notes := []string{"", "Trực tuyến", "Bưu chính", "Quá hạn 2 ngày"}
	for i := 0; i < n; i++ {
		recv := time.Date(2026, 11, 2+i%28, 8+i%9, (i*7)%60, 0, 0, hcm)
		r := BookRow{
			DossierCode: fmt.Sprintf("G22.99.08-2611%02d-%04d", 2+i%28, i+1),
			Procedure:   procs[i%len(procs)],
			Applicant:   names[i%len(names)],
			Address:     fmt.Sprintf("Số %d phố Mẫu Thử, phường Ba Đình", i+1),
			Phone:       "0900000000",
			Handler:     "UBND phường Ba Đình",
			ReceivedAt:  recv,
			Appointment: recv.AddDate(0, 0, 3),
			Note:        notes[i%len(notes)],
		}
		if i%2 == 0 {
			r.SentAt = recv.Add(2 * time.Hour)
			r.ResultAt = recv.AddDate(0, 0, 2)
			r.ReturnedAt = recv.AddDate(0, 0, 3)
		}
		b.Rows = append(b.Rows, r)
	}
	return b
}

// formCase is one form rendered for the tests, the goldens and the benchmarks.
type formCase struct {
	name   string
	render func(w *bytes.Buffer) error
}

func formCases() []formCase {
	opt := Options{CreationDate: fixedCreation}
	return []formCase{
		{"mau02-a5", func(w *bytes.Buffer) error { return RenderSupplementSlip(w, sampleSupplement(2), opt) }},
		{"mau03-a5", func(w *bytes.Buffer) error { return RenderRefusal(w, sampleRefusal(), opt) }},
		{"mau04-a5", func(w *bytes.Buffer) error { return RenderApology(w, sampleApology(1), opt) }},
		{"mau04-bundle-a5", func(w *bytes.Buffer) error { return RenderApology(w, sampleApology(3), opt) }},
		{"mau05-a5", func(w *bytes.Buffer) error { return RenderStopNotice(w, sampleStopNotice(), opt) }},
		{"mau06-a4", func(w *bytes.Buffer) error { return RenderControlSheet(w, sampleControlSheet(2, 3), opt) }},
		{"mau07-a4l", func(w *bytes.Buffer) error { return RenderBook(w, sampleBook(12), opt) }},
		{"handover-a5", func(w *bytes.Buffer) error { return RenderHandoverSlip(w, sampleHandover(), opt) }},
	}
}

func renderFormFile(t *testing.T, name string, render func(w *bytes.Buffer) error) string {
	t.Helper()
	var buf bytes.Buffer
	if err := render(&buf); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), name+".pdf")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if dir := os.Getenv("PRINTING_DUMP_DIR"); dir != "" {
		_ = os.WriteFile(filepath.Join(dir, strings.ReplaceAll(t.Name(), "/", "_")+".pdf"), buf.Bytes(), 0o644)
	}
	return path
}

func TestFormsDump(t *testing.T) {
	if os.Getenv("PRINTING_DUMP_DIR") == "" {
		t.Skip("set PRINTING_DUMP_DIR to write the forms for a look")
	}
	for _, tc := range formCases() {
		t.Run(tc.name, func(t *testing.T) { renderFormFile(t, tc.name, tc.render) })
	}
}

// pdfPages is the text of each page of the PDF at path.
func pdfPages(t *testing.T, path string) []string {
	t.Helper()
	pages := strings.Split(pdfText(t, path), "\f")
	if n := len(pages); n > 0 && strings.TrimSpace(pages[n-1]) == "" {
		pages = pages[:n-1]
	}
	return pages
}

// pageOf is the index of the first page whose text (white space folded) holds s, or -1.
func pageOf(pages []string, s string) int {
	for i, p := range pages {
		if strings.Contains(squash(p), s) {
			return i
		}
	}
	return -1
}

// pageSize is pdfinfo's "Page size" of the PDF at path (its first page).
func pageSize(t *testing.T, path string) string {
	t.Helper()
	bin := testenv.NeedTool(t, "pdfinfo", "poppler-utils")
	out, err := exec.Command(bin, path).Output()
	if err != nil {
		t.Fatalf("pdfinfo: %v", err)
	}
	for _, line := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(line, "Page size:") {
			return strings.Join(strings.Fields(strings.TrimPrefix(line, "Page size:")), " ")
		}
	}
	t.Fatal("pdfinfo gave no page size")
	return ""
}

const (
	paperA5  = "420.94 x 595.28 pts (A5)"
	paperA4  = "595.28 x 841.89 pts (A4)"
	paperA4L = "841.89 x 595.28 pts (A4)"
)

// Every form is printed on its paper with its title, the letterhead and the values it
// was given, in the wording of its template.
func TestFormsTextAndPaper(t *testing.T) {
	common := []string{"CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"}
	want := map[string]struct {
		paper string
		texts []string
	}{
		"mau02-a5": {paperA5, []string{
			"UBND PHƯỜNG BA ĐÌNH", "BỘ PHẬN TIẾP NHẬN VÀ TRẢ KẾT QUẢ", "Số: BS-261123-0007",
			"Phường Ba Đình, ngày 23 tháng 11 năm 2026",
			"PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ",
			"Bộ phận Tiếp nhận và Trả kết quả đã kiểm tra hồ sơ của:", "Ông/bà: Nguyễn Thị Hoà",
			"Số định danh cá nhân: 001099000123", "Nội dung yêu cầu giải quyết: Đăng ký thường trú",
			"Yêu cầu ông/bà bổ sung, hoàn thiện hồ sơ gồm những nội dung sau:",
			"1. Tờ khai thay đổi thông tin cư trú (Mẫu CT01): Chưa có chữ ký của chủ hộ",
			"Hướng dẫn: Chủ hộ ký và ghi rõ họ tên vào mục 13 của tờ khai.",
			"2. Giấy tờ chứng minh chỗ ở hợp pháp: Chưa nộp.",
			"Lý do: Hồ sơ chưa đủ thành phần theo quy định của thủ tục.",
			"ông/bà liên hệ công chức Trần Văn Thử, số điện thoại 0241 000 000 để được hướng dẫn./.",
			"Quét mã khi nộp bổ sung", "NGƯỜI HƯỚNG DẪN", "(Ký và ghi rõ họ tên)", "Trần Văn Thử",
		}},
		"mau03-a5": {paperA5, []string{
			"Số: 15/TC-BPMC", "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ",
			"Bộ phận Tiếp nhận và Trả kết quả tiếp nhận hồ sơ của:", "Ông/bà: Nguyễn Thị Hoà",
			"Căn cứ quy định tại khoản 1 Điều 23 Luật Cư trú số 68/2020/QH14, Bộ phận Tiếp nhận và Trả kết quả từ chối tiếp nhận, giải quyết hồ sơ của ông/bà với lý do cụ thể như sau:",
			"1. Chỗ ở đề nghị đăng ký thường trú nằm trong khu vực cấm",
			"2. Người đề nghị đã có nơi thường trú tại chính chỗ ở này.",
			"Xin thông báo để ông/bà được biết và thực hiện./.", "NGƯỜI TIẾP NHẬN HỒ SƠ",
		}},
		"mau04-a5": {paperA5, []string{
			"UBND THÀNH PHỐ HÀ NỘI", "UBND PHƯỜNG BA ĐÌNH", "Số: 42/XL-UBND", "Phường Ba Đình, ngày 02 tháng 12 năm 2026",
			"VĂN BẢN XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN THỜI GIAN GIẢI QUYẾT", "Mã hồ sơ: G22.99.08-261123-0004",
			"Kính gửi: ông/bà Nguyễn Thị Hoà", "(Địa chỉ: Số 12, ngõ 34 phố Mẫu Thử",
			"Ngày 23 tháng 11 năm 2026, Ủy ban nhân dân phường Ba Đình tiếp nhận hồ sơ của ông/bà Nguyễn Thị Hoà, mã hồ sơ G22.99.08-261123-0004.",
			"Hẹn trả kết quả", "Đăng ký thường trú", "10:05 ngày", "26/11/2026", "03/12/2026",
			"Lý do chậm trễ: Hồ sơ cần xác minh thông tin về chỗ ở hợp pháp",
			"Ủy ban nhân dân phường Ba Đình xin lỗi ông/bà và đề nghị gia hạn thời gian giải quyết hồ sơ: kết quả sẽ được trả vào 10 giờ 05 phút, ngày 03 tháng 12 năm 2026.",
			"Mong nhận được sự thông cảm của ông/bà./.",
			"Nơi nhận:", "- Như trên;", "- Lưu: VT.", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", "(Ký, ghi rõ họ tên và đóng dấu)", "Lê Văn Mẫu",
		}},
		"mau04-bundle-a5": {paperA5, []string{
			"Cấp Thẻ bảo hiểm y tế cho người dưới 6", "28/11/2026", "05/12/2026",
			"kết quả sẽ được trả vào thời gian ghi ở cột \"Đề nghị gia hạn đến\".",
		}},
		"mau05-a5": {paperA5, []string{
			"Số: 07/TB-UBND", "THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ", "Mã hồ sơ: G22.99.08-261123-0004",
			"Kính gửi: ông/bà Nguyễn Thị Hoà",
			"mã hồ sơ G22.99.08-261123-0004, nội dung yêu cầu giải quyết: Đăng ký thường trú.",
			"Căn cứ đơn đề nghị của ông/bà, Ủy ban nhân dân phường Ba Đình thông báo dừng giải quyết hồ sơ nêu trên kể từ ngày 02 tháng 12 năm 2026.",
			"Lý do: Ngày 01/12/2026 ông/bà có đơn đề nghị dừng giải quyết hồ sơ",
			"lệ phí đã nộp được hoàn trả theo quy định.", "Trân trọng thông báo./.", "CHỦ TỊCH", "Phạm Thị Thử",
		}},
		"mau06-a4": {paperA4, []string{
			"PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ", "Mã hồ sơ: G22.99.08-261123-0004",
			"Kèm theo hồ sơ của: Nguyễn Thị Hoà", "Thời gian nhận hồ sơ: 10 giờ 05 phút, ngày 23 tháng 11 năm 2026",
			"Thời gian trả kết quả giải quyết hồ sơ: 10 giờ 05 phút, ngày 26 tháng 11 năm 2026",
			"Cơ quan (bộ phận) giải quyết hồ sơ: Công an phường Ba Đình",
			"Cơ quan phối hợp giải quyết hồ sơ: Công chức Tư pháp - Hộ tịch",
			"TÊN CƠ QUAN", "THỜI GIAN GIAO, NHẬN HỒ SƠ", "GHI CHÚ", "1. Giao:", "2. Nhận:",
			"10 giờ 35 phút, ngày 23/11/2026", "13 giờ 05 phút, ngày 23/11/2026", "Người giao", "Người nhận",
			"Trần Văn Thử", "Hoàng Văn Giả", "Đúng hạn", "…… giờ …… phút, ngày",
			"Ghi chú: Trường hợp hồ sơ được chuyển qua dịch vụ bưu chính thì thời gian giao, nhận hồ sơ và việc ký nhận thể hiện trong hóa đơn của cơ quan bưu chính.",
		}},
		"mau07-a4l": {paperA4L, []string{
			"SỔ THEO DÕI HỒ SƠ", "(Từ 01/11/2026 đến 30/11/2026; quyển số 03)", "Phường Ba Đình, ngày 01 tháng 12 năm 2026",
			"Ngày, tháng, năm", "Mã hồ sơ", "Tên TTHC", "Ghi chú", "Nhận hồ sơ",
			"G22.99.08- Đăng ký thường trú 01 Nguyễn Thị", "261102-0001",
			"02/11/2026 05/11/2026 02/11/2026 04/11/2026 05/11/2026", "Bưu chính",
		}},
		"handover-a5": {paperA5, []string{
			"Số: 15/BG", "PHIẾU BÀN GIAO KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH", "Mã hồ sơ: G22.99.08-261123-0004",
			"Người nộp hồ sơ: Nguyễn Thị Hoà", "Nhận hồ sơ lúc: 10:05 ngày 23/11/2026", "trả kết quả đúng hạn",
			"Trả kết quả lúc: 09:30 ngày 02/12/2026", "Giấy xác nhận tình trạng hôn nhân", "Số: 123/XNTTHN", "02",
			"Lê Văn Nhận (số định danh ********0123)", "nhận thay theo Giấy ủy quyền số 12/UQ ngày 20/11/2026",
			"NGƯỜI NHẬN KẾT QUẢ", "NGƯỜI TRẢ KẾT QUẢ", "Trần Văn Trả",
		}},
	}
	for _, tc := range formCases() {
		t.Run(tc.name, func(t *testing.T) {
			w, ok := want[tc.name]
			if !ok {
				t.Fatalf("no expectation for %s", tc.name)
			}
			path := renderFormFile(t, tc.name, tc.render)
			if got := pageSize(t, path); got != w.paper {
				t.Errorf("paper %q, want %q", got, w.paper)
			}
			text := pdfText(t, path)
			flat := squash(text)
			for _, s := range append(common, w.texts...) {
				if !strings.Contains(flat, s) {
					t.Errorf("PDF text lacks %q", s)
				}
			}
			if t.Failed() {
				t.Logf("--- text ---\n%s", text)
			}
		})
	}
}

// The forms take the other paper when asked (A4 slips, an A5 control sheet); the book
// has no A5 layout and says so.
func TestFormsPaperOverride(t *testing.T) {
	a4 := Options{Size: "a4", CreationDate: fixedCreation}
	path := renderFormFile(t, "slip-a4", func(w *bytes.Buffer) error { return RenderSupplementSlip(w, sampleSupplement(2), a4) })
	if got := pageSize(t, path); got != paperA4 {
		t.Errorf("A4 slip on %q", got)
	}
	a5 := Options{Size: "A5", CreationDate: fixedCreation}
	path = renderFormFile(t, "sheet-a5", func(w *bytes.Buffer) error { return RenderControlSheet(w, sampleControlSheet(2, 1), a5) })
	if got := pageSize(t, path); got != paperA5 {
		t.Errorf("A5 control sheet on %q", got)
	}
	err := RenderBook(&bytes.Buffer{}, sampleBook(3), a5)
	var pe *Error
	if !errors.As(err, &pe) || !strings.Contains(pe.Clerk, "A4 ngang") {
		t.Errorf("book on A5: %v", err)
	}
}

// The PDF's dates carry the counter's zone, as the receipt's do, and the same input gives
// the same bytes.
func TestFormsDatesAndDeterminism(t *testing.T) {
	for _, tc := range []struct {
		name   string
		date   time.Time
		render func(w *bytes.Buffer, opt Options) error
	}{
		{"mau02", formDay, func(w *bytes.Buffer, o Options) error { return RenderSupplementSlip(w, sampleSupplement(1), o) }},
		{"mau03", formDay, func(w *bytes.Buffer, o Options) error { return RenderRefusal(w, sampleRefusal(), o) }},
		{"mau04", lateDay, func(w *bytes.Buffer, o Options) error { return RenderApology(w, sampleApology(1), o) }},
		{"mau05", lateDay, func(w *bytes.Buffer, o Options) error { return RenderStopNotice(w, sampleStopNotice(), o) }},
		{"mau06", formDay, func(w *bytes.Buffer, o Options) error { return RenderControlSheet(w, sampleControlSheet(1, 0), o) }},
		{"mau07", time.Date(2026, 12, 1, 8, 0, 0, 0, hcm), func(w *bytes.Buffer, o Options) error { return RenderBook(w, sampleBook(2), o) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var a, b bytes.Buffer
			if err := tc.render(&a, Options{}); err != nil {
				t.Fatal(err)
			}
			stamp := "/CreationDate (D:" + tc.date.Format("20060102150405") + "+07'00')"
			if !bytes.Contains(a.Bytes(), []byte(stamp)) {
				t.Errorf("no %s in the PDF: %q", stamp, grepLine(a.Bytes(), "/CreationDate"))
			}
			if err := tc.render(&b, Options{}); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(a.Bytes(), b.Bytes()) {
				t.Error("same input gave different bytes")
			}
			var c bytes.Buffer
			if err := tc.render(&c, Options{CreationDate: fixedCreation}); err != nil {
				t.Fatal(err)
			}
			if !bytes.Contains(c.Bytes(), []byte("/CreationDate (D:20261123100600+00'00')")) {
				t.Errorf("Options.CreationDate not used: %q", grepLine(c.Bytes(), "/CreationDate"))
			}
		})
	}
}

// The slip's QR code decodes to the content it was given (rasterized, read by zbarimg).
func TestSupplementQRDecodes(t *testing.T) {
	ppm := testenv.NeedTool(t, "pdftoppm", "poppler-utils")
	zbar := testenv.NeedTool(t, "zbarimg", "zbar-tools")
	for _, size := range []string{"A5", "A4"} {
		t.Run(size, func(t *testing.T) {
			s := sampleSupplement(2)
			s.QR = "https://dichvucong.example.vn/bo-sung?ma=BS-261123-0007&k=Zm9v"
			path := renderFormFile(t, "slip", func(w *bytes.Buffer) error {
				return RenderSupplementSlip(w, s, Options{Size: size, CreationDate: fixedCreation})
			})
			prefix := filepath.Join(t.TempDir(), "page")
			if out, err := exec.Command(ppm, "-png", "-r", "200", "-f", "1", "-l", "1", path, prefix).CombinedOutput(); err != nil {
				t.Fatalf("pdftoppm: %v\n%s", err, out)
			}
			out, err := exec.Command(zbar, "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", prefix+"-1.png").Output()
			if err != nil {
				t.Fatalf("zbarimg found no QR code: %v", err)
			}
			if got := strings.TrimSpace(string(out)); got != s.QR {
				t.Fatalf("QR decodes to %q, want %q", got, s.QR)
			}
		})
	}
}

// Long content flows onto the next pages: every item printed once, none cut at a page
// break, the table headers repeated, the closing sentence with the signatures, and the
// pages numbered.
func TestFormsLongContentFlows(t *testing.T) {
	longName := "Nguyễn Thị Hoà " + strings.Repeat("Tôn Nữ Thị Phương Thảo ", 6) + "Giả Định"

	t.Run("mau02 many documents", func(t *testing.T) {
		s := sampleSupplement(0)
		s.Applicant.Name = longName
		for i := 1; i <= 36; i++ {
			s.Items = append(s.Items, SupplementItem{
				Document: fmt.Sprintf("Giấy tờ thử có tên rất dài để xuống dòng trong danh sách, số %02d", i),
				Problem:  "Bản sao không rõ chữ, không đọc được số và ngày cấp của giấy tờ.",
				Guidance: fmt.Sprintf("Nộp bản sao rõ nét của giấy tờ mục %02d hoặc xuất trình bản chính để đối chiếu.", i),
			})
		}
		pages := pdfPages(t, renderFormFile(t, "slip", func(w *bytes.Buffer) error { return RenderSupplementSlip(w, s, Options{}) }))
		if len(pages) < 3 {
			t.Fatalf("%d pages for 36 documents", len(pages))
		}
		for i := 1; i <= 36; i++ {
			doc, guide := fmt.Sprintf("số %02d:", i), fmt.Sprintf("giấy tờ mục %02d", i)
			if c := strings.Count(squash(strings.Join(pages, " ")), doc); c != 1 {
				t.Errorf("document %d printed %d times", i, c)
			}
			if p, q := pageOf(pages, doc), pageOf(pages, guide); p != q {
				t.Errorf("document %d on page %d, its guidance on page %d", i, p+1, q+1)
			}
		}
		if pageOf(pages, "Yêu cầu ông/bà bổ sung") != pageOf(pages, "số 01:") {
			t.Error("the list's announcement is not on the page of its first item")
		}
		checkSignedWith(t, pages, "NGƯỜI HƯỚNG DẪN", "để được hướng dẫn./.")
		checkNumbered(t, pages, "Phiếu số BS-261123-0007")
		if !strings.Contains(squash(pages[0]), "Ông/bà: "+squash(longName)) {
			t.Error("the long name is not printed whole")
		}
	})

	t.Run("mau03 many reasons", func(t *testing.T) {
		r := sampleRefusal()
		r.Reasons = nil
		for i := 1; i <= 40; i++ {
			r.Reasons = append(r.Reasons, fmt.Sprintf("Lý do thử số %02d: giấy tờ nộp không đúng thành phần hồ sơ của thủ tục theo quy định hiện hành.", i))
		}
		pages := pdfPages(t, renderFormFile(t, "refusal", func(w *bytes.Buffer) error { return RenderRefusal(w, r, Options{}) }))
		if len(pages) < 3 {
			t.Fatalf("%d pages for 40 reasons", len(pages))
		}
		for i := 1; i <= 40; i++ {
			if c := strings.Count(squash(strings.Join(pages, " ")), fmt.Sprintf("Lý do thử số %02d: giấy tờ nộp không đúng thành phần hồ sơ", i)); c != 1 {
				t.Errorf("reason %d printed whole %d times", i, c)
			}
		}
		checkSignedWith(t, pages, "NGƯỜI TIẾP NHẬN HỒ SƠ", "Xin thông báo để ông/bà được biết và thực hiện./.")
	})

	t.Run("mau04 many late procedures", func(t *testing.T) {
		a := sampleApology(0)
		for i := 1; i <= 30; i++ {
			old := formDay.AddDate(0, 0, i%5+3)
			a.Late = append(a.Late, LateProcedure{Name: fmt.Sprintf("Thủ tục thử số %02d có tên dài hơn một dòng của bảng", i), Appointment: old, NewAppointment: old.AddDate(0, 0, 5)})
		}
		pages := pdfPages(t, renderFormFile(t, "apology", func(w *bytes.Buffer) error { return RenderApology(w, a, Options{}) }))
		if len(pages) < 2 {
			t.Fatalf("%d pages for 30 procedures", len(pages))
		}
		for i := 1; i <= 30; i++ {
			if c := strings.Count(squash(strings.Join(pages, " ")), fmt.Sprintf("Thủ tục thử số %02d", i)); c != 1 {
				t.Errorf("procedure %d printed %d times", i, c)
			}
		}
		checkTableHeaders(t, pages, "Hẹn trả kết quả", "Thủ tục thử số")
		checkSignedWith(t, pages, "PHÓ CHỦ TỊCH", "Mong nhận được sự thông cảm của ông/bà./.")
		checkNumbered(t, pages, "Mã hồ sơ: G22.99.08-261123-0004")
	})

	t.Run("mau05 many procedures", func(t *testing.T) {
		n := sampleStopNotice()
		n.Applicant.Name = longName
		n.Procedures = nil
		for i := 1; i <= 45; i++ {
			n.Procedures = append(n.Procedures, fmt.Sprintf("Thủ tục thử số %02d", i))
		}
		pages := pdfPages(t, renderFormFile(t, "stop", func(w *bytes.Buffer) error { return RenderStopNotice(w, n, Options{}) }))
		if len(pages) < 2 {
			t.Fatalf("%d pages for 45 procedures", len(pages))
		}
		all := squash(strings.Join(pages, " "))
		for i := 1; i <= 45; i++ {
			if c := strings.Count(all, fmt.Sprintf("Thủ tục thử số %02d", i)); c != 1 {
				t.Errorf("procedure %d printed %d times", i, c)
			}
		}
		if !strings.Contains(all, "thông báo dừng giải quyết các thủ tục nêu trên") {
			t.Error("several procedures are not announced as such")
		}
		checkSignedWith(t, pages, "CHỦ TỊCH", "Trân trọng thông báo./.")
	})

	t.Run("mau06 long history", func(t *testing.T) {
		c := sampleControlSheet(17, 2)
		c.Applicant.Name = longName
		pages := pdfPages(t, renderFormFile(t, "sheet", func(w *bytes.Buffer) error { return RenderControlSheet(w, c, Options{}) }))
		if len(pages) < 3 {
			t.Fatalf("%d pages for 19 rows", len(pages))
		}
		all := squash(strings.Join(pages, " "))
		for _, h := range c.Handovers {
			at := fmt.Sprintf("%02d giờ %02d phút, ngày %s", h.At.Hour(), h.At.Minute(), vnDay(h.At))
			if n := strings.Count(all, at); n != 1 {
				t.Errorf("hand-over at %s printed %d times", at, n)
			}
		}
		if got, want := strings.Count(all, "1. Giao:"), 19; got != want {
			t.Errorf("%d rows printed, want %d", got, want)
		}
		checkTableHeaders(t, pages, "TÊN CƠ QUAN", "1. Giao:")
		last := pages[len(pages)-1]
		if !strings.Contains(squash(last), "Ghi chú: Trường hợp hồ sơ") || !strings.Contains(last, "1. Giao:") {
			t.Error("the note under the table is not on the page of the last row")
		}
		checkNumbered(t, pages, "Mã hồ sơ: G22.99.08-261123-0004")
	})

	t.Run("mau07 book of several pages", func(t *testing.T) {
		b := sampleBook(150)
		b.Rows[7].Applicant = longName
		pages := pdfPages(t, renderFormFile(t, "book", func(w *bytes.Buffer) error { return RenderBook(w, b, Options{}) }))
		if len(pages) < 8 {
			t.Fatalf("%d pages for 150 rows", len(pages))
		}
		all := squash(strings.Join(pages, " "))
		for i, r := range b.Rows {
			tail := r.DossierCode[strings.Index(r.DossierCode, "-")+1:] // the code breaks after "G22.99.08-"
			if n := strings.Count(all, tail); n != 1 {
				t.Errorf("row %d (%s) printed %d times", i+1, tail, n)
			}
			// A row is never cut: its code and its received date are on the same page.
			if p, q := pageOf(pages, tail), pageOf(pages, r.ReceivedAt.Format("15:04")); p < 0 || q < 0 || p > q {
				t.Errorf("row %d: code on page %d, time on page %d", i+1, p+1, q+1)
			}
		}
		checkTableHeaders(t, pages, "Mã hồ sơ", "G22.99.08-")
		checkNumbered(t, pages, "Sổ theo dõi hồ sơ từ 01/11/2026 đến 30/11/2026")
	})
}

// checkSignedWith checks that the signature block is on the page of the sentence that
// leads to it, and on the last page.
func checkSignedWith(t *testing.T, pages []string, title, closing string) {
	t.Helper()
	p, q := pageOf(pages, title), pageOf(pages, closing)
	if p < 0 || q < 0 {
		t.Fatalf("signature %q on page %d, closing %q on page %d", title, p+1, closing, q+1)
	}
	if p != q || p != len(pages)-1 {
		t.Errorf("signature %q on page %d, closing sentence on page %d, of %d pages", title, p+1, q+1, len(pages))
	}
}

// checkTableHeaders checks that every page holding a row of the table repeats its header,
// and that no page ends with the header alone.
func checkTableHeaders(t *testing.T, pages []string, header, row string) {
	t.Helper()
	for i, p := range pages {
		hasRow, hasHead := strings.Contains(p, row), strings.Contains(p, header)
		if hasRow && !hasHead {
			t.Errorf("page %d has rows without the table header", i+1)
		}
		if hasHead && !hasRow {
			t.Errorf("page %d has the table header alone", i+1)
		}
	}
}

// checkNumbered checks the footer "label — Trang i/n" of every page.
func checkNumbered(t *testing.T, pages []string, label string) {
	t.Helper()
	for i, p := range pages {
		if want := fmt.Sprintf("%s — Trang %d/%d", label, i+1, len(pages)); !strings.Contains(squash(p), want) {
			t.Errorf("page %d lacks %q", i+1, want)
		}
	}
}

// Whatever the number of items, the signatures never stand alone on a page and the
// header of a table never stands alone at the bottom of one.
func TestFormsNoBlockAlone(t *testing.T) {
	for n := 1; n <= 26; n++ {
		s := sampleSupplement(n)
		pages := pdfPages(t, renderFormFile(t, "slip", func(w *bytes.Buffer) error { return RenderSupplementSlip(w, s, Options{}) }))
		checkSignedWith(t, pages, "NGƯỜI HƯỚNG DẪN", "để được hướng dẫn./.")

		a := sampleApology(n)
		pages = pdfPages(t, renderFormFile(t, "apology", func(w *bytes.Buffer) error { return RenderApology(w, a, Options{}) }))
		checkSignedWith(t, pages, "PHÓ CHỦ TỊCH", "Mong nhận được sự thông cảm của ông/bà./.")
		checkTableHeaders(t, pages, "Hẹn trả kết quả", "10:05 ngày")
		if t.Failed() {
			t.Fatalf("with %d items", n)
		}
	}
}

// Text from outside is printed tamed: control characters out, decomposed letters
// composed, characters outside the fonts as "?", line breaks of one-line fields folded.
func TestFormsHostileText(t *testing.T) {
	evil := "Nguye\u0302\u0303n\x1b[31m Thi\u0323\r\nHoa\u0300 \u202eabc 😀 漢"
	const tamed = "Nguyễn [31m Thị Hoà ?abc ? ?"
	check := func(t *testing.T, path, want string) {
		t.Helper()
		text := pdfText(t, path)
		for _, bad := range []string{"\x1b", "\u202e", "😀", "漢", "\r"} {
			if strings.Contains(text, bad) {
				t.Errorf("PDF text holds %q", bad)
			}
		}
		if !strings.Contains(squash(text), want) {
			t.Errorf("name not tamed as expected:\n%s", text)
		}
	}
	t.Run("mau02", func(t *testing.T) {
		s := sampleSupplement(1)
		s.Applicant.Name = evil
		s.Items[0].Problem = "dòng một\x00\x07\r\ndòng hai"
		path := renderFormFile(t, "slip", func(w *bytes.Buffer) error { return RenderSupplementSlip(w, s, Options{}) })
		check(t, path, tamed)
		if !strings.Contains(pdfText(t, path), "dòng hai") {
			t.Error("the second line of a problem is lost")
		}
	})
	t.Run("mau04", func(t *testing.T) {
		a := sampleApology(2)
		a.Applicant.Name = evil
		check(t, renderFormFile(t, "apology", func(w *bytes.Buffer) error { return RenderApology(w, a, Options{}) }), tamed)
	})
	t.Run("mau06", func(t *testing.T) {
		c := sampleControlSheet(2, 0)
		c.Applicant.Name = evil
		c.Handovers[0].Note = strings.Repeat("ghi chú rất dài ", 30) // cut to the cell, the row within a page
		path := renderFormFile(t, "sheet", func(w *bytes.Buffer) error { return RenderControlSheet(w, c, Options{}) })
		check(t, path, tamed)
		if !strings.Contains(pdfText(t, path), "…") {
			t.Error("an overlong note is not cut with an ellipsis")
		}
	})
	t.Run("mau07", func(t *testing.T) {
		b := sampleBook(3)
		b.Rows[1].Applicant = evil
		// The name wraps in its narrow column: its first word is on a line of its own.
		check(t, renderFormFile(t, "book", func(w *bytes.Buffer) error { return RenderBook(w, b, Options{}) }), "Nguyễn [31m")
	})
}

// Incomplete, inconsistent or oversized input is refused before anything is drawn, with
// a message for the clerk.
func TestFormsValidation(t *testing.T) {
	long := strings.Repeat("x", MaxLineRunes+1)
	longText := strings.Repeat("x", MaxTextRunes+1)
	render := func(f func(w io.Writer) error) error { return f(io.Discard) }
	cases := []struct {
		name string
		err  error
	}{
		{"02 no code", render(func(w io.Writer) error {
			s := sampleSupplement(1)
			s.SlipCode = " "
			return RenderSupplementSlip(w, s, Options{})
		})},
		{"02 no date", render(func(w io.Writer) error {
			s := sampleSupplement(1)
			s.Date = time.Time{}
			return RenderSupplementSlip(w, s, Options{})
		})},
		{"02 no name", render(func(w io.Writer) error {
			s := sampleSupplement(1)
			s.Applicant.Name = ""
			return RenderSupplementSlip(w, s, Options{})
		})},
		{"02 no item", render(func(w io.Writer) error { s := sampleSupplement(0); return RenderSupplementSlip(w, s, Options{}) })},
		{"02 item without problem", render(func(w io.Writer) error {
			s := sampleSupplement(1)
			s.Items[0].Problem = ""
			return RenderSupplementSlip(w, s, Options{})
		})},
		{"02 no procedure", render(func(w io.Writer) error {
			s := sampleSupplement(1)
			s.Procedures = nil
			return RenderSupplementSlip(w, s, Options{})
		})},
		{"02 too many items", render(func(w io.Writer) error {
			s := sampleSupplement(1)
			s.Items = make([]SupplementItem, MaxListItems+1)
			for i := range s.Items {
				s.Items[i] = SupplementItem{Document: "a", Problem: "b"}
			}
			return RenderSupplementSlip(w, s, Options{})
		})},
		{"02 long name", render(func(w io.Writer) error {
			s := sampleSupplement(1)
			s.Applicant.Name = long
			return RenderSupplementSlip(w, s, Options{})
		})},
		{"02 long guidance", render(func(w io.Writer) error {
			s := sampleSupplement(1)
			s.Items[0].Guidance = longText
			return RenderSupplementSlip(w, s, Options{})
		})},
		{"02 no QR", render(func(w io.Writer) error {
			s := sampleSupplement(1)
			s.QR = ""
			return RenderSupplementSlip(w, s, Options{})
		})},
		{"02 QR with control", render(func(w io.Writer) error {
			s := sampleSupplement(1)
			s.QR = "BS-1\nrm"
			return RenderSupplementSlip(w, s, Options{})
		})},
		{"02 QR too long", render(func(w io.Writer) error {
			s := sampleSupplement(1)
			s.QR = strings.Repeat("A", MaxQRBytes+1)
			return RenderSupplementSlip(w, s, Options{})
		})},
		{"02 unknown size", render(func(w io.Writer) error { return RenderSupplementSlip(w, sampleSupplement(1), Options{Size: "Letter"}) })},
		{"03 no reason", render(func(w io.Writer) error {
			r := sampleRefusal()
			r.Reasons = []string{" ", ""}
			return RenderRefusal(w, r, Options{})
		})},
		{"03 long basis", render(func(w io.Writer) error {
			r := sampleRefusal()
			r.LegalBasis = longText
			return RenderRefusal(w, r, Options{})
		})},
		{"04 no late", render(func(w io.Writer) error { return RenderApology(w, sampleApology(0), Options{}) })},
		{"04 new before old", render(func(w io.Writer) error {
			a := sampleApology(1)
			a.Late[0].NewAppointment = a.Late[0].Appointment
			return RenderApology(w, a, Options{})
		})},
		{"04 no reason", render(func(w io.Writer) error { a := sampleApology(1); a.Reason = ""; return RenderApology(w, a, Options{}) })},
		{"04 no code", render(func(w io.Writer) error {
			a := sampleApology(1)
			a.DossierCode = ""
			return RenderApology(w, a, Options{})
		})},
		{"05 no reason", render(func(w io.Writer) error {
			n := sampleStopNotice()
			n.Reason = ""
			return RenderStopNotice(w, n, Options{})
		})},
		{"05 no received", render(func(w io.Writer) error {
			n := sampleStopNotice()
			n.ReceivedAt = time.Time{}
			return RenderStopNotice(w, n, Options{})
		})},
		{"06 no procedure", render(func(w io.Writer) error {
			c := sampleControlSheet(1, 0)
			c.Procedures = nil
			return RenderControlSheet(w, c, Options{})
		})},
		{"06 negative blanks", render(func(w io.Writer) error {
			c := sampleControlSheet(1, 0)
			c.BlankRows = -1
			return RenderControlSheet(w, c, Options{})
		})},
		{"06 too many rows", render(func(w io.Writer) error {
			c := sampleControlSheet(3, MaxListItems-2)
			return RenderControlSheet(w, c, Options{})
		})},
		{"07 no period", render(func(w io.Writer) error { b := sampleBook(1); b.From = time.Time{}; return RenderBook(w, b, Options{}) })},
		{"07 reversed period", render(func(w io.Writer) error {
			b := sampleBook(1)
			b.From, b.To = b.To, b.From
			return RenderBook(w, b, Options{})
		})},
		{"07 row without code", render(func(w io.Writer) error {
			b := sampleBook(3)
			b.Rows[2].DossierCode = ""
			return RenderBook(w, b, Options{})
		})},
		{"07 row without received", render(func(w io.Writer) error {
			b := sampleBook(3)
			b.Rows[1].ReceivedAt = time.Time{}
			return RenderBook(w, b, Options{})
		})},
	}
	for _, tc := range cases {
		var pe *Error
		if !errors.As(tc.err, &pe) || pe.Clerk == "" {
			t.Errorf("%s: err = %v, want *Error with a clerk message", tc.name, tc.err)
			continue
		}
		if !errors.Is(tc.err, ErrInvalidForm) && !strings.Contains(tc.name, "size") {
			t.Errorf("%s: %v does not wrap ErrInvalidForm", tc.name, tc.err)
		}
	}
	if err := RenderBook(io.Discard, Book{From: formDay, To: formDay}, Options{}); err != nil {
		t.Errorf("an empty book: %v", err)
	}
}

func TestEmptyBook(t *testing.T) {
	b := sampleBook(0)
	path := renderFormFile(t, "book", func(w *bytes.Buffer) error { return RenderBook(w, b, Options{}) })
	if flat := squash(pdfText(t, path)); !strings.Contains(flat, "(Không có hồ sơ trong kỳ)") {
		t.Errorf("empty book text:\n%s", flat)
	}
}

// One render of each form.
func BenchmarkRenderForms(b *testing.B) {
	for _, tc := range formCases() {
		b.Run(tc.name, func(b *testing.B) {
			var buf bytes.Buffer
			b.ReportAllocs()
			for b.Loop() {
				buf.Reset()
				if err := tc.render(&buf); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(buf.Len()), "bytes")
		})
	}
}

// The dossier book of 1,000 dossiers (landscape A4 pages).
func BenchmarkRenderBook1000(b *testing.B) {
	book := sampleBook(1000)
	opt := Options{CreationDate: fixedCreation}
	var buf bytes.Buffer
	var pages int
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		if err := RenderBook(&buf, book, opt); err != nil {
			b.Fatal(err)
		}
	}
	pages = bytes.Count(buf.Bytes(), []byte("/Type /Page\n"))
	b.ReportMetric(float64(pages), "pages")
	b.ReportMetric(float64(buf.Len()), "bytes")
}
