package card_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"motcua/lookups/card"
	"motcua/lookups/card/cardsim"
	"motcua/lookups/sandbox"
)

// These tests run the reader against the chip emulator in-process, one
// profile or fault at a time. The real PC/SC path is in pcsctest.

func person(t *testing.T) cardsim.Person {
	t.Helper()
	for _, f := range sandbox.Featured() {
		if f.Kind == "single" {
			c, _ := sandbox.Default().Card(f.ID)
			return cardsim.PersonFromCitizen(c, "Phạm Văn Cha", "Nguyễn Thị Mẹ", "")
		}
	}
	t.Fatal("no featured person")
	return cardsim.Person{}
}

func readChip(t *testing.T, prof cardsim.Profile, pki *cardsim.PKI, trust *card.TrustStore, key func(*cardsim.Card) card.Key) (*card.Result, error) {
	t.Helper()
	chip, err := cardsim.New(person(t), prof, pki)
	if err != nil {
		t.Fatal(err)
	}
	k := card.Key{CAN: chip.CAN()}
	if key != nil {
		k = key(chip)
	}
	return card.Read(context.Background(), card.Emulated{Chip: chip, Removed: cardsim.ErrRemoved}, k, card.Options{Trust: trust}, nil)
}

func testTrust() *card.TrustStore { return card.NewTrustStore(cardsim.TestPKI().CSCA) }

func TestEmulatorProfiles(t *testing.T) {
	mrzKey := func(c *cardsim.Card) card.Key {
		d, b, e := c.MRZ()
		return card.Key{DocNo: d, Birth: b, Expiry: e}
	}
	for _, c := range []struct {
		name    string
		prof    cardsim.Profile
		key     func(*cardsim.Card) card.Key
		access  string
		verdict card.State
	}{
		{"PACE brainpool, ECDSA AA", cardsim.Profile{}, nil, "PACE-CAN", card.Passed},
		{"PACE P-256 extended", cardsim.Profile{ParamID: 12, Extended: true}, nil, "PACE-CAN", card.Passed},
		{"PACE with the MRZ", cardsim.Profile{}, mrzKey, "PACE-MRZ", card.Passed},
		{"BAC only, RSA AA", cardsim.Profile{NoPACE: true, AA: "rsa"}, mrzKey, "BAC", card.Passed},
		{"T=0 style GET RESPONSE and 6Cxx", cardsim.Profile{T0: true}, nil, "PACE-CAN", card.Passed},
		{"parent layout 2, PrintableString", cardsim.Profile{ParentLayout: 2, Printable: true}, nil, "PACE-CAN", card.Passed},
		{"no chip authentication, no AA: passive only", cardsim.Profile{NoChipAuth: true, AA: "none"}, nil, "PACE-CAN", card.ChipNotProven},
	} {
		t.Run(c.name, func(t *testing.T) {
			res, err := readChip(t, c.prof, cardsim.TestPKI(), testTrust(), c.key)
			if err != nil {
				t.Fatal(err)
			}
			if res.Access != c.access || res.Passive != card.Passed || res.Verdict() != c.verdict {
				t.Fatalf("access %s passive %v (%s) active %v chip %v", res.Access, res.Passive, res.PassiveNote, res.Active, res.Chip)
			}
			p := person(t)
			id := res.Identity
			if id.ID != p.ID || id.FullName != p.FullName || id.Father != "Phạm Văn Cha" || id.Mother != "Nguyễn Thị Mẹ" || id.CardAddress != p.Residence {
				t.Fatalf("identity %+v", id)
			}
			if c.prof.NoChipAuth && (res.Chip != card.NotOffered || res.Active != card.NotOffered) {
				t.Fatalf("chip %v active %v", res.Chip, res.Active)
			}
			if res.Face == nil || res.Face.Format != "JPEG" {
				t.Fatalf("face %+v", res.Face)
			}
		})
	}
}

