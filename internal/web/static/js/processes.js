// Process list island: refresh the list every 2 s unless the user paused
// it, has a session's menu open (the list would close it under their
// pointer), has a safety dialog open, or the tab is hidden. htmx does the
// request (#ps-body listens for "ps-refresh"); this file only decides when.
(function () {
  "use strict";
  var PERIOD = 2000;

  function init() {
    var body = document.getElementById("ps-body");
    if (!body || !window.htmx) return;
    var auto = document.getElementById("ps-auto");
    var now = document.getElementById("ps-refresh-now");
    var state = document.getElementById("ps-state");
    var last = Date.now();

    function pausedBy() {
      if (auto && !auto.checked) return "Paused.";
      if (document.querySelector(".dialog")) return "Paused while the dialog is open.";
      if (body.querySelector("details.row-menu[open]")) return "Paused while a session menu is open.";
      var a = document.activeElement;
      if (a && a.closest && a.closest(".row-menu")) return "Paused while a session menu has focus.";
      return "";
    }
    function refresh() {
      last = Date.now();
      window.htmx.trigger(body, "ps-refresh");
    }

    window.setInterval(function () {
      var why = pausedBy();
      if (state && state.textContent !== why) state.textContent = why;
      if (why || document.hidden || body.classList.contains("htmx-request")) return;
      if (Date.now() - last >= PERIOD) refresh();
    }, 250);
    if (now) now.addEventListener("click", refresh);
    // Count the period from the end of the last refresh, so a slow server
    // is never asked twice at once.
    document.addEventListener("htmx:afterSettle", function (e) {
      if (e.target === body || e.detail.target === body) last = Date.now();
    });
    // One menu at a time; a kill button closes its menu (the dialog that
    // opens keeps the list paused).
    body.addEventListener("toggle", function (e) {
      var d = e.target;
      if (!d.classList || !d.classList.contains("row-menu") || !d.open) return;
      body.querySelectorAll("details.row-menu[open]").forEach(function (o) {
        if (o !== d) o.open = false;
      });
    }, true);
    body.addEventListener("click", function (e) {
      var b = e.target.closest ? e.target.closest(".row-menu button") : null;
      if (b) b.closest("details").open = false;
    });
    body.addEventListener("keydown", function (e) {
      if (e.key !== "Escape") return;
      var d = e.target.closest ? e.target.closest("details.row-menu[open]") : null;
      if (d) {
        d.open = false;
        d.querySelector("summary").focus();
      }
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
