package permstore

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/godbus/dbus/v5"
)

// ExactVariant turns a variant as godbus decodes it into one godbus
// encodes to the same D-Bus bytes, so that data read from the store
// (LookupEntry, a Change) and written back (Set, SetValue) is the same
// GVariant: godbus decodes a struct as []any (which it would send as an
// array of variants) and a dict as a Go map. Structs become Go structs
// built for the signature, dicts slices of key-value structs (same wire
// form). A dict's entries come back ordered by key: the map lost their
// order, which only Store.LookupExact, reading the wire, keeps. Unix file
// descriptors are refused.
func ExactVariant(v dbus.Variant) (dbus.Variant, error) {
	x, err := exactValue(v.Signature().String(), v.Value())
	if err != nil {
		return dbus.Variant{}, err
	}
	return dbus.MakeVariantWithSignature(x.Interface(), v.Signature()), nil
}

var basicTypes = map[byte]reflect.Type{
	'y': reflect.TypeOf(byte(0)), 'b': reflect.TypeOf(false), 'n': reflect.TypeOf(int16(0)), 'q': reflect.TypeOf(uint16(0)),
	'i': reflect.TypeOf(int32(0)), 'u': reflect.TypeOf(uint32(0)), 'x': reflect.TypeOf(int64(0)), 't': reflect.TypeOf(uint64(0)),
	'd': reflect.TypeOf(float64(0)), 's': reflect.TypeOf(""), 'o': reflect.TypeOf(dbus.ObjectPath("")),
	'g': reflect.TypeOf(dbus.Signature{}), 'v': reflect.TypeOf(dbus.Variant{}),
}

// firstType splits a signature after its first complete type.
func firstType(sig string) (string, string, error) {
	if sig == "" {
		return "", "", errors.New("empty signature")
	}
	switch sig[0] {
	case 'a':
		t, rest, err := firstType(sig[1:])
		return "a" + t, rest, err
	case '(', '{':
		closing := map[byte]byte{'(': ')', '{': '}'}[sig[0]]
		i := 1
		for i < len(sig) && sig[i] != closing {
			_, rest, err := firstType(sig[i:])
			if err != nil {
				return "", "", err
			}
			i = len(sig) - len(rest)
		}
		if i >= len(sig) {
			return "", "", fmt.Errorf("unterminated %q", sig)
		}
		return sig[:i+1], sig[i+1:], nil
	}
	if _, ok := basicTypes[sig[0]]; !ok {
		return "", "", fmt.Errorf("type %q is not supported", sig[:1])
	}
	return sig[:1], sig[1:], nil
}

func sigMembers(sig string) ([]string, error) {
	var out []string
	for sig != "" {
		t, rest, err := firstType(sig)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
		sig = rest
	}
	return out, nil
}

// goType is the Go type godbus encodes with exactly signature sig.
func goType(sig string) (reflect.Type, error) {
	if t, ok := basicTypes[sig[0]]; ok && len(sig) == 1 {
		return t, nil
	}
	switch sig[0] {
	case 'a':
		if sig[1] == '{' {
			st, err := structType(sig[2 : len(sig)-1])
			if err != nil {
				return nil, err
			}
			return reflect.SliceOf(st), nil
		}
		et, err := goType(sig[1:])
		if err != nil {
			return nil, err
		}
		return reflect.SliceOf(et), nil
	case '(', '{': // a dict entry as a struct: the same wire form
		return structType(sig[1 : len(sig)-1])
	}
	return nil, fmt.Errorf("signature %q is not supported", sig)
}

func structType(inner string) (reflect.Type, error) {
	ms, err := sigMembers(inner)
	if err != nil {
		return nil, err
	}
	var fields []reflect.StructField
	for i, m := range ms {
		t, err := goType(m)
		if err != nil {
			return nil, err
		}
		fields = append(fields, reflect.StructField{Name: "F" + strconv.Itoa(i), Type: t})
	}
	return reflect.StructOf(fields), nil
}

