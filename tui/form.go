package tui

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"motcua/forms"
	"motcua/internal/counter"
	"motcua/lookups/vntext"
)

// formScreen is step 4: any service spec's declaration, with no per-service
// code: sections, person slots (filled by card tap, QR scan, typed ID, or one
// key for a person already identified during the visit), fields marked by
// source, repeat-group rows, address parts, choices filtered by typing
// without diacritics, inline errors as the clerk types.
type formScreen struct {
	fr     *frame
	d      *desk
	keys   formKeys
	st     Styles
	loc    *time.Location
	in     *counter.Intake // nil when no declaration is open
	spec   *forms.Spec
	decl   *forms.Declaration
	rows   []formRow
	cur    int // index into rows; always a focusable row
	top    int // first line shown (keeps the cursor on screen)
	input  textinput.Model
	errs   map[string]string // path -> inline message
	filter string            // type-to-filter text on a choice row
	pick   int               // highlighted match of a long choice list
	width  int               // terminal width
}

type rowKind int

const (
	rowSection  rowKind = iota // a section title
	rowSlot                    // a person slot: who fills this part of the form
	rowField                   // an input (or a calculated / locked value)
	rowGroup                   // a repeat group's title (add rows here)
	rowGroupRow                // "Người thứ n" inside a group
)

type formRow struct {
	kind  rowKind
	title string
	slot  string       // rowSlot
	path  string       // rowField
	field *forms.Field // rowField: the field (sub-field in a group row)
	group string       // rowGroup, rowGroupRow and the fields of a row
	n     int          // row number in the group (from 1)
	part  string       // "", "detail" or "ward" for address parts
}

func newFormScreen(fr *frame, d *desk) *formScreen {
	in := newInput()
	in.Prompt = ""
	in.CharLimit = 300
	in.SetWidth(60)
	return &formScreen{fr: fr, d: d, keys: defaultFormKeys(), st: fr.st, loc: fr.loc, input: in, errs: map[string]string{}}
}

// open shows the declaration of an intake.
func (f *formScreen) open(in *counter.Intake) {
	f.in, f.spec, f.decl = in, in.Spec(), in.Declaration()
	f.errs = map[string]string{}
	f.rows, f.cur, f.top, f.filter, f.pick = nil, 0, 0, "", 0
	f.rebuild()
}

// close forgets the declaration (the next citizen).
func (f *formScreen) close() {
	f.in, f.spec, f.decl, f.rows = nil, nil, nil, nil
	f.errs = map[string]string{}
	f.input.Reset()
}

// refresh rebuilds the rows after the declaration changed outside the form
// (a slot filled by a look-up).
func (f *formScreen) refresh() {
	if f.decl != nil {
		f.rebuild()
	}
}

// step names where the clerk is, for the draft index.
func (f *formScreen) step() string {
	if f.decl == nil {
		return ""
	}
	return f.key(f.current())
}

func (f *formScreen) onShow() tea.Cmd {
	f.st, f.loc = f.fr.st, f.fr.loc
	if f.decl == nil {
		return nil
	}
	f.setWidth(f.fr.width)
	return f.load()
}

// setWidth fits the editor into the terminal width (label column + tags).
func (f *formScreen) setWidth(w int) {
	f.width = w
	f.input.SetWidth(max(16, w-f.labelWidth()-24))
}

// labelWidth is the label column: 40 cells on a wide terminal, less on a
// narrow one (long labels are cut there, the value and its source stay).
func (f *formScreen) labelWidth() int {
	switch {
	case f.width == 0 || f.width >= 120:
		return 40
	case f.width >= 100:
		return 34
	}
	return max(20, f.width*3/8)
}

// label fits a title in the label column, keeping the required mark.
func (f *formScreen) label(title string, required bool, indent int) string {
	w := f.labelWidth() - indent
	if required {
		w--
	}
	t := strings.Repeat(" ", indent) + clipText(title, max(8, w))
	if required {
		t += f.st.Required.Render("*")
	}
	return padRight(t, f.labelWidth())
}

