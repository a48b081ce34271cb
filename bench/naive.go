package bench

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	cortex "github.com/rolecall/rolecall/gen/cortex"
	logto "github.com/rolecall/rolecall/gen/logto"
	openai "github.com/rolecall/rolecall/gen/openai"
	vectara "github.com/rolecall/rolecall/gen/vectara"
)

// SeqResult is what a sequential listing saw.
type SeqResult struct {
	Expect
	Requests int
}

// Sequential lists every assignment of a provider's tenant the way a user
// would with the generated client alone: one request at a time, each body
// read whole and unmarshalled by the generated Parse…Response (encoding/json
// Unmarshal), following each API's pagination signal. With maxPage false it
// asks for each API's default page size (it leaves the page-size parameter
// out; Cortex's generated client requires pageSize, so it sends the
// documented default, 250); with maxPage true, the largest page.
//
// It is the naive baseline of the latency benchmarks.
func Sequential(ctx context.Context, provider, baseURL, token string, hc *http.Client, maxPage bool) (SeqResult, error) {
	if hc == nil {
		hc = http.DefaultClient
	}
	s := &seq{ctx: ctx, base: baseURL, token: token, hc: hc, max: maxPage}
	var err error
	switch provider {
	case "cortex":
		err = s.cortex()
	case "vectara":
		err = s.vectara()
	case "openai":
		err = s.openai()
	case "logto":
		err = s.logto()
	default:
		err = fmt.Errorf("unknown provider %q", provider)
	}
	return s.res, err
}

type seq struct {
	ctx   context.Context
	base  string
	token string
	hc    *http.Client
	max   bool
	res   SeqResult
}

func (s *seq) add(userID, roleID, scope string) {
	s.res.Assignments++
	s.res.KeySum += KeyHash(userID, roleID, scope)
}

func (s *seq) bearer(_ context.Context, r *http.Request) error {
	r.Header.Set("Authorization", "Bearer "+s.token)
	return nil
}

func statusErr(op string, r *http.Response, body []byte) error {
	if r == nil {
		return fmt.Errorf("%s: no response", op)
	}
	return fmt.Errorf("%s: %s: %.200s", op, r.Status, body)
}

func (s *seq) cortex() error {
	c, err := cortex.NewClientWithResponses(s.base, cortex.WithHTTPClient(s.hc), cortex.WithRequestEditorFn(s.bearer))
	if err != nil {
		return err
	}
	size := int32(CortexDefaultPage)
	if s.max {
		size = CortexMaxPage
	}
	for page := int32(0); ; page++ {
		s.res.Requests++
		r, err := c.GetUserRoleAssignmentsWithResponse(s.ctx, &cortex.GetUserRoleAssignmentsParams{PageSize: size, Page: page})
		if err != nil {
			return err
		}
		if r.JSON200 == nil {
			return statusErr("cortex page", r.HTTPResponse, r.Body)
		}
		for _, u := range r.JSON200.Users {
			for _, role := range u.Roles {
				switch {
				case role.Type == cortex.AssignedRoleTypeBASIC && role.Role != nil:
					s.add(u.Email, *role.Role, "")
				case role.Tag != nil:
					s.add(u.Email, *role.Tag, "")
				}
			}
		}
		if page+1 >= r.JSON200.TotalPages {
			return nil
		}
	}
}

func (s *seq) vectara() error {
	c, err := vectara.NewClientWithResponses(s.base, vectara.WithHTTPClient(s.hc),
		vectara.WithRequestEditorFn(func(_ context.Context, r *http.Request) error {
			r.Header.Set("x-api-key", s.token)
			return nil
		}))
	if err != nil {
		return err
	}
	params := &vectara.ListUsersParams{}
	if s.max {
		limit := int32(VectaraMaxPage)
		params.Limit = &limit
	}
	for {
		s.res.Requests++
		r, err := c.ListUsersWithResponse(s.ctx, params)
		if err != nil {
			return err
		}
		if r.JSON200 == nil {
			return statusErr("vectara page", r.HTTPResponse, r.Body)
		}
		if r.JSON200.Users != nil {
			for _, u := range *r.JSON200.Users {
				id := deref(u.Id)
				if u.ApiRoles != nil {
					for _, role := range *u.ApiRoles {
						s.add(id, string(role), "")
					}
				}
				if u.CorpusRoles != nil {
					for _, role := range *u.CorpusRoles {
						s.add(id, string(role.Role), "corpus/"+role.CorpusKey)
					}
				}
				if u.AgentRoles != nil {
					for _, role := range *u.AgentRoles {
						s.add(id, string(role.Role), "agent/"+role.AgentKey)
					}
				}
			}
		}
		m := r.JSON200.Metadata
		if m == nil || m.PageKey == nil || *m.PageKey == "" {
			return nil
		}
		next := *m.PageKey
		params.PageKey = &next
	}
}

