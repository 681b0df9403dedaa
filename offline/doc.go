// Package offline owns the local bbolt store of a counter: the look-up cache with a time limit,
// dossiers, drafts and receipts sealed with AES-256-GCM under a data key wrapped per operator
// (argon2id) or key file, the per-day dossier sequence, and the hash-chained audit log.
// It also owns the per-directory counter lock. It knows nothing about screens. See SECURITY.md.
package offline
