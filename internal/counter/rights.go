package counter

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"motcua/offline"
)

// Action is something done through the counter's use cases. Every use case asks the rights
// table below whether the acting operator may do it, so that the TUI, the commands and any
// later front end get the same answer.
type Action string

// The actions of the rights table.
const (
	ActLookup        Action = "lookup"         // look a citizen up (gateway, or the cache when offline)
	ActSeeSensitive  Action = "see-sensitive"  // ethnicity and religion shown (NĐ 356/2025: sensitive data)
	ActCacheWrite    Action = "cache-write"    // a look-up is kept in the offline cache
	ActCardRead      Action = "card-read"      // read a chip ID card
	ActReceive       Action = "receive"        // receive a dossier (counter screen, dossier submit)
	ActBatchRun      Action = "batch-run"      // receive the rows of a table
	ActReconcile     Action = "reconcile"      // check a list against the population database
	ActDossierList   Action = "dossier-list"   // codes, states, services, times: no personal data
	ActDossierShow   Action = "dossier-show"   // a dossier with its personal data
	ActReceiptPrint  Action = "receipt-print"  // reprint a kept receipt, or write it to a file
	ActPrintRetry    Action = "print-retry"    // print again the receipts whose printing failed
	ActQueueList     Action = "queue-list"     // the outbox: codes, states, reasons
	ActQueueSync     Action = "queue-sync"     // send the queued dossiers
	ActDraftOwn      Action = "draft-own"      // save, list, resume and hand off one's own drafts
	ActDraftAll      Action = "draft-all"      // the same with every operator's drafts
	ActDraftImport   Action = "draft-import"   // take a handed-off draft in
	ActCacheStats    Action = "cache-stats"    // counts and sizes of the cache
	ActCacheSweep    Action = "cache-sweep"    // remove expired look-ups
	ActCachePurge    Action = "cache-purge"    // remove every cached look-up (every operator's)
	ActOperatorList  Action = "operator-list"  // IDs, names, roles
	ActOwnPassphrase Action = "own-passphrase" // change one's own passphrase
	ActOperators     Action = "operators"      // add, disable, enable operators; reset another's passphrase
	ActKeyFiles      Action = "key-files"      // make, list and revoke key files
	ActAuditVerify   Action = "audit-verify"   // check the audit chain (no personal data)
	ActAuditExport   Action = "audit-export"   // export the audit log

	// The dossier's life after reception (workflow.go, reception.go, results.go, book.go).
	ActDossierStatus Action = "dossier-status" // a dossier's stage, history and results (asks the gateway)
	ActSupplement    Action = "supplement"     // ask for a supplement (Mẫu 02), record one received
	ActRefuse        Action = "refuse"         // refuse a dossier at reception (Mẫu 03)
	ActExtend        Action = "extend"         // apologise and set a new appointment (Mẫu 04)
	ActStop          Action = "stop"           // stop handling a dossier (Mẫu 05)
	ActWithdraw      Action = "withdraw"       // record the citizen's withdrawal
	ActReturn        Action = "return"         // hand the result over (results desk)
	ActRate          Action = "rate"           // record the citizen's rating
	ActLateWatch     Action = "late-watch"     // dossiers near or past their appointment (no personal data)
	ActBook          Action = "book"           // the dossier book (Mẫu 07) and its export, with names

	// The leadership's reports (internal/reports): figures over the whole ward, look-ups by
	// operator; no personal data, supervisor only.
	ActReport Action = "report"
	// Copy certification (certify.go).
	ActCertify      Action = "certify"       // certify copies: take register numbers, print blocks and the fee receipt
	ActCertRegister Action = "cert-register" // the certification register and its export, with names and IDs
)

// Actions lists every action, in the table's order.
var Actions = []Action{ActLookup, ActSeeSensitive, ActCacheWrite, ActCardRead, ActReceive, ActBatchRun,
	ActReconcile, ActDossierList, ActDossierShow, ActReceiptPrint, ActPrintRetry, ActQueueList, ActQueueSync,
	ActDraftOwn, ActDraftAll, ActDraftImport, ActCacheStats, ActCacheSweep, ActCachePurge, ActOperatorList,
	ActOwnPassphrase, ActOperators, ActKeyFiles, ActAuditVerify, ActAuditExport,
	ActDossierStatus, ActSupplement, ActRefuse, ActExtend, ActStop, ActWithdraw, ActReturn, ActRate, ActLateWatch, ActBook, ActReport,
	ActCertify, ActCertRegister}

