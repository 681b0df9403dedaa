// Package printing owns the receipt given to the citizen at the counter ("Giấy tiếp nhận hồ sơ và
// hẹn trả kết quả", Mẫu số 01, TT 01/2018/TT-VPCP): its A4 PDF layout, the Vietnamese date wording,
// and the printer backends (the file backend now; IPP/CUPS and ESC/POS raster come later).
package printing
