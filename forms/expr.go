package forms

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/unicode/norm"

	"motcua/forms/fees"
	"motcua/lookups"
)

// Expressions are the small language of relevance conditions, calculations
// and the "expr" constraint kind (docs/FORMS.md):
//
//	marital_status == 'married'
//	age(child_birth_date) < 6 and not empty(child_name)
//	date_words(child_birth_date)
//	if(slot(father) == 'yes', father_name, '')
//
// Every value is text. == and != compare numbers as numbers and dd/mm/yyyy
// dates as dates when both sides parse, else trimmed text; <, <=, >, >= do
// the same and otherwise compare text. A boolean result is 'yes' (true) or ''
// (false); a value is true when it is not empty. "not" binds tighter than
// "and", which binds tighter than "or". A field that is not relevant reads as ''.
// +, - and * work on whole numbers (a unary - too; * binds tighter than + and
// -, which bind tighter than comparisons): an operand that is not a whole
// number, or a result that would overflow, gives ''.

// Expr is a parsed expression.
type Expr struct {
	src  string
	root node
}

const (
	yes = "yes"
	no  = ""
)

// evalCtx is what an expression reads during one evaluation. It is a concrete
// type so that evaluation does not allocate.
type evalCtx struct {
	d     *Declaration        // bound evaluation (nil for Expr.Eval)
	row   int                 // the group row of the field being evaluated (1-based, 0 outside groups)
	get   func(string) string // unbound evaluation: values by reference name
	now   func() time.Time
	today lookups.Date // cached per evaluation
}

func (c *evalCtx) todayDate() lookups.Date {
	if c.today.IsZero() {
		if c.now != nil {
			c.today = lookups.DateOf(c.now())
		} else {
			c.today = lookups.DateOf(time.Now())
		}
	}
	return c.today
}

type node interface {
	eval(c *evalCtx) string
	walk(fn func(node))
}

// ---- nodes

type litNode struct{ v string }

func (n *litNode) eval(*evalCtx) string { return n.v }
func (n *litNode) walk(fn func(node))   { fn(n) }

// refNode reads a field (or an address part); bound to the spec at load.
type refNode struct {
	name string
	f    *Field // bound field (nil when unbound)
	part int    // partMain, partDetail, partWard
}

func (n *refNode) eval(c *evalCtx) string {
	if c.d == nil || n.f == nil {
		if c.get == nil {
			return ""
		}
		return c.get(n.name)
	}
	return c.d.readRef(n.f, c.row, n.part)
}
func (n *refNode) walk(fn func(node)) { fn(n) }

type cmpNode struct {
	op   string // == != < <= > >=
	l, r node
}

func (n *cmpNode) eval(c *evalCtx) string {
	a, b := strings.TrimSpace(n.l.eval(c)), strings.TrimSpace(n.r.eval(c))
	k := compareValues(a, b)
	var ok bool
	switch n.op {
	case "==":
		ok = k == 0
	case "!=":
		ok = k != 0
	case "<":
		ok = k < 0
	case "<=":
		ok = k <= 0
	case ">":
		ok = k > 0
	case ">=":
		ok = k >= 0
	}
	return boolValue(ok)
}
func (n *cmpNode) walk(fn func(node)) { fn(n); n.l.walk(fn); n.r.walk(fn) }

// compareValues compares as numbers, else as dates, else as text.
func compareValues(a, b string) int {
	if x, ok := parseInt(a); ok {
		if y, ok := parseInt(b); ok {
			return cmpInt(x, y)
		}
	}
	if x, ok := parseDMY(a); ok {
		if y, ok := parseDMY(b); ok {
			switch {
			case x.Before(y):
				return -1
			case y.Before(x):
				return 1
			}
			return 0
		}
	}
	return strings.Compare(a, b)
}

