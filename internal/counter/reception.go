package counter

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"motcua/forms"
	"motcua/forms/lifecycle"
	"motcua/lookups"
	"motcua/offline"
)

// The reception's other two outcomes (Nghị định 118/2025; docs/WORKFLOW.md): instead of
// receiving (Receive, Mẫu 01), the clerk asks for a supplement (Mẫu 02) — the declaration is
// kept as its draft and the slip's code (printed, and in its QR code) brings it back when the
// citizen returns — or refuses (Mẫu 03) with reasons from the service's list
// (forms/refusals.toml) and free text. Each is recorded with time, operator and counter
// (offline.SlipInfo: counted for the reports), sealed, and in the access log.

// Slip code prefixes: the third part of a slip's code, before the counter and the number.
const (
	slipPrefixSupplement = "BS" // bổ sung
	slipPrefixRefusal    = "TC" // từ chối
)

// SlipOutcome is a reception slip made (or found again under its key).
type SlipOutcome struct {
	Info offline.SlipInfo
	// One of the two, by Info.Kind.
	Supplement *forms.SupplementSlip
	Refusal    *forms.RefusalSlip
	// Duplicate: made before under the same key; nothing new was recorded.
	Duplicate bool
}

// SupplementRequest asks, at reception, for a supplement to a declaration.
type SupplementRequest struct {
	DraftID  string // the declaration as its draft (the counter saves every step): it is kept
	Items    []lifecycle.SupplementItem
	Note     string    // anything else for the citizen
	Contact  string    // where to ask (default: the agency's result place)
	Deadline time.Time // zero: none stated
	Key      string    // idempotency key ("" derives one from the draft and the items)
}

// RefusalRequest refuses a declaration at reception.
type RefusalRequest struct {
	DraftID string
	Reasons []string // reason ids of the service's list (forms.RefusalReasons)
	Note    string   // free text (required with the "other" reason)
	// KeepDraft keeps the declaration; by default it is deleted (the dossier was not received:
	// its personal data is not kept), the slip keeping what Mẫu 03 prints.
	KeepDraft bool
	Key       string
}

// ErrSlip says a slip cannot be made or used. The error is a *SlipError.
var ErrSlip = errors.New("counter: reception slip")

// SlipError says, in Vietnamese, why.
type SlipError struct{ Message string }

func (e *SlipError) Error() string { return "counter: reception slip: " + e.Message }

func (e *SlipError) Unwrap() error { return ErrSlip }

// slipDecl reads the declaration of a draft op may open.
func (s *Service) slipDecl(op Operator, draftID string) (*forms.Declaration, offline.DraftInfo, error) {
	if draftID == "" {
		return nil, offline.DraftInfo{}, &SlipError{"Chưa lưu tờ khai: hãy lưu tờ khai (bản nháp) trước khi lập phiếu."}
	}
	blob, info, err := s.Draft(op, draftID)
	if err != nil {
		return nil, info, err
	}
	decl, err := forms.RestoreDraft(blob)
	if err != nil {
		return nil, info, err
	}
	return decl, info, nil
}

// declApplicant is who is asking, from a declaration in progress (it need not be complete).
func declApplicant(d *forms.Declaration) lifecycle.Applicant {
	spec := d.Spec()
	var a lifecycle.Applicant
	for _, slot := range []string{"requester", spec.Subject.Person} {
		if p, ok := d.Person(slot); ok && p.ID() != "" {
			a.Name, a.ID = p.FullName(), p.ID()
			break
		}
	}
	if a.Name == "" {
		a.Name = d.Value(spec.Subject.Name)
	}
	if a.ID == "" {
		a.ID = d.Value(spec.Subject.ID)
	}
	a.Phone = d.Value(spec.Subject.Phone)
	if r := spec.Subject.Residence; r != "" {
		var parts []string
		if v := d.Value(r + ".detail"); v != "" {
			parts = append(parts, v)
		}
		if v := d.Value(r + ".ward"); v != "" {
			parts = append(parts, d.ChoiceLabel(r+".ward", v))
		} else if v := d.Value(r); v != "" {
			parts = append(parts, v)
		}
		a.Address = strings.Join(parts, ", ")
	}
	if subj := d.Value(spec.Subject.Name); subj != "" && subj != a.Name {
		a.Subject = subj
	}
	return a
}

// slipKeyRun is the checkpoint run of the slips' idempotency keys.
const slipKeyRun = "slip-key/v1"

