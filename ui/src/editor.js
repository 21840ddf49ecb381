// The SQL editor island: CodeMirror 6 with MySQL/MariaDB dialects and
// schema-aware completion, bundled once by ui/vendor.sh into
// internal/web/static/vendor/editor.js. It exposes window.MydbaEditor.
import { EditorState, Compartment } from "@codemirror/state";
import { EditorView, keymap, lineNumbers, highlightActiveLine, drawSelection } from "@codemirror/view";
import { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
import { sql, MySQL, MariaSQL } from "@codemirror/lang-sql";
import { autocompletion, completionKeymap, closeBrackets } from "@codemirror/autocomplete";
import { syntaxHighlighting, defaultHighlightStyle, bracketMatching } from "@codemirror/language";
import { searchKeymap, highlightSelectionMatches } from "@codemirror/search";

const language = new Compartment();

function create(parent, opts) {
  const dialect = opts.dialect === "mariadb" ? MariaSQL : MySQL;
  const view = new EditorView({
    parent,
    state: EditorState.create({
      doc: opts.doc || "",
      extensions: [
        lineNumbers(), history(), drawSelection(), highlightActiveLine(), bracketMatching(), closeBrackets(),
        highlightSelectionMatches(), autocompletion(),
        syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
        language.of(sql({ dialect, schema: opts.schema || {}, upperCaseKeywords: true })),
        keymap.of([
          { key: "Mod-Enter", run: () => { if (opts.onRun) opts.onRun(); return true; } },
          indentWithTab, ...defaultKeymap, ...historyKeymap, ...completionKeymap, ...searchKeymap,
        ]),
        EditorView.updateListener.of((u) => { if (u.docChanged && opts.onChange) opts.onChange(u.state.doc.toString()); }),
        EditorView.contentAttributes.of({ "aria-label": opts.label || "SQL editor" }),
        opts.nonce ? EditorView.cspNonce.of(opts.nonce) : [],
      ],
    }),
  });
  return {
    view,
    text: () => view.state.doc.toString(),
    selection: () => {
      const r = view.state.selection.main;
      return r.empty ? "" : view.state.sliceDoc(r.from, r.to);
    },
    setText: (t) => view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: t } }),
    setSchema: (schema) => view.dispatch({ effects: language.reconfigure(sql({ dialect, schema, upperCaseKeywords: true })) }),
    focus: () => view.focus(),
  };
}

window.MydbaEditor = { create };
