package offline

import (
	"crypto/hpke"
	"fmt"
)

// Holder keys: every operator and key file holds an HPKE key pair, and the store keeps the
// data key sealed to each holder's public key. Whoever changes the data key (RotateDataKey,
// run by a supervisor when a key file is revoked or an operator disabled) can seal the new key
// to every remaining holder at once, without their passphrases or key files, and nobody who
// only knew the old data key can follow: a holder's private key is wrapped under its
// passphrase key (operators) or derived from its key file's secret (key files), never under
// the data key.
//
// The suite is RFC 9180 HPKE in base mode with the ML-KEM-768 + X25519 hybrid KEM (X-Wing),
// HKDF-SHA256 and AES-256-GCM, so that a copy of the file taken today does not give the data
// key up to a quantum computer later (the passphrase wraps, argon2id + AES-256, do not either).
// A public key is 1,216 bytes, a sealed data key 1,168.

func holderKEM() hpke.KEM { return hpke.MLKEM768X25519() }

// holderInfo binds a sealed data key to its store and holder.
func holderInfo(storeID []byte, kind, id string) []byte {
	info := append([]byte("motcua/holder/v1\x00"+kind+"\x00"), storeID...)
	return append(append(info, 0), id...)
}

// sealForHolder seals the data key of kr to a holder's public key.
func sealForHolder(kr *keyring, kind, id string, pub []byte) ([]byte, error) {
	pk, err := holderKEM().NewPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf("%w: %s %s has an unusable public key", ErrUnsealable, kind, id)
	}
	out, err := hpke.Seal(pk, hpke.HKDFSHA256(), hpke.AES256GCM(), holderInfo(kr.storeID, kind, id), kr.dataKey)
	if err != nil {
		return nil, fmt.Errorf("offline: sealing the data key for %s %s: %w", kind, id, err)
	}
	return out, nil
}

// openForHolder opens a sealed data key with the holder's private key.
func openForHolder(priv []byte, storeID []byte, kind, id string, sealed []byte) ([]byte, error) {
	k, err := holderKEM().NewPrivateKey(priv)
	if err != nil {
		return nil, errUnwrap
	}
	dk, err := hpke.Open(k, hpke.HKDFSHA256(), hpke.AES256GCM(), holderInfo(storeID, kind, id), sealed)
	if err != nil || len(dk) != 32 {
		return nil, errUnwrap
	}
	return dk, nil
}

// newHolderKey returns a fresh private key (32 bytes) and its public key.
func newHolderKey() (priv, pub []byte, err error) {
	k, err := holderKEM().GenerateKey()
	if err != nil {
		return nil, nil, fmt.Errorf("offline: generating a holder key: %w", err)
	}
	if priv, err = k.Bytes(); err != nil {
		return nil, nil, fmt.Errorf("offline: holder key: %w", err)
	}
	return priv, k.PublicKey().Bytes(), nil
}

// keyFileHolderKey derives a key file's private key from its secret.
func keyFileHolderKey(secret, storeID []byte) (priv, pub []byte, err error) {
	ikm, err := subkey(secret, storeID, "motcua/keyfile-holder/v1")
	if err != nil {
		return nil, nil, err
	}
	k, err := holderKEM().DeriveKeyPair(ikm)
	if err != nil {
		return nil, nil, fmt.Errorf("offline: key file holder key: %w", err)
	}
	if priv, err = k.Bytes(); err != nil {
		return nil, nil, fmt.Errorf("offline: key file holder key: %w", err)
	}
	return priv, k.PublicKey().Bytes(), nil
}

// passHolder makes an operator's holder fields for passphrase key kek: the private key
// wrapped under kek, the public key, and the data key of kr sealed to it.
func passHolder(kr *keyring, id string, kek []byte) (wrappedPriv, pub, sealed []byte, err error) {
	priv, pub, err := newHolderKey()
	if err != nil {
		return nil, nil, nil, err
	}
	if wrappedPriv, err = wrapKey(kek, priv, wrapAD(kr.storeID, "op-holder", id)); err != nil {
		return nil, nil, nil, err
	}
	if sealed, err = sealForHolder(kr, "op", id, pub); err != nil {
		return nil, nil, nil, err
	}
	return wrappedPriv, pub, sealed, nil
}
