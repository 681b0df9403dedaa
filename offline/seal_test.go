package offline

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sync/atomic"
	"testing"
	"time"
)

// markSealer is a test layer: it XORs the data and prefixes a frame byte and a tag of
// bucket+key, so values neither read as plain text nor open under another record.
type markSealer struct{ seals, opens atomic.Int32 }

func adTag(bucket string, key []byte) []byte {
	h := sha256.Sum256(append([]byte(bucket+"\x00"), key...))
	return h[:4]
}

func (m *markSealer) Seal(bucket string, key, plain []byte) ([]byte, error) {
	m.seals.Add(1)
	out := append([]byte{0x7E}, adTag(bucket, key)...)
	for _, b := range plain {
		out = append(out, b^0x5A)
	}
	return out, nil
}

func (m *markSealer) Open(bucket string, key, sealed []byte) ([]byte, error) {
	m.opens.Add(1)
	if len(sealed) < 5 || sealed[0] != 0x7E || !bytes.Equal(sealed[1:5], adTag(bucket, key)) {
		return nil, fmt.Errorf("%w: bad frame or tag", ErrUnsealable)
	}
	out := make([]byte, len(sealed)-5)
	for i, b := range sealed[5:] {
		out[i] = b ^ 0x5A
	}
	return out, nil
}

// Synthetic test person (not a real one).
const (
	synthName = "Trần Thị Mẫu Thử"
	synthID   = "079300001234"
)

// writePersonalData stores the synthetic person through every path that takes personal data.
func writePersonalData(t *testing.T, s *Store) {
	t.Helper()
	person, _ := json.Marshal(map[string]string{"fullName": synthName, "id": synthID})
	err := s.Update(func(tx *Tx) error {
		if err := tx.PutLookup(synthID, person, time.Time{}); err != nil {
			return err
		}
		code, err := tx.NextDossierCode("G22.99.08", 1, seqDay)
		if err != nil {
			return err
		}
		if err := tx.PutDossier(DossierInfo{Code: code, State: "received", Service: "1.001193"}, person); err != nil {
			return err
		}
		if err := tx.PutReceipt(code, append([]byte("%PDF-1.4 "), person...)); err != nil {
			return err
		}
		return tx.LogAccess(AccessEntry{Operator: "canbo01", Purpose: "dossier", Action: ActionLookup,
			Subject: s.SubjectRef(synthID), DossierCode: code, Outcome: "ok"})
	})
	if err != nil {
		t.Fatal(err)
	}
}

func rawContains(t *testing.T, s *Store, needle string) bool {
	t.Helper()
	raw, err := os.ReadFile(s.Path())
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Contains(raw, []byte(needle))
}

