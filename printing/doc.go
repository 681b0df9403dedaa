// Package printing owns what is printed at the counter: the receipt given to the citizen
// ("Giấy tiếp nhận hồ sơ và hẹn trả kết quả", Mẫu 01), its PDF layouts and the thermal
// raster layout, the other one-stop forms of TT 03/2025/TT-VPCP Phụ lục I (02 supplement
// slip, 03 refusal, 04 apology and extension, 05 stop notice, 06 processing-control sheet,
// 07 dossier book; forms.go), the Vietnamese date wording, and the printer backends (PDF
// folder, IPP/CUPS, ESC/POS). The PDF forms share one page machinery (sheet.go, table.go):
// letterhead, fields, tables with repeated headers, signature blocks, QR codes, page numbers.
//
// fpdf lays the PDF forms out; this package writes the files (pdfdoc.go): the faces are parsed
// once per process into prototype documents whose templates draw the forms, and each file
// embeds the faces subset to the characters its pages show (pdffont.go). The QR codes are
// encoded by qrcode.go, boombuler's symbols at a fifth of the cost. Documents are independent
// of each other and may be rendered concurrently; a batch draws its receipts in parallel.
package printing