func cmpInt(x, y int) int {
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

type boolNode struct {
	and  bool
	l, r node
}

func (n *boolNode) eval(c *evalCtx) string {
	l := truthy(n.l.eval(c))
	if n.and && !l {
		return no
	}
	if !n.and && l {
		return yes
	}
	return boolValue(truthy(n.r.eval(c)))
}
func (n *boolNode) walk(fn func(node)) { fn(n); n.l.walk(fn); n.r.walk(fn) }

type notNode struct{ x node }

func (n *notNode) eval(c *evalCtx) string { return boolValue(!truthy(n.x.eval(c))) }
func (n *notNode) walk(fn func(node))     { fn(n); n.x.walk(fn) }

type callNode struct {
	fn   string
	args []node
	// count(), sum(): the group (sum: and its column); slot(): the person
	// slot; fee(): the schedule id (bound at load)
	name   string
	group  *Field
	sub    *Field
	person int
}

func (n *callNode) walk(fn func(node)) {
	fn(n)
	for _, a := range n.args {
		a.walk(fn)
	}
}

func (n *callNode) eval(c *evalCtx) string {
	switch n.fn {
	case "today":
		return c.todayDate().String()
	case "age", "age_months":
		b, ok := parseDMY(n.args[0].eval(c))
		if !ok {
			return ""
		}
		if n.fn == "age" {
			return strconv.Itoa(ageYears(b, c.todayDate()))
		}
		return strconv.Itoa(ageMonths(b, c.todayDate()))
	case "date_words":
		b, ok := parseDMY(n.args[0].eval(c))
		if !ok {
			return ""
		}
		return DateWords(b)
	case "join":
		sep := n.args[0].eval(c)
		var parts []string
		for _, a := range n.args[1:] {
			if v := strings.TrimSpace(a.eval(c)); v != "" {
				parts = append(parts, v)
			}
		}
		return strings.Join(parts, sep)
	case "if":
		if truthy(n.args[0].eval(c)) {
			return n.args[1].eval(c)
		}
		return n.args[2].eval(c)
	case "empty":
		return boolValue(strings.TrimSpace(n.args[0].eval(c)) == "")
	case "upper":
		return strings.ToUpper(n.args[0].eval(c))
	case "count":
		if c.d == nil || n.group == nil {
			if c.get != nil {
				return c.get(n.name)
			}
			return "0"
		}
		return strconv.Itoa(c.d.countRows(n.group))
	case "slot":
		if c.d == nil {
			if c.get != nil {
				return boolValue(c.get(n.name) != "")
			}
			return no
		}
		return boolValue(c.d.slotFilled(n.person))
	case "sum":
		if c.d == nil || n.sub == nil {
			if c.get != nil {
				return c.get(n.name)
			}
			return "0"
		}
		return c.d.sumRows(n.group, n.sub)
	case "min", "max":
		best, ok := 0, false
		for i, a := range n.args {
			v, isNum := parseInt(strings.TrimSpace(a.eval(c)))
			if !isNum {
				return ""
			}
			if i == 0 || (n.fn == "min" && v < best) || (n.fn == "max" && v > best) {
				best, ok = v, true
			}
		}
		if !ok {
			return ""
		}
		return strconv.Itoa(best)
	case "fee":
		q, ok := parseInt(strings.TrimSpace(n.args[0].eval(c)))
		if !ok {
			return ""
		}
		t := fees.Default()
		if c.d != nil && c.d.fees != nil {
			t = c.d.fees
		}
		amount, ok := t.Amount(n.name, q)
		if !ok {
			return ""
		}
		return strconv.FormatInt(amount, 10)
	case "add_months":
		b, ok := parseDMY(n.args[0].eval(c))
		if !ok {
			return ""
		}
		m, ok := parseInt(strings.TrimSpace(n.args[1].eval(c)))
		if !ok || m < -1200 || m > 1200 {
			return ""
		}
		return addMonths(b, m).String()
	}
	return ""
}

// addMonths moves a date by m months, keeping the day unless the month is
// shorter (31/01 + 1 month is 28/02 or 29/02).
func addMonths(d lookups.Date, m int) lookups.Date {
	total := d.Year*12 + int(d.Month) - 1 + m
	y, mo := total/12, time.Month(total%12+1)
	day := d.Day
	if last := lookups.NewDate(y, mo+1, 1).Time(time.UTC).AddDate(0, 0, -1).Day(); day > last {
		day = last
	}
	return lookups.NewDate(y, mo, day)
}

// arithNode is +, - or * on whole numbers (unary minus: l is nil).
type arithNode struct {
	op   byte
	l, r node
}

func (n *arithNode) walk(fn func(node)) {
	fn(n)
	if n.l != nil {
		n.l.walk(fn)
	}
	n.r.walk(fn)
}

func (n *arithNode) eval(c *evalCtx) string {
	b, ok := parseInt(strings.TrimSpace(n.r.eval(c)))
	if !ok {
		return ""
	}
	if n.l == nil {
		return strconv.Itoa(-b)
	}
	a, ok := parseInt(strings.TrimSpace(n.l.eval(c)))
	if !ok {
		return ""
	}
	v, ok := arith(n.op, a, b)
	if !ok {
		return ""
	}
	return strconv.Itoa(v)
}

// arithLimit keeps every result within 18 digits, the longest whole number
// the expressions read back (parseInt).
const arithLimit = 999_999_999_999_999_999

// arith applies op, refusing results beyond arithLimit.
func arith(op byte, a, b int) (int, bool) {
	var v int
	switch op {
	case '+':
		v = a + b
	case '-':
		v = a - b
	case '*':
		if a != 0 && b != 0 && (abs(a) > arithLimit/abs(b)) {
			return 0, false
		}
		v = a * b
	}
	if v > arithLimit || v < -arithLimit {
		return 0, false
	}
	return v, true
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// functions and their argument counts (max -1: any number from min).
var functions = map[string][2]int{
	"today": {0, 0}, "age": {1, 1}, "age_months": {1, 1}, "date_words": {1, 1},
	"join": {2, -1}, "if": {3, 3}, "empty": {1, 1}, "upper": {1, 1},
	"count": {1, 1}, "slot": {1, 1}, "sum": {1, 1}, "min": {1, -1}, "max": {1, -1},
	"fee": {2, 2}, "add_months": {2, 2},
}

func boolValue(b bool) string {
	if b {
		return yes
	}
	return no
}

func truthy(s string) bool { return strings.TrimSpace(s) != "" }

// ageYears returns the whole years from birth to today.
func ageYears(birth, today lookups.Date) int {
	y := today.Year - birth.Year
	if today.Month < birth.Month || (today.Month == birth.Month && today.Day < birth.Day) {
		y--
	}
	return y
}

// ageMonths returns the whole months from birth to today.
func ageMonths(birth, today lookups.Date) int {
	m := (today.Year-birth.Year)*12 + int(today.Month) - int(birth.Month)
	if today.Day < birth.Day {
		m--
	}
	return m
}

// parseInt parses an optionally signed whole number without allocating.
func parseInt(s string) (int, bool) {
	if s == "" || len(s) > 18 {
		return 0, false
	}
	neg := false
	if s[0] == '-' || s[0] == '+' {
		neg = s[0] == '-'
		s = s[1:]
		if s == "" {
			return 0, false
		}
	}
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}

// parseDMY parses d/m/yyyy (also with '-' or '.') like lookups.ParseDate, without allocating.
func parseDMY(s string) (lookups.Date, bool) {
	s = strings.TrimSpace(s)
	if len(s) < 8 || len(s) > 10 {
		return lookups.Date{}, false
	}
	var n [3]int
	var w [3]int
	k := 0
	var sep byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			n[k] = n[k]*10 + int(c-'0')
			w[k]++
		case (c == '/' || c == '-' || c == '.') && k < 2 && (sep == 0 || sep == c):
			sep = c
			k++
		default:
			return lookups.Date{}, false
		}
	}
	if k != 2 || w[0] < 1 || w[0] > 2 || w[1] < 1 || w[1] > 2 || w[2] != 4 {
		return lookups.Date{}, false
	}
	d := lookups.Date{Year: n[2], Month: time.Month(n[1]), Day: n[0]}
	return d, d.Valid()
}

