package reconcile

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/libdns/libdns"
)

// Fingerprint identifies the live state: two refreshes give the same
// fingerprint exactly when they read the same thing. Every field of the
// backends' state counts (password hashes and keys only through the
// digest); a zone's records count whatever order the provider gave them
// in.
func (l *Live) Fingerprint() string {
	f := &fingerprinter{h: sha256.New(), buf: make([]byte, 0, 64<<10)}
	for _, name := range sortedNames(l.Mail) {
		f.str("backend")
		f.str(name)
		f.value(reflect.ValueOf(l.Mail[name]))
	}
	for _, name := range sortedNames(l.DNS) {
		pz := l.DNS[name]
		f.str("dns")
		f.str(name)
		f.strs(pz.Zones)
		for _, z := range sortedNames(pz.Records) {
			f.str(z)
			rrs := slices.Clone(pz.Records[z])
			slices.SortFunc(rrs, compareRR)
			f.int(int64(len(rrs)))
			for _, rr := range rrs {
				f.str(rr.Name)
				f.str(rr.Type)
				f.int(int64(rr.TTL))
				f.str(rr.Data)
			}
		}
	}
	f.flush()
	return hex.EncodeToString(f.h.Sum(nil))
}

func compareRR(a, b libdns.RR) int {
	if c := strings.Compare(a.Name, b.Name); c != 0 {
		return c
	}
	if c := strings.Compare(a.Type, b.Type); c != 0 {
		return c
	}
	if c := strings.Compare(a.Data, b.Data); c != 0 {
		return c
	}
	return int(a.TTL - b.TTL)
}

// fingerprinter feeds values to a hash in an unambiguous binary form: each
// string and list with its length first. It walks the backends' state by
// reflection, so a field added to it counts without being listed here.
type fingerprinter struct {
	h   hash.Hash
	buf []byte
}

var timeType = reflect.TypeFor[time.Time]()

func (f *fingerprinter) value(v reflect.Value) {
	switch v.Kind() {
	case reflect.String:
		f.str(v.String())
	case reflect.Bool:
		if v.Bool() {
			f.int(1)
		} else {
			f.int(0)
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		f.int(v.Int())
	case reflect.Uint, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		f.int(int64(v.Uint()))
	case reflect.Pointer:
		if v.IsNil() {
			f.int(0)
			return
		}
		f.int(1)
		f.value(v.Elem())
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			f.str(string(v.Bytes()))
			return
		}
		f.int(int64(v.Len()))
		for i := range v.Len() {
			f.value(v.Index(i))
		}
	case reflect.Struct:
		if v.Type() == timeType {
			t := v.Interface().(time.Time)
			f.int(t.UnixNano())
			return
		}
		for i := range v.NumField() {
			f.value(v.Field(i))
		}
	default:
		// The backends' state holds none of the other kinds; a test walks
		// every type in it.
		panic(fmt.Sprintf("fingerprint: %s not supported", v.Type()))
	}
}

func (f *fingerprinter) str(s string) {
	f.int(int64(len(s)))
	f.buf = append(f.buf, s...)
	if len(f.buf) >= 48<<10 {
		f.flush()
	}
}

func (f *fingerprinter) strs(list []string) {
	f.int(int64(len(list)))
	for _, s := range list {
		f.str(s)
	}
}

func (f *fingerprinter) int(n int64) { f.buf = binary.AppendVarint(f.buf, n) }

func (f *fingerprinter) flush() {
	f.h.Write(f.buf)
	f.buf = f.buf[:0]
}