func TestEmulatorFaults(t *testing.T) {
	t.Run("unknown CSCA", func(t *testing.T) {
		res, err := readChip(t, cardsim.Profile{}, cardsim.OtherPKI(), testTrust(), nil)
		if err != nil || res.Passive != card.Untrusted || res.Verdict() != card.Untrusted {
			t.Fatalf("%v %v", err, res.Passive)
		}
		res, err = readChip(t, cardsim.Profile{}, cardsim.TestPKI(), nil, nil)
		if err != nil || res.Passive != card.Untrusted {
			t.Fatalf("no trust store: %v %v", err, res.Passive)
		}
	})
	t.Run("tampered DG13", func(t *testing.T) {
		res, err := readChip(t, cardsim.Profile{TamperDG13: true}, cardsim.TestPKI(), testTrust(), nil)
		if err != nil || res.Passive != card.Failed || res.Files[13] != card.Failed || res.Verdict() != card.Failed {
			t.Fatalf("%v %+v", err, res)
		}
	})
	t.Run("cloned chip, ECDSA and RSA", func(t *testing.T) {
		for _, aa := range []string{"ecdsa", "rsa"} {
			res, err := readChip(t, cardsim.Profile{Cloned: true, AA: aa}, cardsim.TestPKI(), testTrust(), nil)
			if err != nil || res.Active != card.Failed || res.Verdict() != card.Failed {
				t.Fatalf("%s: %v %v", aa, err, res.Active)
			}
		}
	})
	t.Run("chip without the DG14 key", func(t *testing.T) {
		res, err := readChip(t, cardsim.Profile{CloneCA: true}, cardsim.TestPKI(), testTrust(), nil)
		if err != nil || res.Chip != card.Failed || res.Verdict() != card.Failed {
			t.Fatalf("%v chip %v", err, res.Chip)
		}
	})
	t.Run("wrong MAC", func(t *testing.T) {
		_, err := readChip(t, cardsim.Profile{WrongMAC: true}, cardsim.TestPKI(), testTrust(), nil)
		if !errors.Is(err, card.ErrSecureMessaging) {
			t.Fatalf("%v", err)
		}
	})
	t.Run("wrong CAN", func(t *testing.T) {
		_, err := readChip(t, cardsim.Profile{}, cardsim.TestPKI(), testTrust(), func(*cardsim.Card) card.Key { return card.Key{CAN: "123456"} })
		if !errors.Is(err, card.ErrAccessDenied) || !contains(card.Explain(err), "6 số cuối") {
			t.Fatalf("%v: %s", err, card.Explain(err))
		}
	})
	t.Run("wrong MRZ key, BAC", func(t *testing.T) {
		_, err := readChip(t, cardsim.Profile{NoPACE: true}, cardsim.TestPKI(), testTrust(), func(c *cardsim.Card) card.Key {
			d, b, _ := c.MRZ()
			return card.Key{DocNo: d, Birth: b, Expiry: "991230"}
		})
		if !errors.Is(err, card.ErrAccessDenied) || !contains(card.Explain(err), "khóa MRZ") || contains(card.Explain(err), "6 số cuối") {
			t.Fatalf("%v: %s", err, card.Explain(err))
		}
	})
	t.Run("removed mid-read", func(t *testing.T) {
		res, err := readChip(t, cardsim.Profile{RemoveAfter: 15}, cardsim.TestPKI(), testTrust(), nil)
		if !errors.Is(err, card.ErrRemoved) || res.Identity == nil || res.Passive != card.Interrupted {
			t.Fatalf("%v %+v", err, res)
		}
	})
	t.Run("DG15 refused", func(t *testing.T) {
		// a group EF.SOD lists that the chip will not give is a failed check
		res, err := readChip(t, cardsim.Profile{Deny: map[uint16]uint16{0x010F: 0x6982}}, cardsim.TestPKI(), testTrust(), nil)
		if err != nil || res.Identity == nil {
			t.Fatalf("%v %+v", err, res)
		}
		if res.Active != card.Failed || res.Files[15] != card.Failed || res.Verdict() != card.Failed {
			t.Fatalf("active %v files %v verdict %v", res.Active, res.Files, res.Verdict())
		}
	})
}

