package permstore

import "github.com/godbus/dbus/v5"

// Change is one Changed signal of the store.
type Change struct {
	Table, ID string
	Deleted   bool
	Perms     map[string][]string
	Data      dbus.Variant
}

// Watch delivers the store's Changed signals (changes made by GNOME
// Settings, the portal dialog or another client) until stop is called.
func (s *Store) Watch(f func(Change)) (stop func(), err error) {
	opts := []dbus.MatchOption{dbus.WithMatchInterface(Interface), dbus.WithMatchMember("Changed"), dbus.WithMatchObjectPath(ObjectPath)}
	if err := s.conn.AddMatchSignal(opts...); err != nil {
		return nil, err
	}
	ch := make(chan *dbus.Signal, 16)
	s.conn.Signal(ch)
	done := make(chan struct{})
	go func() {
		for {
			select {
			case sig := <-ch:
				if sig == nil || sig.Name != Interface+".Changed" || len(sig.Body) < 5 {
					continue
				}
				c := Change{}
				c.Table, _ = sig.Body[0].(string)
				c.ID, _ = sig.Body[1].(string)
				c.Deleted, _ = sig.Body[2].(bool)
				c.Data, _ = sig.Body[3].(dbus.Variant)
				c.Perms, _ = sig.Body[4].(map[string][]string)
				f(c)
			case <-done:
				return
			}
		}
	}()
	return func() {
		close(done)
		s.conn.RemoveSignal(ch)
		s.conn.RemoveMatchSignal(opts...)
	}, nil
}
