package offline

import (
	"bytes"
	"strconv"
	"unicode/utf8"
)

// decodeAuditFast reads a stored audit record in the exact form json.Marshal writes it (the
// fields in AuditRecord's order, the empty optional ones left out, no escaped character)
// without reflection: verifying a ward's year walks a million of them. It reports false for
// anything else, which the caller then decodes with encoding/json; what it accepts it reads
// as encoding/json does.
func decodeAuditFast(v []byte, r *AuditRecord) bool {
	*r = AuditRecord{}
	p := v
	lit := func(s string) bool {
		if !bytes.HasPrefix(p, []byte(s)) {
			return false
		}
		p = p[len(s):]
		return true
	}
	// str reads a JSON string with no escape, no control character and valid UTF-8, then
	// the separator after it.
	str := func(dst *string, sep byte) bool {
		if len(p) == 0 || p[0] != '"' {
			return false
		}
		end := bytes.IndexByte(p[1:], '"')
		if end < 0 {
			return false
		}
		s := p[1 : 1+end]
		for _, c := range s {
			if c < 0x20 || c == '\\' {
				return false
			}
		}
		if !utf8.Valid(s) || len(p) < end+3 || p[end+2] != sep {
			return false
		}
		*dst = string(s)
		p = p[end+3:]
		return true
	}
	if !lit(`{"seq":`) {
		return false
	}
	i := 0
	for i < len(p) && p[i] >= '0' && p[i] <= '9' {
		i++
	}
	if i == 0 || (i > 1 && p[0] == '0') || i >= len(p) || p[i] != ',' {
		return false
	}
	seq, err := strconv.ParseUint(string(p[:i]), 10, 64)
	if err != nil {
		return false
	}
	r.Seq, p = seq, p[i+1:]
	if !lit(`"time":`) {
		return false
	}
	end := bytes.IndexByte(p[min(1, len(p)):], '"')
	if len(p) == 0 || p[0] != '"' || end < 0 || len(p) < end+3 || p[end+2] != ',' {
		return false
	}
	if r.Time.UnmarshalJSON(p[:end+2]) != nil {
		return false
	}
	p = p[end+3:]
	for _, f := range []struct {
		name     string
		dst      *string
		optional bool
	}{
		{`"operator":`, &r.Operator, false}, {`"purpose":`, &r.Purpose, false}, {`"action":`, &r.Action, false},
		{`"subject":`, &r.Subject, true}, {`"dossierCode":`, &r.DossierCode, true}, {`"outcome":`, &r.Outcome, true},
		{`"detail":`, &r.Detail, true}, {`"prev":`, &r.Prev, false}, {`"hash":`, &r.Hash, true},
	} {
		if !lit(f.name) {
			if f.optional {
				continue
			}
			return false
		}
		if !str(f.dst, ',') || (f.optional && *f.dst == "") {
			return false // omitempty never writes an empty optional field
		}
	}
	if !lit(`"mac":`) || !str(&r.MAC, '}') {
		return false
	}
	return len(p) == 0
}
