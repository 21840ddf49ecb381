package workbench

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/mydba/mydba/internal/dba"
)

func TestAgentName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Claude Desktop 1.2", "Claude Desktop 1.2"},
		{"  cursor\n", "cursor"},
		{"evil\x1b[31m\r\nactor: root", "evil[31mactor: root"},
		{strings.Repeat("é", 100), strings.Repeat("é", 64)},
		{"", ""},
	}
	for _, tt := range tests {
		if got := AgentName(tt.in); got != tt.want {
			t.Errorf("AgentName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestChangeForAgentNeedsAnAgent(t *testing.T) {
	w, err := Open(context.Background(), Options{StateDir: t.TempDir(), DisableKeyring: true})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	_, err = w.ChangeForAgent(context.Background(), AgentChangeRequest{Conn: ConnRequest{Profile: "x"}, SQL: "DELETE FROM t", Agent: " \n "})
	if !errors.Is(err, dba.ErrInvalid) {
		t.Errorf("err %v", err)
	}
}
