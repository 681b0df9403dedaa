// Package card reads the chip of a Vietnamese ID card (CCCD 2021, Căn cước
// 2024) as an ICAO Doc 9303 eMRTD: access control (PACE with the CAN, BAC
// with the MRZ key as fallback), secure messaging (3DES and AES), the LDS
// files (EF.COM, EF.SOD, DG1, DG2, DG13, DG14, DG15) and the checks that
// prove the data genuine: passive authentication against a CSCA trust store,
// active authentication with the DG15 key, chip authentication from DG14.
//
// One protocol step per file, each with its known-answer tests beside it
// (the ICAO worked examples, or answers computed apart by
// testdata/gen-kat.sh):
//
//	apdu.go     commands, status words, errors; Link: GET RESPONSE, 6Cxx, the watchdog
//	sm.go       secure messaging: never falls back to plain text once started
//	files.go    SELECT and READ BINARY (short EF identifier, else SELECT)
//	bac.go      Basic Access Control        pace.go      PACE, ECDH generic mapping
//	access.go   which access control, restarted once when a chip drops the channel
//	chipauth.go chip authentication (passes on a verified answer under its keys)
//	active.go   active authentication (ISO/IEC 9796-2 RSA, ECDSA)
//	passive.go  EF.SOD: signature, hashes, chain to a CSCA when the data were signed
//	trust.go    CSCA certificates, ICAO master lists, CRLs
//	dg13.go     the Vietnamese data, by item number in any nesting
//	mrzmatch.go DG13 against DG1's MRZ      lds.go, securityinfos.go: the other files
//	result.go   states, verdict, the counter's policy (Receivable)
//	messages.go what the clerk is told, by access method and status word
//	read.go     Read: orchestrates the steps, nothing more
//
// The transport is an interface: PC/SC readers through ebfe/scard (pcsc.go),
// or the chip emulator of lookups/card/cardsim in-process. The chip's side of
// every protocol lives in cardsim and is written separately, so the two are
// tested against each other; a small BAC chip written apart in the tests
// (fakechip_test.go) checks secure messaging against a third implementation.
//
// Nothing here logs card data: the optional APDU trace writes command
// headers and status words only, Options.Log causes only.
package card
