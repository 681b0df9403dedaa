// Package reports computes the ward leadership's figures for a period (issue 15): dossiers by
// service and by channel, settled early / on time / late, pending within / past their deadline,
// supplements, refusals, stops, withdrawals, satisfaction, look-ups of the population database by
// purpose and operator, the Đề án 06 shares (residence from the database without residence
// papers, identity checked by chip, service from the cache while the link was down) and the time
// at the counter. It reads the local store only — this counter's dossiers and the ward's list
// synced from the gateway (offline.Tx.ScanLifeFacts), the reception slips and the access log's
// running counts — so a ward's year computes in a fraction of a second; Compute may first pull
// the ward's list. The use case checks the supervisor's right (counter.ActReport). It writes
// the report as text, JSON, an XLSX workbook with native charts, and an A4 PDF (printing).
// docs/REPORTS.md says what each figure counts.
package reports
