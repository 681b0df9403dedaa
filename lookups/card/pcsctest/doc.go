// Package pcsctest holds the tests of the real PC/SC path: a private pcscd
// with Debian's vsmartcard-vpcd driver, the chip emulator plugged into it
// as a virtual card, and the reader reading through ebfe/scard. They live in
// one package because the vpcd port (35963) is fixed: two packages testing
// in parallel would share it. Two suites at once (two clones) take turns
// through a machine-wide lock (testenv.MachineLock), since pcscd's pid file
// and socket are machine-wide too.
package pcsctest
