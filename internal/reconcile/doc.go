// Package reconcile checks list records (ID, name, birth date, address) against
// the population database through the gateway's batch look-up, and reports a
// verdict per field, never the database's own values; it streams, in order.
package reconcile
