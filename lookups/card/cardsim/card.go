package cardsim

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"fmt"
	"io"
	"maps"
	"sync"
	"time"

	"motcua/lookups"
	"motcua/lookups/card/icao"
)

// ErrRemoved is returned by Transmit once the card has left the field.
var ErrRemoved = errors.New("cardsim: card removed")

// Person is what the chip stores about its holder.
type Person struct {
	ID, OldID, FullName string
	BirthDate           lookups.Date
	Sex                 lookups.Sex // "Nam" / "Nữ"
	Nationality         string
	Ethnicity           string
	Religion            string
	PlaceOfOrigin       string
	Residence           string
	Marks               string
	IssueDate           lookups.Date
	ExpiryDate          lookups.Date
	ExpiryText          string // e.g. "Không thời hạn" when the card has no expiry date
	Father              string
	Mother              string
	Spouse              string
}

// PersonFromCitizen takes the card fields of c; the residence is the address
// printed on the card. The parents and spouse are not part of a Citizen.
func PersonFromCitizen(c lookups.Citizen, father, mother, spouse string) Person {
	return Person{
		ID:            c.ID,
		OldID:         c.OldID,
		FullName:      c.FullName,
		BirthDate:     c.BirthDate,
		Sex:           c.Sex,
		Nationality:   c.Nationality,
		Ethnicity:     c.Ethnicity,
		Religion:      c.Religion,
		PlaceOfOrigin: c.PlaceOfOrigin,
		Residence:     c.CardAddress,
		IssueDate:     c.IssueDate,
		ExpiryDate:    c.ExpiryDate,
		ExpiryText:    c.ExpiryText,
		Father:        father,
		Mother:        mother,
		Spouse:        spouse,
	}
}

// Profile selects the chip's capabilities and the faults it simulates.
type Profile struct {
	ParamID      int    // PACE/CA domain parameters: icao.ParamBrainpool256 (default when 0) or icao.ParamP256
	NoPACE       bool   // no EF.CardAccess: BAC only
	NoBAC        bool   // refuse BAC (PACE only)
	Extended     bool   // announce and accept extended-length APDUs (else extended commands get 6700)
	AA           string // active authentication key in DG15: "ecdsa" (P-256, default), "rsa" (1024-bit, ISO 9796-2), "none"
	NoChipAuth   bool   // no DG14 chip-authentication key
	ParentLayout int    // DG13 item 13 layout: 1 (default) or 2
	Printable    bool   // every DG13 string as PrintableString (0x13); else the ID, dates and old ID are, the letters UTF8String (0x0C)
	// DG13Layout: "real" (default), as public readers of real cards lay
	// DG13 out: 6D { SEQUENCE { INTEGER 1, OBJECT IDENTIFIER, SET { items } } };
	// "bare": the items straight in a SEQUENCE.
	DG13Layout string
	// DG13Shuffle puts the items in another order than their numbers and
	// DG13Unknown adds items of numbers and types no reader knows.
	DG13Shuffle, DG13Unknown bool
	// DG13BadUTF8 is an item (2: the name, 9: the address...) whose value
	// is written in Latin-1, not UTF-8, and signed so: the reader must say
	// so, never guess. 0: none.
	DG13BadUTF8 int
	DG2Size     int // approximate size of the face image in DG2 (default 15000)
	DG13Size    int // pad DG13 with an unknown item 16 to about this size (0 = natural size)
	DG14Size    int // pad DG14 with an unknown SecurityInfo to about this size (0 = natural size)
	SODSize     int // pad EF.SOD with an unsigned attribute to about this size (0 = natural size)
	RSABits     int // RSA active-authentication key size (default 1024)
	Latency     time.Duration
	// T0 makes unsecured commands answer like a T=0 card: 61xx and GET
	// RESPONSE for data, 6Cxx for a READ BINARY of EF.CardAccess with a wrong Le.
	T0 bool

	// Faults.
	WrongMAC    bool              // every secure-messaging response carries a wrong MAC
	Deny        map[uint16]uint16 // FID -> status word answered when that EF is selected or read
	RemoveAfter int               // > 0: the card leaves the field after this many APDUs, for good
	// HangAfter > 0: after this many APDUs the chip stops answering in the
	// middle of the next one: Transmit blocks until Release, then the card
	// has gone (ErrRemoved). A driver waiting on it never returns either.
	HangAfter  int
	Cloned     bool // active authentication signs with a key other than DG15's
	CloneCA    bool // chip authentication uses a key other than DG14's
	TamperDG13 bool // DG13 altered after the SOD was signed
	MRZOff     bool // DG1's MRZ carries a birth date a day off DG13's (both signed)
	DG2NoImage bool // DG2's image is in no format a reader knows (signed so)
	// COMOmits lists data groups EF.COM leaves out although the chip holds
	// them and EF.SOD signs them (EF.COM is not signed).
	COMOmits []int
	// NoSFI: the chip does not implement short EF identifiers: a READ
	// BINARY naming one is refused with 6A86 (wrong P1-P2).
	NoSFI bool
	// UnprotectedErrors: the chip answers an error to a secured command
	// with the bare status word (no DO99, no DO8E), and then serves plain
	// commands with the rights of the session it should have closed — the
	// lax behaviour that lured readers into plain text.
	UnprotectedErrors bool
	// BadSMStatus is the status word answered, without secure messaging,
	// to a secured command the chip cannot verify (0: 6988). A clone that
	// lacks the chip-authentication key answers whatever it likes here.
	BadSMStatus uint16

	Rand io.Reader        // randomness of the protocols (nil = crypto/rand)
	Now  func() time.Time // signing time of the SOD (nil = time.Now)
	// NoSigningTime leaves the signing time out of the SOD's signed
	// attributes, as some issuers do.
	NoSigningTime bool
}

