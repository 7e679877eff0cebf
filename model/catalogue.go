package model

import (
	"strings"

	"github.com/confine-app/confine/overrides"
)

// N_ marks a string for translation without translating it: the catalogue
// is pure Go, so the window and the command line translate at display time
// (xgettext extracts N_ calls).
func N_(s string) string { return s }

// Group is a section of the permission page.
type Group string

const (
	GroupShare       Group = "share"
	GroupSockets     Group = "sockets"
	GroupDevices     Group = "devices"
	GroupFeatures    Group = "features"
	GroupFilesystem  Group = "filesystem"
	GroupPersistent  Group = "persistent"
	GroupEnvironment Group = "environment"
	GroupSessionBus  Group = "session-bus"
	GroupSystemBus   Group = "system-bus"
	GroupPortals     Group = "portals"
	GroupUSB         Group = "usb-devices"
)

// GroupInfo describes a group for display.
type GroupInfo struct {
	ID          Group
	Title       string
	Description string
}

// Groups lists the page's sections in display order.
var Groups = []GroupInfo{
	{GroupShare, N_("Share"), N_("What the app shares with the rest of the system")},
	{GroupSockets, N_("Sockets"), N_("Services on the host the app can connect to")},
	{GroupDevices, N_("Devices"), N_("Hardware the app can use directly")},
	{GroupFeatures, N_("Features"), N_("Sandbox features the app may use")},
	{GroupFilesystem, N_("Filesystem"), N_("Files and folders the app can see")},
	{GroupPersistent, N_("Persistent"), N_("Folders in the app's own home that survive restarts")},
	{GroupEnvironment, N_("Environment"), N_("Variables set or removed when the app starts")},
	{GroupSessionBus, N_("Session Bus"), N_("Desktop services the app can reach over D-Bus")},
	{GroupSystemBus, N_("System Bus"), N_("System services the app can reach over D-Bus")},
	{GroupUSB, N_("USB Devices"), N_("Devices the app may find through the USB portal, and devices hidden from it")},
	{GroupPortals, N_("Portals"), N_("Permissions the desktop asks you about while the app runs")},
}

// Severity orders advisor findings and catalogue risks.
type Severity int

const (
	SeverityNone Severity = iota
	SeverityInfo
	SeverityLow
	SeverityMedium
	SeverityHigh
	SeverityEscape
)

var severityNames = []string{"none", "info", "low", "medium", "high", "escape"}

func (s Severity) String() string {
	if s >= 0 && int(s) < len(severityNames) {
		return severityNames[s]
	}
	return "unknown"
}

// ParseSeverity reads a severity name.
func ParseSeverity(s string) (Severity, bool) {
	for i, n := range severityNames {
		if n == s {
			return Severity(i), true
		}
	}
	return 0, false
}

// Permission is one entry of the catalogue: a row on the page, an option
// of the command line, a subject of the advisor.
type Permission struct {
	ID          string // "sockets/x11", "filesystems/home", "portals/camera", "session-bus/org.freedesktop.secrets"
	Group       Group
	Key         string // keyfile key ("sockets"), portal table (package portals), or bus group
	Value       string // keyfile value ("x11"), location, portal id, or bus name
	Title       string
	Description string
	// MinVersion is the first Flatpak release that honours the permission.
	MinVersion Version
	// Risk is how much granting it widens what the app can do; the
	// advisor's findings about it have this severity unless an Advice
	// says otherwise.
	Risk Severity
	// Advice is what the advisor says while an app holds the permission.
	Advice []Advice
}

// Advice is one advisor rule about a permission, applied while an app holds
// it (fixed names: on; folders: any access; bus names: talk or own).
type Advice struct {
	// ID is the finding's stable ID ("revoke/network"): dismissals are
	// remembered by it.
	ID    string
	Level Level
	// Severity overrides the permission's Risk for this finding.
	Severity Severity
	// Only limits the rule to some apps, Releases to some Flatpak
	// releases.
	Only     Scope
	Releases Releases
	// Title, Reason and Fix are untranslated; a Title with %s gets the
	// permission's value.
	Title, Reason, Fix string
	// Also are permissions the fix grants in exchange (all devices → GPU).
	Also []*Permission
	// NoFix marks advice that only informs: revoking would stop the app.
	NoFix bool
}

// Scope is which apps an Advice concerns.
type Scope int

const (
	AnyApp Scope = iota
	WaylandNativeApps
	OtherApps // not Wayland-native
)

// Releases is which Flatpak releases an Advice is right for.
type Releases int

