package bench

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/rolecall/rolecall/providertest"
)

// fakeEnv carries a FakeConfig to the child process.
const fakeEnv = "ROLECALL_BENCH_FAKE"

// FakeConfig describes a fake provider server run in a child process.
type FakeConfig struct {
	Provider string
	Users    int
	Seed     int64
	// Latency, RateLimit and Burst are providertest.Options' fields.
	Latency   time.Duration
	RateLimit float64
	Burst     int
	// Validate turns the fake's request validation on (off by default in
	// benchmarks: providertest.Options.NoValidate).
	Validate bool
	// OpenAI, when set, is the shape of the OpenAI organization
	// (providertest.NewOpenAITenant; its Users is taken from Users): a
	// graph of a given size, or users only. Nil is NewTenant's default
	// shape.
	OpenAI *providertest.OpenAIShape `json:",omitempty"`
	// UsersOnly serves the tenant's users and nothing else of its
	// principal graph, for the benchmarks that compare rolecall with a
	// baseline listing users only: for OpenAI an organization of users
	// alone (NewOpenAITenant with usersOnlyShape), for the others
	// NewTenant's tenant less its other principals (Tenant.UsersOnly).
	// It overrides OpenAI.
	UsersOnly bool `json:",omitempty"`
	// Memo puts a memoizing front server before the fake: the first
	// request for a URL goes to the fake, and its 200 answer (status,
	// headers and body bytes) is replayed for every later request of the
	// same URL. Throughput benchmarks use it so that the fake's rendering
	// does not compete with the client for the machine's cores; requests
	// still travel over loopback HTTP. With Memo, Latency is added by the
	// front server to every request, replayed or not.
	Memo bool
}

// FakeStats are a fake's counters.
type FakeStats struct {
	// ByOp counts the requests the fake itself received, per operation
	// (with Memo, only those the front server did not replay).
	ByOp map[string]int64
	// Served counts every request answered, replayed or not.
	Served int64
	// CPU is the CPU time the child process has used.
	CPU time.Duration
}

// Fake is a fake provider server running in a child process.
type Fake struct {
	URL    string
	Token  string
	Expect Expect // what a correct listing yields
	Min    map[string]int64

	cmd *exec.Cmd
	in  io.WriteCloser
	out *bufio.Reader
	mu  sync.Mutex
}

type fakeHello struct {
	URL    string
	Token  string
	Expect Expect
	Min    map[string]int64
}

// StartFake starts the fake in a child process: the running binary again,
// which must call ServeFakeIfChild first thing in its TestMain. Building a
// large tenant takes the child a few seconds; StartFake returns once it
// serves.
func StartFake(cfg FakeConfig) (*Fake, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	js, err := json.Marshal(cfg)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), fakeEnv+"="+string(js))
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	outPipe, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	f := &Fake{cmd: cmd, in: in, out: bufio.NewReader(outPipe)}
	var hello fakeHello
	if err := f.readLine(&hello); err != nil {
		f.Close()
		return nil, fmt.Errorf("fake %s: %w", cfg.Provider, err)
	}
	f.URL, f.Token, f.Expect, f.Min = hello.URL, hello.Token, hello.Expect, hello.Min
	return f, nil
}

func (f *Fake) readLine(v any) error {
	line, err := f.out.ReadBytes('\n')
	if err != nil {
		return err
	}
	return json.Unmarshal(line, v)
}

// Stats returns the fake's counters so far.
func (f *Fake) Stats() (FakeStats, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var st FakeStats
	if _, err := io.WriteString(f.in, "stats\n"); err != nil {
		return st, err
	}
	err := f.readLine(&st)
	return st, err
}

// SetLatency changes the latency a Memo fake's front server adds, so that
// a warm-up listing can fill the memo quickly before a timed one.
func (f *Fake) SetLatency(d time.Duration) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, err := fmt.Fprintf(f.in, "latency %s\n", d); err != nil {
		return err
	}
	var got time.Duration
	return f.readLine(&got)
}

// Close stops the child process.
func (f *Fake) Close() {
	f.in.Close()
	done := make(chan struct{})
	go func() { f.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		f.cmd.Process.Kill()
		<-done
	}
}

