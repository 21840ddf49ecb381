// EXPLAIN island: draws a plan as a tree with d3-hierarchy's layout and
// SVG built with DOM calls (createElementNS, textContent — never markup
// from server data), coloured by the severity of each step's findings.
// Steps are selected by click, Enter, or a pain point of the list; the tree
// zooms (wheel, buttons) and pans (drag, arrow keys move between steps);
// subtrees collapse; search highlights steps by table, key or column; the
// view exports as SVG, PNG (a canvas drawn from the SVG through a blob:
// URL, which the Content-Security-Policy allows for images) or JSON (the
// report as `mydba explain -o json` prints it). The table view is the
// server's HTML; this file only switches to it and links its rows.
(function () {
  "use strict";
  var SVGNS = "http://www.w3.org/2000/svg";
  var NODE_W = 210, NODE_H = 58, GAP_X = 54, GAP_Y = 14;
  var MIN_K = 0.05, MAX_K = 3;
  var LOD_K = 0.35; // below this scale steps are drawn without text
  var PNG_MAX = 8000; // canvas side cap, below every browser's limit
  var SEV_RANK = { info: 1, warning: 2, error: 3 };

  function svgEl(name, attrs, parent) {
    var e = document.createElementNS(SVGNS, name);
    if (attrs) for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (parent) parent.appendChild(e);
    return e;
  }
  function htmlEl(tag, cls, text, parent) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = text;
    if (parent) parent.appendChild(e);
    return e;
  }
  function cut(s, n) {
    s = String(s || "");
    return s.length > n ? s.slice(0, n - 1) + "…" : s;
  }
  // Numbers as the CLI prints them: whole numbers grouped, else two decimals.
  // (By hand: toLocaleString builds a formatter on every call, which costs
  // more than the rest of a step's drawing.)
  function group(s) {
    return s.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  }
  function num(f) {
    if (f === undefined || f === null) return "";
    if (!isFinite(f)) return String(f);
    var neg = f < 0 ? "-" : "";
    f = Math.abs(f);
    if (Number.isInteger(f)) return neg + group(String(f));
    var s = f.toFixed(2).replace(/\.?0+$/, ""), dot = s.indexOf(".");
    return neg + (dot < 0 ? group(s) : group(s.slice(0, dot)) + s.slice(dot));
  }
  function ms(f) {
    if (f === undefined || f === null) return "";
    if (f >= 100) return num(Math.round(f));
    if (f >= 1) return f.toFixed(1);
    return f.toFixed(3);
  }
  function stepLabel(n) {
    var label = n.label || "";
    if (n.kind === "table" && (label === n.table || label === "")) {
      label = "table " + (n.table || "");
      if (n.table_name) label += " (" + n.table_name + ")";
    }
    return label;
  }
  function misestimate(n) {
    if (!n.actual || n.actual.rows === undefined || n.rows === undefined) return 0;
    var est = Math.max(n.rows, 1), act = Math.max(n.actual.rows, 1);
    return est / act >= 10 || act / est >= 10 ? act / est : 0;
  }
  function download(blob, name, root, format) {
    var url = URL.createObjectURL(blob);
    var a = document.createElement("a");
    a.href = url;
    a.download = name;
    a.hidden = true;
    document.body.appendChild(a);
    a.click();
    a.remove();
    window.setTimeout(function () { URL.revokeObjectURL(url); }, 30000);
    // Tests and curious users can see what was exported.
    if (root) root.setAttribute("data-exported", format + ":" + blob.size);
  }

  function initPlan(root) {
    if (root.getAttribute("data-ready")) return;
    root.setAttribute("data-ready", "1");
    var report;
    try {
      report = JSON.parse(root.getAttribute("data-plan"));
    } catch (err) {
      htmlEl("p", "error", "The plan could not be read: " + err.message, root);
      return;
    }
    var plan = report.plan || {};
    if (!plan.root || !window.d3 || !window.d3.hierarchy) {
      htmlEl("p", "error", "The tree cannot be drawn (d3-hierarchy did not load); the table view shows the steps.", root);
      return;
    }
    var scope = root.closest(".plan-result") || document;
    var details = scope.querySelector("#plan-details");
    var tableBox = scope.querySelector("#plan-table");
    var fileBase = root.getAttribute("data-file") || "mydba-plan";
    var analyzed = !!plan.analyzed;

    // Findings by node and each node's severity: the worst of its
    // problems, "good" with only good news (views.nodeSeverities too).
    var byNode = {}, sev = {};
    (report.findings || []).forEach(function (f) {
      if (!f.node) return;
      (byNode[f.node] = byNode[f.node] || []).push(f);
      var cur = sev[f.node];
      if (f.positive) {
        if (!cur) sev[f.node] = "good";
      } else if (!cur || cur === "good" || (SEV_RANK[f.severity] || 0) > (SEV_RANK[cur] || 0)) {
        sev[f.node] = f.severity;
      }
    });
    var nodes = {}, parent = {}, count = 0;
    (function index(n, p) {
      nodes[n.id] = n;
      parent[n.id] = p ? p.id : 0;
      count++;
      (n.children || []).forEach(function (c) { index(c, n); });
    })(plan.root, null);

    var collapsed = new Set();
    var vertical = null; // orientation, chosen on the first render
    var selected = 0;
    var matches = [];
    var matchSet = new Set();
    var matchAt = -1;
    var view = { x: 0, y: 0, k: 1 };
    var bounds = { x0: 0, y0: 0, x1: 0, y1: 0 };
    var pos = {}; // node id -> {x, y}: top-left of its box, in tree space
    var hnodes = {}; // node id -> d3 hierarchy node (visible ones)
    var gEls = {}; // node id -> <g>

    var svg = svgEl("svg", { "class": "plan-svg", role: "group", "aria-label": "Plan tree, " + count + " steps" });
    var gView = svgEl("g", { "class": "viewport" }, svg);
    var gLinks = svgEl("g", { "class": "links" }, gView);
    var gNodes = svgEl("g", { "class": "nodes" }, gView);
    root.appendChild(svg);

    function size() {
      return { w: svg.clientWidth || root.clientWidth || 800, h: svg.clientHeight || 480 };
    }

    function nodeLines(n) {
      var second = n.kind === "table" || n.access ? [n.access, n.key].filter(Boolean).join(" · ") : n.kind;
      if (!second) second = n.kind;
      var third = [];
      if (n.rows !== undefined) third.push("rows " + num(n.rows));
      if (analyzed && n.actual && n.actual.rows !== undefined) third.push("actual " + num(n.actual.rows));
      if (n.actual && n.actual.time_ms !== undefined) third.push(ms(n.actual.time_ms) + " ms");
      else if (n.cost !== undefined) third.push("cost " + num(n.cost));
      return [stepLabel(n), second, third.join(" · ")];
    }
    function ariaLabel(n, lines) {
      var s = "Step " + n.id + ": " + lines.filter(Boolean).join(", ");
      if (sev[n.id]) s += ", " + sev[n.id] + (byNode[n.id] ? " (" + byNode[n.id].length + " findings)" : "");
      if (collapsed.has(n.id)) s += ", collapsed";
      return s;
    }

    // Prototypes of a step's elements, cloned for every step (cloning is
    // several times faster than building each element): with text, and a
    // box alone for views too small to read text in.
    var protoCache = null;
    function prototype() {
      if (protoCache) return protoCache;
      var g = svgEl("g", { "class": "pn", tabindex: "0", role: "button" });
      svgEl("rect", { "class": "pn-box", width: NODE_W, height: NODE_H, rx: 6, ry: 6 }, g);
      var lite = g.cloneNode(true);
      svgEl("text", { "class": "pn-label", x: 8, y: 17 }, g);
      svgEl("text", { "class": "pn-sub", x: 8, y: 34 }, g);
      svgEl("text", { "class": "pn-sub", x: 8, y: 50 }, g);
      var tg = svgEl("g", { "class": "pn-toggle", "aria-hidden": "true" });
      svgEl("circle", { r: 8 }, tg);
      svgEl("path", { d: "M-4,0H4" }, tg);
      protoCache = { node: g, lite: lite, toggle: tg };
      return protoCache;
    }

    // layout places the visible tree, left to right (depth across) or top
    // down (depth downwards).
    function layout(vert) {
      var h = window.d3.hierarchy(plan.root, function (d) {
        return collapsed.has(d.id) ? null : d.children;
      });
      window.d3.tree().nodeSize(vert ? [NODE_W + 24, NODE_H + 44] : [NODE_H + GAP_Y, NODE_W + GAP_X]).separation(function (a, b) {
        return a.parent === b.parent ? 1 : 1.2;
      })(h);
      var L = { h: h, pos: {}, hnodes: {}, bounds: null, links: h.links() };
      var x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
      h.each(function (d) {
        var p = vert ? { x: d.x - NODE_W / 2, y: d.y } : { x: d.y, y: d.x - NODE_H / 2 };
        L.pos[d.data.id] = p;
        L.hnodes[d.data.id] = d;
        x0 = Math.min(x0, p.x); y0 = Math.min(y0, p.y);
        x1 = Math.max(x1, p.x + NODE_W); y1 = Math.max(y1, p.y + NODE_H);
      });
      L.bounds = { x0: x0, y0: y0, x1: x1, y1: y1 };
      return L;
    }
    function fitScale(b) {
      var s = size();
      return Math.min(s.w / (b.x1 - b.x0 + 40), s.h / (b.y1 - b.y0 + 40));
    }

    // relayout lays the tree out again (after a collapse, an expand or a
    // rotation). The first one picks the orientation that shows the plan
    // larger: join chains go down, wide UNIONs across.
    var links = [];
    function relayout() {
      var L;
      if (vertical === null) {
        var across = layout(false), down = layout(true);
        vertical = fitScale(down.bounds) > fitScale(across.bounds);
        L = vertical ? down : across;
      } else {
        L = layout(vertical);
      }
      pos = L.pos;
      hnodes = L.hnodes;
      bounds = L.bounds;
      links = L.links;
      root.setAttribute("data-orientation", vertical ? "down" : "across");
      root.setAttribute("data-visible", String(Object.keys(pos).length));
      root.setAttribute("data-nodes", String(count));
    }

    // Painting draws the steps in and around the view (half a screen
    // further each way), so a big plan costs what is on screen; panning
    // and zooming paint more as they reach the edge. Below LOD_K steps are
    // drawn as boxes without text, which could not be read anyway.
    var painted = null;
    function detailed() { return view.k >= LOD_K; }
    function viewRect(margin) {
      var s = size();
      return { x0: -view.x / view.k - margin, y0: -view.y / view.k - margin, x1: (s.w - view.x) / view.k + margin, y1: (s.h - view.y) / view.k + margin };
    }
    function inRect(p, r) {
      return p.x + NODE_W >= r.x0 && p.x <= r.x1 && p.y + NODE_H >= r.y0 && p.y <= r.y1;
    }
    function stepEl(n, detail) {
      var proto = prototype(), p = pos[n.id];
      var g = (detail ? proto.node : proto.lite).cloneNode(true);
      var lines = nodeLines(n);
      g.setAttribute("class", "pn" + (sev[n.id] ? " sev-" + sev[n.id] : "") + (n.id === selected ? " selected" : "") + (matchSet.has(n.id) ? " match" : ""));
      g.setAttribute("transform", "translate(" + p.x + "," + p.y + ")");
      g.setAttribute("data-node", String(n.id));
      g.setAttribute("aria-label", ariaLabel(n, lines));
      g.setAttribute("aria-pressed", n.id === selected ? "true" : "false");
      if (!detail) return g;
      var t = g.childNodes;
      t[1].textContent = cut("#" + n.id + " " + lines[0], 28);
      t[2].textContent = cut(lines[1], 32);
      t[3].textContent = cut(lines[2], 34);
      if (misestimate(n)) t[3].setAttribute("class", "pn-sub pn-mis");
      if (n.children && n.children.length) {
        var tg = proto.toggle.cloneNode(true);
        tg.setAttribute("transform", "translate(" + (vertical ? NODE_W / 2 + "," + NODE_H : NODE_W + "," + NODE_H / 2) + ")");
        tg.setAttribute("data-toggle", String(n.id));
        if (collapsed.has(n.id)) tg.lastChild.setAttribute("d", "M-4,0H4M0,-4V4");
        g.appendChild(tg);
      }
      return g;
    }
    function linkPath(s, t) {
      if (vertical) {
        var sx = s.x + NODE_W / 2, sy = s.y + NODE_H, tx = t.x + NODE_W / 2, ty = t.y, my = (sy + ty) / 2;
        return "M" + sx + "," + sy + "C" + sx + "," + my + " " + tx + "," + my + " " + tx + "," + ty;
      }
      var ax = s.x + NODE_W, ay = s.y + NODE_H / 2, bx = t.x, by = t.y + NODE_H / 2, mx = (ax + bx) / 2;
      return "M" + ax + "," + ay + "C" + mx + "," + ay + " " + mx + "," + by + " " + bx + "," + by;
    }
    // paint adds the steps that came into range and drops those far out
    // of it; steps already drawn stay (and keep the focus). full redraws
    // everything (new positions, another level of detail).
    function paint(full, everything) {
      var s = size(), detail = everything || detailed();
      var r = everything ? { x0: -Infinity, y0: -Infinity, x1: Infinity, y1: Infinity } : viewRect(Math.max(s.w, s.h) / view.k / 2);
      if (full || !painted || painted.detail !== detail) {
        gNodes.replaceChildren();
        gEls = {};
      }
      var keep = {}, frag = document.createDocumentFragment();
      Object.keys(pos).forEach(function (k) {
        var id = Number(k);
        if (!inRect(pos[id], r) && id !== selected) return;
        keep[id] = true;
        if (!gEls[id]) {
          gEls[id] = stepEl(nodes[id], detail);
          frag.appendChild(gEls[id]);
        }
      });
      Object.keys(gEls).forEach(function (k) {
        if (!keep[k]) {
          gEls[k].remove();
          delete gEls[k];
        }
      });
      gNodes.appendChild(frag);
      var lf = document.createDocumentFragment();
      links.forEach(function (l) {
        var a = l.source.data.id, b = l.target.data.id;
        if (keep[a] || keep[b]) svgEl("path", { "class": "plink", d: linkPath(pos[a], pos[b]) }, lf);
      });
      gLinks.replaceChildren(lf);
      painted = { x0: r.x0, y0: r.y0, x1: r.x1, y1: r.y1, detail: detail };
      root.setAttribute("data-painted", String(Object.keys(gEls).length));
    }
    // apply moves the view, painting what came into it.
    function apply() {
      gView.setAttribute("transform", "translate(" + view.x.toFixed(1) + "," + view.y.toFixed(1) + ") scale(" + view.k.toFixed(4) + ")");
      var r = viewRect(0);
      if (!painted || painted.detail !== detailed() || r.x0 < painted.x0 || r.y0 < painted.y0 || r.x1 > painted.x1 || r.y1 > painted.y1) {
        var t0 = performance.now();
        paint(false);
        root.setAttribute("data-paint-ms", (performance.now() - t0).toFixed(2));
      }
    }

    // render lays out and draws the tree for view v (a function setting
    // the view), and records how long that took — layout, DOM and the
    // browser's own layout of the SVG (forced) — in data-render-ms.
    function render(v, everything) {
      var t0 = performance.now();
      relayout();
      var t1 = performance.now();
      if (v) v();
      gView.setAttribute("transform", "translate(" + view.x.toFixed(1) + "," + view.y.toFixed(1) + ") scale(" + view.k.toFixed(4) + ")");
      paint(true, everything);
      var t2 = performance.now();
      gNodes.getBBox();
      var t3 = performance.now(), took = t3 - t0;
      root.setAttribute("data-render-ms", took.toFixed(2));
      root.setAttribute("data-render-parts", "layout " + (t1 - t0).toFixed(1) + " ms, DOM " + (t2 - t1).toFixed(1) + " ms, browser layout " + (t3 - t2).toFixed(1) + " ms, " + root.getAttribute("data-painted") + " of " + count + " steps drawn");
      return took;
    }

    // setFit, setHome and setCenter choose a view; apply shows it.
    function setFit() {
      var s = size(), bw = bounds.x1 - bounds.x0 + 40, bh = bounds.y1 - bounds.y0 + 40;
      view.k = Math.max(MIN_K, Math.min(1, s.w / bw, s.h / bh));
      view.x = (s.w - (bounds.x1 - bounds.x0) * view.k) / 2 - bounds.x0 * view.k;
      view.y = (s.h - (bounds.y1 - bounds.y0) * view.k) / 2 - bounds.y0 * view.k;
    }
    // setHome shows the whole plan when it fits readably, else the root at
    // a readable size.
    function setHome() {
      var s = size(), k = Math.min(1, s.w / (bounds.x1 - bounds.x0 + 40), s.h / (bounds.y1 - bounds.y0 + 40));
      if (k >= 0.55) {
        setFit();
        return;
      }
      view.k = 0.8;
      var p = pos[plan.root.id];
      if (vertical) {
        view.x = s.w / 2 - (p.x + NODE_W / 2) * view.k;
        view.y = 20 - p.y * view.k;
      } else {
        view.x = 20 - p.x * view.k;
        view.y = s.h / 2 - (p.y + NODE_H / 2) * view.k;
      }
    }
    function setCenter(id) {
      var p = pos[id];
      if (!p) return;
      var s = size();
      view.k = Math.max(view.k, 0.6);
      view.x = s.w / 2 - (p.x + NODE_W / 2) * view.k;
      view.y = s.h / 2 - (p.y + NODE_H / 2) * view.k;
    }
    function fit() { setFit(); apply(); }
    function centerOn(id) { setCenter(id); apply(); }
    function zoomAt(factor, px, py) {
      var k = Math.min(MAX_K, Math.max(MIN_K, view.k * factor));
      view.x = px - (px - view.x) * (k / view.k);
      view.y = py - (py - view.y) * (k / view.k);
      view.k = k;
      apply();
    }

    // reveal expands the collapsed ancestors of a node; true when the tree
    // must be drawn again.
    function reveal(id) {
      var changed = false;
      for (var a = parent[id]; a; a = parent[a]) {
        if (collapsed.delete(a)) changed = true;
      }
      return changed;
    }
    function toggle(id) {
      if (collapsed.has(id)) collapsed.delete(id);
      else collapsed.add(id);
      render(); // the view stays where it is
      // A selected step folded away hands the selection to the step
      // that folded it.
      if (selected && !pos[selected]) select(id, { center: false });
      else if (selected) showDetails(selected);
      if (gEls[id]) gEls[id].focus({ preventScroll: true });
    }

    function select(id, opts) {
      opts = opts || {};
      if (!nodes[id]) return;
      scope.querySelectorAll("[data-node].selected, .finding-link[aria-current]").forEach(function (e) {
        e.classList.remove("selected");
        e.removeAttribute("aria-current");
        if (e.hasAttribute("aria-pressed")) e.setAttribute("aria-pressed", "false");
      });
      selected = id;
      if (reveal(id)) render();
      if (opts.center !== false) centerOn(id);
      else apply();
      if (!gEls[id]) paint(false); // the selected step is always drawn
      var g = gEls[id];
      if (g) {
        g.classList.add("selected");
        g.setAttribute("aria-pressed", "true");
        // The last child draws on top: the selection ring is not hidden.
        gNodes.appendChild(g);
      }
      if (tableBox) {
        var row = tableBox.querySelector('tr[data-node="' + id + '"]');
        if (row) {
          row.classList.add("selected");
          if (opts.scrollRow) row.scrollIntoView({ block: "nearest" });
        }
      }
      scope.querySelectorAll('.finding-link[data-node="' + id + '"]').forEach(function (b) { b.setAttribute("aria-current", "true"); });
      if (opts.focus && g) g.focus({ preventScroll: true });
      showDetails(id);
      root.setAttribute("data-selected", String(id));
    }

    function showDetails(id) {
      if (!details) return;
      var n = nodes[id];
      details.replaceChildren();
      htmlEl("h2", null, "Step " + id + ": " + stepLabel(n), details);
      var dl = htmlEl("dl", "kv", null, details);
      function row(k, v) {
        if (v === undefined || v === null || v === "" || (Array.isArray(v) && !v.length)) return;
        htmlEl("dt", null, k, dl);
        htmlEl("dd", null, Array.isArray(v) ? v.join(", ") : String(v), dl);
      }
      row("Kind", n.kind);
      if (n.table) row("Table", n.table + (n.table_name ? " (" + (n.schema ? n.schema + "." : "") + n.table_name + ")" : ""));
      row("Access", n.access);
      row("Key", n.key);
      row("Key parts", n.key_parts);
      row("Key length", n.key_length);
      row("Possible keys", n.possible_keys);
      row("Ref", n.ref);
      row("Rows (estimate)", n.rows !== undefined ? num(n.rows) + " per scan" : "");
      row("Rows produced", num(n.rows_produced));
      row("Filtered", n.filtered !== undefined ? num(n.filtered) + "%" : "");
      row("Cost", num(n.cost));
      var a = n.actual;
      if (a) {
        row("Actual rows", a.rows !== undefined ? num(a.rows) + " per loop" : "");
        var m = misestimate(n);
        if (m) row("Estimate vs actual", "off by " + (m >= 1 ? num(Math.round(m)) + "x more" : num(Math.round(1 / m)) + "x fewer") + " rows than estimated");
        row("Loops", num(a.loops));
        row("Time", a.time_ms !== undefined ? ms(a.time_ms) + " ms" : "");
        row("First row", a.first_row_ms !== undefined ? ms(a.first_row_ms) + " ms" : "");
        row("Actual filtered", a.filtered !== undefined ? num(a.filtered) + "%" : "");
        if (a.engine_stats) {
          row("Engine", Object.keys(a.engine_stats).sort().map(function (k) { return k + " " + num(a.engine_stats[k]); }));
        }
      }
      row("Condition", n.condition);
      row("Index condition", n.index_condition);
      row("Flags", n.flags);
      (n.notes || []).forEach(function (x) { row("Note", x); });
      var fs = byNode[id] || [];
      if (fs.length) {
        htmlEl("h3", null, fs.length === 1 ? "Finding" : "Findings (" + fs.length + ")", details);
        var ul = htmlEl("ul", "plain node-findings", null, details);
        fs.forEach(function (f) {
          var li = htmlEl("li", "finding sev-" + (f.positive ? "good" : f.severity), null, ul);
          htmlEl("span", "sev", f.positive ? "good" : f.severity, li);
          li.appendChild(document.createTextNode(" "));
          htmlEl("strong", null, f.code, li);
          if (f.evidence) htmlEl("div", null, null, li).appendChild(htmlEl("code", null, f.evidence));
          if (f.why) htmlEl("div", null, f.why, li);
          if (f.fix) htmlEl("div", "fix", f.fix, li);
        });
      }
      if (n.children && n.children.length) {
        var b = htmlEl("button", "plan-collapse", collapsed.has(id) ? "Expand this step's subtree" : "Collapse this step's subtree", details);
        b.type = "button";
        b.addEventListener("click", function () { toggle(id); });
      }
    }

    // Search: steps whose table, key, columns or condition contain the text.
    var searchBox = scope.querySelector(".plan-search");
    var searchCount = scope.querySelector(".plan-search-count");
    function searchText(n) {
      return [n.label, n.table, n.table_name, n.schema, n.key, n.access, n.condition, n.index_condition]
        .concat(n.key_parts || [], n.possible_keys || [], n.ref || []).join("\u0001").toLowerCase();
    }
    function search(q) {
      q = q.trim().toLowerCase();
      matches = [];
      matchAt = -1;
      if (q) {
        Object.keys(nodes).forEach(function (id) {
          if (searchText(nodes[id]).indexOf(q) >= 0) matches.push(Number(id));
        });
        matches.sort(function (a, b) { return a - b; });
      }
      matchSet = new Set(matches);
      markMatches();
      if (searchCount) {
        var hidden = matches.filter(function (id) { return !pos[id]; }).length;
        searchCount.textContent = q ? matches.length + (matches.length === 1 ? " step" : " steps") + (hidden ? " (" + hidden + " in collapsed subtrees)" : "") + (matches.length ? " · Enter for the next" : "") : "";
      }
    }
    function markMatches() {
      Object.keys(gEls).forEach(function (id) { gEls[id].classList.toggle("match", matchSet.has(Number(id))); });
      if (tableBox) tableBox.querySelectorAll("tr[data-node]").forEach(function (r) {
        r.classList.toggle("match", matchSet.has(Number(r.getAttribute("data-node"))));
      });
    }
    if (searchBox) {
      searchBox.addEventListener("input", function () { search(searchBox.value); });
      searchBox.addEventListener("keydown", function (e) {
        if (e.key !== "Enter" || !matches.length) return;
        e.preventDefault();
        matchAt = (matchAt + 1) % matches.length;
        select(matches[matchAt], { scrollRow: true });
      });
    }

    // Pointer: drag pans, a click selects or toggles, the wheel zooms.
    var drag = null;
    svg.addEventListener("pointerdown", function (e) {
      if (e.button !== 0) return;
      drag = { x: e.clientX, y: e.clientY, vx: view.x, vy: view.y, moved: false, id: e.pointerId };
    });
    svg.addEventListener("pointermove", function (e) {
      if (!drag || drag.id !== e.pointerId) return;
      var dx = e.clientX - drag.x, dy = e.clientY - drag.y;
      if (!drag.moved && Math.abs(dx) + Math.abs(dy) < 4) return;
      if (!drag.moved) {
        drag.moved = true;
        svg.setPointerCapture(e.pointerId);
        svg.classList.add("panning");
      }
      view.x = drag.vx + dx;
      view.y = drag.vy + dy;
      apply();
    });
    function endDrag(e) {
      if (!drag || drag.id !== e.pointerId) return;
      var moved = drag.moved;
      drag = null;
      svg.classList.remove("panning");
      if (moved) return;
      var t = e.target.closest ? e.target.closest("[data-toggle]") : null;
      if (t) {
        toggle(Number(t.getAttribute("data-toggle")));
        return;
      }
      var g = e.target.closest ? e.target.closest(".pn") : null;
      if (g) select(Number(g.getAttribute("data-node")), { center: false, scrollRow: true });
    }
    svg.addEventListener("pointerup", endDrag);
    svg.addEventListener("pointercancel", function () { drag = null; svg.classList.remove("panning"); });
    svg.addEventListener("wheel", function (e) {
      e.preventDefault();
      var r = svg.getBoundingClientRect();
      zoomAt(Math.exp(-e.deltaY * 0.0015), e.clientX - r.left, e.clientY - r.top);
    }, { passive: false });

    // Keyboard on a focused step: Enter or Space selects, + and - expand
    // and collapse, arrows move to the parent, first child and siblings.
    gNodes.addEventListener("keydown", function (e) {
      var g = e.target.closest ? e.target.closest(".pn") : null;
      if (!g) return;
      var id = Number(g.getAttribute("data-node")), d = hnodes[id], next = 0;
      // Arrows follow the drawing: towards the root, into the children,
      // along the siblings.
      var key = e.key;
      if (vertical) key = { ArrowUp: "ArrowLeft", ArrowDown: "ArrowRight", ArrowLeft: "ArrowUp", ArrowRight: "ArrowDown" }[key] || key;
      switch (key) {
        case "Enter":
        case " ":
          select(id, { focus: true, scrollRow: true });
          break;
        case "+":
        case "-":
          if (nodes[id].children && nodes[id].children.length && (e.key === "+") === collapsed.has(id)) toggle(id);
          break;
        case "ArrowLeft":
          next = parent[id];
          break;
        case "ArrowRight":
          if (collapsed.has(id)) toggle(id);
          d = hnodes[id];
          if (d && d.children) next = d.children[0].data.id;
          break;
        case "ArrowUp":
        case "ArrowDown":
          if (d && d.parent) {
            var sib = d.parent.children, i = sib.indexOf(d) + (key === "ArrowUp" ? -1 : 1);
            if (i >= 0 && i < sib.length) next = sib[i].data.id;
          }
          break;
        default:
          return;
      }
      e.preventDefault();
      if (next && pos[next]) {
        centerOn(next);
        if (gEls[next]) gEls[next].focus({ preventScroll: true });
      }
    });

    // Toolbar.
    scope.querySelectorAll(".plan-zoom").forEach(function (b) {
      b.addEventListener("click", function () {
        var s = size();
        switch (b.getAttribute("data-zoom")) {
          case "in": zoomAt(1.25, s.w / 2, s.h / 2); break;
          case "out": zoomAt(0.8, s.w / 2, s.h / 2); break;
          case "fit": fit(); break;
          default:
            view.k = 1;
            centerOn(selected || plan.root.id);
        }
      });
    });
    scope.querySelectorAll(".plan-expand").forEach(function (b) {
      b.addEventListener("click", function () {
        if (b.getAttribute("data-expand") === "all") {
          collapsed.clear();
        } else {
          // Collapse every step below the second level that has children.
          Object.keys(nodes).forEach(function (id) {
            var depth = 0;
            for (var a = parent[id]; a; a = parent[a]) depth++;
            if (depth >= 2 && nodes[id].children && nodes[id].children.length) collapsed.add(Number(id));
          });
        }
        if (selected && !pos[selected]) selected = 0;
        render(setHome);
        if (selected) showDetails(selected);
      });
    });
    var rotate = scope.querySelector(".plan-rotate");
    if (rotate) {
      rotate.addEventListener("click", function () {
        vertical = !vertical;
        render(selected ? function () { setCenter(selected); } : setHome);
      });
    }
    var modes = scope.querySelectorAll(".plan-mode");
    modes.forEach(function (b) {
      b.addEventListener("click", function () {
        var table = b.getAttribute("data-mode") === "table";
        modes.forEach(function (o) { o.setAttribute("aria-pressed", String(o === b)); });
        root.hidden = table;
        if (tableBox) tableBox.hidden = !table;
        scope.querySelectorAll(".tree-only").forEach(function (e) { e.hidden = table; });
        if (!table) apply();
      });
    });
    if (tableBox) {
      tableBox.addEventListener("click", function (e) {
        var tr = e.target.closest ? e.target.closest("tr[data-node]") : null;
        if (tr) select(Number(tr.getAttribute("data-node")));
      });
      tableBox.addEventListener("keydown", function (e) {
        if (e.key !== "Enter" && e.key !== " ") return;
        var tr = e.target.closest ? e.target.closest("tr[data-node]") : null;
        if (!tr) return;
        e.preventDefault();
        select(Number(tr.getAttribute("data-node")));
      });
    }
    scope.querySelectorAll(".finding-link").forEach(function (b) {
      b.addEventListener("click", function () {
        select(Number(b.getAttribute("data-node")), { scrollRow: true });
        if (!root.hidden) svg.scrollIntoView({ block: "nearest" });
      });
    });

    // Export: SVG and PNG of the tree as shown (collapsed steps stay
    // collapsed), with the colours the page computed written inline so
    // the file looks the same on its own.
    function standaloneSVG() {
      var m = 20, w = bounds.x1 - bounds.x0 + 2 * m, h = bounds.y1 - bounds.y0 + 2 * m;
      var out = svgEl("svg", { xmlns: SVGNS, width: Math.ceil(w), height: Math.ceil(h), viewBox: "0 0 " + Math.ceil(w) + " " + Math.ceil(h) });
      var bg = window.getComputedStyle(document.body).backgroundColor;
      svgEl("rect", { width: "100%", height: "100%", fill: bg }, out);
      // Every laid-out step, drawn in full inside the page's SVG (hidden)
      // so the page's styles apply, then written inline and moved out.
      var tmp = svgEl("g", { visibility: "hidden" }, gView);
      links.forEach(function (l) {
        svgEl("path", { "class": "plink", d: linkPath(pos[l.source.data.id], pos[l.target.data.id]) }, tmp);
      });
      Object.keys(pos).forEach(function (id) { tmp.appendChild(stepEl(nodes[id], true)); });
      var all = tmp.querySelectorAll("*");
      for (var i = 0; i < all.length; i++) {
        var cs = window.getComputedStyle(all[i]);
        ["fill", "fill-opacity", "stroke", "stroke-width", "stroke-opacity", "stroke-dasharray", "font-family", "font-size", "font-weight"].forEach(function (p) {
          all[i].setAttribute(p, cs.getPropertyValue(p));
        });
      }
      for (i = 0; i < all.length; i++) {
        ["class", "tabindex", "role", "aria-pressed", "data-node", "data-toggle"].forEach(function (a) { all[i].removeAttribute(a); });
      }
      tmp.remove();
      tmp.removeAttribute("visibility");
      tmp.setAttribute("transform", "translate(" + (m - bounds.x0) + "," + (m - bounds.y0) + ")");
      out.appendChild(tmp);
      return { text: new XMLSerializer().serializeToString(out), w: w, h: h };
    }
    function exportAs(format) {
      if (format === "json") {
        download(new Blob([JSON.stringify(report, null, 2) + "\n"], { type: "application/json" }), fileBase + ".json", root, "json");
        return;
      }
      var s = standaloneSVG();
      var svgBlob = new Blob([s.text], { type: "image/svg+xml" });
      if (format === "svg") {
        download(svgBlob, fileBase + ".svg", root, "svg");
        return;
      }
      var scale = Math.min(2, PNG_MAX / s.w, PNG_MAX / s.h);
      var url = URL.createObjectURL(svgBlob);
      var img = new Image();
      img.onload = function () {
        var c = document.createElement("canvas");
        c.width = Math.max(1, Math.floor(s.w * scale));
        c.height = Math.max(1, Math.floor(s.h * scale));
        var ctx = c.getContext("2d");
        ctx.scale(scale, scale);
        ctx.drawImage(img, 0, 0);
        URL.revokeObjectURL(url);
        c.toBlob(function (png) {
          if (png) download(png, fileBase + ".png", root, "png");
          else root.setAttribute("data-exported", "png:failed");
        }, "image/png");
      };
      img.onerror = function () {
        URL.revokeObjectURL(url);
        root.setAttribute("data-exported", "png:failed");
      };
      img.src = url;
    }
    scope.querySelectorAll(".plan-export").forEach(function (b) {
      b.addEventListener("click", function () { exportAs(b.getAttribute("data-format")); });
    });

    // Big plans start with deep subtrees open: the layout copes, and a
    // search or a pain point opens what it needs anyway.
    size(); // the page's own layout happens before the tree's is measured
    render(setHome);
    // A full render at the current view (detail "all": every step, with
    // its text, wherever the view is), for the benchmark in the tests.
    root.addEventListener("mydba-rerender", function (e) { render(null, e.detail === "all"); });
    // The page outlives this result (htmx swaps the next one in): the
    // listener goes with it.
    function onResize() {
      if (!root.isConnected) {
        window.removeEventListener("resize", onResize);
        return;
      }
      if (!root.hidden) apply();
    }
    window.addEventListener("resize", onResize);
  }

  function initDiff(sec) {
    if (sec.getAttribute("data-ready")) return;
    sec.setAttribute("data-ready", "1");
    var b = sec.querySelector(".diff-export");
    if (!b) return;
    b.addEventListener("click", function () {
      var text;
      try {
        text = JSON.stringify(JSON.parse(sec.getAttribute("data-json")), null, 2) + "\n";
      } catch (err) {
        return;
      }
      download(new Blob([text], { type: "application/json" }), (sec.getAttribute("data-file") || "mydba-plan-diff") + ".json", sec, "json");
    });
  }

  function scan() {
    document.querySelectorAll(".plan-view[data-plan]").forEach(initPlan);
    document.querySelectorAll(".plan-diff[data-json]").forEach(initDiff);
  }

  // Ctrl/Cmd+Enter in a statement box runs its form's first button.
  document.addEventListener("keydown", function (e) {
    if (e.key !== "Enter" || !(e.ctrlKey || e.metaKey)) return;
    var t = e.target;
    if (!t || (t.id !== "explain-sql" && t.id !== "diff-sql")) return;
    e.preventDefault();
    var b = t.form && t.form.querySelector("button[type=submit]");
    if (b) b.click();
  });

  document.addEventListener("htmx:afterSettle", scan);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", scan);
  else scan();
})();