// fitValue cuts a value so that its source tag still fits on the line.
func (f *formScreen) fitValue(val, tag string) string {
	if f.width == 0 {
		return val
	}
	room := f.width - 3 - 2 - f.labelWidth() - 2 - ansi.StringWidth(tag) - 3
	return clipText(val, max(8, room))
}

// rebuild recomputes the visible rows after any change (relevance, rows added,
// slots filled) and keeps the cursor on the same path where it still exists.
func (f *formScreen) rebuild() {
	old := ""
	if f.cur < len(f.rows) {
		old = f.key(f.rows[f.cur])
	}
	f.rows = f.rows[:0]
	for si := range f.spec.Sections {
		sec := &f.spec.Sections[si]
		start := len(f.rows)
		f.rows = append(f.rows, formRow{kind: rowSection, title: sec.Title})
		fields := 0
		// a relevant person slot is always offered, even while its section's
		// fields wait for it (e.g. an optional father)
		if sec.Person != "" && f.decl.PersonRelevant(sec.Person) {
			f.rows = append(f.rows, formRow{kind: rowSlot, slot: sec.Person, title: f.slotLabel(sec.Person)})
			fields++
		}
		for i := range sec.Fields {
			fd, ok := f.spec.Field(sec.Fields[i].ID)
			if !ok || !f.decl.Relevant(fd.ID) {
				continue
			}
			fields++
			switch fd.Type {
			case forms.TypeGroup:
				f.rows = append(f.rows, formRow{kind: rowGroup, title: fd.Label, group: fd.ID, field: fd})
				for n := 1; n <= f.decl.Rows(fd.ID); n++ {
					f.rows = append(f.rows, formRow{kind: rowGroupRow, title: fmt.Sprintf("%s — thứ %d", fd.Label, n), group: fd.ID, n: n})
					for j := range fd.Sub {
						sub := &fd.Sub[j]
						path := fmt.Sprintf("%s.%d.%s", fd.ID, n, sub.ID)
						if f.decl.Relevant(path) {
							f.appendField(path, sub, fd.ID, n)
						}
					}
				}
			default:
				f.appendField(fd.ID, fd, "", 0)
			}
		}
		if fields == 0 {
			f.rows = f.rows[:start] // a section with nothing relevant is hidden
		}
	}
	f.cur = 0
	for i, r := range f.rows {
		if f.focusable(i) && (old == "" || f.key(r) == old) {
			f.cur = i
			if old != "" {
				return
			}
			break
		}
	}
	if old != "" {
		f.cur = f.nearestFocusable(0)
	}
}

func (f *formScreen) appendField(path string, fd *forms.Field, group string, n int) {
	if fd.Type == forms.TypeAddress {
		f.rows = append(f.rows,
			formRow{kind: rowField, path: path + ".detail", field: fd, group: group, n: n, part: "detail", title: fd.Label + " — số nhà, đường, thôn/tổ"},
			formRow{kind: rowField, path: path + ".ward", field: fd, group: group, n: n, part: "ward", title: fd.Label + " — phường/xã"})
		return
	}
	f.rows = append(f.rows, formRow{kind: rowField, path: path, field: fd, group: group, n: n, title: fd.Label})
}

func (f *formScreen) key(r formRow) string {
	switch r.kind {
	case rowSlot:
		return "slot:" + r.slot
	case rowGroup:
		return "group:" + r.group
	}
	return r.path
}

func (f *formScreen) slotLabel(slot string) string { return f.in.Label(slot) }

// focusable: slots, group titles, and fields the clerk can change.
func (f *formScreen) focusable(i int) bool {
	r := f.rows[i]
	switch r.kind {
	case rowSlot, rowGroup:
		return true
	case rowField:
		return !f.locked(r)
	}
	return false
}

// locked: calculated fields, and read-only fields holding a card/database value.
func (f *formScreen) locked(r formRow) bool {
	if r.field.Calculate != "" {
		return true
	}
	if r.field.ReadOnly && f.decl.Value(r.path) != "" {
		switch f.decl.Provenance(r.path).Source {
		case forms.SourceCard, forms.SourceQR, forms.SourceDatabase, forms.SourceCache:
			return true
		}
	}
	return false
}

