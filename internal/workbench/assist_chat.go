package workbench

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/mydba/mydba/internal/ai"
	"github.com/mydba/mydba/internal/dba"
)

// The chat panel: a conversation per connection, kept in the local store.
// A message is a question, or a slash command that runs one of the
// assistant's use cases with the editor's statement as its default SQL.

// ChatCommand is one slash command of the chat panel.
type ChatCommand struct {
	Name string `json:"name"`
	Args string `json:"args"`
	Help string `json:"help"`
}

// ChatCommands lists the chat's slash commands, for help and completion.
func ChatCommands() []ChatCommand {
	return []ChatCommand{
		{"analyze", "[SQL]", "static findings and schema of a statement, explained (default: the editor's statement)"},
		{"explain", "[SQL]", "plan pain points, findings and schema of a statement, explained (nothing is executed)"},
		{"profile", "[SQL]", "run a read once under performance_schema and explain where its time went"},
		{"optimize", "[SQL]", "rewrites and index DDL as proposals for the safety gate"},
		{"schema", "[DB[.TABLE]]", "the tables of a schema (default: the connection's database)"},
		{"sql", "QUESTION", "write a read-only query for a question (shown, run only on request)"},
		{"variable", "NAME", "explain a server variable"},
		{"status", "NAME", "explain a status counter"},
		{"processes", "", "explain what the sessions are doing"},
		{"locks", "", "explain the lock chains"},
		{"ask", "QUESTION", "a question (also what a message without a command is)"},
		{"help", "", "this list"},
	}
}

// ParseChatMessage splits a message into its command and argument; a
// message without a leading slash is "ask".
func ParseChatMessage(msg string) (cmd, arg string, err error) {
	msg = strings.TrimSpace(msg)
	if msg == "" {
		return "", "", fmt.Errorf("%w: empty message", dba.ErrInvalid)
	}
	if !strings.HasPrefix(msg, "/") {
		return "ask", msg, nil
	}
	head, rest, _ := strings.Cut(msg[1:], " ")
	if i := strings.IndexAny(head, "\n\t"); i >= 0 {
		head, rest = head[:i], head[i:]+" "+rest
	}
	head = strings.ToLower(head)
	switch head {
	case "var", "vars":
		head = "variable"
	case "ps":
		head = "processes"
	}
	names := make([]string, 0, len(ChatCommands()))
	for _, c := range ChatCommands() {
		if c.Name == head {
			return head, strings.TrimSpace(rest), nil
		}
		names = append(names, c.Name)
	}
	m := fmt.Sprintf("unknown command /%s", head)
	if s := dba.Suggest(head, names); len(s) > 0 {
		m += " (did you mean /" + s[0] + "?)"
	}
	return "", "", fmt.Errorf("%w: %s; /help lists the commands", dba.ErrInvalid, m)
}

// ChatRequest is one message typed into the chat panel.
type ChatRequest struct {
	Conn ConnRequest
	// Conversation continues a conversation; 0 starts one.
	Conversation int64
	Message      string
	// EditorSQL is the statement at hand in the query editor: the default
	// SQL of /analyze, /explain, /profile and /optimize, and context for a
	// question.
	EditorSQL string
	AssistOptions
}

// ChatTurn is a message and its answer, saved in the conversation.
type ChatTurn struct {
	Conversation dba.ChatConversation `json:"conversation"`
	Command      string               `json:"command"`
	Answer       Answer               `json:"answer"`
}

// maxChatHistory is how many earlier messages are sent along with a new
// one, and maxHistoryBytes how long each may be.
const (
	maxChatHistory  = 6
	maxHistoryBytes = 6 << 10
	maxChatMessage  = 64 << 10
)

