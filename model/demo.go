package model

import (
	"fmt"
	"hash/fnv"
	"os"
	"path/filepath"
	"strings"
)

// DemoApp describes one app of the generated demo installation. The
// permission sets are modelled on common kinds of Flathub apps; names, IDs
// and texts are made up for Confine.
type DemoApp struct {
	ID, Name, Developer, Summary, Version string
	System                                bool   // installed system-wide
	Context                               string // the metadata's [Context] and other groups
	Broken                                bool   // write unreadable metadata
	// RawMetadata, when set, is written as the metadata file verbatim.
	RawMetadata string
}

// DemoApps is the demo installation's catalogue of apps.
var DemoApps = []DemoApp{
	{ID: "net.waveline.Browser", Name: "Waveline Browser", Developer: "Waveline Project", Summary: "Browse the web", Version: "128.2", System: true,
		Context: "shared=network;ipc;\nsockets=x11;wayland;pulseaudio;fallback-x11;\ndevices=all;\nfilesystems=xdg-download;/run/.heim_org.h5l.kcm-socket;\npersistent=.waveline;\n\n[Session Bus Policy]\norg.freedesktop.FileManager1=talk\norg.freedesktop.ScreenSaver=talk\norg.mpris.MediaPlayer2.waveline.*=own\n"},
	{ID: "org.tunebox.Player", Name: "Tunebox", Developer: "Tunebox Team", Summary: "Play your music and videos", Version: "3.0.21", System: true,
		Context: "shared=network;ipc;\nsockets=x11;wayland;pulseaudio;\ndevices=all;\nfilesystems=xdg-music;xdg-videos;xdg-run/gvfs;host:ro;\n\n[Session Bus Policy]\norg.mpris.MediaPlayer2.tunebox=own\norg.freedesktop.ScreenSaver=talk\n"},
	{ID: "im.chatterly.Desktop", Name: "Chatterly", Developer: "Chatterly Inc.", Summary: "Stay in touch with your team", Version: "7.4.1", System: true,
		Context: "shared=network;ipc;\nsockets=x11;pulseaudio;\ndevices=all;\nfilesystems=xdg-download;home;\n\n[Session Bus Policy]\norg.freedesktop.secrets=talk\norg.kde.StatusNotifierWatcher=talk\norg.freedesktop.Notifications=talk\n"},
	{ID: "io.github.pixelforge.Quest", Name: "Pixel Quest", Developer: "Pixelforge", Summary: "A retro platformer", Version: "1.9", System: true,
		Context: "shared=ipc;network;\nsockets=x11;pulseaudio;\ndevices=all;\nfeatures=multiarch;\npersistent=.pixelquest;\n"},
	{ID: "org.paperwork.Office", Name: "Paperwork Office", Developer: "The Paperwork Foundation", Summary: "Write documents, spreadsheets and slides", Version: "24.8.2", System: true,
		Context: "shared=network;ipc;\nsockets=x11;wayland;cups;fallback-x11;\ndevices=dri;\nfilesystems=host;xdg-config/gtk-3.0;\n\n[Session Bus Policy]\ncom.canonical.AppMenu.Registrar=talk\norg.freedesktop.secrets=talk\n\n[Environment]\nJAVA_HOME=/app/jre\n"},
	{ID: "com.keyvault.Vault", Name: "Key Vault", Developer: "Keyvault Labs", Summary: "Keep your passwords safe", Version: "2.7.9", System: true,
		Context: "shared=ipc;\nsockets=wayland;fallback-x11;x11;ssh-auth;\ndevices=dri;\nfilesystems=xdg-documents;\n\n[Session Bus Policy]\norg.freedesktop.secrets=own\norg.freedesktop.Notifications=talk\n"},
	{ID: "dev.codeloom.IDE", Name: "Codeloom", Developer: "Codeloom", Summary: "Edit code, run and debug it", Version: "1.93.1", System: false,
		Context: "shared=network;ipc;\nsockets=x11;wayland;pulseaudio;ssh-auth;gpg-agent;fallback-x11;\ndevices=all;\nfeatures=devel;\nfilesystems=host;xdg-data/flatpak;\n\n[Session Bus Policy]\norg.freedesktop.Flatpak=talk\norg.freedesktop.secrets=talk\n"},
	{ID: "org.gnomish.Sketch", Name: "Sketch", Developer: "Sketch Contributors", Summary: "Draw and paint", Version: "46.0", System: true,
		Context: "shared=ipc;\nsockets=x11;wayland;fallback-x11;\ndevices=dri;\nfilesystems=xdg-pictures;\n"},
	// Newer syntax: a USB device rule and a device kept for releases without
	// the USB portal (1.16/1.18), and the conditional Flathub now uses for
	// game controllers (1.18).
	{ID: "io.github.trailmap.Sync", Name: "Trailmap", Developer: "Trailmap Contributors", Summary: "Copy tracks from your GPS watch", Version: "2.3", System: true,
		Context: "shared=network;\nsockets=wayland;fallback-x11;\ndevices=dri;usb;if:usb:!has-usb-portal;\n\n[USB Devices]\nenumerable-devices=vnd:091e;cls:08:*+vnd:091e;\nhidden-devices=vnd:091e+dev:0003;\n"},
	{ID: "com.pixelarcade.Arcade", Name: "Pixel Arcade", Developer: "Pixel Arcade", Summary: "Classic arcade games", Version: "0.18.2", System: false,
		Context: "shared=network;\nsockets=wayland;fallback-x11;pulseaudio;\ndevices=dri;all;if:all:!has-input-device;input;\n"},
	{ID: "org.legacy.Scanner", Name: "Legacy Scanner", Developer: "Legacy Imaging", Summary: "Scan documents and photos", Version: "0.9.4", System: true,
		Context: "shared=network;ipc;\nsockets=x11;\ndevices=all;\nfilesystems=home;\n"},
	{ID: "org.sysmon.Monitor", Name: "System Monitor Plus", Developer: "Sysmon", Summary: "See what your computer is doing", Version: "4.1", System: true,
		Context: "shared=network;\nsockets=wayland;fallback-x11;x11;\ndevices=dri;\nfilesystems=host;host-os;host-etc;\n\n[System Bus Policy]\norg.freedesktop.systemd1=talk\n"},
	{ID: "io.github.flatterm.Terminal", Name: "Flatterm", Developer: "Flatterm", Summary: "A terminal that runs commands on your computer", Version: "0.6", System: false,
		Context: "shared=network;ipc;\nsockets=wayland;fallback-x11;x11;\ndevices=all;\nfilesystems=host;\n\n[Session Bus Policy]\norg.freedesktop.Flatpak=talk\n"},
	{ID: "org.notes.Notebook", Name: "Notebook", Developer: "Notebook Developers", Summary: "Jot down notes", Version: "5.2", System: true,
		Context: "shared=ipc;\nsockets=wayland;fallback-x11;x11;\ndevices=dri;\n"},
	{ID: "com.broken.Example", Name: "", Version: "", System: true, Broken: true},
}