// Card is an emulated Vietnamese eMRTD chip. It is safe for concurrent use.
type Card struct {
	mu   sync.Mutex
	prof Profile
	rand io.Reader

	// Fixed at construction.
	mf      map[uint16][]byte // EF.CardAccess, outside the applet
	app     map[uint16][]byte // the eMRTD applet's EFs
	atr     []byte
	can     string
	docNo   string
	birth   string
	expiry  string
	mrzInfo string // key seed of BAC and PACE with the MRZ; "" when unknown

	paceParam int
	paceCurve elliptic.Curve // nil when PACE is not offered

	caCurve elliptic.Curve // nil without chip authentication
	caPriv  []byte         // the key CA computes with (not DG14's when CloneCA)

	aaECDSA *ecdsa.PrivateKey // the key INTERNAL AUTHENTICATE signs with
	aaRSA   *rsa.PrivateKey

	// Session state, dropped by Reset.
	inApplet bool
	ef       uint16     // selected EF, 0 for none
	sm       *icao.Keys // secure-messaging session, nil without access
	nextKeys *icao.Keys // chip authentication: keys for the APDUs after this one
	caReady  bool       // MSE:Set AT for chip authentication received
	rndIC    []byte     // BAC challenge awaiting EXTERNAL AUTHENTICATE
	pace     *paceState
	pending  []byte // T=0 style: data awaiting GET RESPONSE
	lax      bool   // UnprotectedErrors: access rights kept for plain commands

	apdus   int
	removed bool

	release     chan struct{} // closed by Release: a hung Transmit returns
	releaseOnce sync.Once
}

func (p *Profile) defaults() error {
	if p.ParamID == 0 {
		p.ParamID = icao.ParamBrainpool256
	}
	if _, err := icao.CurveByParamID(p.ParamID); err != nil {
		return fmt.Errorf("cardsim: %w", err)
	}
	switch p.AA {
	case "":
		p.AA = "ecdsa"
	case "ecdsa", "rsa", "none":
	default:
		return fmt.Errorf("cardsim: unknown active authentication %q", p.AA)
	}
	switch p.DG13Layout {
	case "":
		p.DG13Layout = "real"
	case "real", "bare":
	default:
		return fmt.Errorf("cardsim: unknown DG13 layout %q", p.DG13Layout)
	}
	switch p.ParentLayout {
	case 0:
		p.ParentLayout = 1
	case 1, 2:
	default:
		return fmt.Errorf("cardsim: unknown DG13 parent layout %d", p.ParentLayout)
	}
	if p.RSABits <= 0 {
		p.RSABits = 1024
	}
	if p.DG2Size <= 0 {
		p.DG2Size = 15000
	}
	return nil
}

func newCard(prof Profile) *Card {
	prof.Deny = maps.Clone(prof.Deny) // the caller may reuse its map
	c := &Card{prof: prof, rand: prof.Rand, mf: map[uint16][]byte{}, app: map[uint16][]byte{}, release: make(chan struct{})}
	if c.rand == nil {
		c.rand = rand.Reader
	}
	c.atr = buildATR(prof.Extended)
	return c
}

