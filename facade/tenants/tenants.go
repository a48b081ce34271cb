// Package tenants reads a tenants file, the list of the SaaS tenants to
// list, several per provider if need be, and opens a Lister for each: two
// OpenAI organizations, a Logto tenant per region, a Vectara account per
// product.
//
// A tenants file is YAML or JSON (JSON is YAML); an unknown key is an
// error. Each tenant has a name, a provider, and the provider's settings
// by the rolecall command's environment variable names (drivers.Setting):
// settings hold literal values, which must not be secrets; credentials
// hold references only, {env: NAME} (an environment variable) or {file:
// PATH} (a file, such as a mounted secret; a relative path is relative to
// the tenants file's directory), whose value is read when the tenant is
// opened, trimmed:
//
//	tenants:
//	  - name: openai-eu
//	    provider: openai
//	    settings: {OPENAI_BASE_URL: "https://api.openai.com/v1"}
//	    credentials: {OPENAI_ADMIN_KEY: {env: OPENAI_EU_ADMIN_KEY}}
//	  - name: logto-us
//	    provider: logto
//	    settings: {LOGTO_ENDPOINT: "https://us.logto.app"}
//	    credentials:
//	      LOGTO_APP_ID: {env: LOGTO_US_APP_ID}
//	      LOGTO_APP_SECRET: {file: /var/run/secrets/logto-us}
//
// A literal value given for a secret (a credential written in place of its
// reference, or a secret variable under settings) is refused, naming the
// tenant and what to write instead. Every assignment a tenant's Lister
// yields carries the tenant's name (facade.Assignment.Tenant), and every
// error names it (*Error).
package tenants

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"iter"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/rolecall/rolecall/facade"
	"github.com/rolecall/rolecall/facade/drivers"
)

// Ref is a reference to a credential: exactly one of Env (an environment
// variable's name) and File (a file's path) is set.
type Ref struct {
	Env  string
	File string
}

// String renders the reference as the file writes it: {env: NAME} or
// {file: PATH}.
func (r Ref) String() string {
	if r.Env != "" {
		return "{env: " + r.Env + "}"
	}
	return "{file: " + r.File + "}"
}

// Tenant is one tenant of a tenants file.
type Tenant struct {
	// Name names the tenant in reports (facade.Assignment.Tenant) and
	// errors: letters, digits, ".", "_" and "-", unique in the file.
	Name string
	// Provider is the provider's name (drivers.Names).
	Provider string
	// Settings are literal values by the provider's environment variable
	// names (drivers.Setting.Env): only variables that are not secrets.
	Settings map[string]string
	// Credentials are references by the provider's environment variable
	// names, read when the tenant is opened.
	Credentials map[string]Ref
}

// Tenants is a tenants file's tenants, in the file's order.
type Tenants struct {
	Tenants []Tenant
	// SHA256 is the SHA-256, in hex, of the file's bytes: which file a
	// report's tenants came from ("" when they came from no file).
	SHA256 string
	// Dir is the directory relative file references are read from.
	Dir string
	// Getenv reads environment variables for {env: NAME} references; nil:
	// os.Getenv.
	Getenv func(string) string
}

// Error is an error about one tenant: its configuration, or its listing.
type Error struct {
	Tenant string
	Err    error
}

func (e *Error) Error() string { return "tenant " + e.Tenant + ": " + e.Err.Error() }

// Unwrap returns the cause: for a listing's error, the *facade.Error.
func (e *Error) Unwrap() error { return e.Err }

