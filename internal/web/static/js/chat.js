// The assistant's chat panel (views/chat.templ). A message is POSTed with
// fetch and the answer read as server-sent events from the response:
// "text" pieces are appended as text (never HTML: the model's words are
// data), "done" carries the turn rendered and escaped by the server (with
// the proposals' buttons into the safety gate), "error" a message.
(function () {
  "use strict";

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("chat-form");
    if (!form) return;
    var log = document.getElementById("chat-log");
    var input = document.getElementById("chat-input");
    var conv = document.getElementById("chat-conversation");
    var send = document.getElementById("chat-send");
    var busy = document.getElementById("chat-busy");
    var allowData = document.getElementById("chat-allow-data");

    var el = function (tag, cls, text) {
      var n = document.createElement(tag);
      if (cls) n.className = cls;
      if (text !== undefined) n.textContent = text;
      return n;
    };

    var setBusy = function (on) {
      send.disabled = on;
      busy.hidden = !on;
    };

    // parseEvents splits the buffered stream into complete events and
    // returns what is left over.
    var parseEvents = function (buf, onEvent) {
      var i;
      while ((i = buf.indexOf("\n\n")) >= 0) {
        var block = buf.slice(0, i);
        buf = buf.slice(i + 2);
        var name = "message", data = "";
        block.split("\n").forEach(function (line) {
          if (line.indexOf("event: ") === 0) name = line.slice(7);
          else if (line.indexOf("data: ") === 0) data += line.slice(6);
        });
        var value = null;
        try { value = JSON.parse(data); } catch (err) { value = null; }
        onEvent(name, value);
      }
      return buf;
    };

    var submit = function () {
      var text = input.value.trim();
      if (!text || send.disabled) return;
      var body = new URLSearchParams(new FormData(form));
      var user = el("div", "chat-msg user");
      user.appendChild(el("p", "chat-p", text));
      log.appendChild(user);
      var live = el("div", "chat-msg assistant live");
      var liveText = el("p", "chat-p chat-stream", "");
      live.appendChild(liveText);
      log.appendChild(live);
      live.scrollIntoView({ block: "end" });
      input.value = "";
      if (allowData) allowData.checked = false;
      setBusy(true);
      var finished = false;
      var onEvent = function (name, value) {
        if (name === "text" && typeof value === "string") {
          liveText.textContent += value;
          return;
        }
        if (name === "done" && value) {
          finished = true;
          user.remove();
          live.remove();
          var holder = document.createElement("div");
          // Server-rendered and escaped by templ; no script can run
          // (the Content-Security-Policy allows only our files).
          holder.innerHTML = value.html;
          while (holder.firstChild) {
            var n = holder.firstChild;
            log.appendChild(n);
            if (n.nodeType === 1 && window.htmx) window.htmx.process(n);
          }
          conv.value = String(value.conversation);
          var u = new URL(window.location.href);
          u.searchParams.set("id", String(value.conversation));
          u.searchParams.delete("sql");
          window.history.replaceState(null, "", u.pathname + u.search);
          log.lastElementChild && log.lastElementChild.scrollIntoView({ block: "end" });
          return;
        }
        if (name === "error") {
          finished = true;
          live.classList.remove("live");
          live.replaceChildren(el("p", "error", value && value.message ? value.message : "the request failed"));
          live.firstChild.setAttribute("role", "alert");
        }
      };
      window.mydbaFetch(form.getAttribute("data-send-url"), {
        method: "POST",
        body: body,
        headers: { "Accept": "text/event-stream" }
      }).then(function (resp) {
        if (!resp.ok || !resp.body) {
          return resp.text().then(function (t) {
            // DOMParser neither runs scripts nor loads anything.
            var d = new DOMParser().parseFromString(t, "text/html");
            onEvent("error", { message: (d.body.textContent || "").trim() || ("HTTP " + resp.status) });
          });
        }
        var reader = resp.body.getReader();
        var dec = new TextDecoder();
        var buf = "";
        var pump = function () {
          return reader.read().then(function (r) {
            if (r.done) {
              parseEvents(buf + "\n\n", onEvent);
              if (!finished) onEvent("error", { message: "the answer stopped before it was complete" });
              return;
            }
            buf = parseEvents(buf + dec.decode(r.value, { stream: true }), onEvent);
            return pump();
          });
        };
        return pump();
      }).catch(function (err) {
        onEvent("error", { message: "the request failed: " + err });
      }).finally(function () {
        setBusy(false);
        input.focus();
      });
    };

    form.addEventListener("submit", function (e) {
      e.preventDefault();
      submit();
    });
    input.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
        e.preventDefault();
        submit();
      }
    });
    if (log.lastElementChild) log.lastElementChild.scrollIntoView({ block: "end" });
  });
})();
