package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"motcua/forms"
	"motcua/forms/lifecycle"
	"motcua/internal/counter"
)

// The --json of a step carries the form the step prints with the ID numbers in it (the
// applicant's, the receiver's) masked as the printed hand-over slip masks them: no full ID
// number reaches the output. And a value from outside that carries characters driving a
// terminal (a C1 CSI, a bidi override) reaches the JSON escaped, the same value once decoded.
func TestStepJSONMasksIDNumbersAndEscapesTerminalCharacters(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("runs the life's commands against a sandbox")
	}
	e := newRightsEnv(t)
	cb := e.operator("cb01")
	waitResultReady(t, e, e.ready)
	receiver := featuredID(t, "single") // who the rights environment's dossiers are about, too
	masked := "********" + receiver[len(receiver)-4:]
	hostileReason := "Thiếu giấy tờ\u009b2J\u202egốc"
	for _, c := range []struct {
		name string
		args []string
	}{
		{"return", []string{"dossier", "return", e.ready, "--receiver", receiver, "--source", "card", "--json"}},
		{"extend", []string{"dossier", "extend", e.toExtend, "--days", "2", "--reason", "Chờ xác minh", "--json"}},
		{"supplement", []string{"dossier", "supplement", e.toWithdraw, "--item", "Tờ khai|Thiếu chữ ký|Ký lại", "--json"}},
		{"stop", []string{"dossier", "stop", e.toStop, "--reason", hostileReason, "--json"}},
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
		switch c.name {
		case "return":
			if ids.Form.Receiver.ID != masked {
				t.Errorf("the hand-over's form names the receiver by %q, want %q", ids.Form.Receiver.ID, masked)
			}
		case "stop":
			if strings.ContainsAny(r.stdout, "\u009b\u202e") || !strings.Contains(r.stdout, `\u009b2J\u202e`) {
				t.Errorf("the reason's terminal characters are not escaped:\n%q", r.stdout)
			}
			var got struct{ Form forms.StopNotice }
			if err := json.Unmarshal([]byte(r.stdout), &got); err != nil || got.Form.Reason != hostileReason {
				t.Errorf("the reason decodes to %q (%v), want %q", got.Form.Reason, err, hostileReason)
			}
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

// newJSONEncoder writes the characters encoding/json leaves raw and a terminal acts on (DEL,
// C1 controls, format characters, outside the BMP too) as \u escapes; the JSON decodes to the
// same values, and the rest (Vietnamese letters, the encoder's own newline) is untouched.
func TestJSONEncoderEscapesTerminalCharacters(t *testing.T) {
	t.Parallel()
	in := map[string]string{"name": "Nguyễn Thị Hoà\u007f\u0085\u009b2J\u009d0;tiêu đề\u009c\u200b\u2066\u202e\U000e0041 xong"}
	var buf bytes.Buffer
	if err := newJSONEncoder(&buf).Encode(in); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, r := range out[:len(out)-1] {
		if r >= 0x7f && r <= 0x9f || r == '\u200b' || r == '\u2066' || r == '\u202e' || r == '\U000e0041' || r < 0x20 {
			t.Errorf("%U left raw in %q", r, out)
		}
	}
	if !strings.HasSuffix(out, "}\n") || !strings.Contains(out, "Nguyễn Thị Hoà") || !strings.Contains(out, `\udb40\udc41`) {
		t.Errorf("output %q", out)
	}
	var back map[string]string
	if err := json.Unmarshal(buf.Bytes(), &back); err != nil || back["name"] != in["name"] {
		t.Errorf("decoded %q (%v), want %q", back["name"], err, in["name"])
	}
	// a writer error comes back
	if err := newJSONEncoder(failingWriter{}).Encode(in); err == nil {
		t.Error("a write error was lost")
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errFailingWriter }

var errFailingWriter = &exitError{code: exitFailure, msg: "write failed"}

// Every command's --json goes through newJSONEncoder: a plain json.NewEncoder in a command
// would print a gateway's or a card's terminal-hostile characters raw.
func TestCommandsEncodeJSONThroughTheTerminalSafeEncoder(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") || f == "jsonout.go" {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), "json.NewEncoder(") {
			t.Errorf("%s encodes JSON with json.NewEncoder: use newJSONEncoder", f)
		}
	}
}