// ServeFakeIfChild serves a fake provider server and exits, when the
// process was started by StartFake; otherwise it returns at once. Call it
// first in TestMain.
func ServeFakeIfChild() {
	js := os.Getenv(fakeEnv)
	if js == "" {
		return
	}
	if err := serveFake(js); err != nil {
		fmt.Fprintln(os.Stderr, "bench fake:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

func serveFake(js string) error {
	var cfg FakeConfig
	if err := json.Unmarshal([]byte(js), &cfg); err != nil {
		return err
	}
	seed := cfg.Seed
	if seed == 0 {
		seed = 1
	}
	tenant := cfg.tenant(seed)
	latency := cfg.Latency
	if cfg.Memo {
		latency = 0 // the front server adds it
	}
	srv, err := providertest.Start(cfg.Provider, providertest.Options{Tenant: tenant, Latency: latency,
		RateLimit: cfg.RateLimit, Burst: cfg.Burst, NoValidate: !cfg.Validate})
	if err != nil {
		return err
	}
	defer srv.Close()
	url := srv.URL()
	var served func() int64
	setLatency := func(time.Duration) {}
	if cfg.Memo {
		m := &memo{target: srv.URL(), cache: map[string]*memoEntry{}}
		m.latency.Store(int64(cfg.Latency))
		setLatency = func(d time.Duration) { m.latency.Store(int64(d)) }
		front := httptest.NewServer(m)
		defer front.Close()
		url = front.URL + strings.TrimPrefix(srv.URL(), "http://"+hostOf(srv.URL()))
		served = m.served.Load
	} else {
		served = srv.Requests
	}
	out := bufio.NewWriter(os.Stdout)
	enc := json.NewEncoder(out)
	if err := enc.Encode(fakeHello{URL: url, Token: srv.Token(), Expect: Oracle(tenant), Min: MinRequests(tenant)}); err != nil {
		return err
	}
	out.Flush()
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		cmd, arg, _ := strings.Cut(in.Text(), " ")
		switch cmd {
		case "stats":
			if err := enc.Encode(FakeStats{ByOp: srv.RequestsByOp(), Served: served(), CPU: cpuTime()}); err != nil {
				return err
			}
		case "latency":
			d, err := time.ParseDuration(arg)
			if err != nil {
				return err
			}
			setLatency(d)
			if err := enc.Encode(d); err != nil {
				return err
			}
		}
		out.Flush()
	}
	return nil
}

// tenant builds the fake's tenant.
func (cfg FakeConfig) tenant(seed int64) *providertest.Tenant {
	switch {
	case cfg.UsersOnly && cfg.Provider == "openai":
		return providertest.NewOpenAITenant(usersOnlyShape(cfg.Users), seed)
	case cfg.UsersOnly:
		return providertest.NewTenant(cfg.Provider, cfg.Users, seed).UsersOnly()
	case cfg.OpenAI != nil && cfg.Provider == "openai":
		sh := *cfg.OpenAI
		sh.Users = cfg.Users
		return providertest.NewOpenAITenant(sh, seed)
	}
	return providertest.NewTenant(cfg.Provider, cfg.Users, seed)
}

// usersOnlyShape is an OpenAI organization of users users and nothing
// else: no projects, groups, admin keys or invites.
func usersOnlyShape(users int) providertest.OpenAIShape {
	return providertest.OpenAIShape{Users: users, Projects: providertest.None, Groups: providertest.None,
		AdminKeys: providertest.None, Invites: providertest.None}
}

func hostOf(u string) string {
	h := strings.TrimPrefix(u, "http://")
	if i := strings.IndexByte(h, '/'); i >= 0 {
		h = h[:i]
	}
	return h
}

// memo replays the fake's 200 answers by request URI.
type memo struct {
	target  string       // the fake's URL
	latency atomic.Int64 // a time.Duration added to every request
	served  atomic.Int64
	mu      sync.RWMutex
	cache   map[string]*memoEntry
}

type memoEntry struct {
	header http.Header
	body   []byte
}

func (m *memo) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	m.served.Add(1)
	if d := time.Duration(m.latency.Load()); d > 0 {
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	}
	key := r.URL.RequestURI()
	m.mu.RLock()
	e := m.cache[key]
	m.mu.RUnlock()
	if e == nil {
		req, err := http.NewRequestWithContext(r.Context(), r.Method, "http://"+hostOf(m.target)+key, nil)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		req.Header = r.Header.Clone()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		e = &memoEntry{header: resp.Header.Clone(), body: body}
		if resp.StatusCode != http.StatusOK {
			copyHeader(w.Header(), e.header)
			w.WriteHeader(resp.StatusCode)
			w.Write(body)
			return
		}
		m.mu.Lock()
		m.cache[key] = e
		m.mu.Unlock()
	}
	copyHeader(w.Header(), e.header)
	w.WriteHeader(http.StatusOK)
	w.Write(e.body)
}

func copyHeader(dst, src http.Header) {
	for k, v := range src {
		if k != "Date" {
			dst[k] = v
		}
	}
}

// cpuTime returns the CPU time (user and system) this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
