package spec

import (
	"fmt"
	"strconv"
	"strings"
)

// maxID is the largest uid or gid a spec may name: Linux ids are 32-bit,
// and 4294967295 is (uid_t)-1, which means "no id" to the kernel.
const maxID = 1<<32 - 2

// nonrootID is distroless's nonroot user and group.
const nonrootID = 65532

// UserIDs is who the app runs as, in numbers: nonroot is 65532:65532,
// root is 0:0, and a numeric user is read as written, any spelling of a
// number ("00", "000:0") being that number. group is false for a bare uid
// ("1000"), which leaves the gid to the image's /etc/passwd.
func (s *Spec) UserIDs() (uid, gid uint32, group bool) {
	uid, gid, group, _ = parseUser(s.User)
	return uid, gid, group
}

// RunsAsRoot reports whether the app runs as uid 0, however it is spelled.
func (s *Spec) RunsAsRoot() bool {
	uid, _, _ := s.UserIDs()
	return uid == 0
}

// UserString is the user as the image config and compose write it: always
// numeric (tools such as dockle treat only "" and "root" as root, and would
// miss a name that maps to uid 0), without leading zeros.
func (s *Spec) UserString() string {
	uid, gid, group := s.UserIDs()
	if !group {
		return strconv.FormatUint(uint64(uid), 10)
	}
	return fmt.Sprintf("%d:%d", uid, gid)
}

// parseUser reads nonroot, root or uid[:gid]; "" is nonroot.
func parseUser(u string) (uid, gid uint32, group bool, err error) {
	switch u {
	case "", "nonroot":
		return nonrootID, nonrootID, true, nil
	case "root":
		return 0, 0, true, nil
	}
	us, gs, group := strings.Cut(u, ":")
	uid, err = parseID(us)
	if err == nil && group {
		gid, err = parseID(gs)
	}
	return uid, gid, group, err
}

// parseID reads one decimal id, 0 to maxID.
func parseID(s string) (uint32, error) {
	if s == "" || strings.TrimLeft(s, "0123456789") != "" {
		return 0, fmt.Errorf("not a number")
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil || n > maxID {
		return 0, fmt.Errorf("%s is beyond the largest id, %d", s, uint64(maxID))
	}
	return uint32(n), nil
}
