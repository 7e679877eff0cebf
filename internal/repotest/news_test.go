package repotest

import (
	"encoding/xml"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/confine-app/confine/internal/testbin"
)

// TestNewsMatchesMetainfo: every released version in NEWS is a <release> of
// the AppStream metainfo with the same date, newest first, and the other
// way round (software centres show the metainfo's list).
func TestNewsMatchesMetainfo(t *testing.T) {
	root := testbin.Root(t)
	news, err := os.ReadFile(filepath.Join(root, "NEWS"))
	if err != nil {
		t.Fatal(err)
	}
	var fromNews []string
	for _, m := range regexp.MustCompile(`(?m)^Version (\S+) \((\d{4}-\d{2}-\d{2})\)\n=+$`).FindAllStringSubmatch(string(news), -1) {
		fromNews = append(fromNews, m[1]+" "+m[2])
	}
	if len(fromNews) == 0 {
		t.Fatal("NEWS names no version")
	}
	data, err := os.ReadFile(filepath.Join(root, "data", "io.github.confine_app.Confine.metainfo.xml.in"))
	if err != nil {
		t.Fatal(err)
	}
	var component struct {
		Releases []struct {
			Version string `xml:"version,attr"`
			Date    string `xml:"date,attr"`
		} `xml:"releases>release"`
	}
	if err := xml.Unmarshal(data, &component); err != nil {
		t.Fatal(err)
	}
	var fromMetainfo []string
	for _, r := range component.Releases {
		fromMetainfo = append(fromMetainfo, r.Version+" "+r.Date)
	}
	if strings.Join(fromNews, ", ") != strings.Join(fromMetainfo, ", ") {
		t.Fatalf("NEWS has %v, the metainfo %v", fromNews, fromMetainfo)
	}
	meson, err := os.ReadFile(filepath.Join(root, "meson.build"))
	if err != nil {
		t.Fatal(err)
	}
	if v := strings.Fields(fromNews[0])[0]; !strings.Contains(string(meson), "version: '"+v+"'") && !strings.Contains(string(news), "Unreleased") {
		t.Errorf("meson.build's version is not the newest release %s", v)
	}
}

// TestLicence: COPYING is the licence meson and the metainfo declare.
func TestLicence(t *testing.T) {
	root := testbin.Root(t)
	copying, err := os.ReadFile(filepath.Join(root, "COPYING"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(copying), "GNU GENERAL PUBLIC LICENSE") || !strings.Contains(string(copying), "Version 3, 29 June 2007") {
		t.Fatal("COPYING is not the GPL version 3")
	}
	for _, f := range []string{"meson.build", filepath.Join("data", "io.github.confine_app.Confine.metainfo.xml.in")} {
		data, err := os.ReadFile(filepath.Join(root, f))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(data), "GPL-3.0-or-later") {
			t.Errorf("%s does not declare GPL-3.0-or-later", f)
		}
	}
}
