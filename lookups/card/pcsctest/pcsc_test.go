//go:build cgo

package pcsctest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"motcua/internal/demo"
	"motcua/internal/testenv"
	"motcua/lookups/card"
	"motcua/lookups/card/cardsim"
	"motcua/lookups/sandbox"
)

const (
	vpcdAddr   = "127.0.0.1:35963"
	vpcdDriver = "/usr/lib/pcsc/drivers/serial/libifdvpcd.so"
	readerName = "Virtual PCD 00 00"
)

var setupErr error // why the PC/SC path cannot be tested here

func TestMain(m *testing.M) {
	// pcscd's pid file and socket and the vpcd port are machine-wide: a
	// second suite running at the same time (another clone) waits here.
	release, err := testenv.MachineLock("pcscd")
	if err != nil {
		setupErr = err
		os.Exit(m.Run())
	}
	stop, err := startPCSCD()
	setupErr = err
	code := m.Run()
	if stop != nil {
		stop()
	}
	release()
	os.Exit(code)
}

// startPCSCD runs a pcscd in the foreground with only the vpcd driver
// configured, unless one already serves the vpcd reader.
func startPCSCD() (func(), error) {
	if readerListed() {
		return nil, nil
	}
	bin, err := exec.LookPath("pcscd")
	if err != nil {
		return nil, fmt.Errorf("pcscd is not installed (make deps installs pcscd and vsmartcard-vpcd)")
	}
	if _, err := os.Stat(vpcdDriver); err != nil {
		return nil, fmt.Errorf("the vsmartcard-vpcd driver is not installed (make deps installs it)")
	}
	dir, err := os.MkdirTemp("", "motcua-pcscd-")
	if err != nil {
		return nil, err
	}
	conf := filepath.Join(dir, "reader.conf.d")
	if err := os.MkdirAll(conf, 0o755); err != nil {
		return nil, err
	}
	port := strings.Split(vpcdAddr, ":")[1]
	if err := os.WriteFile(filepath.Join(conf, "vpcd"), []byte(fmt.Sprintf(
		"FRIENDLYNAME \"Virtual PCD\"\nDEVICENAME /dev/null:%s\nLIBPATH %s\nCHANNELID %s\n", port, vpcdDriver, port)), 0o644); err != nil {
		return nil, err
	}
	logf, err := os.Create(filepath.Join(dir, "pcscd.log"))
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "--foreground", "--config", conf)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start pcscd: %w", err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	stop := func() {
		_ = cmd.Process.Kill() // stopping pcscd: it may have exited already
		<-done                 //nolint:errcheck // "signal: killed" is the expected end
		logf.Close()
		os.RemoveAll(dir)
	}
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-done:
			b, _ := os.ReadFile(logf.Name())
			os.RemoveAll(dir)
			return nil, fmt.Errorf("pcscd exited (%v): %s", err, strings.TrimSpace(string(b)))
		default:
		}
		if readerListed() {
			return stop, nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	stop()
	return nil, fmt.Errorf("pcscd started but lists no %q reader", readerName)
}

func readerListed() bool {
	p, err := card.OpenPCSC()
	if err != nil {
		return false
	}
	defer p.Close()
	rs, err := p.Readers()
	if err != nil {
		return false
	}
	for _, r := range rs {
		if r.Name == readerName {
			return true
		}
	}
	return false
}

// need fails under CI (where the components must be there) and skips elsewhere.
func need(t *testing.T) {
	t.Helper()
	if setupErr == nil {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("PC/SC test environment: %v", setupErr)
	}
	t.Skipf("PC/SC test environment missing (CI=true makes this a failure): %v", setupErr)
}

