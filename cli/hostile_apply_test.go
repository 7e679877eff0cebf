package cli_test

import (
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestApplyExportWithEncodedFiles (issue 24): an export holds the files
// that are not UTF-8 text in overrides_base64; apply takes them exactly,
// as import does, with the same checks (a file Flatpak would refuse is
// refused, nothing written), and refuses what is not base64 or is in both
// places.
func TestApplyExportWithEncodedFiles(t *testing.T) {
	src := newMachine(t)
	dir := filepath.Join(src.user, "overrides")
	os.MkdirAll(dir, 0o755)
	latin1 := "# caf\xe9, written by an old editor\n[Context]\nshared=!network;\n\n[Environment]\nNAME=Jos\xe9\n"
	os.WriteFile(filepath.Join(dir, "org.example.Latin"), []byte(latin1), 0o644)
	os.WriteFile(filepath.Join(dir, "global"), []byte("[Context]\nsockets=!x11;\n"), 0o644)
	export := src.must(0, "", "export")
	var ex struct {
		Overrides map[string]string `json:"overrides"`
		Encoded   map[string]string `json:"overrides_base64"`
	}
	if err := json.Unmarshal([]byte(export), &ex); err != nil || ex.Encoded["org.example.Latin"] == "" {
		t.Fatalf("export %s: %v", export, err)
	}

	dst := newMachine(t)
	dst.must(3, export, "apply", "-")
	if got := dst.file("user", "org.example.Latin"); got != latin1 {
		t.Errorf("applied %q, exported %q", got, latin1)
	}
	if got := dst.file("user", "global"); got != "[Context]\nsockets=!x11;\n" {
		t.Errorf("global %q", got)
	}
	dst.must(0, export, "apply", "-")

	// Refused as import refuses it: persistent paths Flatpak refuses.
	bad := base64.StdEncoding.EncodeToString([]byte("[Context]\npersistent=a\xffb;\n"))
	for _, c := range []struct{ text, want string }{
		{`{"format": "confine-overrides", "version": 1, "overrides": {}, "overrides_base64": {"org.example.Bad": "` + bad + `"}}`, "overrides_base64: org.example.Bad: Flatpak would refuse the file"},
		{`{"format": "confine-overrides", "version": 1, "overrides": {}, "overrides_base64": {"org.example.Bad": "not base64!"}}`, "overrides_base64: org.example.Bad: not base64"},
		{`{"format": "confine-overrides", "version": 1, "overrides": {"global": ""}, "overrides_base64": {"global": "` + bad + `"}}`, "overrides_base64: global: is in overrides too"},
		{`{"format": "confine-overrides", "version": 1, "overrides_base64": {"../x": "` + bad + `"}}`, "overrides_base64: ../x:"},
	} {
		m := newMachine(t)
		before := m.snapshot()
		if code := m.run(c.text, "apply", "-"); code != 1 || !strings.Contains(m.lastErrs, c.want) {
			t.Errorf("%s: exit %d: %s", c.text, code, m.lastErrs)
		}
		if after := m.snapshot(); len(after) != len(before) {
			t.Errorf("%s: something was written", c.text)
		}
		if code := m.run(c.text, "import", "-"); code != 1 {
			t.Errorf("%s: import took it", c.text)
		}
	}
}
