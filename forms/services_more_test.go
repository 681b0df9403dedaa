package forms

import (
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"motcua/lookups"
	"motcua/lookups/sandbox"
)

// more are the sandbox persons the services added for issue 16 need, found once.
type more struct {
	child       *lookups.Resident // under 14, no card, both parents recorded
	childMother *lookups.Resident
	fatherKid   *lookups.Resident // a living child of cast().father whose record names him
	oldDead     *lookups.Resident // died before 2016
	oldDeadKin  *lookups.Resident // living adult with a card whose spouse/father/mother is oldDead
	tempStay    *lookups.Resident // adult with a card and a temporary residence still running
	elder       *lookups.Resident // 80 or older, alive, with a card
	moverHead   *lookups.Resident // head of cast().mover's household
	// adjuster is an adult member (not the head) of a household with another
	// adult member, adjusterSibling; adjusterHead heads it.
	adjuster, adjusterSibling, adjusterHead *lookups.Resident
}

var (
	moreOnce sync.Once
	moreVal  more
)

// castMore finds the cast once; the case functions call it with nil after
// the test has called it with its t.
func castMore(t testing.TB) more {
	moreOnce.Do(func() { moreVal = findMore(t) })
	return moreVal
}

func findMore(t testing.TB) more {
	t.Helper()
	pop := sandbox.Default()
	c := cast(t)
	var m more
	m.child, _ = pop.Resident(featured(t, "child"))
	m.childMother, _ = pop.Resident(m.child.Mother.ID)
	m.fatherKid = findPerson(t, "child of the father", func(r *lookups.Resident) bool {
		return r.DeathDate.IsZero() && r.Father != nil && r.Father.ID == c.father.Citizen.ID
	})
	m.oldDeadKin = findPerson(t, "relative of a death before 2016", func(r *lookups.Resident) bool {
		if !isAdultWithCard(r) {
			return false
		}
		for _, ref := range []*lookups.PersonRef{r.Spouse, r.Father, r.Mother} {
			if ref == nil || ref.ID == "" {
				continue
			}
			if d, ok := pop.Resident(ref.ID); ok && d.Deceased() && d.DeathDate.Year < 2016 && d.DeathDate.Year > 1990 {
				m.oldDead = d
				return true
			}
		}
		return false
	})
	m.tempStay = findPerson(t, "temporary resident", func(r *lookups.Resident) bool {
		return isAdultWithCard(r) && r.Temporary != nil && r.Household != nil && !r.Temporary.Until.IsZero() &&
			!r.Temporary.Until.Before(lookups.DateOf(svcNow))
	})
	m.elder = findPerson(t, "person of 80 or more", func(r *lookups.Resident) bool {
		_, card := pop.Card(r.Citizen.ID)
		return r.DeathDate.IsZero() && card && r.Citizen.BirthDate.Year <= 1945 && r.Permanent != nil
	})
	m.moverHead, _ = pop.Resident(c.mover.Household.Head.ID)
	// A household with two adult members besides the head (a change of head).
	m.adjuster = findPerson(t, "adult member with an adult sibling", func(r *lookups.Resident) bool {
		if !isAdultWithCard(r) || r.Household == nil || r.Household.Head.ID == r.Citizen.ID || r.Permanent == nil {
			return false
		}
		for _, mem := range r.Household.Members {
			if mem.ID == r.Citizen.ID || mem.ID == r.Household.Head.ID {
				continue
			}
			if o, ok := pop.Resident(mem.ID); ok && isAdultWithCard(o) {
				m.adjusterSibling = o
				return true
			}
		}
		return false
	})
	m.adjusterHead, _ = pop.Resident(m.adjuster.Household.Head.ID)
	return m
}

// wardOf is the ward code of a person's current residence.
func wardOf(r *lookups.Resident) string {
	for _, x := range []*lookups.Residence{r.CurrentPlace, r.Temporary, r.Permanent} {
		if x != nil && x.Address.WardCode != "" {
			return x.Address.WardCode
		}
	}
	return ""
}

const (
	ubnd      = "Ủy ban nhân dân cấp xã"
	cax       = "Công an cấp xã"
	dkkdCapXa = "Cơ quan đăng ký kinh doanh cấp xã"
)

