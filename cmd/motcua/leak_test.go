package main

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf16"

	"golang.org/x/text/unicode/norm"

	"motcua/internal/testenv"
	"motcua/lookups/sandbox"
	"motcua/lookups/vntext"
	"motcua/offline"
)

// The end-to-end leak test serves known synthetic persons in the real
// program (look-ups by typed ID and by card, a declaration with typed values,
// a received dossier, a draft left open), then searches what the program
// left on disk for their names and ID numbers in every usual form, after
// decompressing anything compressed. Nothing may be found in plain text.

// needle is one form of one personal value to search for.
type needle struct {
	what string // e.g. "name of 066303000006, NFD"
	b    []byte
}

// stripMarks removes every diacritic (đ to d), as a search box would.
func stripMarks(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
		case r == 'đ':
			b.WriteRune('d')
		case r == 'Đ':
			b.WriteRune('D')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func utf16Bytes(s string, order binary.ByteOrder) []byte {
	u := utf16.Encode([]rune(s))
	b := make([]byte, 2*len(u))
	for i, c := range u {
		order.PutUint16(b[2*i:], c)
	}
	return b
}

// nameNeedles are the forms of a name: NFC, NFD, tone-folded, lower and
// upper case, without diacritics, JSON-escaped and UTF-16.
func nameNeedles(label, name string) []needle {
	nfc := norm.NFC.String(name)
	forms := map[string]string{
		"NFC":                        nfc,
		"NFD":                        norm.NFD.String(nfc),
		"tone-folded":                vntext.FoldTone(nfc),
		"tone-folded NFD":            norm.NFD.String(vntext.FoldTone(nfc)),
		"lower-case":                 strings.ToLower(nfc),
		"lower-case NFD":             norm.NFD.String(strings.ToLower(nfc)),
		"lower-case tone-folded":     strings.ToLower(vntext.FoldTone(nfc)),
		"upper-case":                 strings.ToUpper(nfc),
		"without diacritics":         stripMarks(nfc),
		"lower without diacritics":   strings.ToLower(stripMarks(nfc)),
		"upper without diacritics":   strings.ToUpper(stripMarks(nfc)),
		"JSON \\u-escaped":           strings.Trim(strconv.QuoteToASCII(nfc), `"`),
		"JSON \\u-escaped tone-fold": strings.Trim(strconv.QuoteToASCII(vntext.FoldTone(nfc)), `"`),
	}
	var out []needle
	for f, v := range forms {
		out = append(out, needle{label + ", " + f, []byte(v)})
	}
	out = append(out, needle{label + ", UTF-16LE", utf16Bytes(nfc, binary.LittleEndian)},
		needle{label + ", UTF-16BE", utf16Bytes(nfc, binary.BigEndian)})
	return out
}

// expand returns data and every gzip or zlib stream found in it, inflated
// (nested streams too, two levels deep). bbolt pages are not compressed;
// this catches a compressed log, export or temporary file.
func expand(data []byte, depth int) [][]byte {
	out := [][]byte{data}
	if depth == 0 {
		return out
	}
	inflate := func(r io.ReadCloser, err error) {
		if err != nil {
			return
		}
		b, _ := io.ReadAll(io.LimitReader(r, 64<<20)) // what was read before an error counts too
		r.Close()
		if len(b) > 0 {
			out = append(out, expand(b, depth-1)...)
		}
	}
	for i := 0; i+2 < len(data); i++ {
		switch {
		case data[i] == 0x1f && data[i+1] == 0x8b && data[i+2] == 8:
			r, err := gzip.NewReader(bytes.NewReader(data[i:]))
			inflate(r, err)
		case data[i] == 0x78 && (data[i+1] == 0x01 || data[i+1] == 0x5e || data[i+1] == 0x9c || data[i+1] == 0xda):
			inflate(zlib.NewReader(bytes.NewReader(data[i:])))
		}
	}
	return out
}

// leakHit is a needle found in a file.
type leakHit struct{ file, what string }

// scanForLeaks searches data (and what it decompresses to) for the needles.
func scanForLeaks(file string, data []byte, needles []needle) []leakHit {
	var hits []leakHit
	seen := map[string]bool{}
	for i, part := range expand(data, 2) {
		for _, n := range needles {
			if !seen[n.what] && bytes.Contains(part, n.b) {
				seen[n.what] = true
				where := file
				if i > 0 {
					where += " (decompressed stream)"
				}
				hits = append(hits, leakHit{where, n.what})
			}
		}
	}
	return hits
}

// personalValues walks a JSON record of the sandbox (a resident with its
// household, spouse, parents ...) and returns every name and ID number in it.
func personalValues(v any, names, ids map[string]bool) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if s, ok := e.(string); ok && s != "" {
				switch k {
				case "fullName":
					names[s] = true
				case "id", "oldId":
					if regexp.MustCompile(`^\d{9}(\d{3})?$`).MatchString(s) {
						ids[s] = true
					}
				}
				continue
			}
			personalValues(e, names, ids)
		}
	case []any:
		for _, e := range x {
			personalValues(e, names, ids)
		}
	}
}

