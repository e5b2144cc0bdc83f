// Package secretfile reads a secret kept in a file (the CRM gateway's
// secret, the member hash key) the one way the worker, the starter and the
// sandbox command all read it, so that they agree on the secret.
package secretfile

import (
	"fmt"
	"os"
	"strings"
)

// Read returns the content of file without one trailing newline (\n or
// \r\n, as an editor leaves it); every other byte counts. It may be empty:
// the caller says whether that is allowed. Its errors name the file and the
// reason, never the content: `cannot be read: "f" does not exist`.
func Read(file string) (string, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return "", fmt.Errorf("cannot be read: %s", describe(file, err))
	}
	return strings.TrimSuffix(strings.TrimSuffix(string(data), "\n"), "\r"), nil
}

// describe names the file and why it cannot be read.
func describe(file string, err error) string {
	switch {
	case os.IsNotExist(err):
		return fmt.Sprintf("%q does not exist", file)
	case os.IsPermission(err):
		return fmt.Sprintf("%q: permission denied", file)
	default:
		return fmt.Sprintf("%q: %v", file, err)
	}
}