// makeSlip records a slip in one unit of work: the key, the number, the sealed content, the
// index, the draft (deleted when drop), the access log.
func (s *Service) makeSlip(op Operator, kind, prefix, key, fp string, info offline.SlipInfo, applicantID string, drop bool,
	content func(code string) (any, error)) (SlipOutcome, error) {
	now := s.clock()
	agency, counter := s.where()
	info.Kind, info.Counter, info.Operator, info.At = kind, counter, s.actorID(op), now
	var out SlipOutcome
	err := s.store.Update(func(tx *offline.Tx) error {
		if v, done, err := tx.Done(slipKeyRun, key); err != nil {
			return err
		} else if done {
			code, oldFP, _ := strings.Cut(v, "\n")
			if oldFP != fp {
				return fmt.Errorf("%w: %s", ErrKeyReused, code)
			}
			blob, old, err := tx.GetSlip(code)
			if err != nil {
				return err
			}
			out, err = slipOutcome(old, blob)
			out.Duplicate = true
			return err
		}
		n, err := tx.NextSlipNumber(kind, agency, s.cfg.Counter, now)
		if err != nil {
			return err
		}
		info.Code = fmt.Sprintf("%s-%s-%s%02d%04d", agency, now.Format("060102"), prefix, s.cfg.Counter, n)
		c, err := content(info.Code)
		if err != nil {
			return err
		}
		blob, err := json.Marshal(c)
		if err != nil {
			return fmt.Errorf("counter: encode slip: %w", err)
		}
		if err := tx.PutSlip(info, blob); err != nil {
			return err
		}
		if drop {
			if err := tx.DeleteDraft(info.DraftID); err != nil {
				return err
			}
			info.DraftID = ""
		}
		if err := tx.MarkDone(slipKeyRun, key, info.Code+"\n"+fp); err != nil {
			return err
		}
		e := offline.AccessEntry{Operator: info.Operator, Purpose: lookups.PurposeReception, Action: ActionSlip, Outcome: "ok", Detail: kind}
		if applicantID != "" {
			e.Subject = s.store.SubjectRef(applicantID)
		}
		if err := tx.LogAccess(e); err != nil {
			return err
		}
		out, err = slipOutcome(info, blob)
		return err
	})
	return out, err
}

func slipOutcome(info offline.SlipInfo, blob []byte) (SlipOutcome, error) {
	out := SlipOutcome{Info: info}
	var err error
	switch info.Kind {
	case offline.SlipSupplement:
		out.Supplement = &forms.SupplementSlip{}
		err = json.Unmarshal(blob, out.Supplement)
	case offline.SlipRefusal:
		out.Refusal = &forms.RefusalSlip{}
		err = json.Unmarshal(blob, out.Refusal)
	default:
		err = fmt.Errorf("counter: slip %s of unknown kind %q", info.Code, info.Kind)
	}
	return out, err
}

// AskSupplement asks, at reception, for what a declaration lacks (Mẫu 02): the declaration is
// kept as its draft, the slip's code brings it back (ResumeSlip).
func (s *Service) AskSupplement(_ context.Context, op Operator, req SupplementRequest) (SlipOutcome, error) {
	if err := s.Allow(op, ActSupplement); err != nil {
		return SlipOutcome{}, err
	}
	items := cleanItems(req.Items)
	if len(items) == 0 {
		return SlipOutcome{}, &SlipError{"Cần ghi ít nhất một giấy tờ phải bổ sung, hoàn thiện."}
	}
	for _, it := range items {
		if it.Document == "" || it.Problem == "" {
			return SlipOutcome{}, &SlipError{"Mỗi mục bổ sung cần tên giấy tờ và nội dung thiếu hoặc sai."}
		}
	}
	decl, _, err := s.slipDecl(op, req.DraftID)
	if err != nil {
		return SlipOutcome{}, err
	}
	spec := decl.Spec()
	fp := fingerprint(lifecycle.Change{Event: lifecycle.EventSupplementRequested, Items: items, Reason: clean(req.Note)})
	key := req.Key
	if key == "" {
		key = "auto:supplement:" + req.DraftID + ":" + fp
	} else if err := checkKey(key); err != nil {
		return SlipOutcome{}, err
	}
	applicant := declApplicant(decl)
	contact := clean(req.Contact)
	if contact == "" {
		contact = s.cfg.Agency.ResultPlace
	}
	info := offline.SlipInfo{Service: spec.ID, DraftID: req.DraftID}
	return s.makeSlip(op, offline.SlipSupplement, slipPrefixSupplement, key, fp, info, applicant.ID, false, func(code string) (any, error) {
		return forms.SupplementSlip{FormHeader: s.header(s.clock()), SlipCode: code, QR: code, Citizen: applicant,
			ServiceName: spec.Name, Items: items, Note: clean(req.Note), Contact: contact, Deadline: req.Deadline,
			Officer: officerName(op)}, nil
	})
}