func (f *formScreen) nearestFocusable(from int) int {
	for i := min(from, len(f.rows)-1); i >= 0 && i < len(f.rows); i++ {
		if f.focusable(i) {
			return i
		}
	}
	for i := min(from, len(f.rows)-1); i >= 0; i-- {
		if f.focusable(i) {
			return i
		}
	}
	return 0
}

func (f *formScreen) current() formRow {
	if f.cur < len(f.rows) {
		return f.rows[f.cur]
	}
	return formRow{}
}

// isChoice: rows edited by picking from a list.
func isChoice(r formRow) bool {
	if r.kind != rowField {
		return false
	}
	return r.part == "ward" || (r.part == "" && (r.field.Type == forms.TypeChoice || r.field.Type == forms.TypeMultiChoice))
}

// load puts the current row's value into the editor.
func (f *formScreen) load() tea.Cmd {
	r := f.current()
	f.fr.typist.Reset() // a new field: the Telex word starts again
	f.filter, f.pick = "", 0
	f.input.Reset()
	if r.kind != rowField || isChoice(r) {
		f.input.Blur()
		return nil
	}
	f.input.SetValue(f.decl.Value(r.path))
	f.input.CursorEnd()
	return f.input.Focus()
}

// set writes a value typed or picked by the clerk and refreshes what depends on it.
func (f *formScreen) set(path, v string) {
	if v == f.decl.Value(path) {
		return
	}
	if err := f.decl.Set(path, v); err != nil {
		if errors.Is(err, forms.ErrReadOnly) {
			f.errs[path] = "Ô này lấy từ thẻ/CSDL, không sửa được."
		}
		return
	}
	f.check(path)
	f.rebuild()
}

// check refreshes the inline message of one path.
func (f *formScreen) check(path string) {
	delete(f.errs, path)
	for _, p := range f.decl.ValidateField(path) {
		if p.Code == "required" {
			continue // shown as "chưa nhập" until the clerk asks to review
		}
		f.errs[path] = p.Message
		return
	}
}

func (f *formScreen) move(delta int) tea.Cmd {
	for i := f.cur + delta; i >= 0 && i < len(f.rows); i += delta {
		if f.focusable(i) {
			f.cur = i
			return f.load()
		}
	}
	return nil
}

func (f *formScreen) focusPath(path string) tea.Cmd {
	for i, r := range f.rows {
		if f.key(r) == path || (r.kind == rowField && (r.path == path || strings.HasPrefix(r.path, path+"."))) {
			if f.focusable(i) {
				f.cur = i
				return f.load()
			}
		}
	}
	return nil
}

// missingKeys are the row keys still to fill, in the order of the form:
// required person slots still empty, then missing fields.
func (f *formScreen) missingKeys() []int {
	miss := map[string]bool{}
	for _, id := range f.decl.Missing() {
		miss[id] = true
	}
	var out []int
	for i, r := range f.rows {
		if !f.focusable(i) {
			continue
		}
		switch r.kind {
		case rowSlot:
			if _, ok := f.decl.Person(r.slot); !ok && f.slotRequired(r.slot) {
				out = append(out, i)
			}
		case rowField:
			base := strings.TrimSuffix(strings.TrimSuffix(r.path, ".detail"), ".ward")
			if miss[r.path] || (miss[base] && r.part == "ward") || (miss[base] && r.part == "" && base == r.path) {
				out = append(out, i)
			}
		}
	}
	return out
}

func (f *formScreen) slotRequired(slot string) bool {
	for _, p := range f.spec.Persons() {
		if p.ID == slot {
			return p.Required
		}
	}
	return false
}

// focusFirstMissing puts the cursor on the first row still to fill: a
// required person slot first (filling it prefills many fields), then a field.
func (f *formScreen) focusFirstMissing() tea.Cmd {
	miss := f.missingKeys()
	for _, i := range miss {
		if f.rows[i].kind == rowSlot {
			f.cur = i
			return f.load()
		}
	}
	if len(miss) > 0 {
		f.cur = miss[0]
		return f.load()
	}
	f.cur = f.nearestFocusable(0)
	return f.load()
}