var moreCases = []serviceCase{
	{
		spec:  "chung-thuc-ban-sao",
		slots: func(c people) []kv { return []kv{{"requester", c.single.Citizen.ID}} },
		typed: func(c people) []kv {
			return []kv{{"originals.1.doc_name", "Giấy khai sinh"}, {"originals.1.pages", "2"}, {"originals.1.copies", "10"},
				{"originals", "+row"}, {"originals.2.doc_name", "Bằng tốt nghiệp trung học phổ thông"}, {"originals.2.pages", "1"}, {"originals.2.copies", "3"}}
		},
		procs:   []procWant{{"chung-thuc-ban-sao", ubnd, 0}},
		persons: []string{"requester"},
		docs:    []string{"Bản chính giấy tờ, văn bản làm cơ sở để chứng thực bản sao (xuất trình để đối chiếu)", "Bản sao cần chứng thực (bản chụp từ bản chính)"},
		consts: []constraintCase{
			{"pages", []kv{{"originals.1.pages", "0"}}, "originals.1.pages", "Số trang phải từ 1 đến 2000."},
			{"copies", []kv{{"originals.2.copies", "500"}}, "originals.2.copies", "Số bản sao phải từ 1 đến 200."},
		},
		calcs: []calcCase{
			{"row fee", nil, "originals.1.fee", "40000"},
			{"total", nil, "fee_total", "46000"},
			{"copies", nil, "copies_total", "13"},
			{"capped", []kv{{"originals.2.pages", "300"}}, "originals.2.fee", "600000"},
		},
		relevance: []relevanceCase{
			{name: "office copies", sets: []kv{{"copy_made_by", "office"}},
				docs: []string{"Bản chính giấy tờ, văn bản làm cơ sở để chứng thực bản sao (xuất trình để đối chiếu)"}, valid: true},
		},
	},
	{
		spec:  "chung-thuc-chu-ky",
		slots: func(c people) []kv { return []kv{{"signer", c.single.Citizen.ID}} },
		typed: func(c people) []kv {
			return []kv{{"documents.1.doc_name", "Giấy ủy quyền"}, {"documents.1.unpaid_power", "yes"}, {"documents", "+row"},
				{"documents.2.doc_name", "Bản khai lý lịch"}, {"documents.2.pages", "3"}}
		},
		procs:   []procWant{{"chung-thuc-chu-ky", ubnd, 0}},
		persons: []string{"signer"},
		docs:    []string{"Giấy tờ, văn bản sẽ ký (ký hoặc điểm chỉ trước mặt người tiếp nhận)"},
		consts: []constraintCase{
			{"co-signer is the signer", []kv{{"co_signers", "+row"}, {"co_signers.1.name", "Trần Thị Bình"}, {"co_signers.1.id", "$signer"}},
				"co_signers.1.id", "Người yêu cầu đã khai ở trên: xóa dòng này."},
		},
		calcs: []calcCase{
			{"fee per paper", nil, "fee_total", "20000"},
			{"issue place", nil, "signer_id_issue_place", "Cục Cảnh sát quản lý hành chính về trật tự xã hội"},
		},
		relevance: []relevanceCase{
			{name: "not a power of attorney", sets: []kv{{"documents.1.doc_name", "Đơn đề nghị"}}, off: []string{"documents.1.unpaid_power"}, valid: true},
		},
	},
	{
		spec: "chung-thuc-hop-dong",
		slots: func(c people) []kv {
			return []kv{{"party_a", c.father.Citizen.ID}, {"party_b", c.single.Citizen.ID}}
		},
		typed: func(c people) []kv {
			return []kv{{"contract_kind", "land"}, {"contract_name", "Hợp đồng chuyển nhượng quyền sử dụng đất"},
				{"asset", "Thửa đất số 12, tờ bản đồ số 5"}, {"asset_registered", "yes"}, {"asset_cert_number", "CS 123456"},
				{"asset_place.ward", ward(c.father)}, {"asset_place.detail", "Thôn Đông"}, {"pages", "4"}}
		},
		procs:   []procWant{{"chung-thuc-hop-dong", ubnd, 2}},
		persons: []string{"party_a", "party_b"},
		docs:    []string{"Dự thảo hợp đồng, giao dịch", "Bản sao giấy chứng nhận quyền sở hữu, quyền sử dụng tài sản (kèm bản chính để đối chiếu)"},
		consts: []constraintCase{
			{"same person", []kv{{"@party_b", "$father"}}, "party_b_id", "Hai bên không thể là cùng một người: kiểm tra lại thẻ đã chạm."},
		},
		calcs: []calcCase{
			{"fee", nil, "fee_total", "50000"},
			{"amendment fee", []kv{{"action", "amend"}, {"prior_cert_number", "15/2026"}}, "fee_total", "30000"},
			{"exempt", []kv{{"fee_exempt", "yes"}}, "fee_total", "0"},
		},
		relevance: []relevanceCase{
			{name: "will has one party", sets: []kv{{"contract_kind", "will"}}, off: []string{"party_b_name", "asset_place"}, valid: true},
			{name: "witnesses", sets: []kv{{"need_witness", "yes"}}, on: []string{"witnesses.1.name", "witnesses.2.id"}},
			{name: "amendment", sets: []kv{{"action", "amend"}, {"prior_cert_number", "15/2026"}},
				docs: []string{"Văn bản thỏa thuận sửa đổi, bổ sung, hủy bỏ hợp đồng, giao dịch", "Hợp đồng, giao dịch đã được chứng thực"}, valid: true},
		},
	},
	{
		spec:  "trich-luc-ho-tich",
		slots: func(c people) []kv { return []kv{{"subject", c.single.Citizen.ID}} },
		typed: func(c people) []kv {
			return []kv{{"event_kind", "birth"}, {"prior_place", ward(c.single)}, {"prior_date", "10/02/2003"}, {"copies", "2"}}
		},
		procs:   []procWant{{"trich-luc-ho-tich", ubnd, 0}},
		persons: []string{"subject"},
		consts: []constraintCase{
			{"death needs another requester", []kv{{"event_kind", "death"}}, "for_other", "Trích lục khai tử: người yêu cầu là người thân hoặc người được ủy quyền, chọn \"Người khác\"."},
			{"before birth", []kv{{"prior_date", "01/01/2003"}}, "prior_date", "Ngày đăng ký không được trước ngày sinh."},
		},
		calcs:     []calcCase{{"fee", nil, "fee_total", "16000"}},
		relevance: []relevanceCase{{name: "for someone else", sets: []kv{{"for_other", "yes"}}, on: []string{"requester_name", "requester_relation"}}},
	},
	{
		spec: "thay-doi-cai-chinh-ho-tich",
		slots: func(c people) []kv {
			m := castMore(nil)
			return []kv{{"subject", m.child.Citizen.ID}}
		},
		typed: func(c people) []kv {
			m := castMore(nil)
			return []kv{{"for_other", "yes"}, {"@requester", m.childMother.Citizen.ID}, {"requester_relation", "Mẹ"},
				{"prior_place", wardOf(m.child)}, {"prior_date", "20/01/2013"}, {"change_kind", "Cải chính thông tin hộ tịch"},
				{"item", "birth_place"}, {"content_from", "Bệnh viện A"}, {"content_to", "Trạm y tế xã B"}, {"reason", "Ghi nhầm khi đăng ký"}}
		},
		procs:   []procWant{{"thay-doi-cai-chinh-ho-tich", ubnd, 3}},
		persons: []string{"subject", "requester"},
		docs:    []string{"Giấy tờ làm căn cứ thay đổi, cải chính thông tin hộ tịch", "Bản chính Giấy khai sinh hoặc Giấy chứng nhận kết hôn đã cấp (để ghi nội dung thay đổi, cải chính)"},
		consts: []constraintCase{
			{"same content", []kv{{"content_to", "Bệnh viện A"}}, "content_to", "Nội dung đề nghị trùng nội dung đã đăng ký."},
			{"change is for names", []kv{{"change_kind", "Thay đổi thông tin hộ tịch"}}, "item",
				"Thay đổi (không phải cải chính) chỉ áp dụng cho họ, chữ đệm, tên hoặc thông tin cha, mẹ (Luật Hộ tịch, Điều 26)."},
			{"minor by a parent", []kv{{"for_other", "no"}}, "for_other",
				"Người được thay đổi, cải chính thông tin hộ tịch chưa đủ 18 tuổi: cha, mẹ hoặc người giám hộ yêu cầu, chọn \"Người khác\"."},
		},
		calcs: []calcCase{
			{"content", nil, "content_text", "Từ: Bệnh viện A ; thành: Trạm y tế xã B"},
			{"provincial duty not configured", nil, "fee_total", ""},
			{"exempt", []kv{{"fee_exempt", "yes"}}, "fee_total", "0"},
		},
		relevance: []relevanceCase{
			{name: "name change needs the child's consent", sets: []kv{{"change_kind", "Thay đổi thông tin hộ tịch"}, {"item", "name"}}, on: []string{"consent"}},
		},
	},
	{
		spec:  "bo-sung-thong-tin-ho-tich",
		slots: func(c people) []kv { return []kv{{"subject", c.single.Citizen.ID}} },
		typed: func(c people) []kv {
			return []kv{{"prior_place", ward(c.single)}, {"prior_date", "10/02/2003"}, {"item", "origin"},
				{"content_to", "Xã Tân Lập, tỉnh Phú Thọ"}, {"reason", "Giấy khai sinh chưa ghi quê quán"}}
		},
		procs:   []procWant{{"bo-sung-thong-tin-ho-tich", ubnd, 0}},
		persons: []string{"subject"},
		docs:    []string{"Giấy tờ làm căn cứ bổ sung thông tin hộ tịch", "Bản chính Giấy khai sinh hoặc Giấy chứng nhận kết hôn đã cấp (để ghi nội dung bổ sung)"},
		consts: []constraintCase{
			{"reason too short", []kv{{"reason", "x"}}, "reason", "Lý do từ 3 đến 300 ký tự."},
		},
		calcs: []calcCase{{"kind", nil, "change_kind", "Bổ sung thông tin hộ tịch"},
			{"content", nil, "content_text", "Bổ sung: Xã Tân Lập, tỉnh Phú Thọ"}},
		relevance: []relevanceCase{{name: "for someone else", sets: []kv{{"for_other", "yes"}}, on: []string{"requester_name"}}},
	},
	{
		spec: "nhan-cha-me-con",
		slots: func(c people) []kv {
			return []kv{{"parent", c.father.Citizen.ID}, {"child", castMore(nil).fatherKid.Citizen.ID}}
		},
		typed:   func(c people) []kv { return []kv{{"evidence", "forensic"}} },
		procs:   []procWant{{"nhan-cha-me-con", ubnd, 3}},
		persons: []string{"parent", "child"},
		docs:    []string{"Văn bản của cơ quan y tế, cơ quan giám định hoặc cơ quan có thẩm quyền xác nhận quan hệ cha con, mẹ con"},
		consts: []constraintCase{
			{"child recorded with another father", []kv{{"@parent", "$groom"}}, "parent_id",
				"Người con đã có cha khác theo Cơ sở dữ liệu: không đăng ký nhận cha (có tranh chấp thì Tòa án giải quyết)."},
			{"witness is a party", []kv{{"evidence", "pledge"}, {"witnesses.1.name", "Lê Văn Chứng"}, {"witnesses.1.id", "$father"}},
				"witnesses.1.id", "Người làm chứng không thể là một bên nhận cha, mẹ, con."},
		},
		calcs: []calcCase{
			{"relation word", nil, "relation_word", "cha"},
			{"requester is the father", nil, "requester_relation", "Cha"},
			{"requester is the child", []kv{{"requester_is", "child"}}, "requester_relation", "Con"},
		},
		relevance: []relevanceCase{
			{name: "pledge needs witnesses", sets: []kv{{"evidence", "pledge"}}, on: []string{"witnesses.1.name", "witnesses.2.name"},
				docs: []string{"Văn bản cam đoan của các bên về quan hệ cha, mẹ, con"}},
		},
	},
	{
		spec: "khai-sinh-nhan-cha-me-con",
		slots: func(c people) []kv {
			return []kv{{"requester", c.bride.Citizen.ID}, {"mother", c.bride.Citizen.ID}, {"father", c.groom.Citizen.ID}}
		},
		typed: func(c people) []kv {
			return []kv{{"child_name", "Nguyễn Minh An"}, {"child_birth_date", "10/11/2026"}, {"child_sex", "Nam"},
				{"child_birth_place.ward", ward(c.bride)}, {"child_birth_place.detail", "Trạm y tế xã"}, {"evidence", "forensic"}}
		},
		procs:   []procWant{{"khai-sinh-nhan-cha-me-con", ubnd, 3}},
		persons: []string{"requester", "mother", "father"},
		docs: []string{"Giấy chứng sinh (hoặc văn bản xác nhận của người làm chứng, giấy cam đoan về việc sinh)",
			"Văn bản của cơ quan y tế, cơ quan giám định hoặc cơ quan có thẩm quyền xác nhận quan hệ cha con, mẹ con"},
		consts: []constraintCase{
			{"mother married", []kv{{"@mother", "$mother"}}, "mother_marital_status",
				"Mẹ đang có chồng theo Cơ sở dữ liệu: con sinh ra trong thời kỳ hôn nhân là con chung của vợ chồng (Luật Hôn nhân và gia đình, Điều 88); không đăng ký nhận cha kết hợp khai sinh (nếu người nhận là chồng: làm thủ tục đăng ký khai sinh)."},
		},
		calcs: []calcCase{
			{"requester is the mother", nil, "requester_relation", "Mẹ"},
			{"copies fee", []kv{{"want_copies", "yes"}, {"copies", "3"}, {"fee_exempt", "yes"}}, "fee_total", "24000"},
		},
		relevance: []relevanceCase{
			{name: "pledge and witnesses", sets: []kv{{"evidence", "pledge"}}, on: []string{"witnesses"},
				docs: []string{"Giấy chứng sinh (hoặc văn bản xác nhận của người làm chứng, giấy cam đoan về việc sinh)",
					"Văn bản cam đoan của các bên về quan hệ cha, mẹ, con"}},
			{name: "copies", sets: []kv{{"want_copies", "yes"}}, on: []string{"copies"}},
		},
	},
	{
		spec:  "dang-ky-lai-khai-sinh",
		slots: func(c people) []kv { return []kv{{"subject", c.single.Citizen.ID}} },
		typed: func(c people) []kv {
			return []kv{{"subject_birth_place", ward(c.single)}, {"prior_place", ward(c.single)}, {"prior_date", "10/02/2003"},
				{"has_old_copy", "yes"}}
		},
		procs:   []procWant{{"dang-ky-lai-khai-sinh", ubnd, 5}},
		persons: []string{"subject", "mother", "father"},
		docs:    []string{"Bản sao Giấy khai sinh đã cấp trước đây"},
		consts: []constraintCase{
			{"registered after 2016", []kv{{"prior_date", "10/02/2016"}}, "prior_date",
				"Chỉ đăng ký lại khi việc hộ tịch đã được đăng ký trước ngày 01/01/2016 mà Sổ hộ tịch và bản chính giấy tờ hộ tịch đều bị mất (NĐ 123/2015/NĐ-CP, Điều 24)."},
		},
		calcs: []calcCase{
			{"date in words", nil, "subject_birth_date_words", "Ngày một tháng hai năm hai nghìn không trăm linh ba"},
		},
		relevance: []relevanceCase{
			{name: "no old copy", sets: []kv{{"has_old_copy", "no"}}, docs: []string{
				"Giấy tờ, tài liệu có thông tin về nội dung khai sinh (hồ sơ học tập, hồ sơ công chức, giấy tờ tùy thân đã cấp...)",
				"Văn bản cam đoan đã đăng ký khai sinh nhưng không lưu giữ được bản sao Giấy khai sinh"}, valid: true},
			{name: "father unknown", clear: []string{"father"}, sets: []kv{{"father_name", ""}}, off: []string{"father_ethnicity", "father_id"}, valid: true},
		},
	},
	{
		spec: "dang-ky-lai-khai-tu",
		slots: func(c people) []kv {
			m := castMore(nil)
			return []kv{{"requester", m.oldDeadKin.Citizen.ID}, {"deceased", m.oldDead.Citizen.ID}}
		},
		typed: func(c people) []kv {
			m := castMore(nil)
			return []kv{{"requester_relation", "Con"}, {"death_place", wardOf(m.oldDeadKin)}, {"death_cause", "Bệnh"},
				{"prior_place", wardOf(m.oldDeadKin)}, {"prior_date", m.oldDead.DeathDate.String()}, {"has_old_copy", "no"}}
		},
		procs:   []procWant{{"dang-ky-lai-khai-tu", ubnd, 5}},
		persons: []string{"requester", "deceased"},
		docs:    []string{"Giấy tờ, tài liệu có thông tin về việc khai tử"},
		consts: []constraintCase{
			{"registered before the death", []kv{{"prior_date", "01/01/1990"}}, "prior_date", "Ngày đăng ký khai tử không được trước ngày chết."},
		},
		calcs: []calcCase{
			{"copies fee", []kv{{"want_copies", "yes"}, {"copies", "2"}, {"fee_exempt", "yes"}}, "fee_total", "16000"},
			{"issue place", []kv{{"requester_id_issue_date", "15/08/2024"}}, "requester_id_issue_place", "Bộ Công an"},
		},
		relevance: []relevanceCase{{name: "copies", sets: []kv{{"want_copies", "yes"}}, on: []string{"copies"}}},
	},
	{
		spec: "giam-ho",
		slots: func(c people) []kv {
			return []kv{{"guardian", c.mover.Citizen.ID}, {"ward", castMore(nil).child.Citizen.ID}}
		},
		typed: func(c people) []kv {
			return []kv{{"ward_case", "minor"}, {"kind", "by_law"}, {"reason", "Cha mẹ đi làm ăn xa, không có điều kiện chăm sóc"}}
		},
		procs:   []procWant{{"giam-ho", ubnd, 3}},
		persons: []string{"guardian", "ward"},
		docs:    []string{"Giấy tờ chứng minh điều kiện giám hộ đương nhiên theo quy định của Bộ luật Dân sự"},
		consts: []constraintCase{
			{"guardian is the ward", []kv{{"@guardian", "$child"}}, "guardian_id", "Người giám hộ và người được giám hộ không thể là cùng một người."},
			{"minor guardian", []kv{{"@guardian", "$child"}}, "guardian_birth_date", "Người giám hộ phải từ đủ 18 tuổi (Bộ luật Dân sự, Điều 49)."},
		},
		calcs: []calcCase{
			{"free but copies", []kv{{"want_copies", "yes"}, {"copies", "2"}}, "fee_total", "16000"},
			{"free", nil, "fee_total", "0"},
		},
		relevance: []relevanceCase{
			{name: "appointed", sets: []kv{{"kind", "appointed"}}, off: []string{"several_eligible"},
				docs: []string{"Văn bản cử người giám hộ theo quy định của Bộ luật Dân sự"}},
			{name: "other requester", sets: []kv{{"requester_is", "other"}}, on: []string{"other_name", "other_relation"}},
		},
	},
	{
		spec: "cham-dut-giam-ho",
		slots: func(c people) []kv {
			return []kv{{"guardian", c.mover.Citizen.ID}, {"ward", castMore(nil).child.Citizen.ID}}
		},
		typed: func(c people) []kv {
			return []kv{{"ward_case", "minor"}, {"prior_place", ward(c.mover)}, {"prior_date", "15/03/2020"},
				{"end_reason", "parents_able"}, {"reason", "Cha mẹ đã trở về chăm sóc con"}}
		},
		procs:   []procWant{{"cham-dut-giam-ho", ubnd, 2}},
		persons: []string{"guardian", "ward"},
		docs:    []string{"Giấy tờ làm căn cứ chấm dứt giám hộ theo quy định của Bộ luật Dân sự"},
		consts: []constraintCase{
			{"ward still a minor", []kv{{"end_reason", "adult"}}, "end_reason", "Người được giám hộ chưa đủ 18 tuổi: chọn lý do khác."},
		},
		calcs:     []calcCase{{"someone else asks", []kv{{"requester_is", "other"}, {"other_id_issue_date", "15/08/2024"}}, "other_id_issue_place", "Bộ Công an"}},
		relevance: []relevanceCase{{name: "someone else asks", sets: []kv{{"requester_is", "other"}}, on: []string{"other_name"}}},
	},
	{
		spec:  "gia-han-tam-tru",
		slots: func(c people) []kv { return []kv{{"applicant", castMore(nil).tempStay.Citizen.ID}} },
		typed: func(c people) []kv {
			return []kv{{"addressee", "Công an phường Ba Đình"}, {"stay_to", "20/11/2028"}, {"members", "-rows"},
				{"dwelling_in_db", "yes"}, {"owner_kind", "other_person"}, {"@owner", c.otherHead.Citizen.ID}, {"owner_opinion", "on_form"}}
		},
		procs:   []procWant{{"gia-han-tam-tru", cax, 3}},
		persons: []string{"applicant", "owner"},
		docs:    []string{"Tờ khai thay đổi thông tin cư trú (Mẫu CT01)"},
		consts: []constraintCase{
			{"more than two years", []kv{{"stay_to", "24/11/2028"}}, "stay_to", "Thời hạn tạm trú tối đa 02 năm: chọn ngày không quá 02 năm kể từ hôm nay."},
			{"not after the current end", []kv{{"stay_to", "01/01/2020"}}, "stay_to", "Ngày gia hạn phải sau thời hạn tạm trú hiện tại."},
		},
		calcs: []calcCase{
			{"fee", nil, "fee_total", "15000"},
			{"head is the applicant", nil, "relation_self", "Chủ hộ"},
		},
		relevance: []relevanceCase{
			{name: "head is someone else", sets: []kv{{"head_is_self", "no"}}, on: []string{"head_name", "head_opinion"}, off: []string{"head_name_self"}},
			{name: "papers", sets: []kv{{"dwelling_in_db", "no"}}, docs: []string{"Tờ khai thay đổi thông tin cư trú (Mẫu CT01)", "Giấy tờ, tài liệu chứng minh chỗ ở hợp pháp"}},
		},
	},
	{
		spec:  "xoa-tam-tru",
		slots: func(c people) []kv { return []kv{{"person", castMore(nil).tempStay.Citizen.ID}} },
		typed: func(c people) []kv {
			return []kv{{"addressee", "Công an phường Ba Đình"}, {"case", "resident_here"}}
		},
		procs:   []procWant{{"xoa-tam-tru", cax, 1}},
		persons: []string{"person", "head"},
		docs:    []string{"Tờ khai thay đổi thông tin cư trú (Mẫu CT01)"},
		consts: []constraintCase{
			{"dead person declares", []kv{{"case", "died"}}, "declared_by", "Người được xóa đăng ký đã chết: người khác kê khai thay."},
		},
		relevance: []relevanceCase{
			{name: "lease ended", sets: []kv{{"case", "lease_ended"}},
				docs: []string{"Tờ khai thay đổi thông tin cư trú (Mẫu CT01)", "Giấy tờ, tài liệu chứng minh thuộc trường hợp xóa đăng ký tạm trú"}, valid: true},
			{name: "declarant", sets: []kv{{"declared_by", "other"}}, on: []string{"declarant_name", "declarant_relation"}},
		},
	},
	{
		spec:  "tach-ho",
		slots: func(c people) []kv { return []kv{{"applicant", c.mover.Citizen.ID}} },
		typed: func(c people) []kv {
			return []kv{{"addressee", "Công an phường Ba Đình"}, {"members", "-rows"}, {"owner_kind", "head"}, {"head_opinion", "on_form"}}
		},
		procs:   []procWant{{"tach-ho", cax, 3}},
		persons: []string{"applicant", "head"},
		docs:    []string{"Tờ khai thay đổi thông tin cư trú (Mẫu CT01)"},
		consts: []constraintCase{
			{"head moves with the applicant", []kv{{"members", "+row"}, {"members.1.moving", "yes"}, {"members.1.name", "Người Chủ Hộ"},
				{"members.1.birth_date", "01/01/1960"}, {"members.1.sex", "Nam"}, {"members.1.id", "$moverHead"}, {"members.1.relation", "Cha"}},
				"members.1.id", "Chủ hộ hiện nay ở lại hộ cũ: xóa dòng này."},
		},
		calcs: []calcCase{{"fee", nil, "fee_total", "10000"}},
		relevance: []relevanceCase{
			{name: "after a divorce", sets: []kv{{"after_divorce", "yes"}}, off: []string{"head_opinion"},
				docs: []string{"Tờ khai thay đổi thông tin cư trú (Mẫu CT01)", "Bản án, quyết định ly hôn đã có hiệu lực pháp luật"}, valid: true},
		},
	},
	{
		spec:  "dieu-chinh-thong-tin-cu-tru",
		slots: func(c people) []kv { return []kv{{"applicant", castMore(nil).adjuster.Citizen.ID}} },
		typed: func(c people) []kv {
			return []kv{{"addressee", "Công an phường Ba Đình"}, {"case", "change_head"}, {"@new_head", castMore(nil).adjusterSibling.Citizen.ID},
				{"change_reason", "agreed"}}
		},
		procs:   []procWant{{"dieu-chinh-thong-tin-cu-tru", cax, 3}},
		persons: []string{"applicant", "head", "new_head"},
		docs:    []string{"Tờ khai thay đổi thông tin cư trú (Mẫu CT01)"},
		consts: []constraintCase{
			{"new head from another household", []kv{{"@new_head", "$otherHead"}}, "new_head_id",
				"Chủ hộ mới phải là thành viên của hộ gia đình này (Cơ sở dữ liệu về cư trú)."},
			{"already head", []kv{{"@new_head", "$adjusterHead"}}, "new_head_id", "Người này đang là chủ hộ."},
		},
		calcs: []calcCase{
			{"civil status", []kv{{"case", "civil_status"}, {"item", "Dân tộc"}, {"content_from", "Kinh"}, {"content_to", "Tày"}},
				"request_text", "Điều chỉnh thông tin về cư trú: Dân tộc từ Kinh thành Tày"},
		},
		relevance: []relevanceCase{
			{name: "civil status", sets: []kv{{"case", "civil_status"}, {"item", "Dân tộc"}, {"content_from", "Kinh"}, {"content_to", "Tày"}},
				off:  []string{"new_head_name"},
				docs: []string{"Tờ khai thay đổi thông tin cư trú (Mẫu CT01)", "Giấy tờ, tài liệu chứng minh việc thay đổi thông tin về hộ tịch"}, valid: true},
		},
	},
	{
		spec:  "xoa-thuong-tru",
		slots: func(c people) []kv { return []kv{{"person", c.mover.Citizen.ID}} },
		typed: func(c people) []kv {
			return []kv{{"addressee", "Công an phường Ba Đình"}, {"case", "abroad"}, {"declared_by", "other"},
				{"@declarant", castMore(nil).moverHead.Citizen.ID}, {"declarant_relation", "Đại diện hộ gia đình"}}
		},
		procs:   []procWant{{"xoa-thuong-tru", cax, 1}},
		persons: []string{"person", "head", "declarant"},
		docs:    []string{"Tờ khai thay đổi thông tin cư trú (Mẫu CT01)", "Giấy tờ, tài liệu chứng minh thuộc trường hợp xóa đăng ký thường trú"},
		consts: []constraintCase{
			{"death not registered", []kv{{"case", "died"}}, "case",
				"Cơ sở dữ liệu chưa ghi nhận người này đã chết: đăng ký khai tử trước (hoặc chọn trường hợp có quyết định của Tòa án)."},
			{"declarant is the person", []kv{{"@declarant", "$mover"}}, "declarant_id", "Người kê khai thay phải là người khác."},
		},
		relevance: []relevanceCase{{name: "declares for oneself", clear: []string{"declarant"}, sets: []kv{{"declared_by", "self"}},
			off: []string{"declarant_name"}}},
	},
	{
		spec:  "tro-cap-xa-hoi-hang-thang",
		slots: func(c people) []kv { return []kv{{"subject", castMore(nil).elder.Citizen.ID}} },
		typed: func(c people) []kv {
			return []kv{{"category", "elderly"}, {"elder_case", "c"}, {"pension", "no"}}
		},
		procs:   []procWant{{"tro-cap-xa-hoi-hang-thang", ubnd, 12}},
		persons: []string{"subject"},
		consts: []constraintCase{
			{"pension", []kv{{"pension", "yes"}}, "elder_case", "Người đang có lương hưu, trợ cấp bảo hiểm xã hội hàng tháng không thuộc trường hợp này."},
			{"too old for infant", []kv{{"category", "infant"}, {"poor_household", "poor"}}, "category", "Trẻ em dưới 3 tuổi (khoản 7): người đề nghị đã đủ 3 tuổi."},
			{"bank account", []kv{{"payment_method", "bank"}, {"bank_account", "12ab"}, {"bank_name", "Ngân hàng"}}, "bank_account", "Số tài khoản gồm 6 đến 20 chữ số."},
		},
		calcs: []calcCase{
			{"coefficient", nil, "coefficient", "1,0"},
			{"coefficient poor elder", []kv{{"elder_case", "a"}}, "coefficient", "2,0"},
			{"coefficient disabled", []kv{{"category", "disabled"}, {"disability_level", "severe_special"}, {"disability_cert", "123"}}, "coefficient", "2,5"},
		},
		relevance: []relevanceCase{
			{name: "disabled", sets: []kv{{"category", "disabled"}, {"disability_level", "severe"}, {"disability_cert", "123/GXN"}},
				off: []string{"elder_case", "poor_household"}, docs: []string{"Giấy xác nhận khuyết tật (xuất trình)"}, valid: true},
			{name: "single parent lists children", sets: []kv{{"category", "single_parent"}}, on: []string{"children.1.name", "poor_household"}},
		},
	},
	{
		spec: "ho-tro-mai-tang",
		slots: func(c people) []kv {
			return []kv{{"organiser", c.relative.Citizen.ID}, {"deceased", c.deceased.Citizen.ID}}
		},
		typed: func(c people) []kv {
			return []kv{{"death_cause", "Bệnh già"}, {"burial_date", "05/01/2022"}, {"burial_place", "Nghĩa trang thôn"},
				{"eligibility", "a"}, {"death_in_db", "yes"}, {"organiser_relation", "Con"}}
		},
		procs:   []procWant{{"ho-tro-mai-tang", ubnd, 3}},
		persons: []string{"organiser", "deceased"},
		consts: []constraintCase{
			{"burial before death", []kv{{"burial_date", "01/01/2022"}}, "burial_date", "Thời gian mai táng không được trước ngày chết."},
		},
		calcs: []calcCase{{"issue place", []kv{{"organiser_id_issue_date", "10/03/2022"}}, "organiser_id_issue_place",
			"Cục Cảnh sát quản lý hành chính về trật tự xã hội"}},
		relevance: []relevanceCase{
			{name: "organisation", clear: []string{"organiser"}, sets: []kv{{"organiser_kind", "organization"}, {"org_name", "Hội Chữ thập đỏ phường"},
				{"org_address", "Số 1 phố Hòa Bình"}, {"org_representative", "Trần Văn Hội"}, {"org_position", "Chủ tịch"}},
				off: []string{"organiser_name"}, valid: true},
			{name: "death certificate copy", sets: []kv{{"death_in_db", "no"}, {"eligibility", "c"}}, docs: []string{
				"Bản sao Giấy chứng tử (Trích lục khai tử)", "Bản sao quyết định hoặc danh sách thôi hưởng trợ cấp bảo hiểm xã hội, trợ cấp khác"}},
		},
	},
	{
		spec:  "dang-ky-ho-kinh-doanh",
		slots: func(c people) []kv { return []kv{{"owner", c.single.Citizen.ID}} },
		typed: func(c people) []kv {
			return []kv{{"business_name", "Hộ kinh doanh Minh Anh"}, {"activities.1.name", "Bán lẻ hàng tạp hóa"}, {"activities.1.code", "4711"},
				{"capital", "50000000"}}
		},
		procs:   []procWant{{"dang-ky-ho-kinh-doanh", dkkdCapXa, 3}},
		persons: []string{"owner"},
		consts: []constraintCase{
			{"name", []kv{{"business_name", "Cửa hàng Minh Anh"}}, "business_name", "Tên bắt đầu bằng \"Hộ kinh doanh\" rồi đến tên riêng."},
			{"code", []kv{{"activities.1.code", "47A"}}, "activities.1.code", "Mã ngành cấp 4 gồm 4 chữ số."},
			{"start in the past", []kv{{"start_date", "01/11/2026"}}, "start_date", "Ngày bắt đầu hoạt động không được trước hôm nay."},
		},
		calcs: []calcCase{{"provincial duty not configured", nil, "fee_total", ""}},
		relevance: []relevanceCase{
			{name: "household members", sets: []kv{{"founder", "household"}}, on: []string{"members.1.name"},
				docs: []string{"Biên bản họp thành viên hộ gia đình về việc thành lập hộ kinh doanh",
					"Văn bản ủy quyền của thành viên hộ gia đình cho một thành viên làm chủ hộ kinh doanh"}},
		},
	},
	{
		spec:  "thay-doi-ho-kinh-doanh",
		slots: func(c people) []kv { return []kv{{"owner", c.single.Citizen.ID}} },
		typed: func(c people) []kv {
			return []kv{{"business_name", "Hộ kinh doanh Minh Anh"}, {"hkd_number", "01A8012345"}, {"hkd_issue_date", "15/03/2024"},
				{"change_capital", "yes"}, {"new_capital", "80000000"}}
		},
		procs:   []procWant{{"thay-doi-ho-kinh-doanh", dkkdCapXa, 3}},
		persons: []string{"owner"},
		consts: []constraintCase{
			{"nothing changed", []kv{{"change_capital", "no"}}, "change_name", "Chưa chọn nội dung nào để thay đổi."},
			{"same name", []kv{{"change_name", "yes"}, {"new_business_name", "Hộ kinh doanh Minh Anh"}}, "new_business_name", "Tên mới trùng tên cũ."},
		},
		calcs: []calcCase{{"provincial duty not configured", nil, "fee_total", ""}},
		relevance: []relevanceCase{
			{name: "new owner", sets: []kv{{"change_owner", "yes"}}, on: []string{"new_owner_name", "owner_change_basis"},
				docs: []string{"Văn bản ủy quyền của thành viên hộ gia đình cho thành viên khác làm chủ hộ kinh doanh, hoặc hợp đồng mua bán, tặng cho, giấy tờ thừa kế"}},
		},
	},
	{
		spec:  "cham-dut-ho-kinh-doanh",
		slots: func(c people) []kv { return []kv{{"owner", c.single.Citizen.ID}} },
		typed: func(c people) []kv {
			return []kv{{"business_name", "Hộ kinh doanh Minh Anh"}, {"hkd_number", "01A8012345"}, {"hkd_issue_date", "15/03/2024"},
				{"tax_settled", "yes"}}
		},
		procs:   []procWant{{"cham-dut-ho-kinh-doanh", dkkdCapXa, 3}},
		persons: []string{"owner"},
		docs:    []string{"Giấy chứng nhận đăng ký hộ kinh doanh (bản gốc)"},
		consts: []constraintCase{
			{"end before the certificate", []kv{{"end_date", "01/01/2024"}}, "end_date", "Ngày chấm dứt không được trước ngày cấp giấy chứng nhận."},
		},
		relevance: []relevanceCase{{name: "household founded", sets: []kv{{"founder", "household"}}, valid: true,
			docs: []string{"Giấy chứng nhận đăng ký hộ kinh doanh (bản gốc)", "Biên bản họp thành viên hộ gia đình về việc chấm dứt hoạt động hộ kinh doanh"}}},
	},
}

