package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"motcua/lookups/gateway"
	"motcua/lookups/gateway/hostile"
	"motcua/lookups/sandbox"
	"motcua/lookups/vntext"
	"motcua/offline"
)

// The commands against a gateway that misbehaves (lookups/gateway/hostile).

const hostileOperator, hostilePass = "gs.thu", "mật khẩu thử cổng xấu 9"

// hostileSetup makes a real (non-demo) encrypted data directory whose
// configuration points at a hostile gateway, and logs its supervisor in
// through the environment. extra is added to the [gateway] table.
func hostileSetup(t *testing.T, extra string) (gw *hostile.Server, cfgPath, dataDir string) {
	t.Helper()
	isolate(t)
	gw = hostile.Start(t)
	for _, fp := range sandbox.Featured() {
		if r, ok := sandbox.Default().Resident(fp.ID); ok {
			gw.SetResident(fp.ID, r)
		}
	}
	dir := t.TempDir()
	dataDir = filepath.Join(dir, "data")
	if _, err := offline.Init(dataDir, offline.Operator{ID: hostileOperator, Name: "Giám sát Thử", Role: offline.RoleSupervisor},
		hostilePass, offline.Options{KDF: offline.KDFParams{Time: 1, MemoryKiB: 8 * 1024, Threads: 1}}); err != nil {
		t.Fatal(err)
	}
	cfgPath = filepath.Join(dir, "config.toml")
	cfg := fmt.Sprintf(`counter = 1
[agency]
code = "G01.00004"
parent = "UBND PHƯỜNG THỬ NGHIỆM"
name = "BỘ PHẬN TIẾP NHẬN VÀ TRẢ KẾT QUẢ"
place = "Phường Thử Nghiệm"
[gateway]
url = %q
timeout = "30s"
retries = 0
%s
`, gw.URL, extra)
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	setenv(t, "MOTCUA_OPERATOR", hostileOperator)
	setenv(t, "MOTCUA_PASSPHRASE", hostilePass)
	return gw, cfgPath, dataDir
}

func hostileCLI(t *testing.T, cfgPath, dataDir string, args ...string) result {
	t.Helper()
	return runCLI(t, append([]string{"--config", cfgPath, "--data-dir", dataDir}, args...)...)
}

// assertClean fails when output holds a terminal control of hostile.Poison.
func assertClean(t *testing.T, what, out string) {
	t.Helper()
	for _, c := range hostile.Controls {
		if strings.Contains(out, c) {
			t.Errorf("%s holds %q:\n%q", what, c, out)
		}
	}
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "ĐÃ GỬI THÀNH CÔNG") || strings.HasPrefix(strings.TrimSpace(line), "Tình trạng: ") {
			t.Errorf("%s has a line forged by the gateway: %q", what, line)
		}
	}
}

func writeSubmitFile(t *testing.T, id string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "to-khai.json")
	b, _ := json.Marshal(map[string]any{"service": "xac-nhan-tthn", "persons": map[string]any{"subject": map[string]string{"id": id}},
		"values": map[string]string{"purpose": "other", "purpose_other": "Bổ sung hồ sơ vay vốn"}})
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestHostileGatewayTextNeverReachesTheTerminal: names, addresses and error
// messages of the gateway carry ESC sequences, an OSC title, CR/LF and a bidi
// override; what `lookup`, `dossier submit`, `queue list` and `dossier show`
// print holds none of them, and keeps the Vietnamese words.
func TestHostileGatewayTextNeverReachesTheTerminal(t *testing.T) {
	t.Parallel()
	gw, cfg, data := hostileSetup(t, "")
	single, married := featuredID(t, "single"), featuredID(t, "married")
	res, _ := sandbox.Default().Resident(married)
	gw.SetResident(married, hostile.Poisoned(res))

	r := hostileCLI(t, cfg, data, "lookup", "--purpose", "check", married)
	if r.code != exitOK {
		t.Fatal(r)
	}
	assertClean(t, "lookup", r.stdout+r.stderr)
	if want := vntext.Display(hostile.Poisoned(res).Citizen.FullName); !strings.Contains(r.stdout, want) {
		t.Errorf("lookup lacks the name as shown %q:\n%s", want, r.stdout)
	}

	// The gateway refuses the dossier with a poisoned message.
	gw.AnswerEvery(func(req *http.Request) (hostile.Answer, bool) {
		if req.Method != http.MethodPost {
			return hostile.Answer{}, false
		}
		return hostile.JSON(http.StatusBadRequest, gateway.ErrorBody{Error: gateway.ErrorDetail{Code: "bad_request\x1b[31m",
			Message: "Hồ sơ thiếu giấy tờ. " + hostile.Poison}}), true
	})
	r = hostileCLI(t, cfg, data, "dossier", "submit", writeSubmitFile(t, single))
	if r.code != exitPartial || !strings.Contains(r.stderr, "Hồ sơ thiếu giấy tờ.") {
		t.Fatal(r)
	}
	assertClean(t, "dossier submit", r.stdout+r.stderr)
	code := strings.TrimSpace(r.stdout)

	r = hostileCLI(t, cfg, data, "queue", "list")
	if r.code != exitOK || !strings.Contains(r.stdout, code) || !strings.Contains(r.stdout, "Hồ sơ thiếu giấy tờ.") {
		t.Fatal(r)
	}
	assertClean(t, "queue list", r.stdout+r.stderr)

	// A look-up refused with a poisoned message: the error line is clean.
	gw.AnswerEvery(func(req *http.Request) (hostile.Answer, bool) {
		return hostile.JSON(http.StatusBadRequest, gateway.ErrorBody{Error: gateway.ErrorDetail{Code: "bad_request",
			Message: "Không tra được. " + hostile.Poison}}), !strings.HasSuffix(req.URL.Path, "/health")
	})
	r = hostileCLI(t, cfg, data, "lookup", "--purpose", "check", single)
	if r.code != exitFailure || !strings.Contains(r.stderr, "Không tra được.") {
		t.Fatal(r)
	}
	assertClean(t, "failed lookup", r.stdout+r.stderr)

	// A dossier received with a poisoned address (the forms refuse such a
	// name, not an address): shown clean.
	gw.AnswerEvery(nil)
	addr, _ := sandbox.Default().Resident(married)
	addr.Permanent.Address.Detail += " " + hostile.Poison
	gw.SetResident(married, addr)
	r = hostileCLI(t, cfg, data, "dossier", "submit", writeSubmitFile(t, married))
	if r.code != exitOK {
		t.Fatal(r)
	}
	assertClean(t, "dossier submit of a poisoned address", r.stdout+r.stderr)
	r = hostileCLI(t, cfg, data, "dossier", "show", strings.TrimSpace(r.stdout))
	if r.code != exitOK || !strings.Contains(r.stdout, "ĐÃ GỬI THÀNH CÔNG Tình trạng:") {
		t.Fatal(r)
	}
	assertClean(t, "dossier show", r.stdout+r.stderr)
}

