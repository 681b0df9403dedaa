package units

import (
	"cmp"
	"slices"
	"strings"
	"sync"

	"motcua/lookups/vntext"
)

// level is the administrative level a name is parsed at.
type level int

const (
	levelWard level = iota
	levelDistrict
	levelProvince
)

// prefix is a unit-type prefix in search-key form ("thi tran") and the type
// it stands for.
type prefix struct {
	words []string
	typ   string
	glued bool // may be written straight before a number: "p12", "q1"
}

func pre(s, typ string, glued bool) prefix { return prefix{strings.Fields(s), typ, glued} }

// prefixes per level, longest first.
var prefixes = [...][]prefix{
	levelWard: {
		pre("thi tran", "thi tran", false), pre("dac khu", "dac khu", false),
		pre("phuong", "phuong", false), pre("xa", "xa", false), pre("tt", "thi tran", false),
		pre("p", "phuong", true), pre("f", "phuong", true), pre("x", "xa", false),
	},
	levelDistrict: {
		pre("thanh pho", "thanh pho", false), pre("thi xa", "thi xa", false), pre("t p", "thanh pho", false),
		pre("quan", "quan", false), pre("huyen", "huyen", false), pre("tp", "thanh pho", false),
		pre("tx", "thi xa", false), pre("q", "quan", true), pre("h", "huyen", false),
	},
	levelProvince: {
		pre("thanh pho", "thanh pho", false), pre("t p", "thanh pho", false), pre("tinh", "tinh", false),
		pre("tp", "thanh pho", false), pre("t", "tinh", false),
	},
}

// provinceAliases maps common short forms (search-key form, without prefix)
// to the province's bare name.
var provinceAliases = map[string]string{
	"hcm": "hồ chí minh", "tphcm": "hồ chí minh", "sai gon": "hồ chí minh", "sg": "hồ chí minh",
	"hn": "hà nội", "tphn": "hà nội",
}

// name is a unit name split into its type and bare name, both compared as
// folded text (tone placement and case folded) and as search key (no
// diacritics).
type name struct {
	typ  string // canonical type in search-key form, "" if not given
	fold string // bare name, vntext-folded
	key  string // bare name, search key
}

var punct = strings.NewReplacer(".", " ", "’", "'", "‘", "'")

func tokens(s string) []string {
	s = punct.Replace(s)
	return strings.Fields(s)
}

// parseName splits s into type prefix and bare name.
func parseName(s string, lv level) name { return parse2(s, lv, true) }

// parseKey is parseName without the (slower) folded form; fold is left equal
// to key.
func parseKey(s string, lv level) name { return parse2(s, lv, false) }