// plug builds the emulated chip of a synthetic person, plugs it into the
// vpcd reader and waits until pcscd sees the card. Unplugging happens at
// the end of the test.
func plug(t *testing.T, prof cardsim.Profile) (*cardsim.Card, *card.PCSC) {
	t.Helper()
	need(t)
	chip, err := demo.NewChip(sandbox.Default(), personID(t), prof)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- cardsim.ServeVPCD(ctx, vpcdAddr, chip) }()
	p, err := card.OpenPCSC()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		if err := <-served; err != nil && !errors.Is(err, cardsim.ErrRemoved) { // nil on cancel, ErrRemoved if a test took the card away
			t.Errorf("ServeVPCD: %v", err)
		}
		waitPresent(t, p, false)
		p.Close()
	})
	waitPresent(t, p, true)
	return chip, p
}

func waitPresent(t *testing.T, p *card.PCSC, want bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		rs, err := p.Readers()
		if err == nil {
			for _, r := range rs {
				if r.Name == readerName && r.CardPresent == want {
					return
				}
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("the vpcd reader did not report card present=%v", want)
}

func personID(t *testing.T) string {
	t.Helper()
	for _, f := range sandbox.Featured() {
		if f.Kind == "married" {
			return f.ID
		}
	}
	t.Fatal("no featured person")
	return ""
}

func station(p *card.PCSC, noFace bool) *card.PCSCStation {
	return &card.PCSCStation{P: p, Reader: readerName,
		Opt: card.Options{Trust: card.NewTrustStore(cardsim.TestPKI().CSCA), NoFace: noFace}}
}

func read(t *testing.T, st *card.PCSCStation, key card.Key) *card.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var stages []card.Stage
	res, err := st.Read(ctx, "", key, func(p card.Progress) { stages = append(stages, p.Stage) })
	if err != nil {
		t.Fatalf("read: %v (%+v)", err, res)
	}
	if len(stages) < 3 || stages[1] != card.StageIdentity {
		t.Errorf("progress stages %v: the identity must come right after access", stages)
	}
	return res
}

func TestPACEAllFilesAndChecksOverPCSC(t *testing.T) {
	chip, p := plug(t, cardsim.Profile{})
	res := read(t, station(p, false), card.Key{CAN: chip.CAN()})
	want, _ := sandbox.Default().Card(personID(t))
	if res.Access != "PACE-CAN" || res.Identity == nil || res.Identity.ID != want.ID || res.Identity.FullName != want.FullName ||
		res.Identity.BirthDate != want.BirthDate {
		t.Fatalf("access %s identity %+v", res.Access, res.Identity)
	}
	if res.Passive != card.Passed || res.Active != card.Passed || res.Chip != card.Passed || res.Verdict() != card.Passed {
		t.Fatalf("checks: passive %v (%s) active %v chip %v", res.Passive, res.PassiveNote, res.Active, res.Chip)
	}
	for _, dg := range []int{1, 2, 13, 14, 15} {
		if res.Files[dg] != card.Passed {
			t.Errorf("DG%d hash: %v", dg, res.Files[dg])
		}
	}
	if res.Face == nil || res.Face.Format != "JPEG" || len(res.Face.Data) < 5000 {
		t.Errorf("face %+v", res.Face)
	}
	if res.MRZ == nil || !res.MRZ.Valid() || res.MRZ.ID != want.ID {
		t.Errorf("MRZ %+v", res.MRZ)
	}
	t.Logf("PACE over pcscd/vpcd: %d APDUs, identity after %v, verified after %v, all after %v",
		res.APDUs, res.IdentityAfter, res.VerifiedAfter, res.Elapsed)
}

func TestBACWithRSAActiveAuthOverPCSC(t *testing.T) {
	chip, p := plug(t, cardsim.Profile{NoPACE: true, AA: "rsa"})
	doc, birth, expiry := chip.MRZ()
	// the CAN alone cannot open a BAC-only card
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := station(p, true).Read(ctx, "", card.Key{CAN: chip.CAN()}, nil); !errors.Is(err, card.ErrNeedMRZ) {
		t.Fatalf("CAN on a BAC-only card: %v", err)
	}
	res := read(t, station(p, true), card.Key{DocNo: doc, Birth: birth, Expiry: expiry})
	if res.Access != "BAC" || res.Passive != card.Passed || res.Active != card.Passed || res.Chip != card.Passed {
		t.Fatalf("access %s passive %v active %v (%s) chip %v", res.Access, res.Passive, res.Active, res.ActiveNote, res.Chip)
	}
}

func TestPACEP256ExtendedLengthOverPCSC(t *testing.T) {
	chip, p := plug(t, cardsim.Profile{ParamID: 12, Extended: true})
	res := read(t, station(p, false), card.Key{CAN: chip.CAN()})
	if !res.Extended || res.Verdict() != card.Passed || res.Face == nil {
		t.Fatalf("extended %v verdict %v face %v", res.Extended, res.Verdict(), res.Face != nil)
	}
	if res.APDUs > 30 {
		t.Errorf("%d APDUs with extended length", res.APDUs)
	}
}

func TestClonedChipDetectedOverPCSC(t *testing.T) {
	chip, p := plug(t, cardsim.Profile{Cloned: true})
	res := read(t, station(p, true), card.Key{CAN: chip.CAN()})
	if res.Active != card.Failed || res.Verdict() != card.Failed || res.Passive != card.Passed {
		t.Fatalf("cloned chip: active %v passive %v verdict %v", res.Active, res.Passive, res.Verdict())
	}
}

func TestTamperedDG13DetectedOverPCSC(t *testing.T) {
	chip, p := plug(t, cardsim.Profile{TamperDG13: true})
	res := read(t, station(p, true), card.Key{CAN: chip.CAN()})
	if res.Passive != card.Failed || res.Files[13] != card.Failed || res.Files[1] != card.Passed || res.Verdict() != card.Failed {
		t.Fatalf("tampered DG13: passive %v files %v", res.Passive, res.Files)
	}
}

func TestCardRemovedMidReadOverPCSC(t *testing.T) {
	chip, p := plug(t, cardsim.Profile{RemoveAfter: 20})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	start := time.Now()
	res, err := station(p, false).Read(ctx, "", card.Key{CAN: chip.CAN()}, nil)
	if !errors.Is(err, card.ErrRemoved) {
		t.Fatalf("removed card: %v", err)
	}
	if time.Since(start) > 10*time.Second {
		t.Errorf("removal noticed after %v", time.Since(start))
	}
	if res == nil || res.Identity == nil || res.Passive != card.Interrupted {
		t.Errorf("partial result %+v", res)
	}
	if !strings.Contains(card.Explain(err), "đặt lại thẻ") {
		t.Errorf("message %q", card.Explain(err))
	}
}

// TestChipStopsAnsweringOverPCSC: a chip that goes silent in the middle of
// an APDU keeps SCardTransmit blocked (vpcd waits for ever); the read is
// bounded by its timeout, the connection abandoned with its own PC/SC
// context, and the station's context still lists readers.
func TestChipStopsAnsweringOverPCSC(t *testing.T) {
	chip, p := plug(t, cardsim.Profile{HangAfter: 20})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second) // card.timeout
	defer cancel()
	type out struct {
		res *card.Result
		err error
	}
	done := make(chan out, 1)
	go func() {
		res, err := station(p, true).Read(ctx, "", card.Key{CAN: chip.CAN()}, nil)
		done <- out{res, err}
	}()
	select {
	case o := <-done:
		if !errors.Is(o.err, card.ErrNoAnswer) || !strings.Contains(card.Explain(o.err), "không trả lời") {
			t.Fatalf("%v", o.err)
		}
		if o.res == nil || o.res.Identity == nil || o.res.Verdict() != card.Interrupted {
			t.Errorf("partial result %+v", o.res)
		}
	case <-time.After(30 * time.Second): // a guard against the hang, far from the 3 s timeout
		t.Fatal("the read is still blocked in SCardTransmit")
	}
	listed := make(chan error, 1)
	go func() {
		_, err := p.Readers()
		listed <- err
	}()
	select {
	case err := <-listed:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the station's PC/SC context is stuck behind the abandoned transmit")
	}
}