// nextMissing moves to the next row still to fill after the cursor, wrapping
// around; false when nothing else is missing.
func (f *formScreen) nextMissing() (tea.Cmd, bool) {
	miss := f.missingKeys()
	for _, i := range miss {
		if i > f.cur {
			f.cur = i
			return f.load(), true
		}
	}
	for _, i := range miss {
		if i != f.cur {
			f.cur = i
			return f.load(), true
		}
	}
	return nil, false
}

// afterSlot continues after a slot was filled: the next person slot still
// empty (an optional father included) or field still missing after it, so
// the clerk goes on where the form needs them.
func (f *formScreen) afterSlot(slot string) tea.Cmd {
	at := -1
	for i, r := range f.rows {
		if r.kind == rowSlot && r.slot == slot {
			at = i
			break
		}
	}
	if at < 0 {
		return f.load()
	}
	f.cur = at
	missing := f.missingKeys()
	for i := at + 1; i < len(f.rows); i++ {
		if r := f.rows[i]; r.kind == rowSlot && f.focusable(i) {
			if _, filled := f.decl.Person(r.slot); !filled {
				f.cur = i
				return f.load()
			}
		}
		if slices.Contains(missing, i) {
			f.cur = i
			return f.load()
		}
	}
	if cmd, ok := f.nextMissing(); ok {
		return cmd
	}
	return f.load()
}

func (f *formScreen) showProblems(probs []forms.Problem) {
	for _, p := range probs {
		if _, ok := f.errs[p.FieldID]; !ok {
			f.errs[p.FieldID] = p.Message
		}
	}
}

// page moves the cursor by about a screen of rows.
func (f *formScreen) page(dir int) tea.Cmd {
	n := max(3, f.fr.height-12)
	target := f.cur
	for moved := 0; moved < n; moved++ {
		next := target + dir
		for next >= 0 && next < len(f.rows) && !f.focusable(next) {
			next += dir
		}
		if next < 0 || next >= len(f.rows) {
			break
		}
		target = next
	}
	if target == f.cur {
		return nil
	}
	f.cur = target
	return f.load()
}

func (f *formScreen) help() []key.Binding {
	k := f.keys
	out := []key.Binding{k.Review, k.Back, k.NextMissing, k.Next, k.Prev}
	r := f.current()
	switch {
	case r.kind == rowSlot:
		out = append(out, bind([]string{"enter"}, "enter", "chạm thẻ/quét/gõ số"))
		if len(f.in.Candidates(r.slot)) > 0 {
			out = append(out, bind([]string{"1"}, "1-9", "chọn người đã xác định"))
		}
	case isChoice(r):
		out = append(out, k.Choice)
	}
	if r.group != "" {
		out = append(out, k.AddRow, k.DelRow)
	}
	return append(out, k.PageDown)
}

