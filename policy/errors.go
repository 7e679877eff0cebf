package policy

import (
	"fmt"
	"strings"
)

// Error is a refused policy, with every problem found in it; nothing was
// written. As errors.Join does, it says each problem on a line of its own
// and unwraps to them, so errors.As finds each *Problem.
type Error struct {
	Problems []*Problem
}

// Problem is one thing wrong with a policy: which policy, where in it
// (`org.example.App: permissions: "sockets/x12"`; empty for the policy as
// a whole) and what is wrong.
type Problem struct {
	Policy, Where, Msg string
}

func (p *Problem) Error() string {
	if p.Where == "" {
		return p.Policy + ": " + p.Msg
	}
	return p.Policy + ": " + p.Where + ": " + p.Msg
}

func (e *Error) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap gives every problem.
func (e *Error) Unwrap() []error {
	out := make([]error, len(e.Problems))
	for i, p := range e.Problems {
		out[i] = p
	}
	return out
}

// problems collects a policy's problems as they are found.
type problems struct {
	policy string
	list   []*Problem
}

func (ps *problems) add(where, format string, a ...any) {
	ps.list = append(ps.list, &Problem{Policy: ps.policy, Where: where, Msg: fmt.Sprintf(format, a...)})
}

// err is the problems found as an *Error, nil when there are none.
func (ps *problems) err() error {
	if len(ps.list) == 0 {
		return nil
	}
	return &Error{Problems: ps.list}
}