// resolveMore replaces the "$name" markers of a case's values with IDs of the cast.
func resolveMore(t testing.TB, sets []kv) []kv {
	c, m := cast(t), castMore(t)
	ids := map[string]string{"$father": c.father.Citizen.ID, "$mother": c.mother.Citizen.ID, "$groom": c.groom.Citizen.ID,
		"$child": m.child.Citizen.ID, "$otherHead": c.otherHead.Citizen.ID, "$moverHead": m.moverHead.Citizen.ID,
		"$mover": c.mover.Citizen.ID, "$signer": c.single.Citizen.ID, "$adjusterHead": m.adjusterHead.Citizen.ID}
	out := make([]kv, len(sets))
	for i, s := range sets {
		if id, ok := ids[s.value]; ok {
			s.value = id
		}
		out[i] = s
	}
	return out
}

// TestMoreServices runs the service checks of services_test.go (a complete
// declaration finalized, each required field cleared, constraints,
// relevance, calculations, a draft resumed) on every service issue 16 added.
func TestMoreServices(t *testing.T) {
	castMore(t)
	for _, sc := range moreCases {
		sc := sc
		for i := range sc.consts {
			sc.consts[i].sets = resolveMore(t, sc.consts[i].sets)
		}
		for i := range sc.relevance {
			sc.relevance[i].sets = resolveMore(t, sc.relevance[i].sets)
		}
		t.Run(sc.spec, func(t *testing.T) { runService(t, sc) })
	}
}

