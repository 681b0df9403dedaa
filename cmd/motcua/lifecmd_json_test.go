package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"motcua/forms"
	"motcua/forms/lifecycle"
	"motcua/internal/counter"
)

// The --json of a step carries the form the step prints with the ID numbers in it (the
// applicant's, the receiver's) masked as the printed hand-over slip masks them: no full ID
// number reaches the output.
func TestStepJSONMasksIDNumbers(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("runs the life's commands against a sandbox")
	}
	e := newRightsEnv(t)
	cb := e.operator("cb01")
	waitResultReady(t, e, e.ready)
	receiver := featuredID(t, "single") // who the rights environment's dossiers are about, too
	masked := "********" + receiver[len(receiver)-4:]
	for _, c := range []struct {
		name string
		args []string
	}{
		{"return", []string{"dossier", "return", e.ready, "--receiver", receiver, "--source", "card", "--json"}},
		{"extend", []string{"dossier", "extend", e.toExtend, "--days", "2", "--reason", "Chờ xác minh", "--json"}},
		{"supplement", []string{"dossier", "supplement", e.toWithdraw, "--item", "Tờ khai|Thiếu chữ ký|Ký lại", "--json"}},
		{"stop", []string{"dossier", "stop", e.toStop, "--reason", "Thiếu giấy tờ gốc", "--json"}},
	} {
		r := e.run(t, cb, c.args...)
		var step stepResult
		if r.code != exitOK || json.Unmarshal([]byte(r.stdout), &step) != nil || step.Form == nil {
			t.Errorf("%s: %s", c.name, r)
			continue
		}
		if strings.Contains(r.stdout, receiver) {
			t.Errorf("%s --json spills the full ID number:\n%s", c.name, r.stdout)
		}
		var ids struct {
			Form struct {
				Citizen, Receiver struct {
					ID string `json:"id"`
				}
			}
		}
		if err := json.Unmarshal([]byte(r.stdout), &ids); err != nil || ids.Form.Citizen.ID != masked {
			t.Errorf("%s --json: the citizen's ID number is %q (%v), want %q", c.name, ids.Form.Citizen.ID, err, masked)
		}
		if c.name == "return" && ids.Form.Receiver.ID != masked {
			t.Errorf("the hand-over's form names the receiver by %q, want %q", ids.Form.Receiver.ID, masked)
		}
	}
}

// A slip made at reception (supplement --draft, refuse) masks the citizen's ID number in its
// --json too; a form of a kind the step commands do not know is left out.
func TestSlipJSONMasksIDNumber(t *testing.T) {
	t.Parallel()
	const id = "001086000123"
	a := &app{}
	for _, out := range []counter.SlipOutcome{
		{Supplement: &forms.SupplementSlip{SlipCode: "BS1", Citizen: lifecycle.Applicant{Name: "Lê Văn Thử", ID: id}}},
		{Refusal: &forms.RefusalSlip{SlipCode: "TC1", Citizen: lifecycle.Applicant{Name: "Lê Văn Thử", ID: id}}},
	} {
		var buf bytes.Buffer
		a.stdout = &buf
		if err := a.reportSlip(out, true, "", ""); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(buf.String(), id) || !strings.Contains(buf.String(), `"id":"********0123"`) {
			t.Errorf("slip --json: %s", buf.String())
		}
	}
	if out := (counter.SlipOutcome{}); maskedSlip(out).Supplement != nil || maskedSlip(out).Refusal != nil {
		t.Error("an empty slip outcome got a slip")
	}
	if f := stepForm(struct{ ID string }{id}); f != nil {
		t.Errorf("a form of an unknown kind is carried: %+v", f)
	}
}