// ParseExpr parses an expression; the error says what is wrong and where.
// References and function names are checked when a spec binds the expression.
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

// Eval evaluates the expression as a condition, with get returning the value
// of a reference (count() and slot() arguments are passed to get by name).
func (e *Expr) Eval(get func(id string) string) bool {
	return truthy(e.root.eval(&evalCtx{get: get}))
}

// Value evaluates the expression to text, like Eval.
func (e *Expr) Value(get func(id string) string, now time.Time) string {
	return e.root.eval(&evalCtx{get: get, now: func() time.Time { return now }})
}

// Refs returns the references the expression reads, in order of appearance
// (count() groups included; slot() persons excluded).
func (e *Expr) Refs() []string {
	var out []string
	e.root.walk(func(n node) {
		switch n := n.(type) {
		case *refNode:
			out = append(out, n.name)
		case *callNode:
			if n.fn == "count" || n.fn == "sum" {
				out = append(out, n.name)
			}
		}
	})
	return out
}

// String returns the source text.
func (e *Expr) String() string { return e.src }

type tokKind int

const (
	tIdent tokKind = iota
	tString
	tNumber
	tOp
	tArith
	tAnd
	tOr
	tNot
	tLParen
	tRParen
	tComma
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
		case c == ',':
			out = append(out, token{tComma, ",", i})
			i++
		case c == '+' || c == '-' || c == '*':
			out = append(out, token{tArith, src[i : i+1], i})
			i++
		case c == '=' || c == '!':
			if i+1 >= len(src) || src[i+1] != '=' {
				return nil, fmt.Errorf("expected %c= at offset %d", c, i)
			}
			out = append(out, token{tOp, src[i : i+2], i})
			i += 2
		case c == '<' || c == '>':
			if i+1 < len(src) && src[i+1] == '=' {
				out = append(out, token{tOp, src[i : i+2], i})
				i += 2
			} else {
				out = append(out, token{tOp, src[i : i+1], i})
				i++
			}
		case c == '\'' || c == '"':
			end := strings.IndexByte(src[i+1:], c)
			if end < 0 {
				return nil, fmt.Errorf("unterminated string at offset %d", i)
			}
			out = append(out, token{tString, norm.NFC.String(src[i+1 : i+1+end]), i})
			i += end + 2
		case c >= '0' && c <= '9':
			j := i + 1
			for j < len(src) && src[j] >= '0' && src[j] <= '9' {
				j++
			}
			if j < len(src) && isIdentByte(src[j], true) {
				return nil, fmt.Errorf("unexpected character %q at offset %d", src[j], j)
			}
			out = append(out, token{tNumber, src[i:j], i})
			i = j
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
			case "not":
				out = append(out, token{tNot, w, i})
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
		l = &boolNode{and: false, l: l, r: r}
	}
}

