// Package scrub removes secrets from text before rolecall shows or stores
// it: the credentials it was given (and the tokens it obtained), in every
// encoding a server may echo them in, anything shaped like a credential,
// and the query strings and userinfo of URLs. It is the one scrubber the
// drivers, the command and the fixture recorder share.
//
// A Scrubber knows its secrets and finds each one
//
//   - raw;
//   - JSON-escaped, character by character (`\/`, `\u0063`, doubly escaped
//     `\\u0063` inside a string that holds JSON) and URL-encoded (`%2F`,
//     `+` for a space), in any mix;
//   - base64-encoded (standard or URL alphabet, padded or not) on its own
//     or inside a longer encoded value, as in `Basic base64(id:secret)`;
//   - in pieces where a server cut its message: a prefix of six or more
//     characters that ends the text (or comes before "…" or "..."), a
//     suffix that begins it.
//
// It also replaces, whatever the secret, the credential in `Bearer …` and
// `Basic …`, OpenAI-style `sk-…` keys and the values of access_token,
// client_secret, api_key and similar fields when they look like tokens.
// Ordinary words are not secrets: a value shorter than eight bytes, or a
// single word of letters shorter than sixteen, is not scrubbed (it would
// blank out the same word in every message).
//
// Scrub before cutting: String's result may be cut anywhere without
// exposing part of a secret; use Cut to do both.
package scrub

import (
	"encoding/base64"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf16"
	"unicode/utf8"
)

// Marker replaces every secret removed.
const Marker = "[REDACTED]"

// MinLen is the length a secret needs to be scrubbed: shorter values would
// blank out ordinary words.
const MinLen = 8

// minPiece is the shortest piece of a secret removed at a cut.
const minPiece = 6

// Scrubber removes a set of secrets. Its methods are safe for concurrent
// use; a nil *Scrubber removes only token shapes and URL query strings.
type Scrubber struct {
	mu      sync.RWMutex
	secrets []*secret // longest first
}

type secret struct {
	raw string
	b64 []string // the stable middles of its base64 forms
}

// New returns a Scrubber for secrets.
func New(secrets ...string) *Scrubber {
	s := &Scrubber{}
	for _, v := range secrets {
		s.Add(v)
	}
	return s
}

// Secret reports whether v is scrubbed as a secret: long enough, and not
// an ordinary word.
func Secret(v string) bool {
	if len(v) < MinLen {
		return false
	}
	if len(v) >= 16 {
		return true
	}
	for _, r := range v {
		if !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z') {
			return true
		}
	}
	return false
}

// Add adds a secret. For a header value ("Bearer <token>", "Basic
// <base64>"), the credential in it is added too, and for a Basic one, the
// password it encodes.
func (s *Scrubber) Add(v string) {
	v = strings.TrimSpace(v)
	if scheme, cred, ok := strings.Cut(v, " "); ok {
		cred = strings.TrimSpace(cred)
		s.Add(cred)
		if strings.EqualFold(scheme, "basic") {
			if dec, err := base64.StdEncoding.DecodeString(cred); err == nil {
				if _, pass, ok := strings.Cut(string(dec), ":"); ok {
					s.Add(pass)
				}
			}
		}
	}
	if !Secret(v) || v == Marker {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, have := range s.secrets {
		if have.raw == v {
			return
		}
	}
	s.secrets = append(s.secrets, newSecret(v))
	slices.SortStableFunc(s.secrets, func(a, b *secret) int { return len(b.raw) - len(a.raw) })
}

func newSecret(v string) *secret {
	sec := &secret{raw: v}
	// base64 of v at each of the three alignments it may start at inside
	// a longer encoded value, less the characters its neighbours affect.
	for pad := range 3 {
		enc := base64.RawStdEncoding.EncodeToString(append(make([]byte, pad), v...))
		start := (pad*8 + 5) / 6 // characters holding bits of the padding
		end := len(enc)
		if (pad+len(v))%3 != 0 {
			end-- // the last character holds bits of whatever follows
		}
		if end-start < 6 {
			continue
		}
		mid := enc[start:end]
		sec.b64 = append(sec.b64, mid, strings.NewReplacer("+", "-", "/", "_").Replace(mid))
	}
	return sec
}

// Secrets returns the secrets s removes.
func (s *Scrubber) Secrets() []string {
	if s == nil {
		return nil
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]string, len(s.secrets))
	for i, sec := range s.secrets {
		out[i] = sec.raw
	}
	return out
}

