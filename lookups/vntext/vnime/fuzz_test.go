package vnime

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// host is a text field with the cursor at the end, driven as the package
// documentation says.
type host struct {
	e    *Engine
	text []rune
	sync bool
	// cancel: each key is typed, taken back with Cancel and typed again,
	// which must be the same as typing it once.
	cancel bool
}

func (h *host) typ(t *testing.T, r rune) {
	if r == '\b' {
		if len(h.text) > 0 {
			h.text = h.text[:len(h.text)-1]
			h.e.Backspace()
		}
		return
	}
	if h.sync {
		h.e.Sync(string(h.text))
	}
	ed := h.e.Key(r)
	if h.cancel {
		h.e.Cancel()
		if again := h.e.Key(r); again != ed {
			t.Fatalf("key %q: %+v, after Cancel %+v", r, ed, again)
		}
	}
	if ed.Delete < 0 || ed.Delete > len(h.text) {
		t.Fatalf("key %q: delete %d of %d runes", r, ed.Delete, len(h.text))
	}
	if !utf8.ValidString(ed.Insert) {
		t.Fatalf("key %q: insert %q is not UTF-8", r, ed.Insert)
	}
	h.text, _ = Apply(h.text, len(h.text), ed)
}

// fuzzKeys bounds runs of combining marks (an input method sends one or
// two; NFC itself gives up on dozens).
func fuzzKeys(s string) []rune {
	var out []rune
	marks := 0
	for _, r := range s {
		if !startsSegment(r) {
			if marks++; marks > 4 {
				continue
			}
		} else {
			marks = 0
		}
		out = append(out, r)
	}
	return out
}

func FuzzEngine(f *testing.F) {
	for _, s := range []string{
		"Nguyeenx Thij Hoaf", "Phuwowngf Ba DDinhf, Haf Nooij", "a\bá\bas", "Vie\u0302\u0323t",
		"thas@gmail.com", "ddd\bd", "hoafn\bi", "thuwowng\b\br", "Nguye6n4 Thi5 Hoa2", "a11 a66 u7o7",
		"ww www W", "xin chaof\b\b\b\b\bf", "\u212B\u0301", "x\u0301\u0323", "uowuow zzz 0000",
		"\u1100\u1161\u11A8 한\u11A8",
	} {
		f.Add(s, false, false)
		f.Add(s, true, true)
	}
	f.Fuzz(checkKeys)
}

// TestRandomKeys runs the fuzz checks on random keys from the letters,
// marks and separators that matter, with a fixed seed.
func TestRandomKeys(t *testing.T) {
	alpha := []rune("aeiouydwsfrxjzqgnhtcAEOWDS \b@._,-0123456789ắươêđÂ\u0301\u0302\u0323\u031B\u212B한\u1161")
	rng := rand.New(rand.NewPCG(13, 2))
	for range 2000 {
		keys := make([]rune, 1+rng.IntN(60))
		for j := range keys {
			keys[j] = alpha[rng.IntN(len(alpha))]
		}
		checkKeys(t, string(keys), rng.IntN(2) == 0, rng.IntN(2) == 0)
	}
}

// checkKeys types s and checks what must hold whatever the keys: no panic,
// edits within the text, NFC text, Sync and Cancel consistent, Reset as new.
func checkKeys(t *testing.T, s string, vni, old bool) {
	{
		m, st := Telex, NewStyle
		if vni {
			m = VNI
		}
		if old {
			st = OldStyle
		}
		keys := fuzzKeys(s)
		if len(keys) > 300 {
			keys = keys[:300]
		}
		a := &host{e: New(m, st), sync: true}
		b := &host{e: New(m, st)}
		c := &host{e: New(m, st), sync: true, cancel: true}
		noBS := !strings.ContainsRune(s, '\b')
		for _, r := range keys {
			a.typ(t, r)
			c.typ(t, r)
			if !norm.NFC.IsNormalString(string(a.text)) {
				t.Fatalf("%q: text %q is not NFC", string(keys), string(a.text))
			}
			if noBS {
				b.typ(t, r)
			}
		}
		if string(a.text) != string(c.text) {
			t.Fatalf("%q: %q, with Cancel probes %q", string(keys), string(a.text), string(c.text))
		}
		// Sync changes nothing when the field applied every edit.
		if noBS && string(a.text) != string(b.text) {
			t.Fatalf("%q: %q with Sync, %q without", string(keys), string(a.text), string(b.text))
		}
		// Reset, once or twice, is a new engine.
		for _, n := range []int{1, 2} {
			e := a.e
			for range n {
				e.Reset()
			}
			fresh := New(m, st)
			for _, r := range "Nguyeenx as@b Hoaf\u0301 a1" {
				if got, want := e.Key(r), fresh.Key(r); got != want {
					t.Fatalf("after %d Reset, key %q: %+v, a new engine %+v", n, r, got, want)
				}
			}
			if e.Word() != fresh.Word() {
				t.Fatalf("after %d Reset: word %q, a new engine %q", n, e.Word(), fresh.Word())
			}
		}
	}
}
