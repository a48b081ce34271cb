package report

import (
	"bytes"
	"encoding/json"
	"testing"
)

// stdRowJSON is r as the Writer encoded it before appendRowJSON: through
// encoding/json without HTML escaping, its newline trimmed.
func stdRowJSON(t testing.TB, r Row) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	n := normalized(r)
	if err := enc.Encode(&n); err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

// ncols is the columns the Writer writes r with: the tenant only in a
// report of several tenants, as encoding/json writes it only when set.
func ncols(r *Row) int {
	if r.Tenant == "" {
		return modelColumns
	}
	return len(columns)
}

// TestRowJSONAsEncodingJSON: appendRowJSON writes the hostile rows (every
// column, invalid UTF-8, CRLF, permissions nil, empty and not) and the
// sample rows byte for byte as encoding/json does.
func TestRowJSONAsEncodingJSON(t *testing.T) {
	rows := append(append(hostileRows(), sample...), modelRows...)
	for _, s := range []string{"<&>", "\u2028\u2029", "\x00\x01\x1f\x7f", "\b\f\t", `"\"\\`, "\u00e9\u6771"} {
		rows = append(rows, Row{Name: s, Permissions: []string{s}, Disabled: true}, Row{Tenant: s, Provider: "cortex"})
	}
	for i, r := range rows {
		if got, want := appendRowJSON(nil, &r, ncols(&r)), stdRowJSON(t, r); !bytes.Equal(got, want) {
			t.Fatalf("row %d %+v:\n got %s\nwant %s", i, r, got, want)
		}
	}
}

// TestRowJSONAllocatesNothing: encoding a row allocates nothing once the
// buffer has grown.
func TestRowJSONAllocatesNothing(t *testing.T) {
	rows := hostileRows()
	var b []byte
	for i := range rows {
		b = appendRowJSON(b[:0], &rows[i], len(columns))
	}
	i := 0
	allocs := testing.AllocsPerRun(len(rows), func() {
		b = appendRowJSON(b[:0], &rows[i%len(rows)], len(columns))
		i++
	})
	if allocs != 0 {
		t.Fatalf("%v allocations a row", allocs)
	}
}

// FuzzRowJSON: for any strings, appendRowJSON writes what encoding/json
// writes, in a text column, a model column and the permissions.
func FuzzRowJSON(f *testing.F) {
	for _, v := range hostileValues {
		f.Add(v, "x", true)
	}
	f.Add("\u2028<\x00>\u2029", "\x7f\xc0\x80", false)
	f.Fuzz(func(t *testing.T, a, b string, flag bool) {
		rows := []Row{
			{Provider: a, Email: b, Disabled: flag, Permissions: []string{a, b}, OwnerName: a, Expires: b},
			{Name: b, Privileged: flag, ScopeName: a},
			{Permissions: []string{b}},
		}
		for i, r := range rows {
			if got, want := appendRowJSON(nil, &r, ncols(&r)), stdRowJSON(t, r); !bytes.Equal(got, want) {
				t.Fatalf("row %d:\n got %s\nwant %s", i, got, want)
			}
		}
	})
}
