//go:build race

package cpu

// raceBuild: the tests were built with -race (see sameBits).
const raceBuild = true
