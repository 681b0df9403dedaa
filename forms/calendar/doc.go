// Package calendar owns working days: the dated, editable holiday file
// (public holidays, bridge days off, make-up Saturdays), the embedded default
// for Viet Nam, and the appointment date of a dossier counted in working days.
package calendar