// The catalog holds at least 30 services, 20 or more of them added by issue
// 16, each with refusal reasons and an official field list.
func TestCatalogBreadth(t *testing.T) {
	cat := Catalog()
	if len(cat) < 30 {
		t.Errorf("catalog has %d services, want at least 30", len(cat))
	}
	if len(moreCases) < 20 {
		t.Errorf("%d new services tested, want at least 20", len(moreCases))
	}
	for _, sc := range moreCases {
		s, ok := Lookup(sc.spec)
		if !ok {
			t.Errorf("%s not in the catalog", sc.spec)
			continue
		}
		if len(s.RefusalReasons()) < 3 {
			t.Errorf("%s: %d refusal reasons", s.ID, len(s.RefusalReasons()))
		}
		st := Stats(s)
		if len(st.Errors) > 0 {
			t.Errorf("%s: %v", s.ID, st.Errors)
		}
		for _, d := range s.Procedures() {
			for _, doc := range d.Documents {
				if isResidencePaper(doc.Name) {
					t.Errorf("%s asks for a residence paper: %q", s.ID, doc.Name)
				}
			}
		}
	}
	// The first nine keep their places (the numbers clerks know).
	want := []string{"xac-nhan-tthn", "khai-sinh", "lien-thong-khai-sinh", "khai-tu", "lien-thong-khai-tu", "ket-hon", "thuong-tru", "tam-tru", "tam-vang"}
	var got []string
	for _, s := range cat[:9] {
		got = append(got, s.ID)
	}
	if !slices.Equal(got, want) {
		t.Errorf("first nine services %v, want %v", got, want)
	}
}

