package forms

import (
	"fmt"
	"strings"

	"golang.org/x/text/unicode/norm"
)

// Expressions are the tiny boolean language of relevance conditions and of the
// "expr" constraint kind:
//
//	marital_status == 'married'
//	purpose != 'marry' or marital_status != 'married'
//	(a == 'x' or b == 'y') and c != ''
//
// A comparison is a field id, == or !=, and a quoted string ('…' or "…").
// "and" binds tighter than "or"; parentheses group. A field that is not
// relevant reads as the empty string.

// Expr is a parsed expression.
type Expr struct {
	src  string
	root node
}

type node interface {
	eval(get func(id string) string) bool
	refs(into []string) []string
}

type cmpNode struct {
	field string
	neq   bool
	value string
}

func (c cmpNode) eval(get func(string) string) bool {
	eq := strings.TrimSpace(get(c.field)) == c.value
	return eq != c.neq
}

func (c cmpNode) refs(into []string) []string { return append(into, c.field) }

type boolNode struct {
	and  bool
	l, r node
}

func (b boolNode) eval(get func(string) string) bool {
	if b.and {
		return b.l.eval(get) && b.r.eval(get)
	}
	return b.l.eval(get) || b.r.eval(get)
}

func (b boolNode) refs(into []string) []string { return b.r.refs(b.l.refs(into)) }

// ParseExpr parses an expression; the error says what is wrong and where.
func ParseExpr(src string) (*Expr, error) {
	toks, err := lex(src)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks}
	root, err := p.or()
	if err != nil {
		return nil, err
	}
	if p.pos < len(p.toks) {
		return nil, fmt.Errorf("unexpected %q at offset %d", p.toks[p.pos].text, p.toks[p.pos].off)
	}
	return &Expr{src: src, root: root}, nil
}

// Eval evaluates the expression with get returning a field's value.
func (e *Expr) Eval(get func(id string) string) bool { return e.root.eval(get) }

// Refs returns the field ids the expression reads, in order of appearance.
func (e *Expr) Refs() []string { return e.root.refs(nil) }

// String returns the source text.
func (e *Expr) String() string { return e.src }

type tokKind int

const (
	tIdent tokKind = iota
	tString
	tEq
	tNeq
	tAnd
	tOr
	tLParen
	tRParen
)

type token struct {
	kind tokKind
	text string
	off  int
}

func isIdentByte(c byte, first bool) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '_':
		return true
	case c >= '0' && c <= '9', c == '.':
		return !first
	}
	return false
}

func lex(src string) ([]token, error) {
	var out []token
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '(':
			out = append(out, token{tLParen, "(", i})
			i++
		case c == ')':
			out = append(out, token{tRParen, ")", i})
			i++
		case c == '=' || c == '!':
			if i+1 >= len(src) || src[i+1] != '=' {
				return nil, fmt.Errorf("expected %c= at offset %d", c, i)
			}
			k := tEq
			if c == '!' {
				k = tNeq
			}
			out = append(out, token{k, src[i : i+2], i})
			i += 2
		case c == '\'' || c == '"':
			end := strings.IndexByte(src[i+1:], c)
			if end < 0 {
				return nil, fmt.Errorf("unterminated string at offset %d", i)
			}
			out = append(out, token{tString, norm.NFC.String(src[i+1 : i+1+end]), i})
			i += end + 2
		case isIdentByte(c, true):
			j := i + 1
			for j < len(src) && isIdentByte(src[j], false) {
				j++
			}
			w := src[i:j]
			switch w {
			case "and":
				out = append(out, token{tAnd, w, i})
			case "or":
				out = append(out, token{tOr, w, i})
			default:
				out = append(out, token{tIdent, w, i})
			}
			i = j
		default:
			return nil, fmt.Errorf("unexpected character %q at offset %d", c, i)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("empty expression")
	}
	return out, nil
}

type parser struct {
	toks []token
	pos  int
}

func (p *parser) peek() (token, bool) {
	if p.pos < len(p.toks) {
		return p.toks[p.pos], true
	}
	return token{}, false
}

func (p *parser) or() (node, error) {
	l, err := p.and()
	if err != nil {
		return nil, err
	}
	for {
		t, ok := p.peek()
		if !ok || t.kind != tOr {
			return l, nil
		}
		p.pos++
		r, err := p.and()
		if err != nil {
			return nil, err
		}
		l = boolNode{and: false, l: l, r: r}
	}
}

func (p *parser) and() (node, error) {
	l, err := p.primary()
	if err != nil {
		return nil, err
	}
	for {
		t, ok := p.peek()
		if !ok || t.kind != tAnd {
			return l, nil
		}
		p.pos++
		r, err := p.primary()
		if err != nil {
			return nil, err
		}
		l = boolNode{and: true, l: l, r: r}
	}
}

func (p *parser) primary() (node, error) {
	t, ok := p.peek()
	if !ok {
		return nil, fmt.Errorf("unexpected end of expression")
	}
	switch t.kind {
	case tLParen:
		p.pos++
		n, err := p.or()
		if err != nil {
			return nil, err
		}
		c, ok := p.peek()
		if !ok || c.kind != tRParen {
			return nil, fmt.Errorf("missing ) for ( at offset %d", t.off)
		}
		p.pos++
		return n, nil
	case tIdent:
		p.pos++
		op, ok := p.peek()
		if !ok || (op.kind != tEq && op.kind != tNeq) {
			return nil, fmt.Errorf("expected == or != after %q at offset %d", t.text, t.off)
		}
		p.pos++
		v, ok := p.peek()
		if !ok || v.kind != tString {
			return nil, fmt.Errorf("expected a quoted value after %s at offset %d", op.text, op.off)
		}
		p.pos++
		return cmpNode{field: t.text, neq: op.kind == tNeq, value: strings.TrimSpace(v.text)}, nil
	}
	return nil, fmt.Errorf("unexpected %q at offset %d", t.text, t.off)
}
