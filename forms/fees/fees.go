package fees

import (
	"bytes"
	_ "embed"
	"fmt"
	"io"
	"regexp"
	"strings"

	"motcua/forms/internal/tomlfile"
)

//go:embed vn-fees.toml
var defaultFile []byte

// Kinds of charge (Luật Phí và lệ phí 2015).
const (
	KindFee  = "phí"    // a fee for a service (phí chứng thực, phí khai thác dữ liệu hộ tịch)
	KindDuty = "lệ phí" // a charge for a public administrative act (lệ phí hộ tịch, đăng ký hộ kinh doanh)
)

// MaxQuantity bounds the quantity of one amount (pages, cases): beyond it the
// amount is not computed (a typing slip, not a real request).
const MaxQuantity = 100000

// maxRate bounds a tier's rate and a cap (đồng), so that no amount overflows.
const maxRate = 1_000_000_000

// Tier is a band of the quantity charged at one rate per unit of quantity:
// from..to inclusive (to 0: no upper bound).
type Tier struct {
	From int   `toml:"from"`
	To   int   `toml:"to"`
	Rate int64 `toml:"rate"` // đồng per unit of quantity in the band
}

// Schedule is one charge: the amount of one unit (a copy, a case, a
// contract) computed from a quantity (pages of the original, cases).
type Schedule struct {
	ID       string `toml:"id"`
	Name     string `toml:"name"`     // Vietnamese
	Kind     string `toml:"kind"`     // KindFee or KindDuty
	Unit     string `toml:"unit"`     // what one amount pays for ("bản sao", "trường hợp")
	Quantity string `toml:"quantity"` // what the quantity counts ("trang của bản chính")
	Basis    string `toml:"basis"`    // legal basis
	// Confirmed: the amounts were checked against the official text named in
	// Basis. An unconfirmed schedule is shipped as the best known figure.
	Confirmed bool `toml:"confirmed"`
	// Provincial: the provincial People's Council sets the amount (Thông tư
	// 85/2019/TT-BTC): the ward writes its province's figures in the tiers;
	// without tiers the amount is unknown.
	Provincial bool     `toml:"provincial"`
	Cap        int64    `toml:"cap"` // most one unit costs (đồng); 0: no cap
	Exemptions []string `toml:"exemptions"`
	Note       string   `toml:"note"`
	Tiers      []Tier   `toml:"tier"`
}

// Amount returns the amount of one unit for quantity q (the sum over the
// tiers, then the cap) and whether it is known: a negative or excessive
// quantity, a quantity past the last bounded tier or a schedule without
// tiers (a provincial amount not yet written) gives false.
func (s *Schedule) Amount(q int) (int64, bool) {
	if q < 0 || q > MaxQuantity || len(s.Tiers) == 0 {
		return 0, false
	}
	var sum int64
	for _, t := range s.Tiers {
		if q < t.From {
			break
		}
		hi := q
		if t.To != 0 && t.To < hi {
			hi = t.To
		}
		sum += int64(hi-t.From+1) * t.Rate
	}
	if last := s.Tiers[len(s.Tiers)-1]; last.To != 0 && q > last.To {
		return 0, false
	}
	if s.Cap > 0 && sum > s.Cap {
		sum = s.Cap
	}
	return sum, true
}

// Table is a set of schedules by id, in file order.
type Table struct {
	byID  map[string]*Schedule
	order []*Schedule
}

// Schedule returns the schedule with that id.
func (t *Table) Schedule(id string) (*Schedule, bool) {
	s, ok := t.byID[id]
	return s, ok
}

// Schedules returns every schedule in file order (shared: do not modify).
func (t *Table) Schedules() []*Schedule { return t.order }

// Amount is Schedule(id).Amount(q); false for an unknown id.
func (t *Table) Amount(id string, q int) (int64, bool) {
	s, ok := t.byID[id]
	if !ok {
		return 0, false
	}
	return s.Amount(q)
}

var defaultTable = tomlfile.Embedded("fees: embedded vn-fees.toml", defaultFile, Load)

// Default returns the table of the embedded vn-fees.toml (shared, read-only).
func Default() *Table { return defaultTable() }

// DefaultFile returns a copy of the embedded file, e.g. to write it out for editing.
func DefaultFile() []byte { return bytes.Clone(defaultFile) }

// FileError is a problem in a fee file. Its Error text is Vietnamese, for the
// person who edits the file, and names the line.
type FileError = tomlfile.FileError

// format is how the loader says a fee file's problems.
var format = tomlfile.Format{Pkg: "fees", What: "Biểu phí, lệ phí",
	Keys: "xem chú thích đầu file"}

type fileDoc struct {
	Schedule []Schedule `toml:"schedule"`
}

var idRe = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)

