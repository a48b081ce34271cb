package driverkit

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rolecall/rolecall/facade"
)

// listKinds runs a listing of a driver offering users, groups and keys
// whose group listing the provider refuses (403) and whose user and key
// listings each yield one assignment.
func listKinds(t *testing.T, opts *facade.ListOptions) ([]facade.Assignment, facade.Coverage, []facade.PrincipalKind, error) {
	t.Helper()
	stats := new(facade.Stats)
	k, _ := newKit(t, Spec{Provider: "openai", Kinds: []facade.PrincipalKind{facade.User, facade.Group, facade.APIKey}},
		facade.Options{Stats: stats})
	var asked []facade.PrincipalKind
	refusal := &facade.Error{Provider: "openai", Op: "list groups", Code: facade.PermissionDenied, StatusCode: 403,
		Message: "You have insufficient permissions for this operation."}
	got, err := facade.Collect(k.Stream(context.Background(), opts, func(ctx context.Context, emit Emit) error {
		for _, p := range []facade.PrincipalKind{facade.User, facade.Group, facade.APIKey} {
			if !Wants(ctx, p) {
				continue
			}
			asked = append(asked, p)
			if p == facade.Group {
				if err := Refused(ctx, refusal, facade.Group); err != nil {
					return err
				}
				if Wants(ctx, facade.Group) {
					t.Error("a refused kind is still wanted")
				}
				continue
			}
			if err := emit([]facade.Assignment{{Provider: "openai", Principal: p, UserID: string(p) + "-1", RoleID: "r"}}); err != nil {
				return err
			}
		}
		return nil
	}))
	return got, stats.Snapshot().Kinds, asked, err
}

func TestRefusedKindFailsTheListingAfterTheOthers(t *testing.T) {
	got, cov, asked, err := listKinds(t, nil)
	assert.Len(t, got, 2, "the users and keys are listed before the listing ends")
	assert.Equal(t, []facade.PrincipalKind{facade.User, facade.Group, facade.APIKey}, asked)
	require.Error(t, err)
	assert.True(t, errors.Is(err, facade.ErrPermissionDenied), "%v", err)
	assert.Contains(t, err.Error(), "list group (refused: list groups)")
	assert.Contains(t, err.Error(), "--principals")
	assert.Equal(t, facade.Coverage{facade.User: facade.Listed, facade.Group: facade.NotPermitted, facade.APIKey: facade.Listed,
		facade.ServiceAccount: facade.NotOffered, facade.Application: facade.NotOffered, facade.Invitation: facade.NotOffered}, cov)
}

func TestPrincipalsLeaveARefusedKindOut(t *testing.T) {
	got, cov, asked, err := listKinds(t, &facade.ListOptions{Principals: []facade.PrincipalKind{facade.User, facade.APIKey, facade.Invitation}})
	require.NoError(t, err)
	assert.Len(t, got, 2)
	assert.Equal(t, []facade.PrincipalKind{facade.User, facade.APIKey}, asked, "the group listing is not asked for")
	assert.Equal(t, facade.NotAsked, cov[facade.Group])
	assert.Equal(t, facade.NotOffered, cov[facade.Invitation], "asked for but not offered")
	assert.Equal(t, facade.Listed, cov[facade.APIKey])
}

func TestPrincipalsFilterWhatADriverEmits(t *testing.T) {
	k, _ := newKit(t, Spec{Provider: "openai", Kinds: []facade.PrincipalKind{facade.User, facade.APIKey}}, facade.Options{})
	opts := &facade.ListOptions{Principals: []facade.PrincipalKind{facade.APIKey}}
	got, err := facade.Collect(k.Stream(context.Background(), opts, func(ctx context.Context, emit Emit) error {
		return emit([]facade.Assignment{{Provider: "openai", UserID: "u", RoleID: "r"},
			{Provider: "openai", Principal: facade.APIKey, UserID: "k", RoleID: "r"}})
	}))
	require.NoError(t, err)
	require.Len(t, got, 1, "a driver that ignores Wants still yields only the kinds asked for")
	assert.Equal(t, facade.APIKey, got[0].Principal)
}

func TestNoRequestWhenNoKindOfferedIsAsked(t *testing.T) {
	k, _ := newKit(t, Spec{Provider: "cortex"}, facade.Options{})
	ran := false
	_, err := facade.Collect(k.Stream(context.Background(), &facade.ListOptions{Principals: []facade.PrincipalKind{facade.APIKey}},
		func(context.Context, Emit) error { ran = true; return nil }))
	require.NoError(t, err)
	assert.False(t, ran, "a users-only driver asked for keys lists nothing")
}

// A driver that lists one kind and fails with a 403 without passing it to
// Refused (the users-only drivers) has that kind NotPermitted, not Failed:
// the run record then says the credentials may not read it.
func TestOneKindRefusedIsNotPermitted(t *testing.T) {
	refusal := &facade.Error{Provider: "cortex", Op: "list users", Code: facade.PermissionDenied, StatusCode: 403}
	for _, tc := range []struct {
		name string
		err  error
		want facade.KindStatus
	}{
		{"403", refusal, facade.NotPermitted},
		{"500", &facade.Error{Provider: "cortex", Op: "list users", Code: facade.Unavailable, StatusCode: 500}, facade.Failed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stats := new(facade.Stats)
			k, _ := newKit(t, Spec{Provider: "cortex"}, facade.Options{Stats: stats})
			_, err := facade.Collect(k.Stream(context.Background(), nil, func(context.Context, Emit) error { return tc.err }))
			require.ErrorIs(t, err, tc.err)
			cov := stats.Snapshot().Kinds
			assert.Equal(t, tc.want, cov[facade.User])
			assert.Equal(t, facade.NotOffered, cov[facade.APIKey])
		})
	}

	// Of two kinds listed, a 403 the driver did not pass to Refused
	// cannot be told apart: both failed.
	stats := new(facade.Stats)
	k, _ := newKit(t, Spec{Provider: "openai", Kinds: []facade.PrincipalKind{facade.User, facade.APIKey}}, facade.Options{Stats: stats})
	_, err := facade.Collect(k.Stream(context.Background(), nil, func(context.Context, Emit) error { return refusal }))
	require.ErrorIs(t, err, facade.ErrPermissionDenied)
	cov := stats.Snapshot().Kinds
	assert.Equal(t, facade.Failed, cov[facade.User])
	assert.Equal(t, facade.Failed, cov[facade.APIKey])
}