// New issues a card for p with the given profile; the SOD is signed by
// pki's document signer (TestPKI() when pki is nil).
func New(p Person, prof Profile, pki *PKI) (*Card, error) {
	if err := prof.defaults(); err != nil {
		return nil, err
	}
	if !allDigits(p.ID) || len(p.ID) != 12 {
		return nil, fmt.Errorf("cardsim: ID %q is not 12 digits", p.ID)
	}
	if pki == nil {
		pki = TestPKI()
	}
	c := newCard(prof)
	c.can = p.ID[6:]
	c.docNo = p.ID[3:]
	c.birth = mrzDate(p.BirthDate)
	if prof.MRZOff {
		c.birth = mrzDate(lookups.DateOf(p.BirthDate.Time(time.UTC).AddDate(0, 0, 1)))
	}
	c.expiry = "991231" // no expiry date: the latest date an MRZ can hold
	if !p.ExpiryDate.IsZero() {
		c.expiry = mrzDate(p.ExpiryDate)
	}
	info, err := icao.MRZInfo(c.docNo, c.birth, c.expiry)
	if err != nil {
		return nil, fmt.Errorf("cardsim: %w", err)
	}
	c.mrzInfo = info
	curve, _ := icao.CurveByParamID(prof.ParamID)

	// Chip authentication key pair (DG14). Keys come from crypto/rand, not
	// Profile.Rand, so that Rand feeds only the protocol run.
	var caPub []byte
	if !prof.NoChipAuth {
		priv, err := icao.RandomScalar(curve, rand.Reader)
		if err != nil {
			return nil, err
		}
		caPub = icao.Mul(curve, icao.Generator(curve), priv).Bytes(curve)
		c.caCurve, c.caPriv = curve, priv
		if prof.CloneCA {
			if c.caPriv, err = icao.RandomScalar(curve, rand.Reader); err != nil {
				return nil, err
			}
		}
	}

	// Active authentication key pair (DG15).
	var aaPub any
	switch prof.AA {
	case "ecdsa":
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return nil, err
		}
		aaPub, c.aaECDSA = &k.PublicKey, k
		if prof.Cloned {
			if c.aaECDSA, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
				return nil, err
			}
		}
	case "rsa":
		k, err := rsa.GenerateKey(rand.Reader, prof.RSABits)
		if err != nil {
			return nil, err
		}
		aaPub, c.aaRSA = &k.PublicKey, k
		if prof.Cloned {
			if c.aaRSA, err = rsa.GenerateKey(rand.Reader, prof.RSABits); err != nil {
				return nil, err
			}
		}
	}

	if !prof.NoPACE {
		c.mf[fidCardAccess] = cardAccess(prof.ParamID, !prof.NoChipAuth)
		c.paceParam, c.paceCurve = prof.ParamID, curve
	}
	dgs := map[int][]byte{
		1:  dg1(p, c.docNo, c.birth, c.expiry),
		2:  dg2(p, prof.DG2Size, prof.DG2NoImage),
		3:  dg3(),
		13: dg13(p, prof),
	}
	if dg, ok, err := dg14(curve, caPub, prof.AA == "ecdsa", prof.DG14Size); err != nil {
		return nil, err
	} else if ok {
		dgs[14] = dg
	}
	if aaPub != nil {
		dg, err := dg15(aaPub)
		if err != nil {
			return nil, err
		}
		dgs[15] = dg
	}
	now := time.Now
	if prof.Now != nil {
		now = prof.Now
	}
	sod, err := buildSOD(dgs, pki, now(), prof.NoSigningTime, prof.SODSize)
	if err != nil {
		return nil, err
	}
	if prof.TamperDG13 {
		tamperDG13(dgs[13])
	}
	for n, dg := range dgs {
		c.app[dgFID(n)] = dg
	}
	listed := maps.Clone(dgs)
	for _, n := range prof.COMOmits {
		delete(listed, n)
	}
	c.app[fidCOM] = efCOM(listed)
	c.app[fidSOD] = sod
	return c, nil
}

// KnownAnswer describes a card built from given files and secrets, for the
// ICAO worked examples.
type KnownAnswer struct {
	Files                map[uint16][]byte // FID -> content (EF.COM 0x011E, EF.CardAccess 0x011C, ...)
	DocNo, Birth, Expiry string            // MRZ key
	CAN                  string
}