// Chat answers one message of a conversation and saves both. Earlier turns
// are sent again exactly as they left the machine the first time
// (anonymised with the conversation's own placeholders), so nothing new
// about them leaves; the placeholder mapping stays in the local store.
func (w *Workbench) Chat(ctx context.Context, req ChatRequest) (ChatTurn, error) {
	if len(req.Message) > maxChatMessage {
		return ChatTurn{}, fmt.Errorf("%w: the message is %d bytes; the chat takes up to %d", dba.ErrInvalid, len(req.Message), maxChatMessage)
	}
	cmd, arg, err := ParseChatMessage(req.Message)
	if err != nil {
		return ChatTurn{}, err
	}
	if req.Conn.Profile == "" {
		return ChatTurn{}, fmt.Errorf("%w: the chat works on a saved connection", dba.ErrInvalid)
	}
	var conv dba.ChatConversation
	lits := map[string]string{}
	if req.Conversation > 0 {
		if conv, lits, err = w.chatOf(ctx, req.Conn.Profile, req.Conversation); err != nil {
			return ChatTurn{}, err
		}
		msgs, err := w.store.ChatMessages(ctx, conv.ID)
		if err != nil {
			return ChatTurn{}, err
		}
		req.history = chatHistory(msgs)
	}
	req.lits = ai.LiteralsFrom(lits)
	ans, err := w.chatDispatch(ctx, req, cmd, arg)
	if err != nil {
		return ChatTurn{}, err
	}
	if conv.ID == 0 {
		if conv, err = w.store.CreateChat(ctx, req.Conn.Profile, chatTitle(req.Message)); err != nil {
			return ChatTurn{}, err
		}
	}
	stored := ans
	stored.Prompt = nil
	body, err := json.Marshal(stored)
	if err != nil {
		return ChatTurn{}, err
	}
	userCmd := cmd
	if cmd == "ask" && !strings.HasPrefix(strings.TrimSpace(req.Message), "/") {
		userCmd = ""
	}
	err = w.store.AddChatMessages(ctx, conv.ID, req.lits.Values(),
		dba.ChatMessage{Role: dba.ChatUser, Command: userCmd, Content: strings.TrimSpace(req.Message), Sent: sentIf(ans, ans.sentUser)},
		dba.ChatMessage{Role: dba.ChatAssistant, Content: ans.Text, Sent: sentIf(ans, ans.sentAnswer), Answer: string(body)})
	if err != nil {
		return ChatTurn{}, err
	}
	conv.Messages += 2
	return ChatTurn{Conversation: conv, Command: cmd, Answer: ans}, nil
}

// sentIf is what left the machine: nothing unless a provider answered.
func sentIf(a Answer, s string) string {
	if a.Mode != ModeAI {
		return ""
	}
	return s
}

// chatHistory is the last turns as they were sent, for the provider. A
// turn too long to resend (a big prompt of evidence) is replaced by a
// note: its answer follows and carries what matters.
func chatHistory(msgs []dba.ChatMessage) []ai.Message {
	var out []ai.Message
	for _, m := range msgs {
		if m.Sent == "" {
			continue
		}
		role := ai.RoleUser
		if m.Role == dba.ChatAssistant {
			role = ai.RoleAssistant
		}
		content := m.Sent
		if len(content) > maxHistoryBytes {
			if role == ai.RoleUser {
				content = "(an earlier request with evidence, not repeated)"
			} else {
				content = clipUTF8(content, maxHistoryBytes) + "\n(answer shortened)"
			}
		}
		out = append(out, ai.Message{Role: role, Content: content})
	}
	if len(out) > maxChatHistory {
		out = out[len(out)-maxChatHistory:]
	}
	// A conversation sent to a provider starts with the user.
	for len(out) > 0 && out[0].Role != ai.RoleUser {
		out = out[1:]
	}
	return out
}

func clipUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func chatTitle(msg string) string {
	t := strings.Join(strings.Fields(msg), " ")
	if r := []rune(t); len(r) > 60 {
		t = string(r[:59]) + "…"
	}
	return t
}

// chatOf reads a conversation of the profile (another profile's is not
// found).
func (w *Workbench) chatOf(ctx context.Context, profile string, id int64) (dba.ChatConversation, map[string]string, error) {
	c, lits, err := w.store.Chat(ctx, id)
	if err == nil && c.Profile != profile {
		err = fmt.Errorf("%w: conversation %d", dba.ErrNotFound, id)
	}
	return c, lits, err
}

