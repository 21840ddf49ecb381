package store

import (
	"context"
	"errors"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mydba/mydba/internal/dba"
)

func openChatStore(t *testing.T, now func() time.Time) *Store {
	t.Helper()
	s, err := Open(context.Background(), Options{Path: filepath.Join(t.TempDir(), "mydba.db"), Now: now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestChatRoundTrip(t *testing.T) {
	ctx := context.Background()
	clock := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	s := openChatStore(t, func() time.Time { clock = clock.Add(time.Second); return clock })
	c, err := s.CreateChat(ctx, "sandbox", "why is it slow")
	if err != nil {
		t.Fatal(err)
	}
	other, _ := s.CreateChat(ctx, "other", "x")
	lits := map[string]string{"@v1": "'alice@example.com'"}
	err = s.AddChatMessages(ctx, c.ID, lits,
		dba.ChatMessage{Role: dba.ChatUser, Command: "explain", Content: "/explain SELECT 'alice@example.com'", Sent: "SELECT @v1"},
		dba.ChatMessage{Role: dba.ChatAssistant, Content: "It reads 'alice@example.com'", Sent: "It reads @v1", Answer: `{"mode":"ai"}`})
	if err != nil {
		t.Fatal(err)
	}
	got, gotLits, err := s.Chat(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Title != "why is it slow" || got.Messages != 2 || !got.Updated.After(got.Created) {
		t.Errorf("conversation: %+v", got)
	}
	if diff := cmp.Diff(lits, gotLits); diff != "" {
		t.Errorf("literals (-want +got):\n%s", diff)
	}
	msgs, err := s.ChatMessages(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	type row struct{ Role, Command, Content, Sent, Answer string }
	var rows []row
	for _, m := range msgs {
		rows = append(rows, row{m.Role, m.Command, m.Content, m.Sent, m.Answer})
	}
	want := []row{
		{"user", "explain", "/explain SELECT 'alice@example.com'", "SELECT @v1", ""},
		{"assistant", "", "It reads 'alice@example.com'", "It reads @v1", `{"mode":"ai"}`},
	}
	if diff := cmp.Diff(want, rows); diff != "" {
		t.Errorf("messages (-want +got):\n%s", diff)
	}
	list, err := s.Chats(ctx, "sandbox", 0)
	if err != nil || len(list) != 1 || list[0].ID != c.ID || list[0].Messages != 2 {
		t.Errorf("list: %+v %v", list, err)
	}
	if err := s.DeleteChat(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Chat(ctx, c.ID); !errors.Is(err, dba.ErrNotFound) {
		t.Errorf("after delete: %v", err)
	}
	if msgs, _ := s.ChatMessages(ctx, c.ID); len(msgs) != 0 {
		t.Errorf("messages survived the conversation: %d", len(msgs))
	}
	if err := s.DeleteChat(ctx, c.ID); !errors.Is(err, dba.ErrNotFound) {
		t.Errorf("second delete: %v", err)
	}
	if _, _, err := s.Chat(ctx, other.ID); err != nil {
		t.Errorf("the other connection's conversation: %v", err)
	}
}

func TestChatBadInput(t *testing.T) {
	ctx := context.Background()
	s := openChatStore(t, nil)
	c, _ := s.CreateChat(ctx, "p", "t")
	tests := []struct {
		name string
		conv int64
		msg  dba.ChatMessage
		want error
	}{
		{"unknown conversation", c.ID + 100, dba.ChatMessage{Role: dba.ChatUser, Content: "x"}, dba.ErrNotFound},
		{"bad role", c.ID, dba.ChatMessage{Role: "system", Content: "x"}, dba.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := s.AddChatMessages(ctx, tt.conv, nil, tt.msg); !errors.Is(err, tt.want) {
				t.Errorf("got %v, want %v", err, tt.want)
			}
		})
	}
	// Nothing of a refused turn is kept.
	if msgs, _ := s.ChatMessages(ctx, c.ID); len(msgs) != 0 {
		t.Errorf("refused turns were stored: %+v", msgs)
	}
}

func TestChatRetention(t *testing.T) {
	ctx := context.Background()
	clock := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	s := openChatStore(t, func() time.Time { clock = clock.Add(time.Second); return clock })
	var first int64
	for i := 0; i <= DefaultChatConversations; i++ {
		c, err := s.CreateChat(ctx, "p", "c"+strconv.Itoa(i))
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first = c.ID
		}
		if err := s.AddChatMessages(ctx, c.ID, nil, dba.ChatMessage{Role: dba.ChatUser, Content: "hi"}); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := s.Chat(ctx, first); !errors.Is(err, dba.ErrNotFound) {
		t.Errorf("the oldest conversation was not pruned: %v", err)
	}
	list, _ := s.Chats(ctx, "p", 1000)
	if len(list) != DefaultChatConversations {
		t.Errorf("kept %d conversations, want %d", len(list), DefaultChatConversations)
	}
}
