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
// or read it with Code.
const (
	Unknown          ErrorCode = iota // none of the below
	Unauthenticated                   // 401: the credential is missing, wrong or expired
	PermissionDenied                  // 403: the credential lacks a permission
	NotFound                          // 404: the resource (or endpoint) does not exist
	RateLimited                       // 429 that retries could not outlast; see Error.RetryAfter
	Unavailable                       // 5xx, a timeout or a network failure, after retries
	InvalidResponse                   // an undecodable or schema-breaking body, or a pagination loop
	Incomplete                        // the listing ended with fewer items than the provider reported
	Canceled                          // the caller's context was cancelled or its deadline passed
	InvalidArgument                   // the request was refused as malformed (400), or bad options
)

var codeNames = [...]string{"unknown", "unauthenticated", "permission denied", "not found", "rate limited",
	"unavailable", "invalid response", "incomplete", "canceled", "invalid argument"}

func (c ErrorCode) String() string {
	if int(c) < len(codeNames) {
		return codeNames[c]
	}
	return fmt.Sprintf("ErrorCode(%d)", int(c))
}

// Sentinels for errors.Is: errors.Is(err, facade.ErrPermissionDenied)
// reports whether err is an *Error with that code.
var (
	ErrUnauthenticated  = &codeError{Unauthenticated}
	ErrPermissionDenied = &codeError{PermissionDenied}
	ErrNotFound         = &codeError{NotFound}
	ErrRateLimited      = &codeError{RateLimited}
	ErrUnavailable      = &codeError{Unavailable}
	ErrInvalidResponse  = &codeError{InvalidResponse}
	ErrIncomplete       = &codeError{Incomplete}
	ErrCanceled         = &codeError{Canceled}
	ErrInvalidArgument  = &codeError{InvalidArgument}
)

type codeError struct{ code ErrorCode }

func (e *codeError) Error() string { return e.code.String() }

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

	detail any // the provider's decoded error body, for ErrorAs
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
	if c, ok := target.(*codeError); ok {
		return c.code == e.Code
	}
	return false
}

// NewError returns an *Error; drivers use it, callers read Error's fields.
// detail is the provider's decoded error body (or nil), reachable through
// ErrorAs.
func NewError(provider, op string, code ErrorCode, detail any) *Error {
	return &Error{Provider: provider, Op: op, Code: code, detail: detail}
}

// Code returns the code of the first *Error in err's chain, Canceled for a
// bare context error, and Unknown otherwise.
func Code(err error) ErrorCode {
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
// holds an *Error whose decoded body is assignable to *target (a pointer to
// a pointer of a generated type, e.g. **cortex.ErrorResponse from
// gen/cortex), it sets *target and returns true.
//
//	var body *cortexapi.ErrorResponse
//	if facade.ErrorAs(err, &body) { fmt.Println(body.Type) }
func ErrorAs(err error, target any) bool {
	var e *Error
	if !errors.As(err, &e) || e.detail == nil {
		return false
	}
	tv := reflect.ValueOf(target)
	if tv.Kind() != reflect.Pointer || tv.IsNil() {
		return false
	}
	dv := reflect.ValueOf(e.detail)
	if !dv.Type().AssignableTo(tv.Elem().Type()) {
		return false
	}
	tv.Elem().Set(dv)
	return true
}
