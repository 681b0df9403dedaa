package printing

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	ipp "github.com/phin1x/go-ipp"
)

// naturalLanguage is the attributes-natural-language of every request. go-ipp's
// Request.Encode always sends "en-US", which current CUPS (2.4.2-3+deb12u11 and later)
// refuses with client-error-bad-request: natural-language values are lower case
// (RFC 8011 §5.1.9, RFC 5646 in its lower-case form). "en-us" is what CUPS's own
// clients send; the text we send (user and job names) is plain ASCII or UTF-8 in
// attributes whose language does not change how the printer handles them.
const naturalLanguage = "en-us"

// encodeRequest encodes an IPP request the way RFC 8011 §4.1.4 orders it:
// attributes-charset, attributes-natural-language, then the target (printer-uri), then
// the other operation attributes in a stable order, then the job and printer groups.
// It replaces go-ipp's Request.Encode only for the natural language and the order;
// the attributes themselves go through go-ipp's encoder.
func encodeRequest(r *ipp.Request) ([]byte, error) {
	var buf bytes.Buffer
	buf.Write([]byte{byte(r.ProtocolVersionMajor), byte(r.ProtocolVersionMinor),
		byte(uint16(r.Operation) >> 8), byte(r.Operation),
		byte(uint32(r.RequestId) >> 24), byte(uint32(r.RequestId) >> 16), byte(uint32(r.RequestId) >> 8), byte(r.RequestId),
		byte(ipp.TagOperation)})
	enc := ipp.NewAttributeEncoder(&buf)
	if err := enc.Encode(ipp.AttributeCharset, ipp.Charset); err != nil {
		return nil, err
	}
	if err := enc.Encode(ipp.AttributeNaturalLanguage, naturalLanguage); err != nil {
		return nil, err
	}
	group := func(attrs map[string]any, first ...string) error {
		names := make([]string, 0, len(attrs))
		for n := range attrs {
			if n != ipp.AttributeCharset && n != ipp.AttributeNaturalLanguage && !slices.Contains(first, n) {
				names = append(names, n)
			}
		}
		slices.Sort(names)
		for _, n := range append(slices.Clone(first), names...) {
			v, ok := attrs[n]
			if !ok {
				continue
			}
			if err := enc.Encode(n, v); err != nil {
				return fmt.Errorf("attribute %s: %w", n, err)
			}
		}
		return nil
	}
	if err := group(r.OperationAttributes, ipp.AttributePrinterURI, ipp.AttributeRequestingUserName); err != nil {
		return nil, err
	}
	for _, g := range []struct {
		tag   int8
		attrs map[string]any
	}{{ipp.TagJob, r.JobAttributes}, {ipp.TagPrinter, r.PrinterAttributes}} {
		if len(g.attrs) == 0 {
			continue
		}
		buf.WriteByte(byte(g.tag))
		if err := group(g.attrs); err != nil {
			return nil, err
		}
	}
	buf.WriteByte(byte(ipp.TagEnd))
	return buf.Bytes(), nil
}

// DefaultIPPTimeout bounds one IPP request (status or print) when IPPOptions.Timeout is zero.
const DefaultIPPTimeout = 30 * time.Second

// IPPOptions tune an IPPPrinter.
type IPPOptions struct {
	// Name is what the clerk sees, e.g. "Máy in tầng 1"; empty means the printer URI.
	Name string
	// User is sent as requesting-user-name; empty means "motcua".
	User string
	// Timeout bounds each request; zero means DefaultIPPTimeout.
	Timeout time.Duration
	// Client is the HTTP client to use; nil means a client of its own.
	Client *http.Client
}

// IPPPrinter prints receipt PDFs (application/pdf) on an IPP printer: a CUPS queue
// ("http://127.0.0.1:631/printers/NAME", "ipp://server/printers/NAME"), a Windows print
// server or a network printer that speaks IPP Everywhere.
type IPPPrinter struct {
	name       string
	printerURI string // ipp:// or ipps://, sent as the printer-uri attribute
	httpURL    string // where requests are POSTed
	user       string
	timeout    time.Duration
	client     *http.Client
	reqID      atomic.Int32
}

