package forms

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/pelletier/go-toml/v2"
	"golang.org/x/text/unicode/norm"

	"motcua/forms/lifecycle"
)

// Two small catalogs kept as data beside the service specs: the reasons to refuse a dossier
// at reception (refusals.toml, Mẫu 03) and the citizen's rating questions (ratings.toml).

//go:embed refusals.toml
var refusalsFile []byte

//go:embed ratings.toml
var ratingsFile []byte

// RefusalReason is one reason of the refusal catalog.
type RefusalReason struct {
	ID    string `toml:"id" json:"id"`
	Text  string `toml:"text" json:"text"`
	Basis string `toml:"basis" json:"basis,omitempty"`
	// Service is the service the reason belongs to ("" for a reason of every service).
	Service string `toml:"service" json:"service,omitempty"`
}

// ReasonOther is the catalog's "other reason": it needs the officer's free text.
const ReasonOther = "khac"

type refusalFile struct {
	Version string          `toml:"version"`
	Common  []RefusalReason `toml:"common"`
	Service []RefusalReason `toml:"service"`
}

var refusals = sync.OnceValues(func() (*refusalFile, error) { return parseRefusals(refusalsFile) })

func parseRefusals(data []byte) (*refusalFile, error) {
	var f refusalFile
	dec := toml.NewDecoder(bytes.NewReader(norm.NFC.Bytes(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("forms: refusals.toml: %w", err)
	}
	if f.Version == "" {
		return nil, errors.New("forms: refusals.toml: no version")
	}
	seen := map[string]bool{}
	for _, r := range append(slices.Clone(f.Common), f.Service...) {
		key := r.Service + "/" + r.ID
		switch {
		case r.ID == "" || strings.TrimSpace(r.Text) == "":
			return nil, fmt.Errorf("forms: refusals.toml: a reason without id or text (%q)", r.ID)
		case seen[key] || (r.Service != "" && seen["/"+r.ID]):
			return nil, fmt.Errorf("forms: refusals.toml: reason %q given twice", key)
		}
		seen[key] = true
	}
	for _, r := range f.Common {
		if r.Service != "" {
			return nil, fmt.Errorf("forms: refusals.toml: common reason %q names a service", r.ID)
		}
	}
	for _, r := range f.Service {
		if r.Service == "" {
			return nil, fmt.Errorf("forms: refusals.toml: service reason %q names no service", r.ID)
		}
	}
	return &f, nil
}

// RefusalReasons lists the reasons a dossier of service may be refused for: the service's
// own first (refusals.toml's [[service]] entries, then the spec's refusal_reasons, a spec
// reason with an id already listed left out), then those of every service (the "other
// reason" last).
func RefusalReasons(service string) []RefusalReason {
	f, err := refusals()
	if err != nil {
		panic(err) // the embedded file is checked by the tests
	}
	var out []RefusalReason
	for _, r := range f.Service {
		if r.Service == service {
			out = append(out, r)
		}
	}
	if sp, ok := Lookup(service); ok {
		for _, r := range sp.RefusalReasons() {
			if !slices.ContainsFunc(out, func(o RefusalReason) bool { return o.ID == r.ID }) &&
				!slices.ContainsFunc(f.Common, func(o RefusalReason) bool { return o.ID == r.ID }) {
				r.Service = service
				out = append(out, r)
			}
		}
	}
	return append(out, f.Common...)
}

// LookupRefusal returns the reason id of service's list.
func LookupRefusal(service, id string) (RefusalReason, bool) {
	for _, r := range RefusalReasons(service) {
		if r.ID == id {
			return r, true
		}
	}
	return RefusalReason{}, false
}

// RatingOption is one answer a rating question offers.
type RatingOption struct {
	ID    string `toml:"id" json:"id"`
	Text  string `toml:"text" json:"text"`
	Score int    `toml:"score" json:"score"`
}

// RatingQuestion is one question of the rating set.
type RatingQuestion struct {
	ID       string         `toml:"id" json:"id"`
	Text     string         `toml:"text" json:"text"`
	Required bool           `toml:"required" json:"required"`
	Options  []RatingOption `toml:"options" json:"options"`
}

// RatingSet is the question set the citizen answers.
type RatingSet struct {
	Version    string           `toml:"version" json:"version"`
	CommentMax int              `toml:"comment_max" json:"commentMax"`
	Questions  []RatingQuestion `toml:"questions" json:"questions"`
}

var ratings = sync.OnceValues(func() (*RatingSet, error) { return ParseRatings(ratingsFile) })

// Ratings returns the embedded rating set (shared: do not modify).
func Ratings() *RatingSet {
	s, err := ratings()
	if err != nil {
		panic(err) // the embedded file is checked by the tests
	}
	return s
}

// ParseRatings decodes and checks a rating set.
func ParseRatings(data []byte) (*RatingSet, error) {
	var s RatingSet
	dec := toml.NewDecoder(bytes.NewReader(norm.NFC.Bytes(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("forms: ratings: %w", err)
	}
	if s.Version == "" || len(s.Questions) == 0 {
		return nil, errors.New("forms: ratings: no version or no question")
	}
	qs := map[string]bool{}
	for _, q := range s.Questions {
		if q.ID == "" || q.Text == "" || len(q.Options) < 2 || qs[q.ID] {
			return nil, fmt.Errorf("forms: ratings: question %q needs a unique id, a text and two options", q.ID)
		}
		qs[q.ID] = true
		os := map[string]bool{}
		for _, o := range q.Options {
			if o.ID == "" || o.Text == "" || os[o.ID] {
				return nil, fmt.Errorf("forms: ratings: question %q: option %q needs a unique id and a text", q.ID, o.ID)
			}
			os[o.ID] = true
		}
	}
	return &s, nil
}

// ErrRating reports answers that do not fit the question set. The error is a *RatingError.
var ErrRating = errors.New("forms: rating does not fit the question set")

// RatingError says, in Vietnamese, what is wrong with a rating.
type RatingError struct{ Message string }

func (e *RatingError) Error() string { return "forms: rating: " + e.Message }

func (e *RatingError) Unwrap() error { return ErrRating }

// Check reports whether r answers the set: every required question once, every answer an
// option of its question, a comment within the limit. r.Set must be the set's version.
func (s *RatingSet) Check(r lifecycle.Rating) error {
	if r.Set != s.Version {
		return &RatingError{"Bộ câu hỏi đánh giá đã thay đổi; hãy mở lại màn hình đánh giá."}
	}
	got := map[string]bool{}
	for _, a := range r.Answers {
		q, ok := s.question(a.Question)
		switch {
		case !ok:
			return &RatingError{"Câu trả lời cho một câu hỏi không có trong bộ câu hỏi."}
		case got[a.Question]:
			return &RatingError{"Một câu hỏi được trả lời hai lần."}
		case !slices.ContainsFunc(q.Options, func(o RatingOption) bool { return o.ID == a.Answer }):
			return &RatingError{fmt.Sprintf("Câu trả lời cho «%s» không phải một lựa chọn của câu hỏi.", q.Text)}
		}
		got[a.Question] = true
	}
	for _, q := range s.Questions {
		if q.Required && !got[q.ID] {
			return &RatingError{fmt.Sprintf("Chưa trả lời câu «%s».", q.Text)}
		}
	}
	if n := utf8.RuneCountInString(r.Comment); s.CommentMax > 0 && n > s.CommentMax {
		return &RatingError{fmt.Sprintf("Ý kiến dài %d ký tự, tối đa %d.", n, s.CommentMax)}
	}
	if !utf8.ValidString(r.Comment) || strings.ContainsFunc(r.Comment, func(c rune) bool { return c < 0x20 && c != '\n' }) {
		return &RatingError{"Ý kiến có ký tự không hợp lệ."}
	}
	return nil
}

func (s *RatingSet) question(id string) (RatingQuestion, bool) {
	for _, q := range s.Questions {
		if q.ID == id {
			return q, true
		}
	}
	return RatingQuestion{}, false
}
