package overrides

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Group and key names of Flatpak's metadata and override files.
const (
	GroupContext     = "Context"
	GroupEnvironment = "Environment"
	GroupSessionBus  = "Session Bus Policy"
	GroupSystemBus   = "System Bus Policy"

	KeyShared      = "shared"
	KeySockets     = "sockets"
	KeyDevices     = "devices"
	KeyFeatures    = "features"
	KeyFilesystems = "filesystems"
	KeyPersistent  = "persistent"
	KeyUnsetEnv    = "unset-environment"
)

// Names the grammar itself gives a meaning beyond their own: fallback-x11
// implies x11 on the command line, a filesystem reset also hides host, and
// "~" is home.
const (
	SocketX11         = "x11"
	SocketFallbackX11 = "fallback-x11"
	LocationHost      = "host"
	LocationHome      = "home"
)

// FixedKeys are the [Context] keys whose values come from a closed set of
// names, in the order Flatpak writes them.
var FixedKeys = []string{KeyShared, KeySockets, KeyDevices, KeyFeatures}

// fixedNames lists each fixed key's names in Flatpak's table order, which is
// also the order Confine writes new entries in. It includes names newer than
// Debian's Flatpak 1.14 (inherit-wayland-socket, input, usb): Confine keeps
// and edits them; whether the installed Flatpak honours them is the model's
// business.
var fixedNames = map[string][]string{
	KeyShared:   {"network", "ipc"},
	KeySockets:  {SocketX11, "wayland", "pulseaudio", "session-bus", "system-bus", SocketFallbackX11, "ssh-auth", "pcsc", "cups", "gpg-agent", "inherit-wayland-socket"},
	KeyDevices:  {"dri", "all", "kvm", "shm", "input", "usb"},
	KeyFeatures: {"devel", "multiarch", "bluetooth", "canbus", "per-app-dev-shm"},
}

// Names returns every name of a fixed key any supported release knows, in
// Flatpak's table order (Dialect.Names: the names of one release).
func Names(key string) []string { return append([]string(nil), fixedNames[key]...) }

func nameIndex(key, name string) int {
	for i, n := range fixedNames[key] {
		if n == name {
			return i
		}
	}
	return -1
}

// cliWord is how `flatpak override` names each key in its messages.
var cliWord = map[string]string{KeyShared: "share", KeySockets: "socket", KeyDevices: "device", KeyFeatures: "feature"}

// ValidateName checks a name of a fixed key with the CLI's wording, e.g.
// `Unknown socket type bogus, valid types are: x11, wayland, …`, listing
// the names this release knows.
func (d *Dialect) ValidateName(key, name string) error {
	if _, ok := fixedNames[key]; !ok {
		return fmt.Errorf("%q is not a list of fixed names", key)
	}
	if d.Knows(key, name) {
		return nil
	}
	return fmt.Errorf("Unknown %s type %s, valid types are: %s", cliWord[key], name, strings.Join(d.Names(key), ", "))
}

// Mode is the access a filesystem entry grants. ModeNone is a negation
// ("!path"): it hides whatever a lower layer granted for the same location.
type Mode int

const (
	ModeNone Mode = iota
	ModeRead
	ModeReadWrite
	ModeCreate
)

func (m Mode) String() string {
	switch m {
	case ModeNone:
		return "none"
	case ModeRead:
		return "ro"
	case ModeReadWrite:
		return "rw"
	case ModeCreate:
		return "create"
	}
	return fmt.Sprintf("Mode(%d)", int(m))
}

// ResetLocation is the key under which a "!host:reset" entry is stored: it
// drops every filesystem grant of the layers below.
const ResetLocation = "host-reset"

var specialLocations = []string{LocationHost, "host-os", "host-etc", LocationHome}

// LocationHostRoot (1.18) is the host's / at /run/host/root; host implies
// it.
const LocationHostRoot = "host-root"