// NewIPPPrinter returns a printer for the IPP URI (ipp, ipps, http or https scheme; the
// default port is 631). It does not contact the printer: Status does.
func NewIPPPrinter(uri string, opt IPPOptions) (*IPPPrinter, error) {
	u, err := url.Parse(strings.TrimSpace(uri))
	if err != nil || u.Host == "" {
		return nil, &Error{
			Clerk: "Địa chỉ máy in IPP không hợp lệ. Sửa địa chỉ máy in trong cấu hình (ví dụ ipp://máy-chủ/printers/TÊN).",
			Err:   fmt.Errorf("ipp printer uri %q: not a URL with a host", uri),
		}
	}
	var ippScheme, httpScheme string
	switch strings.ToLower(u.Scheme) {
	case "ipp", "http":
		ippScheme, httpScheme = "ipp", "http"
	case "ipps", "https":
		ippScheme, httpScheme = "ipps", "https"
	default:
		return nil, &Error{
			Clerk: "Địa chỉ máy in phải bắt đầu bằng ipp://, ipps://, http:// hoặc https://. Sửa cấu hình máy in.",
			Err:   fmt.Errorf("ipp printer uri %q: unsupported scheme %q", uri, u.Scheme),
		}
	}
	host := u.Host
	if u.Port() == "" {
		host = net.JoinHostPort(u.Hostname(), "631")
	}
	path := u.EscapedPath()
	if path == "" {
		path = "/"
	}
	p := &IPPPrinter{
		name:       opt.Name,
		printerURI: ippScheme + "://" + host + path,
		httpURL:    httpScheme + "://" + host + path,
		user:       opt.User,
		timeout:    opt.Timeout,
		client:     opt.Client,
	}
	if p.name == "" {
		p.name = p.printerURI
	}
	if p.user == "" {
		p.user = "motcua"
	}
	if p.timeout <= 0 {
		p.timeout = DefaultIPPTimeout
	}
	if p.client == nil {
		p.client = &http.Client{}
	}
	return p, nil
}

// Name implements Printer.
func (p *IPPPrinter) Name() string { return p.name }

// URI is the printer-uri sent with each request (ipp:// or ipps://).
func (p *IPPPrinter) URI() string { return p.printerURI }

// IPPState is what Get-Printer-Attributes says about the printer.
type IPPState struct {
	State          int8     // ipp.PrinterStateIdle, ...Processing or ...Stopped
	Reasons        []string // printer-state-reasons, e.g. "media-empty-error"; "none" is dropped
	Message        string   // printer-state-message, free text from the printer
	AcceptingJobs  bool
	MakeAndModel   string
	DocumentFormat []string // document-format-supported
}

// State asks the printer for its state.
func (p *IPPPrinter) State(ctx context.Context) (IPPState, error) {
	req := ipp.NewRequest(ipp.OperationGetPrinterAttributes, p.reqID.Add(1))
	req.OperationAttributes[ipp.AttributePrinterURI] = p.printerURI
	req.OperationAttributes[ipp.AttributeRequestingUserName] = p.user
	req.OperationAttributes[ipp.AttributeRequestedAttributes] = []string{
		ipp.AttributePrinterState, ipp.AttributePrinterStateReasons, ipp.AttributePrinterStateMessage,
		ipp.AttributePrinterIsAcceptingJobs, ipp.AttributePrinterMakeAndModel, "document-format-supported",
	}
	resp, err := p.send(ctx, req, nil)
	if err != nil {
		return IPPState{}, err
	}
	if len(resp.PrinterAttributes) == 0 {
		return IPPState{}, p.fail(errors.New("get-printer-attributes: no printer attributes in response"))
	}
	a := resp.PrinterAttributes[0]
	var st IPPState
	if v, ok := first(a, ipp.AttributePrinterState).(int); ok {
		st.State = int8(v)
	}
	for _, r := range a[ipp.AttributePrinterStateReasons] {
		if s, ok := r.Value.(string); ok && s != "none" && s != "" {
			st.Reasons = append(st.Reasons, s)
		}
	}
	st.Message, _ = first(a, ipp.AttributePrinterStateMessage).(string)
	st.MakeAndModel, _ = first(a, ipp.AttributePrinterMakeAndModel).(string)
	st.AcceptingJobs = true // printers that omit the attribute take jobs
	if v, ok := first(a, ipp.AttributePrinterIsAcceptingJobs).(bool); ok {
		st.AcceptingJobs = v
	}
	for _, f := range a["document-format-supported"] {
		if s, ok := f.Value.(string); ok {
			st.DocumentFormat = append(st.DocumentFormat, s)
		}
	}
	return st, nil
}