func (w *Workbench) chatDispatch(ctx context.Context, req ChatRequest, cmd, arg string) (Answer, error) {
	o := req.AssistOptions
	sqlArg := func() (string, error) {
		if arg != "" {
			return arg, nil
		}
		if strings.TrimSpace(req.EditorSQL) != "" {
			return req.EditorSQL, nil
		}
		return "", fmt.Errorf("%w: /%s needs a statement: type it after the command, or put the cursor in one in the query editor", dba.ErrInvalid, cmd)
	}
	q := func(f func(context.Context, QueryAssistRequest) (Answer, error)) (Answer, error) {
		sql, err := sqlArg()
		if err != nil {
			return Answer{}, err
		}
		return f(ctx, QueryAssistRequest{Conn: req.Conn, SQL: sql, AssistOptions: o})
	}
	need := func(what string) error {
		if arg == "" {
			return fmt.Errorf("%w: /%s needs %s", dba.ErrInvalid, cmd, what)
		}
		return nil
	}
	switch cmd {
	case "help":
		return chatHelp(), nil
	case "analyze":
		return q(w.AnalyzeWithAI)
	case "explain":
		return q(w.ExplainWithAI)
	case "profile":
		return q(w.ProfileWithAI)
	case "optimize":
		return q(w.Optimize)
	case "schema":
		r := SQLAssistRequest{Conn: req.Conn, AssistOptions: o}
		if arg != "" {
			if qn, err := dba.ParseQualifiedName(arg); err == nil {
				r.Schema, r.Table = qn.Schema, qn.Name
			} else {
				name, perr := dba.ParseIdentifier(arg)
				if perr != nil {
					return Answer{}, perr
				}
				r.Schema = name
			}
		}
		return w.ExplainSchema(ctx, r)
	case "sql":
		if err := need("a question"); err != nil {
			return Answer{}, err
		}
		return w.GenerateSQL(ctx, SQLAssistRequest{Conn: req.Conn, Question: arg, AssistOptions: o})
	case "variable":
		if err := need("a variable name"); err != nil {
			return Answer{}, err
		}
		return w.ExplainVariable(ctx, NameAssistRequest{Conn: req.Conn, Name: arg, AssistOptions: o})
	case "status":
		if err := need("a status counter's name"); err != nil {
			return Answer{}, err
		}
		return w.ExplainStatus(ctx, NameAssistRequest{Conn: req.Conn, Name: arg, AssistOptions: o})
	case "processes":
		return w.ExplainProcesses(ctx, ProcessAssistRequest{Conn: req.Conn, Question: arg, AssistOptions: o})
	case "locks":
		return w.ExplainLocks(ctx, ProcessAssistRequest{Conn: req.Conn, Question: arg, AssistOptions: o})
	}
	if err := need("a question"); err != nil {
		return Answer{}, err
	}
	conn := req.Conn
	return w.Ask(ctx, AskRequest{Conn: &conn, Question: arg, SQL: req.EditorSQL, AssistOptions: o})
}

// chatHelp answers /help locally.
func chatHelp() Answer {
	a := Answer{Task: "help", Mode: ModeNoProvider, Label: "chat commands (answered by mydba; nothing was sent)",
		Evidence: []EvidenceItem{}, Citations: []Citation{}, Proposals: []Proposal{}}
	for _, c := range ChatCommands() {
		a.Points = append(a.Points, AdvicePoint{Severity: dba.SeverityInfo, Code: "/" + c.Name, Title: strings.TrimSpace("/" + c.Name + " " + c.Args), Detail: c.Help, Evidence: []string{}})
	}
	return a
}

// ChatView is a conversation with its turns, answers decoded.
type ChatView struct {
	Conversation dba.ChatConversation `json:"conversation"`
	Messages     []ChatEntry          `json:"messages"`
}

// ChatEntry is one turn; Answer is set on the assistant's.
type ChatEntry struct {
	dba.ChatMessage
	Answer *Answer `json:"answer,omitempty"`
}

// ChatConversations lists a connection's conversations, newest first.
func (w *Workbench) ChatConversations(ctx context.Context, profile string) ([]dba.ChatConversation, error) {
	return w.store.Chats(ctx, profile, 50)
}

// ChatConversation reads one conversation of a connection.
func (w *Workbench) ChatConversation(ctx context.Context, profile string, id int64) (ChatView, error) {
	c, _, err := w.chatOf(ctx, profile, id)
	if err != nil {
		return ChatView{}, err
	}
	msgs, err := w.store.ChatMessages(ctx, id)
	if err != nil {
		return ChatView{}, err
	}
	v := ChatView{Conversation: c, Messages: make([]ChatEntry, 0, len(msgs))}
	for _, m := range msgs {
		e := ChatEntry{ChatMessage: m}
		if m.Answer != "" {
			var a Answer
			if err := json.Unmarshal([]byte(m.Answer), &a); err == nil {
				e.Answer = &a
			}
		}
		v.Messages = append(v.Messages, e)
	}
	return v, nil
}

// DeleteChatConversation removes a conversation of a connection.
func (w *Workbench) DeleteChatConversation(ctx context.Context, profile string, id int64) error {
	if _, _, err := w.chatOf(ctx, profile, id); err != nil {
		return err
	}
	return w.store.DeleteChat(ctx, id)
}
