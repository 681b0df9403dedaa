// Package icao holds the primitives of ICAO Doc 9303 that both roles of a
// chip conversation compute the same way: BER-TLV coding, the key derivation
// function, ISO 9797-1 padding and MACs, the secure-messaging ciphers, MRZ
// check digits and key seeds, the protocol object identifiers and the
// elliptic-curve helpers of PACE generic mapping.
//
// The protocols themselves (who sends what, what is checked) live apart: the
// reader's side in lookups/card, the chip's side in lookups/card/cardsim, so
// that each can be tested against the other and both against the ICAO
// worked examples.
package icao
