package ansible

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/confine-app/confine/internal/testbin"
)

// runModule runs the confine_policy module the way Ansible runs it on a
// host (its arguments in a file, Ansible's own module_utils from Debian's
// ansible-core), in a world of its own, and returns the result it prints.
func runModule(t *testing.T, args map[string]any, env []string) map[string]any {
	t.Helper()
	python := testbin.Need(t, "/usr/bin/python3")
	testbin.Need(t, "ansible-playbook") // ansible-core, whose module_utils the module imports
	dir := t.TempDir()
	argsFile := filepath.Join(dir, "args.json")
	data, _ := json.Marshal(map[string]any{"ANSIBLE_MODULE_ARGS": args})
	if err := os.WriteFile(argsFile, data, 0o600); err != nil {
		t.Fatal(err)
	}
	module := filepath.Join(testbin.Root(t), "contrib", "ansible", "plugins", "modules", "confine_policy.py")
	cmd := exec.Command(python, module, argsFile)
	cmd.Dir = dir
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "LC_ALL=C.UTF-8", "HOME=" + dir}, env...)
	out, _ := cmd.Output() // a failed task exits 1 and still prints its result
	var res map[string]any
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("module printed %q: %v", out, err)
	}
	return res
}

// moduleWorld is an empty set of Flatpak folders for the module's confine.
func moduleWorld(t *testing.T) (env []string, userOverrides string) {
	root := t.TempDir()
	user := filepath.Join(root, "user")
	return []string{"FLATPAK_USER_DIR=" + user, "FLATPAK_SYSTEM_DIR=" + filepath.Join(root, "system"),
		"FLATPAK_CONFIG_DIR=" + filepath.Join(root, "etc"), "XDG_STATE_HOME=" + filepath.Join(root, "state"),
		"CONFINE_FLATPAK_VERSION=1.14.10", "CONFINE_FLATPAK_INFO=" + filepath.Join(root, "none")}, filepath.Join(user, "overrides")
}

// A policy path is a path, whatever it starts with: `policy:
// --preset=strict` once applied the strict preset.
func TestModulePolicyPathIsNeverAnOption(t *testing.T) {
	env, overridesDir := moduleWorld(t)
	res := runModule(t, map[string]any{"policy": "--preset=strict", "scope": "user", "executable": confineBin}, env)
	msg, _ := res["msg"].(string)
	if res["failed"] != true || !strings.Contains(msg, "cannot read the policy") {
		t.Fatalf("result %v", res)
	}
	if ents, err := os.ReadDir(overridesDir); err == nil && len(ents) > 0 {
		t.Fatalf("the preset was applied: %v", ents)
	}
}

// The values of secret-looking variables are kept out of the task's output,
// diffs included; other values are shown.
func TestModuleHidesSecretLookingValues(t *testing.T) {
	env, _ := moduleWorld(t)
	policy := map[string]any{"format": "confine-policy", "version": 1, "overrides": map[string]any{
		"org.example.App": map[string]any{"variables": map[string]any{
			"API_TOKEN": "t0ken-3c8f1a", "DB_PASSWORD": "pa55-9e2b", "SIGNING_KEY": "k3y-77d1", "QT_QPA_PLATFORM": "wayland-egl"}}}}
	res := runModule(t, map[string]any{"content": policy, "scope": "user", "executable": confineBin, "_ansible_diff": true}, env)
	out, _ := json.Marshal(res)
	if res["changed"] != true || !strings.Contains(string(out), "QT_QPA_PLATFORM=wayland-egl") {
		t.Fatalf("no diff with the plain variable: %s", out)
	}
	for _, secret := range []string{"t0ken-3c8f1a", "pa55-9e2b", "k3y-77d1"} {
		if strings.Contains(string(out), secret) {
			t.Errorf("%s is in the task's output: %s", secret, out)
		}
	}
}

// prune: the module removes the override files the policy does not name,
// says which, changes nothing in check mode, and nothing the second time.
func TestModulePrune(t *testing.T) {
	env, overridesDir := moduleWorld(t)
	if err := os.MkdirAll(overridesDir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, target := range []string{"global", "org.example.Kept", "org.example.Stray"} {
		if err := os.WriteFile(filepath.Join(overridesDir, target), []byte("[Context]\nshared=!network;\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	policy := map[string]any{"format": "confine-policy", "version": 1, "overrides": map[string]any{
		"org.example.Kept": map[string]any{"permissions": map[string]any{"shared/network": "off"}}}}
	left := func() []string {
		ents, _ := os.ReadDir(overridesDir)
		var out []string
		for _, e := range ents {
			if !strings.HasPrefix(e.Name(), ".") {
				out = append(out, e.Name())
			}
		}
		return out
	}
	args := map[string]any{"content": policy, "scope": "user", "prune": true, "executable": confineBin}
	check := map[string]any{"_ansible_check_mode": true, "_ansible_diff": true}
	for k, v := range args {
		check[k] = v
	}
	res := runModule(t, check, env)
	if res["changed"] != true || strings.Join(left(), ",") != "global,org.example.Kept,org.example.Stray" {
		t.Fatalf("check mode: %v, files %v", res, left())
	}
	diffs, _ := res["diff"].([]any)
	if len(diffs) != 2 {
		t.Errorf("check mode diffs %v", res["diff"])
	}
	res = runModule(t, args, env)
	files, _ := res["files"].([]any)
	var pruned []string
	for _, f := range files {
		if m, _ := f.(map[string]any); m["pruned"] == true {
			pruned = append(pruned, m["target"].(string))
		}
	}
	if res["changed"] != true || strings.Join(pruned, ",") != "global,org.example.Stray" || strings.Join(left(), ",") != "org.example.Kept" {
		t.Fatalf("prune: %v, pruned %v, files %v", res, pruned, left())
	}
	if res := runModule(t, args, env); res["changed"] != false || res["failed"] == true {
		t.Errorf("second run: %v", res)
	}
	// Without prune, a file the policy does not name stays.
	os.WriteFile(filepath.Join(overridesDir, "org.example.Other"), []byte("[Context]\nshared=!ipc;\n"), 0o644)
	delete(args, "prune")
	if res := runModule(t, args, env); res["changed"] != false || strings.Join(left(), ",") != "org.example.Kept,org.example.Other" {
		t.Errorf("without prune: %v, files %v", res, left())
	}
}