// update handles a key or a paste on the declaration.
func (f *formScreen) update(msg tea.Msg) tea.Cmd {
	if f.decl == nil {
		return nil
	}
	r := f.current()
	if k, ok := msg.(tea.KeyPressMsg); ok {
		switch {
		case key.Matches(k, f.keys.Review):
			return f.d.review()
		case key.Matches(k, f.keys.Back):
			return f.d.leaveForm()
		case key.Matches(k, f.keys.NextMissing):
			if cmd, ok := f.nextMissing(); ok {
				return cmd
			}
			if len(f.missingKeys()) == 0 {
				f.fr.say("Không còn ô bắt buộc nào thiếu: nhấn F10 để xem lại.")
			}
			return nil
		case key.Matches(k, f.keys.PageDown):
			return f.page(+1)
		case key.Matches(k, f.keys.PageUp):
			return f.page(-1)
		case key.Matches(k, f.keys.AddRow) && r.group != "":
			n, err := f.decl.AddRow(r.group)
			if err != nil {
				f.errs["group:"+r.group] = "Đã đủ số dòng tối đa."
				return nil
			}
			f.rebuild()
			for i, row := range f.rows {
				if row.group == r.group && row.n == n && f.focusable(i) && row.kind == rowField {
					f.cur = i
					break
				}
			}
			return tea.Batch(f.load(), f.d.saveDraft())
		case key.Matches(k, f.keys.DelRow) && r.group != "" && r.n > 0:
			if err := f.decl.RemoveRow(r.group, r.n); err == nil {
				f.rebuild()
				_ = f.focusPath("group:" + r.group)
			}
			return tea.Batch(f.load(), f.d.saveDraft())
		case r.kind == rowSlot && k.String() == "enter":
			return f.d.fillSlot(r.slot)
		case r.kind == rowSlot && len(k.Text) == 1 && k.Text[0] >= '1' && k.Text[0] <= '9':
			cands := f.in.Candidates(r.slot)
			if n := int(k.Text[0] - '1'); n < len(cands) {
				return f.d.assign(r.slot, cands[n])
			}
			return nil
		case r.kind == rowGroup && k.String() == "enter":
			return f.update(tea.KeyPressMsg{Code: 'a', Mod: tea.ModCtrl})
		case key.Matches(k, f.keys.Next), k.String() == "enter":
			return f.move(+1)
		case key.Matches(k, f.keys.Prev):
			return f.move(-1)
		}
		if r.kind != rowField {
			return nil
		}
		if isChoice(r) {
			before := f.decl.Value(r.path)
			f.updateChoice(r, k)
			if f.decl.Value(r.path) != before {
				return f.d.saveDraft()
			}
			return nil
		}
	}
	if r.kind != rowField || isChoice(r) {
		return nil
	}
	var cmd tea.Cmd
	f.input, cmd = f.fr.typist.Update(f.input, msg) // Telex when on (F12), else the input's own keys
	// validate as the clerk types: the declaration follows the editor
	before := f.decl.Value(r.path)
	f.set(r.path, f.input.Value())
	if f.decl.Value(r.path) != before {
		return tea.Batch(cmd, f.d.saveDraft())
	}
	return cmd
}

// longList: more choices than fit on one line; shown as a filtered list.
const longList = 6

// matches returns the choices whose label contains the filter (diacritics optional).
func (f *formScreen) matches(r formRow) []forms.Choice {
	all := f.decl.Choices(r.path)
	if f.filter == "" {
		return all
	}
	var out []forms.Choice
	for _, c := range all {
		if vntext.Contains(c.Label, f.filter) {
			out = append(out, c)
		}
	}
	return out
}

// updateChoice: ←/→ move through the (filtered) choices and select, a digit
// picks the n-th of a short list, letters filter by label without
// diacritics, backspace shortens the filter; space toggles on multichoice.
func (f *formScreen) updateChoice(r formRow, k tea.KeyPressMsg) {
	multi := r.part == "" && r.field.Type == forms.TypeMultiChoice
	all := f.decl.Choices(r.path)
	short := len(all) <= longList
	list := f.matches(r)
	cur := f.decl.Value(r.path)
	pos := -1
	for i, c := range list {
		if c.Value == cur {
			pos = i
		}
	}
	if multi {
		pos = f.pick
	}
	choose := func(i int) {
		if len(list) == 0 {
			return
		}
		i = (i + len(list)) % len(list)
		f.pick = i
		if !multi {
			f.set(r.path, list[i].Value)
		}
	}
	if short && (k.String() == "right" || k.String() == "left") {
		// a short list is shown whole: the arrows walk all of it
		f.filter, list = "", all
		pos = -1
		for i, c := range list {
			if c.Value == cur {
				pos = i
			}
		}
		if multi {
			pos = f.pick
		}
	}
	switch s := k.String(); {
	case s == "right":
		choose(pos + 1)
	case s == "left":
		if pos < 0 {
			pos = 0
		}
		choose(pos - 1)
	case s == "space" && multi:
		if len(list) > 0 {
			f.set(r.path, toggle(cur, list[max(0, f.pick)%len(list)].Value))
		}
	case s == "backspace":
		if f.filter != "" {
			f.filter = string([]rune(f.filter)[:len([]rune(f.filter))-1])
			f.pick = 0
		}
	case short && len(k.Text) == 1 && k.Text[0] >= '1' && k.Text[0] <= '9':
		if n := int(k.Text[0] - '1'); n < len(all) {
			f.filter = ""
			list = all
			if multi {
				f.pick = n
				f.set(r.path, toggle(cur, all[n].Value))
			} else {
				choose(n)
			}
		}
	case k.Text != "":
		f.filter += k.Text
		f.pick = 0
		list = f.matches(r)
		switch {
		case len(list) > 0 && !multi:
			choose(0)
		case r.part == "" && r.field.Open:
			f.set(r.path, f.filter) // an open list keeps text that matches no choice
		}
	}
	if k.String() == "backspace" && r.part == "" && r.field.Open && f.filter != "" {
		if list = f.matches(r); len(list) > 0 {
			choose(0)
		} else {
			f.set(r.path, f.filter)
		}
	}
}