// xdgDirs are the xdg-* locations; xdg-run needs a sub-path.
var xdgDirs = []string{"xdg-desktop", "xdg-documents", "xdg-download", "xdg-music", "xdg-pictures", "xdg-public-share", "xdg-templates", "xdg-videos", "xdg-data", "xdg-cache", "xdg-config", "xdg-run"}

// FilesystemError describes why a filesystem entry is not valid. Fatal means
// Flatpak refuses the whole file because of it (a control character); other
// invalid entries are merely ignored by Flatpak when read from a file.
type FilesystemError struct {
	Entry string
	Msg   string
	Fatal bool
}

func (e *FilesystemError) Error() string { return e.Msg }

// Filesystem is one parsed entry of the filesystems list.
type Filesystem struct {
	Location string // normalised: "home", "~/Music", "/opt/x", "xdg-download/Foo", or ResetLocation
	Mode     Mode
}

// String formats the entry as Flatpak writes it.
func (f Filesystem) String() string {
	if f.Location == ResetLocation {
		return "!host:reset"
	}
	loc := escapeLocation(f.Location)
	switch f.Mode {
	case ModeNone:
		return "!" + loc
	case ModeRead:
		return loc + ":ro"
	case ModeCreate:
		return loc + ":create"
	}
	return loc
}

// ParseFilesystem parses one list entry the way release d reads it from a
// file: "[!]LOCATION[:SUFFIX]". warnings collects what Flatpak only warns
// about (an unknown suffix means rw; a mode on a negation is dropped).
func ParseFilesystem(d *Dialect, entry string) (fs Filesystem, warnings []string, err error) {
	negated := strings.HasPrefix(entry, "!")
	return parseFilesystem(d, entry, strings.TrimPrefix(entry, "!"), negated)
}

// ParseFilesystemArg parses a --filesystem (negated=false) or --nofilesystem
// (negated=true) argument with the command line's extra rejections.
func ParseFilesystemArg(d *Dialect, arg string, negated bool) (Filesystem, []string, error) {
	if arg == "host-reset" && !negated {
		return Filesystem{}, nil, &FilesystemError{Entry: arg, Msg: `Filesystem token "host-reset" is only applicable for --nofilesystem`}
	}
	return parseFilesystem(d, arg, arg, negated)
}

func parseFilesystem(d *Dialect, entry, s string, negated bool) (Filesystem, []string, error) {
	bad := func(fatal bool, format string, a ...any) (Filesystem, []string, error) {
		return Filesystem{}, nil, &FilesystemError{Entry: entry, Msg: fmt.Sprintf(format, a...), Fatal: fatal}
	}
	if err := CheckPathChars(s); err != nil {
		return bad(true, "%v", err)
	}
	if negated && s == "host-reset" {
		return Filesystem{Location: ResetLocation, Mode: ModeNone}, nil, nil
	}
	// The location ends at the first unescaped ':'; a backslash makes the
	// next character literal.
	var loc strings.Builder
	i := 0
	for ; i < len(s) && s[i] != ':'; i++ {
		if s[i] == '\\' {
			i++
			if i == len(s) {
				break
			}
		}
		loc.WriteByte(s[i])
	}
	mode := ModeReadWrite
	var warnings []string
	reset := false
	if i < len(s) {
		switch suffix := s[i+1:]; suffix {
		case "ro":
			mode = ModeRead
		case "rw":
			mode = ModeReadWrite
		case "create":
			mode = ModeCreate
		case "reset":
			reset = true
		default:
			warnings = append(warnings, fmt.Sprintf("Unexpected filesystem suffix %s, ignoring", suffix))
		}
	}
	location := loc.String()
	if reset {
		if !negated {
			return bad(false, `Filesystem suffix "reset" only applies to --nofilesystem`)
		}
		if location != LocationHost {
			return bad(false, `Filesystem suffix "reset" can only be applied to --nofilesystem=host`)
		}
		return Filesystem{Location: ResetLocation, Mode: ModeNone}, warnings, nil
	}
	if negated {
		if i < len(s) && (mode != ModeReadWrite || s[i+1:] == "rw") {
			warnings = append(warnings, fmt.Sprintf("Filesystem suffix %q is not applicable for --nofilesystem", s[i+1:]))
		}
		mode = ModeNone
	}
	norm, err := NormaliseLocation(d, location)
	if err != nil {
		return Filesystem{}, nil, &FilesystemError{Entry: entry, Msg: err.Error()}
	}
	return Filesystem{Location: norm, Mode: mode}, warnings, nil
}

