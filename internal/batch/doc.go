// Package batch is the engine of `motcua batch run` and `batch template`: bulk entry of
// dossiers from a table (CSV, JSON Lines, XLSX read by internal/batchio), each row going
// the counter's way (look-up, prefill, values, validation, code, save with the outbox,
// send, receipt) through the counter's use cases, under their rights.
//
// Rows are taken in groups (GroupSize, in the file's order): the group's persons are looked
// up with the gateway's batch look-up (counter.Service.FillGroup), its rows are received in
// one unit of work (counter.Service.ReceiveGroup: one fsync for the group), sent, and their
// receipts rendered in parallel and kept; then the rows are reported, in the file's order,
// and the receipts streamed into the run's PDF (printing.BatchWriter) while the next group
// is worked on. A row is reported received only once its group has committed.
//
// Exactly once: each row's key (the SHA-256 of its non-empty template cells) is the
// reception's idempotency key (counter.ReceiveOptions.Key), committed with its dossier. A
// rerun of the same file (after a kill at any point, or a --limit) skips the rows whose key
// was received, and keeps the receipts such a killed run did not; two identical rows make
// one dossier. Checkpoints written by runs before this engine ("batch/v1/<service>" marks,
// with "pending:" marks of rows a killed run had started) are honoured.
package batch
