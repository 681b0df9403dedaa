package forms

import (
	"strings"
	"testing"
)

func TestParseExprEval(t *testing.T) {
	vals := map[string]string{"a": "x", "b": "y", "c": "", "d": "Nữ"}
	get := func(id string) string { return vals[id] }
	cases := []struct {
		src  string
		want bool
		refs string
	}{
		{"a == 'x'", true, "a"},
		{"a != 'x'", false, "a"},
		{`a == "x"`, true, "a"},
		{"a == 'z'", false, "a"},
		{"c == ''", true, "c"},
		{"c != ''", false, "c"},
		{"a == 'x' and b == 'y'", true, "a,b"},
		{"a == 'x' and b == 'z'", false, "a,b"},
		{"a == 'z' or b == 'y'", true, "a,b"},
		{"a == 'z' or b == 'z'", false, "a,b"},
		// and binds tighter than or: true or (false and false)
		{"a == 'x' or b == 'z' and c == 'q'", true, "a,b,c"},
		{"(a == 'x' or b == 'z') and c == 'q'", false, "a,b,c"},
		{"((a == 'x'))", true, "a"},
		{"  a=='x'and(b!='y'or c=='')  ", true, "a,b,c"},
		// values are compared in NFC: decomposed "Nữ" in the expression
		{"d == 'Nu\u031b\u0303'", true, "d"},
		{"x.y == 'q'", false, "x.y"},
	}
	for _, c := range cases {
		t.Run(c.src, func(t *testing.T) {
			e, err := ParseExpr(c.src)
			if err != nil {
				t.Fatalf("ParseExpr: %v", err)
			}
			if got := e.Eval(get); got != c.want {
				t.Errorf("Eval = %v, want %v", got, c.want)
			}
			if got := strings.Join(e.Refs(), ","); got != c.refs {
				t.Errorf("Refs = %s, want %s", got, c.refs)
			}
		})
	}
}

func TestParseExprRejects(t *testing.T) {
	bad := []string{
		"",
		"   ",
		"a ==",
		"a = 'x'",
		"a == 'x",
		"a == 'x' and",
		"or a == 'x'",
		"a == 'x' b == 'y'",
		"(a == 'x'",
		"a == 'x')",
		"a == 'x' && b == 'y'",
		"a ! 'x'",
		"1a == 'x'",
		"a == 'x' and ()",
	}
	for _, src := range bad {
		if _, err := ParseExpr(src); err == nil {
			t.Errorf("ParseExpr(%q) accepted", src)
		}
	}
}
