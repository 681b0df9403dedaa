package forms

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/pelletier/go-toml/v2"
	"golang.org/x/text/unicode/norm"

	"motcua/forms/ratingset"
)

// Two small catalogs kept as data beside the service specs: the reasons to refuse a dossier
// at reception (refusals.toml, Mẫu 03) and the citizen's rating questions (ratingset/ratings.toml).

//go:embed refusals.toml
var refusalsFile []byte

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

// The rating question set lives in forms/ratingset, which the sandbox's citizens answer too
// without importing forms; these names keep it where the rest of the program looks for it.
type (
	RatingOption   = ratingset.RatingOption
	RatingQuestion = ratingset.RatingQuestion
	RatingSet      = ratingset.RatingSet
	RatingError    = ratingset.RatingError
)

// ErrRating reports answers that do not fit the question set. The error is a *RatingError.
var ErrRating = ratingset.ErrRating

// Ratings returns the embedded rating set (shared: do not modify).
func Ratings() *RatingSet { return ratingset.Ratings() }

// ParseRatings decodes and checks a rating set.
func ParseRatings(data []byte) (*RatingSet, error) { return ratingset.ParseRatings(data) }
