package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/rolecall/rolecall/bench"
	"github.com/rolecall/rolecall/facade"
	"github.com/rolecall/rolecall/report"
)

// commandUsers is the Cortex tenant BenchmarkCommand lists: the one the
// library's CPU target is measured on (BenchmarkThroughput/cortex in
// package bench).
const commandUsers = 100_000

// BenchmarkCommand runs 'rolecall list --provider cortex --format F
// --output FILE' in process (run, as main calls it) against 100k Cortex
// users served from a fake in a child process over loopback, for each
// format, and, in each iteration just before it, the library alone: a new
// lister's ListAssignments over the same fake, each assignment counted and
// dropped. Both run with the client rate limiter off (--rate-limit -1, as
// the library's throughput benchmark: the fake has no limit, and Cortex's
// documented 1000 requests a minute would only add waiting). cpu-s is the
// process's CPU time (user + system) a command run, library-cpu-s the
// library's, and x-library their ratio over the same iterations, the
// figure to read on a shared machine; alloc-MiB and library-alloc-MiB are
// the bytes each allocated. A collection runs before each measured part
// (not measured), so that neither pays for the other's garbage.
//
// ndjson-unsorted is ndjson with --unsorted: the rows written in arrival
// order as the provider completes, without the sort (and the spill to
// temporary files past 64 MiB of rows) that makes two runs diff cleanly.
func BenchmarkCommand(b *testing.B) {
	f, err := bench.StartFake(bench.FakeConfig{Provider: "cortex", Users: commandUsers, Memo: true})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(f.Close)
	e := envFor("cortex", f.URL, f.Token)
	// The first listing fills the fake's memo, so that rendering pages
	// does not compete with the client for the cores; it is checked.
	if n := listLibrary(b, f); n != f.Expect.Assignments {
		b.Fatalf("the library listed %d assignments, the fake holds %d", n, f.Expect.Assignments)
	}
	variants := []struct {
		name   string
		format report.Format
		extra  []string
	}{
		{"ndjson", report.NDJSON, nil},
		{"csv", report.CSV, nil},
		{"json", report.JSON, nil},
		{"table", report.Table, nil},
		{"ndjson-unsorted", report.NDJSON, []string{"--unsorted"}},
	}
	for _, v := range variants {
		b.Run(v.name, func(b *testing.B) {
			dir := b.TempDir()
			var cmdCPU, libCPU time.Duration
			var cmdAlloc, libAlloc uint64
			i := 0
			b.ResetTimer()
			for b.Loop() {
				b.StopTimer()
				runtime.GC()
				c0, a0 := processCPU(), allocated()
				n := listLibrary(b, f)
				libCPU += processCPU() - c0
				libAlloc += allocated() - a0
				if n != f.Expect.Assignments {
					b.Fatalf("the library listed %d assignments, the fake holds %d", n, f.Expect.Assignments)
				}
				out := filepath.Join(dir, "report-"+strconv.Itoa(i)+"."+string(v.format))
				i++
				argv := append([]string{"list", "--provider", "cortex", "--format", string(v.format), "--output", out,
					"--rate-limit", "-1"}, v.extra...)
				runtime.GC()
				b.StartTimer()
				c0, a0 = processCPU(), allocated()
				code := run(context.Background(), argv, e.get, io.Discard, io.Discard)
				cmdCPU += processCPU() - c0
				cmdAlloc += allocated() - a0
				b.StopTimer()
				if code != exitOK {
					b.Fatalf("rolecall %v: exit code %d", argv, code)
				}
				if i == 1 {
					checkReport(b, v.format, out, f.Expect.Assignments)
				}
				b.StartTimer()
			}
			b.StopTimer()
			n := float64(b.N)
			b.ReportMetric(cmdCPU.Seconds()/n, "cpu-s")
			b.ReportMetric(libCPU.Seconds()/n, "library-cpu-s")
			b.ReportMetric(cmdCPU.Seconds()/libCPU.Seconds(), "x-library")
			b.ReportMetric(float64(cmdAlloc)/n/(1<<20), "alloc-MiB")
			b.ReportMetric(float64(libAlloc)/n/(1<<20), "library-alloc-MiB")
			b.ReportMetric(float64(f.Expect.Assignments), "assignments")
			b.ReportMetric(commandUsers, "users")
		})
	}
}

// checkReport fails b unless the report in file holds want rows: read
// back, or for the table (which Read refuses) counted by its lines.
func checkReport(b *testing.B, format report.Format, file string, want int) {
	b.Helper()
	n := 0
	if format == report.Table {
		data, err := os.ReadFile(file)
		if err != nil {
			b.Fatal(err)
		}
		n = bytes.Count(data, []byte("\n")) - 1 // the header
	} else {
		rep, err := report.ReadFile(file)
		if err != nil {
			b.Fatal(err)
		}
		n = len(rep.Rows)
	}
	if n != want {
		b.Fatalf("the %s report holds %d rows, the fake %d assignments", format, n, want)
	}
}

// listLibrary lists the fake's tenant with a new lister, as the command
// builds one a run, at the options the command's flags give
// (--rate-limit -1), and returns the assignments listed.
func listLibrary(b *testing.B, f *bench.Fake) int {
	b.Helper()
	l, err := bench.NewLister("cortex", f.URL, f.Token, facade.Options{RateLimit: -1})
	if err != nil {
		b.Fatal(err)
	}
	n := 0
	for _, err := range l.ListAssignments(context.Background(), nil) {
		if err != nil {
			b.Fatal(err)
		}
		n++
	}
	return n
}

// processCPU returns the CPU time (user and system) this process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// allocated returns the bytes this process has allocated on the heap so
// far.
func allocated() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}