func TestLeakAfterCounterSession(t *testing.T) {
	t.Parallel()
	testenv.NeedTool(t, "tmux", "tmux")
	dir := t.TempDir()
	data := filepath.Join(dir, "demo")
	tmp := filepath.Join(dir, "tmp") // the program's private TMPDIR
	if err := os.Mkdir(tmp, 0o700); err != nil {
		t.Fatal(err)
	}
	stderrPath := filepath.Join(dir, "stderr.txt")
	single, married, widowed := featured(t, "single"), featured(t, "married"), featured(t, "widowed")
	// values the clerk types (synthetic too)
	const partnerA, partnerC, passport = "Lê Văn Thử", "Đặng Thị Kiểm Tra", "C7654321"

	s := startTmux(t, 150, 50, fmt.Sprintf("env %s=1 TMPDIR=%s %s demo --data-dir %s 2>%s; echo MOTCUA-EXITED; sleep 60",
		asBinary, tmp, os.Args[0], data, stderrPath))
	s.waitFor("Bước 1 — Xác định công dân")

	// 1. typed ID, a declaration with typed values, a received dossier
	s.text(single.ID)
	s.keys("Enter")
	s.waitFor("Bước 2 — Thông tin công dân")
	s.keys("Enter")
	s.waitFor("Bước 3 — Chọn thủ tục")
	s.keys("Enter")
	s.waitFor("Bước 4 — Tờ khai cấp Giấy xác nhận tình trạng hôn nhân")
	s.text("1")
	s.keys("Tab")
	s.waitFor("Người dự định kết hôn")
	s.keys("Tab")
	s.text(partnerA)
	s.keys("Tab", "Tab")
	s.text("Hộ chiếu số " + passport)
	s.keys("Tab")
	s.text("UBND phường Ba Đình, Hà Nội")
	s.keys("F10")
	s.waitFor("Bước 5 — Xem lại")
	s.keys("Enter")
	scr := s.waitFor("Đã tiếp nhận hồ sơ")
	code := regexp.MustCompile(`DEMO\.00004-\d{6}-01\d{4}`).FindString(scr)
	if code == "" {
		t.Fatalf("no dossier code:\n%s", scr)
	}
	s.keys("Enter")
	s.waitFor("Bước 1 — Xác định công dân")

	// 2. a card read and its look-up
	s.tapCard(married.ID)
	s.waitFor("Bước 2 — Thông tin công dân")
	s.keys("Escape")
	s.waitFor("Bước 1 — Xác định công dân")

	// 3. a declaration left open as a draft when the program quits
	s.text(widowed.ID)
	s.keys("Enter")
	s.waitFor("Bước 2 — Thông tin công dân")
	s.keys("Enter")
	s.waitFor("Bước 3 — Chọn thủ tục")
	s.keys("Enter")
	s.waitFor("Bước 4 — Tờ khai")
	s.text("1")
	s.keys("Tab")
	s.waitFor("Người dự định kết hôn")
	s.keys("Tab")
	s.text(partnerC)
	s.keys("Tab")
	s.settle("")
	s.settle("") // the draft is saved after each change, in the background
	s.keys("C-c")
	s.waitFor("MOTCUA-EXITED")

	// The draft was saved (sealed): the search below is about data really kept.
	keyStore, err := offline.UnlockWithKeyFile(data, filepath.Join(data, "demo.key"), offline.Options{})
	if err != nil {
		t.Fatalf("the demo store does not open with its key file: %v", err)
	}
	var draftBlobs [][]byte
	err = keyStore.View(func(tx *offline.Tx) error {
		ds, err := tx.ListDrafts()
		for _, d := range ds {
			b, _, err := tx.GetDraft(d.ID)
			if err != nil {
				return err
			}
			draftBlobs = append(draftBlobs, b)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(draftBlobs, func(b []byte) bool { return bytes.Contains(b, []byte(partnerC)) }) {
		t.Fatalf("no saved draft holds the typed name (%d drafts): the session did not leave a draft open", len(draftBlobs))
	}

	// What must not be found: every name and ID number of the persons served
	// and of the persons their records carry (household, spouse, parents), and
	// the values typed. The receipt PDF is the printer's output: it carries the
	// citizen's name and ID by design (the paper handed to the citizen), like a
	// page in a printer's queue, so receipts/ is not searched.
	needles := personalNeedles(t, []string{single.ID, married.ID, widowed.ID}, []string{partnerA, partnerC, passport})
	assertNoPlainPersonalData(t, dir, []string{data, tmp}, filepath.Join(data, "receipts"), []string{stderrPath}, needles)
	if b, _ := os.ReadFile(stderrPath); bytes.Contains(b, []byte("WARNING: DATA RACE")) {
		t.Errorf("the program reported a data race:\n%s", b)
	}

	// The values open with the key, and the names are in them: the absence
	// above is encryption, not an empty store.
	blob, _, err := keyStore.GetDossier(code)
	if err != nil || !bytes.Contains(blob, []byte(single.Name)) || !bytes.Contains(blob, []byte(partnerA)) {
		t.Fatalf("the received dossier does not open with the key file (or lacks the names): %v", err)
	}

	// A wrong passphrase does not open the store; the second demo operator's does.
	creds, err := os.ReadFile(filepath.Join(data, "demo-operators.txt"))
	if err != nil {
		t.Fatal(err)
	}
	pass := map[string]string{}
	for _, l := range strings.Split(string(creds), "\n") {
		f := strings.Split(l, "\t")
		if len(f) == 4 && strings.HasPrefix(f[3], "passphrase: ") {
			pass[f[0]] = strings.TrimPrefix(f[3], "passphrase: ")
		}
	}
	const supervisor, volunteer = "demo.canbo", "demo.tinhnguyen"
	if pass[supervisor] == "" || pass[volunteer] == "" {
		t.Fatalf("demo-operators.txt does not list both demo operators")
	}
	if _, _, err := offline.Unlock(data, supervisor, pass[supervisor]+"x", offline.Options{}); !errors.Is(err, offline.ErrBadPassphrase) {
		t.Errorf("wrong passphrase: %v, want ErrBadPassphrase", err)
	}
	if _, _, err := offline.Unlock(data, supervisor, pass[volunteer], offline.Options{}); !errors.Is(err, offline.ErrBadPassphrase) {
		t.Errorf("another operator's passphrase: %v, want ErrBadPassphrase", err)
	}
	emptyCfg := filepath.Join(dir, "empty.toml")
	if err := os.WriteFile(emptyCfg, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	runAs := func(id, pw string, args ...string) (string, string, int) {
		t.Helper()
		setenv(t, "MOTCUA_OPERATOR", id)
		setenv(t, "MOTCUA_PASSPHRASE", pw)
		return motcua(t, append([]string{"--config", emptyCfg, "--data-dir", data}, args...)...)
	}
	out, errOut, rc := runAs(supervisor, "sai mật khẩu rồi", "dossier", "show", code)
	if rc != 1 || strings.Contains(out+errOut, single.Name) || strings.Contains(out+errOut, single.ID) {
		t.Errorf("dossier show with a wrong passphrase: exit %d, out %q, err %q", rc, out, errOut)
	}
	vs, op, err := offline.Unlock(data, volunteer, pass[volunteer], offline.Options{})
	if err != nil || op.Role != offline.RoleVolunteer {
		t.Fatalf("the second demo operator cannot open the store: %v (%+v)", err, op)
	}
	if blob, _, err := vs.GetDossier(code); err != nil || !bytes.Contains(blob, []byte(single.Name)) {
		t.Errorf("the volunteer's key does not open the dossier: %v", err)
	}
	out, errOut, rc = runAs(supervisor, pass[supervisor], "dossier", "list", "--json")
	if rc != 0 || !strings.Contains(out, code) {
		t.Errorf("dossier list with the supervisor's passphrase: exit %d, out %q, err %q", rc, out, errOut)
	}
	// Another store's key file does not open this one.
	setenv(t, "MOTCUA_PASSPHRASE", "") // a demo command with a passphrase logs in with it, not the demo key file
	other := filepath.Join(dir, "other")
	if _, errOut, rc := motcua(t, "dossier", "list", "--demo", "--data-dir", other); rc != 0 {
		t.Fatalf("a second demo store: exit %d: %s", rc, errOut)
	}
	if _, err := offline.UnlockWithKeyFile(data, filepath.Join(other, "demo.key"), offline.Options{}); err == nil {
		t.Errorf("another store's key file opens this store")
	}
}

// personalNeedles returns every form of the names and ID numbers (12-digit
// and 9-digit old ones) of the persons ids, of the persons their sandbox
// records carry (household members, spouse, parents), and the typed values.
func personalNeedles(t *testing.T, ids []string, typed []string) []needle {
	t.Helper()
	names, nums := map[string]bool{}, map[string]bool{}
	pop := sandbox.Default()
	for _, id := range ids {
		r, ok := pop.Resident(id)
		if !ok {
			t.Fatalf("person %s not in the sandbox", id)
		}
		if r.Citizen.OldID == "" {
			t.Errorf("person %s has no 9-digit old ID to search for", id)
		}
		b, _ := json.Marshal(r)
		var v any
		if err := json.Unmarshal(b, &v); err != nil {
			t.Fatal(err)
		}
		personalValues(v, names, nums)
	}
	var out []needle
	for n := range names {
		out = append(out, nameNeedles("name "+n, n)...)
	}
	for id := range nums {
		out = append(out, needle{"ID number " + id, []byte(id)})
	}
	for _, v := range typed {
		out = append(out, nameNeedles("typed value "+v, v)...)
	}
	t.Logf("searching for %d names, %d ID numbers and %d typed values in %d forms", len(names), len(nums), len(typed), len(out))
	return out
}

// assertNoPlainPersonalData searches every regular file under roots (except
// the directory skip) and the extra files for the needles, after
// decompression, and fails the test for each one found. motcua.db and
// motcua.log must be among the files. Paths are reported relative to base.
func assertNoPlainPersonalData(t *testing.T, base string, roots []string, skip string, extra []string, needles []needle) {
	t.Helper()
	var files []string
	for _, root := range roots {
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && p == skip {
				return filepath.SkipDir
			}
			if d.Type().IsRegular() {
				files = append(files, p)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	files = append(files, extra...)
	for _, want := range []string{"motcua.db", "motcua.log"} {
		if !slices.ContainsFunc(files, func(f string) bool { return filepath.Base(f) == want }) {
			t.Errorf("no %s among the files searched", want)
		}
	}
	var scanned []string
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(base, f)
		scanned = append(scanned, fmt.Sprintf("%s (%d B)", rel, len(raw)))
		for _, h := range scanForLeaks(rel, raw, needles) {
			t.Errorf("personal data in plain text: %s in %s", h.what, h.file)
		}
	}
	t.Logf("searched: %s", strings.Join(scanned, ", "))
}

// TestLeakScannerFindsPlantedData checks the search itself: a name written in
// any of the forms, plain or inside a gzip or zlib stream within other bytes,
// is found; an ID's digits too; and clean random bytes give nothing.
func TestLeakScannerFindsPlantedData(t *testing.T) {
	t.Parallel()
	const name, id = "Phạm Thu Ngân", "066303000006"
	needles := append(nameNeedles("name", name), needle{"ID", []byte(id)})
	rng := rand.New(rand.NewPCG(1, 2))
	noise := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		return b
	}
	gz := func(s string) []byte {
		var b bytes.Buffer
		w := gzip.NewWriter(&b)
		if _, err := w.Write([]byte(s)); err != nil {
			t.Fatal(err)
		}
		w.Close()
		return b.Bytes()
	}
	zl := func(s string) []byte {
		var b bytes.Buffer
		w := zlib.NewWriter(&b)
		if _, err := w.Write([]byte(s)); err != nil {
			t.Fatal(err)
		}
		w.Close()
		return b.Bytes()
	}
	cases := []struct {
		name, want string
		data       []byte
	}{
		{"clean", "", noise(1 << 16)},
		{"NFD in a log line", "name, NFD", []byte("level=INFO msg=x who=" + norm.NFD.String(name))},
		{"lower-case, no diacritics", "name, lower without diacritics", append(noise(100), "pham thu ngan"...)},
		{"tone-folded", "name, tone-folded", []byte(vntext.FoldTone("Phạm Thu Ngân"))},
		{"ID digits", "ID", append(noise(50), id...)},
		{"gzip stream inside", "name, NFC", append(append(noise(300), gz(`{"fullName":"`+name+`"}`)...), noise(300)...)},
		{"zlib stream inside", "name, lower-case", append(noise(77), zl("x "+strings.ToLower(name)+" y")...)},
		{"nested gzip in zlib", "name, NFC", zl(string(gz(name)))},
		{"JSON escaped", `name, JSON \u-escaped`, []byte(strconv.QuoteToASCII(name))},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			hits := scanForLeaks("f", c.data, needles)
			if c.want == "" {
				if len(hits) > 0 {
					t.Fatalf("found %v in clean data", hits)
				}
				return
			}
			for _, h := range hits {
				if h.what == c.want {
					return
				}
			}
			t.Fatalf("%q not found; hits %v", c.want, hits)
		})
	}
}