func TestSealLayerIsTheOnlyPath(t *testing.T) {
	m := &markSealer{}
	s, err := Open(t.TempDir(), Options{Sealer: m})
	if err != nil {
		t.Fatal(err)
	}
	writePersonalData(t, s)
	for _, needle := range []string{synthName, synthID, "Mẫu Thử"} {
		if rawContains(t, s, needle) {
			t.Errorf("raw motcua.db contains %q", needle)
		}
	}
	if m.seals.Load() < 4 { // salt, look-up, dossier, receipt
		t.Errorf("Sealer.Seal called %d times", m.seals.Load())
	}

	// Everything reads back through Open.
	before := m.opens.Load()
	v, _, ok, err := s.GetLookup(synthID, time.Hour)
	if err != nil || !ok || !bytes.Contains(v, []byte(synthName)) {
		t.Fatalf("GetLookup: %q %v %v", v, ok, err)
	}
	list, err := s.ListDossiers(DossierFilter{})
	if err != nil || len(list) != 1 {
		t.Fatalf("ListDossiers: %v %v", list, err)
	}
	blob, _, err := s.GetDossier(list[0].Code)
	if err != nil || !bytes.Contains(blob, []byte(synthID)) {
		t.Fatalf("GetDossier: %q %v", blob, err)
	}
	pdf, err := s.GetReceipt(list[0].Code)
	if err != nil || !bytes.HasPrefix(pdf, []byte("%PDF")) {
		t.Fatalf("GetReceipt: %q %v", pdf, err)
	}
	if m.opens.Load()-before != 3 {
		t.Errorf("Sealer.Open called %d times for 3 reads", m.opens.Load()-before)
	}

	// The associated data binds a value to its record: a value moved elsewhere does not open.
	err = s.Update(func(tx *Tx) error {
		b := tx.tx.Bucket([]byte(bucketDossiers))
		return b.Put([]byte("G22.99.08-260305-019999"), append([]byte(nil), b.Get([]byte(list[0].Code))...))
	})
	if err != nil {
		t.Fatal(err)
	}
	err = s.Update(func(tx *Tx) error {
		d := list[0]
		d.Code = "G22.99.08-260305-019999"
		return tx.putDossierInfo(d)
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.GetDossier("G22.99.08-260305-019999"); !errors.Is(err, ErrUnsealable) {
		t.Errorf("moved sealed value: got %v, want ErrUnsealable", err)
	}

	// A store sealed by one layer does not open under another.
	if _, err := Open(s.Dir(), Options{Sealer: PassThrough()}); !errors.Is(err, ErrUnsealable) {
		t.Errorf("Open with the wrong Sealer: %v, want ErrUnsealable", err)
	}
}

// The plain layer does leak (it is a pass-through): proves the raw-bytes check above can fail.
func TestPassThroughLeaksWhatTheCheckLooksFor(t *testing.T) {
	s, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	writePersonalData(t, s)
	if !rawContains(t, s, synthName) || !rawContains(t, s, synthID) {
		t.Fatal("the raw-bytes check does not find plain values: it could not detect a leak")
	}
	// Keys and the access log still never hold the ID: only values carry it.
	log, err := s.AccessLog()
	if err != nil || len(log) != 1 {
		t.Fatal(log, err)
	}
	line, _ := json.Marshal(log[0])
	if bytes.Contains(line, []byte(synthID)) || bytes.Contains(line, []byte(synthName)) {
		t.Errorf("access log entry holds personal data: %s", line)
	}
}

func TestPassThroughFraming(t *testing.T) {
	p := PassThrough()
	for _, plain := range [][]byte{nil, {}, []byte("x"), []byte(synthName)} {
		sealed, err := p.Seal("b", []byte("k"), plain)
		if err != nil {
			t.Fatal(err)
		}
		if len(sealed) != len(plain)+1 || sealed[0] != FramePlain {
			t.Errorf("Seal(%q) = %x: want plain frame byte then the data", plain, sealed)
		}
		got, err := p.Open("b", []byte("k"), sealed)
		if err != nil || !bytes.Equal(got, plain) {
			t.Errorf("Open(Seal(%q)) = %q, %v", plain, got, err)
		}
	}
	for _, bad := range [][]byte{nil, {}, {FrameAESGCM, 'x'}, {0x7E}} {
		if _, err := p.Open("b", []byte("k"), bad); !errors.Is(err, ErrUnsealable) {
			t.Errorf("Open(%x): %v, want ErrUnsealable", bad, err)
		}
	}
}

func TestSubjectKey(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	k := s.SubjectKey(synthID)
	if len(k) != 32 {
		t.Fatalf("key length %d", len(k))
	}
	if !bytes.Equal(k, s.SubjectKey(" "+synthID+"\n")) {
		t.Error("surrounding spaces change the key")
	}
	if bytes.Equal(k, s.SubjectKey("079300001235")) {
		t.Error("two IDs share a key")
	}
	plainHash := sha256.Sum256([]byte(synthID))
	if bytes.Equal(k, plainHash[:]) {
		t.Error("key is an unkeyed hash")
	}
	other, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(k, other.SubjectKey(synthID)) {
		t.Error("two stores share a salt")
	}
	again, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(k, again.SubjectKey(synthID)) {
		t.Error("key changed after reopening")
	}
	if ref := s.SubjectRef(synthID); !validSubjectRef(ref) {
		t.Errorf("SubjectRef %q is not 64 hex digits", ref)
	}
}
