package overrides

import (
	"fmt"
	"math/rand"
	"slices"
	"strings"
	"testing"
)

// comments are a file's comment lines, in order: what no edit may lose.
func comments(f *File) []string {
	var out []string
	for _, l := range f.kf.lines {
		if strings.HasPrefix(trimLeftSpace(l.raw), "#") {
			out = append(out, l.raw)
		}
	}
	return out
}

// TestBatchEditsMeanWhatSingleEditsMean: EditFilesystems, EditEnv and
// EditBusPolicies give, on random files and random edits, what the single
// edits give one after the other (the second computation): the same
// meaning to every Flatpak release and, where no edit deletes a line, the
// same bytes.
func TestBatchEditsMeanWhatSingleEditsMean(t *testing.T) {
	r := rand.New(rand.NewSource(24))
	pick := func(s ...string) string { return s[r.Intn(len(s))] }
	locs := []string{"home", "host", "xdg-download", "xdg-music/Sub", "~/Games", "~/Games/", "/opt/data", "/opt//data", ResetLocation}
	vars := []string{"A", "B", "LD_PRELOAD", "#C", "D"}
	buses := []string{"org.a.B", "org.c.D", "org.e.*", "org.x.Y"}
	modes := []Mode{ModeRead, ModeReadWrite, ModeCreate, ModeNone}
	policies := []BusPolicy{PolicyNone, PolicySee, PolicyTalk, PolicyOwn}
	for n := range 3000 {
		var b strings.Builder
		if r.Intn(3) > 0 {
			b.WriteString("# mine\n[Context]\n")
			b.WriteString("filesystems=" + pick("", "home;", "!host:reset;xdg-download;", "~/Games:ro;/opt/data;home;~/Games;", "bogus-place;home:ro;") + "\n")
			if r.Intn(2) == 0 {
				b.WriteString("unset-environment=" + pick("A;", "B;A;", "A;A;", "C;") + "\n")
			}
		}
		if r.Intn(2) == 0 {
			b.WriteString("\n[Session Bus Policy]\n# bus\norg.a.B=talk\n" + pick("", "org.x.Y=own\norg.a.B=none\n"))
		}
		if r.Intn(2) == 0 {
			b.WriteString("\n[Environment]\n" + pick("", "A=1\n", "B=2\nA=3\n", "A=1\nA=2\n"))
		}
		if r.Intn(3) == 0 {
			b.WriteString("\n[System Bus Policy]\norg.c.D=see\n")
		}
		data := b.String()
		d := Dialects[r.Intn(len(Dialects))]
		var fsEdits []FilesystemEdit
		var envEdits []EnvEdit
		var busEdits []BusEdit
		for range r.Intn(8) {
			fsEdits = append(fsEdits, FilesystemEdit{FS: Filesystem{Location: locs[r.Intn(len(locs))], Mode: modes[r.Intn(len(modes))]}, Forget: r.Intn(3) == 0})
		}
		for range r.Intn(8) {
			envEdits = append(envEdits, EnvEdit{Name: vars[r.Intn(len(vars))], Value: pick("1", "", "a;b"), Unset: r.Intn(3) == 0})
		}
		for range r.Intn(8) {
			busEdits = append(busEdits, BusEdit{Name: buses[r.Intn(len(buses))], Policy: policies[r.Intn(len(policies))], Forget: r.Intn(3) == 0})
		}
		one, err1 := Parse([]byte(data))
		many, err2 := Parse([]byte(data))
		if err1 != nil || err2 != nil {
			t.Fatal(err1, err2)
		}
		// Where lines end up may differ when an edit deletes a line (a
		// group emptied and made again, a bus name forgotten); the
		// meaning may not.
		layout := false
		var seqErr error
		for _, e := range fsEdits {
			had := one.kf.lastLineOK(GroupContext, KeyFilesystems)
			if e.Forget {
				seqErr = one.RemoveFilesystem(d, e.FS.Location)
			} else {
				seqErr = one.SetFilesystem(d, e.FS)
			}
			if seqErr != nil {
				break
			}
			if had && !one.kf.lastLineOK(GroupContext, KeyFilesystems) {
				layout = true
			}
		}
		batchErr := many.EditFilesystems(d, fsEdits)
		if (seqErr == nil) != (batchErr == nil) {
			t.Fatalf("case %d: one by one %v, at once %v", n, seqErr, batchErr)
		}
		if seqErr != nil {
			continue
		}
		for _, e := range envEdits {
			hadList := one.kf.lastLineOK(GroupContext, KeyUnsetEnv)
			if e.Unset {
				seqErr = one.UnsetEnv(e.Name)
			} else {
				seqErr = one.SetEnv(e.Name, e.Value)
			}
			if hadList && !one.kf.lastLineOK(GroupContext, KeyUnsetEnv) {
				layout = true
			}
		}
		if err := many.EditEnv(envEdits); (err == nil) != (seqErr == nil) {
			t.Fatalf("case %d: one by one %v, at once %v", n, seqErr, err)
		}
		for _, bus := range []Bus{SessionBus, SystemBus} {
			var edits []BusEdit
			for i, e := range busEdits {
				if (i%2 == 0) != (bus == SessionBus) {
					continue
				}
				edits = append(edits, e)
				if e.Forget {
					one.RemoveBusPolicy(bus, e.Name)
					layout = true
				} else if err := one.SetBusPolicy(bus, e.Name, e.Policy); err != nil {
					t.Fatal(err)
				}
			}
			if err := many.EditBusPolicies(bus, edits); err != nil {
				t.Fatal(err)
			}
		}
		for _, dd := range Dialects {
			c1, p1 := one.Context(dd)
			c2, p2 := many.Context(dd)
			if c1.Canonical() != c2.Canonical() || fmt.Sprint(p1) != fmt.Sprint(p2) {
				t.Fatalf("case %d (%s): %q\nfs %v\nenv %v\nbus %v\none by one:\n%s\nat once:\n%s", n, dd.Name, data, fsEdits, envEdits, busEdits, one.Bytes(), many.Bytes())
			}
		}
		if !layout && !slices.Equal(comments(one), comments(many)) {
			t.Fatalf("case %d: %q\nfs %v\nenv %v\ncomments %q and %q\n%s\n%s", n, data, fsEdits, envEdits, comments(one), comments(many), one.Bytes(), many.Bytes())
		}
		if !layout && string(one.Bytes()) != string(many.Bytes()) {
			t.Fatalf("case %d: %q\nfs %v\nenv %v\nbus %v\none by one:\n%s\nat once:\n%s", n, data, fsEdits, envEdits, busEdits, one.Bytes(), many.Bytes())
		}
	}
}

