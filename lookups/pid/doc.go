// Package pid owns the personal ID numbers: it validates the 12-digit
// personal ID number (số định danh cá nhân) and the old 9-digit CMND number,
// explains every problem in Vietnamese, and builds valid IDs for synthetic data.
package pid
