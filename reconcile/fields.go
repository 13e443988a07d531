package reconcile

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/mailform/mailform/providers/mail"
	"github.com/mailform/mailform/schema"
)

var passwordType = reflect.TypeOf(mail.Password{})

// fields compares two objects of one type by their diff-tagged fields. With
// before nil it lists what is set on after (a create); with after nil, what
// was set on before (a delete); otherwise what differs.
func fields(before, after any) []Field {
	var bv, av reflect.Value
	var t reflect.Type
	if before != nil && !reflect.ValueOf(before).IsNil() {
		bv = reflect.ValueOf(before).Elem()
		t = bv.Type()
	}
	if after != nil && !reflect.ValueOf(after).IsNil() {
		av = reflect.ValueOf(after).Elem()
		t = av.Type()
	}
	var out []Field
	for i := 0; i < t.NumField(); i++ {
		tag := t.Field(i).Tag.Get("diff")
		if tag == "" {
			continue
		}
		name, opt, _ := strings.Cut(tag, ",")
		size := opt == "size"
		if t.Field(i).Type == passwordType {
			f := Field{Name: name, Sensitive: true}
			switch {
			case !bv.IsValid():
				f.After = "(sensitive)"
			case !av.IsValid():
				f.Before = "(sensitive)"
			default:
				if av.Field(i).Interface().(mail.Password).Matches(bv.Field(i).Interface().(mail.Password)) {
					continue
				}
				f.Before, f.After = "(sensitive)", "(sensitive)"
			}
			out = append(out, f)
			continue
		}
		var b, a any
		if bv.IsValid() {
			b = display(bv.Field(i), size)
		}
		if av.IsValid() {
			a = display(av.Field(i), size)
		}
		switch {
		case !bv.IsValid() && isZero(a), !av.IsValid() && isZero(b):
			continue
		case bv.IsValid() && av.IsValid() && equal(a, b):
			continue
		}
		out = append(out, Field{Name: name, Before: b, After: a})
	}
	return out
}

// display turns a field into a JSON value for the plan.
func display(v reflect.Value, size bool) any {
	switch x := v.Interface().(type) {
	case string:
		return x
	case int:
		if size {
			return schema.Size(x).String()
		}
		return x
	case int64:
		if size {
			if x == 0 {
				return nil
			}
			return schema.Size(x).String()
		}
		return x
	case bool:
		return x
	case []string:
		if len(x) == 0 {
			return []string{}
		}
		return x
	case []mail.Manager:
		out := []string{}
		for _, m := range x {
			out = append(out, m.String())
		}
		return out
	case fmt.Stringer:
		if v.Kind() == reflect.Pointer && v.IsNil() {
			return nil
		}
		return x.String()
	}
	panic(fmt.Sprintf("reconcile: cannot show a %s in a plan", v.Type()))
}

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