// TestEFSODDecidesTheDataGroups: which data groups exist is read from the
// signed EF.SOD, not from EF.COM (unsigned): a card whose EF.COM omits DG15
// still gets active authentication, and a clone hiding DG15 there fails it.
func TestEFSODDecidesTheDataGroups(t *testing.T) {
	res, err := readChip(t, cardsim.Profile{COMOmits: []int{15}}, cardsim.TestPKI(), testTrust(), nil)
	if err != nil || res.Active != card.Passed || res.Files[15] != card.Passed || res.Verdict() != card.Passed {
		t.Fatalf("EF.COM without DG15: %v active %v files %v", err, res.Active, res.Files)
	}
	res, err = readChip(t, cardsim.Profile{COMOmits: []int{15}, Cloned: true}, cardsim.TestPKI(), testTrust(), nil)
	if err != nil || res.Active != card.Failed || res.Verdict() != card.Failed {
		t.Fatalf("clone hiding DG15 in EF.COM: %v active %v verdict %v", err, res.Active, res.Verdict())
	}
	res, err = readChip(t, cardsim.Profile{COMOmits: []int{14, 15}, CloneCA: true, AA: "none"}, cardsim.TestPKI(), testTrust(), nil)
	if err != nil || res.Chip != card.Failed || res.Verdict() != card.Failed {
		t.Fatalf("clone hiding DG14 in EF.COM: %v chip %v verdict %v", err, res.Chip, res.Verdict())
	}
	// DG3 (fingerprints) sits behind extended access control: not claimed
	if res, _ := readChip(t, cardsim.Profile{}, cardsim.TestPKI(), testTrust(), nil); res.Files[3] != card.NotChecked {
		t.Errorf("DG3: %v", res.Files[3])
	}
}

