// Package ratingset is the question set a citizen answers when rating the service
// (ratings.toml): its parsing, and the check of a rating against it. It imports nothing of
// forms, so that the sandbox's simulated citizens can answer it too; forms re-exports it.
package ratingset

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

//go:embed ratings.toml
var ratingsFile []byte

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
