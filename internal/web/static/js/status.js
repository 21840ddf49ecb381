// Status island: refresh the status body every few seconds (pausable) and
// chart queries and transactions per second since the page opened with
// uPlot. Each refresh is two fresh samples on the server; the chart only
// collects what the page already showed.
(function () {
  "use strict";
  var MAX_POINTS = 240;
  var HEIGHT = 160;

  function init() {
    var body = document.getElementById("status-body");
    if (!body || !window.htmx) return;
    var auto = document.getElementById("status-auto");
    var period = document.getElementById("status-period");
    var now = document.getElementById("status-refresh-now");
    var state = document.getElementById("status-state");
    var chartEl = document.getElementById("status-chart");
    var xs = [], qps = [], tps = [];
    var plot = null;
    var last = Date.now();

    function attr(el, name) {
      var v = el.getAttribute(name);
      return v === null || v === "" ? null : Number(v);
    }
    function cssVar(name, fallback) {
      var v = window.getComputedStyle(document.documentElement).getPropertyValue(name).trim();
      return v || fallback;
    }
    function draw() {
      if (!window.uPlot || !chartEl) return;
      var data = [xs, qps, tps];
      if (plot) {
        plot.setData(data);
        return;
      }
      var muted = cssVar("--muted", "#5f6b78"), line = cssVar("--line", "#d6dbe1");
      plot = new window.uPlot({
        width: chartEl.clientWidth || 800,
        height: HEIGHT,
        scales: { x: { time: true } },
        series: [
          {},
          { label: "queries/s", stroke: cssVar("--accent", "#1f6feb"), width: 2 },
          { label: "transactions/s", stroke: cssVar("--ok", "#1a7f37"), width: 2 }
        ],
        axes: [
          { stroke: muted, grid: { stroke: line } },
          { stroke: muted, grid: { stroke: line } }
        ]
      }, data, chartEl);
    }
    function sample() {
      var s = body.querySelector(".status-sample");
      if (!s) return;
      var at = attr(s, "data-at") / 1000;
      if (xs.length && at <= xs[xs.length - 1]) return;
      xs.push(at);
      qps.push(attr(s, "data-qps"));
      tps.push(attr(s, "data-tps"));
      if (xs.length > MAX_POINTS) {
        xs.shift(); qps.shift(); tps.shift();
      }
      draw();
    }
    function pausedBy() {
      return auto && !auto.checked ? "Paused." : "";
    }
    function refresh() {
      last = Date.now();
      window.htmx.trigger(body, "status-refresh");
    }

    document.addEventListener("htmx:afterSettle", function (e) {
      if (e.target !== body && e.detail.target !== body) return;
      last = Date.now();
      body.setAttribute("aria-busy", "false");
      sample();
    });
    window.setInterval(function () {
      var why = pausedBy();
      if (state && state.textContent !== why) state.textContent = why;
      if (why || document.hidden || body.classList.contains("htmx-request")) return;
      var ms = (Number(period && period.value) || 5) * 1000;
      if (Date.now() - last >= ms) refresh();
    }, 250);
    if (now) now.addEventListener("click", refresh);
    window.addEventListener("resize", function () {
      if (plot && chartEl) plot.setSize({ width: chartEl.clientWidth, height: HEIGHT });
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