// exactValue converts val (as godbus decoded it for sig) to goType(sig).
func exactValue(sig string, val any) (reflect.Value, error) {
	t, err := goType(sig)
	if err != nil {
		return reflect.Value{}, err
	}
	rv := reflect.ValueOf(val)
	bad := func() (reflect.Value, error) {
		return reflect.Value{}, fmt.Errorf("a %T where %q was expected", val, sig)
	}
	switch {
	case sig == "v":
		v, ok := val.(dbus.Variant)
		if !ok {
			return bad()
		}
		x, err := ExactVariant(v)
		return reflect.ValueOf(x), err
	case len(sig) == 1:
		if !rv.IsValid() || rv.Type() != t {
			return bad()
		}
		return rv, nil
	case strings.HasPrefix(sig, "a{"):
		if rv.Kind() != reflect.Map {
			return bad()
		}
		kv, _ := sigMembers(sig[2 : len(sig)-1])
		keys := rv.MapKeys()
		sort.Slice(keys, func(i, j int) bool { return lessKey(keys[i], keys[j]) })
		out := reflect.MakeSlice(t, 0, len(keys))
		for _, k := range keys {
			e := reflect.New(t.Elem()).Elem()
			kx, err := exactValue(kv[0], k.Interface())
			if err != nil {
				return reflect.Value{}, err
			}
			vx, err := exactValue(kv[1], rv.MapIndex(k).Interface())
			if err != nil {
				return reflect.Value{}, err
			}
			e.Field(0).Set(kx)
			e.Field(1).Set(vx)
			out = reflect.Append(out, e)
		}
		return out, nil
	case sig[0] == 'a':
		if rv.Kind() != reflect.Slice {
			return bad()
		}
		out := reflect.MakeSlice(t, 0, rv.Len())
		for i := 0; i < rv.Len(); i++ {
			x, err := exactValue(sig[1:], rv.Index(i).Interface())
			if err != nil {
				return reflect.Value{}, err
			}
			out = reflect.Append(out, x)
		}
		return out, nil
	case sig[0] == '(':
		f, ok := val.([]any)
		ms, _ := sigMembers(sig[1 : len(sig)-1])
		if !ok || len(f) != len(ms) {
			return bad()
		}
		out := reflect.New(t).Elem()
		for i, m := range ms {
			x, err := exactValue(m, f[i])
			if err != nil {
				return reflect.Value{}, err
			}
			out.Field(i).Set(x)
		}
		return out, nil
	}
	return bad()
}

func lessKey(a, b reflect.Value) bool {
	switch a.Kind() {
	case reflect.String:
		return a.String() < b.String()
	case reflect.Int16, reflect.Int32, reflect.Int64:
		return a.Int() < b.Int()
	case reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return a.Uint() < b.Uint()
	case reflect.Float64:
		return a.Float() < b.Float()
	case reflect.Bool:
		return !a.Bool() && b.Bool()
	}
	return false
}

// ---- reading the wire -----------------------------------------------------
//
// godbus decodes a dict into a Go map, so the order of its entries is lost
// before ExactVariant sees it; xdg-desktop-portal-hyprland, for one,
// saves sessions as a dict of four or five entries in its own order. To
// write such data back exactly, the store's reply is read from the bytes
// that came over the wire (see Store.LookupExact).

// maxDepth bounds the nesting of what is decoded from the wire (D-Bus
// allows 32 arrays and 32 structs).
const maxDepth = 64

// wire decodes D-Bus marshalled data into the values ExactVariant makes:
// godbus encodes them to the same bytes.
type wire struct {
	b     []byte
	pos   int // offset from the start of the message (alignment counts from there)
	order binary.ByteOrder
}

var errShort = errors.New("the message ends too soon")

func (w *wire) align(n int) error {
	p := (w.pos + n - 1) &^ (n - 1)
	if p > len(w.b) {
		return errShort
	}
	w.pos = p
	return nil
}

