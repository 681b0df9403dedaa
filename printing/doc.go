// Package printing owns the receipt given to the citizen at the counter ("Giấy tiếp nhận hồ sơ và
// hẹn trả kết quả", Mẫu số 01, TT 01/2018/TT-VPCP): its PDF layouts and the thermal raster layout,
// the Vietnamese date wording, and the printer backends (PDF folder, IPP/CUPS, ESC/POS).
package printing
