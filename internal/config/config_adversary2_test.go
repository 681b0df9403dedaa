package config

import (
	"strings"
	"testing"
)

// A thermal printer prints receipts only (counter.sendPrint refuses every form there). The
// hand-over slip printed at every hand-over is a form like the control sheet printed at every
// reception: with an escpos printer, every hand-over would report the slip refused. DEFECT on
// main: Validate refuses printer.control_sheet with escpos but accepts printer.handover_slip.
func TestAdversary2ThermalPrinterRefusesTheHandoverSlip(t *testing.T) {
	c := Default()
	c.Printer.Kind, c.Printer.Address, c.Printer.Paper = "escpos", "192.0.2.10:9100", "80mm"
	c.Printer.HandoverSlip = true
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "handover_slip") {
		t.Errorf("a thermal printer with the hand-over slip at every hand-over: %v, want it refused", err)
	}
	c.Printer.Kind = "ipp"
	c.Printer.URI = "ipp://192.0.2.10/printers/quay1"
	if err := c.Validate(); err != nil {
		t.Errorf("an IPP printer with the hand-over slip: %v", err)
	}
}
