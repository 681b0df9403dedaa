package offline

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
)

// A handoff file carries one draft from a volunteer's laptop to a clerk's
// counter: sealed with AES-256-GCM under a key derived (argon2id) from a
// one-time code the volunteer tells the clerk. Layout: magic, salt (16),
// nonce (12), ciphertext. The file names nothing in the clear.

var handoffMagic = []byte("MOTCUA-HANDOFF-1\n")

// ErrBadHandoff reports a file that is not a handoff file, or a code that does not open it.
var ErrBadHandoff = errors.New("offline: not a handoff file or wrong code")

// SealHandoff seals plain for a handoff under code.
func SealHandoff(plain []byte, code string, p KDFParams) ([]byte, error) {
	if err := checkPassphrase(code); err != nil {
		return nil, err
	}
	if p == (KDFParams{}) {
		p = DefaultKDF
	}
	salt := make([]byte, 16)
	nonce := make([]byte, 12)
	if _, err := rand.Read(salt); err != nil {
		return nil, err
	}
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	aead, err := handoffAEAD(code, salt, p)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.Write(handoffMagic)
	b.WriteByte(byte(p.Time))
	b.Write([]byte{byte(p.MemoryKiB >> 24), byte(p.MemoryKiB >> 16), byte(p.MemoryKiB >> 8), byte(p.MemoryKiB)})
	b.WriteByte(p.Threads)
	b.Write(salt)
	b.Write(nonce)
	b.Write(aead.Seal(nil, nonce, plain, handoffMagic))
	return b.Bytes(), nil
}

// OpenHandoff opens a handoff file with its code.
func OpenHandoff(data []byte, code string) ([]byte, error) {
	rest, ok := bytes.CutPrefix(data, handoffMagic)
	if !ok || len(rest) < 6+16+12+16 {
		return nil, ErrBadHandoff
	}
	p := KDFParams{Time: uint32(rest[0]), MemoryKiB: uint32(rest[1])<<24 | uint32(rest[2])<<16 | uint32(rest[3])<<8 | uint32(rest[4]), Threads: rest[5]}
	if p.Time == 0 || p.Time > 10 || p.MemoryKiB < 8 || p.MemoryKiB > 1<<20 || p.Threads == 0 {
		return nil, ErrBadHandoff
	}
	rest = rest[6:]
	salt, nonce, ct := rest[:16], rest[16:28], rest[28:]
	aead, err := handoffAEAD(code, salt, p)
	if err != nil {
		return nil, err
	}
	plain, err := aead.Open(nil, nonce, ct, handoffMagic)
	if err != nil {
		return nil, fmt.Errorf("%w", ErrBadHandoff)
	}
	return plain, nil
}

func handoffAEAD(code string, salt []byte, p KDFParams) (cipher.AEAD, error) {
	block, err := aes.NewCipher(deriveKEK(code, salt, p))
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// NewCode returns a random code of four groups of four letters (64 bits),
// easy to read aloud: one-time handoff codes and generated passphrases.
func NewCode() string {
	const letters = "abcdefghjkmnpqrs" // 16 letters: a byte maps without bias
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand does not fail on supported systems
	}
	out := make([]byte, 0, 19)
	for i, v := range b {
		if i > 0 && i%4 == 0 {
			out = append(out, '-')
		}
		out = append(out, letters[int(v)%len(letters)])
	}
	return string(out)
}