// GenerateDemo writes a realistic user + system installation, with an extra
// installation, overrides at every layer and synthetic extra apps, into dir
// and returns the environment that points Confine at it.
func GenerateDemo(dir string, synthetic int) (Env, error) {
	user, system, extra := filepath.Join(dir, "user"), filepath.Join(dir, "system"), filepath.Join(dir, "extra")
	etc := filepath.Join(dir, "etc")
	for _, d := range []string{user, system, extra, filepath.Join(etc, "installations.d")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return Env{}, err
		}
	}
	conf := fmt.Sprintf("[Installation \"demo-extra\"]\nPath=%s\nDisplayName=Demo extra installation\nPriority=5\nStorageType=harddisk\n", extra)
	if err := os.WriteFile(filepath.Join(etc, "installations.d", "demo-extra.conf"), []byte(conf), 0o644); err != nil {
		return Env{}, err
	}
	for _, a := range DemoApps {
		inst := user
		if a.System {
			inst = system
		}
		if err := WriteDemoApp(inst, a); err != nil {
			return Env{}, err
		}
	}
	// The same notebook app is also in the extra installation: Confine
	// must say which copy `flatpak run` starts.
	var nb DemoApp
	for _, a := range DemoApps {
		if a.ID == "org.notes.Notebook" {
			nb = a
		}
	}
	nb.Version = "5.1"
	if err := WriteDemoApp(extra, nb); err != nil {
		return Env{}, err
	}
	for i := 0; i < synthetic; i++ {
		a := DemoApp{ID: fmt.Sprintf("org.synthetic.App%04d", i), Name: fmt.Sprintf("Synthetic App %d", i), Developer: "Synthetic",
			Summary: "A generated app", Version: "1.0", System: i%2 == 0, Context: syntheticContext(i)}
		inst := user
		if a.System {
			inst = system
		}
		if err := WriteDemoApp(inst, a); err != nil {
			return Env{}, err
		}
	}
	files := map[string]string{
		filepath.Join(system, "overrides", "global"):             "# Set by the administrator for every system-wide app.\n[Context]\nsockets=!ssh-auth;\n",
		filepath.Join(system, "overrides", "org.tunebox.Player"): "[Context]\nfilesystems=!host;xdg-music:ro;\n",
		filepath.Join(user, "overrides", "global"):               "[Session Bus Policy]\norg.freedesktop.Flatpak=none\n",
		filepath.Join(user, "overrides", "net.waveline.Browser"): "[Context]\nsockets=!x11;\ndevices=!all;dri;\n",
		filepath.Join(user, "overrides", "org.legacy.Scanner"):   "[Context]\nshared=!network;\n",
	}
	for p, content := range files {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return Env{}, err
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			return Env{}, err
		}
	}
	return MapEnv(map[string]string{
		"FLATPAK_USER_DIR":   user,
		"FLATPAK_SYSTEM_DIR": system,
		"FLATPAK_CONFIG_DIR": etc,
		"XDG_STATE_HOME":     filepath.Join(dir, "state"),
		"HOME":               filepath.Join(dir, "home"),
	}), nil
}

