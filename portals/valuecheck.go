package portals

import (
	"fmt"
	"strconv"
	"strings"
)

// ValueWarning says why a value to be stored is not one any portal writes
// (an import file edited by hand, say), in English, with what the desktop
// will make of it; "" for a value a portal writes. Such values are still
// stored as asked: the person may know better.
func ValueWarning(table, id string, value []string) string {
	shown := quoteValue(value)
	switch {
	case table == OpenWithTable:
		if len(value) == 3 {
			_, err1 := strconv.Atoi(value[1])
			_, err2 := strconv.Atoi(value[2])
			if err1 == nil && err2 == nil {
				return ""
			}
		}
		return fmt.Sprintf("%s is not an Open With choice as the desktop stores one ([APP, TIMES CHOSEN, TIMES NEEDED]): the chooser asks again", shown)
	case table == USBTable && strings.HasPrefix(id, "usb:"):
		if len(value) == 1 && (value[0] == "yes" || value[0] == "no") {
			return ""
		}
		return fmt.Sprintf("the USB portal stores [\"yes\"] or [\"no\"] for a device, not %s: it acts as if nothing were stored", shown)
	}
	p := Find(table + "/" + id)
	if p == nil {
		return ""
	}
	st := Status{Perm: p, Raw: value}
	st.interpret()
	if st.Understood {
		return ""
	}
	if specOf(p).Kind == KindLocation && len(value) == 1 {
		return fmt.Sprintf("a location without the time of its last use (%s): the portal stores [ACCURACY, TIME], e.g. [\"%s\", \"0\"], and asks again as if nothing were stored", shown, value[0])
	}
	// What the desktop makes of it: the end of Meaning's sentence ("it
	// acts as if nothing were stored", "it denies the location").
	f, _ := st.Meaning()
	if _, tail, ok := strings.Cut(f, "understands: "); ok {
		return fmt.Sprintf("%s is not a value any portal writes here: %s", shown, tail)
	}
	return fmt.Sprintf("%s is not a value any portal writes here", shown)
}

func quoteValue(v []string) string {
	q := make([]string, len(v))
	for i, s := range v {
		q[i] = strconv.Quote(s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}
