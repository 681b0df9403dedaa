// Package fees owns the fee schedules (phí, lệ phí) of the counter's
// procedures: the dated, editable schedule file, the embedded default for
// Viet Nam (vn-fees.toml), and the amount of one unit (a copy, a case, a
// contract) for a quantity (pages, cases). Service specs compute their fees
// from it with the fee() expression function (docs/FORMS.md).
package fees
