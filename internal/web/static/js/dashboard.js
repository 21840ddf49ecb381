// Monitoring dashboard island: charts (uPlot) of a connection's history
// from the state store, live updates over server-sent events, time ranges
// from 5 minutes to 90 days, zoom by dragging, and annotations (restarts,
// variable changes, gaps) drawn as vertical marks. Nothing here queries
// the server being monitored: the monitor in `mydba serve` does.
(function () {
  "use strict";
  var root = document.getElementById("dashboard");
  if (!root || !window.uPlot) return;

  var seriesURL = root.getAttribute("data-series-url");
  var liveURL = root.getAttribute("data-live-url");
  var names = root.getAttribute("data-names");
  var range = root.getAttribute("data-range");
  var zoom = null; // {from, to} in Unix seconds while zoomed
  var plots = {}; // chart id -> {u, names, data}
  var events = [];
  var ranges = { "5m": 300, "15m": 900, "1h": 3600, "6h": 21600, "24h": 86400, "7d": 604800, "30d": 2592000, "90d": 7776000 };
  var stateEl = document.getElementById("dash-state");
  var palette = ["--accent", "#d9480f", "#2b8a3e", "#862e9c", "#e67700", "#1864ab"];
  var loadSeq = 0;
  // xr is the time axis' span: the whole range asked for, not just the
  // part that has samples, so a fresh monitor's first minutes sit at the
  // right edge.
  var xr = null;

  function cssVar(name, fallback) {
    var v = window.getComputedStyle(document.documentElement).getPropertyValue(name).trim();
    return v || fallback;
  }
  function color(i) {
    var c = palette[i % palette.length];
    return c.charAt(0) === "-" ? cssVar(c, "#1f6feb") : c;
  }
  function fmt(v, digits) {
    if (v === null || v === undefined || isNaN(v)) return "–";
    return Number(v).toFixed(digits);
  }
  function setText(id, s) {
    var el = document.getElementById(id);
    if (el) el.textContent = s;
  }
  function live() { return zoom === null; }

  // Annotations as vertical lines across every chart.
  function drawEvents(u) {
    if (!events.length) return;
    var ctx = u.ctx, top = u.bbox.top, h = u.bbox.height;
    ctx.save();
    ctx.lineWidth = 1;
    events.forEach(function (e) {
      var t = Date.parse(e.at) / 1000;
      var x = Math.round(u.valToPos(t, "x", true));
      if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) return;
      ctx.strokeStyle = e.kind === "restart" ? "#c92a2a" : e.kind === "gap" ? "#868e96" : "#e67700";
      ctx.setLineDash(e.kind === "gap" ? [4, 4] : []);
      ctx.beginPath();
      ctx.moveTo(x, top);
      ctx.lineTo(x, top + h);
      ctx.stroke();
    });
    ctx.restore();
  }

  function onSelect(u) {
    if (u.select.width < 5) return;
    var from = u.posToVal(u.select.left, "x"), to = u.posToVal(u.select.left + u.select.width, "x");
    u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
    zoom = { from: from, to: to };
    document.getElementById("dash-reset-zoom").hidden = false;
    load();
  }

  function build(el, set) {
    var id = el.id;
    var want = el.getAttribute("data-series").split(",");
    var data = [set.times.slice()];
    var series = [{}];
    want.forEach(function (n, i) {
      data.push((set.series[n] || set.times.map(function () { return null; })).slice());
      series.push({ label: n, stroke: color(i), width: 1.5, spanGaps: false, points: { show: false },
        value: function (u, v) { return fmt(v, 2); } });
    });
    if (plots[id]) plots[id].u.destroy();
    el.textContent = "";
    var width = Math.max(el.clientWidth || 0, 280);
    var scales = { x: { time: true, range: function (u, min, max) { return xr || [min, max]; } } };
    // A percentage is read against its whole scale, not auto-ranged.
    if (el.getAttribute("data-unit") === "%") scales.y = { range: [0, 100] };
    var u = new window.uPlot({
      width: width, height: 180,
      series: series,
      scales: scales,
      cursor: { drag: { x: true, y: false, setScale: false } },
      legend: { live: true },
      hooks: { draw: [drawEvents], setSelect: [onSelect] }
    }, data, el);
    plots[id] = { u: u, names: want, data: data };
    el.setAttribute("data-points", String(set.times.length));
  }

  function showEvents() {
    var ul = document.getElementById("dash-events");
    ul.textContent = "";
    if (!events.length) {
      var li = document.createElement("li");
      li.className = "muted";
      li.textContent = "None in this range.";
      ul.appendChild(li);
      return;
    }
    events.slice(-50).reverse().forEach(function (e) {
      var li = document.createElement("li");
      li.className = "ev-" + e.kind;
      var t = document.createElement("time");
      t.textContent = new Date(e.at).toLocaleString();
      li.appendChild(t);
      li.appendChild(document.createTextNode(" " + e.title + (e.detail ? " — " + e.detail : "")));
      ul.appendChild(li);
    });
  }

  function load() {
    var seq = ++loadSeq;
    var q = "?names=" + encodeURIComponent(names) + "&points=" + Math.min(2000, Math.max(100, Math.round(root.clientWidth || 600)));
    q += zoom ? "&from=" + zoom.from + "&to=" + zoom.to : "&range=" + encodeURIComponent(range);
    stateEl.textContent = "Loading…";
    fetch(seriesURL + q, { credentials: "same-origin" }).then(function (r) {
      return r.json().then(function (b) { return { ok: r.ok, body: b }; });
    }).then(function (res) {
      if (seq !== loadSeq) return;
      if (!res.ok) { stateEl.textContent = res.body.error || "could not load the history"; return; }
      var set = res.body;
      xr = [Date.parse(set.from) / 1000, Date.parse(set.to) / 1000];
      events = set.events || [];
      document.querySelectorAll(".dash-chart").forEach(function (el) { build(el, set); });
      showEvents();
      var notes = (set.notes || []).join(" ");
      stateEl.textContent = (zoom ? "Zoomed" : "Last " + range) + " · " + set.tier + " history, " + Math.round(set.step_ns / 1e9) + " s per point" + (live() ? " · live" : "");
      if (notes) setText("dash-notes", notes);
    }).catch(function (err) {
      if (seq === loadSeq) stateEl.textContent = "could not load the history: " + err;
    });
  }

  function updateCard(st, sample) {
    if (st) {
      setText("dash-server", st.connected ? (st.server.flavor + " " + st.server.version) : (st.error ? "not connected: " + st.error : "connecting…"));
      var ok = 0;
      var ul = document.getElementById("dash-health-list");
      ul.textContent = "";
      (st.health || []).forEach(function (h) {
        if (h.state === "ok") ok++;
        if (h.state !== "ok") {
          var li = document.createElement("li");
          li.textContent = h.name + ": " + h.state + (h.error ? " — " + h.error : "");
          ul.appendChild(li);
        }
      });
      setText("dash-health", ok + " of " + (st.health || []).length + " collectors OK");
      var notes = (st.notes || []).slice();
      if (st.store_error) notes.unshift(st.store_error);
      setText("dash-notes", notes.join(" · "));
    }
    if (sample) {
      var v = sample.values;
      setText("dash-uptime", fmt(v.uptime_seconds, 0) + " s");
      setText("dash-qps", fmt(v.qps, 1));
      setText("dash-tps", fmt(v.tps, 1));
      setText("dash-conn", fmt(v.threads_connected, 0) + " of " + fmt(v.max_connections, 0));
      setText("dash-running", fmt(v.threads_running, 0));
      setText("dash-last", new Date(sample.at).toLocaleTimeString());
    }
  }

  // A live sample is appended to the charts when the range is short
  // enough to show single samples; longer ranges reload every minute.
  var lastReload = Date.now();
  function append(sample) {
    if (!live()) return;
    if (ranges[range] > 3600) {
      if (Date.now() - lastReload > 60000) { lastReload = Date.now(); load(); }
      return;
    }
    var t = Date.parse(sample.at) / 1000, from = t - ranges[range];
    xr = [from, Math.max(t, xr ? xr[1] : t)];
    Object.keys(plots).forEach(function (id) {
      var p = plots[id], d = p.data;
      if (d[0].length && t <= d[0][d[0].length - 1]) return;
      d[0].push(t);
      p.names.forEach(function (n, i) {
        var v = sample.values[n];
        d[i + 1].push(v === undefined ? null : v);
      });
      while (d[0].length && d[0][0] < from) d.forEach(function (a) { a.shift(); });
      p.u.setData(d);
      document.getElementById(id).setAttribute("data-points", String(d[0].length));
    });
  }

  function connect() {
    if (!window.EventSource) return;
    var es = new EventSource(liveURL);
    es.addEventListener("update", function (ev) {
      var u;
      try { u = JSON.parse(ev.data); } catch (e) { return; }
      updateCard(u.state, u.sample);
      if (u.events && u.events.length && live()) {
        events = events.concat(u.events);
        showEvents();
      }
      if (u.sample) {
        append(u.sample);
        root.setAttribute("data-updates", String(Number(root.getAttribute("data-updates")) + 1));
      }
    });
    // Whatever happened between the history's load and this stream's
    // start (the first sample and its "monitoring started" mark, or a
    // reconnect's gap) is only in the history: read it again.
    es.addEventListener("open", function () { if (live()) load(); });
    // EventSource reconnects by itself (the server ends each stream
    // after a while); nothing to do on error.
  }

  document.querySelectorAll(".dash-range").forEach(function (b) {
    b.addEventListener("click", function () {
      range = b.getAttribute("data-range");
      zoom = null;
      document.getElementById("dash-reset-zoom").hidden = true;
      document.querySelectorAll(".dash-range").forEach(function (o) { o.setAttribute("aria-pressed", String(o === b)); });
      var u = new URL(window.location.href);
      u.searchParams.set("range", range);
      window.history.replaceState(null, "", u.toString());
      load();
    });
  });
  document.getElementById("dash-reset-zoom").addEventListener("click", function () {
    zoom = null;
    this.hidden = true;
    load();
  });
  var resizeTimer = null;
  window.addEventListener("resize", function () {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(function () {
      Object.keys(plots).forEach(function (id) {
        var el = document.getElementById(id);
        plots[id].u.setSize({ width: Math.max(el.clientWidth, 280), height: 180 });
      });
    }, 150);
  });

  load();
  connect();
})();
