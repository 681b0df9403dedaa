// Package card reads the chip of a Vietnamese ID card (CCCD 2021, Căn cước
// 2024) as an ICAO Doc 9303 eMRTD: access control (PACE with the CAN, BAC
// with the MRZ key as fallback), secure messaging (3DES and AES), the LDS
// files (EF.COM, EF.SOD, DG1, DG2, DG13, DG14, DG15) and the checks that
// prove the data genuine: passive authentication against a CSCA trust store,
// active authentication with the DG15 key, chip authentication from DG14.
//
// The transport is an interface: PC/SC readers through ebfe/scard (pcsc.go),
// or the chip emulator of lookups/card/cardsim in-process. The chip's side of
// every protocol lives in cardsim and is written separately, so the two are
// tested against each other and each against the ICAO worked examples.
//
// Nothing here logs card data: the optional APDU trace writes command
// headers and status words only.
package card
