package facade

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"time"
)

// ErrorCode classifies a failed listing, whatever the provider.
type ErrorCode int

// The error codes. Test for one with errors.Is and the matching Err value,
// or read it with Code. As with gocloud.dev's gcerrors, OK is what Code
// returns for a nil error; it is never the code of an error.
const (
	OK               ErrorCode = iota // no error: Code(nil)
	Unknown                           // none of the below
	Unauthenticated                   // 401: the credential is missing, wrong or expired
	PermissionDenied                  // 403: the credential lacks a permission
	NotFound                          // 404: the resource (or endpoint) does not exist
	RateLimited                       // 429 that retries could not outlast; see Error.RetryAfter
	Unavailable                       // 5xx, a timeout or a network failure, after retries
	InvalidResponse                   // an undecodable or schema-breaking body, or a pagination loop
	Incomplete                        // the listing ended with fewer items than the provider reported
	Canceled                          // the caller's context was cancelled or its deadline passed
	InvalidArgument                   // a bad Config or Options, or a request refused as malformed (400)
)

var codeNames = [...]string{"ok", "unknown", "unauthenticated", "permission denied", "not found", "rate limited",
	"unavailable", "invalid response", "incomplete", "canceled", "invalid argument"}

func (c ErrorCode) String() string {
	if int(c) < len(codeNames) {
		return codeNames[c]
	}
	return fmt.Sprintf("ErrorCode(%d)", int(c))
}

// Sentinels for errors.Is: errors.Is(err, facade.ErrPermissionDenied)
// reports whether err is, or wraps, an *Error with that code. Each is a
// plain error whose message is its code's name; only an *Error matches it.
var (
	// ErrUnauthenticated matches an *Error whose Code is Unauthenticated.
	ErrUnauthenticated = errors.New("unauthenticated")
	// ErrPermissionDenied matches an *Error whose Code is PermissionDenied.
	ErrPermissionDenied = errors.New("permission denied")
	// ErrNotFound matches an *Error whose Code is NotFound.
	ErrNotFound = errors.New("not found")
	// ErrRateLimited matches an *Error whose Code is RateLimited.
	ErrRateLimited = errors.New("rate limited")
	// ErrUnavailable matches an *Error whose Code is Unavailable.
	ErrUnavailable = errors.New("unavailable")
	// ErrInvalidResponse matches an *Error whose Code is InvalidResponse.
	ErrInvalidResponse = errors.New("invalid response")
	// ErrIncomplete matches an *Error whose Code is Incomplete.
	ErrIncomplete = errors.New("incomplete")
	// ErrCanceled matches an *Error whose Code is Canceled.
	ErrCanceled = errors.New("canceled")
	// ErrInvalidArgument matches an *Error whose Code is InvalidArgument.
	ErrInvalidArgument = errors.New("invalid argument")
)

// sentinels holds each code's Err value.
var sentinels = [...]error{
	Unauthenticated:  ErrUnauthenticated,
	PermissionDenied: ErrPermissionDenied,
	NotFound:         ErrNotFound,
	RateLimited:      ErrRateLimited,
	Unavailable:      ErrUnavailable,
	InvalidResponse:  ErrInvalidResponse,
	Incomplete:       ErrIncomplete,
	Canceled:         ErrCanceled,
	InvalidArgument:  ErrInvalidArgument,
}

// Error is a failed call to a provider. Its message says which provider,
// which operation, what happened and, where known, what to do. It never
// holds a credential: bodies are scrubbed of the secrets the driver knows
// (in every encoding a server may echo them in), of anything shaped like a
// token and of URL query strings, and only then cut short.
type Error struct {
	Provider   string        // "cortex", "openai", "vectara" or "logto"
	Op         string        // what was being done, e.g. `list users of role "admin"`
	Code       ErrorCode     // the portable classification
	StatusCode int           // the HTTP status, 0 when no response came
	RequestID  string        // the provider's request id, when it sent one
	Message    string        // the provider's own message, scrubbed and cut short
	Hint       string        // what to do about it
	RetryAfter time.Duration // for RateLimited: how long the server asked to wait
	Err        error         // the cause, if any
	// Detail is the provider's decoded error body, a type of its generated
	// package (e.g. *cortexapi.ErrorResponse), or nil; see ErrorAs.
	Detail any
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Provider)
	if e.Op != "" {
		b.WriteString(": ")
		b.WriteString(e.Op)
	}
	b.WriteString(": ")
	switch {
	case e.StatusCode != 0:
		fmt.Fprintf(&b, "%d %s", e.StatusCode, strings.ToLower(http.StatusText(e.StatusCode)))
	default:
		b.WriteString(e.Code.String())
	}
	if e.Code == RateLimited && e.RetryAfter > 0 {
		fmt.Fprintf(&b, " (the server asks to wait %s)", e.RetryAfter.Round(time.Second))
	}
	if e.StatusCode == 0 && e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	if e.Hint != "" {
		b.WriteString(": ")
		b.WriteString(e.Hint)
	}
	if e.Message != "" || e.RequestID != "" {
		b.WriteString(" (")
		if e.Message != "" {
			fmt.Fprintf(&b, "%s said %q", e.Provider, e.Message)
		}
		if e.RequestID != "" {
			if e.Message != "" {
				b.WriteString("; ")
			}
			fmt.Fprintf(&b, "request id %s", e.RequestID)
		}
		b.WriteString(")")
	}
	return b.String()
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Is reports whether target is the sentinel of e's code.
func (e *Error) Is(target error) bool {
	// target is compared with ==, which cannot panic here: the sentinels'
	// dynamic type is comparable.
	return e.Code >= 0 && int(e.Code) < len(sentinels) && sentinels[e.Code] != nil && target == sentinels[e.Code]
}

// Code returns the code of the first *Error in err's chain. Like
// gocloud.dev's gcerrors.Code, it returns OK for a nil error, Canceled for
// an error that is or wraps context.Canceled or context.DeadlineExceeded
// (rolecall has one code for both), and Unknown otherwise.
func Code(err error) ErrorCode {
	if err == nil {
		return OK
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return Canceled
	}
	return Unknown
}

// ErrorAs is the escape hatch to a provider's own error body: when err
// holds an *Error whose Detail is assignable to *target (a pointer to a
// pointer of a generated type, e.g. **cortexapi.ErrorResponse from
// gen/cortex), it sets *target and returns true.
//
//	var body *cortexapi.ErrorResponse
//	if facade.ErrorAs(err, &body) { fmt.Println(body.Type) }
func ErrorAs(err error, target any) bool {
	var e *Error
	if !errors.As(err, &e) || e.Detail == nil {
		return false
	}
	tv := reflect.ValueOf(target)
	if tv.Kind() != reflect.Pointer || tv.IsNil() {
		return false
	}
	dv := reflect.ValueOf(e.Detail)
	if !dv.Type().AssignableTo(tv.Elem().Type()) {
		return false
	}
	tv.Elem().Set(dv)
	return true
}
