package permstore

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/godbus/dbus/v5"
)

// MarshalVariant is the D-Bus wire form (little-endian) of a variant as
// ExactVariant makes it, so that stored data can be kept in a file (a
// command-line Undo) and sent back as the same GVariant after
// UnmarshalVariant.
func MarshalVariant(exact dbus.Variant) ([]byte, error) {
	var buf bytes.Buffer
	if err := carrier(exact).EncodeTo(&buf, binary.LittleEndian); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// UnmarshalVariant reads what MarshalVariant wrote, ready to be sent back
// (see ExactVariant).
func UnmarshalVariant(data []byte) (dbus.Variant, error) {
	msg, err := dbus.DecodeMessage(bytes.NewReader(data))
	if err != nil {
		return dbus.Variant{}, fmt.Errorf("not stored data Confine wrote: %w", err)
	}
	if len(msg.Body) != 1 {
		return dbus.Variant{}, errors.New("not stored data Confine wrote")
	}
	v, ok := msg.Body[0].(dbus.Variant)
	if !ok {
		return dbus.Variant{}, errors.New("not stored data Confine wrote")
	}
	return ExactVariant(v)
}

// carrier is a signal message whose body is the variant: godbus's
// encoder is reached only through a message.
func carrier(v dbus.Variant) *dbus.Message {
	return &dbus.Message{Type: dbus.TypeSignal, Headers: map[dbus.HeaderField]dbus.Variant{
		dbus.FieldPath:      dbus.MakeVariant(dbus.ObjectPath("/io/github/confine_app/Confine")),
		dbus.FieldInterface: dbus.MakeVariant("io.github.confine_app.Confine"),
		dbus.FieldMember:    dbus.MakeVariant("Data"),
		dbus.FieldSignature: dbus.MakeVariant(dbus.SignatureOf(v)),
	}, Body: []any{v}}
}