// TestPassiveOnlyCard: a card offering neither active nor chip
// authentication is not proven to be the original chip: its own verdict,
// and the counter may receive with it only after comparing the portrait.
func TestPassiveOnlyCard(t *testing.T) {
	res, err := readChip(t, cardsim.Profile{NoChipAuth: true, AA: "none"}, cardsim.TestPKI(), testTrust(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Verdict() != card.ChipNotProven || res.Verdict().String() != "chip_not_proven" {
		t.Fatalf("verdict %v", res.Verdict())
	}
	if ok, notice := res.Receivable(); !ok || !contains(notice, "ảnh chân dung") {
		t.Errorf("receivable %v %q", ok, notice)
	}
	res, _ = readChip(t, cardsim.Profile{}, cardsim.TestPKI(), testTrust(), nil)
	if ok, notice := res.Receivable(); !ok || notice != "" || res.Verdict() != card.Passed {
		t.Errorf("a card that proved its chip: %v %v %q", res.Verdict(), ok, notice)
	}
}

// TestFaceNotCheckedOrInterrupted: a portrait skipped by choice is "not
// checked", one cut short by the card's removal "interrupted"; the checks
// decided before stay as they are.
func TestFaceNotCheckedOrInterrupted(t *testing.T) {
	chip, err := cardsim.New(person(t), cardsim.Profile{}, cardsim.TestPKI())
	if err != nil {
		t.Fatal(err)
	}
	res, err := card.Read(context.Background(), card.Emulated{Chip: chip, Removed: cardsim.ErrRemoved}, card.Key{CAN: chip.CAN()},
		card.Options{Trust: testTrust(), NoFace: true}, nil)
	if err != nil || res.Files[2] != card.NotChecked || res.Verdict() != card.Passed || res.Face != nil {
		t.Fatalf("--no-face: %v files %v verdict %v", err, res.Files, res.Verdict())
	}
	res, err = readChip(t, cardsim.Profile{RemoveAfter: 40}, cardsim.TestPKI(), testTrust(), nil)
	if !errors.Is(err, card.ErrRemoved) || res.Files[2] != card.Interrupted || res.Passive != card.Passed || res.Face != nil {
		t.Fatalf("removed during DG2: %v files %v passive %v", err, res.Files, res.Passive)
	}
}

// TestTraceHasNoCardData: the APDU trace names commands and status words,
// never the data of the card.
func TestTraceHasNoCardData(t *testing.T) {
	chip, err := cardsim.New(person(t), cardsim.Profile{}, cardsim.TestPKI())
	if err != nil {
		t.Fatal(err)
	}
	var trace traceBuf
	if _, err := card.Read(context.Background(), card.Emulated{Chip: chip, Removed: cardsim.ErrRemoved}, card.Key{CAN: chip.CAN()},
		card.Options{Trust: testTrust(), Trace: &trace}, nil); err != nil {
		t.Fatal(err)
	}
	p := person(t)
	for _, secret := range []string{p.ID, p.FullName, p.ID[6:], "Phạm", p.BirthDate.String()} {
		if contains(trace.String(), secret) {
			t.Errorf("trace holds %q", secret)
		}
	}
	if !contains(trace.String(), "0C B0") {
		t.Errorf("trace without secured reads:\n%s", trace.String())
	}
}

// wire records every command APDU a read sends.
type wire struct {
	card.Transport
	cmds [][]byte
}

func (w *wire) Transmit(ctx context.Context, apdu []byte) ([]byte, error) {
	w.cmds = append(w.cmds, append([]byte(nil), apdu...))
	return w.Transport.Transmit(ctx, apdu)
}

// plainAfterAccess returns the plain commands that touch the card's data
// (SELECT of a file, READ BINARY, INTERNAL AUTHENTICATE) sent after the
// first secured command: once secure messaging has started none may go in
// clear. Access control run again (MSE, GENERAL AUTHENTICATE, GET
// CHALLENGE, EXTERNAL AUTHENTICATE, SELECT of the application) is allowed.
func (w *wire) plainAfterAccess() []string {
	var out []string
	secured := false
	for _, c := range w.cmds {
		if len(c) < 4 {
			continue
		}
		if c[0]&0x0C == 0x0C {
			secured = true
			continue
		}
		if !secured {
			continue
		}
		switch ins, p1 := c[1], c[2]; {
		case ins == 0xB0 || ins == 0xB1 || ins == 0x88 || ins == 0xA4 && p1 != 0x04:
			out = append(out, fmt.Sprintf("%X", c[:4]))
		}
	}
	return out
}

// count returns how many commands start with the header bytes h.
func (w *wire) count(h ...byte) int {
	n := 0
	for _, c := range w.cmds {
		if len(c) >= len(h) && bytes.Equal(c[:len(h)], h) {
			n++
		}
	}
	return n
}

func readWire(t *testing.T, prof cardsim.Profile, key func(*cardsim.Card) card.Key) (*card.Result, *wire, error) {
	t.Helper()
	chip, err := cardsim.New(person(t), prof, cardsim.TestPKI())
	if err != nil {
		t.Fatal(err)
	}
	k := card.Key{CAN: chip.CAN()}
	if key != nil {
		k = key(chip)
	}
	w := &wire{Transport: card.Emulated{Chip: chip, Removed: cardsim.ErrRemoved}}
	res, err := card.Read(context.Background(), w, k, card.Options{Trust: testTrust()}, nil)
	return res, w, err
}

// TestNoPlainTextAfterAccess: after PACE or BAC every command is secured
// and every answer must verify. A chip that answers a short-identifier read
// with a bare status word (and would serve plain reads after it) gets access
// control run again, once, and SELECTs under the new keys; a clone that
// answers the first command after chip authentication in clear fails chip
// authentication.
func TestNoPlainTextAfterAccess(t *testing.T) {
	mrzKey := func(c *cardsim.Card) card.Key {
		d, b, e := c.MRZ()
		return card.Key{DocNo: d, Birth: b, Expiry: e}
	}
	for _, c := range []struct {
		name     string
		prof     cardsim.Profile
		key      func(*cardsim.Card) card.Key
		verdict  card.State
		accesses int // access-control runs: 2 when restarted
	}{
		{"no short identifiers, bare 6A86, lax: PACE again, then SELECT", cardsim.Profile{NoSFI: true, UnprotectedErrors: true}, nil, card.Passed, 2},
		{"no short identifiers, bare 6A86, lax: BAC again", cardsim.Profile{NoPACE: true, NoSFI: true, UnprotectedErrors: true, AA: "rsa"}, mrzKey, card.Passed, 2},
		{"no short identifiers, verified 6A86: SELECT under the same keys", cardsim.Profile{NoSFI: true}, nil, card.Passed, 1},
		{"clone answering in clear after chip authentication", cardsim.Profile{CloneCA: true, UnprotectedErrors: true, BadSMStatus: 0x6A86, AA: "none"}, nil, card.Failed, 2},
		{"clone answering in clear after chip authentication, with AA", cardsim.Profile{CloneCA: true, UnprotectedErrors: true, BadSMStatus: 0x6A86}, nil, card.Failed, 2},
	} {
		t.Run(c.name, func(t *testing.T) {
			res, w, err := readWire(t, c.prof, c.key)
			if err != nil {
				t.Fatalf("%v (%+v)", err, res)
			}
			if plain := w.plainAfterAccess(); len(plain) > 0 {
				t.Errorf("plain commands after access control: %v", plain)
			}
			if res.Verdict() != c.verdict {
				t.Errorf("verdict %v, want %v (passive %v active %v chip %v %s)", res.Verdict(), c.verdict, res.Passive, res.Active, res.Chip, res.ChipNote)
			}
			if c.verdict == card.Failed && res.Chip != card.Failed {
				t.Errorf("chip authentication %v for a clone", res.Chip)
			}
			runs := w.count(0x00, 0x22, 0xC1, 0xA4) + w.count(0x00, 0x82, 0x00, 0x00) // MSE:Set AT for PACE, EXTERNAL AUTHENTICATE
			if runs != c.accesses {
				t.Errorf("access control ran %d times, want %d", runs, c.accesses)
			}
		})
	}
}

// TestUnprotectedErrorEndsTheSession: a bare status word in the middle of
// the session (not to a short-identifier read) ends the read with its own
// error; nothing goes in clear after it.
func TestUnprotectedErrorEndsTheSession(t *testing.T) {
	res, w, err := readWire(t, cardsim.Profile{UnprotectedErrors: true, Deny: map[uint16]uint16{0x010E: 0x6982}}, nil)
	if !errors.Is(err, card.ErrUnprotected) || res.Identity == nil {
		t.Fatalf("err %v, identity %v", err, res.Identity != nil)
	}
	if plain := w.plainAfterAccess(); len(plain) > 0 {
		t.Errorf("plain commands after the bare status word: %v", plain)
	}
	if res.Verdict() == card.Passed {
		t.Errorf("verdict %v", res.Verdict())
	}
}

// TestRealCardDG13 reads the DG13 layout of real cards (cardsim's default)
// with the items reordered and unknown ones among them; a value in Latin-1
// instead of UTF-8 is said, with the item named, and never guessed; DG13
// that disagrees with the MRZ is a failed check.
func TestRealCardDG13(t *testing.T) {
	p := person(t)
	res, err := readChip(t, cardsim.Profile{DG13Shuffle: true, DG13Unknown: true}, cardsim.TestPKI(), testTrust(), nil)
	if err != nil {
		t.Fatal(err)
	}
	id := res.Identity
	if id.ID != p.ID || id.FullName != p.FullName || id.BirthDate != p.BirthDate || id.Sex != p.Sex || id.CardAddress != p.Residence ||
		id.IssueDate != p.IssueDate || id.Father != "Phạm Văn Cha" || id.Mother != "Nguyễn Thị Mẹ" || len(id.Unknown) != 2 {
		t.Fatalf("identity %+v", id)
	}
	if res.MRZMatch != card.Passed || res.Verdict() != card.Passed || res.IdentityNote != "" {
		t.Fatalf("mrz %v verdict %v note %q", res.MRZMatch, res.Verdict(), res.IdentityNote)
	}

	var log bytes.Buffer
	chip, err := cardsim.New(p, cardsim.Profile{DG13BadUTF8: 2}, cardsim.TestPKI())
	if err != nil {
		t.Fatal(err)
	}
	res, err = card.Read(context.Background(), card.Emulated{Chip: chip, Removed: cardsim.ErrRemoved}, card.Key{CAN: chip.CAN()},
		card.Options{Trust: testTrust(), Log: &log}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Identity.FullName != "" || !slices.Equal(res.Identity.Unreadable, []int{2}) || res.Identity.ID != p.ID {
		t.Fatalf("identity %+v", res.Identity)
	}
	if !contains(res.IdentityNote, "họ, chữ đệm và tên (mục 2)") {
		t.Errorf("note %q", res.IdentityNote)
	}
	if !contains(log.String(), "DG13 item 2") || contains(log.String(), p.ID) || contains(log.String(), p.FullName) {
		t.Errorf("log %q", log.String())
	}
	if res.Passive != card.Passed || res.Files[13] != card.Passed {
		t.Errorf("passive %v files %v", res.Passive, res.Files)
	}

	res, err = readChip(t, cardsim.Profile{MRZOff: true}, cardsim.TestPKI(), testTrust(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.MRZMatch != card.Failed || !contains(res.MRZNote, "ngày sinh") || res.Verdict() != card.Failed || res.Passive != card.Passed {
		t.Fatalf("DG13/MRZ disagreement: mrz %v %q verdict %v passive %v", res.MRZMatch, res.MRZNote, res.Verdict(), res.Passive)
	}
}

// TestDG2WithoutImageIsSaid: a portrait in no known format is not dropped
// silently: the result says there is none and why.
func TestDG2WithoutImageIsSaid(t *testing.T) {
	res, err := readChip(t, cardsim.Profile{DG2NoImage: true}, cardsim.TestPKI(), testTrust(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Face != nil || !contains(res.FaceNote, "không đọc được") || res.Files[2] != card.Passed || res.Verdict() != card.Passed {
		t.Fatalf("face %v note %q files %v verdict %v", res.Face != nil, res.FaceNote, res.Files, res.Verdict())
	}
}

// TestChipStopsAnswering: a chip that stops answering in the middle of an
// APDU does not hold the counter: the transmit is bounded by the read's
// timeout and abandoned, and the clerk is told.
func TestChipStopsAnswering(t *testing.T) {
	chip, err := cardsim.New(person(t), cardsim.Profile{HangAfter: 20}, cardsim.TestPKI())
	if err != nil {
		t.Fatal(err)
	}
	defer chip.Release()
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond) // card.timeout
	defer cancel()
	type out struct {
		res *card.Result
		err error
	}
	done := make(chan out, 1)
	go func() {
		res, err := card.Read(ctx, card.Emulated{Chip: chip, Removed: cardsim.ErrRemoved}, card.Key{CAN: chip.CAN()}, card.Options{Trust: testTrust()}, nil)
		done <- out{res, err}
	}()
	select {
	case o := <-done:
		if !errors.Is(o.err, card.ErrNoAnswer) || !contains(card.Explain(o.err), "không trả lời") {
			t.Fatalf("%v: %s", o.err, card.Explain(o.err))
		}
		if o.res.Identity == nil || o.res.Verdict() != card.Interrupted || card.Kind(o.err) != "no_answer" {
			t.Errorf("identity %v verdict %v kind %s", o.res.Identity != nil, o.res.Verdict(), card.Kind(o.err))
		}
	case <-time.After(20 * time.Second): // a guard against the hang, far from the 0.5 s timeout
		t.Fatal("the read is still blocked in a transmit the chip never answers")
	}
}
