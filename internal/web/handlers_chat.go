package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"

	"github.com/mydba/mydba/internal/web/views"
	"github.com/mydba/mydba/internal/workbench"
)

// chatRoutes: the assistant's chat panel. Answers stream as server-sent
// events on the POST that sends the message (EventSource cannot POST, so
// chat.js reads the stream with fetch).
func (s *Server) chatRoutes() {
	m := s.mux
	m.HandleFunc("GET /c/{profile}/chat", s.withProfile(s.chatPage))
	m.HandleFunc("POST /c/{profile}/chat/send", s.withStream(s.chatSend))
	m.HandleFunc("POST /c/{profile}/chat/{id}/delete", s.withProfile(s.chatDelete))
}

// chatPage shows the connection's conversations and the open one (?id=);
// ?sql= fills in the editor's statement.
func (s *Server) chatPage(w http.ResponseWriter, r *http.Request, conn workbench.ConnRequest) {
	p := s.page(r, "Assistant", "chat", conn.Profile)
	d := views.ChatPage{EditorSQL: r.URL.Query().Get("sql"), Commands: workbench.ChatCommands()}
	var err error
	if d.Conversations, err = s.wb.ChatConversations(r.Context(), conn.Profile); err != nil {
		s.fail(w, r, p, err)
		return
	}
	if raw := r.URL.Query().Get("id"); raw != "" {
		id, perr := strconv.ParseInt(raw, 10, 64)
		if perr != nil || id <= 0 {
			s.fail(w, r, p, dbaInvalid("conversation id must be a positive number"))
			return
		}
		v, err := s.wb.ChatConversation(r.Context(), conn.Profile, id)
		if err != nil {
			s.fail(w, r, p, err)
			return
		}
		d.Current = &v
	}
	s.render(w, r, http.StatusOK, views.Chat(p, d))
}

// chatEvent is one server-sent event; data is JSON, so no newline of the
// payload can end the event early.
func chatEvent(w http.ResponseWriter, name string, data any) {
	b, _ := json.Marshal(data)
	fmt.Fprintf(w, "event: %s\ndata: %s\n\n", name, b)
	if f, ok := w.(http.Flusher); ok {
		f.Flush()
	}
}

// chatSend answers one message. Events: "text" (a piece of the model's
// answer, values restored, to be shown as text), then "done" with the
// conversation id and the turn rendered by the server (escaped HTML with
// the proposals' buttons), or "error" with a message.
func (s *Server) chatSend(w http.ResponseWriter, r *http.Request, conn workbench.ConnRequest) {
	p := s.page(r, "Assistant", "chat", conn.Profile)
	req := workbench.ChatRequest{Conn: conn, Message: r.PostFormValue("message"), EditorSQL: r.PostFormValue("editor_sql")}
	if raw := r.PostFormValue("conversation"); raw != "" {
		id, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || id <= 0 {
			s.fail(w, r, p, dbaInvalid("conversation id must be a positive number"))
			return
		}
		req.Conversation = id
	}
	req.ShowPrompt = r.PostFormValue("show_prompt") == "1"
	req.AllowData = r.PostFormValue("allow_data") == "1"
	req.Source = "web"
	h := w.Header()
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	req.OnText = func(t string) { chatEvent(w, "text", t) }
	turn, err := s.wb.Chat(r.Context(), req)
	if err != nil {
		chatEvent(w, "error", map[string]string{"message": err.Error()})
		return
	}
	var html bytes.Buffer
	err = views.ChatUserTurn(turn.Command, req.Message).Render(r.Context(), &html)
	if err == nil {
		err = views.ChatAnswer(p, turn.Answer).Render(r.Context(), &html)
	}
	if err != nil {
		chatEvent(w, "error", map[string]string{"message": "the answer was saved but could not be shown: " + err.Error()})
		return
	}
	chatEvent(w, "done", map[string]any{"conversation": turn.Conversation.ID, "title": turn.Conversation.Title, "html": html.String()})
}

// chatDelete removes a conversation and goes back to a new one.
func (s *Server) chatDelete(w http.ResponseWriter, r *http.Request, conn workbench.ConnRequest) {
	p := s.page(r, "Assistant", "chat", conn.Profile)
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		s.fail(w, r, p, dbaInvalid("conversation id must be a positive number"))
		return
	}
	if err := s.wb.DeleteChatConversation(r.Context(), conn.Profile, id); err != nil {
		s.fail(w, r, p, err)
		return
	}
	http.Redirect(w, r, pathJoin("c", conn.Profile, "chat"), http.StatusSeeOther)
}
