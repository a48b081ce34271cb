package report

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"text/tabwriter"
)

// benchRows is a tenant of n assignments, a few roles a user.
func benchRows(n int) []Row {
	rows := make([]Row, n)
	for i := range rows {
		u := i / 3
		rows[i] = Row{Provider: "openai", UserID: fmt.Sprintf("user-%08d", u), Email: fmt.Sprintf("User.%d@Example.com", u),
			Name: fmt.Sprintf("User %d", u), RoleID: fmt.Sprintf("role_%02d", i%3), RoleName: "Role", RoleKind: "custom",
			Scope: "api.organization", Permissions: []string{"api.files.read", "api.usage.read"}}
	}
	return rows
}

// BenchmarkTable writes a 66,000-row table to a file, as rolecall does,
// beside the baseline of the table before it was buffered (text/tabwriter
// straight onto the file, which flushes a write a cell). writes/op counts
// the write calls reaching the file.
func BenchmarkTable(b *testing.B) {
	rows := benchRows(66_000)
	f, err := os.Create(os.DevNull)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	b.Run("writer", func(b *testing.B) {
		for b.Loop() {
			c := &countingFile{f: f}
			w := NewWriter(c, Options{Format: Table})
			for _, r := range rows {
				w.Write(r)
			}
			if err := w.Finish(nil); err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(c.writes), "writes/op")
		}
	})
	b.Run("baseline-tabwriter-unbuffered", func(b *testing.B) {
		for b.Loop() {
			c := &countingFile{f: f}
			tw := tabwriter.NewWriter(c, 0, 8, 2, ' ', 0)
			tw.Write([]byte(strings.Join(TableHeader, "\t") + "\n"))
			for i := range rows {
				tw.Write([]byte(strings.Join(TableCells(&rows[i], 0), "\t") + "\n"))
			}
			tw.Flush()
			b.ReportMetric(float64(c.writes), "writes/op")
		}
	})
}

type countingFile struct {
	f      *os.File
	writes int
}

func (c *countingFile) Write(p []byte) (int, error) { c.writes++; return c.f.Write(p) }

// BenchmarkWriteDigest writes a 66,000-row NDJSON report, which records
// each provider's rows_sha256 as it writes the rows, beside the baseline
// of the same rows written through the same Writer with the digest taken
// out of the measure: the encoding and hashing alone (RowsDigest) run
// over the rows and reported as digest-ns/op, so the ratio is the share
// of the writing the digest costs.
func BenchmarkWriteDigest(b *testing.B) {
	rows := benchRows(66_000)
	f, err := os.Create(os.DevNull)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	b.Run("writer", func(b *testing.B) {
		for b.Loop() {
			w := NewWriter(f, Options{Format: NDJSON})
			for _, r := range rows {
				w.Write(r)
			}
			if err := w.Finish(&Run{Providers: []ProviderRun{{Provider: "openai"}}}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("digest-alone", func(b *testing.B) {
		for b.Loop() {
			RowsDigest(rows)
		}
	})
}
