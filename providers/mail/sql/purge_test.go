package sql

import (
	"sort"
	"testing"
)

func TestOverlapping(t *testing.T) {
	dirs := []userDir{
		{"a.example/info/", "info@a.example"},
		{"a.example/info/sub/", "info/sub@a.example"},
		{"a.example/sales/", "sales@a.example"},
		{"a.example/sales/", "old-sales@a.example"},
		{"a.example/shop/", "shop@a.example"},
		{"a.example/shopping/", "shopping@a.example"},
		{"b.example/", "odd@b.example"},
		{"b.example/x/", "x@b.example"},
	}
	sort.Slice(dirs, func(i, j int) bool { return dirs[i].dir < dirs[j].dir })
	for _, tc := range []struct{ dir, user, want string }{
		{"a.example/info/", "info@a.example", "info/sub@a.example"},     // holds another's
		{"a.example/info/sub/", "info/sub@a.example", "info@a.example"}, // inside another's
		{"a.example/sales/", "old-sales@a.example", "sales@a.example"},  // the same
		{"a.example/shop/", "shop@a.example", ""},                       // a longer name is no overlap
		{"b.example/x/", "x@b.example", "odd@b.example"},                // a whole domain's
		{"c.example/gone/", "gone@c.example", ""},                       // nothing near
	} {
		if got := overlapping(dirs, tc.dir, tc.user); got != tc.want {
			t.Errorf("overlapping(%s, %s) = %q, want %q", tc.dir, tc.user, got, tc.want)
		}
	}
}
