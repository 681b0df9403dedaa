package main

import (
	"fmt"
	"strings"

	"motcua/offline"
)

// printRotation tells the supervisor what the data key rotation of a revoke or disable did:
// data written from now on needs the new key, and who could not be reached by it.
func (a *app) printRotation(s *offline.Store) {
	r := s.LastRotation()
	if r == nil {
		return
	}
	fmt.Fprintf(a.stdout, "Đã đổi khóa dữ liệu (lần %d): %d hồ sơ, biên nhận, bản nháp đã được mã hóa lại; "+
		"dữ liệu ghi từ nay không mở được bằng tệp khóa hay mật khẩu đã thu hồi, kể cả với bản sao cũ của kho. "+
		"Bản lưu tạm tra cứu đã được xóa (sẽ tra cứu lại từ cổng dữ liệu).\n", r.Generation, r.Resealed)
	if len(r.LostOperators) > 0 {
		fmt.Fprintf(a.stdout, "Cán bộ chưa đăng nhập từ khi nâng cấp, chưa nhận được khóa mới: %s. "+
			"Giám sát đặt lại mật khẩu cho từng người: motcua operator passphrase MÃ\n", strings.Join(r.LostOperators, ", "))
	}
	if len(r.LostKeyFiles) > 0 {
		fmt.Fprintf(a.stdout, "Tệp khóa chưa dùng từ khi nâng cấp, không còn mở được kho: %s. "+
			"Hãy tạo tệp khóa mới: motcua operator keyfile ĐƯỜNG_DẪN\n", strings.Join(r.LostKeyFiles, ", "))
	}
	if r.Unreadable > 0 {
		fmt.Fprintf(a.stdout, "%d bản ghi không đọc được từ trước, để nguyên. Báo quản trị viên.\n", r.Unreadable)
	}
}
