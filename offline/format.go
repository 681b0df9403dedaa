package offline

import (
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// The format version of a store is one byte in the meta bucket (metaFormat). It says what a
// program must know to read the store and to write into it without leaving a part of it
// behind (an index it does not know it must keep):
//
//	1  the access log without a hash chain (a store with no version byte is version 1, or new).
//	2  the access log is a hash chain under the audit key (rechainAudit). The compact copy of
//	   the life index (life_facts, lifefacts.go, complete when its mark in life_marks is set)
//	   came later without a version of its own: a store of version 2 may have it.
//	3  the indexes by reception time (dossier_received, life_received) are complete, marked by
//	   metaReceivedIndex, and every write of a dossier or life entry keeps them and the compact
//	   life copy (received.go). The release that introduced them wrote version 2 with the mark:
//	   such a store counts as version 3 (formatOf) and gets the byte at its next open.
//
// Every program writes formatVersion when it creates a store and raises an older store to it
// in the unit of work that migrates it (upgradeFormat: Open, Init, Unlock, UnlockWithKeyFile).
// A program refuses, in every unit of work and before it writes anything, a store whose
// version is higher than the one it knows (ErrStoreTooNew): an older program would read it
// wrongly or leave its newer parts stale. Programs before version 3 refused a higher version
// in Open and Init (unencrypted stores) only, not in Unlock.
//
// Raise formatVersion, add its line above and its step to upgradeFormat whenever a change
// means an older program must no longer write into (or read) the store. The value is one
// byte; any other length is refused as written by a newer program.
const formatVersion = 3

// formatAuditChain is the first version whose access log is a hash chain.
const formatAuditChain = 2

// ErrStoreTooNew is returned when the data file was written by a newer version of motcua, whose
// format version this program does not know. Nothing is written into the file. ClerkMessage
// says in Vietnamese to update the program.
var ErrStoreTooNew = errors.New("offline: data file written by a newer version of motcua")

// formatOf returns the format version of a store from its meta bucket: the version byte, or
// 3 for a version 2 store whose indexes by reception time are marked complete, or 1 for a
// store without a byte. A version this program does not know gives ErrStoreTooNew.
func formatOf(meta *bolt.Bucket, path string) (byte, error) {
	v := meta.Get(metaFormat)
	switch {
	case v == nil:
		return 1, nil
	case len(v) != 1:
		return 0, fmt.Errorf("%w: %s has a %d-byte format version, this program knows one byte up to %d", ErrStoreTooNew, path, len(v), formatVersion)
	case v[0] > formatVersion:
		return 0, fmt.Errorf("%w: %s has format version %d, this program knows up to %d", ErrStoreTooNew, path, v[0], formatVersion)
	case v[0] == formatAuditChain && receivedIndexesBuilt(meta):
		return 3, nil
	case v[0] == 0:
		return 1, nil
	}
	return v[0], nil
}

// formatCurrent reports whether the store holds the byte of formatVersion: nothing to migrate.
func formatCurrent(meta *bolt.Bucket) bool {
	v := meta.Get(metaFormat)
	return len(v) == 1 && v[0] == formatVersion
}

// upgradeFormat brings the store to formatVersion in the caller's (writable) unit of work, one
// step after the other from the version it holds, and writes formatVersion; it writes nothing
// when the store is current and its indexes are marked complete. auditKey is the key the access
// log is chained under (the step to version 2 chains a version 1 log as it is).
func (t *Tx) upgradeFormat(auditKey []byte) error {
	meta, err := t.bucket(bucketMeta)
	if err != nil {
		return err
	}
	v, err := formatOf(meta, t.s.path)
	if err != nil {
		return err
	}
	if v < formatAuditChain {
		// Version 1 entries carry no chain: they are chained as they are, once.
		if err := rechainAudit(t, auditKey); err != nil {
			return err
		}
	}
	// To version 3; also rebuilds indexes whose mark went missing (a no-op when marked).
	if err := t.buildReceivedIndexes(); err != nil {
		return err
	}
	if formatCurrent(meta) {
		return nil
	}
	if err := meta.Put(metaFormat, []byte{formatVersion}); err != nil {
		return fmt.Errorf("offline: writing format version: %w", err)
	}
	return nil
}
