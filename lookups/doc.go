// Package lookups owns where identity and resident data come from: the
// domain types (Citizen, Resident, Residence, Household, Address), the
// Source interface and the call metadata every look-up carries.
package lookups