// Refuse refuses a declaration at reception (Mẫu 03), for reasons of the service's list.
func (s *Service) Refuse(_ context.Context, op Operator, req RefusalRequest) (SlipOutcome, error) {
	if err := s.Allow(op, ActRefuse); err != nil {
		return SlipOutcome{}, err
	}
	decl, _, err := s.slipDecl(op, req.DraftID)
	if err != nil {
		return SlipOutcome{}, err
	}
	spec := decl.Spec()
	note := clean(req.Note)
	if len(req.Reasons) == 0 {
		return SlipOutcome{}, &SlipError{"Cần chọn ít nhất một lý do từ chối."}
	}
	var texts, bases []string
	seen := map[string]bool{}
	for _, id := range req.Reasons {
		r, ok := forms.LookupRefusal(spec.ID, id)
		if !ok {
			return SlipOutcome{}, &SlipError{fmt.Sprintf("Lý do %q không có trong danh sách lý do từ chối của thủ tục này.", clipCode(id))}
		}
		if seen[id] {
			continue
		}
		seen[id] = true
		if r.ID != forms.ReasonOther {
			texts = append(texts, r.Text)
		}
		if r.Basis != "" && !containsID(bases, r.Basis) {
			bases = append(bases, r.Basis)
		}
	}
	if seen[forms.ReasonOther] && note == "" {
		return SlipOutcome{}, &SlipError{"Lý do khác: hãy ghi rõ lý do."}
	}
	if utf8.RuneCountInString(note) > 1000 {
		return SlipOutcome{}, &SlipError{"Ghi chú quá dài (tối đa 1.000 ký tự)."}
	}
	ids := make([]string, 0, len(seen))
	for id := range seen {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	fp := fingerprint(lifecycle.Change{Event: lifecycle.EventStopped, Reason: strings.Join(ids, ",") + "\x00" + note})
	key := req.Key
	if key == "" {
		key = "auto:refusal:" + req.DraftID + ":" + fp
	} else if err := checkKey(key); err != nil {
		return SlipOutcome{}, err
	}
	applicant := declApplicant(decl)
	info := offline.SlipInfo{Service: spec.ID, DraftID: req.DraftID, Reasons: ids}
	return s.makeSlip(op, offline.SlipRefusal, slipPrefixRefusal, key, fp, info, applicant.ID, !req.KeepDraft, func(code string) (any, error) {
		return forms.RefusalSlip{FormHeader: s.header(s.clock()), SlipCode: code, Citizen: applicant, ServiceName: spec.Name,
			Reasons: texts, Note: note, Basis: strings.Join(bases, "; "), Officer: officerName(op)}, nil
	})
}

// ResumedSlip is a supplement slip brought back, with its declaration.
type ResumedSlip struct {
	Info    offline.SlipInfo
	DraftID string
	Decl    *forms.Declaration
}

// ResumeSlip brings back the declaration a supplement slip kept, from the slip's QR line or
// its code typed: the citizen came back with what was missing. Receiving it with Receive and
// this DraftID marks the slip as used.
func (s *Service) ResumeSlip(_ context.Context, op Operator, line string) (ResumedSlip, error) {
	if err := s.Allow(op, ActDraftOwn); err != nil {
		return ResumedSlip{}, err
	}
	code, err := ParseCodeLine(line)
	if err != nil || !validSlipCode(code, slipPrefixSupplement) {
		return ResumedSlip{}, &SlipError{"Không đọc được mã phiếu yêu cầu bổ sung. Quét lại mã QR trên phiếu hoặc gõ mã phiếu."}
	}
	var info offline.SlipInfo
	var ok bool
	if err := s.store.View(func(tx *offline.Tx) (err error) { info, ok, err = tx.SlipInfo(code); return err }); err != nil {
		return ResumedSlip{}, err
	}
	switch {
	case !ok:
		return ResumedSlip{}, &SlipError{"Không có phiếu " + code + " trên máy này: phiếu lập ở quầy khác, hoặc tờ khai đã được chuyển đi."}
	case info.Resumed != "":
		return ResumedSlip{Info: info}, &SlipError{"Tờ khai của phiếu này đã được tiếp nhận: mã hồ sơ " + info.Resumed + "."}
	}
	decl, err := s.LoadDraft(context.Background(), info.DraftID)
	if errors.Is(err, offline.ErrNotFound) {
		return ResumedSlip{Info: info}, &SlipError{"Tờ khai giữ theo phiếu này không còn trên máy (đã xóa). Hãy lập tờ khai mới."}
	}
	if err != nil {
		return ResumedSlip{Info: info}, err
	}
	s.logAccess(offline.AccessEntry{Operator: s.actorID(op), Purpose: lookups.PurposeReception, Action: offline.ActionView,
		Outcome: "ok", Detail: "slip=" + code})
	return ResumedSlip{Info: info, DraftID: info.DraftID, Decl: decl}, nil
}

// Slip returns a kept slip again (to reprint it).
func (s *Service) Slip(op Operator, code string) (SlipOutcome, error) {
	var (
		blob []byte
		info offline.SlipInfo
	)
	if err := s.store.View(func(tx *offline.Tx) (err error) { blob, info, err = tx.GetSlip(code); return err }); err != nil {
		return SlipOutcome{}, err
	}
	act := ActSupplement
	if info.Kind == offline.SlipRefusal {
		act = ActRefuse
	}
	if err := s.Allow(op, act); err != nil {
		return SlipOutcome{}, err
	}
	s.logAccess(offline.AccessEntry{Operator: s.actorID(op), Purpose: lookups.PurposeCheck, Action: offline.ActionView, Outcome: "ok",
		Detail: "slip=" + code})
	return slipOutcome(info, blob)
}

// validSlipCode reports a slip code's shape: <agency>-<YYMMDD>-<prefix><counter><number>.
func validSlipCode(code, prefix string) bool {
	parts := strings.Split(code, "-")
	if len(parts) != 3 || !offline.ValidAgencyCode(parts[0]) || len(parts[1]) != 6 || !strings.HasPrefix(parts[2], prefix) {
		return false
	}
	digits := parts[1] + strings.TrimPrefix(parts[2], prefix)
	if len(parts[2]) != len(prefix)+6 {
		return false
	}
	for _, r := range digits {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// MaxQRLine bounds the line a scanner types.
const MaxQRLine = 2048

// ParseCodeLine reads the code a receipt's or slip's QR line carries (printing.QRContent
// writes it): the code alone, a look-up URL with the code in its "ma" parameter, or a URL
// with the code as a path segment. The line is hostile: longer than MaxQRLine, with control
// characters inside, or without a code-shaped token it is refused. A scanner's trailing CR/LF
// and spaces are dropped.
func ParseCodeLine(line string) (string, error) {
	line = strings.TrimSpace(line)
	switch {
	case line == "":
		return "", errNoCode
	case len(line) > MaxQRLine || !utf8.ValidString(line):
		return "", errNoCode
	case strings.ContainsFunc(line, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		return "", errNoCode
	}
	if codeShaped(line) {
		return line, nil
	}
	u, err := url.Parse(line)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", errNoCode
	}
	if v := u.Query()["ma"]; len(v) == 1 && codeShaped(v[0]) {
		return v[0], nil
	}
	segs := strings.Split(strings.Trim(u.EscapedPath(), "/"), "/")
	for i := len(segs) - 1; i >= 0; i-- {
		seg, err := url.PathUnescape(segs[i])
		if err == nil && codeShaped(seg) {
			return seg, nil
		}
	}
	return "", errNoCode
}

var errNoCode = fmt.Errorf("%w: no code in the line", ErrBadCode)

// codeShaped reports a token shaped like a dossier or slip code.
func codeShaped(s string) bool {
	return validDossierCode(s) || validSlipCode(s, slipPrefixSupplement) || validSlipCode(s, slipPrefixRefusal)
}

// ParseReceiptQR reads the dossier code of a receipt's QR line (or a typed code).
func ParseReceiptQR(line string) (string, error) {
	code, err := ParseCodeLine(line)
	if err != nil || !validDossierCode(code) {
		return "", errNoCode
	}
	return code, nil
}

// ReceptionCount is what a counter decided at reception over a period, per service.
type ReceptionCount struct {
	Received   int `json:"received"`
	Supplement int `json:"supplement"` // Mẫu 02 slips
	Refused    int `json:"refused"`    // Mẫu 03 slips
	Resumed    int `json:"resumed"`    // supplement slips whose declaration was received later
}

// ReceptionCounts counts the reception outcomes recorded here with from <= time < to (zero:
// unbounded), per service and in total ("" key). No personal data.
func (s *Service) ReceptionCounts(op Operator, from, to time.Time) (map[string]ReceptionCount, error) {
	if err := s.Allow(op, ActDossierList); err != nil {
		return nil, err
	}
	out := map[string]ReceptionCount{}
	add := func(service string, f func(*ReceptionCount)) {
		for _, k := range []string{"", service} {
			c := out[k]
			f(&c)
			out[k] = c
		}
	}
	err := s.store.View(func(tx *offline.Tx) error {
		slips, err := tx.ListSlips(from, to)
		if err != nil {
			return err
		}
		for _, sl := range slips {
			add(sl.Service, func(c *ReceptionCount) {
				if sl.Kind == offline.SlipRefusal {
					c.Refused++
				} else {
					c.Supplement++
					if sl.Resumed != "" {
						c.Resumed++
					}
				}
			})
		}
		// the period's entries only (the index by reception time)
		lives, err := tx.ListLifeReceived(from, to, func(i offline.LifeInfo) bool { return !i.Remote })
		for _, i := range lives {
			add(i.Service, func(c *ReceptionCount) { c.Received++ })
		}
		return err
	})
	return out, err
}
