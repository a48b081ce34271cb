package drivers

import (
	"context"
	"iter"
	"strings"

	"github.com/rolecall/rolecall/facade"
)

// FromEnv returns p's Lister with the Config fields read from the
// environment variables of p.Settings (with getenv, values trimmed) and o.
// Its errors, the configuration's and those its listings yield, name the
// variables (CORTEX_API_TOKEN) where the drivers name the Config fields
// (cortex.Config.Token): that is where the values came from.
func (p *Provider) FromEnv(getenv func(string) string, o facade.Options) (facade.Lister, error) {
	v := Values{}
	for _, s := range p.Settings {
		if x := strings.TrimSpace(getenv(s.Env)); x != "" {
			v[s.Field] = x
		}
	}
	l, err := p.Open(v, o)
	if err != nil {
		return nil, p.envNames(err)
	}
	return envLister{Lister: l, p: p}, nil
}

// Configured reports whether any of p's credential variables is set.
func (p *Provider) Configured(getenv func(string) string) bool {
	for _, c := range p.Credentials {
		for _, f := range c.Fields {
			if s := p.setting(f); s != nil && strings.TrimSpace(getenv(s.Env)) != "" {
				return true
			}
		}
	}
	return false
}

// EnvHelp says which variables p's credentials take: "VECTARA_API_KEY (or
// VECTARA_CLIENT_ID + VECTARA_CLIENT_SECRET)", followed by "with
// LOGTO_ENDPOINT" for a required setting.
func (p *Provider) EnvHelp() string {
	var alts []string
	for _, c := range p.Credentials {
		var vars []string
		for _, f := range c.Fields {
			vars = append(vars, p.setting(f).Env)
		}
		alts = append(alts, strings.Join(vars, " + "))
	}
	help := alts[0]
	if len(alts) > 1 {
		help += " (or " + strings.Join(alts[1:], ", or ") + ")"
	}
	for _, s := range p.Settings {
		if s.Required {
			help += " with " + s.Env
		}
	}
	return help
}

// envNames returns err with p's qualified Config fields replaced by their
// environment variables, when err is a *facade.Error (the drivers' errors
// all are); anything else is returned as it is.
func (p *Provider) envNames(err error) error {
	fe, ok := err.(*facade.Error)
	if !ok {
		return err
	}
	pairs := make([]string, 0, 2*len(p.Settings))
	for _, s := range p.Settings {
		pairs = append(pairs, p.qualified(s.Field), s.Env)
	}
	r := strings.NewReplacer(pairs...)
	e := *fe
	e.Hint = r.Replace(e.Hint)
	if e.Err != nil {
		if msg := e.Err.Error(); r.Replace(msg) != msg {
			e.Err = &renamed{msg: r.Replace(msg), err: e.Err}
		}
	}
	return &e
}

// renamed shows a message with the variables' names and unwraps to the
// original error.
type renamed struct {
	msg string
	err error
}

func (e *renamed) Error() string { return e.msg }
func (e *renamed) Unwrap() error { return e.err }

// envLister renames the Config fields in its listings' errors.
type envLister struct {
	facade.Lister
	p *Provider
}

func (l envLister) ListAssignments(ctx context.Context, opts *facade.ListOptions) iter.Seq2[facade.Assignment, error] {
	return func(yield func(facade.Assignment, error) bool) {
		for a, err := range l.Lister.ListAssignments(ctx, opts) {
			if err != nil {
				err = l.p.envNames(err)
			}
			if !yield(a, err) {
				return
			}
		}
	}
}