func (w *wire) take(n int) ([]byte, error) {
	if n < 0 || w.pos+n > len(w.b) {
		return nil, errShort
	}
	b := w.b[w.pos : w.pos+n]
	w.pos += n
	return b, nil
}

func (w *wire) u32() (uint32, error) {
	if err := w.align(4); err != nil {
		return 0, err
	}
	b, err := w.take(4)
	if err != nil {
		return 0, err
	}
	return w.order.Uint32(b), nil
}

// alignment is the alignment of a complete type's first byte.
func alignment(sig string) int {
	switch sig[0] {
	case 'n', 'q':
		return 2
	case 'b', 'i', 'u', 's', 'o', 'a', 'h':
		return 4
	case 'x', 't', 'd', '(', '{':
		return 8
	}
	return 1
}

// value decodes one value of the complete type sig.
func (w *wire) value(sig string, depth int) (reflect.Value, error) {
	if depth > maxDepth {
		return reflect.Value{}, errors.New("nested too deeply")
	}
	t, err := goType(sig)
	if err != nil {
		return reflect.Value{}, err
	}
	if err := w.align(alignment(sig)); err != nil {
		return reflect.Value{}, err
	}
	fixed := func(n int) ([]byte, error) { return w.take(n) }
	switch sig[0] {
	case 'y':
		b, err := fixed(1)
		if err != nil {
			return reflect.Value{}, err
		}
		return reflect.ValueOf(b[0]), nil
	case 'b':
		b, err := fixed(4)
		if err != nil {
			return reflect.Value{}, err
		}
		switch w.order.Uint32(b) {
		case 0:
			return reflect.ValueOf(false), nil
		case 1:
			return reflect.ValueOf(true), nil
		}
		return reflect.Value{}, errors.New("a boolean that is neither 0 nor 1")
	case 'n', 'q':
		b, err := fixed(2)
		if err != nil {
			return reflect.Value{}, err
		}
		return reflect.ValueOf(w.order.Uint16(b)).Convert(t), nil
	case 'i', 'u':
		b, err := fixed(4)
		if err != nil {
			return reflect.Value{}, err
		}
		return reflect.ValueOf(w.order.Uint32(b)).Convert(t), nil
	case 'x', 't':
		b, err := fixed(8)
		if err != nil {
			return reflect.Value{}, err
		}
		return reflect.ValueOf(w.order.Uint64(b)).Convert(t), nil
	case 'd':
		b, err := fixed(8)
		if err != nil {
			return reflect.Value{}, err
		}
		return reflect.ValueOf(math.Float64frombits(w.order.Uint64(b))), nil
	case 's', 'o':
		n, err := w.u32()
		if err != nil {
			return reflect.Value{}, err
		}
		b, err := w.take(int(n) + 1)
		if err != nil {
			return reflect.Value{}, err
		}
		return reflect.ValueOf(string(b[:n])).Convert(t), nil
	case 'g':
		s, err := w.signature()
		if err != nil {
			return reflect.Value{}, err
		}
		return reflect.ValueOf(s), nil
	case 'v':
		s, err := w.signature()
		if err != nil {
			return reflect.Value{}, err
		}
		if _, rest, err := firstType(s.String()); err != nil || rest != "" {
			return reflect.Value{}, fmt.Errorf("variant signature %q is not one complete type", s.String())
		}
		x, err := w.value(s.String(), depth+1)
		if err != nil {
			return reflect.Value{}, err
		}
		return reflect.ValueOf(dbus.MakeVariantWithSignature(x.Interface(), s)), nil
	case 'a':
		n, err := w.u32()
		if err != nil {
			return reflect.Value{}, err
		}
		elem := sig[1:]
		if err := w.align(alignment(elem)); err != nil {
			return reflect.Value{}, err
		}
		end := w.pos + int(n)
		if end > len(w.b) {
			return reflect.Value{}, errShort
		}
		out := reflect.MakeSlice(t, 0, 0)
		for w.pos < end {
			x, err := w.value(elem, depth+1)
			if err != nil {
				return reflect.Value{}, err
			}
			out = reflect.Append(out, x)
		}
		if w.pos != end {
			return reflect.Value{}, errors.New("an array's elements overrun its length")
		}
		return out, nil
	case '(', '{':
		ms, err := sigMembers(sig[1 : len(sig)-1])
		if err != nil {
			return reflect.Value{}, err
		}
		out := reflect.New(t).Elem()
		for i, m := range ms {
			x, err := w.value(m, depth+1)
			if err != nil {
				return reflect.Value{}, err
			}
			out.Field(i).Set(x)
		}
		return out, nil
	}
	return reflect.Value{}, fmt.Errorf("type %q is not supported", sig[:1])
}