func (s *seq) openai() error {
	c, err := openai.NewClientWithResponses(s.base, openai.WithHTTPClient(s.hc), openai.WithRequestEditorFn(s.bearer))
	if err != nil {
		return err
	}
	users := &openai.ListUsersParams{}
	roles := &openai.ListUserRoleAssignmentsParams{}
	if s.max {
		ul, rl := OpenAIUsersMaxPage, OpenAIRolesMaxPage
		users.Limit, roles.Limit = &ul, &rl
	}
	for {
		s.res.Requests++
		r, err := c.ListUsersWithResponse(s.ctx, users)
		if err != nil {
			return err
		}
		if r.JSON200 == nil {
			return statusErr("openai users", r.HTTPResponse, r.Body)
		}
		for _, u := range r.JSON200.Data {
			if u.Role != nil {
				s.add(u.Id, string(*u.Role), "api.organization")
			}
			p := *roles
			for {
				s.res.Requests++
				rr, err := c.ListUserRoleAssignmentsWithResponse(s.ctx, u.Id, &p)
				if err != nil {
					return err
				}
				if rr.JSON200 == nil {
					return statusErr("openai roles", rr.HTTPResponse, rr.Body)
				}
				for _, role := range rr.JSON200.Data {
					s.add(u.Id, role.Id, role.ResourceType)
				}
				if !rr.JSON200.HasMore || rr.JSON200.Next == nil {
					break
				}
				p.After = rr.JSON200.Next
			}
		}
		if !r.JSON200.HasMore || r.JSON200.LastId == nil {
			return nil
		}
		users.After = r.JSON200.LastId
	}
}

func (s *seq) logto() error {
	c, err := logto.NewClientWithResponses(s.base, logto.WithHTTPClient(s.hc), logto.WithRequestEditorFn(s.bearer))
	if err != nil {
		return err
	}
	var size *int
	if s.max {
		n := LogtoMaxPage
		size = &n
	}
	userType := logto.RoleTypeUser
	var roles []logto.RoleWithStats
	for page := 1; ; page++ {
		s.res.Requests++
		p := page
		r, err := c.ListRolesWithResponse(s.ctx, &logto.ListRolesParams{Page: &p, PageSize: size, Type: &userType})
		if err != nil {
			return err
		}
		if r.JSON200 == nil {
			return statusErr("logto roles", r.HTTPResponse, r.Body)
		}
		roles = append(roles, *r.JSON200...)
		if !linkNext(r.HTTPResponse) {
			break
		}
	}
	for _, role := range roles {
		for page := 1; ; page++ {
			s.res.Requests++
			p := page
			r, err := c.ListRoleUsersWithResponse(s.ctx, role.Id, &logto.ListRoleUsersParams{Page: &p, PageSize: size})
			if err != nil {
				return err
			}
			if r.JSON200 == nil {
				return statusErr("logto role users", r.HTTPResponse, r.Body)
			}
			for _, u := range *r.JSON200 {
				s.add(u.Id, role.Id, "")
			}
			if !linkNext(r.HTTPResponse) {
				break
			}
		}
	}
	return nil
}

// linkNext reports a Link header with rel="next".
func linkNext(r *http.Response) bool {
	for _, v := range r.Header.Values("Link") {
		if strings.Contains(v, `rel="next"`) {
			return true
		}
	}
	return false
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
