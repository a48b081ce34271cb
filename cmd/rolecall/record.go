package main

import (
	"context"
	"flag"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/rolecall/rolecall/api/specs"
	"github.com/rolecall/rolecall/facade"
	"github.com/rolecall/rolecall/fixture"
)

var recordCommand = &command{
	name:    "record",
	args:    "--provider P --dir DIR [flags]",
	summary: "record a live listing of one provider as fixtures, secrets redacted",
	about: `
List one provider live, as 'rolecall list' does, and store every HTTP exchange
as a fixture file in DIR/<provider>/: one JSON file per request and response, in
the format of package fixture, named listing.<operation>[.<path parameters>].page-<n>.json
(a path parameter that is not plain lower-case letters, digits, '_' and '-',
or looks like a credential, is named by its hash). Credentials are never stored: authorization headers, API
keys, tokens and secrets in query strings and bodies are replaced by
"[REDACTED]", and so is any value of the credential variables wherever it
appears. Review the files before committing them: they hold the tenant's user
names and emails.

The recording is written into a temporary directory inside DIR and replaces
DIR/<provider>/ whole only when the listing completed: pages left from an
earlier, longer recording are removed, and a failed run (a 401, say) leaves the
fixtures as they were, unless --keep-failed. Bodies are read under the same
64 MiB cap as a listing.`,
	examples: `
rolecall record --provider vectara --dir testdata/fixtures
rolecall record --provider openai --dir /tmp/fixtures --email ada@example.com`,
	run: runRecord,
}

func runRecord(a *app, cmd *command, args []string) int {
	fs := flag.NewFlagSet("record", flag.ContinueOnError)
	var rf runFlags
	rf.register(fs)
	dir := fs.String("dir", "", "the `directory` to write the fixtures to (created if needed)")
	keepFailed := fs.Bool("keep-failed", false,
		"when the listing fails, still replace the provider's fixtures with what was recorded\n(error responses included)")
	pos, done, code := a.parse(cmd, fs, args)
	if done {
		return code
	}
	if len(pos) > 0 {
		return a.usage(cmd, usageErrorf("unexpected argument %q", pos[0]))
	}
	if err := rf.check(); err != nil {
		return a.usage(cmd, err)
	}
	if strings.TrimSpace(rf.providers) == "" {
		return a.usage(cmd, usageErrorf("--provider is required: record one provider at a time"))
	}
	providers, err := parseProviders(rf.providers, a.env)
	if err != nil {
		return a.usage(cmd, err)
	}
	if len(providers) != 1 {
		return a.usage(cmd, usageErrorf("--provider: record one provider at a time (got %s)", strings.Join(providers, ", ")))
	}
	if *dir == "" {
		return a.usage(cmd, usageErrorf("--dir is required"))
	}
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		return a.usage(cmd, usageErrorf("--dir: %v", err))
	}
	var rec *fixture.Recorder
	defer func() {
		if rec != nil {
			rec.Discard() // whatever was not committed
		}
	}()
	s, err := a.newSession(&rf, providers, func(p string, o facade.Options) (facade.Lister, error) {
		strip, err := recordStripPath(a.ctx, p, baseURL(p, a.env))
		if err != nil {
			return nil, err
		}
		rec, err = fixture.Stage(newTransport(), *dir, fixture.RecorderOptions{Provider: p, StripPath: strip,
			Secrets: a.env.secrets(), Note: "recorded by rolecall record"})
		if err != nil {
			return nil, usageErrorf("--dir: %v", err)
		}
		o.HTTPClient = httpClientWith(rec)
		return newLister(p, a.env, o)
	})
	if err != nil {
		return a.usage(cmd, err)
	}
	out := s.run(a.ctx, func(facade.Assignment) error { return nil })
	files := rec.Files()
	target := filepath.Join(*dir, providers[0])
	if !out.ok() && !*keepFailed {
		if err := rec.Discard(); err != nil {
			s.con.Printf("rolecall record: removing the failed recording: %v", err)
		}
		if line := out.summary(1, rf.failFast, ""); line != "" {
			s.con.Println(line)
		}
		fmt.Fprintf(a.stdout, "%s: FAILED: the listing did not complete; %s is unchanged (--keep-failed replaces it anyway)\n",
			providers[0], target)
		return exitFailed
	}
	if err := rec.Commit(); err != nil {
		s.con.Printf("rolecall record: %v", err)
		return exitFailed
	}
	fmt.Fprintf(a.stdout, "%s: recorded %d %s, %d %s listed, into %s\n", providers[0], len(files),
		plural(int64(len(files)), "exchange", "exchanges"), out.listed, plural(int64(out.listed), "assignment", "assignments"),
		target)
	for _, f := range files {
		fmt.Fprintf(a.stdout, "  %s\n", f)
	}
	if line := out.summary(1, rf.failFast, ""); line != "" {
		s.con.Println(line)
	}
	if !out.ok() {
		return exitFailed
	}
	return exitOK
}

// recordStripPath is the part of base's path that is not the provider's
// own (a test server's mount point, say): the recorder removes it so that
// fixtures hold the paths the provider's real host sees (OpenAI's keep
// their /v1).
func recordStripPath(ctx context.Context, provider, base string) (string, error) {
	u, err := url.Parse(base)
	if err != nil {
		return "", usageErrorf("%s: base URL: %v", provider, err)
	}
	doc, err := specs.Open(ctx, provider)
	if err != nil {
		return "", err
	}
	path := strings.TrimSuffix(u.Path, "/")
	return strings.TrimSuffix(path, doc.BasePath), nil
}