// TestHostileAcknowledgementKeepsTheDossierQueuedCLI: `dossier submit`
// against a gateway whose acknowledgement does not acknowledge: the dossier
// is received and queued, the clerk is told why, `queue list` shows it,
// `queue sync` keeps it until a real acknowledgement comes.
func TestHostileAcknowledgementKeepsTheDossierQueuedCLI(t *testing.T) {
	t.Parallel()
	gw, cfg, data := hostileSetup(t, "")
	gw.SetAck(hostile.AckEmpty)
	r := hostileCLI(t, cfg, data, "dossier", "submit", writeSubmitFile(t, featuredID(t, "single")))
	if r.code != exitOK || !strings.Contains(r.stderr, "chưa gửi được") || !strings.Contains(r.stderr, "chưa xác nhận") {
		t.Fatal(r)
	}
	code := strings.TrimSpace(r.stdout)
	r = hostileCLI(t, cfg, data, "queue", "list")
	if r.code != exitOK || !strings.Contains(r.stdout, code) || !strings.Contains(r.stdout, "chờ gửi") || !strings.Contains(r.stdout, "chưa xác nhận") {
		t.Fatal(r)
	}
	gw.SetAck(hostile.AckForeign)
	r = hostileCLI(t, cfg, data, "queue", "sync", "--now")
	if r.code != exitPartial || !strings.Contains(r.stdout, "Đã gửi: 0") {
		t.Fatal(r)
	}
	gw.SetAck(hostile.AckOK)
	r = hostileCLI(t, cfg, data, "queue", "sync", "--now")
	if r.code != exitOK || !strings.Contains(r.stdout, "Đã gửi: 1") {
		t.Fatal(r)
	}
}

// TestBatchRunSaysTheLookupCouldNotBeMade: with the circuit open and the
// persons not cached, the rows say that the look-up could not be made, not
// that cached data is in use or that a dossier will go out by itself.
func TestBatchRunSaysTheLookupCouldNotBeMade(t *testing.T) {
	t.Parallel()
	gw, cfg, data := hostileSetup(t, "breaker_failures = 1\nbreaker_cooldown = \"1h\"")
	gw.AnswerEvery(func(*http.Request) (hostile.Answer, bool) { return hostile.Answer{Status: 503, Body: "{}"}, true })
	work := t.TempDir()
	in, out := filepath.Join(work, "in.csv"), filepath.Join(work, "results.csv")
	var b strings.Builder
	b.WriteString("subject.id,purpose,purpose_other\n")
	for _, k := range batchGoodKinds {
		fmt.Fprintf(&b, "%s,other,Bổ sung hồ sơ vay vốn\n", featuredID(t, k))
	}
	if err := os.WriteFile(in, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	r := hostileCLI(t, cfg, data, "batch", "run", "--service", batchService, "--in", in, "--out", out)
	if r.code != exitPartial {
		t.Fatal(r)
	}
	rows := readResults(t, out)
	if len(rows) != len(batchGoodKinds) {
		t.Fatalf("%d result rows\n%s", len(rows), r)
	}
	for _, row := range rows {
		msg := row["message"]
		if row["status"] != "error" || !strings.Contains(msg, "Chưa tra cứu được") ||
			strings.Contains(msg, "đang dùng dữ liệu lưu tạm") || strings.Contains(msg, "tự gửi") {
			t.Errorf("row %s: %s %q", row["row"], row["status"], msg)
		}
	}
}