func (p *parser) and() (node, error) {
	l, err := p.not()
	if err != nil {
		return nil, err
	}
	for {
		t, ok := p.peek()
		if !ok || t.kind != tAnd {
			return l, nil
		}
		p.pos++
		r, err := p.not()
		if err != nil {
			return nil, err
		}
		l = &boolNode{and: true, l: l, r: r}
	}
}

func (p *parser) not() (node, error) {
	if t, ok := p.peek(); ok && t.kind == tNot {
		p.pos++
		x, err := p.not()
		if err != nil {
			return nil, err
		}
		return &notNode{x: x}, nil
	}
	return p.cmp()
}

func (p *parser) cmp() (node, error) {
	l, err := p.sum()
	if err != nil {
		return nil, err
	}
	t, ok := p.peek()
	if !ok || t.kind != tOp {
		return l, nil
	}
	p.pos++
	r, err := p.sum()
	if err != nil {
		return nil, err
	}
	if t2, ok := p.peek(); ok && t2.kind == tOp {
		return nil, fmt.Errorf("chained comparison at offset %d: use and", t2.off)
	}
	return &cmpNode{op: t.text, l: l, r: r}, nil
}

// sum is term (('+' | '-') term)*.
func (p *parser) sum() (node, error) {
	l, err := p.term()
	if err != nil {
		return nil, err
	}
	for {
		t, ok := p.peek()
		if !ok || t.kind != tArith || t.text == "*" {
			return l, nil
		}
		p.pos++
		r, err := p.term()
		if err != nil {
			return nil, err
		}
		l = &arithNode{op: t.text[0], l: l, r: r}
	}
}