func first(a ipp.Attributes, name string) any {
	if v := a[name]; len(v) > 0 {
		return v[0].Value
	}
	return nil
}

// Status implements Printer: nil when the printer is idle or printing, takes jobs and
// reports no error condition (reasons ending in "-report" or "-warning" do not count).
func (p *IPPPrinter) Status(ctx context.Context) error {
	st, err := p.State(ctx)
	if err != nil {
		return err
	}
	for _, r := range st.Reasons {
		if strings.HasSuffix(r, "-report") || strings.HasSuffix(r, "-warning") {
			continue
		}
		return &Error{
			Clerk: "Máy in " + p.name + ": " + reasonVI(r),
			Err:   fmt.Errorf("ipp printer %s: printer-state-reasons %s (state %d, message %q)", p.printerURI, strings.Join(st.Reasons, ","), st.State, st.Message),
		}
	}
	if st.State == ipp.PrinterStateStopped {
		return &Error{
			Clerk: "Máy in " + p.name + " đang tạm dừng. Bật lại máy in (hoặc tiếp tục hàng in) rồi in lại.",
			Err:   fmt.Errorf("ipp printer %s: printer-state stopped (message %q)", p.printerURI, st.Message),
		}
	}
	if !st.AcceptingJobs {
		return &Error{
			Clerk: "Máy in " + p.name + " đang không nhận lệnh in. Báo quản trị bật lại hàng in.",
			Err:   fmt.Errorf("ipp printer %s: printer-is-accepting-jobs false", p.printerURI),
		}
	}
	return nil
}

// reasonVI words a printer-state-reason (RFC 8011 §5.4.12) for the clerk.
func reasonVI(reason string) string {
	base := strings.TrimSuffix(reason, "-error")
	switch base {
	case "media-empty", "media-needed", "media-low":
		return "hết giấy. Nạp giấy rồi in lại."
	case "media-jam":
		return "kẹt giấy. Gỡ giấy kẹt rồi in lại."
	case "toner-empty", "marker-supply-empty", "toner-low", "marker-supply-low":
		return "hết mực. Thay mực rồi in lại."
	case "door-open", "cover-open", "interlock-open":
		return "nắp máy đang mở. Đóng nắp rồi in lại."
	case "offline", "shutdown", "connecting-to-device":
		return "đang tắt hoặc mất kết nối. Bật máy in, kiểm tra cáp rồi in lại."
	case "paused", "moving-to-paused":
		return "đang tạm dừng. Tiếp tục hàng in rồi in lại."
	default:
		return "đang báo lỗi (" + reason + "). Kiểm tra máy in rồi in lại."
	}
}

// Print implements Printer: one Print-Job request with the receipt PDF as application/pdf.
func (p *IPPPrinter) Print(ctx context.Context, job Job) error {
	if len(job.PDF) == 0 {
		return &Error{Clerk: "Giấy tiếp nhận rỗng, chưa in được. Thử in lại.", Err: errors.New("empty PDF")}
	}
	req := ipp.NewRequest(ipp.OperationPrintJob, p.reqID.Add(1))
	req.OperationAttributes[ipp.AttributePrinterURI] = p.printerURI
	req.OperationAttributes[ipp.AttributeRequestingUserName] = p.user
	req.OperationAttributes[ipp.AttributeJobName] = "Giấy tiếp nhận " + job.DossierCode
	req.OperationAttributes[ipp.AttributeDocumentFormat] = "application/pdf"
	resp, err := p.send(ctx, req, job.PDF)
	if err != nil {
		return err
	}
	if len(resp.JobAttributes) == 0 || first(resp.JobAttributes[0], ipp.AttributeJobID) == nil {
		return p.fail(errors.New("print-job: no job-id in response"))
	}
	return nil
}

