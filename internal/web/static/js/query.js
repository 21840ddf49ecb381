// The query page island: the CodeMirror editor (static/vendor/editor.js),
// running the script or the selection, result tabs, the result grids
// (grid.js), export downloads, history replay and schema-aware completion.
(function () {
  "use strict";
  var page = document.getElementById("query-page");
  if (!page || !window.MydbaEditor) return;
  var base = page.getAttribute("data-base");
  var results = document.getElementById("results");
  var status = document.getElementById("run-status");
  var limitSel = document.getElementById("row-limit");
  var runAll = document.getElementById("run-all");
  var runSel = document.getElementById("run-selection");
  var cancel = document.getElementById("run-cancel");
  var nonce = document.querySelector('meta[name="mydba-nonce"]');
  var draftKey = "mydba-query-draft:" + base;
  var lastRun = "", lastSQL = "", running = false;

  var draft = "";
  try { draft = localStorage.getItem(draftKey) || ""; } catch (err) { draft = ""; }
  var saveTimer = 0;
  function saveDraft(text) {
    clearTimeout(saveTimer);
    saveTimer = setTimeout(function () {
      try { localStorage.setItem(draftKey, text); } catch (err) { /* private mode */ }
    }, 400);
  }

  var editor = window.MydbaEditor.create(document.getElementById("editor"), {
    doc: draft,
    dialect: page.getAttribute("data-dialect"),
    schema: {},
    label: "SQL editor",
    nonce: nonce ? nonce.getAttribute("content") : "",
    onRun: function () { run(editor.selection() || editor.text()); },
    onChange: function (text) { saveDraft(text); scheduleScan(); },
  });

  function say(msg) { status.textContent = msg; }

  function setBusy(on) {
    running = on;
    runAll.disabled = on;
    runSel.disabled = on;
    cancel.hidden = !on;
    results.setAttribute("aria-busy", on ? "true" : "false");
  }

  // run sends SQL to the read-only runner; the answer is the result tabs.
  // It uses fetch rather than htmx so that Cancel can abort it quietly
  // (an aborted htmx request logs errors); the answer is swapped in with
  // htmx so its forms work.
  var controller = null;
  function run(sql) {
    if (running) return;
    if (!sql || !sql.trim()) {
      say("Nothing to run: the editor is empty.");
      return;
    }
    lastSQL = sql;
    setBusy(true);
    say("Running…");
    var started = performance.now();
    controller = new AbortController();
    var body = new URLSearchParams({ sql: sql, max_rows: limitSel.value, prev: lastRun });
    window.mydbaFetch(base + "/run", {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", "HX-Request": "true" },
      body: body.toString(),
      signal: controller.signal,
    }).then(function (res) {
      return res.text().then(function (html) {
        htmx.swap(results, html, { swapStyle: "innerHTML" });
        showRun();
        var trigger = res.headers.get("HX-Trigger");
        if (trigger) htmx.trigger(document.body, trigger);
        setBusy(false);
        var took = Math.round(performance.now() - started);
        say(res.ok && results.querySelector(".qrun") ? "Done in " + took + " ms." : "The run failed.");
      });
    }).catch(function (err) {
      setBusy(false);
      say(err.name === "AbortError" ? "Cancelled." : "The run failed: " + err.message);
    });
  }

  runAll.addEventListener("click", function () { run(editor.text()); });
  runSel.addEventListener("click", function () {
    var sel = editor.selection();
    if (!sel) {
      say("Select some SQL first, or use Run all.");
      editor.focus();
      return;
    }
    run(sel);
  });
  cancel.addEventListener("click", function () {
    // Aborting the request ends its context on the server, which stops
    // the statement there.
    if (controller) controller.abort();
  });

  // Ctrl/Cmd+Enter outside the editor (the editor has its own binding).
  document.addEventListener("keydown", function (e) {
    if (e.key !== "Enter" || !(e.ctrlKey || e.metaKey) || e.defaultPrevented) return;
    if (e.target.closest && e.target.closest(".cm-editor, .dialog")) return;
    e.preventDefault();
    run(editor.selection() || editor.text());
  });

  // Result tabs.
  function selectTab(tab, focus) {
    var list = tab.parentNode;
    var tabs = list.querySelectorAll('[role="tab"]');
    for (var i = 0; i < tabs.length; i++) {
      var on = tabs[i] === tab;
      tabs[i].setAttribute("aria-selected", on ? "true" : "false");
      tabs[i].tabIndex = on ? 0 : -1;
      var panel = document.getElementById(tabs[i].getAttribute("aria-controls"));
      if (panel) panel.hidden = !on;
      if (on && panel) window.MydbaGrid.mountAll(panel);
    }
    if (focus) tab.focus();
  }

  // showRun starts a new answer: its run id, its first tab's grids.
  function showRun() {
    var run = results.querySelector(".qrun");
    lastRun = run ? run.getAttribute("data-run") : "";
    var active = results.querySelector('[role="tab"][aria-selected="true"]');
    if (active) selectTab(active, false);
  }

  results.addEventListener("click", function (e) {
    var t = e.target;
    var tab = t.closest('[role="tab"]');
    if (tab) { selectTab(tab, true); return; }
    var raise = t.closest(".raise-limit");
    if (raise) {
      limitSel.value = raise.getAttribute("data-limit");
      run(lastSQL);
    }
  });

  results.addEventListener("keydown", function (e) {
    var tab = e.target.closest && e.target.closest('[role="tab"]');
    if (!tab) return;
    var tabs = Array.prototype.slice.call(tab.parentNode.querySelectorAll('[role="tab"]'));
    var i = tabs.indexOf(tab), next = -1;
    if (e.key === "ArrowRight") next = (i + 1) % tabs.length;
    if (e.key === "ArrowLeft") next = (i - 1 + tabs.length) % tabs.length;
    if (e.key === "Home") next = 0;
    if (e.key === "End") next = tabs.length - 1;
    if (next >= 0) {
      e.preventDefault();
      selectTab(tabs[next], true);
    }
  });

  // Export: the server streams the file; fetched here so an error shows
  // next to the button instead of replacing the page.
  results.addEventListener("change", function (e) {
    if (!e.target.classList.contains("qexport-format")) return;
    var label = e.target.form.querySelector(".qexport-table");
    label.hidden = e.target.value !== "sql";
  });

  results.addEventListener("submit", function (e) {
    var form = e.target;
    if (!form.classList.contains("qexport")) return;
    e.preventDefault();
    var out = form.querySelector(".qexport-status");
    var btn = form.querySelector('button[type="submit"]');
    out.className = "qexport-status muted";
    out.textContent = "Exporting…";
    btn.disabled = true;
    var name = "export";
    window.mydbaFetch(form.getAttribute("action"), {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(new FormData(form)).toString(),
    }).then(function (res) {
      if (!res.ok) return res.text().then(function (t) { throw new Error(t.trim() || res.statusText); });
      var m = /filename="?([^";]+)"?/.exec(res.headers.get("Content-Disposition") || "");
      if (m) name = m[1];
      return res.blob();
    }).then(function (blob) {
      var a = document.createElement("a");
      a.href = URL.createObjectURL(blob);
      a.download = name;
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(function () { URL.revokeObjectURL(a.href); }, 60000);
      out.textContent = "Exported " + blob.size.toLocaleString("en-US") + " bytes as " + name + ".";
    }).catch(function (err) {
      out.className = "qexport-status error";
      out.textContent = "Export failed: " + err.message;
    }).then(function () { btn.disabled = false; });
  });

  // History: replay puts a statement into the editor; it does not run it.
  document.getElementById("history-list").addEventListener("click", function (e) {
    var b = e.target.closest && e.target.closest(".replay");
    if (!b) return;
    editor.setText(b.getAttribute("data-sql"));
    editor.focus();
    say("The statement is in the editor: run it with Ctrl/Cmd+Enter.");
  });

  // Completion: the database's table names once, then the columns of the
  // tables the script names, each fetched once per page.
  var tables = null, columns = {}, asked = {};
  function applySchema() {
    var s = {};
    Object.keys(tables).forEach(function (k) { s[tables[k]] = columns[tables[k]] || []; });
    editor.setSchema(s);
  }
  var scanTimer = 0;
  function scheduleScan() {
    clearTimeout(scanTimer);
    scanTimer = setTimeout(scan, 400);
  }
  function scan() {
    if (!tables) return;
    var words = editor.text().match(/[A-Za-z0-9_$]+/g) || [];
    var want = [];
    for (var i = 0; i < words.length && want.length < 8; i++) {
      var t = tables[words[i].toLowerCase()];
      if (t && !asked[t]) {
        asked[t] = true;
        want.push(t);
      }
    }
    want.forEach(function (t) {
      window.mydbaFetch(base + "/schema/" + encodeURIComponent(t)).then(function (res) {
        return res.ok ? res.json() : null;
      }).then(function (j) {
        if (!j) return;
        columns[t] = j.columns;
        applySchema();
      }).catch(function () { /* completion is a convenience */ });
    });
  }
  if (page.getAttribute("data-database")) {
    window.mydbaFetch(base + "/schema").then(function (res) {
      return res.ok ? res.json() : null;
    }).then(function (j) {
      if (!j) return;
      tables = {};
      j.tables.forEach(function (t) { tables[t.toLowerCase()] = t; });
      applySchema();
      scan();
    }).catch(function () { /* completion is a convenience */ });
  }

  // statementAt is the statement of a script around offset pos: the text
  // between the ";" before and after it, skipping quotes and comments
  // (DELIMITER scripts are not handled: select the statement instead).
  function statementAt(text, pos) {
    var start = 0, i = 0, n = text.length, prev = "";
    while (i < n) {
      var c = text[i];
      if (c === "'" || c === '"' || c === "`") {
        for (i++; i < n && text[i] !== c; i++) if (text[i] === "\\" && c !== "`") i++;
        i++;
      } else if ((c === "-" && text[i + 1] === "-" && /\s/.test(text[i + 2] || " ")) || c === "#") {
        while (i < n && text[i] !== "\n") i++;
      } else if (c === "/" && text[i + 1] === "*") {
        var end = text.indexOf("*/", i + 2);
        i = end < 0 ? n : end + 2;
      } else if (c === ";") {
        var st = text.slice(start, i).trim();
        if (pos <= i && st) return st;
        if (st) prev = st;
        start = ++i;
      } else {
        i++;
      }
    }
    return text.slice(start).trim() || prev;
  }

  // EXPLAIN and Profile open their pages with the statement at hand: the
  // selection, or the statement around the cursor.
  function openWith(url) {
    var sql = editor.selection() || statementAt(editor.text(), editor.view.state.selection.main.head);
    if (!sql.trim()) {
      say("Nothing to send: put the cursor in a statement or select one.");
      return;
    }
    window.location.href = url + "?sql=" + encodeURIComponent(sql);
  }
  var explain = document.getElementById("run-explain");
  if (explain) explain.addEventListener("click", function () { openWith(page.getAttribute("data-explain")); });
  var profile = document.getElementById("run-profile");
  if (profile) profile.addEventListener("click", function () { openWith(page.getAttribute("data-profile-url")); });

  editor.focus();
})();
