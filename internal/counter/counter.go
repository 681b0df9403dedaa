package counter

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"motcua/forms"
	"motcua/forms/calendar"
	"motcua/forms/fees"
	"motcua/lookups"
	"motcua/lookups/gateway"
	"motcua/offline"
	"motcua/printing"
)

// Gateway is the part of the gateway client the counter uses.
type Gateway interface {
	lookups.Source
	Health(ctx context.Context) error
	Submit(ctx context.Context, sub gateway.Submission, idempotencyKey string, meta lookups.CallMeta) (gateway.Ack, error)
	// the dossier's life after reception (lifesync.go)
	Progress(ctx context.Context, code string, meta lookups.CallMeta) (gateway.Progress, error)
	Results(ctx context.Context, code string, meta lookups.CallMeta) (gateway.Results, error)
	AgencyDossiers(ctx context.Context, agency string, q gateway.DossierQuery, meta lookups.CallMeta) (gateway.DossierPage, error)
	PostEvent(ctx context.Context, code string, ev gateway.CounterEvent, key string, meta lookups.CallMeta) (gateway.EventAck, error)
}

// Agency is the receiving office.
type Agency struct {
	Code        string // first part of dossier codes
	Parent      string // e.g. "UBND PHƯỜNG BA ĐÌNH"
	Name        string // e.g. "BỘ PHẬN TIẾP NHẬN VÀ TRẢ KẾT QUẢ"
	Address     string
	Place       string // for the date line and "Kính gửi"
	Police      string // the commune police: addressee of residence procedures
	Clinic      string // the ward's first-care health station, prefilled for a child's BHYT card
	ResultPlace string
}

// Config is the counter's settings.
type Config struct {
	Agency     Agency
	Counter    int
	CacheTTL   time.Duration
	CutoffHour int    // dossiers received after this hour count from the next working day
	ReturnHour int    // hour of the appointment
	PaperSize  string // receipt PDF size: "A4" (default) or "A5"
	// HandoverSlip prints the hand-over slip at each hand-over (the province uses one).
	HandoverSlip bool
	// ControlSheet prints the processing-control sheet (Mẫu 06) with every new reception's
	// receipt (a counter whose dossiers go on paper between desks): Outcome.ControlSheetPath.
	ControlSheet bool
	// ExportDir is where the desks write their exports (the certification register); it
	// holds personal data: a private folder of the data directory. "": no export from a desk.
	ExportDir string
	// Location is the counter's time zone: every time a person reads (messages,
	// receipts) is shown in it. Default time.Local.
	Location *time.Location
}

// Service carries out the counter's work. It holds no open files: the store
// is opened per unit of work.
type Service struct {
	*Office  // the use cases that need only the store, and the rights table
	cfg      Config
	gw       Gateway
	store    *offline.Store
	printer  printing.Printer
	calendar *calendar.Calendar
	specs    func() []*forms.Spec // the embedded catalog is parsed on first use, not before the first screen
	fees     *fees.Table          // the ward's fee schedule (nil: the embedded default)
	clock    func() time.Time
	log      *slog.Logger
	// linkUp is when the gateway last answered (unix nanoseconds of the counter's
	// clock; 0: not yet): queued dossiers that waited for the link are due from then.
	linkUp atomic.Int64
}

// Deps are the parts a Service is built from.
type Deps struct {
	Gateway  Gateway
	Store    *offline.Store
	Printer  printing.Printer
	Calendar *calendar.Calendar
	Specs    []*forms.Spec // nil: the embedded catalog (forms.Catalog), on first use
	Fees     *fees.Table   // the ward's fee schedule (nil: the embedded default)
	Clock    func() time.Time
	Log      *slog.Logger // English, never personal data; nil discards
}