// Load reads a fee file (TOML). Every error names the line of the problem:
// TOML syntax, unknown keys, a missing or repeated id, a missing name, kind,
// unit or legal basis, tiers that do not start at 1 or leave a gap, an open
// tier before the last, a negative or excessive rate or cap.
func Load(r io.Reader) (*Table, error) {
	var doc fileDoc
	data, err := format.Decode(r, &doc)
	if err != nil {
		return nil, err
	}
	lines := scheduleLines(tomlfile.Scan(data))
	t := &Table{byID: map[string]*Schedule{}}
	for i := range doc.Schedule {
		s := &doc.Schedule[i]
		line := 0
		if i < len(lines.schedules) {
			line = lines.schedules[i]
		}
		s.ID, s.Name, s.Unit, s.Quantity, s.Basis = strings.TrimSpace(s.ID), strings.TrimSpace(s.Name),
			strings.TrimSpace(s.Unit), strings.TrimSpace(s.Quantity), strings.TrimSpace(s.Basis)
		switch {
		case !idRe.MatchString(s.ID):
			return nil, format.Problem(line, fmt.Sprintf("id %q không hợp lệ: chỉ dùng chữ thường không dấu, chữ số và dấu gạch ngang.", s.ID), nil)
		case t.byID[s.ID] != nil:
			return nil, format.Problem(line, fmt.Sprintf("id %q được ghi hai lần.", s.ID), nil)
		case s.Name == "":
			return nil, format.Problem(line, fmt.Sprintf("biểu %s thiếu name (tên khoản phí, lệ phí).", s.ID), nil)
		case s.Kind != KindFee && s.Kind != KindDuty:
			return nil, format.Problem(line, fmt.Sprintf("biểu %s: kind phải là \"phí\" hoặc \"lệ phí\", không phải %q.", s.ID, s.Kind), nil)
		case s.Unit == "" || s.Quantity == "":
			return nil, format.Problem(line, fmt.Sprintf("biểu %s thiếu unit (mức thu tính cho một gì) hoặc quantity (số lượng đếm gì).", s.ID), nil)
		case s.Basis == "":
			return nil, format.Problem(line, fmt.Sprintf("biểu %s thiếu basis (căn cứ pháp lý).", s.ID), nil)
		case s.Cap < 0 || s.Cap > maxRate:
			return nil, format.Problem(line, fmt.Sprintf("biểu %s: cap phải từ 0 đến %d đồng.", s.ID, maxRate), nil)
		case len(s.Tiers) == 0 && !s.Provincial:
			return nil, format.Problem(line, fmt.Sprintf("biểu %s chưa có mức thu ([[schedule.tier]]): chỉ được để trống khi provincial = true.", s.ID), nil)
		}
		next := 1
		for k, tr := range s.Tiers {
			tl := line
			if i < len(lines.tiers) && k < len(lines.tiers[i]) {
				tl = lines.tiers[i][k]
			}
			switch {
			case tr.From != next:
				return nil, format.Problem(tl, fmt.Sprintf("biểu %s: bậc thứ %d phải bắt đầu từ %d (from = %d).", s.ID, k+1, next, tr.From), nil)
			case tr.To != 0 && tr.To < tr.From:
				return nil, format.Problem(tl, fmt.Sprintf("biểu %s: bậc thứ %d có to nhỏ hơn from.", s.ID, k+1), nil)
			case tr.To == 0 && k != len(s.Tiers)-1:
				return nil, format.Problem(tl, fmt.Sprintf("biểu %s: chỉ bậc cuối được bỏ trống to (không giới hạn trên).", s.ID), nil)
			case tr.Rate < 0 || tr.Rate > maxRate:
				return nil, format.Problem(tl, fmt.Sprintf("biểu %s: rate phải từ 0 đến %d đồng.", s.ID, maxRate), nil)
			}
			next = tr.To + 1
		}
		t.byID[s.ID] = s
		t.order = append(t.order, s)
	}
	return t, nil
}

// LoadFile reads a fee file from disk.
func LoadFile(path string) (*Table, error) { return tomlfile.LoadFile(format, path, Load) }

type lineIndex struct {
	schedules []int   // line of the i-th [[schedule]] header
	tiers     [][]int // lines of the [[schedule.tier]] headers of each schedule
}

// scheduleLines finds the line of every schedule's header and of its tiers' headers, so that
// the checks after decoding can name a line.
func scheduleLines(lines tomlfile.Lines) lineIndex {
	var idx lineIndex
	for _, h := range lines.Headers {
		switch h.Name {
		case "[[schedule]]":
			idx.schedules = append(idx.schedules, h.Line)
			idx.tiers = append(idx.tiers, nil)
		case "[[schedule.tier]]":
			if k := len(idx.tiers) - 1; k >= 0 {
				idx.tiers[k] = append(idx.tiers[k], h.Line)
			}
		}
	}
	return idx
}