// lastLineOK reports whether a key is in the file.
func (kf *KeyFile) lastLineOK(group, key string) bool {
	i, _ := kf.lastLine(group, key)
	return i >= 0
}

// TestIndexedKeyFileReadsAndEditsAsScanned: a file large enough to be
// indexed answers every read and takes every edit as the same file
// scanned line by line (the index off) does, through random edits.
func TestIndexedKeyFileReadsAndEditsAsScanned(t *testing.T) {
	r := rand.New(rand.NewSource(26))
	groups := []string{"Context", "Environment", "Session Bus Policy", "X-Other"}
	keys := []string{"a", "b", "c", "d", "e", "shared", "filesystems"}
	for n := range 300 {
		var b strings.Builder
		b.WriteString("[Context]\n")
		for i := range 40 + r.Intn(40) {
			switch r.Intn(6) {
			case 0:
				b.WriteString("[" + groups[r.Intn(len(groups))] + "]\n")
			case 1:
				b.WriteString("# note " + fmt.Sprint(i) + "\n")
			case 2:
				b.WriteString("\n")
			default:
				b.WriteString(keys[r.Intn(len(keys))] + "=" + fmt.Sprint(i) + "\n")
			}
		}
		data := []byte(b.String())
		saved := indexMin
		indexMin = 1 << 30
		scanned, err := ParseKeyFile(data)
		indexMin = saved
		if err != nil {
			t.Fatal(err)
		}
		indexed, _ := ParseKeyFile(data)
		if indexed.idx == nil {
			t.Fatalf("case %d: a file of %d lines is not indexed", n, len(indexed.lines))
		}
		for step := range 60 {
			g, k, op := groups[r.Intn(len(groups))], keys[r.Intn(len(keys))], r.Intn(10)
			for _, kf := range []*KeyFile{scanned, indexed} {
				if kf == scanned {
					indexMin = 1 << 30 // it stays unindexed through edits
				}
				switch {
				case op < 3:
					kf.SetValue(g, k, fmt.Sprint(step))
				case op < 5:
					kf.DeleteKey(g, k)
				case op < 7:
					kf.SetValues(g, []KeyEdit{{Key: k, Value: "x"}, {Key: "new" + fmt.Sprint(step%3), Value: "y"}, {Key: keys[step%len(keys)], Delete: true}})
				case op == 7 && step%4 == 0:
					kf.DeleteGroup(g)
				default:
					kf.SetValue(g, "k"+fmt.Sprint(step%7), "v")
				}
				indexMin = saved
			}
			if scanned.idx != nil {
				t.Fatal("the scanned file was indexed")
			}
			if string(scanned.Bytes()) != string(indexed.Bytes()) {
				t.Fatalf("case %d step %d: %q\nscanned:\n%s\nindexed:\n%s", n, step, data, scanned.Bytes(), indexed.Bytes())
			}
			for _, gg := range groups {
				if scanned.HasGroup(gg) != indexed.HasGroup(gg) || scanned.GroupIsEmpty(gg) != indexed.GroupIsEmpty(gg) ||
					!slices.Equal(scanned.Keys(gg), indexed.Keys(gg)) || scanned.insertionPoint(gg) != indexed.insertionPoint(gg) {
					t.Fatalf("case %d step %d: group %s reads differently", n, step, gg)
				}
				for _, kk := range append(slices.Clone(keys), "k1", "new2") {
					v1, ok1 := scanned.Value(gg, kk)
					v2, ok2 := indexed.Value(gg, kk)
					if v1 != v2 || ok1 != ok2 {
						t.Fatalf("case %d step %d: [%s] %s is %q %v scanned, %q %v indexed", n, step, gg, kk, v1, ok1, v2, ok2)
					}
				}
			}
		}
	}
}
