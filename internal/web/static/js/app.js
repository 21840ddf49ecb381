// mydba's page glue. Loaded as a file (the Content-Security-Policy allows
// no inline script): CSRF header on htmx requests, error fragments shown,
// the connection picker and the theme toggle.
(function () {
  "use strict";
  var meta = function (name) {
    var m = document.querySelector('meta[name="' + name + '"]');
    return m ? m.getAttribute("content") : "";
  };
  var csrf = meta("mydba-csrf");

  document.addEventListener("htmx:configRequest", function (e) {
    e.detail.headers["X-Mydba-Csrf"] = csrf;
  });

  // htmx leaves 4xx/5xx responses unswapped; ours carry a readable error
  // fragment, so show it where the content would have gone.
  document.addEventListener("htmx:beforeSwap", function (e) {
    var st = e.detail.xhr.status;
    if (st >= 400 && st < 600) {
      e.detail.shouldSwap = true;
      e.detail.isError = false;
    }
  });

  // Fetch helper for islands (JSON API), with the CSRF header.
  window.mydbaFetch = function (url, opts) {
    opts = opts || {};
    opts.headers = Object.assign({ "X-Mydba-Csrf": csrf }, opts.headers || {});
    opts.credentials = "same-origin";
    return fetch(url, opts);
  };

  document.addEventListener("DOMContentLoaded", function () {
    var picker = document.getElementById("profile-picker");
    if (picker) {
      picker.addEventListener("change", function () {
        if (!picker.value) return;
        var section = picker.getAttribute("data-section");
        if (!section || section === "connections") section = "explorer";
        window.location.href = "/c/" + encodeURIComponent(picker.value) + "/" + section;
      });
    }
    var root = document.documentElement;
    var saved = null;
    try { saved = localStorage.getItem("mydba-theme"); } catch (err) { saved = null; }
    if (saved) root.setAttribute("data-theme", saved);
    var toggle = document.getElementById("theme-toggle");
    if (toggle) {
      toggle.addEventListener("click", function () {
        var cur = root.getAttribute("data-theme") ||
          (window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light");
        var next = cur === "dark" ? "light" : "dark";
        root.setAttribute("data-theme", next);
        try { localStorage.setItem("mydba-theme", next); } catch (err) { /* private mode */ }
      });
    }
  });
})();

// Safety dialogs: Close/Cancel removes the dialog; Escape too.
document.addEventListener("click", function (e) {
  var t = e.target;
  if (t && t.classList && t.classList.contains("close-dialog")) {
    var d = t.closest(".dialog");
    if (d) d.remove();
  }
});
document.addEventListener("keydown", function (e) {
  if (e.key === "Escape") {
    var d = document.querySelector(".dialog");
    if (d) d.remove();
  }
});
// htmx binds new content a moment after swapping it in; a dialog says when
// its buttons work (data-ready), so tests and scripts need not guess.
document.addEventListener("htmx:load", function (e) {
  var t = e.target;
  if (t && t.classList && t.classList.contains("dialog")) t.setAttribute("data-ready", "");
  if (t && t.querySelectorAll) t.querySelectorAll(".dialog").forEach(function (d) { d.setAttribute("data-ready", ""); });
});
// Focus the first field of a dialog when it appears.
document.addEventListener("htmx:afterSwap", function (e) {
  var d = e.detail.target && e.detail.target.querySelector ? e.detail.target.querySelector(".dialog input:not([type=hidden]), .dialog button") : null;
  if (d) d.focus();
});
