package openai_test

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rolecall/rolecall/facade"
	"github.com/rolecall/rolecall/facade/internal/testkit"
)

// An archived project whose users and service accounts OpenAI refuses to
// list (400, as its spec documents) is skipped with a warning; the same
// 400 for an active project fails the listing.
func TestArchivedProjectRefusalIsAWarning(t *testing.T) {
	for _, c := range []struct {
		name     string
		archived string
		ok       bool
	}{{"archived", `"archived_at":1700000000,"status":"archived"`, true}, {"active", `"archived_at":null,"status":"active"`, false}} {
		t.Run(c.name, func(t *testing.T) {
			projects := `{"object":"list","data":[{"object":"organization.project","id":"proj_1","name":"Old","created_at":1,` + c.archived +
				`}],"first_id":"proj_1","last_id":"proj_1","has_more":false}`
			logs := &testkit.LogBuffer{}
			l := harness.Lister(t, func(w http.ResponseWriter, r *http.Request) {
				switch p := r.URL.Path; {
				case p == "/v1/organization/projects":
					testkit.WriteRaw(w, 200, projects)
				case p == "/v1/organization/projects/proj_1/users" || p == "/v1/organization/projects/proj_1/service_accounts":
					testkit.WriteRaw(w, 400, `{"error":{"message":"Project is archived.","type":"invalid_request_error","param":null,"code":null}}`)
				case p == "/v1/organization/users":
					testkit.WriteRaw(w, 200, oneUser)
				default:
					testkit.WriteRaw(w, 200, `{"object":"list","data":[],"first_id":null,"last_id":null,"has_more":false,"next":null}`)
				}
			}, facade.Options{Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelWarn}))})
			got, err := facade.Collect(l.ListAssignments(context.Background(), nil))
			if !c.ok {
				require.Error(t, err)
				assert.ErrorIs(t, err, facade.ErrInvalidArgument)
				return
			}
			require.NoError(t, err)
			assert.NotEmpty(t, got, "the rest is listed")
			assert.Equal(t, 2, strings.Count(logs.String(), "archived project"), "one warning per refused walk:\n%s", logs)
		})
	}
}