const (
	AnyRelease Releases = iota
	// BeforeConditions: 1.14 and 1.16, where fallback-x11 decides X11 on
	// its own, whatever x11 says.
	BeforeConditions
	// WithConditions: 1.18 and later, where x11 and !x11 in an override
	// discard the app's fallback-x11.
	WithConditions
)

func (r Releases) includes(d *overrides.Dialect) bool {
	return r == AnyRelease || (r == WithConditions) == d.Conditional
}

// Ref is the typed name of one thing an override can say something about:
// a fixed name, a folder, a persistent path, a variable, a bus name or a
// portal permission. Page rows, pending edits and findings are keyed by it.
type Ref struct {
	Group Group
	Name  string // "x11", "~/Music", ".mozilla", "PATH", "org.a.b", "camera"
}

// BusGroup is the group of a bus's names.
func BusGroup(b overrides.Bus) Group {
	if b == overrides.SystemBus {
		return GroupSystemBus
	}
	return GroupSessionBus
}

// Ref is the permission's typed name.
func (p *Permission) Ref() Ref { return Ref{p.Group, p.Value} }

// Permission is the catalogue entry named by r, nil when it has none (a
// folder or bus name the catalogue does not list).
func (k Ref) Permission() *Permission {
	for _, p := range Catalogue {
		if p.Group == k.Group && p.Value == k.Name {
			return p
		}
	}
	return nil
}

// syntaxOf is the key-file line that gives p the state perm, conditions
// included ("sockets=x11;if:x11:!has-wayland").
func (p *Permission) syntaxOf(perm overrides.Perm) string {
	return p.Key + "=" + strings.Join(overrides.SerializePerm(p.Value, perm), ";")
}

// Syntax is the keyfile form shown as a row subtitle, e.g. "sockets=x11".
func (p *Permission) Syntax() string {
	switch p.Group {
	case GroupPortals:
		return p.Key + "/" + p.Value
	case GroupSessionBus, GroupSystemBus:
		return p.Value + "=talk"
	}
	return p.Key + "=" + p.Value
}

func fixed(group Group, key, value, title, desc string, min string, risk Severity, advice ...Advice) *Permission {
	return &Permission{ID: key + "/" + value, Group: group, Key: key, Value: value, Title: title, Description: desc, MinVersion: MustVersion(min), Risk: risk, Advice: advice}
}

func folder(value, title, desc string, risk Severity, advice ...Advice) *Permission {
	return &Permission{ID: overrides.KeyFilesystems + "/" + value, Group: GroupFilesystem, Key: overrides.KeyFilesystems, Value: value, Title: title, Description: desc, MinVersion: MustVersion("0.8.0"), Risk: risk, Advice: advice}
}

// busName is a session-bus name the advisor knows; such entries are not
// rows of their own (bus names are listed as the layers give them).
func busName(name, title, desc string, risk Severity, advice ...Advice) *Permission {
	return &Permission{ID: string(GroupSessionBus) + "/" + name, Group: GroupSessionBus, Key: string(GroupSessionBus), Value: name, Title: title, Description: desc, Risk: risk, Advice: advice}
}

