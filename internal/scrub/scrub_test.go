package scrub

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"testing"
	"unicode/utf16"
	"unicode/utf8"
)

// token is assembled at run time: nothing shaped like a credential sits in
// the source.
var token = "ctx" + strings.Repeat("Q7", 6) + "/tok+en=" + "9z"

func TestEncodings(t *testing.T) {
	s := New(token)
	jsonEsc, _ := json.Marshal(token)
	php := strings.ReplaceAll(string(jsonEsc), "/", `\/`)
	uEsc := `\u0063` + token[1:]
	cases := map[string]string{
		"raw":             "you sent " + token + " which is wrong",
		"json":            `{"message":` + string(jsonEsc) + `}`,
		"json slash":      `{"message":` + php + `}`,
		"unicode escape":  `{"message":"` + uEsc + `"}`,
		"upper hex":       `{"message":"` + token[:len(token)-1] + `\u007A"}`,
		"double escape":   `"{\"m\":\"\\u0063` + token[1:] + `\"}"`,
		"query escape":    "token was " + url.QueryEscape(token),
		"path escape":     "/v1/" + url.PathEscape(token) + "/x",
		"base64 alone":    "echo " + base64.StdEncoding.EncodeToString([]byte(token)),
		"base64 url":      "echo " + base64.RawURLEncoding.EncodeToString([]byte(token)),
		"basic":           "Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte("app-id:"+token)),
		"basic offset 1":  "x " + base64.StdEncoding.EncodeToString([]byte("a:"+token)),
		"basic offset 2":  "x " + base64.StdEncoding.EncodeToString([]byte("ab:"+token+"tail")),
		"cut prefix":      "you sent " + token[:len(token)-1],
		"cut ellipsis":    "you sent " + token[:9] + "…",
		"cut suffix":      token[3:] + " was refused",
		"mixed encodings": `\u0063tx` + url.QueryEscape(token[3:]),
	}
	for name, in := range cases {
		t.Run(name, func(t *testing.T) {
			got := s.String(in)
			if !strings.Contains(got, Marker) {
				t.Fatalf("nothing removed from %q: %q", in, got)
			}
			for _, leak := range []string{token, token[:9], token[len(token)-9:], base64.StdEncoding.EncodeToString([]byte(token))[2:12]} {
				if strings.Contains(got, leak) {
					t.Errorf("%q still holds %q", got, leak)
				}
			}
		})
	}
}

// A secret cut by our own shortening is removed first: Cut never shows a
// piece of it, wherever the cut falls.
func TestCutNeverShowsAPiece(t *testing.T) {
	s := New(token)
	for n := 1; n < 80; n++ {
		msg := strings.Repeat("x", n) + token + " trailing"
		got := s.Cut(msg, 40)
		for i := 0; i+minPiece <= len(token); i++ {
			if strings.Contains(got, token[i:i+minPiece]) {
				t.Fatalf("n=%d: %q shows %q", n, got, token[i:i+minPiece])
			}
		}
	}
}

// Ordinary words are not secrets (issue 16's "Incorrect API key provided").
func TestWordsAreNotSecrets(t *testing.T) {
	s := New("Incorrect", "short", "provided")
	msg := "Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys."
	if got := s.String(msg); got != msg {
		t.Errorf("got %q", got)
	}
	for _, msg := range []string{"invalid token: expired", "the token is missing", "password required", "Bearer realm",
		"Basic authentication failed", "role type BASIC ADMINISTRATOR", "token: invalidated", "sk-abcdefgh"} {
		if got := s.String(msg); got != msg {
			t.Errorf("%q became %q", msg, got)
		}
	}
	if Secret("Incorrect") || !Secret("Incorrect1") || !Secret("averyveryverylongword") {
		t.Error("Secret's word rule")
	}
}

func TestShapes(t *testing.T) {
	key := "sk-" + "admin-" + strings.Repeat("a1", 8)
	for in, want := range map[string]string{
		"Authorization: Bearer " + strings.Repeat("x9", 12):  "Authorization: Bearer " + Marker,
		"got " + key + " here":                               "got " + Marker + " here",
		`{"access_token":"` + strings.Repeat("z", 20) + `"}`: `{"access_token":"` + Marker + `"}`,
		"client_secret=" + strings.Repeat("k", 12) + "&x=1":  "client_secret=" + Marker + "&x=1",
	} {
		if got := (*Scrubber)(nil).String(in); got != want {
			t.Errorf("%q: got %q, want %q", in, got, want)
		}
	}
}

