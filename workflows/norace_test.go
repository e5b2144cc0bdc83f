//go:build !race

package workflows_test

// raceDetector is true when the tests run under the race detector, which
// slows the SDK's test environment several times over.
const raceDetector = false