// Catalogue entries the code refers to by name. Nothing outside the
// catalogue and the grammar tables of package overrides spells out a
// permission, socket or bus name (catalogue_test.go checks).
var (
	Network = fixed(GroupShare, overrides.KeyShared, "network", N_("Network"), N_("Connect to the internet and the local network"), "0.6.0", SeverityMedium,
		Advice{ID: "revoke/network", Level: LevelSuggested, Title: N_("Can reach the network"), Reason: N_("The app can send anything it can read to the internet."),
			Fix: N_("Unshare the network if the app works offline. It may lose updates, sync or online features.")})
	IPC = fixed(GroupShare, overrides.KeyShared, "ipc", N_("Inter-process communication"), N_("Share memory with other programs; needed by X11 apps for speed"), "0.6.0", SeverityLow,
		Advice{ID: "revoke/ipc", Level: LevelRecommended, Only: WaylandNativeApps, Title: N_("Shares memory with the host although it runs on Wayland"),
			Reason: N_("IPC sharing exists to make X11 fast; a Wayland-native app does not need it."), Fix: N_("Unshare IPC.")})

	X11 = fixed(GroupSockets, overrides.KeySockets, "x11", N_("X11 windowing system"), N_("Show windows with X11, which lets the app see and type into other X11 windows"), "0.6.0", SeverityHigh,
		// Measured with Flatpak 1.14 and 1.16 (integration tests): with
		// fallback-x11 the app gets no X11 in a Wayland session and X11 in
		// an X11 session whether or not x11 is revoked. The revocation
		// still matters on releases without fallback-x11 and records the
		// intent, so it stays recommended, at low severity, and says so.
		Advice{ID: "revoke/x11", Level: LevelRecommended, Severity: SeverityLow, Only: WaylandNativeApps, Releases: BeforeConditions, Title: N_("Keeps X11 although it runs on Wayland"),
			Reason: N_("The app shows its windows with Wayland; X11 would let it see and type into other X11 windows. Flatpak already hides X11 from it in a Wayland session (fallback-x11); revoking x11 keeps it that way on Flatpak releases without fallback-x11."),
			Fix:    N_("Revoke X11; fallback-x11 still gives X11 where no Wayland session runs.")},
		// From 1.18 on, x11 or !x11 in an override discards the app's
		// fallback-x11: revoking x11 would take X11 away in X11 sessions
		// too, where the app needs it to show windows.
		Advice{ID: "info/x11-without-wayland", Level: LevelInfo, Severity: SeverityLow, Only: WaylandNativeApps, Releases: WithConditions, NoFix: true,
			Title:  N_("Gets X11 only where no Wayland session runs"),
			Reason: N_("The app shows its windows with Wayland and gets no X11 in a Wayland session. On this Flatpak, revoking X11 would also remove it in X11 sessions, where the app needs it to show windows."),
			Fix:    N_("Nothing to do: X11 is already off in every Wayland session.")},
		Advice{ID: "info/x11", Level: LevelInfo, Only: OtherApps, NoFix: true, Title: N_("Uses X11"),
			Reason: N_("X11 gives no isolation between windows: the app can read what you type in other X11 apps and take screenshots. It needs X11 to show windows, so revoking it would stop the app."),
			Fix:    N_("Prefer a Wayland session; there, only X11 apps can see each other.")})
	Wayland     = fixed(GroupSockets, overrides.KeySockets, "wayland", N_("Wayland windowing system"), N_("Show windows with Wayland, which keeps apps apart"), "0.6.0", SeverityNone)
	FallbackX11 = fixed(GroupSockets, overrides.KeySockets, "fallback-x11", N_("Fallback to X11 windowing system"), N_("Use X11 only when no Wayland session is running"), "0.11.3", SeverityLow)
	PulseAudio  = fixed(GroupSockets, overrides.KeySockets, "pulseaudio", N_("PulseAudio sound server"), N_("Play sound, and also record from every microphone without asking"), "0.6.0", SeverityHigh,
		Advice{ID: "revoke/pulseaudio", Level: LevelSuggested, Title: N_("Can record audio without asking"),
			Reason: N_("The PulseAudio socket plays sound but also records from every microphone, bypassing the microphone permission."),
			Fix:    N_("Revoke it if the app needs no sound. It will be silent.")})
	SessionBusSocket = fixed(GroupSockets, overrides.KeySockets, "session-bus", N_("D-Bus session bus"), N_("Talk to every desktop service, including ones that run commands outside the sandbox"), "0.6.0", SeverityEscape,
		escapeBus(N_("Can escape the sandbox through the session bus"), N_("Full access to the session bus lets the app ask other programs, and Flatpak itself, to run commands outside the sandbox.")))
	SystemBusSocket = fixed(GroupSockets, overrides.KeySockets, "system-bus", N_("D-Bus system bus"), N_("Talk to every system service"), "0.6.0", SeverityEscape,
		escapeBus(N_("Can escape the sandbox through the system bus"), N_("Full access to the system bus lets the app talk to every system service, some of which act with administrator rights.")))
	SSHAuth = fixed(GroupSockets, overrides.KeySockets, "ssh-auth", N_("Secure Shell agent"), N_("Use your SSH keys to log in to other computers"), "0.99.1", SeverityHigh,
		Advice{ID: "revoke/ssh-auth", Level: LevelSuggested, Title: N_("Can use your SSH keys"), Reason: N_("The app can log in to every server your SSH agent can."),
			Fix: N_("Revoke it unless the app connects to servers over SSH.")})
	PCSC     = fixed(GroupSockets, overrides.KeySockets, "pcsc", N_("Smart cards"), N_("Use smart cards through the PC/SC daemon"), "1.3.2", SeverityMedium)
	CUPS     = fixed(GroupSockets, overrides.KeySockets, "cups", N_("Printing system"), N_("Talk to the CUPS printing service directly"), "1.5.2", SeverityLow)
	GPGAgent = fixed(GroupSockets, overrides.KeySockets, "gpg-agent", N_("GPG-Agent directories"), N_("Use your GnuPG keys to sign and decrypt"), "1.14.0", SeverityHigh,
		Advice{ID: "revoke/gpg-agent", Level: LevelSuggested, Title: N_("Can use your GnuPG keys"), Reason: N_("The app can sign and decrypt with your keys while the agent has them unlocked."),
			Fix: N_("Revoke it unless the app signs or encrypts for you.")})
	InheritWayland = fixed(GroupSockets, overrides.KeySockets, "inherit-wayland-socket", N_("Inherit Wayland socket"), N_("Use the Wayland socket the app was started with, e.g. a nested compositor's"), "1.15.7", SeverityLow)

	DRI        = fixed(GroupDevices, overrides.KeyDevices, "dri", N_("GPU acceleration"), N_("Draw with the graphics card"), "0.6.0", SeverityLow)
	Input      = fixed(GroupDevices, overrides.KeyDevices, "input", N_("Input devices"), N_("Read game controllers and other input devices directly"), "1.15.6", SeverityMedium)
	USB        = fixed(GroupDevices, overrides.KeyDevices, "usb", N_("USB devices"), N_("Use USB devices directly"), "1.15.11", SeverityMedium)
	KVM        = fixed(GroupDevices, overrides.KeyDevices, "kvm", N_("Virtualization"), N_("Run virtual machines with KVM"), "0.6.0", SeverityMedium)
	SHM        = fixed(GroupDevices, overrides.KeyDevices, "shm", N_("Shared memory"), N_("Use the host's /dev/shm"), "1.6.1", SeverityLow)
	AllDevices = fixed(GroupDevices, overrides.KeyDevices, "all", N_("All devices"), N_("Use every device: webcams, microphones, disks, USB keys"), "0.6.0", SeverityHigh,
		Advice{ID: "revoke/device-all", Level: LevelSuggested, Title: N_("Can use every device"), Reason: N_("Webcams, microphones, USB keys and disks are all open to the app."),
			Fix: N_("Replace it with GPU access (dri); the app may lose webcam or game controller support."), Also: []*Permission{DRI}})

	Devel = fixed(GroupFeatures, overrides.KeyFeatures, "devel", N_("Development syscalls"), N_("Trace and debug other processes (ptrace); weakens the sandbox"), "0.6.0", SeverityEscape,
		Advice{ID: "escape/devel", Level: LevelRecommended, Title: N_("Can trace other programs"),
			Reason: N_("The development feature allows ptrace and weakens the seccomp filter; it is meant for debuggers and IDEs."),
			Fix:    N_("Disallow it unless you debug programs with this app.")})
	Multiarch    = fixed(GroupFeatures, overrides.KeyFeatures, "multiarch", N_("Programs from other architectures"), N_("Run 32-bit programs"), "0.6.0", SeverityLow)
	Bluetooth    = fixed(GroupFeatures, overrides.KeyFeatures, "bluetooth", N_("Bluetooth"), N_("Use Bluetooth sockets directly"), "0.11.8", SeverityMedium)
	CANBus       = fixed(GroupFeatures, overrides.KeyFeatures, "canbus", N_("Controller Area Network bus"), N_("Use CAN bus sockets"), "1.0.3", SeverityLow)
	PerAppDevShm = fixed(GroupFeatures, overrides.KeyFeatures, "per-app-dev-shm", N_("Application shared memory"), N_("Share /dev/shm between all instances of the app"), "1.12.0", SeverityLow)

	Host = folder(overrides.LocationHost, N_("All system files"), N_("Every file on the computer you can open, including other users' shared files"), SeverityEscape,
		broadFolder(SeverityHigh, N_("Can read all your files and the system's"), N_("Every file you can open is visible to the app.")))
	HostOS = folder("host-os", N_("All system libraries and executables"), N_("The host's /usr, /bin, /lib, /etc"), SeverityMedium,
		broadFolder(SeverityMedium, N_("Can read the system's programs and libraries"), N_("Mostly harmless, but it reveals what is installed and is rarely needed.")))
	HostEtc = folder("host-etc", N_("All system configurations"), N_("The host's /etc"), SeverityMedium,
		broadFolder(SeverityMedium, N_("Can read the system's configuration"), N_("/etc holds network, user and service settings.")))
	HostRoot = &Permission{ID: overrides.KeyFilesystems + "/" + overrides.LocationHostRoot, Group: GroupFilesystem, Key: overrides.KeyFilesystems, Value: overrides.LocationHostRoot,
		Title: N_("The host's root folder"), Description: N_("Every file of the computer under /run/host/root, read-write unless read-only is chosen"),
		MinVersion: MustVersion("1.17.0"), Risk: SeverityEscape,
		Advice: []Advice{broadFolder(SeverityHigh, N_("Can read every file of the computer"), N_("The whole root folder of the computer is visible to the app, with everything you can open."))}}
	Home = folder(overrides.LocationHome, N_("All user files"), N_("Your whole home folder, including settings of other apps"), SeverityEscape,
		broadFolder(SeverityHigh, N_("Can read your whole home folder"), N_("Documents, browser profiles, keys and the settings of every other app are visible to it.")))

	// FlatpakPortal and Secrets are the two bus names that open the
	// sandbox or the keyring.
	FlatpakPortal = busName("org.freedesktop.Flatpak", N_("Commands outside the sandbox"), N_("Start programs on the host with flatpak-spawn --host"), SeverityEscape,
		Advice{ID: "escape/flatpak-portal", Level: LevelRecommended, Title: N_("Can run any command outside the sandbox"),
			Reason: N_("Talking to org.freedesktop.Flatpak lets the app start programs on your computer with your rights (flatpak-spawn --host). Terminals and IDEs ask for it on purpose."),
			Fix:    N_("Deny the name unless you use the app to run host commands.")})
	Secrets = busName("org.freedesktop.secrets", N_("Your stored passwords"), N_("Read and write the keyring"), SeverityMedium,
		Advice{ID: "revoke/secrets", Level: LevelSuggested, Title: N_("Can read your stored passwords"),
			Reason: N_("Talking to org.freedesktop.secrets gives access to the whole keyring, not only the app's own secrets."),
			Fix:    N_("Deny the name; the app may ask for passwords again or lose saved logins.")})
)

