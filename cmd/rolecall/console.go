package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/rolecall/rolecall/facade"
	"github.com/rolecall/rolecall/internal/scrub"
	"github.com/rolecall/rolecall/internal/termtext"
)

// console is stderr: warning and error lines, and on a terminal a live
// status area below them, one line per provider, redrawn in place. Every
// line it writes is scrubbed of the credentials in the environment, then
// shows control, bidi and zero-width characters (which a provider's error
// message or request id may carry) as visible escapes.
type console struct {
	mu     sync.Mutex
	w      io.Writer
	scrub  *scrub.Scrubber
	live   bool     // a status area is being drawn
	status []string // the lines last drawn
	lines  func() []string
	stop   chan struct{}
	done   chan struct{}
}

func newConsole(w io.Writer, sc *scrub.Scrubber) *console {
	return &console{w: w, scrub: sc}
}

// Println writes one line (above the status area, if one is drawn).
func (c *console) Println(s string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s = termtext.Escape(c.scrub.String(strings.TrimRight(s, "\n")))
	if !c.live {
		fmt.Fprintln(c.w, s)
		return
	}
	c.erase()
	fmt.Fprintln(c.w, s)
	c.draw(c.status)
}

// Printf writes one formatted line.
func (c *console) Printf(format string, args ...any) { c.Println(fmt.Sprintf(format, args...)) }

// erase moves the cursor up over the status area and clears it.
func (c *console) erase() {
	if len(c.status) > 0 {
		fmt.Fprintf(c.w, "\x1b[%dA\r\x1b[J", len(c.status))
	}
}

func (c *console) draw(lines []string) {
	var b strings.Builder
	for _, l := range lines {
		b.WriteString("\r\x1b[2K")
		b.WriteString(termtext.Escape(c.scrub.String(l)))
		b.WriteString("\n")
	}
	io.WriteString(c.w, b.String())
	c.status = lines
}

func (c *console) redraw() {
	c.mu.Lock()
	defer c.mu.Unlock()
	lines := c.lines()
	if len(c.status) > 0 {
		fmt.Fprintf(c.w, "\x1b[%dA", len(c.status))
	}
	c.draw(lines)
}

// StartStatus begins drawing lines() every interval until StopStatus.
func (c *console) StartStatus(interval time.Duration, lines func() []string) {
	c.mu.Lock()
	c.live, c.lines = true, lines
	c.stop, c.done = make(chan struct{}), make(chan struct{})
	c.mu.Unlock()
	c.redraw()
	go func() {
		defer close(c.done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				c.redraw()
			case <-c.stop:
				return
			}
		}
	}()
}

// StopStatus draws the status lines a last time and leaves them on the
// screen.
func (c *console) StopStatus() {
	c.mu.Lock()
	live := c.live
	c.mu.Unlock()
	if !live {
		return
	}
	close(c.stop)
	<-c.done
	c.redraw()
	c.mu.Lock()
	c.live, c.status = false, nil
	c.mu.Unlock()
}

// provState is what the status line and the final summary know of one
// provider's listing.
type provState struct {
	name     string                                       // the tenant's name: the provider's, without --tenants
	tenant   string                                       // --tenants: the tenant's name; "" otherwise
	prov     string                                       // --tenants: the tenant's provider
	host     string                                       // for the run record
	stats    interface{ Snapshot() facade.StatsSnapshot } // a *facade.Stats
	mu       sync.Mutex
	err      string // the failure line, for the run record
	reported bool   // completion was reported (session.completed)
	started  time.Time
	ended    time.Time
	state    string // "starting", "listing", "done", "failed", "stopped"
	produced int    // assignments the driver handed over
	received int    // assignments that reached the report
}

// provider is the provider listed.
func (p *provState) provider() string {
	if p.prov == "" {
		return p.name
	}
	return p.prov
}

// fail marks the provider failed with the line printed for it.
func (p *provState) fail(line string) {
	p.set("failed")
	p.mu.Lock()
	if p.err == "" {
		p.err = line
	}
	p.mu.Unlock()
}