// String returns in with every secret, token shape and URL query string
// removed.
func (s *Scrubber) String(in string) string {
	out := s.secretsOut(in)
	out = shapesOut(out)
	return URLs(out)
}

// Values returns in with the secrets' values removed, in every encoding,
// but neither token shapes nor URL query strings: for a stored exchange,
// whose URLs and fields are redacted on their own terms.
func (s *Scrubber) Values(in string) string { return s.secretsOut(in) }

// Bytes is String for a byte slice (a fixture, a body). It returns b itself
// when nothing was removed.
func (s *Scrubber) Bytes(b []byte) []byte {
	out := s.String(string(b))
	if out == string(b) {
		return b
	}
	return []byte(out)
}

// Cut scrubs in, folds its runs of white space to one space, and cuts it
// to at most n bytes (on a character boundary, marked with "…").
func (s *Scrubber) Cut(in string, n int) string {
	return Shorten(s.String(in), n)
}

// Shorten folds the runs of white space in in to one space and cuts it to
// at most n bytes, on a character boundary, marked with "…". Scrub first.
func Shorten(in string, n int) string {
	in = strings.TrimSpace(strings.Join(strings.Fields(in), " "))
	if len(in) <= n {
		return in
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(in[cut]) {
		cut--
	}
	return in[:cut] + "…"
}

func (s *Scrubber) secretsOut(in string) string {
	if s == nil {
		return in
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, sec := range s.secrets {
		in = strings.ReplaceAll(in, sec.raw, Marker)
	}
	for _, sec := range s.secrets {
		if strings.ContainsAny(in, `\%+`) {
			in = encodedOut(in, sec.raw)
		}
		for _, mid := range sec.b64 {
			in = replaceRuns(in, mid)
		}
		in = piecesOut(in, sec.raw)
	}
	return in
}

// base64Run matches a run of base64 characters (either alphabet).
var base64Run = regexp.MustCompile(`[A-Za-z0-9+/_-]+=*`)

// replaceRuns replaces each base64 run of in that holds mid.
func replaceRuns(in, mid string) string {
	if !strings.Contains(in, mid) {
		return in
	}
	return base64Run.ReplaceAllStringFunc(in, func(run string) string {
		if strings.Contains(run, mid) {
			return Marker
		}
		return run
	})
}

// piecesOut removes a piece of sec at a cut: a prefix of it that ends in
// (or comes before an ellipsis) and a suffix of it that begins in.
func piecesOut(in, sec string) string {
	for _, tail := range []string{"", "…", "...", "…\"", "...\""} {
		body, ok := strings.CutSuffix(in, tail)
		if !ok {
			continue
		}
		for n := len(sec) - 1; n >= minPiece; n-- {
			if strings.HasSuffix(body, sec[:n]) {
				return body[:len(body)-n] + Marker + tail
			}
		}
	}
	for _, head := range []string{"", "…", "...", "\"…", "\"..."} {
		body, ok := strings.CutPrefix(in, head)
		if !ok {
			continue
		}
		for n := len(sec) - 1; n >= minPiece; n-- {
			if strings.HasPrefix(body, sec[len(sec)-n:]) {
				return head + Marker + body[n:]
			}
		}
	}
	return in
}

// shapes are credentials recognisable by their form, whoever they belong
// to: the credential of an Authorization value, OpenAI-style keys, and
// the values of fields that hold tokens (when they look like one: eight or
// more token characters, so "token: expired" stays).
var shapes = regexp.MustCompile(`(?i)(\b(?:bearer|basic)\s+)[A-Za-z0-9._~+/=-]{8,}|\bsk-[A-Za-z0-9_-]{8,}|` +
	`("?\b(?:access_token|refresh_token|id_token|client_secret|api_key|apikey|api-key|password|token)"?\s*[:=]\s*"?)[A-Za-z0-9._~+/=-]{8,}`)

func shapesOut(in string) string {
	return shapes.ReplaceAllStringFunc(in, func(m string) string {
		sub := shapes.FindStringSubmatch(m)
		prefix := sub[1] + sub[2] // what names the credential, kept
		if prefix == "" {
			prefix = "sk-"
		}
		// A field named for a credential (client_secret=…) holds one,
		// whatever it looks like; after "Basic", "token:" or "sk-", a word
		// ("Basic authentication", "token: expired") is just a word.
		named := strings.ContainsAny(sub[2], "_-") || strings.Contains(strings.ToLower(sub[2]), "apikey")
		if !named && !Secret(m[len(prefix):]) {
			return m
		}
		if sub[1] == "" && sub[2] == "" {
			return Marker
		}
		return prefix + Marker
	})
}

// urlLike finds the URLs in a text.
var urlLike = regexp.MustCompile(`[A-Za-z][A-Za-z0-9+.-]*://[^\s"'<>]+`)

// quotedPath finds a quoted relative URL with a query string or fragment,
// as net/url's errors show a redirect's Location: "/v1/users?email=…".
var quotedPath = regexp.MustCompile(`"(/[^"\s?#]*)[?#][^"\s]*"`)

// URLs removes query strings, fragments and userinfo from the URLs inside
// in (absolute ones, and relative ones in quotes as net/url's errors show
// them), so that a message never carries a token (or an email) passed in
// a URL.
func URLs(in string) string {
	if strings.Contains(in, `"/`) {
		in = quotedPath.ReplaceAllString(in, `"$1"`)
	}
	if !strings.Contains(in, "://") {
		return in
	}
	return urlLike.ReplaceAllStringFunc(in, func(m string) string {
		trail := ""
		for len(m) > 0 && strings.ContainsRune(`),.;:]}`, rune(m[len(m)-1])) {
			trail = m[len(m)-1:] + trail
			m = m[:len(m)-1]
		}
		u, err := url.Parse(m)
		if err != nil {
			// Unparsable: keep what precedes any query or userinfo.
			if i := strings.IndexAny(m, "?#"); i >= 0 {
				m = m[:i]
			}
			if j := strings.Index(m, "://"); j >= 0 {
				auth := m[j+3:]
				if k := strings.IndexByte(auth, '/'); k >= 0 {
					auth = auth[:k]
				}
				if i := strings.LastIndexByte(auth, '@'); i >= 0 {
					m = m[:j+3] + m[j+3+i+1:] // the userinfo ends at the authority's last '@'
				}
			}
			return m + trail
		}
		if u.RawQuery == "" && u.User == nil && u.Fragment == "" && !u.ForceQuery {
			return m + trail
		}
		u.RawQuery, u.User, u.Fragment, u.RawFragment, u.ForceQuery = "", nil, "", "", false
		return u.String() + trail
	})
}

// encodedOut replaces each occurrence of sec in in where its characters
// are written in any mix of encodings: raw, JSON escapes (\uXXXX in either
// case, surrogate pairs, \/ and the like, behind any number of
// backslashes for JSON inside JSON) and URL encoding (%XX, + for a space).
func encodedOut(in, sec string) string {
	var b strings.Builder
	last := 0
	for i := 0; i < len(in); {
		if c := in[i]; c != sec[0] && c != '%' && c != '\\' && c != '+' {
			i++ // no encoding of sec's first character starts here
			continue
		}
		if end, ok := matchEncoded(in, i, sec); ok && end > i {
			b.WriteString(in[last:i])
			b.WriteString(Marker)
			i, last = end, end
			continue
		}
		i++
	}
	if last == 0 {
		return in
	}
	b.WriteString(in[last:])
	return b.String()
}

// matchEncoded matches sec, encoded, at in[i:], and returns where the
// match ends.
func matchEncoded(in string, i int, sec string) (int, bool) {
	m := matcher{in: in, sec: sec, steps: 64*len(sec) + 256}
	return m.match(i, 0)
}

// matcher matches a secret written in any mix of encodings. A character
// may match raw or encoded where both start alike ('%' raw or as "%25", a
// backslash raw or escaped): both are tried, and the states that failed
// are remembered, so that a run of such characters costs linear time, not
// exponential.
//
// The work is bounded too (steps): only a secret full of '%' and '\\'
// could need more, and none is.
type matcher struct {
	in, sec string
	failed  map[[2]int]bool // (position in in, position in sec) known not to match
	steps   int
}

func (m *matcher) match(i, k int) (int, bool) {
	if k == len(m.sec) {
		return i, true
	}
	if m.failed[[2]int{i, k}] {
		return 0, false
	}
	if m.steps--; m.steps < 0 {
		return 0, false
	}
	r, size := utf8.DecodeRuneInString(m.sec[k:])
	raw := string(r)
	tried := false
	if strings.HasPrefix(m.in[i:], raw) {
		if end, ok := m.match(i+len(raw), k+size); ok {
			return end, true
		}
		tried = true
	}
	if end, ok := matchRune(m.in, i, r); ok {
		if end, ok := m.match(end, k+size); ok {
			return end, true
		}
		if tried { // both ways failed: remember it (only here can work repeat)
			if m.failed == nil {
				m.failed = map[[2]int]bool{}
			}
			m.failed[[2]int{i, k}] = true
		}
	}
	return 0, false
}

// maxBackslashes is the most backslashes one escape may start with: JSON
// inside JSON inside JSON. (A longer run is no escape rolecall has seen,
// and following it whole from every position would be quadratic.)
const maxBackslashes = 8

// jsonShort are JSON's two-character escapes.
var jsonShort = map[byte]rune{'/': '/', '"': '"', '\\': '\\', 'n': '\n', 'r': '\r', 't': '\t', 'b': '\b', 'f': '\f'}

// matchRune matches r encoded (not raw) at in[i:].
func matchRune(in string, i int, r rune) (int, bool) {
	if i >= len(in) {
		return 0, false
	}
	raw := string(r)
	switch in[i] {
	case '+':
		if r == ' ' {
			return i + 1, true
		}
	case '%':
		j := i
		for k := 0; k < len(raw); k++ {
			if j+3 > len(in) || in[j] != '%' {
				return 0, false
			}
			v, err := strconv.ParseUint(in[j+1:j+3], 16, 8)
			if err != nil || byte(v) != raw[k] {
				return 0, false
			}
			j += 3
		}
		return j, true
	case '\\':
		if r == '\\' && strings.HasPrefix(in[i:], `\\`) {
			return i + 2, true // an escaped backslash
		}
		j := i
		for j < len(in) && in[j] == '\\' && j-i < maxBackslashes {
			j++
		}
		if j >= len(in) {
			return 0, false
		}
		if in[j] != 'u' {
			if got, ok := jsonShort[in[j]]; ok && got == r {
				return j + 1, true
			}
			return 0, false
		}
		units := utf16.Encode([]rune{r})
		for n, u := range units {
			if n > 0 { // the second half of a surrogate pair: its own backslashes
				for k := 0; j < len(in) && in[j] == '\\' && k < maxBackslashes; k++ {
					j++
				}
			}
			if j+5 > len(in) || in[j] != 'u' {
				return 0, false
			}
			v, err := strconv.ParseUint(in[j+1:j+5], 16, 16)
			if err != nil || uint16(v) != u {
				return 0, false
			}
			j += 5
		}
		return j, true
	}
	return 0, false
}
