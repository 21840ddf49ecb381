// Top queries island: column headers re-rank through the form (the
// server orders, in SQL, before its LIMIT), and each digest gets a trend
// sparkline (uPlot) from the snapshots mydba stored, drawn as rows scroll
// into view. The series come from the state store, never the server.
(function () {
  "use strict";
  var W = 120, H = 30;
  var plots = [];

  function cssVar(name, fallback) {
    var v = window.getComputedStyle(document.documentElement).getPropertyValue(name).trim();
    return v || fallback;
  }

  // values is the chart's series for one digest: executions per second,
  // average latency (ms) or latency per second, by the order in effect.
  function values(metric, s, seconds) {
    return s.count.map(function (c, i) {
      var ns = s.total_time_ns[i], sec = seconds[i] || 1;
      if (metric === "count") return c / sec;
      if (metric === "avg") return c ? ns / c / 1e6 : null;
      return ns / 1e9 / sec;
    });
  }
  function fmt(metric, v) {
    if (v === null || v === undefined) return "–";
    if (metric === "count") return v.toFixed(v < 10 ? 2 : 0) + "/s";
    if (metric === "avg") return v.toFixed(v < 10 ? 3 : 1) + " ms";
    return v.toFixed(v < 1 ? 4 : 2) + " s/s";
  }

  function destroy() {
    plots.forEach(function (p) { p.destroy(); });
    plots = [];
  }

  function draw(data, series, metric, cell) {
    var i = Number(cell.getAttribute("data-row"));
    var s = series.series[i];
    if (!s || cell.getAttribute("data-drawn")) return;
    cell.setAttribute("data-drawn", "1");
    var ys = values(metric, s, series.seconds);
    var xs = series.at.map(function (t) { return Date.parse(t) / 1000; });
    var known = ys.filter(function (v) { return v !== null; });
    var last = ys.length ? ys[ys.length - 1] : null;
    cell.setAttribute("role", "img");
    cell.setAttribute("aria-label", "Trend over " + ys.length + " intervals: last " + fmt(metric, last) +
      (known.length ? ", min " + fmt(metric, Math.min.apply(null, known)) + ", max " + fmt(metric, Math.max.apply(null, known)) : ""));
    cell.title = cell.getAttribute("aria-label");
    var stroke = cssVar("--accent", "#1f6feb");
    plots.push(new window.uPlot({
      width: W, height: H,
      cursor: { show: false }, legend: { show: false }, select: { show: false },
      axes: [{ show: false }, { show: false }],
      // A little room under zero, so a digest that did not run shows a
      // flat line rather than nothing.
      scales: { x: { time: true }, y: { range: function (u, min, max) { var top = max > 0 ? max * 1.1 : 1; return [-top * 0.1, top]; } } },
      series: [{}, { stroke: stroke, width: 1.5, fill: stroke + "22", spanGaps: true, points: { show: ys.length < 3, size: 4 } }]
    }, [xs, ys], cell));
    data.setAttribute("data-sparks", String(plots.length));
  }

  function sparklines() {
    var data = document.getElementById("top-data");
    if (!data || data.getAttribute("data-series-state") || !window.uPlot || !window.mydbaFetch) return;
    if (Number(data.getAttribute("data-snapshots")) < 2) {
      data.setAttribute("data-series-state", "none");
      return;
    }
    data.setAttribute("data-series-state", "loading");
    var metric = data.getAttribute("data-metric");
    window.mydbaFetch(data.getAttribute("data-series-url"), {
      method: "POST", headers: { "Content-Type": "application/json" }, body: data.getAttribute("data-keys")
    }).then(function (r) {
      return r.json().then(function (j) {
        if (!r.ok) throw new Error(j.error || "HTTP " + r.status);
        return j;
      });
    }).then(function (series) {
      var cells = data.querySelectorAll(".spark[data-row]");
      if (!("IntersectionObserver" in window)) {
        cells.forEach(function (c) { draw(data, series, metric, c); });
      } else {
        var io = new IntersectionObserver(function (entries) {
          entries.forEach(function (e) {
            if (!e.isIntersecting) return;
            io.unobserve(e.target);
            draw(data, series, metric, e.target);
          });
        }, { rootMargin: "200px" });
        cells.forEach(function (c) { io.observe(c); });
      }
      data.setAttribute("data-series-state", "ready");
    }).catch(function (err) {
      data.setAttribute("data-series-state", "error");
      var p = document.getElementById("top-trend-state");
      if (p) p.textContent = "Trends unavailable: " + err.message;
    });
  }

  function init() {
    var form = document.getElementById("top-form");
    var body = document.getElementById("top-body");
    if (!form || !body) return;
    // A column header ranks by its order: through the form, so the
    // select, the address and the list agree.
    body.addEventListener("click", function (e) {
      var a = e.target.closest ? e.target.closest("a.sort[data-by]") : null;
      if (!a || !window.htmx) return;
      e.preventDefault();
      var by = document.getElementById("top-by");
      if (by) by.value = a.getAttribute("data-by");
      form.requestSubmit();
    });
    document.addEventListener("htmx:beforeSwap", function (e) {
      if (e.detail.target === body) destroy();
    });
    document.addEventListener("htmx:afterSettle", function (e) {
      if (e.detail.target === body) sparklines();
    });
    sparklines();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
