package vnime

import "testing"

// benchText is typed over and over: names and places, words ending at
// spaces and commas.
const benchText = "Nguyeenx Thij Hoaf, Phuwowngf Ba DDinhf, Haf Nooij, Quaanj Hoanf Kieems "

// BenchmarkKey is one keystroke of the engine alone.
func BenchmarkKey(b *testing.B) {
	e := New(Telex, NewStyle)
	keys := []rune(benchText)
	b.ReportAllocs()
	for i := range b.N {
		_ = e.Key(keys[i%len(keys)])
	}
}

// BenchmarkKeySync is one keystroke as a text field drives it: Sync with the
// text before the cursor, Key, Apply.
func BenchmarkKeySync(b *testing.B) {
	e := New(Telex, NewStyle)
	keys := []rune(benchText)
	var text []rune
	b.ReportAllocs()
	for i := range b.N {
		k := keys[i%len(keys)]
		if i%len(keys) == 0 {
			text = text[:0]
			e.Reset()
		}
		e.Sync(string(text))
		text, _ = Apply(text, len(text), e.Key(k))
	}
}
