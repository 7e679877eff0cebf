// Package repotest holds tests of the repository itself: that its release
// notes, metadata and licence agree.
package repotest
