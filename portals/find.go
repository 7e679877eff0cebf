package portals

import (
	"fmt"
	"slices"
	"strings"

	"github.com/confine-app/confine/model"
)

// Find finds a portal permission by any name a person may give it: its ID
// ("portals/camera", "portals/kde-authorized/remote-desktop"), that ID
// without "portals/" ("camera"), or the store's "table/id"
// ("devices/camera", as exports name it); nil when there is none.
func Find(name string) *model.Permission {
	if p := Lookup(name); p != nil {
		return p
	}
	if p := Lookup(string(model.GroupPortals) + "/" + name); p != nil {
		return p
	}
	for _, p := range Permissions() {
		if p.Key+"/"+p.Value == name {
			return p
		}
	}
	return nil
}

// ChoiceName is how the command line names a choice: its label in lower
// case, words joined by "-" ("ask-every-time", "neighbourhood").
func ChoiceName(label string) string {
	return strings.ReplaceAll(strings.ToLower(label), " ", "-")
}

// ValueNames are the names ValueFor takes for a permission.
func (st Status) ValueNames() []string {
	if st.Kind() == KindInhibit {
		var out []string
		for _, f := range inhibitFlagNames {
			out = append(out, f)
		}
		return append(out, "all", "none", "unset")
	}
	cs, _ := st.Choices()
	var out []string
	for _, c := range cs {
		out = append(out, ChoiceName(c.Label))
	}
	return append(out, "unset")
}

// ValueFor is the value to store for a choice's name (ChoiceName), for the
// keep-awake permission a comma list of flags ("logout,idle"), "all" or
// "none"; "unset" removes the app's answer (nil), as Reset does.
func (st Status) ValueFor(name string) ([]string, error) {
	if name == "unset" {
		return nil, nil
	}
	if st.Kind() == KindInhibit {
		switch name {
		case "all":
			return InhibitValue(inhibitFlagNames), nil
		case "none":
			return InhibitValue(nil), nil
		}
		var flags []string
		for _, f := range strings.Split(name, ",") {
			if !slices.Contains(inhibitFlagNames, f) {
				return nil, fmt.Errorf("%q is not one of %s", f, strings.Join(st.ValueNames(), ", "))
			}
			flags = append(flags, f)
		}
		return InhibitValue(flags), nil
	}
	cs, _ := st.Choices()
	for _, c := range cs {
		if ChoiceName(c.Label) == name || name == "neighborhood" && ChoiceName(c.Label) == "neighbourhood" {
			return slices.Clone(c.Value), nil
		}
	}
	return nil, fmt.Errorf("%q is not one of %s", name, strings.Join(st.ValueNames(), ", "))
}