func escapeBus(title, reason string) Advice {
	return Advice{ID: "escape/", Level: LevelRecommended, Title: title, Reason: reason,
		Fix: N_("Revoke it; the app keeps the bus names it lists one by one.")}
}

func broadFolder(sev Severity, title, reason string) Advice {
	return Advice{ID: "revoke/filesystem:", Level: LevelSuggested, Severity: sev, Title: title, Reason: reason,
		Fix: N_("Replace it with the folders the app needs (e.g. Downloads); file dialogs still give access to single files through portals.")}
}

// Catalogue is every permission of the override files Confine knows, in
// display order. The window, the command line and the advisor render from
// it. Portal permissions, which the desktop keeps rather than the override
// files, have catalogue entries of the same type in package portals.
var Catalogue = []*Permission{
	Network, IPC,
	X11, Wayland, FallbackX11, PulseAudio, SessionBusSocket, SystemBusSocket, SSHAuth, PCSC, CUPS, GPGAgent, InheritWayland,
	DRI, Input, USB, KVM, SHM, AllDevices,
	Devel, Multiarch, Bluetooth, CANBus, PerAppDevShm,
	Host, HostOS, HostEtc, HostRoot, Home,
	folder("xdg-desktop", N_("Desktop folder"), N_("Your Desktop folder"), SeverityLow),
	folder("xdg-documents", N_("Documents folder"), N_("Your Documents folder"), SeverityLow),
	folder("xdg-download", N_("Downloads folder"), N_("Your Downloads folder"), SeverityLow),
	folder("xdg-music", N_("Music folder"), N_("Your Music folder"), SeverityLow),
	folder("xdg-pictures", N_("Pictures folder"), N_("Your Pictures folder"), SeverityLow),
	folder("xdg-videos", N_("Videos folder"), N_("Your Videos folder"), SeverityLow),

	FlatpakPortal, Secrets,
}

