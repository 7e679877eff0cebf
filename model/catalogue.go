package model

import (
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
	{GroupFeatures, N_("Allow"), N_("Sandbox features the app may use")},
	{GroupFilesystem, N_("Filesystem"), N_("Files and folders the app can see")},
	{GroupPersistent, N_("Persistent"), N_("Folders in the app's own home that survive restarts")},
	{GroupEnvironment, N_("Environment"), N_("Variables set or removed when the app starts")},
	{GroupSessionBus, N_("Session Bus"), N_("Desktop services the app can reach over D-Bus")},
	{GroupSystemBus, N_("System Bus"), N_("System services the app can reach over D-Bus")},
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

// Permission is one row of the catalogue: a switch on the page, an option
// of the command line, a subject of the advisor.
type Permission struct {
	ID          string // "sockets/x11", "filesystems/home", "portals/camera"
	Group       Group
	Key         string // keyfile key ("sockets") or portal table
	Value       string // keyfile value ("x11") or portal id
	Title       string
	Description string
	// MinVersion is the first Flatpak release that honours the permission.
	MinVersion Version
	// Risk is how much granting it widens what the app can do.
	Risk Severity
}

// Syntax is the keyfile form shown as a row subtitle, e.g. "sockets=x11".
func (p *Permission) Syntax() string {
	if p.Group == GroupPortals {
		return p.Key + "/" + p.Value
	}
	return p.Key + "=" + p.Value
}

func fixed(group Group, key, value, title, desc string, min string, risk Severity) *Permission {
	return &Permission{ID: key + "/" + value, Group: group, Key: key, Value: value, Title: title, Description: desc, MinVersion: MustVersion(min), Risk: risk}
}

func folder(value, title, desc string, risk Severity) *Permission {
	return &Permission{ID: overrides.KeyFilesystems + "/" + value, Group: GroupFilesystem, Key: overrides.KeyFilesystems, Value: value, Title: title, Description: desc, MinVersion: MustVersion("0.8.0"), Risk: risk}
}

func portal(table, id, title, desc string, risk Severity) *Permission {
	return &Permission{ID: "portals/" + id, Group: GroupPortals, Key: table, Value: id, Title: title, Description: desc, Risk: risk}
}

// Catalogue is every permission Confine shows, in display order. The window,
// the command line and the advisor render from it; nothing else names
// permissions.
var Catalogue = []*Permission{
	fixed(GroupShare, overrides.KeyShared, "network", N_("Network"), N_("Connect to the internet and the local network"), "0.6.0", SeverityMedium),
	fixed(GroupShare, overrides.KeyShared, "ipc", N_("Inter-process communication"), N_("Share memory with other programs; needed by X11 apps for speed"), "0.6.0", SeverityLow),

	fixed(GroupSockets, overrides.KeySockets, "x11", N_("X11 windowing system"), N_("Show windows with X11, which lets the app see and type into other X11 windows"), "0.6.0", SeverityHigh),
	fixed(GroupSockets, overrides.KeySockets, "wayland", N_("Wayland windowing system"), N_("Show windows with Wayland, which keeps apps apart"), "0.6.0", SeverityNone),
	fixed(GroupSockets, overrides.KeySockets, "fallback-x11", N_("Fallback to X11 windowing system"), N_("Use X11 only when no Wayland session is running"), "0.11.3", SeverityLow),
	fixed(GroupSockets, overrides.KeySockets, "pulseaudio", N_("PulseAudio sound server"), N_("Play sound, and also record from every microphone without asking"), "0.6.0", SeverityMedium),
	fixed(GroupSockets, overrides.KeySockets, "session-bus", N_("D-Bus session bus"), N_("Talk to every desktop service, including ones that run commands outside the sandbox"), "0.6.0", SeverityEscape),
	fixed(GroupSockets, overrides.KeySockets, "system-bus", N_("D-Bus system bus"), N_("Talk to every system service"), "0.6.0", SeverityEscape),
	fixed(GroupSockets, overrides.KeySockets, "ssh-auth", N_("Secure Shell agent"), N_("Use your SSH keys to log in to other computers"), "0.99.1", SeverityHigh),
	fixed(GroupSockets, overrides.KeySockets, "pcsc", N_("Smart cards"), N_("Use smart cards through the PC/SC daemon"), "1.3.2", SeverityMedium),
	fixed(GroupSockets, overrides.KeySockets, "cups", N_("Printing system"), N_("Talk to the CUPS printing service directly"), "1.5.2", SeverityLow),
	fixed(GroupSockets, overrides.KeySockets, "gpg-agent", N_("GPG-Agent directories"), N_("Use your GnuPG keys to sign and decrypt"), "1.14.0", SeverityHigh),
	fixed(GroupSockets, overrides.KeySockets, "inherit-wayland-socket", N_("Inherit Wayland socket"), N_("Use the Wayland socket the app was started with, e.g. a nested compositor's"), "1.15.7", SeverityLow),

	fixed(GroupDevices, overrides.KeyDevices, "dri", N_("GPU acceleration"), N_("Draw with the graphics card"), "0.6.0", SeverityLow),
	fixed(GroupDevices, overrides.KeyDevices, "input", N_("Input devices"), N_("Read game controllers and other input devices directly"), "1.15.6", SeverityMedium),
	fixed(GroupDevices, overrides.KeyDevices, "usb", N_("USB devices"), N_("Use USB devices directly"), "1.15.11", SeverityMedium),
	fixed(GroupDevices, overrides.KeyDevices, "kvm", N_("Virtualization"), N_("Run virtual machines with KVM"), "0.6.0", SeverityMedium),
	fixed(GroupDevices, overrides.KeyDevices, "shm", N_("Shared memory"), N_("Use the host's /dev/shm"), "1.6.1", SeverityLow),
	fixed(GroupDevices, overrides.KeyDevices, "all", N_("All devices"), N_("Use every device: webcams, microphones, disks, USB keys"), "0.6.0", SeverityHigh),

	fixed(GroupFeatures, overrides.KeyFeatures, "devel", N_("Development syscalls"), N_("Trace and debug other processes (ptrace); weakens the sandbox"), "0.6.0", SeverityEscape),
	fixed(GroupFeatures, overrides.KeyFeatures, "multiarch", N_("Programs from other architectures"), N_("Run 32-bit programs"), "0.6.0", SeverityLow),
	fixed(GroupFeatures, overrides.KeyFeatures, "bluetooth", N_("Bluetooth"), N_("Use Bluetooth sockets directly"), "0.11.8", SeverityMedium),
	fixed(GroupFeatures, overrides.KeyFeatures, "canbus", N_("Controller Area Network bus"), N_("Use CAN bus sockets"), "1.0.3", SeverityLow),
	fixed(GroupFeatures, overrides.KeyFeatures, "per-app-dev-shm", N_("Application shared memory"), N_("Share /dev/shm between all instances of the app"), "1.12.0", SeverityLow),

	folder("host", N_("All system files"), N_("Every file on the computer you can open, including other users' shared files"), SeverityEscape),
	folder("host-os", N_("All system libraries and executables"), N_("The host's /usr, /bin, /lib, /etc"), SeverityHigh),
	folder("host-etc", N_("All system configurations"), N_("The host's /etc"), SeverityMedium),
	folder("home", N_("All user files"), N_("Your whole home folder, including settings of other apps"), SeverityEscape),
	folder("xdg-desktop", N_("Desktop folder"), N_("Your Desktop folder"), SeverityLow),
	folder("xdg-documents", N_("Documents folder"), N_("Your Documents folder"), SeverityLow),
	folder("xdg-download", N_("Downloads folder"), N_("Your Downloads folder"), SeverityLow),
	folder("xdg-music", N_("Music folder"), N_("Your Music folder"), SeverityLow),
	folder("xdg-pictures", N_("Pictures folder"), N_("Your Pictures folder"), SeverityLow),
	folder("xdg-videos", N_("Videos folder"), N_("Your Videos folder"), SeverityLow),

	portal("background", "background", N_("Run in background"), N_("Keep running after its windows are closed"), SeverityLow),
	portal("notifications", "notification", N_("Notifications"), N_("Show notifications"), SeverityNone),
	portal("devices", "camera", N_("Camera"), N_("Use the camera"), SeverityHigh),
	portal("devices", "microphone", N_("Microphone"), N_("Record from the microphone"), SeverityHigh),
	portal("devices", "speakers", N_("Speakers"), N_("Play sound"), SeverityLow),
	portal("location", "location", N_("Location"), N_("Know where you are"), SeverityHigh),
	portal("screenshot", "screenshot", N_("Screenshots"), N_("Take screenshots without asking each time"), SeverityMedium),
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
