package plan

import (
	"fmt"
	"reflect"
	"strings"
	"sync"
)

// A field of a mail backend's object is shown in a plan when it has a
// tag `diff:"name"`, where name is the field's name in the plan. Options
// after a comma: `size` shows a number of bytes as a size ("8 GB"; zero
// as null), `sensitive` shows only whether the value is set and whether
// it changes, as "(sensitive)". Sensitive values are compared with ==:
// the diff gives an unchanged secret (a plaintext that matches the stored
// hash) the live value before it asks.

// diffField is a diff-tagged field of an object type.
type diffField struct {
	index     int
	name      string
	size      bool
	sensitive bool
}

var diffFields sync.Map // reflect.Type → []diffField

// fieldsOf lists a type's diff-tagged fields, reading its tags once.
func fieldsOf(t reflect.Type) []diffField {
	if fs, ok := diffFields.Load(t); ok {
		return fs.([]diffField)
	}
	var fs []diffField
	for i := 0; i < t.NumField(); i++ {
		tag := t.Field(i).Tag.Get("diff")
		if tag == "" {
			continue
		}
		name, opt, _ := strings.Cut(tag, ",")
		fs = append(fs, diffField{index: i, name: name, size: opt == "size", sensitive: opt == "sensitive"})
	}
	diffFields.Store(t, fs)
	return fs
}

// appendFields compares two objects of one type by their diff-tagged
// fields and appends them to out. With before nil it lists what is set on
// after (a create); with after nil, what was set on before (a delete);
// otherwise what differs.
func appendFields(out []Field, before, after any) []Field {
	diffFieldsOf(before, after, func(f Field) bool {
		if out == nil {
			// Room for every field, and a replaced key's.
			out = make([]Field, 0, len(fieldsOf(objectType(before, after)))+1)
		}
		out = append(out, f)
		return true
	})
	return out
}

// Differs reports whether two objects of one type differ in a diff-tagged
// field, stopping at the first.
func Differs(before, after any) bool {
	found := false
	diffFieldsOf(before, after, func(Field) bool {
		found = true
		return false
	})
	return found
}

// diffFieldsOf passes each field appendFields lists to yield, until yield
// returns false. Fields whose values are the same are skipped before they
// are turned into the plan's form, which most are in a plan of a large
// config with little to change.
func diffFieldsOf(before, after any, yield func(Field) bool) {
	var bv, av reflect.Value
	if before != nil && !reflect.ValueOf(before).IsNil() {
		bv = reflect.ValueOf(before).Elem()
	}
	if after != nil && !reflect.ValueOf(after).IsNil() {
		av = reflect.ValueOf(after).Elem()
	}
	for _, fd := range fieldsOf(objectType(before, after)) {
		i := fd.index
		if fd.sensitive {
			f := Field{Name: fd.name, Sensitive: true}
			switch {
			case !bv.IsValid():
				f.After = "(sensitive)"
			case !av.IsValid():
				f.Before = "(sensitive)"
			case av.Field(i).Equal(bv.Field(i)):
				continue
			default:
				f.Before, f.After = "(sensitive)", "(sensitive)"
			}
			if !yield(f) {
				return
			}
			continue
		}
		if bv.IsValid() && av.IsValid() && sameValue(bv.Field(i), av.Field(i)) {
			continue
		}
		var b, a any
		if bv.IsValid() {
			b = display(bv.Field(i), fd.size)
		}
		if av.IsValid() {
			a = display(av.Field(i), fd.size)
		}
		switch {
		case !bv.IsValid() && isZero(a), !av.IsValid() && isZero(b):
			continue
		case bv.IsValid() && av.IsValid() && equal(a, b):
			continue
		}
		if !yield(Field{Name: fd.name, Before: b, After: a}) {
			return
		}
	}
}

// objectType is the struct type of the objects compared, whichever of the
// two pointers is set.
func objectType(before, after any) reflect.Type {
	if after != nil && !reflect.ValueOf(after).IsNil() {
		return reflect.TypeOf(after).Elem()
	}
	return reflect.TypeOf(before).Elem()
}

// sameValue reports whether two values of the plain kinds are identical,
// and so shown alike. It is false for other kinds and for values that
// differ, which display then compares as the plan shows them.
func sameValue(a, b reflect.Value) bool {
	switch a.Kind() {
	case reflect.String:
		return a.String() == b.String()
	case reflect.Bool:
		return a.Bool() == b.Bool()
	case reflect.Int, reflect.Int64:
		return a.Int() == b.Int()
	case reflect.Slice:
		if a.Type().Elem().Kind() != reflect.String || a.Len() != b.Len() {
			return false
		}
		for i := range a.Len() {
			if a.Index(i).String() != b.Index(i).String() {
				return false
			}
		}
		return true
	case reflect.Pointer:
		return a.IsNil() && b.IsNil()
	}
	return false
}

// display turns a field into a JSON value for the plan.
func display(v reflect.Value, size bool) any {
	switch x := v.Interface().(type) {
	case string:
		return x
	case int:
		if size {
			return sizeText(int64(x))
		}
		return x
	case int64:
		if size {
			if x == 0 {
				return nil
			}
			return sizeText(x)
		}
		return x
	case bool:
		return x
	case []string:
		if len(x) == 0 {
			return []string{}
		}
		return x
	case fmt.Stringer:
		if v.Kind() == reflect.Pointer && v.IsNil() {
			return nil
		}
		return x.String()
	}
	if v.Kind() == reflect.Slice && v.Type().Elem().Implements(stringerType) {
		out := make([]string, v.Len())
		for i := range out {
			out[i] = v.Index(i).Interface().(fmt.Stringer).String()
		}
		return out
	}
	panic(fmt.Sprintf("plan: cannot show a %s in a plan", v.Type()))
}

// sizeText writes a number of bytes as the config writes a size: "8GB",
// "512MB", or bytes when it is no whole number of megabytes.
func sizeText(n int64) string {
	const mb, gb, tb = 1 << 20, 1 << 30, 1 << 40
	switch {
	case n >= tb && n%tb == 0:
		return fmt.Sprintf("%dTB", n/tb)
	case n >= gb && n%gb == 0:
		return fmt.Sprintf("%dGB", n/gb)
	case n%mb == 0:
		return fmt.Sprintf("%dMB", n/mb)
	}
	return fmt.Sprintf("%dB", n)
}

var stringerType = reflect.TypeFor[fmt.Stringer]()

func isZero(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return x == ""
	case int:
		return x == 0
	case int64:
		return x == 0
	case bool:
		return !x
	case []string:
		return len(x) == 0
	}
	return false
}

func equal(a, b any) bool {
	return reflect.DeepEqual(a, b)
}
