package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"motcua/internal/counter"
	"motcua/lookups/gateway"
	"motcua/offline"
)

// verifyAudit checks the audit chain, the local anchor file and, when a gateway is
// configured, the head anchored upstream. When the upstream head cannot be checked it says so
// on stderr (the local checks still count).
func (a *app) verifyAudit(ctx context.Context, e *env, op counter.Operator, quiet bool) (offline.AuditReport, error) {
	if e.svc == nil {
		return e.office.VerifyAudit(op)
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	rep, upstream, err := e.svc.VerifyAuditAnchored(ctx, op)
	switch {
	case upstream == nil || quiet || errors.Is(upstream, counter.ErrNoAnchoring):
	case errors.Is(upstream, counter.ErrNotAnchored):
		fmt.Fprintln(a.stderr, "Cổng dữ liệu chưa giữ mốc nhật ký nào của kho này (chưa đồng bộ lần nào: motcua queue sync); "+
			"mới đối chiếu mốc lưu trong máy.")
	default:
		fmt.Fprintln(a.stderr, "Chưa đối chiếu được với mốc nhật ký trên cổng dữ liệu ("+gateway.ClerkMessage(upstream)+
			"); mới đối chiếu mốc lưu trong máy.")
	}
	if err == nil && rep.Anchored > 0 && !quiet {
		fmt.Fprintf(a.stdout, "Khớp mốc nhật ký đã gửi lên cổng dữ liệu (mục số %d).\n", rep.Anchored)
	}
	return rep, err
}

// rollbackMessage says that the log was put back to an older copy, and which witness shows it.
func rollbackMessage(rep offline.AuditReport) string {
	where := "với cổng dữ liệu"
	if rep.Witness == "local" {
		where = "trong tệp mốc " + offline.AnchorFileName + " của máy"
	}
	return fmt.Sprintf("Nhật ký truy cập KHÔNG toàn vẹn: đã bị đưa về một bản cũ. Mục số %d đã được xác nhận %s, "+
		"nay trong nhật ký không còn hoặc đã khác. Báo ngay cho giám sát, không sửa gì thêm.", rep.FirstBad, where)
}