// validName is what a tenant's name may hold: it names report cells and
// shards, so nothing that needs quoting.
var validName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$`)

// file is a tenants file as written.
type file struct {
	Tenants []struct {
		Name        string               `yaml:"name"`
		Provider    string               `yaml:"provider"`
		Settings    map[string]yaml.Node `yaml:"settings"`
		Credentials map[string]yaml.Node `yaml:"credentials"`
	} `yaml:"tenants"`
}

// ReadFile reads and checks the tenants file name (Parse).
func ReadFile(name string) (*Tenants, error) {
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("reading the tenants file: %w", err)
	}
	t, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	t.Dir = filepath.Dir(name)
	return t, nil
}

// Parse reads a tenants file's bytes and checks them: known keys only, a
// name and a known provider for each tenant, names unique, each variable
// one of the provider's, settings not secret, credentials references.
// Credentials are not read here (Open reads them).
func Parse(data []byte) (*Tenants, error) {
	var f file
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("not a tenants file: %w", err)
	}
	if len(f.Tenants) == 0 {
		return nil, errors.New("the tenants file lists no tenant: write tenants: [{name: …, provider: …, credentials: …}]")
	}
	sum := sha256.Sum256(data)
	out := &Tenants{SHA256: hex.EncodeToString(sum[:])}
	seen := map[string]bool{}
	for i, ft := range f.Tenants {
		t := Tenant{Name: ft.Name, Provider: ft.Provider, Settings: map[string]string{}, Credentials: map[string]Ref{}}
		if !validName.MatchString(t.Name) {
			return nil, fmt.Errorf("tenant %d: the name %q is not a name: use letters, digits, '.', '_' and '-'", i+1, t.Name)
		}
		bad := func(format string, args ...any) error {
			return &Error{Tenant: t.Name, Err: fmt.Errorf(format, args...)}
		}
		if seen[t.Name] {
			return nil, bad("the name is used twice: each tenant needs its own")
		}
		seen[t.Name] = true
		p, err := drivers.Lookup(t.Provider)
		if err != nil {
			return nil, bad("provider %q: want one of %s", t.Provider, strings.Join(drivers.Names(), ", "))
		}
		if slices.Contains(drivers.Names(), t.Name) && t.Name != t.Provider {
			return nil, bad("a %s tenant may not be named after the provider %s: reports read a tenant named after a provider as that provider's", t.Provider, t.Name)
		}
		for name, node := range ft.Settings {
			s := setting(p, name)
			if s == nil {
				return nil, bad("settings: %s is not a %s variable (want %s)", name, p.Name, variables(p))
			}
			if s.Secret {
				return nil, bad("settings: %s is a secret and may not be written in the file: move it to credentials as %s: {env: VARIABLE} or {file: PATH}", name, name)
			}
			if node.Kind != yaml.ScalarNode {
				return nil, bad("settings: %s must be a value (a text)", name)
			}
			t.Settings[name] = node.Value
		}
		for name, node := range ft.Credentials {
			if setting(p, name) == nil {
				return nil, bad("credentials: %s is not a %s variable (want %s)", name, p.Name, variables(p))
			}
			if _, dup := t.Settings[name]; dup {
				return nil, bad("%s is under both settings and credentials: keep one", name)
			}
			if node.Kind != yaml.MappingNode {
				return nil, bad("credentials: %s holds a value; a tenants file holds credentials by reference only, "+
					"so that the file is no secret: write %s: {env: VARIABLE} (an environment variable holding it) or %s: {file: PATH} (a file holding it)",
					name, name, name)
			}
			ref, err := parseRef(&node)
			if err != nil {
				return nil, bad("credentials: %s: %v", name, err)
			}
			t.Credentials[name] = ref
		}
		if len(t.Credentials) == 0 {
			return nil, bad("no credentials: write credentials: {%s: {env: VARIABLE}} (%s)", p.Env(p.Credentials[0].Fields[0]), p.EnvHelp())
		}
		out.Tenants = append(out.Tenants, t)
	}
	return out, nil
}

// parseRef reads {env: NAME} or {file: PATH}.
func parseRef(n *yaml.Node) (Ref, error) {
	var r Ref
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if v.Kind != yaml.ScalarNode || v.Value == "" {
			return r, fmt.Errorf("%s must name a variable or a file", k.Value)
		}
		switch k.Value {
		case "env":
			r.Env = v.Value
		case "file":
			r.File = v.Value
		default:
			return r, fmt.Errorf("unknown key %q: write {env: VARIABLE} or {file: PATH}", k.Value)
		}
	}
	if (r.Env == "") == (r.File == "") {
		return r, errors.New("write one of {env: VARIABLE} and {file: PATH}")
	}
	return r, nil
}

func setting(p *drivers.Provider, env string) *drivers.Setting {
	for i := range p.Settings {
		if p.Settings[i].Env == env {
			return &p.Settings[i]
		}
	}
	return nil
}

func variables(p *drivers.Provider) string {
	var names []string
	for _, s := range p.Settings {
		names = append(names, s.Env)
	}
	return strings.Join(names, ", ")
}

// Lookup returns the tenant named name, or nil.
func (ts *Tenants) Lookup(name string) *Tenant {
	for i := range ts.Tenants {
		if ts.Tenants[i].Name == name {
			return &ts.Tenants[i]
		}
	}
	return nil
}

// Values returns the tenant's variables, settings and credentials read,
// by variable name. A reference that cannot be read is an *Error naming
// the tenant, the variable and the reference, never a value.
func (ts *Tenants) Values(t *Tenant) (map[string]string, error) {
	getenv := ts.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	v := make(map[string]string, len(t.Settings)+len(t.Credentials))
	for k, x := range t.Settings {
		v[k] = strings.TrimSpace(x)
	}
	for _, k := range sortedKeys(t.Credentials) {
		r := t.Credentials[k]
		if r.Env != "" {
			x := strings.TrimSpace(getenv(r.Env))
			if x == "" {
				return nil, &Error{Tenant: t.Name, Err: fmt.Errorf("%s: the environment variable %s is not set: set it, or change the reference", k, r.Env)}
			}
			v[k] = x
			continue
		}
		path := r.File
		if !filepath.IsAbs(path) && ts.Dir != "" {
			path = filepath.Join(ts.Dir, path)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, &Error{Tenant: t.Name, Err: fmt.Errorf("%s: reading %s: %w", k, r, errors.Unwrap(err))}
		}
		x := strings.TrimSpace(string(data))
		if x == "" {
			return nil, &Error{Tenant: t.Name, Err: fmt.Errorf("%s: the file %s is empty", k, path)}
		}
		v[k] = x
	}
	return v, nil
}

// Secrets returns the values of every tenant's secret variables that can
// be read, to scrub from what is written.
func (ts *Tenants) Secrets() []string {
	var out []string
	for i := range ts.Tenants {
		t := &ts.Tenants[i]
		p, err := drivers.Lookup(t.Provider)
		if err != nil {
			continue
		}
		for k := range t.Credentials {
			if s := setting(p, k); s != nil && s.Secret {
				one := Tenant{Name: t.Name, Credentials: map[string]Ref{k: t.Credentials[k]}}
				if v, err := ts.Values(&one); err == nil {
					out = append(out, v[k])
				}
			}
		}
	}
	return out
}

// Open returns t's Lister, configured with its variables (Values) and o:
// its own driver, so its own rate limit and requests in flight. Every
// assignment it yields has Tenant set to t.Name, and every error is an
// *Error naming the tenant, wrapping the driver's (which names the
// variables, as drivers.Provider.FromEnv does).
func (ts *Tenants) Open(t *Tenant, o facade.Options) (facade.Lister, error) {
	p, err := drivers.Lookup(t.Provider)
	if err != nil {
		return nil, &Error{Tenant: t.Name, Err: err}
	}
	v, err := ts.Values(t)
	if err != nil {
		return nil, err
	}
	l, err := p.FromEnv(func(name string) string { return v[name] }, o)
	if err != nil {
		return nil, &Error{Tenant: t.Name, Err: err}
	}
	return Tag(l, t.Name), nil
}

// Tag returns l with every assignment's Tenant set to tenant and every
// error an *Error naming it.
func Tag(l facade.Lister, tenant string) facade.Lister {
	return &lister{Lister: l, tenant: tenant}
}

// lister tags a tenant's assignments and errors.
type lister struct {
	facade.Lister
	tenant string
}

// Tenant names the tenant listed.
func (l *lister) Tenant() string { return l.tenant }

func (l *lister) ListAssignments(ctx context.Context, opts *facade.ListOptions) iter.Seq2[facade.Assignment, error] {
	return func(yield func(facade.Assignment, error) bool) {
		for a, err := range l.Lister.ListAssignments(ctx, opts) {
			if err != nil {
				err = &Error{Tenant: l.tenant, Err: err}
			} else {
				a.Tenant = l.tenant
			}
			if !yield(a, err) {
				return
			}
		}
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
