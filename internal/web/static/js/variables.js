// Variables island: a value the preview refuses (dba.Validate's message,
// a 400) is shown next to the field it came from instead of in the dialog
// slot; a good value opens the safety dialog as usual.
(function () {
  "use strict";
  document.addEventListener("htmx:beforeSwap", function (e) {
    var cfg = e.detail.requestConfig;
    var elt = cfg && cfg.elt;
    var form = elt && elt.closest ? elt.closest(".var-form") : null;
    if (!form) return;
    var box = form.querySelector(".var-error");
    if (!box) return;
    if (e.detail.xhr.status >= 400) {
      e.detail.shouldSwap = true;
      e.detail.isError = false;
      e.detail.target = box;
    } else {
      box.textContent = "";
    }
  });
})();
