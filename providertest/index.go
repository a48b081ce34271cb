package providertest

import (
	"sort"
	"strings"
	"time"
)

// epoch is the synthetic tenants' reference time; timestamps are derived
// from it so that responses are byte-for-byte deterministic.
var epoch = time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)

// index holds the lookups the handlers need, built once per server.
type index struct {
	users      []User
	byID       map[string]int
	byEmail    map[string][]int // lower-cased email → user indexes, ascending
	roles      map[string]int   // role id → index in Tenant.Roles
	byUsername map[string]int   // Vectara
	corpora    map[string]bool  // Vectara corpus keys listed or in use
	members    map[string][]int // Logto role id → member user indexes, ascending
	creator    int              // OpenAI: the user credited with creating custom roles, or -1
	projects   map[string]int   // OpenAI project id → index in Tenant.Projects
	groups     map[string]int   // OpenAI group id → index in Tenant.Groups
	orgRoles   []int            // OpenAI: indexes of the organization roles in Tenant.Roles
	projRoles  []int            // OpenAI: indexes of the project roles in Tenant.Roles
	logto      *logtoIndex      // Logto's organizations and applications
}

func buildIndex(provider string, t *Tenant) *index {
	ix := &index{
		users:      t.Users,
		byID:       make(map[string]int, len(t.Users)),
		byEmail:    make(map[string][]int, len(t.Users)),
		roles:      make(map[string]int, len(t.Roles)),
		byUsername: map[string]int{},
		corpora:    map[string]bool{},
		members:    map[string][]int{},
		creator:    -1,
	}
	for i, r := range t.Roles {
		ix.roles[r.ID] = i
		if r.ResourceType == OpenAIProjectScope {
			ix.projRoles = append(ix.projRoles, i)
		} else {
			ix.orgRoles = append(ix.orgRoles, i)
		}
	}
	if provider == "vectara" {
		for _, c := range t.VectaraCorpora {
			ix.corpora[c.Key] = true
		}
	}
	if provider == "openai" {
		ix.projects = make(map[string]int, len(t.Projects))
		for i, p := range t.Projects {
			ix.projects[p.ID] = i
		}
		ix.groups = make(map[string]int, len(t.Groups))
		for i, g := range t.Groups {
			ix.groups[g.ID] = i
		}
	}
	if provider == "logto" {
		ix.logto = buildLogtoIndex(t)
	}
	for i, u := range t.Users {
		ix.byID[u.ID] = i
		if u.Email != "" {
			k := strings.ToLower(u.Email)
			ix.byEmail[k] = append(ix.byEmail[k], i)
		}
		switch provider {
		case "vectara":
			ix.byUsername[u.Username] = i
			for _, g := range u.Grants {
				if key, ok := strings.CutPrefix(g.Scope, "corpus/"); ok {
					ix.corpora[key] = true
				}
			}
		case "logto":
			for _, g := range u.Grants {
				ix.members[g.RoleID] = append(ix.members[g.RoleID], i)
			}
		case "openai":
			if ix.creator < 0 && u.OrgRole == "owner" {
				ix.creator = i
			}
		}
	}
	return ix
}

// view is an ordered selection of items (user or role indexes): all n of
// them, or the listed ones.
type view struct {
	all bool
	n   int
	idx []int
}

func allOf(n int) view      { return view{all: true, n: n} }
func listOf(idx []int) view { return view{idx: idx} }

func (v view) len() int {
	if v.all {
		return v.n
	}
	return len(v.idx)
}

// at returns the index of the i'th selected item.
func (v view) at(i int) int {
	if v.all {
		return i
	}
	return v.idx[i]
}

// after returns the position of the first item whose index is greater than
// i.
func (v view) after(i int) int {
	if v.all {
		return min(i+1, v.n)
	}
	return sort.SearchInts(v.idx, i+1)
}

// emailView selects the users whose email is one of emails,
// case-insensitively, in listing order; all users when emails is empty.
// With split, each value may itself be a comma-joined list.
func (s *Server) emailView(emails []string, split bool) view {
	want := map[string]bool{}
	for _, e := range emails {
		parts := []string{e}
		if split {
			parts = strings.Split(e, ",")
		}
		for _, p := range parts {
			if p = strings.TrimSpace(p); p != "" {
				want[strings.ToLower(p)] = true
			}
		}
	}
	if len(want) == 0 {
		return allOf(len(s.ix.users))
	}
	var idx []int
	for e := range want {
		idx = append(idx, s.ix.byEmail[e]...)
	}
	sort.Ints(idx)
	return listOf(idx)
}
