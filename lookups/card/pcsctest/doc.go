// Package pcsctest holds the tests of the real PC/SC path: a private pcscd
// with Debian's vsmartcard-vpcd driver, the chip emulator plugged into it
// as a virtual card, and the reader reading through ebfe/scard. They live in
// one package because the vpcd port (35963) is fixed: two packages testing
// in parallel would share it.
package pcsctest