// The rights table: what each role may do. People's roles first (a clerk serves and
// receives; a volunteer prepares declarations, sees sensitive data masked and leaves no
// cached look-ups; a supervisor also manages operators and key files, exports the audit log
// and reconciles lists), then the roles of key files, for unattended work: never operator
// management, key files, audit export or reconciliation.
var rights = map[string][]Action{
	offline.RoleSupervisor: Actions,
	offline.RoleClerk: {ActLookup, ActSeeSensitive, ActCacheWrite, ActCardRead, ActReceive, ActBatchRun,
		ActDossierList, ActDossierShow, ActReceiptPrint, ActPrintRetry, ActQueueList, ActQueueSync,
		ActDraftOwn, ActDraftAll, ActDraftImport, ActCacheStats, ActCacheSweep, ActCachePurge,
		ActOperatorList, ActOwnPassphrase, ActAuditVerify, ActDossierStatus, ActSupplement, ActRefuse, ActExtend, ActStop,
		ActWithdraw, ActReturn, ActRate, ActLateWatch, ActBook, ActCertify, ActCertRegister},
	offline.RoleVolunteer: {ActLookup, ActCardRead, ActDossierList, ActQueueList, ActQueueSync,
		ActDraftOwn, ActCacheStats, ActCacheSweep, ActOperatorList, ActOwnPassphrase, ActAuditVerify},

	keyRole(offline.KeyRoleSync): {ActDossierList, ActQueueList, ActQueueSync, ActPrintRetry, ActCacheSweep,
		ActAuditVerify},
	keyRole(offline.KeyRoleReception): {ActLookup, ActSeeSensitive, ActCacheWrite, ActReceive, ActBatchRun,
		ActDossierList, ActQueueList, ActCacheSweep, ActAuditVerify},
	keyRole(offline.KeyRoleSyncReception): {ActLookup, ActSeeSensitive, ActCacheWrite, ActReceive, ActBatchRun,
		ActDossierList, ActQueueList, ActQueueSync, ActPrintRetry, ActCacheSweep, ActAuditVerify},
	// a clerk's rights but the passphrase: a key file has none
	keyRole(offline.KeyRoleClerk): {ActLookup, ActSeeSensitive, ActCacheWrite, ActCardRead, ActReceive, ActBatchRun,
		ActDossierList, ActDossierShow, ActReceiptPrint, ActPrintRetry, ActQueueList, ActQueueSync,
		ActDraftOwn, ActDraftAll, ActDraftImport, ActCacheStats, ActCacheSweep, ActCachePurge,
		ActOperatorList, ActAuditVerify, ActDossierStatus, ActSupplement, ActRefuse, ActExtend, ActStop,
		ActWithdraw, ActReturn, ActRate, ActLateWatch, ActBook, ActCertify, ActCertRegister},
}

// keyRole names a key file's role in the rights table (a key file's "clerk" is not a person).
func keyRole(r string) string { return "keyfile:" + r }

// Allows reports whether role (an operator's role, or "keyfile:" and a key file's role) may
// do a.
func Allows(role string, a Action) bool { return slices.Contains(rights[role], a) }

// ErrForbidden says the acting operator (or key file) may not do this; the error is a
// *ForbiddenError.
var ErrForbidden = errors.New("counter: not allowed")

// ErrNotHolder says a use case was asked for an operator other than the one who unlocked the store.
var ErrNotHolder = errors.New("counter: the operator named is not the one who unlocked the store")

// ForbiddenError says which role lacks an action.
type ForbiddenError struct {
	Action   Action
	Operator string // who acts: an operator ID, or "keyfile:<id>"
	Role     string // the role that does not allow it
	KeyFile  bool   // Role is the key file's
}

func (e *ForbiddenError) Error() string {
	kind := "role"
	if e.KeyFile {
		kind = "key file role"
	}
	return fmt.Sprintf("counter: %s may not %s (%s %s)", e.Operator, e.Action, kind, e.Role)
}

// Is makes a volunteer's reception ErrVolunteer, and every refusal ErrForbidden.
func (e *ForbiddenError) Is(target error) bool {
	return target == ErrForbidden || target == ErrVolunteer && e.Action == ActReceive && e.Role == offline.RoleVolunteer && !e.KeyFile
}

