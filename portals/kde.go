package portals

import "slices"

// KDE Plasma's kde-authorized table (Plasma 6.3 and later), read by its
// portal backend only: an app whose list holds "yes" anywhere is
// "pre-authorized" and gets what the ID names without a dialog (for
// "remote-desktop": a remote-desktop session, keyboard and mouse
// included). Anything else, KDE's own settings' ["no"] among it, means
// the dialog, as nothing stored does; so every value is understood.
// The empty app ID stands for unsandboxed apps whose ID is unknown.

func (st *Status) interpretAnyYes() {
	switch {
	case len(st.Raw) == 0:
	case slices.Contains(st.Raw, "yes"):
		st.State = Allowed
	default:
		st.State = Ask
	}
}

// anyYesChoices: asking (the app's value removed, as KDE's settings
// reset it) or allowing. Every stored value but "yes" asks, so Ask is
// selected for all of them.
func (st Status) anyYesChoices() ([]Choice, int) {
	cs := []Choice{{N_("Ask"), nil}, {N_("Allow"), []string{"yes"}}}
	if st.State == Allowed {
		return cs, 1
	}
	return cs, 0
}

func (st Status) anyYesMeaning() (string, []any) {
	if st.State == Allowed {
		return N_("Allowed: no dialog before the app takes control"), nil
	}
	return N_("Not pre-authorized: the desktop asks before each session"), nil
}
