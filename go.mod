module github.com/confine-app/confine

go 1.26.0

require (
	github.com/diamondburned/gotk4/pkg v0.2.2
	github.com/godbus/dbus/v5 v5.2.4
	golang.org/x/sys v0.49.0
	golang.org/x/tools v0.52.0
)

require (
	github.com/KarpelesLab/weak v0.1.1 // indirect
	go4.org/unsafe/assume-no-moving-gc v0.0.0-20231121144256-b99613f794b6 // indirect
	golang.org/x/sync v0.24.0 // indirect
)