// send POSTs one IPP request (with the document, if any) and decodes the answer.
func (p *IPPPrinter) send(ctx context.Context, req *ipp.Request, doc []byte) (*ipp.Response, error) {
	ctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	head, err := encodeRequest(req)
	if err != nil {
		return nil, p.fail(fmt.Errorf("encode request: %w", err))
	}
	body := append(head, doc...)
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, p.httpURL, bytes.NewReader(body))
	if err != nil {
		return nil, p.fail(err)
	}
	hreq.Header.Set("Content-Type", ipp.ContentTypeIPP)
	hresp, err := p.client.Do(hreq)
	if err != nil {
		return nil, p.netError(ctx, err)
	}
	defer hresp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(hresp.Body, 8<<20))
	if err != nil {
		return nil, p.netError(ctx, err)
	}
	switch {
	case hresp.StatusCode == http.StatusUnauthorized || hresp.StatusCode == http.StatusForbidden:
		return nil, &Error{
			Clerk: "Máy in " + p.name + " từ chối quyền in. Báo quản trị cấp quyền cho máy này.",
			Err:   fmt.Errorf("ipp %s: http %s", p.printerURI, hresp.Status),
		}
	case hresp.StatusCode == http.StatusNotFound:
		return nil, p.notFound(fmt.Errorf("ipp %s: http %s", p.printerURI, hresp.Status))
	case hresp.StatusCode != http.StatusOK:
		return nil, p.fail(fmt.Errorf("http %s", hresp.Status))
	}
	resp, err := ipp.NewResponseDecoder(bytes.NewReader(raw)).Decode(nil)
	if err != nil {
		return nil, p.fail(fmt.Errorf("decode response: %w", err))
	}
	if err := resp.CheckForErrors(); err != nil {
		return nil, p.statusError(resp.StatusCode, err)
	}
	return resp, nil
}

func (p *IPPPrinter) fail(err error) error {
	return &Error{
		Clerk: "Máy in " + p.name + " trả lời không đúng. Thử in lại; nếu vẫn lỗi, báo quản trị.",
		Err:   fmt.Errorf("ipp %s: %w", p.printerURI, err),
	}
}

func (p *IPPPrinter) notFound(err error) error {
	return &Error{
		Clerk: "Không tìm thấy máy in " + p.name + " trên máy chủ in. Kiểm tra tên máy in trong cấu hình.",
		Err:   err,
	}
}

func (p *IPPPrinter) netError(ctx context.Context, err error) error {
	wrapped := fmt.Errorf("ipp %s: %w", p.printerURI, err)
	var nerr net.Error
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded) || (errors.As(err, &nerr) && nerr.Timeout()) {
		return &Error{Clerk: "Máy in " + p.name + " không trả lời. Kiểm tra máy in đã bật và nối mạng, rồi in lại.", Err: wrapped}
	}
	if errors.Is(err, context.Canceled) {
		return wrapped
	}
	return &Error{Clerk: "Không kết nối được máy in " + p.name + ". Kiểm tra máy in đã bật và nối mạng, rồi in lại.", Err: wrapped}
}

// IPP status codes (RFC 8011 §4.1.6) the clerk gets a specific text for.
const (
	ippNotAuthenticated  = 0x0402
	ippNotAuthorized     = 0x0403
	ippNotFound          = 0x0406
	ippFormatUnsupported = 0x040a
	ippNotAccepting      = 0x0506
	ippBusy              = 0x0507
)

func (p *IPPPrinter) statusError(code int16, err error) error {
	wrapped := fmt.Errorf("ipp %s: %w", p.printerURI, err)
	switch code {
	case ippNotFound:
		return p.notFound(wrapped)
	case ippNotAuthenticated, ippNotAuthorized:
		return &Error{Clerk: "Máy in " + p.name + " từ chối quyền in. Báo quản trị cấp quyền cho máy này.", Err: wrapped}
	case ippFormatUnsupported:
		return &Error{Clerk: "Máy in " + p.name + " không in được tệp PDF. Báo quản trị chọn trình điều khiển hỗ trợ PDF.", Err: wrapped}
	case ippNotAccepting:
		return &Error{Clerk: "Máy in " + p.name + " đang không nhận lệnh in. Báo quản trị bật lại hàng in.", Err: wrapped}
	case ippBusy:
		return &Error{Clerk: "Máy in " + p.name + " đang bận. Chờ một lát rồi in lại.", Err: wrapped}
	}
	return &Error{Clerk: "Máy in " + p.name + " báo lỗi khi in. Thử in lại; nếu vẫn lỗi, báo quản trị.", Err: wrapped}
}

var _ Printer = (*IPPPrinter)(nil)
