// Package policy is fleet policies and presets: what `confine apply` and
// the presets dialog make of a JSON file, for the user's overrides or the
// administrator's.
//
// Parse reads and checks a policy (parse.go), reporting every problem at
// once as an *Error; Policy.Plan computes each file's new content on a
// model.Model, judging "harden" and "lock" with the advisor's own rules
// (model.HardenFixes, Model.LockOps) on the app's permissions as the policy
// leaves them (plan.go); Plan.Write is the one way a plan is written, all
// or nothing, apps' files before the global one. Presets (preset.go,
// presets/*.json) are policies made for the apps installed here, checked so
// that no app loses its display.
package policy

// N_ marks a string for translation without translating it, as model.N_
// does: the window and the command line translate at display time
// (xgettext extracts N_ calls).
func N_(s string) string { return s }
