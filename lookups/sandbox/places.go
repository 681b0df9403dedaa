package sandbox

import (
	"fmt"
	"strings"
	"sync"

	"motcua/lookups"
	"motcua/lookups/pid"
	"motcua/lookups/units"
	"motcua/lookups/vntext"
)

// homePlace is a current ward with the pre-2025 ward it is written as on old records.
type homePlace struct {
	ward     units.Ward
	provName string
	old      units.OldWard
	split    bool // the old ward became more than one current ward
}

func (h homePlace) address(detail string) lookups.Address {
	return lookups.Address{Detail: detail, WardCode: h.ward.Code, WardName: h.ward.Name,
		ProvinceCode: h.ward.ProvinceCode, ProvinceName: h.provName}
}

func (h homePlace) legacy(detail string) lookups.LegacyAddress {
	return lookups.LegacyAddress{Detail: detail, Ward: h.old.Name, District: h.old.District, Province: h.old.Province}
}

// places caches what the generator needs from the units tables.
type places struct {
	wards      []units.Ward
	provNames  map[string]string
	splitHomes []homePlace
	pidCodes   []string
	pidByKey   map[string]string // folded old province name -> 3-digit code
}

var (
	placesOnce sync.Once
	placesData *places
)

func unitData() *places {
	placesOnce.Do(func() {
		p := &places{wards: units.Wards(), provNames: map[string]string{}, pidCodes: pid.ProvinceCodes(),
			pidByKey: map[string]string{}}
		for _, pr := range units.Provinces() {
			p.provNames[pr.Code] = pr.Name
		}
		for _, w := range p.wards {
			for _, o := range units.OldWardsOf(w.Code) {
				if len(o.NewCodes) > 1 {
					p.splitHomes = append(p.splitHomes, homePlace{ward: w, provName: p.provNames[w.ProvinceCode], old: o, split: true})
				}
			}
		}
		for _, c := range p.pidCodes {
			name, _ := pid.Province(c)
			p.pidByKey[provinceKey(name)] = c
		}
		placesData = p
	})
	return placesData
}

// provinceKey folds an old province name for matching: "Thành phố Hồ Chí Minh",
// "TP Hồ Chí Minh" and "TP. Hồ Chí Minh" all give "hochiminh".
func provinceKey(name string) string {
	k := vntext.SearchKey(name)
	for _, pre := range []string{"thanh pho ", "tp. ", "tp ", "tinh "} {
		k = strings.TrimPrefix(k, pre)
	}
	var b strings.Builder
	for _, c := range k {
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' {
			b.WriteRune(c)
		}
	}
	return b.String()
}

// pidCode returns the birth-registration code of an old province name, or a
// deterministic pick when the name is not known.
func (p *places) pidCode(oldProvince string, r *rng) string {
	fallback := p.pidCodes[r.intn(len(p.pidCodes))]
	if c, ok := p.pidByKey[provinceKey(oldProvince)]; ok {
		return c
	}
	return fallback
}

// pickHome chooses a household's ward; one in ten households lives where an old ward was split.
func (p *places) pickHome(r *rng) homePlace {
	if r.percent(10) && len(p.splitHomes) > 0 {
		return p.splitHomes[r.intn(len(p.splitHomes))]
	}
	return p.randomHome(r, "")
}

// randomHome chooses any ward other than except, and one of its old wards.
func (p *places) randomHome(r *rng, except string) homePlace {
	i := r.intn(len(p.wards))
	if p.wards[i].Code == except {
		i = (i + 1) % len(p.wards)
	}
	w := p.wards[i]
	h := homePlace{ward: w, provName: p.provNames[w.ProvinceCode]}
	olds := units.OldWardsOf(w.Code)
	if len(olds) == 0 {
		h.old = units.OldWard{Name: w.Name, Province: h.provName, NewCodes: []string{w.Code}}
		return h
	}
	h.old = olds[r.intn(len(olds))]
	h.split = len(h.old.NewCodes) > 1
	return h
}

// addressDetail writes a house number and street in wards, a hamlet in communes.
func addressDetail(r *rng, w units.Ward) string {
	if strings.HasPrefix(w.Name, "Phường") {
		switch r.intn(3) {
		case 0:
			return fmt.Sprintf("Số %d, ngõ %d, đường %s", r.between(1, 120), r.between(2, 400), pick(r, streets))
		case 1:
			return fmt.Sprintf("Số %d/%d, đường %s", r.between(1, 300), r.between(1, 60), pick(r, streets))
		default:
			return fmt.Sprintf("Số %d, đường %s, tổ %d", r.between(1, 250), pick(r, streets), r.between(1, 40))
		}
	}
	word := "Thôn"
	if w.ProvinceCode >= "70" {
		word = "Ấp"
	} else if r.percent(20) {
		word = "Xóm"
	}
	if r.percent(30) {
		return fmt.Sprintf("%s %d", word, r.between(1, 15))
	}
	return word + " " + pick(r, hamlets)
}
