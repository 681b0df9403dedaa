package main

// Shared fill logic of the scripted commands (moved out of submit.go so that
// `dossier submit` and `batch run` go through the same path as the counter).

import (
	"context"
	"errors"
	"strings"

	"motcua/forms"
	"motcua/internal/counter"
)

// fillProblem is why a declaration could not be filled (counter.FillProblem).
type fillProblem = counter.FillProblem

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
	if p := counter.UnknownSlot(spec, persons); p != nil {
		return nil, nil, nil, []*fillProblem{p}
	}
	in := svc.NewIntake(spec)
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
	if probs := counter.SetValues(decl, values); len(probs) > 0 {
		return nil, nil, nil, probs
	}
	return decl, in.LookedUp(), in.Warnings(), nil
}
