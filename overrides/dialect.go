package overrides

// Dialect is how one family of Flatpak releases reads, merges, evaluates and
// writes these files. The differences that matter:
//
//   - 1.14 treats shared/sockets/devices/features as "mentioned + enabled"
//     per name: the upper layer's word wins, `!x` revokes, unknown names
//     (anything newer, `if:` entries) are dropped on load. On the command
//     line fallback-x11 implies x11 both ways.
//   - 1.16 adds the names inherit-wayland-socket, input and usb, the
//     [USB Devices] group (a bad device query makes the file unusable) and
//     the --usb…, --a11y-own-name options.
//   - 1.18 gives each name three parts — allowed, reset (discard what the
//     layers below said) and conditions (`if:x:has-wayland`) — keeps
//     unknown names, writes lists sorted, no longer pairs fallback-x11 with
//     x11 on the command line but turns it into `if:x11:!has-wayland` when
//     an app starts, adds the host-root location, and refuses entries like
//     `x11:foo` (and crashes on an empty one).
//   - 1.18.0–1.18.x have two bugs 1.19 fixed: a negated always-true
//     condition (`!has-input-device`) counts as true, and a merge stops at
//     the first condition the lower layer already has. The stable-branch
//     releases keep them: Debian testing's 1.18.4 behaves as 1.18.1 does in
//     every oracle suite (and still crashes on an empty entry), so one
//     dialect serves the whole series.
type Dialect struct {
	Name string // the family, e.g. "1.18"
	// NewerNames: inherit-wayland-socket, input, usb.
	NewerNames bool
	// USB: [USB Devices], --usb, --nousb, --usb-list, --usb-list-file,
	// --a11y-own-name.
	USB bool
	// Conditional: allowed/reset/conditions, host-root, sorted lists.
	Conditional bool
	// NegatedTrueBug and MergeStopsAtDuplicate are 1.18's bugs.
	NegatedTrueBug, MergeStopsAtDuplicate bool
}

// The dialects Confine speaks. A release between two of them speaks the
// older one; unreleased development series count as the next release.
var (
	Flatpak114 = &Dialect{Name: "1.14"}
	Flatpak116 = &Dialect{Name: "1.16", NewerNames: true, USB: true}
	Flatpak118 = &Dialect{Name: "1.18", NewerNames: true, USB: true, Conditional: true, NegatedTrueBug: true, MergeStopsAtDuplicate: true}
	Flatpak119 = &Dialect{Name: "1.19", NewerNames: true, USB: true, Conditional: true}
)

// Dialects lists them oldest first.
var Dialects = []*Dialect{Flatpak114, Flatpak116, Flatpak118, Flatpak119}

func (d *Dialect) String() string { return "Flatpak " + d.Name }

// newerNames are the fixed names 1.14 does not know.
var newerNames = map[string]bool{KeySockets + "/inherit-wayland-socket": true, KeyDevices + "/input": true, KeyDevices + "/usb": true}

// Knows reports whether this release knows a name of a fixed key.
func (d *Dialect) Knows(key, name string) bool {
	return nameIndex(key, name) >= 0 && (d.NewerNames || !newerNames[key+"/"+name])
}

// Names lists the names of a fixed key this release knows, in its table
// order.
func (d *Dialect) Names(key string) []string {
	var out []string
	for _, n := range fixedNames[key] {
		if d.Knows(key, n) {
			out = append(out, n)
		}
	}
	return out
}
