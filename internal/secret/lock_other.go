//go:build !unix

package secret

import (
	"context"
	"errors"
)

// The encrypted file relies on flock and Unix permission bits; on other
// systems (Windows) only the OS keyring is offered, and the file refuses
// clearly instead of storing secrets unprotected.
var errFileUnsupported = errors.New("the encrypted secrets file is supported on Unix only; use the OS keyring")

func fileStoreSupported() error { return errFileUnsupported }

func lockFileExclusive(context.Context, string) (func(), error) { return nil, errFileUnsupported }

func syncDir(string) error { return errFileUnsupported }
