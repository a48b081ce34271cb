package report

import (
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
)

// Shard is the K-th of N shares of a tenants file's tenants (rolecall
// --shard K/N), so that N jobs, on as many machines, list the file's
// tenants between them, each tenant exactly once, and Merge joins their
// reports into one.
//
// A tenant's shard is a hash of its name (FNV-1a, 64 bits, modulo N), not
// its place in the file: the shard of every tenant stays where it was when
// the file gains, loses or reorders tenants, so a tenant's reports of two
// runs come from the same job (its logs, its machine), and a shard's
// selection is checked from its report alone (Merge). The price is balance:
// shards hold about, not exactly, as many tenants each, and with few
// tenants a shard may hold none (its report is empty, and still needed).
type Shard struct {
	K, N int // 1 <= K <= N
}

// ParseShard reads "K/N", 1 <= K <= N.
func ParseShard(s string) (Shard, error) {
	ks, ns, ok := strings.Cut(s, "/")
	k, err1 := strconv.Atoi(ks)
	n, err2 := strconv.Atoi(ns)
	if !ok || err1 != nil || err2 != nil || n < 1 || k < 1 || k > n {
		return Shard{}, fmt.Errorf("shard %q: want K/N with 1 <= K <= N, e.g. 2/3 for the second of three", s)
	}
	return Shard{K: k, N: n}, nil
}

// String returns "K/N".
func (s Shard) String() string { return strconv.Itoa(s.K) + "/" + strconv.Itoa(s.N) }

// Holds reports whether the tenant named tenant is in the shard.
func (s Shard) Holds(tenant string) bool {
	h := fnv.New64a()
	h.Write([]byte(tenant))
	return int(h.Sum64()%uint64(s.N)) == s.K-1
}
