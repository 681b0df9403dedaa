package cardsim

// Status words the chip answers (ISO/IEC 7816-4).
const (
	swOK                  = 0x9000
	swEndOfFile           = 0x6282 // fewer bytes than asked: the end of the file
	swAuthFailed          = 0x6300 // BAC cryptogram or PACE token wrong
	swWrongLength         = 0x6700
	swSMNotSupported      = 0x6882 // secured command without a session
	swLastCommandExpected = 0x6883 // PACE chaining out of order
	swChainingUnsupported = 0x6884
	swSecurityStatus      = 0x6982 // access control not performed / EAC needed
	swConditionsNotMet    = 0x6985
	swNoCurrentEF         = 0x6986
	swSMObjectsMissing    = 0x6987
	swSMObjectsIncorrect  = 0x6988
	swWrongData           = 0x6A80
	swFileNotFound        = 0x6A82
	swWrongP1P2           = 0x6A86
	swWrongOffset         = 0x6B00
	swINSNotSupported     = 0x6D00
	swCLANotSupported     = 0x6E00
	swNoDiagnosis         = 0x6F00
)

// Instructions the chip implements.
const (
	insSelect        = 0xA4
	insReadBinary    = 0xB0
	insReadBinaryOdd = 0xB1
	insGetChallenge  = 0x84
	insExternalAuth  = 0x82
	insInternalAuth  = 0x88
	insMSE           = 0x22
	insGeneralAuth   = 0x86
	insGetResponse   = 0xC0
)

// command is a decoded command APDU. For a secured command it is the
// unwrapped inner command.
type command struct {
	cla, ins, p1, p2 byte
	data             []byte
	ne               int  // expected response length; 0 when Le is absent
	hasLe            bool // an Le field is present
	leZero           bool // the Le field is all zeros (the "maximum" value)
	ext              bool // extended-length encoding
}

func (c command) p1p2() uint16 { return uint16(c.p1)<<8 | uint16(c.p2) }

// parseAPDU decodes the four ISO 7816-3 cases in short and extended form.
// It returns a status word instead of the command when the length fields do
// not add up: the chip must answer any byte string, never fail.
func parseAPDU(b []byte) (command, uint16) {
	if len(b) < 4 {
		return command{}, swWrongLength
	}
	c := command{cla: b[0], ins: b[1], p1: b[2], p2: b[3]}
	body := b[4:]
	switch {
	case len(body) == 0: // case 1
		return c, 0
	case len(body) == 1: // case 2 short
		c.setLe(body, false)
		return c, 0
	case body[0] != 0: // case 3 or 4 short
		lc := int(body[0])
		switch len(body) {
		case 1 + lc:
			c.data = body[1:]
			return c, 0
		case 2 + lc:
			c.data = body[1 : 1+lc]
			c.setLe(body[1+lc:], false)
			return c, 0
		}
		return command{}, swWrongLength
	}
	// body[0] == 0 and more than one byte: extended length
	c.ext = true
	if len(body) == 3 { // case 2 extended
		c.setLe(body[1:], true)
		return c, 0
	}
	if len(body) < 3 {
		return command{}, swWrongLength
	}
	lc := int(body[1])<<8 | int(body[2])
	if lc == 0 {
		return command{}, swWrongLength
	}
	switch len(body) {
	case 3 + lc:
		c.data = body[3:]
		return c, 0
	case 5 + lc:
		c.data = body[3 : 3+lc]
		c.setLe(body[3+lc:], true)
		return c, 0
	}
	return command{}, swWrongLength
}

func (c *command) setLe(le []byte, ext bool) {
	c.hasLe = true
	n := 0
	for _, b := range le {
		n = n<<8 | int(b)
	}
	if n == 0 {
		c.leZero = true
		if ext {
			n = 65536
		} else {
			n = 256
		}
	}
	c.ne = n
}

// status appends the status word sw to data.
func status(data []byte, sw uint16) []byte {
	out := make([]byte, 0, len(data)+2)
	out = append(out, data...)
	return append(out, byte(sw>>8), byte(sw))
}
