package secretfile

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestRead(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tests := []struct {
		name    string
		content *string // nil: the file does not exist
		want    string
		err     string
	}{
		{"a trailing newline is not the secret's", ptr("s3cret\n"), "s3cret", ""},
		{"nor a trailing CRLF", ptr("s3cret\r\n"), "s3cret", ""},
		{"only one newline goes, every other byte stays", ptr(" a b \n\n"), " a b \n", ""},
		{"no newline", ptr("s3cret"), "s3cret", ""},
		{"an empty file is an empty secret", ptr("\n"), "", ""},
		{"a missing file", nil, "", `cannot be read: "` + filepath.Join(dir, "missing") + `" does not exist`},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(dir, "missing")
			if tt.content != nil {
				path = filepath.Join(dir, "secret"+string(rune('a'+i)))
				require.NoError(t, os.WriteFile(path, []byte(*tt.content), 0o600))
			}
			got, err := Read(path)
			if tt.err != "" {
				require.EqualError(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestReadNamesTheFileOfAnyFailure(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "a-directory")
	require.NoError(t, os.Mkdir(dir, 0o700))
	_, err := Read(dir)
	require.ErrorContains(t, err, "cannot be read: \""+dir+"\"")
}

func ptr(s string) *string { return &s }

// TestReadRefusesFilesOthersMayRead: a secret file another local user can
// read is refused, with the chmod that closes it.
func TestReadRefusesFilesOthersMayRead(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tests := []struct {
		mode    os.FileMode
		wantErr string
	}{
		{0o600, ""},
		{0o400, ""},
		{0o640, "(mode 0640): run chmod 600 "},
		{0o604, "(mode 0604): run chmod 600 "},
		{0o644, "(mode 0644): run chmod 600 "},
		{0o620, "(mode 0620): run chmod 600 "},
		{0o666, "(mode 0666): run chmod 600 "},
	}
	for _, tt := range tests {
		t.Run(tt.mode.String(), func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(dir, "secret "+tt.mode.String())
			require.NoError(t, os.WriteFile(path, []byte("s3cret\n"), 0o600))
			require.NoError(t, os.Chmod(path, tt.mode))
			got, err := Read(path)
			if tt.wantErr == "" {
				require.NoError(t, err)
				require.Equal(t, "s3cret", got)
				return
			}
			require.ErrorContains(t, err, tt.wantErr+"'"+path+"'")
			require.NotContains(t, err.Error(), "s3cret")
			require.Empty(t, got)
		})
	}
}

func TestReadFollowsALinkToAPrivateFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	target := filepath.Join(dir, "secret")
	require.NoError(t, os.WriteFile(target, []byte("s3cret"), 0o600))
	link := filepath.Join(dir, "link")
	require.NoError(t, os.Symlink(target, link))
	got, err := Read(link)
	require.NoError(t, err)
	require.Equal(t, "s3cret", got)
}
