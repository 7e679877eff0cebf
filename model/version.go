package model

import (
	"context"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/confine-app/confine/overrides"
)

// Version is a Flatpak release number. The zero Version means unknown.
type Version struct{ Major, Minor, Micro int }

// ParseVersion reads "1.14.10" (and tolerates a "Flatpak " prefix).
func ParseVersion(s string) (Version, error) {
	s = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(s), "Flatpak"))
	parts := strings.Split(s, ".")
	if len(parts) < 2 || len(parts) > 3 {
		return Version{}, fmt.Errorf("%q is not a Flatpak version", s)
	}
	var n [3]int
	for i, p := range parts {
		v, err := strconv.Atoi(p)
		if err != nil || v < 0 {
			return Version{}, fmt.Errorf("%q is not a Flatpak version", s)
		}
		n[i] = v
	}
	return Version{n[0], n[1], n[2]}, nil
}

// MustVersion is ParseVersion for literals.
func MustVersion(s string) Version {
	v, err := ParseVersion(s)
	if err != nil {
		panic(err)
	}
	return v
}

func (v Version) String() string {
	if v.IsZero() {
		return "unknown"
	}
	return fmt.Sprintf("%d.%d.%d", v.Major, v.Minor, v.Micro)
}

// IsZero reports an unknown version.
func (v Version) IsZero() bool { return v == Version{} }

// Less orders versions.
func (v Version) Less(o Version) bool {
	if v.Major != o.Major {
		return v.Major < o.Major
	}
	if v.Minor != o.Minor {
		return v.Minor < o.Minor
	}
	return v.Micro < o.Micro
}

// DetectFlatpakVersion finds the installed Flatpak's version: from
// $CONFINE_FLATPAK_VERSION (tests), from /.flatpak-info when Confine runs
// sandboxed, else from `flatpak --version`. Unknown gives the zero Version
// and an error saying why; callers then enable everything.
func DetectFlatpakVersion(env Env) (Version, error) {
	if s := env.Getenv("CONFINE_FLATPAK_VERSION"); s != "" {
		return ParseVersion(s)
	}
	if info := env.SandboxInfo(); info != nil {
		if s, ok := info.KeyFile().Value("Instance", "flatpak-version"); ok {
			return ParseVersion(s)
		}
		return Version{}, fmt.Errorf("%s has no flatpak-version", env.flatpakInfoPath())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "flatpak", "--version").Output()
	if err != nil {
		return Version{}, fmt.Errorf("cannot run flatpak --version: %w", err)
	}
	return ParseVersion(string(out))
}

// DialectOf is how a Flatpak release reads, merges and writes override
// files. Development series speak the dialect of the release they lead to;
// an unknown version gets the newest stable one.
func DialectOf(v Version) *overrides.Dialect {
	switch {
	case v.IsZero():
		return overrides.Flatpak118
	case v.Less(Version{1, 15, 0}):
		return overrides.Flatpak114
	case v.Less(Version{1, 17, 0}):
		return overrides.Flatpak116
	case v.Less(Version{1, 19, 0}):
		return overrides.Flatpak118
	}
	return overrides.Flatpak119
}
