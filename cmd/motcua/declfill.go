package main

// Shared fill logic of the scripted commands (moved out of submit.go so that
// `dossier submit` and `batch run` go through the same path as the counter).

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"motcua/forms"
	"motcua/internal/counter"
)

// fillProblem is why a declaration could not be filled: the field (or
// "person:<slot>"), a short code, the Vietnamese message and the cause.
type fillProblem struct {
	Field, Code, Message string
	Usage                bool // the input names something the service does not have
	Err                  error
}

func (p *fillProblem) Error() string { return p.Message }
func (p *fillProblem) Unwrap() error { return p.Err }

// fillDeclaration does what the counter screen does: each person slot
// looked up by ID (cache when the link is down) and filled, the derived
// persons looked up, the values set in order, then the whole declaration
// checked. It returns the IDs looked up (for the access log's link).
func (a *app) fillDeclaration(ctx context.Context, svc *counter.Service, spec *forms.Spec, in submitFile, op counter.Operator) (*forms.Declaration, []string, []string, error) {
	persons := make(map[string]string, len(in.Persons))
	for slot, p := range in.Persons {
		persons[slot] = p.ID
	}
	decl, ids, warnings, probs := fillDecl(ctx, svc, spec, persons, in.Values, op)
	if len(probs) > 0 {
		p := probs[0]
		if p.Usage {
			return nil, nil, nil, usageErr("%s", p.Message)
		}
		var ve *forms.ValidationError
		if errors.As(p.Err, &ve) {
			return nil, nil, nil, failure(counter.Explain(ve), ve)
		}
		return nil, nil, nil, failure(p.Message, p.Err)
	}
	return decl, ids, warnings, nil
}

// fillDecl is fillDeclaration with every problem itemised (for batch
// reports): persons maps a slot to an ID, values are set in order. The
// persons go through the counter's intake, as at the counter.
func fillDecl(ctx context.Context, svc *counter.Service, spec *forms.Spec, persons map[string]string, values orderedValues, op counter.Operator) (*forms.Declaration, []string, []string, []*fillProblem) {
	in := svc.NewIntake(spec)
	var known []string
	for _, p := range spec.Persons() {
		known = append(known, p.ID)
	}
	for slot := range persons {
		if in.Label(slot) == "" {
			return nil, nil, nil, []*fillProblem{{Field: "person:" + slot, Code: "unknown", Usage: true,
				Message: fmt.Sprintf("thủ tục %s không có người ở vị trí %q (có: %s)", spec.ID, slot, strings.Join(known, ", "))}}
		}
	}
	for _, p := range spec.Persons() { // the spec's order: derived persons follow their source
		id := strings.TrimSpace(persons[p.ID])
		if id == "" {
			continue
		}
		if err := in.FillByID(ctx, p.ID, id, op); err != nil {
			return nil, nil, nil, []*fillProblem{{Field: "person:" + p.ID, Code: "person", Message: p.Label + ": " + counter.Explain(err), Err: err}}
		}
	}
	in.Complete(ctx, op) // household heads, spouses: a person not found is a warning
	decl := in.Declaration()
	for _, v := range values {
		if err := decl.Set(v.Path, v.Text); err != nil {
			if errors.Is(err, forms.ErrReadOnly) && decl.Value(v.Path) == strings.TrimSpace(v.Text) {
				continue // the same value as the card/database gave: nothing to change
			}
			code := "field"
			switch {
			case errors.Is(err, forms.ErrUnknownField):
				code = "unknown"
			case errors.Is(err, forms.ErrReadOnly):
				code = "read_only"
			}
			return nil, nil, nil, []*fillProblem{{Field: v.Path, Code: code,
				Message: fmt.Sprintf("Trường %q: %s", v.Path, counter.Explain(err)), Err: err}}
		}
	}
	if probs := decl.Validate(); len(probs) > 0 {
		err := &forms.ValidationError{Problems: probs}
		out := make([]*fillProblem, len(probs))
		for i, p := range probs {
			out[i] = &fillProblem{Field: p.FieldID, Code: p.Code, Message: p.Message, Err: err}
		}
		return nil, nil, nil, out
	}
	return decl, in.LookedUp(), in.Warnings(), nil
}
