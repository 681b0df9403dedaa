// Package forms owns the service catalog as data (embedded, versioned spec files with person
// slots, procedures and sections), the declaration a clerk fills in (persons, prefill, rows,
// addresses, calculations, relevance, validation, drafts) and the dossier that is finalized.
package forms
