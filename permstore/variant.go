package permstore

import (
	"errors"
	"fmt"
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
// order (the portal backends' data has no dict with more than one entry).
// Unix file descriptors are refused.
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
	case '(':
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