// toggle adds or removes v in a multichoice value ("a;b").
func toggle(cur, v string) string {
	var out []string
	found := false
	for _, x := range strings.Split(cur, ";") {
		switch {
		case x == "":
		case x == v:
			found = true
		default:
			out = append(out, x)
		}
	}
	if !found {
		out = append(out, v)
	}
	return strings.Join(out, ";")
}

// sensitive: personal data a volunteer does not see (NĐ 356/2025: ethnicity
// and religion are sensitive data).
func sensitive(fd *forms.Field) bool {
	id := strings.ToLower(fd.ID + " " + fd.Prefill)
	return fd.ChoicesFrom == forms.ChoicesEthnicities || strings.Contains(id, "ethnicity") || strings.Contains(id, "religion")
}

// display is the value as shown (choice labels instead of codes).
func (f *formScreen) display(r formRow) string {
	v := f.decl.Value(r.path)
	if f.fr.volunteer() && v != "" && sensitive(r.field) {
		return "•••• (ẩn với tình nguyện viên)"
	}
	if v == "" || !isChoice(r) {
		return show(v)
	}
	parts := strings.Split(v, ";")
	for i, p := range parts {
		if l := f.decl.ChoiceLabel(r.path, p); l != "" {
			parts[i] = l
		}
	}
	return show(strings.Join(parts, "; "))
}

func (f *formScreen) sourceOf(path string) string {
	p := f.decl.Provenance(path)
	return sourceTag(f.fr, p.Source, p.At)
}

// slotLine describes who fills a slot, or how to fill it.
func (f *formScreen) slotLine(slot string) string {
	if _, ok := f.decl.Person(slot); !ok {
		return f.slotText(slot)
	}
	return f.slotText(slot) + f.st.Muted.Render("  (Enter: đổi người)")
}

// slotText describes who fills a slot (for the form and the review).
func (f *formScreen) slotText(slot string) string {
	p, ok := f.decl.Person(slot)
	if !ok {
		return f.st.Required.Render("(chưa có)") + f.st.Muted.Render("  Enter: chạm thẻ / quét QR / gõ số định danh")
	}
	s := show(p.FullName()) + "  " + show(p.ID())
	if p.Card != nil {
		if p.CardSource == forms.SourceQR {
			s += " " + f.st.SourceCard.Render("[QR]")
		} else {
			s += " " + f.st.SourceCard.Render("[chip]")
		}
	}
	switch {
	case p.Resident == nil:
		s += " " + f.st.Warn.Render("[không có trong CSDL]")
	default:
		s += " " + sourceTag(f.fr, p.Origin.Source, p.Origin.FetchedAt)
	}
	if p.Resident != nil && p.Resident.Deceased() {
		s += " " + f.st.Error.Render("đã mất "+p.Resident.DeathDate.String())
	}
	return s
}