// The IDs of advice shared by several entries end in the permission's
// value ("escape/" + "session-bus", "revoke/filesystem:" + "home").
func init() {
	for _, p := range Catalogue {
		for i := range p.Advice {
			if a := &p.Advice[i]; strings.HasSuffix(a.ID, "/") || strings.HasSuffix(a.ID, ":") {
				a.ID += p.Value
			}
		}
	}
}

var catalogueByID = func() map[string]*Permission {
	m := map[string]*Permission{}
	for _, p := range Catalogue {
		m[p.ID] = p
	}
	return m
}()

// Lookup finds a catalogue entry by ID ("sockets/x11").
func Lookup(id string) *Permission { return catalogueByID[id] }

// LookupFixed finds the entry of a fixed-name key.
func LookupFixed(key, name string) *Permission { return catalogueByID[key+"/"+name] }

// InGroup lists the catalogue entries of one group in display order.
func InGroup(g Group) []*Permission {
	var out []*Permission
	for _, p := range Catalogue {
		if p.Group == g {
			out = append(out, p)
		}
	}
	return out
}

// Supported reports whether the installed Flatpak honours p.
func (p *Permission) Supported(v Version) bool {
	return v.IsZero() || p.MinVersion.IsZero() || !v.Less(p.MinVersion)
}
