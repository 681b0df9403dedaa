package printing

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	ipp "github.com/phin1x/go-ipp"
)

// fakeIPP is an IPP endpoint that decodes each request with go-ipp and answers from its
// fields: enough to check what IPPPrinter sends and how it words each answer.
type fakeIPP struct {
	httpStatus int
	ippStatus  int16
	state      int
	reasons    string
	accepting  bool
	delay      time.Duration

	gotOp     int16
	gotFormat string
	gotURI    string
	gotDoc    []byte
	headErr   error
}

// naturalLanguageRE is RFC 8011's naturalLanguage: RFC 5646 tags in lower case.
var naturalLanguageRE = regexp.MustCompile(`^[a-z]{2,8}(-[a-z0-9]{1,8})*$`)

// checkIPPHead reads the first three operation attributes of a raw IPP request (RFC 8010
// §3.1: version, operation, request id, then tag 0x01 and attributes) and checks them.
func checkIPPHead(raw []byte) error {
	if len(raw) < 9 || raw[8] != 0x01 {
		return errors.New("no operation-attributes group")
	}
	p := raw[9:]
	next := func() (tag byte, name, value string, err error) {
		if len(p) < 3 {
			return 0, "", "", errors.New("short attribute")
		}
		tag = p[0]
		nl := int(p[1])<<8 | int(p[2])
		if len(p) < 3+nl+2 {
			return 0, "", "", errors.New("short attribute name")
		}
		name = string(p[3 : 3+nl])
		vl := int(p[3+nl])<<8 | int(p[4+nl])
		if len(p) < 5+nl+vl {
			return 0, "", "", errors.New("short attribute value")
		}
		value = string(p[5+nl : 5+nl+vl])
		p = p[5+nl+vl:]
		return tag, name, value, nil
	}
	want := []struct {
		tag  byte
		name string
	}{{0x47, "attributes-charset"}, {0x48, "attributes-natural-language"}, {0x45, "printer-uri"}}
	for i, w := range want {
		tag, name, value, err := next()
		if err != nil {
			return err
		}
		if tag != w.tag || name != w.name {
			return fmt.Errorf("attribute %d is %q (tag %#x), want %q", i+1, name, tag, w.name)
		}
		switch {
		case i == 0 && value != "utf-8":
			return fmt.Errorf("bad attributes-charset %q", value)
		case i == 1 && !naturalLanguageRE.MatchString(value):
			return fmt.Errorf("bad \"attributes-natural-language\" value %q", value)
		}
	}
	return nil
}

func (f *fakeIPP) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if f.delay > 0 {
		select {
		case <-time.After(f.delay):
		case <-r.Context().Done():
			return
		}
	}
	if f.httpStatus != 0 {
		w.WriteHeader(f.httpStatus)
		return
	}
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var doc bytes.Buffer
	req, err := ipp.NewRequestDecoder(bytes.NewReader(raw)).Decode(&doc)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	// Like CUPS 2.4.2-3+deb12u11: the first attributes must be charset, a lower-case
	// natural language, then the target.
	if err := checkIPPHead(raw); err != nil {
		f.headErr = err
		b, _ := ipp.NewResponse(0x0400, req.RequestId).Encode()
		w.Header().Set("Content-Type", ipp.ContentTypeIPP)
		_, _ = w.Write(b)
		return
	}
	f.gotOp, f.gotDoc = req.Operation, doc.Bytes()
	f.gotFormat, _ = req.OperationAttributes[ipp.AttributeDocumentFormat].(string)
	f.gotURI, _ = req.OperationAttributes[ipp.AttributePrinterURI].(string)
	resp := ipp.NewResponse(f.ippStatus, req.RequestId)
	if f.ippStatus == ipp.StatusOk {
		switch req.Operation {
		case ipp.OperationGetPrinterAttributes:
			resp.PrinterAttributes = []ipp.Attributes{{
				ipp.AttributePrinterState:           {{Value: f.state}},
				ipp.AttributePrinterStateReasons:    {{Value: f.reasons}},
				ipp.AttributePrinterIsAcceptingJobs: {{Value: f.accepting}},
			}}
		case ipp.OperationPrintJob:
			resp.JobAttributes = []ipp.Attributes{{ipp.AttributeJobID: {{Value: 42}}}}
		}
	}
	b, err := resp.Encode()
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", ipp.ContentTypeIPP)
	_, _ = w.Write(b)
}