func (f *formScreen) view(width, height int) string {
	missing := map[string]bool{}
	for _, id := range f.decl.Missing() {
		missing[id] = true
	}
	prefilled, typed := 0, 0
	for _, r := range f.rows {
		if r.kind != rowField || f.decl.Value(r.path) == "" {
			continue
		}
		if src := f.decl.Provenance(r.path).Source; src == forms.SourceClerk || src == "" {
			typed++
		} else {
			prefilled++
		}
	}
	procs := f.decl.Procedures()
	names := make([]string, len(procs))
	for i, p := range procs {
		names[i] = p.Name
	}
	fit := func(s string) string {
		if width > 4 {
			return ansi.Truncate(s, width-3, "…")
		}
		return s
	}
	header := fit(f.st.Subtitle.Render("Bước 4 — "+f.spec.FormName)) + "\n" +
		fit(f.st.Muted.Render(fmt.Sprintf("%d ô điền sẵn, %d ô đã gõ, còn %d ô bắt buộc — mẫu %s, phiên bản %s",
			prefilled, typed, len(missing), f.spec.Template, f.spec.Version)))
	if len(procs) > 1 {
		header += "\n" + fit(f.st.Muted.Render("Thủ tục liên thông: "+strings.Join(names, " + ")))
	}
	var lines []string
	curLine := 0
	for i, r := range f.rows {
		mark := "  "
		if i == f.cur {
			mark = f.st.Title.Render("› ")
			curLine = len(lines)
		}
		switch r.kind {
		case rowSection:
			lines = append(lines, "", f.st.Label.Render("── "+r.title))
		case rowSlot:
			lines = append(lines, mark+f.st.Subtitle.Render(f.label(r.title, false, 0))+" "+f.slotLine(r.slot))
			if i == f.cur {
				for n, c := range f.in.Candidates(r.slot) {
					if n == 9 {
						break
					}
					where := ""
					if slot := f.in.SlotOf(c.ID()); slot != "" {
						where = f.st.Muted.Render("  (" + strings.ToLower(f.in.Label(slot)) + ")")
					}
					lines = append(lines, fmt.Sprintf("      %s %s  %s%s", f.st.Code.Render(fmt.Sprint(n+1)), show(c.FullName()), show(c.ID()), where))
				}
			}
		case rowGroup:
			g := r.field
			line := fmt.Sprintf("%s%s  %s", mark, f.st.Subtitle.Render(f.label(r.title, false, 0)),
				f.st.Muted.Render(fmt.Sprintf("%d dòng — ctrl+a thêm, ctrl+d xóa dòng đang chọn", f.decl.Rows(g.ID))))
			lines = append(lines, line)
			if msg, ok := f.errs["group:"+r.group]; ok {
				lines = append(lines, "    "+f.st.Error.Render("⚠ "+msg))
			}
		case rowGroupRow:
			lines = append(lines, "  "+f.st.Label.Render("   · "+r.title))
		case rowField:
			indent := 0
			if r.group != "" {
				indent = 3
			}
			label := f.label(r.title, r.field.Required && r.part != "detail", indent)
			var val string
			if i == f.cur {
				if isChoice(r) {
					val = f.choiceLine(r)
				} else {
					val = f.input.View()
				}
			} else {
				val = f.display(r)
				if val == "" && missing[strings.TrimSuffix(strings.TrimSuffix(r.path, ".ward"), ".detail")] && r.part != "detail" {
					val = f.st.Required.Render("(chưa nhập)")
				}
			}
			tag := f.sourceOf(r.path)
			if i != f.cur || !isChoice(r) {
				val = f.fitValue(val, tag)
			}
			line := fmt.Sprintf("%s%s  %s %s", mark, label, val, tag)
			if f.locked(r) && r.field.Calculate == "" {
				line += f.st.Muted.Render(" 🔒")
			}
			lines = append(lines, line)
			if msg, ok := f.errs[r.path]; ok {
				lines = append(lines, "      "+f.st.Error.Render("⚠ "+msg))
			} else if i == f.cur && r.field.Hint != "" && !isChoice(r) {
				lines = append(lines, "      "+f.st.Muted.Render(r.field.Hint))
			}
			if i == f.cur && isChoice(r) {
				lines = append(lines, f.choiceList(r)...)
			}
		}
	}
	for _, n := range f.decl.Notes() {
		lines = append(lines, "", f.st.Warn.Render("⚠ "+show(n)))
	}
	for i := range lines {
		lines[i] = fit(lines[i])
	}
	// keep the current row on screen
	avail := height - strings.Count(header, "\n") - 2
	if avail < 5 {
		avail = 5
	}
	start := 0
	if curLine > avail/2 {
		start = curLine - avail/2
	}
	end := min(len(lines), start+avail)
	if end-start < avail && start > 0 {
		start = max(0, end-avail)
	}
	out := header + "\n" + strings.Join(lines[start:end], "\n")
	if end < len(lines) {
		out += "\n" + f.st.Muted.Render("  … (còn tiếp, dùng ↓)")
	}
	return out
}