// NewKnownAnswer builds a card holding exactly ka.Files. It offers PACE
// when EF.CardAccess is among them (with the domain parameters it names)
// and BAC when the MRZ key is given; it has no chip-authentication or
// active-authentication keys.
func NewKnownAnswer(ka KnownAnswer, prof Profile) (*Card, error) {
	if err := prof.defaults(); err != nil {
		return nil, err
	}
	c := newCard(prof)
	c.can, c.docNo, c.birth, c.expiry = ka.CAN, ka.DocNo, ka.Birth, ka.Expiry
	if ka.DocNo != "" {
		info, err := icao.MRZInfo(ka.DocNo, ka.Birth, ka.Expiry)
		if err != nil {
			return nil, fmt.Errorf("cardsim: %w", err)
		}
		c.mrzInfo = info
	}
	for fid, b := range ka.Files {
		b = append([]byte(nil), b...)
		if fid == fidCardAccess {
			c.mf[fid] = b
		} else {
			c.app[fid] = b
		}
	}
	if ca, ok := c.mf[fidCardAccess]; ok && !prof.NoPACE {
		param := prof.ParamID
		if id, ok := paceParamOf(ca); ok {
			param = id
		}
		curve, err := icao.CurveByParamID(param)
		if err != nil {
			return nil, fmt.Errorf("cardsim: EF.CardAccess: %w", err)
		}
		c.paceParam, c.paceCurve = param, curve
	}
	return c, nil
}

// ATR returns the answer to reset.
func (c *Card) ATR() []byte { return append([]byte(nil), c.atr...) }

// CAN returns the card access number printed on the card.
func (c *Card) CAN() string { return c.can }

// MRZ returns the BAC key data: document number and the YYMMDD dates.
func (c *Card) MRZ() (docNo, birth, expiry string) { return c.docNo, c.birth, c.expiry }

// File returns a copy of an EF's content, nil when the card has no such file.
func (c *Card) File(fid uint16) []byte {
	if b, ok := c.mf[fid]; ok {
		return append([]byte(nil), b...)
	}
	if b, ok := c.app[fid]; ok {
		return append([]byte(nil), b...)
	}
	return nil
}

// APDUs returns how many APDUs the card has processed.
func (c *Card) APDUs() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.apdus
}

// Release ends a hang (HangAfter): the blocked Transmit returns
// ErrRemoved, as when the card is taken off the reader. Safe to call more
// than once, and on a card that never hung.
func (c *Card) Release() { c.releaseOnce.Do(func() { close(c.release) }) }

// Reset power-cycles the chip: session, selection and protocol state are
// lost, the files stay. A removed card stays removed.
func (c *Card) Reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.reset()
}

func (c *Card) reset() {
	c.inApplet, c.ef = false, 0
	c.dropSession()
	c.rndIC, c.pace, c.pending = nil, nil, nil
}

// dropSession ends secure messaging: the access rights go with it.
func (c *Card) dropSession() {
	c.sm, c.nextKeys, c.caReady, c.lax = nil, nil, false, false
}

// Transmit processes one command APDU and returns the response data with
// the status word. The only error is ErrRemoved.
func (c *Card) Transmit(apdu []byte) (resp []byte, err error) {
	if c.prof.Latency > 0 {
		time.Sleep(c.prof.Latency)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.removed {
		return nil, ErrRemoved
	}
	if c.prof.RemoveAfter > 0 && c.apdus >= c.prof.RemoveAfter {
		c.removed = true
		c.reset()
		return nil, ErrRemoved
	}
	if c.prof.HangAfter > 0 && c.apdus >= c.prof.HangAfter {
		// Silent in the middle of the APDU: no answer, no error, until
		// someone takes the card away (Release).
		c.removed = true
		c.reset()
		c.mu.Unlock()
		<-c.release
		c.mu.Lock()
		return nil, ErrRemoved
	}
	c.apdus++
	// A real chip never takes its reader down with it: should a bug slip
	// through, answer 6F00 (which nothing else answers, so the fuzz
	// target notices) and start over from a clean state.
	defer func() {
		if r := recover(); r != nil {
			c.reset()
			resp, err = status(nil, swNoDiagnosis), nil
		}
	}()
	return c.process(apdu), nil
}

// buildATR returns a contactless-style ATR (PC/SC part 3 layout): TD1 = 80
// (T=0, TD2 follows), TD2 = 01 (T=1), the historical bytes and TCK. The
// card capabilities byte announces command chaining and, when ext is set,
// extended Lc and Le.
func buildATR(ext bool) []byte {
	caps := byte(0x80)
	if ext {
		caps |= 0x40
	}
	hist := []byte{0x80, 0x31, 0x80, 0x73, 0x00, 0x00, caps}
	atr := []byte{0x3B, 0x80 | byte(len(hist)), 0x80, 0x01}
	atr = append(atr, hist...)
	tck := byte(0)
	for _, b := range atr[1:] {
		tck ^= b
	}
	return append(atr, tck)
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