// term is unary ('*' unary)*.
func (p *parser) term() (node, error) {
	l, err := p.unary()
	if err != nil {
		return nil, err
	}
	for {
		t, ok := p.peek()
		if !ok || t.kind != tArith || t.text != "*" {
			return l, nil
		}
		p.pos++
		r, err := p.unary()
		if err != nil {
			return nil, err
		}
		l = &arithNode{op: '*', l: l, r: r}
	}
}

// unary is '-' unary | primary.
func (p *parser) unary() (node, error) {
	if t, ok := p.peek(); ok && t.kind == tArith && t.text == "-" {
		p.pos++
		x, err := p.unary()
		if err != nil {
			return nil, err
		}
		return &arithNode{op: '-', r: x}, nil
	}
	return p.primary()
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
	case tString:
		p.pos++
		return &litNode{v: t.text}, nil
	case tNumber:
		p.pos++
		return &litNode{v: t.text}, nil
	case tIdent:
		p.pos++
		if c, ok := p.peek(); ok && c.kind == tLParen {
			return p.call(t)
		}
		return &refNode{name: t.text}, nil
	}
	return nil, fmt.Errorf("unexpected %q at offset %d", t.text, t.off)
}

func (p *parser) call(name token) (node, error) {
	ar, ok := functions[name.text]
	if !ok {
		return nil, fmt.Errorf("unknown function %q at offset %d", name.text, name.off)
	}
	p.pos++ // (
	n := &callNode{fn: name.text}
	if c, ok := p.peek(); ok && c.kind == tRParen {
		p.pos++
	} else {
		for {
			a, err := p.or()
			if err != nil {
				return nil, err
			}
			n.args = append(n.args, a)
			c, ok := p.peek()
			if !ok {
				return nil, fmt.Errorf("missing ) for %s( at offset %d", name.text, name.off)
			}
			p.pos++
			if c.kind == tRParen {
				break
			}
			if c.kind != tComma {
				return nil, fmt.Errorf("expected , or ) at offset %d", c.off)
			}
		}
	}
	if len(n.args) < ar[0] || (ar[1] >= 0 && len(n.args) > ar[1]) {
		return nil, fmt.Errorf("%s() takes %s argument(s), got %d", name.text, arity(ar), len(n.args))
	}
	switch n.fn {
	case "count", "slot":
		r, ok := n.args[0].(*refNode)
		if !ok {
			return nil, fmt.Errorf("%s() takes a name at offset %d", name.text, name.off)
		}
		n.name, n.args = r.name, nil
	case "sum":
		r, ok := n.args[0].(*refNode)
		if !ok || !strings.Contains(r.name, ".") {
			return nil, fmt.Errorf("sum() takes a group column (group.field) at offset %d", name.off)
		}
		n.name, n.args = r.name, nil
	case "fee":
		l, ok := n.args[0].(*litNode)
		if !ok {
			return nil, fmt.Errorf("fee() takes a schedule id in quotes first, at offset %d", name.off)
		}
		n.name, n.args = l.v, n.args[1:]
	}
	return n, nil
}

func arity(a [2]int) string {
	switch {
	case a[1] < 0:
		return fmt.Sprintf("at least %d", a[0])
	case a[0] == a[1]:
		return strconv.Itoa(a[0])
	}
	return fmt.Sprintf("%d to %d", a[0], a[1])
}