func TestIPPPrintSendsPDF(t *testing.T) {
	f := &fakeIPP{state: int(ipp.PrinterStateIdle), reasons: "none", accepting: true}
	srv := httptest.NewServer(f)
	defer srv.Close()
	p, err := NewIPPPrinter(srv.URL+"/printers/quay-1", IPPOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pdf := []byte("%PDF-1.7 synthetic receipt\n%%EOF\n")
	if err := p.Print(context.Background(), Job{DossierCode: "G22.99.08-261123-0004", PDF: pdf}); err != nil {
		t.Fatalf("Print: %v (request head: %v)", err, f.headErr)
	}
	if f.gotOp != ipp.OperationPrintJob || f.gotFormat != "application/pdf" || !bytes.Equal(f.gotDoc, pdf) {
		t.Fatalf("server got op %#x format %q doc %q", f.gotOp, f.gotFormat, f.gotDoc)
	}
	wantURI := "ipp://" + strings.TrimPrefix(srv.URL, "http://") + "/printers/quay-1"
	if f.gotURI != wantURI || p.Name() != wantURI {
		t.Fatalf("printer-uri %q, name %q, want %q", f.gotURI, p.Name(), wantURI)
	}
	if err := p.Status(context.Background()); err != nil {
		t.Fatalf("Status of an idle printer: %v", err)
	}
}

func TestIPPErrors(t *testing.T) {
	pdf := []byte("%PDF-1.7\n")
	cases := []struct {
		name   string
		f      fakeIPP
		status bool // check Status rather than Print
		clerk  string
	}{
		{"out of paper", fakeIPP{state: int(ipp.PrinterStateStopped), reasons: "media-empty-error", accepting: true}, true, "hết giấy"},
		{"paper jam", fakeIPP{state: int(ipp.PrinterStateStopped), reasons: "media-jam", accepting: true}, true, "kẹt giấy"},
		{"warning only", fakeIPP{state: int(ipp.PrinterStateIdle), reasons: "toner-low-warning", accepting: true}, true, ""},
		{"stopped", fakeIPP{state: int(ipp.PrinterStateStopped), reasons: "none", accepting: true}, true, "đang tạm dừng"},
		{"not accepting", fakeIPP{state: int(ipp.PrinterStateIdle), reasons: "none", accepting: false}, true, "không nhận lệnh in"},
		{"unknown reason", fakeIPP{state: int(ipp.PrinterStateIdle), reasons: "spool-area-full", accepting: true}, true, "spool-area-full"},
		{"http 401", fakeIPP{httpStatus: http.StatusUnauthorized}, false, "từ chối quyền in"},
		{"http 500", fakeIPP{httpStatus: http.StatusInternalServerError}, false, "trả lời không đúng"},
		{"no such queue", fakeIPP{ippStatus: ippNotFound}, false, "Không tìm thấy máy in"},
		{"pdf unsupported", fakeIPP{ippStatus: ippFormatUnsupported}, false, "không in được tệp PDF"},
		{"busy", fakeIPP{ippStatus: ippBusy}, false, "đang bận"},
		{"timeout", fakeIPP{delay: 2 * time.Second}, false, "không trả lời"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(&tc.f)
			defer srv.Close()
			p, err := NewIPPPrinter(srv.URL+"/printers/quay-1", IPPOptions{Name: "Quầy 1", Timeout: 300 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			if tc.status {
				err = p.Status(context.Background())
			} else {
				err = p.Print(context.Background(), Job{DossierCode: "X", PDF: pdf})
			}
			if tc.clerk == "" {
				if err != nil {
					t.Fatalf("want no error, got %v", err)
				}
				return
			}
			var perr *Error
			if !errors.As(err, &perr) || !strings.Contains(perr.Clerk, tc.clerk) || !strings.Contains(perr.Clerk, "Quầy 1") {
				t.Fatalf("error %v (clerk %q), want a clerk text naming the printer and containing %q", err, clerkOf(err), tc.clerk)
			}
		})
	}
}

func clerkOf(err error) string {
	var perr *Error
	if errors.As(err, &perr) {
		return perr.Clerk
	}
	return ""
}

func TestIPPRefusedConnection(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	p, err := NewIPPPrinter(url+"/printers/x", IPPOptions{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Status(context.Background()); !strings.Contains(clerkOf(err), "Không kết nối được máy in") {
		t.Fatalf("Status on a closed port: %v", err)
	}
	if err := p.Print(context.Background(), Job{DossierCode: "X"}); !strings.Contains(clerkOf(err), "rỗng") {
		t.Fatalf("Print of an empty PDF: %v", err)
	}
}

func TestNewIPPPrinterURIs(t *testing.T) {
	cases := []struct {
		in, uri string
		bad     bool
	}{
		{in: "ipp://print.example.vn/printers/quay1", uri: "ipp://print.example.vn:631/printers/quay1"},
		{in: "http://127.0.0.1:8631/printers/q", uri: "ipp://127.0.0.1:8631/printers/q"},
		{in: "ipps://[2001:db8::5]/ipp/print", uri: "ipps://[2001:db8::5]:631/ipp/print"},
		{in: "https://srv:443/printers/A%20B", uri: "ipps://srv:443/printers/A%20B"},
		{in: "lpd://srv/queue", bad: true},
		{in: "/printers/q", bad: true},
		{in: "", bad: true},
	}
	for _, tc := range cases {
		p, err := NewIPPPrinter(tc.in, IPPOptions{})
		if tc.bad {
			if clerkOf(err) == "" {
				t.Errorf("%q: want a clerk error, got %v", tc.in, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tc.in, err)
			continue
		}
		if p.URI() != tc.uri {
			t.Errorf("%q: uri %q, want %q", tc.in, p.URI(), tc.uri)
		}
	}
}
