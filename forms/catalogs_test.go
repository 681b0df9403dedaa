package forms

import (
	"errors"
	"strings"
	"testing"

	"motcua/forms/lifecycle"
)

func TestRefusalCatalog(t *testing.T) {
	if _, err := refusals(); err != nil {
		t.Fatal(err)
	}
	f, _ := refusals()
	for _, r := range f.Service {
		if _, ok := Lookup(r.Service); !ok {
			t.Errorf("refusals.toml names service %q, not in the catalog", r.Service)
		}
	}
	for _, sp := range Catalog() {
		list := RefusalReasons(sp.ID)
		if len(list) == 0 || list[len(list)-1].ID != ReasonOther {
			t.Errorf("%s: the list must end with the other reason: %v", sp.ID, list)
		}
	}
	own := RefusalReasons("ket-hon")
	if own[0].Service != "ket-hon" || own[0].Basis == "" {
		t.Errorf("a service's own reasons come first, with their basis: %+v", own[0])
	}
	if _, ok := LookupRefusal("khai-tu", "chua-du-tuoi"); ok {
		t.Error("another service's reason is offered")
	}
	for _, bad := range []string{
		`version = "1"` + "\n[[common]]\nid = \"a\"\ntext = \"\"",
		`version = "1"` + "\n[[common]]\nid = \"a\"\ntext = \"x\"\n[[common]]\nid = \"a\"\ntext = \"y\"",
		`version = "1"` + "\n[[service]]\nid = \"a\"\ntext = \"x\"",
		`version = "1"` + "\n[[common]]\nid = \"a\"\ntext = \"x\"\nunknown = 1",
	} {
		if _, err := parseRefusals([]byte(bad)); err == nil {
			t.Errorf("accepted %q", bad)
		}
	}
}

func TestRatingSet(t *testing.T) {
	s := Ratings()
	full := lifecycle.Rating{Set: s.Version}
	for _, q := range s.Questions {
		full.Answers = append(full.Answers, lifecycle.RatingAnswer{Question: q.ID, Answer: q.Options[0].ID})
	}
	if err := s.Check(full); err != nil {
		t.Fatal(err)
	}
	bad := map[string]lifecycle.Rating{
		"old set":          {Set: "0", Answers: full.Answers},
		"unknown question": {Set: s.Version, Answers: append([]lifecycle.RatingAnswer{{Question: "x", Answer: "y"}}, full.Answers...)},
		"unknown option":   {Set: s.Version, Answers: []lifecycle.RatingAnswer{{Question: s.Questions[0].ID, Answer: "nope"}}},
		"required missing": {Set: s.Version, Answers: full.Answers[1:]},
		"twice":            {Set: s.Version, Answers: append(full.Answers, full.Answers[0])},
		"long comment":     {Set: s.Version, Answers: full.Answers, Comment: strings.Repeat("ý", s.CommentMax+1)},
		"control comment":  {Set: s.Version, Answers: full.Answers, Comment: "a\x1b[2Jb"},
	}
	for name, r := range bad {
		var re *RatingError
		if err := s.Check(r); !errors.As(err, &re) || re.Message == "" {
			t.Errorf("%s: %v", name, err)
		}
	}
}