// Values the cases above cannot state as constants: the parents and the
// requester come from the sandbox records.
func TestMoreServicesPrefillParents(t *testing.T) {
	c, m := cast(t), castMore(t)
	sc := moreCases[slices.IndexFunc(moreCases, func(x serviceCase) bool { return x.spec == "dang-ky-lai-khai-sinh" })]
	d := sc.valid(t)
	if got, want := d.Value("mother_name"), c.single.Mother.FullName; got != want || got == "" {
		t.Errorf("mother_name %q, want %q from the database", got, want)
	}
	if p := d.Provenance("mother_ethnicity"); p.Source != SourceDatabase || p.Slot != "mother" {
		t.Errorf("mother_ethnicity provenance %+v, want the mother's record", p)
	}
	sc = moreCases[slices.IndexFunc(moreCases, func(x serviceCase) bool { return x.spec == "giam-ho" })]
	d = sc.valid(t)
	if got := d.Value("requester_name"); got != d.Value("guardian_name") || got == "" {
		t.Errorf("requester_name %q, want the guardian's %q", got, d.Value("guardian_name"))
	}
	if d.Value("ward_id") != m.child.Citizen.ID {
		t.Errorf("ward_id %q", d.Value("ward_id"))
	}
	sc = moreCases[slices.IndexFunc(moreCases, func(x serviceCase) bool { return x.spec == "xoa-thuong-tru" })]
	d = sc.valid(t)
	if got := d.Value("request_text"); !strings.HasPrefix(got, "Xóa đăng ký thường trú của "+d.Value("person_name")+" tại ") {
		t.Errorf("request_text %q", got)
	}
}

// A renewal of temporary residence reads the current registration from the
// database: an ended one refuses, and the two-year bound follows today.
func TestTemporaryRenewalFromDatabase(t *testing.T) {
	m := castMore(t)
	sc := moreCases[slices.IndexFunc(moreCases, func(x serviceCase) bool { return x.spec == "gia-han-tam-tru" })]
	d := sc.valid(t)
	if got := d.Value("temp_until"); got != m.tempStay.Temporary.Until.String() || d.Provenance("temp_until").Source != SourceDatabase {
		t.Fatalf("temp_until %q (%+v), want %s from the database", got, d.Provenance("temp_until"), m.tempStay.Temporary.Until)
	}
	// The same person a long time later: the period has ended.
	late := svcNow.AddDate(3, 0, 0)
	d.SetClock(func() time.Time { return late })
	var found bool
	for _, p := range d.Validate() {
		if p.FieldID == "temp_until" && strings.Contains(p.Message, "đã hết") {
			found = true
		}
	}
	if !found {
		t.Errorf("an ended temporary residence was not refused: %v", d.Validate())
	}
}
