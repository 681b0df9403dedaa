// Package cardsim emulates the chip of a Vietnamese identity card: an ICAO
// Doc 9303 eMRTD application with PACE (generic mapping, AES-128, with the
// CAN or the MRZ), BAC, secure messaging, the LDS files (EF.COM, EF.SOD,
// DG1, DG2, DG3, DG13, DG14, DG15), active authentication and chip
// authentication, playing the card's side only.
//
// It serves three purposes: the reader in lookups/card is tested against it
// (and both against the ICAO worked examples), the demo taps simulated cards
// in-process, and ServeVPCD plugs a simulated card into a real pcscd through
// vsmartcard's vpcd driver. Profile switches the capabilities found on real
// cards (no PACE, no BAC, extended length, T=0 behaviour, RSA or ECDSA
// active authentication, DG13 variants) and injects faults (wrong MACs,
// denied files, card removal, cloned chips, altered data, no short EF
// identifiers, errors answered outside secure messaging by a lax chip).
//
// The protocol arithmetic shared with the reader (key derivation, MACs,
// ciphers, elliptic-curve mapping) comes from lookups/card/icao; everything
// the chip decides is here. All persons, keys and certificates are synthetic.
package cardsim