func (w *wire) signature() (dbus.Signature, error) {
	b, err := w.take(1)
	if err != nil {
		return dbus.Signature{}, err
	}
	s, err := w.take(int(b[0]) + 1)
	if err != nil {
		return dbus.Signature{}, err
	}
	return dbus.ParseSignature(string(s[:b[0]]))
}

// replyBody finds, in the bytes of the messages a connection received,
// the method return answering serial and decodes its body, whose
// signature must be sig.
func replyBody(stream []byte, serial uint32, sig string) ([]reflect.Value, error) {
	for len(stream) >= 16 {
		var order binary.ByteOrder = binary.LittleEndian
		if stream[0] == 'B' {
			order = binary.BigEndian
		}
		bodyLen, fieldsLen := order.Uint32(stream[4:8]), order.Uint32(stream[12:16])
		bodyAt := (16 + int(fieldsLen) + 7) &^ 7
		total := bodyAt + int(bodyLen)
		if total > len(stream) || total < 16 {
			return nil, errShort
		}
		msg := stream[:total]
		stream = stream[total:]
		if msg[1] != byte(dbus.TypeMethodReply) {
			continue
		}
		h := &wire{b: msg[:bodyAt], pos: 12, order: order}
		fields, err := h.value("a(yv)", 0)
		if err != nil {
			return nil, err
		}
		var replyTo uint32
		var bodySig string
		for i := range fields.Len() {
			f := fields.Index(i)
			v := f.Field(1).Interface().(dbus.Variant)
			switch dbus.HeaderField(f.Field(0).Interface().(byte)) {
			case dbus.FieldReplySerial:
				replyTo, _ = v.Value().(uint32)
			case dbus.FieldSignature:
				s, _ := v.Value().(dbus.Signature)
				bodySig = s.String()
			}
		}
		if replyTo != serial {
			continue
		}
		if bodySig != sig {
			return nil, fmt.Errorf("the reply has signature %q, not %q", bodySig, sig)
		}
		ms, err := sigMembers(sig)
		if err != nil {
			return nil, err
		}
		b := &wire{b: msg, pos: bodyAt, order: order}
		var out []reflect.Value
		for _, m := range ms {
			x, err := b.value(m, 0)
			if err != nil {
				return nil, err
			}
			out = append(out, x)
		}
		return out, nil
	}
	return nil, errors.New("the reply was not among what was received")
}

// hasDict reports whether a variant's data holds a dict of more than one
// entry, whose order godbus loses.
func hasDict(v any) bool {
	switch x := v.(type) {
	case dbus.Variant:
		return hasDict(x.Value())
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Map:
		if rv.Len() > 1 {
			return true
		}
		for _, k := range rv.MapKeys() {
			if hasDict(rv.MapIndex(k).Interface()) {
				return true
			}
		}
	case reflect.Slice, reflect.Array:
		if rv.Type().Elem().Kind() == reflect.Uint8 {
			return false
		}
		for i := range rv.Len() {
			if hasDict(rv.Index(i).Interface()) {
				return true
			}
		}
	case reflect.Struct:
		for i := range rv.NumField() {
			if rv.Type().Field(i).IsExported() && hasDict(rv.Field(i).Interface()) {
				return true
			}
		}
	}
	return false
}