var (
	errLocation    = "Unknown filesystem location %s, valid locations are: host, host-os, host-etc, home, xdg-*[/…], ~/dir, /dir"
	errLocation118 = "Unknown filesystem location %s, valid locations are: host, host-os, host-etc, host-root, home, xdg-*[/…], ~/dir, /dir"
)

// NormaliseLocation validates a filesystem location as release d does and
// returns the form Flatpak stores: "~" and "~/" become "home", "home/x"
// becomes "~/x", "//", "/./" and trailing "/" collapse, ".." is refused
// (1.14 and 1.16 let a lone ".." right after the first "/" through, as in
// "~/.."), a bare "/" is refused. host-root is a location from 1.18 on.
func NormaliseLocation(d *Dialect, loc string) (string, error) {
	for _, s := range specialLocations {
		if loc == s {
			return loc, nil
		}
	}
	if loc == LocationHostRoot && d.Conditional {
		return loc, nil
	}
	clean := func(rest string) (string, error) {
		if !d.Conditional && rest == ".." {
			return rest, nil
		}
		return cleanPath(loc, rest)
	}
	switch {
	case loc == "~":
		return LocationHome, nil
	case strings.HasPrefix(loc, "~/"), strings.HasPrefix(loc, "home/"):
		_, rest, _ := strings.Cut(loc, "/")
		rest, err := clean(rest)
		if err != nil {
			return "", err
		}
		if rest == "" {
			return LocationHome, nil
		}
		return "~/" + rest, nil
	case strings.HasPrefix(loc, "/"):
		rest, err := clean(loc[1:])
		if err != nil {
			return "", err
		}
		if rest == "" {
			return "", fmt.Errorf("--filesystem=/ is not available, use --filesystem=host for a similar result")
		}
		return "/" + rest, nil
	case strings.HasPrefix(loc, "xdg-"):
		base, sub, hasSub := strings.Cut(loc, "/")
		known := false
		for _, x := range xdgDirs {
			known = known || x == base
		}
		if !known {
			break
		}
		rest := ""
		if hasSub {
			var err error
			if rest, err = clean(sub); err != nil {
				return "", err
			}
		}
		if rest == "" {
			if base == "xdg-run" {
				break
			}
			return base, nil
		}
		return base + "/" + rest, nil
	}
	if d.Conditional {
		return "", fmt.Errorf(errLocation118, loc)
	}
	return "", fmt.Errorf(errLocation, loc)
}

func cleanPath(whole, p string) (string, error) {
	var parts []string
	for _, e := range strings.Split(p, "/") {
		switch e {
		case "", ".":
		case "..":
			return "", fmt.Errorf("Filesystem location %q contains \"..\"", whole)
		default:
			parts = append(parts, e)
		}
	}
	return strings.Join(parts, "/"), nil
}

// BusPolicy is a D-Bus name policy (a [Session Bus Policy] or [System Bus
// Policy] value), ordered from least to most access.
type BusPolicy int

const (
	PolicyNone BusPolicy = iota
	PolicySee
	PolicyTalk
	PolicyOwn
)

var policyNames = []string{"none", "see", "talk", "own"}

func (p BusPolicy) String() string {
	if p >= 0 && int(p) < len(policyNames) {
		return policyNames[p]
	}
	return fmt.Sprintf("BusPolicy(%d)", int(p))
}

// ParseBusPolicy reads none/see/talk/own.
func ParseBusPolicy(s string) (BusPolicy, error) {
	for i, n := range policyNames {
		if s == n {
			return BusPolicy(i), nil
		}
	}
	return 0, fmt.Errorf("unknown bus policy %q (want none, see, talk or own)", s)
}

