package cardsim

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"time"
)

// DefaultVPCDAddr is where vsmartcard's vpcd driver listens by default.
const DefaultVPCDAddr = "127.0.0.1:35963"

// vpcd control bytes (a one-byte message from the reader side).
const (
	vpcdPowerOff = 0x00
	vpcdPowerOn  = 0x01
	vpcdReset    = 0x02
	vpcdGetATR   = 0x04
)

// ServeVPCD puts card into a real PC/SC stack through vsmartcard's vpcd
// driver, which listens at addr (DefaultVPCDAddr when empty) while the
// virtual card dials it. Dialling is retried every 200 ms while refused, so
// the simulator may start before pcscd. Every message in either direction
// is a two-byte big-endian length and a payload; a one-byte payload is a
// control byte, anything longer an APDU. ServeVPCD returns nil when ctx is
// done (closing the connection, which the driver sees as card removal),
// ErrRemoved when the card leaves the field, or the connection's error.
func ServeVPCD(ctx context.Context, addr string, card *Card) error {
	if addr == "" {
		addr = DefaultVPCDAddr
	}
	conn, err := dialVPCD(ctx, addr)
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() {
		conn.Close()
		card.Release() // a hung chip (HangAfter) lets go of the connection
	})
	defer stop()

	err = serveConn(conn, card)
	if ctx.Err() != nil {
		return nil
	}
	return err
}

func dialVPCD(ctx context.Context, addr string) (net.Conn, error) {
	var d net.Dialer
	for {
		conn, err := d.DialContext(ctx, "tcp", addr)
		if err == nil {
			return conn, nil
		}
		if !errors.Is(err, syscall.ECONNREFUSED) {
			return nil, fmt.Errorf("cardsim: vpcd at %s: %w", addr, err)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func serveConn(conn net.Conn, card *Card) error {
	var hdr [2]byte
	for {
		if _, err := io.ReadFull(conn, hdr[:]); err != nil {
			return fmt.Errorf("cardsim: vpcd connection: %w", err)
		}
		msg := make([]byte, binary.BigEndian.Uint16(hdr[:]))
		if _, err := io.ReadFull(conn, msg); err != nil {
			return fmt.Errorf("cardsim: vpcd connection: %w", err)
		}
		var resp []byte
		switch len(msg) {
		case 0:
			continue
		case 1:
			switch msg[0] {
			case vpcdPowerOff, vpcdPowerOn, vpcdReset:
				card.Reset()
				continue
			case vpcdGetATR:
				resp = card.ATR()
			default:
				continue // unknown control: nothing to answer
			}
		default:
			var err error
			if resp, err = card.Transmit(msg); err != nil {
				return err // ErrRemoved: the deferred close removes the card
			}
		}
		out := make([]byte, 2+len(resp))
		binary.BigEndian.PutUint16(out, uint16(len(resp)))
		copy(out[2:], resp)
		if _, err := conn.Write(out); err != nil {
			return fmt.Errorf("cardsim: vpcd connection: %w", err)
		}
	}
}
