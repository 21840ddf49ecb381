package main

import (
	"fmt"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/numfmt"
	"github.com/mydba/mydba/internal/workbench"
)

// aiCommand groups the AI provider set-up: storing a key, showing what
// is configured and testing it. Questions to the assistant are other verbs (ask,
// optimize, explain --ai).
func (a *app) aiCommand() *cobra.Command {
	c := &cobra.Command{
		Use:   "ai",
		Short: "Set up and check the AI providers (API keys, configuration, knowledge base)",
	}
	c.AddCommand(a.aiSetupCommand(), a.aiStatusCommand(), a.aiTestCommand())
	return c
}

func (a *app) aiSetupCommand() *cobra.Command {
	var (
		name      string
		keyStdin  bool
		askKey    bool
		deleteKey bool
	)
	c := &cobra.Command{
		Use:   "setup",
		Short: "Store an AI provider's API key in the secret vault (keyring or encrypted file)",
		Long: `Store an AI provider's API key in mydba's secret vault, the same place as
connection passwords (the OS keyring, else an encrypted file). The key is
never a flag value: pipe it with --api-key-stdin or type it at the prompt
with --ask-api-key. Choose the provider in the config file ([ai] provider,
model) or with MYDBA_AI_PROVIDER / MYDBA_AI_MODEL; see docs/ai.md.`,
		Example: `  printf %s "$OPENAI_API_KEY" | mydba ai setup --provider openai --api-key-stdin
  mydba ai setup --provider anthropic --ask-api-key
  mydba ai setup --provider openai --delete-key`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			n := 0
			for _, b := range []bool{keyStdin, askKey, deleteKey} {
				if b {
					n++
				}
			}
			if n != 1 {
				return fmt.Errorf("%w: give exactly one of --api-key-stdin, --ask-api-key or --delete-key", errUsage)
			}
			wb, err := a.workbench(cmd.Context())
			if err != nil {
				return err
			}
			if name == "" {
				st, err := wb.AIStatus(cmd.Context())
				if err != nil {
					return err
				}
				if st.Mode != "configured" || len(st.Providers) == 0 {
					return fmt.Errorf("%w: no AI provider is configured; name the one the key is for with --provider (openai, azure, anthropic, ...)", errUsage)
				}
				name = st.Providers[0].Name
			}
			var info workbench.AIKeyInfo
			if deleteKey {
				if info, err = wb.DeleteAIKey(cmd.Context(), name); err != nil {
					return err
				}
			} else {
				var key string
				if keyStdin {
					key, err = a.readLineStdin("api key")
				} else {
					key, err = a.prompt("API key for " + name)
				}
				if err != nil {
					return err
				}
				if info, err = wb.SetAIKey(cmd.Context(), name, key); err != nil {
					return err
				}
			}
			return a.render(aiKeyView(info))
		},
	}
	f := c.Flags()
	f.StringVar(&name, "provider", "", "provider `name` the key is for: a kind (openai, azure, anthropic, ...) or an [ai] name (default the configured primary)")
	f.BoolVar(&keyStdin, "api-key-stdin", false, "read the API key from stdin (one line)")
	f.BoolVar(&askKey, "ask-api-key", false, "prompt for the API key on the terminal, without echo")
	f.BoolVar(&deleteKey, "delete-key", false, "remove the stored key")
	return c
}

func aiKeyView(info workbench.AIKeyInfo) view {
	what := "API key stored for " + info.Name + " in " + info.Backend
	if info.Deleted {
		what = "API key for " + info.Name + " deleted"
	}
	rec := []field{{"result", what}}
	if !info.Configured {
		rec = append(rec, field{"note", fmt.Sprintf("no provider named %q is configured yet: set [ai] provider = %q (and model) in the config file, or MYDBA_AI_PROVIDER", info.Name, info.Name)})
	}
	return view{data: info, record: rec}
}

