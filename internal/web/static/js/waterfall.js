// Profile island: places each stage's bar of the waterfall from its
// offset and duration (fractions of the statement's time, in data
// attributes). Widths are set through element.style, which the
// Content-Security-Policy allows (style attributes in markup it does
// not). A stage too short to see still gets a sliver.
(function () {
  "use strict";

  function place(scope) {
    scope.querySelectorAll(".wf-bar[data-start]:not([data-placed])").forEach(function (bar) {
      var start = Math.min(Math.max(Number(bar.getAttribute("data-start")) || 0, 0), 1);
      var width = Math.min(Math.max(Number(bar.getAttribute("data-width")) || 0, 0), 1 - start);
      bar.style.left = (start * 100).toFixed(3) + "%";
      bar.style.width = "max(2px, " + (width * 100).toFixed(3) + "%)";
      bar.setAttribute("data-placed", "1");
    });
  }

  // Ctrl/Cmd+Enter in the statement box profiles it.
  document.addEventListener("keydown", function (e) {
    if (e.key !== "Enter" || !(e.ctrlKey || e.metaKey) || !e.target || e.target.id !== "profile-sql") return;
    e.preventDefault();
    var b = document.getElementById("profile-run");
    if (b) b.click();
  });
  document.addEventListener("htmx:afterSettle", function () { place(document); });
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", function () { place(document); });
  else place(document);
})();