// New returns a Service.
func New(cfg Config, d Deps) (*Service, error) {
	if d.Gateway == nil || d.Store == nil || d.Printer == nil || d.Calendar == nil {
		return nil, errors.New("counter: gateway, store, printer and calendar are required")
	}
	if cfg.CacheTTL <= 0 {
		cfg.CacheTTL = 24 * time.Hour
	}
	if cfg.Location == nil {
		cfg.Location = time.Local
	}
	if d.Clock == nil {
		d.Clock = time.Now
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	specs := forms.Catalog
	if d.Specs != nil {
		specs = func() []*forms.Spec { return d.Specs }
	}
	return &Service{Office: NewOffice(d.Store), cfg: cfg, gw: d.Gateway, store: d.Store, printer: d.Printer, calendar: d.Calendar,
		specs: specs, fees: d.Fees, clock: d.Clock, log: d.Log}, nil
}

// Now is the counter's clock.
func (s *Service) Now() time.Time { return s.clock() }

// Agency is the receiving office (the reports' letterhead).
func (s *Service) Agency() Agency { return s.cfg.Agency }

// AgencyCode is the receiving office's code.
func (s *Service) AgencyCode() string { return s.cfg.Agency.Code }

// Location is the counter's time zone.
func (s *Service) Location() *time.Location { return s.cfg.Location }

func (s *Service) loc() *time.Location { return s.cfg.Location }

// Services lists the services the counter offers.
func (s *Service) Services() []*forms.Spec { return s.specs() }

// Store is the data store.
func (s *Service) Store() *offline.Store { return s.store }

// GatewayStatus reports whether the gateway answers.
func (s *Service) GatewayStatus(ctx context.Context) error {
	err := s.gw.Health(ctx)
	s.noteGateway(err)
	return err
}

// noteGateway records the outcome of a gateway call for the link: any answer
// of the gateway (a success, or a refusal that is about the request rather
// than the link) proves the link is up. Failures and cancellations say nothing.
func (s *Service) noteGateway(err error) {
	if err != nil {
		var ge *gateway.Error
		if !errors.As(err, &ge) || linkFailure(err) || errors.Is(err, gateway.ErrCanceled) || errors.Is(err, gateway.ErrServer) {
			return
		}
	}
	s.linkUp.Store(s.clock().UnixNano())
}

// linkUpSince is when the gateway last answered (zero: never, in this process).
func (s *Service) linkUpSince() time.Time {
	if n := s.linkUp.Load(); n != 0 {
		return time.Unix(0, n)
	}
	return time.Time{}
}

// linkFailure reports failures of the link itself (no answer, a timeout, a
// gateway in front that cannot reach the service, an open circuit), as opposed
// to an answer about the request.
func linkFailure(err error) bool {
	return errors.Is(err, gateway.ErrUnreachable) || errors.Is(err, gateway.ErrTimeout)
}

// LinkLabel describes the gateway link for the status bar in Vietnamese
// (up, degraded, down with the cache in use), from the client's circuit
// breaker when it has one.
func (s *Service) LinkLabel() string {
	if c, ok := s.gw.(interface{ State() gateway.LinkState }); ok {
		return c.State().ClerkLabel()
	}
	return ""
}

// PrinterStatus reports the receipt output's name and state.
func (s *Service) PrinterStatus(ctx context.Context) (string, error) {
	return s.printer.Name(), s.printer.Status(ctx)
}

// Lookup asks the gateway for a resident and caches the answer. When the
// gateway cannot be reached, a cached answer younger than the time limit is
// returned with Origin.Source lookups.SourceCache. Every look-up is in the access log.
// The operator is meta.Operator; one who may not see sensitive data (a
// volunteer) gets ethnicity and religion withheld (Origin.Masked) and leaves
// nothing in the cache.
func (s *Service) Lookup(ctx context.Context, id string, meta lookups.CallMeta) (*lookups.Resident, lookups.Origin, error) {
	if err := meta.Validate(); err != nil {
		return nil, lookups.Origin{}, err
	}
	op := Operator{ID: meta.Operator}
	if err := s.Allow(op, ActLookup); err != nil {
		return nil, lookups.Origin{}, err
	}
	res, origin, err := s.gw.Lookup(ctx, id, meta)
	s.noteGateway(err)
	entry := offline.AccessEntry{Operator: meta.Operator, Purpose: meta.Purpose, Action: offline.ActionLookup,
		Subject: s.store.SubjectRef(id), DossierCode: meta.DossierCode, Outcome: "ok"}
	switch {
	case err == nil:
		if origin.FetchedAt.IsZero() {
			origin.FetchedAt = s.clock()
		}
		var werr error
		if s.can(op, ActCacheWrite) {
			blob, jerr := json.Marshal(res)
			if jerr != nil {
				return nil, origin, fmt.Errorf("counter: encode resident: %w", jerr)
			}
			werr = s.store.Update(func(tx *offline.Tx) error {
				if err := tx.PutLookup(id, blob, origin.FetchedAt); err != nil {
					return err
				}
				return tx.LogAccess(entry)
			})
		} else {
			werr = s.store.Update(func(tx *offline.Tx) error { return tx.LogAccess(entry) })
		}
		if werr != nil {
			// The clerk still gets the answer; the failure is logged without personal data.
			s.log.Warn("look-up not cached", "err", werr)
		}
		origin.Masked = s.Mask(op, &res.Citizen)
		return res, origin, nil
	case errors.Is(err, lookups.ErrNotFound):
		entry.Outcome = "not_found"
		s.logAccess(entry)
		return nil, origin, err
	case offlineError(err):
		var (
			blob []byte
			at   time.Time
			ok   bool
		)
		verr := s.store.View(func(tx *offline.Tx) error {
			var e error
			blob, at, ok, e = tx.GetLookup(id, s.cfg.CacheTTL)
			return e
		})
		if verr != nil || !ok {
			entry.Outcome = "error"
			s.logAccess(entry)
			return nil, lookups.Origin{}, &notCachedError{err}
		}
		var cached lookups.Resident
		if jerr := json.Unmarshal(blob, &cached); jerr != nil {
			s.log.Error("cached look-up unreadable", "err", jerr)
			entry.Outcome = "error"
			s.logAccess(entry)
			return nil, lookups.Origin{}, &notCachedError{err}
		}
		entry.Outcome = "cache"
		s.logAccess(entry)
		return &cached, lookups.Origin{Source: lookups.SourceCache, FetchedAt: at, Masked: s.Mask(op, &cached.Citizen)}, nil
	default:
		entry.Outcome = "error"
		s.logAccess(entry)
		return nil, origin, err
	}
}

// ErrNotCached says the gateway could not answer a look-up (no link, a timeout, a
// server error) and the counter holds no cached answer younger than the time
// limit for that person: nothing was looked up. The error also matches the
// gateway's error (gateway.ErrUnreachable...).
var ErrNotCached = errors.New("counter: gateway did not answer and no cached look-up")

type notCachedError struct{ err error }

func (e *notCachedError) Error() string   { return e.err.Error() + " (no cached look-up)" }
func (e *notCachedError) Unwrap() []error { return []error{e.err, ErrNotCached} }

// offlineError reports errors for which a cached answer is the right fallback.
func offlineError(err error) bool {
	return errors.Is(err, gateway.ErrUnreachable) || errors.Is(err, gateway.ErrTimeout) || errors.Is(err, gateway.ErrServer)
}

func (s *Service) logAccess(e offline.AccessEntry) {
	if err := s.store.Update(func(tx *offline.Tx) error { return tx.LogAccess(e) }); err != nil {
		s.log.Warn("access log not written", "action", e.Action, "err", err)
	}
}

// NewDeclaration starts an empty declaration of spec in the counter's context
// (agency, place, clock); person slots are filled with FillPerson.
func (s *Service) NewDeclaration(spec *forms.Spec) *forms.Declaration {
	return forms.NewDeclaration(spec, forms.Env{Agency: s.addressee(), Place: s.cfg.Agency.Place, Police: s.cfg.Agency.Police, Clinic: s.cfg.Agency.Clinic,
		Now: s.clock(), Clock: s.clock, Fees: s.fees})
}

// addressee is the "Kính gửi" line: the agency that decides on the dossier.
func (s *Service) addressee() string {
	if s.cfg.Agency.Parent != "" {
		return s.cfg.Agency.Parent
	}
	return s.cfg.Agency.Name
}

// Appointment computes when the result of a procedure taking days working
// days is due for a dossier received at t. When the calendar file does not
// cover the dates needed, the date is estimated with the weekday rule and
// warning says so (in Vietnamese).
func (s *Service) Appointment(days int, t time.Time) (due time.Time, warning string, err error) {
	rule := calendar.Rule{
		Days:     days,
		Cutoff:   time.Duration(s.cfg.CutoffHour) * time.Hour,
		ReturnAt: time.Duration(s.cfg.ReturnHour) * time.Hour,
	}
	due, err = s.calendar.Appointment(t, rule)
	if errors.Is(err, calendar.ErrOutOfRange) {
		s.log.Warn("holiday calendar does not cover the appointment; estimated with weekdays only",
			"calendar_until", s.calendar.ValidUntil().ISO())
		due, err = s.calendar.Estimate(t, rule)
		warning = fmt.Sprintf("Lịch ngày nghỉ chỉ có đến %s: ngày hẹn được tạm tính theo thứ Hai–thứ Sáu. "+
			"Hãy báo quản trị viên cập nhật tệp lịch và kiểm tra lại ngày hẹn.", s.calendar.ValidUntil())
	}
	return due, warning, err
}

// CardRead records in the access log that a card was read at the counter.
func (s *Service) CardRead(op Operator, id string) {
	s.logAccess(offline.AccessEntry{Operator: op.ID, Purpose: lookups.PurposeReception, Action: offline.ActionCardRead,
		Subject: s.store.SubjectRef(id), Outcome: "ok"})
}

// SweepCache removes look-ups older than the cache's time limit (at start
// and hourly: expired personal data is not kept).
func (s *Service) SweepCache() (int, error) {
	if err := s.Allow(Operator{}, ActCacheSweep); err != nil {
		return 0, err
	}
	n, err := s.store.SweepLookups(s.cfg.CacheTTL)
	if err != nil {
		s.log.Warn("expired look-ups not swept", "err", err)
	}
	return n, err
}
