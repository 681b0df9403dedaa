// Package offline owns the local bbolt store of a counter: the look-up cache with a time limit,
// dossiers and their receipts, the per-day dossier sequence and the access log, all personal data
// passing through one Sealer. It also owns the per-directory counter lock. It knows nothing about screens.
package offline