func parse2(s string, lv level, withFold bool) name {
	kt := tokens(vntext.SearchKey(s))
	ft := kt
	if withFold {
		ft = tokens(strings.ToLower(vntext.FoldTone(vntext.Clean(s))))
		if len(ft) != len(kt) { // stray combining marks; compare by key only
			ft = kt
		}
	}
	var typ string
	for _, p := range prefixes[lv] {
		n := len(p.words)
		if len(kt) > n && slices.Equal(kt[:n], p.words) {
			typ, ft, kt = p.typ, ft[n:], kt[n:]
			break
		}
		// Glued to a number: "p12", "q1".
		if p.glued && len(kt) >= 1 && len(kt[0]) > len(p.words[0]) && strings.HasPrefix(kt[0], p.words[0]) &&
			isDigits(kt[0][len(p.words[0]):]) {
			typ = p.typ
			ft = append([]string{kt[0][len(p.words[0]):]}, ft[1:]...)
			kt = append([]string{kt[0][len(p.words[0]):]}, kt[1:]...)
			break
		}
	}
	n := name{typ: typ, fold: strings.Join(ft, " "), key: strings.Join(kt, " ")}
	if isDigits(n.key) { // "Phường 05" = "Phường 5"
		n.key = strings.TrimLeft(n.key, "0")
		if n.key == "" {
			n.key = "0"
		}
		n.fold = n.key
	}
	if lv == levelProvince {
		if a, ok := provinceAliases[n.key]; ok {
			n.fold, n.key = a, vntext.SearchKey(a)
		}
	}
	return n
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// tier is how strictly two names are compared.
type tier int

const (
	tierFolded   tier = iota // folded text, types must agree when both given
	tierKey                  // without diacritics, types must agree when both given
	tierKeyNoTyp             // without diacritics, types ignored
)

// matches reports whether query q matches the unit name n at tier t. An
// empty query matches anything.
func (q name) matches(n name, t tier) bool {
	if q.key == "" && q.typ == "" {
		return true
	}
	if t != tierKeyNoTyp && q.typ != "" && n.typ != "" && q.typ != n.typ {
		return false
	}
	if t == tierFolded {
		return q.fold == n.fold
	}
	return q.key == n.key
}

// oldIndex finds old wards by the search key of their bare name; the full
// parse of a ward name is done only for the candidates of a query, so the
// index builds quickly.
type oldIndex struct {
	district  []name // per old ward (shared values)
	province  []name // per old ward (shared values)
	byWardKey map[string][]int
}

var resolver = sync.OnceValue(resolverBuild)

func resolverBuild() *oldIndex {
	d := load()
	x := &oldIndex{
		district:  make([]name, len(d.olds)),
		province:  make([]name, len(d.olds)),
		byWardKey: make(map[string][]int, len(d.olds)),
	}
	dist := map[[2]string]name{}
	prov := map[string]name{}
	for i, o := range d.olds {
		wk := parseKey(o.Name, levelWard).key
		dk := [2]string{o.District, o.Province}
		dn, ok := dist[dk]
		if !ok {
			dn = parseName(o.District, levelDistrict)
			dist[dk] = dn
		}
		x.district[i] = dn
		pn, ok := prov[o.Province]
		if !ok {
			pn = parseName(o.Province, levelProvince)
			prov[o.Province] = pn
		}
		x.province[i] = pn
		x.byWardKey[wk] = append(x.byWardKey[wk], i)
	}
	return x
}

// resolve returns the index of the one old ward matching the names, trying
// stricter comparisons first.
func (x *oldIndex) resolve(ward, district, province string) (int, bool) {
	w := parseName(ward, levelWard)
	if w.key == "" {
		return 0, false
	}
	dq := parseName(district, levelDistrict)
	pq := parseName(province, levelProvince)
	cands := x.byWardKey[w.key]
	olds := load().olds
	names := make([]name, len(cands))
	for j, i := range cands {
		names[j] = parseName(olds[i].Name, levelWard)
	}
	for t := tierFolded; t <= tierKeyNoTyp; t++ {
		found, n := 0, 0
		for j, i := range cands {
			if w.matches(names[j], t) && dq.matches(x.district[i], t) && pq.matches(x.province[i], t) {
				found = i
				n++
			}
		}
		if n == 1 {
			return found, true
		}
		if n > 1 {
			return 0, false
		}
	}
	return 0, false
}

type wardIndex struct {
	full []string // search key of the full name
	name []name   // parsed name
}

var wardSearch = sync.OnceValue(func() *wardIndex {
	d := load()
	x := &wardIndex{full: make([]string, len(d.wards)), name: make([]name, len(d.wards))}
	for i, w := range d.wards {
		x.full[i] = vntext.SearchKey(w.Name)
		x.name[i] = parseName(w.Name, levelWard)
	}
	return x
})

func (x *wardIndex) search(query string) []Ward {
	q := parseName(query, levelWard)
	if q.key == "" {
		return nil
	}
	full := strings.Join(tokens(vntext.SearchKey(query)), " ")
	type hit struct {
		rank int
		w    Ward
	}
	var hits []hit
	for i, w := range load().wards {
		n := x.name[i]
		rank := -1
		switch {
		case q.typ != "" && n.typ != q.typ:
			// A typed query only matches wards of that type.
		case n.fold == q.fold:
			rank = 0
		case n.key == q.key:
			rank = 1
		case strings.HasPrefix(n.fold, q.fold):
			rank = 2
		case strings.HasPrefix(n.key, q.key):
			rank = 3
		case strings.Contains(n.fold, q.fold):
			rank = 4
		case strings.Contains(n.key, q.key) || (q.typ == "" && strings.Contains(x.full[i], full)):
			rank = 5
		}
		if rank >= 0 {
			hits = append(hits, hit{rank, w})
		}
	}
	slices.SortStableFunc(hits, func(a, b hit) int { return cmp.Compare(a.rank, b.rank) })
	out := make([]Ward, len(hits))
	for i, h := range hits {
		out[i] = h.w
	}
	return out
}