func TestURLs(t *testing.T) {
	for in, want := range map[string]string{
		`Get "https://api.example.com/v1/users?email=ada%40example.com": stopped after 5 redirects`: `Get "https://api.example.com/v1/users": stopped after 5 redirects`,
		"see https://user:pw@example.com/path?q=1#frag, then":                                       "see https://example.com/path, then",
		"no url here?q=1":             "no url here?q=1",
		"(http://127.0.0.1:8080/x?y)": "(http://127.0.0.1:8080/x)",
	} {
		if got := URLs(in); got != want {
			t.Errorf("%q: got %q, want %q", in, got, want)
		}
	}
}

func TestSecrets(t *testing.T) {
	s := New(token, "word", "Incorrect")
	if got := s.Secrets(); len(got) != 1 || got[0] != token {
		t.Errorf("Secrets: %q", got)
	}
	if got := (*Scrubber)(nil).Secrets(); got != nil {
		t.Errorf("nil Secrets: %q", got)
	}
}

func TestAddHeaderValues(t *testing.T) {
	pass := "p4ss-" + strings.Repeat("w", 10)
	s := New("Basic "+base64.StdEncoding.EncodeToString([]byte("id:"+pass)), "Bearer "+token)
	if got := s.String("pass " + pass + " tok " + token); strings.Contains(got, pass) || strings.Contains(got, token) {
		t.Errorf("got %q", got)
	}
}

// FuzzString checks, on arbitrary text around a secret (up to 256 bytes)
// in any of its encodings, that the result never holds the secret (raw or in base64),
// stays valid UTF-8 when the input is, and that scrubbing twice changes
// nothing more.
func FuzzString(f *testing.F) {
	for _, seed := range []string{"", "plain text", "Bearer x", `{"a":"%s"}`, "%s…", "pre %s post", `\u00%s`, "https://h/p?q=%s"} {
		f.Add(seed, "Secr3t-value-42", uint8(0))
	}
	f.Add("a %s b", "ab/cd+ef=gh", uint8(3))
	f.Add("x%sx", "with space inside", uint8(2))
	f.Fuzz(func(t *testing.T, frame, sec string, enc uint8) {
		// (Credentials are short: up to 256 bytes here.)
		if !Secret(sec) || len(sec) > 256 || sec != strings.TrimSpace(sec) || strings.Contains(sec, Marker) || !utf8.ValidString(sec) {
			return
		}
		var v string
		switch enc % 5 {
		case 0:
			v = sec
		case 1:
			b, _ := json.Marshal(sec)
			v = strings.ReplaceAll(string(b[1:len(b)-1]), "/", `\/`)
		case 2:
			v = url.QueryEscape(sec)
		case 3:
			v = base64.StdEncoding.EncodeToString([]byte(sec))
		case 4:
			var b strings.Builder
			for _, u := range utf16.Encode([]rune(sec)) {
				fmt.Fprintf(&b, `\u%04x`, u)
			}
			v = b.String()
		}
		in := strings.Replace(frame, "%s", v, 1)
		if !strings.Contains(frame, "%s") {
			in = frame + " " + v
		}
		s := New(sec)
		got := s.String(in)
		if strings.Contains(got, sec) {
			t.Fatalf("%q holds the secret %q", got, sec)
		}
		if enc%5 != 0 && strings.Contains(got, v) {
			t.Fatalf("%q holds the encoded secret %q", got, v)
		}
		if utf8.ValidString(in) && !utf8.ValidString(got) {
			t.Fatalf("%q is not UTF-8", got)
		}
		if again := s.String(got); again != got {
			t.Fatalf("not idempotent: %q then %q", got, again)
		}
	})
}

func TestHandler(t *testing.T) {
	var b strings.Builder
	l := slog.New(Handler(slog.NewTextHandler(&b, &slog.HandlerOptions{Level: slog.LevelDebug}), New(token)))
	l.With("pre", token).WithGroup("g").Debug("saw "+token, "err", errors.New("echo "+token), "n", 3,
		slog.Group("inner", "v", token), "url", "https://h/p?email=a@b")
	out := b.String()
	if strings.Contains(out, token) || strings.Contains(out, "email=") || !strings.Contains(out, "n=3") {
		t.Errorf("got %s", out)
	}
}

// A hostile body of long runs of escape characters is scrubbed in linear
// time (each escape is followed a bounded way): 256 KB here would take
// minutes if it were quadratic.
func TestLongEscapeRuns(t *testing.T) {
	s := New(token, `50%\off-`+strings.Repeat("x", 8))
	for _, c := range []string{`\`, `%`, `%25`, `\\u00`, `+`} {
		in := strings.Repeat(c, (256<<10)/len(c)) + token
		if got := s.String(in); strings.Contains(got, token) {
			t.Errorf("%q run: the secret after it survived", c)
		}
	}
}
