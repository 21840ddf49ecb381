package workbench

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/mydba/mydba/internal/dba"
)

func TestDetectServer(t *testing.T) {
	r := explorerRequest(t)
	w := openWB(t, Options{DisableKeyring: true})
	s, err := w.DetectServer(context.Background(), r)
	if err != nil {
		t.Fatal(err)
	}
	// The sandbox is MariaDB 10.11.
	if !s.IsMariaDB() || !s.Version.AtLeast(10, 11) {
		t.Errorf("DetectServer = %+v, want MariaDB 10.11 or later", s)
	}
}

func TestDetectServerUnreachable(t *testing.T) {
	w := openWB(t, Options{DisableKeyring: true})
	_, err := w.DetectServer(context.Background(), ConnRequest{DSN: "mysql://u@127.0.0.1:1/", Timeout: time.Second})
	if !errors.Is(err, dba.ErrUnreachable) {
		t.Errorf("err = %v, want ErrUnreachable", err)
	}
}
