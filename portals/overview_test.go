package portals_test

import (
	"strings"
	"testing"

	"github.com/confine-app/confine/internal/portaltest"
	"github.com/confine-app/confine/permstore"
	"github.com/confine-app/confine/portals"
)

func TestOverviewAnswers(t *testing.T) {
	bus := portaltest.NewBus(t, true)
	s := permstore.New(bus.Conn)
	seed(t, s, "inhibit", "inhibit", "org.idle.Only", "idle")
	seed(t, s, "inhibit", "inhibit", "org.no.Inhibit", "")
	seed(t, s, "wallpaper", "wallpaper", "org.paint.App", "yes")
	seed(t, s, "wallpaper", "wallpaper", "org.ask.App", "ask")
	seed(t, s, "location", "location", "org.maps.App", "CITY", "1")
	seed(t, s, "location", "location", "org.spy.App", "NONE", "0")
	pm := portals.NewFor(s)
	installed := []string{"org.idle.Only", "org.no.Inhibit", "org.plain.App"}
	ask := func(q portals.Question) string {
		shown, apps, err := pm.Answer(q, installed)
		if err != nil {
			t.Fatal(err)
		}
		if !shown {
			return "<hidden>"
		}
		return strings.Join(apps, ",")
	}
	got := map[string]string{}
	for _, q := range portals.Questions() {
		got[q.Title] = ask(q)
	}
	for q, want := range map[string]string{
		"May prevent suspend":                 "org.plain.App",
		"May keep the screen from going idle": "org.idle.Only,org.plain.App",
		"Wallpaper":                           "org.paint.App",
		"Location":                            "org.maps.App",
		"Camera":                              "<hidden>",
		"Saved screen-sharing sessions":       "<hidden>",
	} {
		if got[q] != want {
			t.Errorf("%s: %q, want %q", q, got[q], want)
		}
	}
}
