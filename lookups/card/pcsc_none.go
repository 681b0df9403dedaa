//go:build !cgo && !windows

package card

import "context"

// PCSC is unavailable in a build without cgo on this system.
type PCSC struct{}

// Connection is unavailable in this build.
type Connection struct{}

// OpenPCSC fails: this build has no PC/SC.
func OpenPCSC() (*PCSC, error) { return nil, ErrPCSCUnavailable }

func (p *PCSC) Close() error                        { return nil }
func (p *PCSC) Readers() ([]ReaderInfo, error)      { return nil, ErrPCSCUnavailable }
func (p *PCSC) Connect(string) (*Connection, error) { return nil, ErrPCSCUnavailable }
func (p *PCSC) Watch(ctx context.Context) <-chan ReaderEvent {
	c := make(chan ReaderEvent)
	close(c)
	return c
}
func (c *Connection) ATR() []byte { return nil }
func (c *Connection) Transmit(context.Context, []byte) ([]byte, error) {
	return nil, ErrPCSCUnavailable
}
func (c *Connection) Close() error { return nil }