// guard answers who acts through a store and what they may do. Rights come from the store's
// authenticated records, never from the caller's word: the operator who unlocked the store
// with a passphrase has that operator's role; a key file has its own role and, when it acts
// for a named operator, only what both roles allow. An unencrypted store (tests, before
// Init) authenticates nobody: the caller's Operator.Role counts there, a clerk's when empty.
type guard struct {
	store *offline.Store
	mu    sync.Mutex
	ops   map[string]offline.Operator // operator records read for a key file's session
}

func newGuard(store *offline.Store) *guard {
	return &guard{store: store, ops: map[string]offline.Operator{}}
}

// operator reads (once per session) the authenticated record of an operator a key file acts
// for: unknown or disabled operators are refused.
func (g *guard) operator(id string) (offline.Operator, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if op, ok := g.ops[id]; ok {
		return op, nil
	}
	ops, err := g.store.Operators()
	if err != nil {
		return offline.Operator{}, err
	}
	for _, o := range ops {
		if o.ID != id {
			continue
		}
		if o.Disabled {
			return o, fmt.Errorf("%w: %s", offline.ErrOperatorDisabled, id)
		}
		g.ops[id] = o
		return o, nil
	}
	return offline.Operator{}, fmt.Errorf("%w: %s", offline.ErrNoOperator, id)
}

// Who returns the operator acting through the store when a front end names id ("" for none):
// after a passphrase unlock, the operator who unlocked it (id must be that operator or
// empty); after a key-file unlock, the operator id names (who must exist and be enabled),
// carrying the key file's role in KeyRole, or the key file itself ("keyfile:<id>") when id
// is empty.
func (g *guard) Who(id string) (Operator, error) {
	h := g.store.Holder()
	switch {
	case h.KeyFile != "":
		if id == "" || id == g.store.Actor() {
			return Operator{ID: g.store.Actor(), Name: g.store.Actor(), KeyRole: h.KeyRole}, nil
		}
		o, err := g.operator(id)
		if err != nil {
			return Operator{}, err
		}
		return Operator{ID: o.ID, Name: o.Name, Role: o.Role, KeyRole: h.KeyRole}, nil
	case h.Operator.ID != "":
		if id != "" && id != h.Operator.ID {
			return Operator{}, fmt.Errorf("%w: %s, not %s", ErrNotHolder, h.Operator.ID, id)
		}
		return Operator{ID: h.Operator.ID, Name: h.Operator.Name, Role: h.Operator.Role}, nil
	}
	return Operator{ID: id, Name: id, Role: offline.RoleClerk}, nil
}

// roles returns the roles whose rights op has (all must allow an action), key file's first,
// and the ID that acts.
func (g *guard) roles(op Operator) (roles []string, actor string, keyFile bool, err error) {
	h := g.store.Holder()
	switch {
	case h.KeyFile != "":
		roles = []string{keyRole(h.KeyRole)}
		actor = g.store.Actor()
		if op.ID != "" && op.ID != actor {
			o, err := g.operator(op.ID)
			if err != nil {
				return nil, op.ID, true, err
			}
			roles, actor = append(roles, o.Role), o.ID
		}
		return roles, actor, true, nil
	case h.Operator.ID != "":
		if op.ID != "" && op.ID != h.Operator.ID {
			return nil, op.ID, false, fmt.Errorf("%w: %s, not %s", ErrNotHolder, h.Operator.ID, op.ID)
		}
		return []string{h.Operator.Role}, h.Operator.ID, false, nil
	}
	r := op.Role
	if r == "" {
		r = offline.RoleClerk
	}
	return []string{r}, op.ID, false, nil
}

// Allow returns nil when op (the zero Operator: whoever unlocked the store) may do a, else
// a *ForbiddenError (or the reason op is not a valid operator here).
func (g *guard) Allow(op Operator, a Action) error {
	roles, actor, keyFile, err := g.roles(op)
	if err != nil {
		return err
	}
	for i, r := range roles {
		if !Allows(r, a) {
			isKey := keyFile && i == 0
			return &ForbiddenError{Action: a, Operator: actor, Role: strings.TrimPrefix(r, "keyfile:"), KeyFile: isKey}
		}
	}
	return nil
}

