// The result grid island: a virtualised table over a result the server
// keeps (see internal/web/query_store.go). Only the rows in view are in
// the DOM, in a fixed pool of row elements that scrolling refills; rows
// arrive as JSON chunks on demand and a bounded number of chunks stay in
// memory, so 100,000 rows scroll like 100. Every value is written with
// textContent: row data and column names are never parsed as HTML.
(function () {
  "use strict";
  var RH = 24;          // row height in px: .qg-row in app.css
  var HEADH = 40;       // header height in px: .qg-hrow in app.css
  var CHUNK = 500;      // rows per request
  var KEEP = 40;        // chunks kept in memory (20,000 rows)
  // Browsers cap an element's height (Chrome near 33.5M px, Firefox
  // 17.9M px). Past MAXH px of rows the scroll bar maps onto the rows
  // proportionally instead of one pixel per pixel.
  var MAXH = 8000000;

  function div(cls, role) {
    var d = document.createElement("div");
    d.className = cls;
    if (role) d.setAttribute("role", role);
    return d;
  }

  function fmt(n) { return Number(n).toLocaleString("en-US"); }

  function Grid(el) {
    this.el = el;
    this.url = el.getAttribute("data-rows-url");
    this.cellUrl = el.getAttribute("data-cell-url");
    this.total = parseInt(el.getAttribute("data-total"), 10) || 0;
    this.chunks = new Map();
    this.loading = new Set();
    this.cols = null;
    this.pool = [];
    this.frame = 0;
    this.build();
    this.load(0);
  }

  Grid.prototype.build = function () {
    var self = this, el = this.el;
    el.textContent = "";
    var sc = this.scroll = div("qg-scroll", "table");
    sc.tabIndex = 0;
    sc.setAttribute("aria-label", el.getAttribute("data-label") || "Rows");
    sc.setAttribute("aria-rowcount", String(this.total + 1));
    this.head = div("qg-head", "rowgroup");
    this.headRow = div("qg-row qg-hrow", "row");
    this.headRow.setAttribute("aria-rowindex", "1");
    this.head.appendChild(this.headRow);
    this.body = div("qg-body", "rowgroup");
    this.inner = div("qg-inner");
    this.body.appendChild(this.inner);
    this.spacer = div("qg-spacer");
    this.spacer.setAttribute("aria-hidden", "true");
    sc.appendChild(this.head);
    sc.appendChild(this.body);
    sc.appendChild(this.spacer);
    this.status = div("qg-status muted");
    this.status.setAttribute("aria-live", "polite");
    this.status.textContent = "Loading rows…";
    el.appendChild(sc);
    el.appendChild(this.status);
    sc.addEventListener("scroll", function () { self.schedule(); }, { passive: true });
    sc.addEventListener("keydown", function (e) {
      if (e.key === "Home" && !e.shiftKey) { sc.scrollTop = 0; e.preventDefault(); }
      if (e.key === "End" && !e.shiftKey) { sc.scrollTop = sc.scrollHeight; e.preventDefault(); }
    });
    this.inner.addEventListener("click", function (e) {
      var cell = e.target.closest ? e.target.closest(".qg-cell.cut") : null;
      if (cell) self.showCell(cell);
    });
    if (window.ResizeObserver) {
      new ResizeObserver(function () { self.layout(); self.schedule(); }).observe(sc);
    }
  };

  // setColumns builds the header and sizes columns from the names, types
  // and the first rows.
  Grid.prototype.setColumns = function (cols, sample) {
    this.cols = cols;
    var widths = [Math.max(48, String(this.total).length * 8 + 20)];
    var hr = this.headRow;
    hr.textContent = "";
    var num = div("qg-cell qg-num", "columnheader");
    num.textContent = "#";
    hr.appendChild(num);
    this.classes = ["qg-cell qg-num"];
    for (var j = 0; j < cols.length; j++) {
      var c = cols[j];
      var typeText = c.type.toLowerCase() + (c.nullable ? "" : " not null");
      // The type may be cut (its full text is the header's title).
      var chars = Math.max(c.name.length + 2, Math.min(typeText.length, 14));
      for (var i = 0; i < sample.length && i < 200; i++) {
        var v = sample[i][j];
        var len = v === null ? 4 : (typeof v === "object" ? 60 : v.length);
        if (len > chars) chars = len;
      }
      widths.push(Math.min(420, Math.max(64, chars * 7.5 + 18)));
      var h = div("qg-cell" + (c.numeric ? " num" : ""), "columnheader");
      var name = document.createElement("span");
      name.className = "qg-name";
      name.textContent = c.name;
      var type = document.createElement("span");
      type.className = "qg-type";
      type.textContent = typeText;
      h.appendChild(name);
      h.appendChild(type);
      h.title = c.name + " " + c.type;
      hr.appendChild(h);
      this.classes.push("qg-cell" + (c.numeric ? " num" : ""));
    }
    var sum = 0;
    this.template = widths.map(function (w) { sum += w; return Math.round(w) + "px"; }).join(" ");
    this.width = Math.round(sum);
    hr.style.gridTemplateColumns = this.template;
    this.head.style.width = this.body.style.width = this.spacer.style.width = this.width + "px";
    // A short result gets a short grid (with room for a horizontal scroll
    // bar); CSS caps the height of long ones.
    this.scroll.style.height = Math.min(MAXH, HEADH + Math.max(1, this.total) * RH + 18) + "px";
    this.layout();
  };

  // layout sizes the body to the view and the spacer to the rows, and
  // keeps one row element per visible row (plus one for the partial row).
  Grid.prototype.layout = function () {
    if (!this.cols) return;
    var h = Math.max(RH, this.scroll.clientHeight - HEADH);
    this.view = h;
    this.fit = Math.max(1, Math.floor(h / RH));
    var full = this.total * RH;
    this.virtual = Math.min(full, MAXH);
    this.scaled = full > MAXH;
    this.body.style.height = h + "px";
    this.spacer.style.height = Math.max(0, this.virtual - h) + "px";
    var want = Math.min(this.total, Math.ceil(h / RH) + 1);
    while (this.pool.length < want) {
      var row = div("qg-row", "row");
      row.style.gridTemplateColumns = this.template;
      for (var j = 0; j <= this.cols.length; j++) {
        var cell = div(this.classes[j], "cell");
        cell.setAttribute("data-col", String(j - 1));
        row.appendChild(cell);
      }
      row._r = -1;
      this.inner.appendChild(row);
      this.pool.push(row);
    }
    while (this.pool.length > want) {
      this.inner.removeChild(this.pool.pop());
    }
  };

  Grid.prototype.schedule = function () {
    var self = this;
    if (this.frame) return;
    this.frame = requestAnimationFrame(function () { self.frame = 0; self.render(); });
  };

  // firstRow maps the scroll position to the first row shown and the
  // pixel offset of that row.
  Grid.prototype.firstRow = function () {
    var st = this.scroll.scrollTop;
    if (!this.scaled) {
      var f = Math.floor(st / RH);
      return [Math.min(f, Math.max(0, this.total - 1)), st - f * RH];
    }
    var max = Math.max(1, this.virtual - this.view);
    var first = Math.round(Math.min(1, st / max) * Math.max(0, this.total - this.fit));
    return [first, 0];
  };

  Grid.prototype.render = function () {
    if (!this.cols) return;
    var fr = this.firstRow(), first = fr[0];
    this.inner.style.transform = "translateY(" + (-fr[1]) + "px)";
    var last = Math.min(this.total, first + this.pool.length) - 1;
    for (var c = Math.floor(first / CHUNK); c <= Math.floor(Math.max(first, last) / CHUNK); c++) this.load(c);
    // Prefetch the next chunk when the view nears its end.
    if ((last + CHUNK / 4) < this.total) this.load(Math.floor((last + CHUNK / 4) / CHUNK));
    for (var i = 0; i < this.pool.length; i++) {
      var row = this.pool[i], r = first + i;
      if (r >= this.total) { row.hidden = true; continue; }
      row.hidden = false;
      if (row._r === r && row._full) continue;
      this.fill(row, r);
    }
    if (this.total === 0) {
      this.status.textContent = "No rows.";
    } else {
      this.status.textContent = "Rows " + fmt(first + 1) + "–" + fmt(Math.min(this.total, first + this.fit)) + " of " + fmt(this.total);
    }
    if (!this.el.hasAttribute("data-ready") && (this.total === 0 || this.pool.length === 0 || this.pool[0]._full)) {
      this.el.setAttribute("data-ready", "1");
      this.el.dispatchEvent(new CustomEvent("mydba-grid-ready", { bubbles: true }));
    }
  };

  Grid.prototype.fill = function (row, r) {
    var chunk = this.chunks.get(Math.floor(r / CHUNK));
    var data = chunk ? chunk[r % CHUNK] : null;
    var cells = row.children;
    row._r = r;
    row._full = !!data;
    row.setAttribute("aria-rowindex", String(r + 2));
    row.className = r % 2 ? "qg-row odd" : "qg-row";
    cells[0].textContent = String(r + 1);
    for (var j = 1; j < cells.length; j++) {
      var cell = cells[j], v = data ? data[j - 1] : "";
      var cls = this.classes[j];
      if (!data) {
        cell.textContent = "";
        cls += " wait";
      } else if (v === null) {
        cell.textContent = "NULL";
        cls += " null";
      } else if (typeof v === "object") {
        cell.textContent = v.v + "…";
        cls += " cut";
        cell.title = "Cut at " + fmt(v.v.length) + " characters of " + fmt(v.n) + " bytes: click to see it all";
      } else {
        cell.textContent = v;
        if (cell.title) cell.title = "";
      }
      if (cell.className !== cls) cell.className = cls;
    }
  };

  Grid.prototype.load = function (c) {
    if (this.chunks.has(c) || this.loading.has(c)) return;
    if (c > 0 && c * CHUNK >= this.total) return;
    var self = this;
    this.loading.add(c);
    window.mydbaFetch(this.url + "?from=" + (c * CHUNK) + "&n=" + CHUNK).then(function (res) {
      return res.json().then(function (j) {
        if (!res.ok) throw new Error(j.error || res.statusText);
        return j;
      });
    }).then(function (j) {
      self.loading.delete(c);
      if (!self.cols) self.setColumns(j.columns, j.rows);
      self.chunks.set(c, j.rows);
      self.evict(c);
      self.render();
    }).catch(function (err) {
      self.loading.delete(c);
      self.status.textContent = "";
      var e = div("error");
      e.setAttribute("role", "alert");
      e.textContent = "Could not load rows: " + err.message;
      self.status.appendChild(e);
    });
  };

  // evict keeps at most KEEP chunks, dropping those farthest from c.
  Grid.prototype.evict = function (c) {
    if (this.chunks.size <= KEEP) return;
    var keys = Array.from(this.chunks.keys()).sort(function (a, b) { return Math.abs(b - c) - Math.abs(a - c); });
    for (var i = 0; i < keys.length - KEEP; i++) this.chunks.delete(keys[i]);
    for (var k = 0; k < this.pool.length; k++) this.pool[k]._full = false;
  };

  // showCell opens a dialog with a whole value the grid shows cut.
  Grid.prototype.showCell = function (cell) {
    var self = this, row = cell.parentNode._r, col = cell.getAttribute("data-col");
    window.mydbaFetch(this.cellUrl + "/" + row + "/" + col).then(function (res) {
      return res.json().then(function (j) {
        if (!res.ok) throw new Error(j.error || res.statusText);
        return j;
      });
    }).then(function (j) {
      var d = div("dialog", "dialog");
      d.setAttribute("aria-modal", "true");
      d.setAttribute("aria-labelledby", "cell-title");
      var h = document.createElement("h2");
      h.id = "cell-title";
      h.textContent = j.column + ", row " + fmt(row + 1);
      var info = document.createElement("p");
      info.className = "muted";
      info.textContent = fmt(j.bytes) + " bytes" + (j.cut ? "; the first MiB is shown (export the query for all of it)" : "");
      var pre = document.createElement("pre");
      pre.className = "ddl cell-value";
      pre.textContent = j.text;
      var close = document.createElement("button");
      close.type = "button";
      close.className = "close-dialog";
      close.textContent = "Close";
      d.appendChild(h);
      d.appendChild(info);
      d.appendChild(pre);
      d.appendChild(close);
      document.body.appendChild(d);
      close.focus();
      close.addEventListener("click", function () { self.scroll.focus(); });
    }).catch(function (err) {
      self.status.textContent = "Could not load the value: " + err.message;
    });
  };

  window.MydbaGrid = {
    // mount starts the grid of el once; a grid in a hidden panel is
    // mounted when its panel is shown.
    mount: function (el) {
      if (!el._grid) el._grid = new Grid(el);
      return el._grid;
    },
    mountAll: function (root) {
      var els = root.querySelectorAll(".qgrid");
      for (var i = 0; i < els.length; i++) window.MydbaGrid.mount(els[i]);
    },
  };
})();
