package facade

import (
	"context"
	"iter"
)

// Source is a provider's Lister, as the drivers in facade/cortex,
// facade/openai, facade/vectara and facade/logto return it: a portable
// type over the driver's listing function. A driver's Source is safe for
// concurrent use.
type Source struct {
	provider string
	list     ListFunc
}

// ListFunc is a driver's listing: what ListAssignments returns.
type ListFunc func(ctx context.Context, opts *ListOptions) iter.Seq2[Assignment, error]

// NewSource returns the Source of provider that lists with list. It is
// for drivers: callers get a Source from a driver's New.
func NewSource(provider string, list ListFunc) *Source {
	return &Source{provider: provider, list: list}
}

// Provider names the provider ("cortex", "openai", "vectara", "logto").
func (s *Source) Provider() string { return s.provider }

// ListAssignments lists every assignment, each once, or ends with an
// error (*Error); see Lister.
func (s *Source) ListAssignments(ctx context.Context, opts *ListOptions) iter.Seq2[Assignment, error] {
	return s.list(ctx, opts)
}
