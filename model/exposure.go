package model

// Exposure is a question the Overview answers for every app: can it reach
// this sensitive resource?
type Exposure struct {
	Title string // untranslated
	Has   func(*Effective) bool
}

func holds(p *Permission) func(*Effective) bool {
	return func(e *Effective) bool { held, _, _ := e.Holds(p); return held }
}

// Exposures are the Overview's "Browse by Permission" questions.
var Exposures = []Exposure{
	{N_("Network"), holds(Network)},
	{N_("Whole home folder"), holds(Home)},
	{N_("All files (host)"), holds(Host)},
	{N_("Microphone and sound (PulseAudio)"), holds(PulseAudio)},
	{N_("Every device (webcams, USB)"), holds(AllDevices)},
	{N_("X11 (can watch other windows)"), func(e *Effective) bool { return e.On(X11) && !e.WaylandNative() }},
	{N_("Commands outside the sandbox"), func(e *Effective) bool { return e.On(SessionBusSocket) || e.TalksTo(FlatpakPortal.Value) }},
	{N_("Your stored passwords"), holds(Secrets)},
}
