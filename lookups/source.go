package lookups

// ValueSource says where a value came from: one vocabulary from the look-up
// through the form and the dossier to the screen, the scripted commands and
// the reports. Its words are stored in sealed records and drafts.
type ValueSource string

// The sources of a value.
const (
	SourceCard       ValueSource = "card"       // read from the chip
	SourceQR         ValueSource = "qr"         // read from the card's QR code
	SourceDatabase   ValueSource = "database"   // population database, fresh from the gateway
	SourceCache      ValueSource = "cache"      // population database, from the local cache
	SourceConfig     ValueSource = "config"     // counter configuration (agency, place)
	SourceClerk      ValueSource = "clerk"      // typed or changed by the clerk
	SourceDefault    ValueSource = "default"    // the spec's default, or today's date
	SourceCalculated ValueSource = "calculated" // computed by the field's calculate expression
	SourceTyped      ValueSource = "typed"      // a person identified by an ID the clerk typed
)

// FromDatabase reports a value from the population database, live or cached.
func (s ValueSource) FromDatabase() bool { return s == SourceDatabase || s == SourceCache }

// FromCard reports a value read from the citizen's card (chip or QR code).
func (s ValueSource) FromCard() bool { return s == SourceCard || s == SourceQR }

// Label says in Vietnamese where a value came from (the tags of the screen
// and the scripted commands: "chip", "CSDL"…, without brackets); an unknown
// word is returned as it is.
func (s ValueSource) Label() string {
	switch s {
	case SourceCard:
		return "chip"
	case SourceQR:
		return "mã QR"
	case SourceDatabase:
		return "CSDL"
	case SourceCache:
		return "CSDL lưu tạm"
	case SourceConfig:
		return "cấu hình"
	case SourceClerk:
		return "cán bộ nhập"
	case SourceTyped:
		return "số định danh gõ tay"
	case SourceDefault:
		return "mặc định"
	case SourceCalculated:
		return "tự tính"
	}
	return string(s)
}

// UnmarshalText reads a stored source. Records written before the one
// vocabulary said "gateway" (and the in-process sandbox "sandbox") for a live
// look-up: both read as SourceDatabase.
func (s *ValueSource) UnmarshalText(b []byte) error {
	switch v := ValueSource(b); v {
	case "gateway", "sandbox":
		*s = SourceDatabase
	default:
		*s = v
	}
	return nil
}
