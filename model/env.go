package model

import (
	"os"
	"path/filepath"

	"github.com/confine-app/confine/overrides"
)

// Env is where the model looks: environment variables and the sandbox
// marker file. Tests inject both; the zero Env is the real process.
type Env struct {
	// Vars reads a variable; nil means os.Getenv.
	Vars func(string) string
	// FlatpakInfo is the sandbox marker; empty means $CONFINE_FLATPAK_INFO,
	// else /.flatpak-info.
	FlatpakInfo string
}

// OSEnv is the running process's environment.
func OSEnv() Env { return Env{} }

// MapEnv is an environment made of a map, for tests and the demo.
func MapEnv(vars map[string]string) Env {
	return Env{Vars: func(k string) string { return vars[k] }}
}

// With is the environment with some variables set over its own (tests
// pick a Flatpak release or a language this way).
func (e Env) With(vars map[string]string) Env {
	base := e.getenv
	e.Vars = func(k string) string {
		if v, ok := vars[k]; ok {
			return v
		}
		return base(k)
	}
	return e
}

func (e Env) getenv(k string) string {
	if e.Vars == nil {
		return os.Getenv(k)
	}
	return e.Vars(k)
}

// Getenv reads a variable of this environment.
func (e Env) Getenv(k string) string { return e.getenv(k) }

func (e Env) flatpakInfoPath() string {
	if e.FlatpakInfo != "" {
		return e.FlatpakInfo
	}
	if p := e.getenv("CONFINE_FLATPAK_INFO"); p != "" {
		return p
	}
	return "/.flatpak-info"
}

// SandboxInfo returns the parsed /.flatpak-info when Confine itself runs
// inside Flatpak, nil otherwise.
func (e Env) SandboxInfo() *overrides.File {
	data, err := overrides.ReadRegular(e.flatpakInfoPath(), overrides.MaxFileSize)
	if err != nil {
		return nil
	}
	f, err := overrides.Parse(data)
	if err != nil {
		return nil
	}
	return f
}

// Sandboxed reports whether Confine runs inside Flatpak.
func (e Env) Sandboxed() bool {
	_, err := os.Stat(e.flatpakInfoPath())
	return err == nil
}

// hostEnv is the view of the host's variables: inside the sandbox
// XDG_DATA_HOME points into ~/.var/app, and Flatpak passes the host's value
// as HOST_XDG_DATA_HOME.
func (e Env) hostEnv() func(string) string {
	if !e.Sandboxed() {
		return e.getenv
	}
	return func(k string) string {
		switch k {
		case "XDG_DATA_HOME":
			if v := e.getenv("HOST_XDG_DATA_HOME"); v != "" {
				return v
			}
			// The host default, which the sandbox exposes through the
			// finish-args; the sandbox's own XDG_DATA_HOME is not it.
			if h := e.home(); h != "" {
				return filepath.Join(h, ".local", "share")
			}
			return "" // the home folder is unknown: so is this
		}
		return e.getenv(k)
	}
}

// home is the home folder as Flatpak finds it (overrides.HomeDir), or ""
// when it cannot be known: then nothing is kept under it.
func (e Env) home() string {
	h, _ := overrides.HomeDir(e.getenv)
	return h
}

// UserDir is the user installation folder, or why it cannot be known.
func (e Env) UserDir() (string, error) { return overrides.UserInstallationDir(e.hostEnv()) }

// SystemDir is the default system installation folder.
func (e Env) SystemDir() string { return overrides.SystemInstallationDir(e.getenv) }

// ConfigDir holds installations.d: $FLATPAK_CONFIG_DIR, else /etc/flatpak,
// or, inside the sandbox, the host's /etc as Flatpak exposes it.
func (e Env) ConfigDir() string {
	if d := e.getenv("FLATPAK_CONFIG_DIR"); d != "" {
		return d
	}
	if e.Sandboxed() {
		return "/run/host/etc/flatpak"
	}
	return "/etc/flatpak"
}

// StateDir is where Confine remembers things between runs (declared
// permissions, dismissed findings): $XDG_STATE_HOME/confine.
//
// As the XDG specification says, a relative value is ignored; with no home
// folder either, the result is "" and Confine keeps no state.
func (e Env) StateDir() string {
	if d := e.getenv("XDG_STATE_HOME"); filepath.IsAbs(d) {
		return filepath.Join(d, "confine")
	}
	if h := e.home(); h != "" {
		return filepath.Join(h, ".local", "state", "confine")
	}
	return ""
}

// CacheDir is where Confine keeps what it can make again (rendered
// icons): $XDG_CACHE_HOME/confine.
// Like StateDir it is "" when no absolute folder can be found.
func (e Env) CacheDir() string {
	if d := e.getenv("XDG_CACHE_HOME"); filepath.IsAbs(d) {
		return filepath.Join(d, "confine")
	}
	if h := e.home(); h != "" {
		return filepath.Join(h, ".cache", "confine")
	}
	return ""
}
