package spec

import "testing"

// TestUserSpellings: every spelling of uid 0 is root, ids read as numbers
// whatever their leading zeros, and the image config gets them canonical.
func TestUserSpellings(t *testing.T) {
	for _, tt := range []struct {
		user, want string
		root       bool
	}{
		{"", "65532:65532", false},
		{"nonroot", "65532:65532", false},
		{"root", "0:0", true},
		{"0", "0", true},
		{"00", "0", true},
		{"0:0", "0:0", true},
		{"000:0", "0:0", true},
		{"0:1000", "0:1000", true},
		{"1000:0", "1000:0", false},
		{"01000", "1000", false},
		{"4294967294:4294967294", "4294967294:4294967294", false},
	} {
		s, err := Parse("app.yaml", []byte("name: app\nuser: \""+tt.user+"\"\n"))
		if err != nil {
			t.Fatalf("%q: %v", tt.user, err)
		}
		if got := s.UserString(); got != tt.want || s.RunsAsRoot() != tt.root {
			t.Errorf("user %q: %q root=%v, want %q root=%v", tt.user, got, s.RunsAsRoot(), tt.want, tt.root)
		}
	}
}
