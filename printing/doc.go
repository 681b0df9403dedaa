// Package printing owns what is printed at the counter: the receipt given to the citizen
// ("Giấy tiếp nhận hồ sơ và hẹn trả kết quả", Mẫu 01), its PDF layouts and the thermal
// raster layout, the other one-stop forms of TT 03/2025/TT-VPCP Phụ lục I (02 supplement
// slip, 03 refusal, 04 apology and extension, 05 stop notice, 06 processing-control sheet,
// 07 dossier book; forms.go), the Vietnamese date wording, and the printer backends (PDF
// folder, IPP/CUPS, ESC/POS). The PDF forms share one page machinery (sheet.go, table.go):
// letterhead, fields, tables with repeated headers, signature blocks, QR codes, page numbers.
package printing
