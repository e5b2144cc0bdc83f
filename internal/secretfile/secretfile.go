// Package secretfile reads a secret kept in a file (the CRM gateway's
// secret, the member hash key) the one way the worker, the starter and the
// sandbox command all read it, so that they agree on the secret.
package secretfile

import (
	"fmt"

	"os"
	"runtime"
	"strings"
)

// Read returns the content of file without one trailing newline (\n or
// \r\n, as an editor leaves it); every other byte counts. It may be empty:
// the caller says whether that is allowed. Its errors name the file and the
// reason, never the content: `cannot be read: "f" does not exist`. A file
// that its group or other users may read is refused (see CheckPrivate).
func Read(file string) (string, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return "", fmt.Errorf("cannot be read: %s", describe(file, err))
	}
	if err := CheckPrivate(file); err != nil {
		return "", err
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

// CheckPrivate refuses a file that users other than its owner may read or
// write (any group or other permission bit, after following symbolic
// links), saying the chmod that fixes it. On Windows, where modes do not
// carry these bits, it checks nothing.
func CheckPrivate(file string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	fi, err := os.Stat(file)
	if err != nil {
		return fmt.Errorf("cannot be read: %s", describe(file, err))
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return fmt.Errorf("%q is open to its group or other users (mode %04o): run chmod 600 %s", file, uint32(perm), shellQuote(file))
	}
	return nil
}

// shellQuote quotes file for a POSIX shell when it holds anything but
// letters, digits and ./_-+:@%,.
func shellQuote(file string) string {
	if file != "" && strings.IndexFunc(file, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("./_-+:@%,", r))
	}) < 0 {
		return file
	}
	return "'" + strings.ReplaceAll(file, "'", `'\''`) + "'"
}
