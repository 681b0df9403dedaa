package cardsim

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"motcua/lookups/card/icao"
)

// fakeVPCD plays the driver's side of the vpcd protocol.
type fakeVPCD struct {
	t    *testing.T
	conn net.Conn
}

func (f *fakeVPCD) send(payload ...byte) {
	f.t.Helper()
	msg := binary.BigEndian.AppendUint16(nil, uint16(len(payload)))
	if _, err := f.conn.Write(append(msg, payload...)); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fakeVPCD) recv() ([]byte, error) {
	f.t.Helper()
	if err := f.conn.SetReadDeadline(time.Now().Add(2 * time.Second)); err != nil {
		return nil, err
	}
	var hdr [2]byte
	if _, err := io.ReadFull(f.conn, hdr[:]); err != nil {
		return nil, err
	}
	out := make([]byte, binary.BigEndian.Uint16(hdr[:]))
	_, err := io.ReadFull(f.conn, out)
	return out, err
}

func (f *fakeVPCD) mustRecv() []byte {
	f.t.Helper()
	b, err := f.recv()
	if err != nil {
		f.t.Fatal(err)
	}
	return b
}

func startVPCD(t *testing.T, card *Card) (*fakeVPCD, context.CancelFunc, chan error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- ServeVPCD(ctx, ln.Addr().String(), card) }()
	conn, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(); cancel() })
	return &fakeVPCD{t: t, conn: conn}, cancel, done
}

func TestServeVPCD(t *testing.T) {
	card := issue(t, Profile{ParamID: icao.ParamP256})
	f, cancel, done := startVPCD(t, card)
	f.send(0x01) // power on
	f.send(0x04) // ATR
	if atr := f.mustRecv(); !bytes.Equal(atr, card.ATR()) {
		t.Errorf("ATR %X", atr)
	}
	f.send(mustHex("00A4040C07A0000002471001")...)
	if r := f.mustRecv(); !bytes.Equal(r, []byte{0x90, 0x00}) {
		t.Errorf("SELECT AID: %X", r)
	}
	f.send(mustHex("0084000008")...)
	if r := f.mustRecv(); len(r) != 10 {
		t.Errorf("GET CHALLENGE: %X", r)
	}
	f.send(0x00) // power off: the challenge is forgotten
	f.send(buildAPDU(0, 0x82, 0, 0, make([]byte, 40), 0x28, false)...)
	if r := f.mustRecv(); !bytes.Equal(r, []byte{0x69, 0x85}) {
		t.Errorf("EXTERNAL AUTHENTICATE after power off: %X", r)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("ServeVPCD after cancel: %v", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("ServeVPCD did not stop")
	}
	if _, err := f.recv(); err == nil {
		t.Error("connection still open: the card was not removed")
	}
}

func TestServeVPCDRemoved(t *testing.T) {
	card := issue(t, Profile{ParamID: icao.ParamP256, RemoveAfter: 1})
	f, _, done := startVPCD(t, card)
	f.send(mustHex("00A4040C07A0000002471001")...)
	f.mustRecv()
	f.send(mustHex("00A4040C07A0000002471001")...)
	if err := <-done; !errors.Is(err, ErrRemoved) {
		t.Errorf("ServeVPCD: %v, want ErrRemoved", err)
	}
	if _, err := f.recv(); err == nil {
		t.Error("connection still open after removal")
	}
}

// ServeVPCD keeps dialling while the driver is not listening yet.
func TestServeVPCDRetry(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	card := issue(t, Profile{ParamID: icao.ParamP256})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- ServeVPCD(ctx, addr, card) }()
	time.Sleep(300 * time.Millisecond)
	if ln, err = net.Listen("tcp", addr); err != nil {
		t.Skipf("port taken meanwhile: %v", err)
	}
	defer ln.Close()
	conn, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	conn.Close() // the driver goes away: ServeVPCD reports it
	if err := <-done; err == nil {
		t.Error("ServeVPCD returned nil after the connection dropped")
	}

	// cancelled while still dialling: nil
	ctx2, cancel2 := context.WithTimeout(context.Background(), 250*time.Millisecond)
	defer cancel2()
	ln.Close()
	if err := ServeVPCD(ctx2, addr, card); err != nil {
		t.Errorf("ServeVPCD cancelled while dialling: %v", err)
	}
}
