package cardsim

import (
	"crypto/subtle"

	"motcua/lookups/card/icao"
)

// secure runs a command protected by secure messaging (ICAO 9303-11 §9.8):
// check the MAC, decrypt, execute, and protect the answer.
func (c *Card) secure(cmd command) []byte {
	if c.sm == nil {
		return status(nil, swSMNotSupported)
	}
	c.pending = nil
	inner, sw := c.unwrap(cmd)
	if sw != 0 {
		// A wrong MAC or malformed object ends the session; the answer
		// cannot be protected since the chip no longer trusts the channel.
		if c.prof.BadSMStatus != 0 {
			sw = c.prof.BadSMStatus
		}
		if c.prof.UnprotectedErrors {
			c.sm, c.nextKeys, c.caReady, c.lax = nil, nil, false, true
			return status(nil, sw)
		}
		c.dropSession()
		if c.inApplet {
			c.ef = 0
		}
		return status(nil, sw)
	}
	r := c.dispatch(inner, true)
	if c.prof.UnprotectedErrors && r.sw != swOK && (r.sw != swEndOfFile || len(r.data) == 0) {
		// The lax chip: a bare status word, the channel dropped, the
		// rights kept for whatever plain command follows.
		c.sm, c.nextKeys, c.caReady, c.lax = nil, nil, false, true
		return status(nil, r.sw)
	}
	out := c.wrap(inner.ins, r)
	if c.nextKeys != nil {
		// Chip authentication: its own answer went under the old keys,
		// everything after it uses the new ones.
		c.sm, c.nextKeys = c.nextKeys, nil
	}
	return out
}

// unwrap verifies and decrypts a secured command. It returns the inner
// command or the status word to answer (plain) when the command is rejected.
func (c *Card) unwrap(cmd command) (command, uint16) {
	k := c.sm
	k.Increment()
	objs, err := icao.ParseAll(cmd.data)
	if err != nil {
		return command{}, swSMObjectsIncorrect
	}
	inner := command{cla: cmd.cla &^ 0x0C, ins: cmd.ins, p1: cmd.p1, p2: cmd.p2}
	var (
		crypto, le []byte
		haveCrypto bool
		odd        bool
		mac        []byte
		macInput   = icao.Pad([]byte{cmd.cla, cmd.ins, cmd.p1, cmd.p2}, k.Cipher.BlockSize())
	)
	for i, o := range objs {
		if mac != nil {
			return command{}, swSMObjectsIncorrect // DO8E must come last
		}
		switch o.Tag {
		case 0x87, 0x85:
			if haveCrypto || i != 0 {
				return command{}, swSMObjectsIncorrect
			}
			haveCrypto, odd, crypto = true, o.Tag == 0x85, o.Value
		case 0x97:
			if le != nil {
				return command{}, swSMObjectsIncorrect
			}
			le = o.Value
			if le == nil {
				le = []byte{}
			}
		case 0x8E:
			mac = o.Value
			if mac == nil {
				mac = []byte{}
			}
			continue
		default:
			return command{}, swSMObjectsIncorrect
		}
		macInput = append(macInput, o.Raw...)
	}
	if mac == nil {
		return command{}, swSMObjectsMissing
	}
	want, err := k.Sum(macInput)
	if err != nil || len(mac) != len(want) || subtle.ConstantTimeCompare(mac, want) != 1 {
		return command{}, swSMObjectsIncorrect
	}
	if haveCrypto {
		if odd != (cmd.ins&1 == 1) {
			return command{}, swSMObjectsIncorrect
		}
		if !odd {
			if len(crypto) < 1 || crypto[0] != 0x01 { // padding-content indicator
				return command{}, swSMObjectsIncorrect
			}
			crypto = crypto[1:]
		}
		plain, err := k.Decrypt(crypto)
		if err != nil {
			return command{}, swSMObjectsIncorrect
		}
		inner.data = plain
	}
	if le != nil {
		if len(le) > 2 || (len(le) == 2 && !c.prof.Extended) {
			return command{}, swSMObjectsIncorrect
		}
		inner.setLe(le, len(le) == 2) // empty or zero: the maximum
	}
	return inner, 0
}

// wrap protects the answer r to a command with instruction ins: DO87 (DO85
// for odd instructions) with the encrypted data, DO99 with the status word,
// DO8E with the MAC. Errors are protected too, their status word repeated
// outside.
func (c *Card) wrap(ins byte, r result) []byte {
	k := c.sm
	k.Increment()
	var body []byte
	if len(r.data) > 0 {
		ct, err := k.Encrypt(icao.Pad(r.data, k.Cipher.BlockSize()))
		if err != nil {
			return status(nil, swNoDiagnosis)
		}
		if ins&1 == 1 {
			body = icao.Encode(0x85, ct)
		} else {
			body = icao.Encode(0x87, append([]byte{0x01}, ct...))
		}
	}
	body = append(body, 0x99, 0x02, byte(r.sw>>8), byte(r.sw))
	mac, err := k.Sum(body)
	if err != nil {
		return status(nil, swNoDiagnosis)
	}
	if c.prof.WrongMAC {
		mac[len(mac)-1] ^= 0x01
	}
	body = append(body, icao.Encode(0x8E, mac)...)
	return status(body, r.sw)
}