func syntheticContext(i int) string {
	parts := []string{"shared=ipc;" + []string{"network;", ""}[i%2], "sockets=" + []string{"x11;", "wayland;fallback-x11;x11;", "wayland;pulseaudio;"}[i%3]}
	if i%4 == 0 {
		parts = append(parts, "devices=dri;")
	}
	parts = append(parts, "filesystems="+[]string{"xdg-download;", "home;", "xdg-music:ro;", "host;"}[i%4])
	return strings.Join(parts, "\n") + "\n"
}

// WriteDemoApp installs one app into an installation folder with Flatpak's
// layout: app/ID/current → x86_64/stable, …/active → the deployment with
// metadata, exported desktop file and icon, and AppStream metainfo.
func WriteDemoApp(inst string, a DemoApp) error {
	base := filepath.Join(inst, "app", a.ID)
	commit := fmt.Sprintf("%064x", fnvHash(a.ID+a.Version))
	deploy := filepath.Join(base, "x86_64", "stable", commit)
	for _, d := range []string{"export/share/applications", "export/share/icons/hicolor/scalable/apps", "files/share/metainfo", "files/bin"} {
		if err := os.MkdirAll(filepath.Join(deploy, d), 0o755); err != nil {
			return err
		}
	}
	links := [][2]string{{filepath.Join("x86_64", "stable"), filepath.Join(base, "current")}, {commit, filepath.Join(base, "x86_64", "stable", "active")}}
	for _, l := range links {
		os.Remove(l[1])
		if err := os.Symlink(l[0], l[1]); err != nil {
			return err
		}
	}
	metadata := fmt.Sprintf("[Application]\nname=%s\nruntime=org.freedesktop.Platform/x86_64/23.08\nsdk=org.freedesktop.Sdk/x86_64/23.08\ncommand=%s\n\n[Context]\n%s", a.ID, strings.ToLower(FallbackName(a.ID)), a.Context)
	if a.Broken {
		metadata = "runtime=org.freedesktop.Platform\nthis metadata lost its group header\n"
	}
	if a.RawMetadata != "" {
		metadata = a.RawMetadata
	}
	name := a.Name
	if name == "" {
		name = FallbackName(a.ID)
	}
	files := map[string]string{
		"metadata": metadata,
		"export/share/applications/" + a.ID + ".desktop":            fmt.Sprintf("[Desktop Entry]\nType=Application\nName=%s\nName[de]=%s (Demo)\nComment=%s\nExec=%s\nIcon=%s\n", name, name, a.Summary, strings.ToLower(FallbackName(a.ID)), a.ID),
		"export/share/icons/hicolor/scalable/apps/" + a.ID + ".svg": demoIcon(a.ID, name),
		"files/share/metainfo/" + a.ID + ".metainfo.xml": fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?>
<component type="desktop-application">
  <id>%s</id>
  <name>%s</name>
  <summary>%s</summary>
  <summary xml:lang="de">%s (Demo)</summary>
  <developer id="demo"><name>%s</name></developer>
  <metadata_license>CC0-1.0</metadata_license>
  <releases>
    <release version="%s" date="2026-10-01"/>
    <release version="0.1" date="2020-01-01"/>
  </releases>
</component>
`, a.ID, xmlEscape(name), xmlEscape(a.Summary), xmlEscape(a.Summary), xmlEscape(a.Developer), a.Version),
	}
	for rel, content := range files {
		if err := os.WriteFile(filepath.Join(deploy, rel), []byte(content), 0o644); err != nil {
			return err
		}
	}
	return nil
}

func fnvHash(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return h.Sum64()
}

func xmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;").Replace(s)
}

// demoIcon draws a rounded tile in a colour derived from the ID, with the
// name's initial.
func demoIcon(id, name string) string {
	palette := []string{"#3584e4", "#33d17a", "#f6d32d", "#ff7800", "#e01b24", "#9141ac", "#986a44", "#26a269", "#1c71d8", "#c64600"}
	c := palette[fnvHash(id)%uint64(len(palette))]
	initial := "?"
	if name != "" {
		initial = strings.ToUpper(string([]rune(name)[0]))
	}
	return fmt.Sprintf(`<svg xmlns="http://www.w3.org/2000/svg" width="128" height="128" viewBox="0 0 128 128">
<rect x="8" y="8" width="112" height="112" rx="24" fill="%s"/>
<rect x="8" y="84" width="112" height="36" rx="18" fill="#000" fill-opacity="0.12"/>
<text x="64" y="82" font-family="Cantarell, sans-serif" font-size="60" font-weight="bold" fill="#fff" text-anchor="middle">%s</text>
</svg>
`, c, xmlEscape(initial))
}
