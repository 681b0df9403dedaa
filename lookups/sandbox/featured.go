package sandbox

import (
	"sync"

	"motcua/lookups"
)

// FeaturedPerson is a person of the Default population documented for the demo walkthrough.
type FeaturedPerson struct {
	ID   string
	Kind string // machine key: "single", "married", "divorced", "widowed", "deceased", "temporary", "old_tone", "split_ward", "child"
	Note string // Vietnamese one-line note for the clerk
}

// featuredSpec is one wanted property, checked in order over the population.
type featuredSpec struct {
	kind, note string
	match      func(m member) bool
}

func adultAlive(m member) bool {
	return m.res.DeathDate.IsZero() && ageAt(m.res.Citizen.BirthDate, RefDate) >= 20 && m.card != nil
}

var featuredSpecs = []featuredSpec{
	{"single", "Chưa kết hôn — dùng để thử xác nhận tình trạng hôn nhân", func(m member) bool {
		return adultAlive(m) && m.res.MaritalStatus == lookups.NeverMarried && m.res.Temporary == nil &&
			m.card.FullName == m.res.Citizen.FullName
	}},
	{"married", "Đang có vợ/chồng, có con — dùng để thử khai sinh và xem hộ gia đình", func(m member) bool {
		return adultAlive(m) && m.res.MaritalStatus == lookups.Married && m.res.RelationToHead == "Chủ hộ" &&
			m.res.Household != nil && len(m.res.Household.Members) >= 4 && m.res.Temporary == nil
	}},
	{"divorced", "Đã ly hôn — xác nhận tình trạng hôn nhân ghi \"đã ly hôn\"", func(m member) bool {
		return adultAlive(m) && m.res.MaritalStatus == lookups.Divorced
	}},
	{"widowed", "Vợ/chồng đã mất — tra cứu thấy người phối ngẫu có ngày mất", func(m member) bool {
		return adultAlive(m) && m.res.MaritalStatus == lookups.Widowed && m.res.RelationToHead == "Chủ hộ"
	}},
	{"deceased", "Đã mất — tra cứu hiển thị ngày mất; dùng để thử khai tử và xóa thường trú", func(m member) bool {
		return !m.res.DeathDate.IsZero() && m.card != nil
	}},
	{"temporary", "Đang tạm trú nơi khác — nơi ở hiện tại khác nơi thường trú", func(m member) bool {
		return adultAlive(m) && m.res.Temporary != nil
	}},
	{"old_tone", "Thẻ in tên kiểu bỏ dấu cũ (Hoà/Thuỷ), cơ sở dữ liệu ghi kiểu mới — vẫn phải khớp", func(m member) bool {
		return adultAlive(m) && m.card.FullName != m.res.Citizen.FullName && restyle(m.res.Citizen.FullName, true) == m.card.FullName
	}},
	{"split_ward", "Địa chỉ trên thẻ là phường/xã cũ đã bị chia tách năm 2025 — phải chọn đơn vị mới", func(m member) bool {
		return adultAlive(m) && m.oldSplit && m.card.CardAddress == m.res.Permanent.Legacy.String() && m.res.Temporary == nil
	}},
	{"child", "Trẻ dưới 14 tuổi, chưa có thẻ — tra cứu bằng số định danh, có cha mẹ trong hộ", func(m member) bool {
		return m.card == nil && m.res.DeathDate.IsZero() && m.res.Father != nil && m.res.Father.ID != "" &&
			m.res.Mother != nil && m.res.Mother.ID != ""
	}},
}

var (
	featuredOnce sync.Once
	featured     []FeaturedPerson
)

// Featured returns the documented persons of the Default population, found by
// scanning it in index order for the first person with each property.
func Featured() []FeaturedPerson {
	featuredOnce.Do(func() { featured = Default().findFeatured() })
	return append([]FeaturedPerson(nil), featured...)
}

func (p *Population) findFeatured() []FeaturedPerson {
	found := make([]string, len(featuredSpecs))
	left := len(featuredSpecs)
	for h := 0; h < len(p.starts) && left > 0; h++ {
		for _, m := range p.household(h) {
			for k, s := range featuredSpecs {
				if found[k] == "" && s.match(m) {
					found[k] = m.res.Citizen.ID
					left--
					break
				}
			}
		}
	}
	var out []FeaturedPerson
	for k, s := range featuredSpecs {
		if found[k] != "" {
			out = append(out, FeaturedPerson{ID: found[k], Kind: s.kind, Note: s.note})
		}
	}
	return out
}