// justCompleted reports, once, that every assignment the provider listed
// reached the report and its listing ended.
func (p *provState) justCompleted() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.reported || p.state != "done" || p.received != p.produced {
		return false
	}
	p.reported = true
	return true
}

func (p *provState) set(state string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch state {
	case "listing":
		p.started = time.Now()
	default:
		p.ended = time.Now()
	}
	p.state = state
}

// line renders the provider's status line, e.g.
//
//	openai   listing  12 pages  1180 assignments  2 retries  1 rate-limited  waited 1.5s  3.2s
//
// Fields that would take it past maxWidth runes are left out, the least
// important (at the end) first: a line wider than the terminal would wrap,
// and the redraw would then move the cursor up too few lines.
func (p *provState) line(nameWidth, maxWidth int) string {
	p.mu.Lock()
	state, started, ended := p.state, p.started, p.ended
	p.mu.Unlock()
	s := p.stats.Snapshot()
	fields := []string{
		fmt.Sprintf("%-*s  %-8s", nameWidth, p.name, state),
		fmt.Sprintf("%d %s", s.Pages, plural(s.Pages, "page", "pages")),
		fmt.Sprintf("%d %s", s.Assignments, plural(s.Assignments, "assignment", "assignments")),
	}
	if s.Retries > 0 {
		fields = append(fields, fmt.Sprintf("%d %s", s.Retries, plural(s.Retries, "retry", "retries")))
	}
	if s.RateLimited > 0 {
		fields = append(fields, fmt.Sprintf("%d rate-limited", s.RateLimited))
	}
	if s.Waited >= time.Millisecond {
		round := 100 * time.Millisecond
		if s.Waited < time.Second {
			round = time.Millisecond
		}
		fields = append(fields, "waited "+s.Waited.Round(round).String())
	}
	if !started.IsZero() {
		if ended.IsZero() {
			ended = time.Now()
		}
		fields = append(fields, ended.Sub(started).Round(100*time.Millisecond).String())
	}
	line := ""
	for i, f := range fields {
		next := f
		if i > 0 {
			next = line + "  " + f
		}
		if len([]rune(next)) > maxWidth {
			if i == 0 {
				return string([]rune(f)[:maxWidth])
			}
			break
		}
		line = next
	}
	return line
}

func plural(n int64, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// consoleHandler is a slog.Handler that writes each record as one line on
// the console: "warning: cortex: <message> (key=value, …)".
type consoleHandler struct {
	c     *console
	level slog.Level
	attrs []slog.Attr
	group string
}

func (h *consoleHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= h.level }

func (h *consoleHandler) Handle(_ context.Context, r slog.Record) error {
	var provider string
	var kv []string
	add := func(a slog.Attr) bool {
		if a.Key == "provider" && provider == "" {
			provider = a.Value.String()
			return true
		}
		key := a.Key
		if h.group != "" {
			key = h.group + "." + key
		}
		kv = append(kv, key+"="+a.Value.String())
		return true
	}
	for _, a := range h.attrs {
		add(a)
	}
	r.Attrs(add)
	var b strings.Builder
	switch {
	case r.Level >= slog.LevelError:
		b.WriteString("error: ")
	case r.Level >= slog.LevelWarn:
		b.WriteString("warning: ")
	case r.Level < slog.LevelInfo:
		b.WriteString("debug: ")
	}
	if provider != "" {
		b.WriteString(provider + ": ")
	}
	b.WriteString(r.Message)
	if len(kv) > 0 {
		b.WriteString(" (" + strings.Join(kv, ", ") + ")")
	}
	h.c.Println(b.String())
	return nil
}

func (h *consoleHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	h2 := *h
	h2.attrs = append(append([]slog.Attr(nil), h.attrs...), attrs...)
	return &h2
}

func (h *consoleHandler) WithGroup(name string) slog.Handler {
	h2 := *h
	if h2.group != "" {
		name = h2.group + "." + name
	}
	h2.group = name
	return &h2
}