func (a *app) aiStatusCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "status",
		Short: "Show the AI providers in force, where their keys come from, and the knowledge base",
		Long: `Show the AI configuration in force after the config file and the MYDBA_AI_*
environment: the providers in fallback order, where each API key comes from
(never the key itself), each provider's circuit breaker, what auto-detection
of a local Ollama found, and the knowledge base's edition. Nothing is sent
to a provider.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			wb, err := a.workbench(cmd.Context())
			if err != nil {
				return err
			}
			st, err := wb.AIStatus(cmd.Context())
			if err != nil {
				return err
			}
			return a.render(aiStatusView(st))
		},
	}
}

func aiStatusView(st workbench.AIStatus) view {
	mode := map[string]string{
		"configured":    "configured",
		"auto-detected": "auto-detected local Ollama",
		"none":          "no provider: answers are mydba's findings and knowledge-base references only",
		"off":           "off (provider = none): findings and references only",
	}[st.Mode]
	rec := []field{{"mode", mode}, {"auto-detect", strconv.FormatBool(st.AutoDetect)}}
	if st.Detect != "" {
		rec = append(rec, field{"detect", st.Detect})
	}
	if st.Problem != "" {
		rec = append(rec, field{"problem", st.Problem})
	}
	rec = append(rec, field{"knowledge base", fmt.Sprintf("%d entries, edition %s", st.KnowledgeBase.Entries, st.KnowledgeBase.Version)})
	v := view{data: st, record: rec}
	if len(st.Providers) > 0 {
		t := table{title: "Providers", headers: []string{"ROLE", "NAME", "KIND", "MODEL", "BASE URL", "KEY", "BREAKER"}}
		for _, p := range st.Providers {
			t.rows = append(t.rows, []string{p.Role, p.Name, p.Kind, orDash(p.Model), p.BaseURL, p.Key, p.Breaker})
		}
		v.tables = append(v.tables, t)
	}
	return v
}

func (a *app) aiTestCommand() *cobra.Command {
	var maxTime time.Duration
	c := &cobra.Command{
		Use:   "test",
		Short: "Send a one-word test prompt to each configured AI provider",
		Long: `Send a fixed prompt ("Reply with the single word OK.") to each configured AI
provider in turn, primary and fallbacks, each on its own and past its
circuit breaker, with no retry. It shows which answer, how long the first
piece of the answer and the whole took, and why the others fail (a wrong
or missing key, an unknown model, an unreachable URL). Nothing of yours
is sent: no server, no statement. Exits non-zero when one fails.`,
		Example: `  mydba ai test
  mydba ai test --max-time 20s -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if maxTime <= 0 || maxTime > 10*time.Minute {
				return fmt.Errorf("%w: --max-time %s: want from 1s to 10m", dba.ErrInvalid, maxTime)
			}
			wb, err := a.workbench(cmd.Context())
			if err != nil {
				return err
			}
			res, err := wb.TestAIProviders(cmd.Context(), maxTime)
			if err != nil {
				return err
			}
			if err := a.render(aiTestView(res)); err != nil {
				return err
			}
			failed := 0
			for _, r := range res {
				if !r.OK {
					failed++
				}
			}
			if failed > 0 {
				return fmt.Errorf("%d of %d AI providers failed the test", failed, len(res))
			}
			return nil
		},
	}
	c.Flags().DurationVar(&maxTime, "max-time", time.Minute, "give each provider at most `DURATION` to answer")
	return c
}

func aiTestView(res []workbench.AIProviderTest) view {
	t := table{headers: []string{"ROLE", "NAME", "MODEL", "RESULT", "FIRST CHUNK", "TOTAL", "ANSWER OR ERROR"}}
	for _, r := range res {
		result, what := "ok", r.Answer
		if !r.OK {
			result, what = "failed", r.Error
		}
		t.rows = append(t.rows, []string{r.Role, r.Name, orDash(r.Model), result, aiTestMs(r.FirstChunk), aiTestMs(r.Total), what})
	}
	return view{data: res, tables: []table{t}}
}

func aiTestMs(d time.Duration) string {
	if d <= 0 {
		return "-"
	}
	return numfmt.Ms(float64(d)/float64(time.Millisecond)) + " ms"
}