// ValidateBusName accepts well-known D-Bus names, optionally ending in ".*"
// (a whole subtree), and refuses unique names (":1.42") like Flatpak does.
func ValidateBusName(name string) error {
	n := strings.TrimSuffix(name, ".*")
	if !validDBusName(n) {
		return fmt.Errorf("Invalid dbus name %s", name)
	}
	return nil
}

func validDBusName(n string) bool {
	if len(n) == 0 || len(n) > 255 || n[0] == '.' || n[0] == ':' {
		return false
	}
	elems := strings.Split(n, ".")
	if len(elems) < 2 {
		return false
	}
	for _, e := range elems {
		if e == "" || e[0] >= '0' && e[0] <= '9' {
			return false
		}
		for i := 0; i < len(e); i++ {
			c := e[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
				return false
			}
		}
	}
	return true
}

// Global is the name of the override file that applies to every app.
const Global = "global"

// ValidateAppID applies Flatpak's application-name rules: at most 255 bytes,
// at least three dot-separated elements, each made of [A-Za-z0-9_-], not
// starting with a digit, "-" only in the last element. These rules also
// guarantee the ID cannot leave the overrides folder ("/", "..", NUL).
func ValidateAppID(id string) error {
	invalid := func(why string) error {
		return fmt.Errorf("%q is not a valid application name: %s", id, why)
	}
	if id == "" {
		return invalid("empty")
	}
	if len(id) > 255 {
		return invalid("longer than 255 bytes")
	}
	elems := strings.Split(id, ".")
	if len(elems) < 3 {
		return invalid("names must contain at least 2 periods")
	}
	for i, e := range elems {
		if e == "" {
			return invalid("empty element")
		}
		if e[0] >= '0' && e[0] <= '9' {
			return invalid("element must not start with a digit")
		}
		for j := 0; j < len(e); j++ {
			c := e[j]
			switch {
			case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '_':
			case c == '-' && i == len(elems)-1:
			case c == '-':
				return invalid(`only the last element may contain "-"`)
			default:
				return invalid(fmt.Sprintf("invalid character %q", c))
			}
		}
	}
	return nil
}

// ValidateTarget accepts an app ID or "global".
func ValidateTarget(id string) error {
	if id == Global {
		return nil
	}
	return ValidateAppID(id)
}

// ValidateEnvName checks an environment variable name that Confine will write
// as a key of [Environment]: the command line takes anything before the first
// "=", so Confine accepts what GKeyFile can store as a key.
func ValidateEnvName(name string) error {
	if name == "" {
		return errors.New("environment variable name is empty")
	}
	if strings.ContainsAny(name, "=[]\n\r\x00") || !utf8.ValidString(name) {
		return fmt.Errorf("environment variable name %q contains a character that cannot be stored", name)
	}
	if name[0] == ' ' || name[len(name)-1] == ' ' || trimLeftSpace(name) != name {
		return fmt.Errorf("environment variable name %q starts or ends with white space", name)
	}
	return nil
}

// ParseEnvArg splits a --env=VAR=VALUE argument like the command line does.
func ParseEnvArg(arg string) (name, value string, err error) {
	name, value, ok := strings.Cut(arg, "=")
	if !ok || name == "" {
		return "", "", fmt.Errorf("Invalid env format %s", arg)
	}
	if err := ValidateEnvName(name); err != nil {
		return "", "", err
	}
	if strings.ContainsRune(value, 0) || !utf8.ValidString(value) {
		return "", "", fmt.Errorf("environment value for %s is not valid UTF-8 text", name)
	}
	return name, value, nil
}

// ValidatePersistent checks a --persist path (relative to the home folder)
// with Flatpak's rule for the characters of a path: a file with a control
// character in a persistent path is one Flatpak refuses to load.
func ValidatePersistent(p string) error {
	if p == "" {
		return errors.New("persistent path is empty")
	}
	return CheckPathChars(p)
}