// can is Allow as a yes or no (an invalid operator can do nothing).
func (g *guard) can(op Operator, a Action) bool { return g.Allow(op, a) == nil }

// RoleLabel is a role's Vietnamese name.
func RoleLabel(r string) string {
	switch r {
	case offline.RoleSupervisor:
		return "giám sát"
	case offline.RoleClerk:
		return "cán bộ một cửa"
	case offline.RoleVolunteer:
		return "tình nguyện viên"
	case offline.KeyRoleSync:
		return "đồng bộ hàng đợi"
	case offline.KeyRoleReception:
		return "tiếp nhận tự động"
	case offline.KeyRoleSyncReception:
		return "đồng bộ và tiếp nhận tự động"
	}
	return r
}

var actionLabels = map[Action]string{
	ActLookup: "Tra cứu công dân", ActSeeSensitive: "Xem dân tộc, tôn giáo", ActCacheWrite: "Lưu tạm kết quả tra cứu",
	ActCardRead: "Đọc thẻ căn cước", ActReceive: "Tiếp nhận hồ sơ", ActBatchRun: "Nhập hồ sơ hàng loạt",
	ActReconcile: "Đối chiếu danh sách", ActDossierList: "Liệt kê hồ sơ", ActDossierShow: "Xem hồ sơ",
	ActReceiptPrint: "In lại giấy biên nhận", ActPrintRetry: "In lại biên nhận đang chờ", ActQueueList: "Xem hàng đợi gửi",
	ActQueueSync: "Gửi hồ sơ trong hàng đợi", ActDraftOwn: "Làm việc với tờ khai soạn dở",
	ActDraftAll: "Mở tờ khai soạn dở của cán bộ khác", ActDraftImport: "Nhận tờ khai bàn giao",
	ActCacheStats: "Xem thống kê bản lưu tạm", ActCacheSweep: "Xóa bản lưu tạm hết hạn", ActCachePurge: "Xóa mọi bản lưu tạm",
	ActOperatorList: "Liệt kê cán bộ", ActOwnPassphrase: "Đổi mật khẩu", ActOperators: "Quản lý cán bộ",
	ActKeyFiles: "Quản lý tệp khóa", ActAuditVerify: "Kiểm tra nhật ký", ActAuditExport: "Xuất nhật ký",
	ActDossierStatus: "Xem tình trạng giải quyết hồ sơ", ActSupplement: "Yêu cầu, nhận bổ sung hồ sơ",
	ActRefuse: "Từ chối tiếp nhận hồ sơ", ActExtend: "Xin lỗi và hẹn lại ngày trả kết quả", ActStop: "Dừng giải quyết hồ sơ",
	ActWithdraw: "Ghi nhận rút hồ sơ", ActReturn: "Trả kết quả", ActRate: "Ghi đánh giá của công dân",
	ActLateWatch: "Theo dõi hồ sơ sắp đến hạn, quá hạn", ActBook: "Sổ theo dõi hồ sơ",
	ActReport:  "Xem, xuất báo cáo thống kê",
	ActCertify: "Chứng thực bản sao", ActCertRegister: "Sổ chứng thực",
}

// ActionLabel is an action's Vietnamese name.
func ActionLabel(a Action) string {
	if l, ok := actionLabels[a]; ok {
		return l
	}
	return string(a)
}

// peopleAllowed names, in Vietnamese, the people's roles that may do a.
func peopleAllowed(a Action) string {
	var out []string
	for _, r := range []string{offline.RoleClerk, offline.RoleVolunteer, offline.RoleSupervisor} {
		if Allows(r, a) {
			out = append(out, RoleLabel(r))
		}
	}
	return strings.Join(out, " hoặc ")
}

// forbiddenMessage is the Vietnamese message of a refusal: what was refused, why, what to do.
func forbiddenMessage(e *ForbiddenError) string {
	if e.KeyFile {
		return fmt.Sprintf("%s không làm được bằng tệp khóa (tệp khóa có quyền %s). Hãy đăng nhập bằng mã và mật khẩu của cán bộ có quyền %s.",
			ActionLabel(e.Action), RoleLabel(e.Role), peopleAllowed(e.Action))
	}
	return fmt.Sprintf("%s cần quyền %s; cán bộ %s có quyền %s.", ActionLabel(e.Action), peopleAllowed(e.Action), e.Operator, RoleLabel(e.Role))
}