// choiceLine is the current choice row: all options of a short list, or the
// selected value and the filter of a long one.
func (f *formScreen) choiceLine(r formRow) string {
	cur := f.decl.Value(r.path)
	all := f.decl.Choices(r.path)
	selected := map[string]bool{}
	for _, v := range strings.Split(cur, ";") {
		selected[v] = true
	}
	if len(all) <= longList {
		line := f.shortLine(all, selected)
		if !f.fitsOneLine(line) {
			if s := f.display(r); s != "" {
				return s + f.st.Muted.Render("  (số hoặc ←/→ để chọn)")
			}
			return f.st.Muted.Render("(số hoặc ←/→ để chọn)")
		}
		return line
	}
	s := f.display(r)
	if s == "" {
		s = f.st.Muted.Render("(gõ để lọc)")
	}
	return s + f.st.Muted.Render("  lọc: "+f.filter+"▏")
}

// fitsOneLine: the options fit after the label column on one terminal line.
func (f *formScreen) fitsOneLine(s string) bool {
	return f.width == 0 || ansi.StringWidth(s) <= f.width-f.labelWidth()-8
}

// shortLine is a short list's options on one line, the selected ones marked.
func (f *formScreen) shortLine(all []forms.Choice, selected map[string]bool) string {
	parts := make([]string, len(all))
	for i, c := range all {
		label := fmt.Sprintf("%d %s", i+1, c.Label)
		if selected[c.Value] {
			label = f.st.Selected.Render(label)
		}
		parts[i] = label
	}
	return strings.Join(parts, " │ ")
}

// choiceList shows up to five matches of a long list under the row.
func (f *formScreen) choiceList(r formRow) []string {
	if all := f.decl.Choices(r.path); len(all) <= longList {
		var out []string
		selected := map[string]bool{}
		for _, v := range strings.Split(f.decl.Value(r.path), ";") {
			selected[v] = true
		}
		if !f.fitsOneLine(f.shortLine(all, selected)) {
			// too wide for one line: one option a line under the row
			for i, c := range all {
				line := fmt.Sprintf("%d %s", i+1, c.Label)
				if selected[c.Value] {
					line = f.st.Selected.Render(line)
				}
				out = append(out, "      "+line)
			}
		}
		if f.filter != "" {
			out = append(out, "      "+f.st.Muted.Render("lọc: "+f.filter))
		}
		return out
	}
	list := f.matches(r)
	cur := f.decl.Value(r.path)
	var out []string
	for i, c := range list {
		if i == 5 {
			out = append(out, "      "+f.st.Muted.Render(fmt.Sprintf("… và %d lựa chọn khác: gõ thêm để lọc", len(list)-5)))
			break
		}
		line := "      " + c.Label
		if c.Value == cur {
			line = "      " + f.st.Selected.Render(c.Label)
		}
		out = append(out, line)
	}
	switch {
	case len(list) == 0 && r.part == "" && r.field.Open:
		out = append(out, "      "+f.st.Muted.Render("Không có trong danh mục: giữ nguyên chữ đã gõ."))
	case len(list) == 0:
		out = append(out, "      "+f.st.Error.Render("Không có lựa chọn nào khớp; xóa bớt chữ lọc (Backspace)."))
	}
	return out
}

func padRight(s string, n int) string {
	w := ansi.StringWidth(s)
	if w >= n {
		return s
	}
	return s + strings.Repeat(" ", n-w)
}
