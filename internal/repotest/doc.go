// Package repotest holds tests of the repository itself: that its release
// notes, metadata and licence agree, that each package imports only from
// the layers below it, and that CONTRIBUTING.md's map matches the tree.
package repotest
