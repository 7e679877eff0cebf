# Reads Confine's window through the accessibility bus (AT-SPI), as a
# screen reader does, and prints every switch as "name, role, state", and
# its description when it has one (a condition). With --labels it also
# prints every named label as "label: name"; with --controls every control
# a person can press or type into, named or not, as "control: role: name".
import sys
import time

import pyatspi

LABELS = "--labels" in sys.argv[1:]
CONTROLS = "--controls" in sys.argv[1:]
CONTROL_ROLES = ("button", "push button", "toggle button", "menu button", "check box", "radio button",
                 "switch", "combo box", "text", "entry", "spin button", "link")


def find_app(name):
    for app in pyatspi.Registry.getDesktop(0):
        if app is not None and app.name and name in app.name:
            return app
    return None


def walk(node, out, depth=0):
    if depth > 80:
        return
    try:
        role = node.getRoleName()
        if LABELS and role == "label" and node.name:
            out.append("label: " + node.name)
        if CONTROLS and role in CONTROL_ROLES and node.getState().contains(pyatspi.STATE_SHOWING):
            out.append("control: %s: %s" % (role, node.name))
        if role in ("switch", "toggle button", "check box") and node.name:
            states = node.getState()
            on = states.contains(pyatspi.STATE_CHECKED) or states.contains(pyatspi.STATE_PRESSED)
            line = "%s, %s, %s" % (node.name, role, "on" if on else "off")
            if node.description:
                line += ", " + node.description
            out.append(line)
        for child in node:
            walk(child, out, depth + 1)
    except Exception:
        pass


app = None
for _ in range(60):
    app = find_app("confine")
    if app:
        break
    time.sleep(0.25)
if app is None:
    print("confine is not on the accessibility bus")
    sys.exit(1)
# The window fills its tree as it maps and builds the page: read it until
# two readings agree (up to 30 s), not just until something is there.
lines, previous = [], None
for _ in range(60):
    lines = []
    walk(app, lines)
    if lines and lines == previous:
        break
    previous = lines
    time.sleep(0.5)
print("\n".join(lines))
