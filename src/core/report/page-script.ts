/**
 * The page's script, inlined (the page has no external assets) and allowed by a hash in the page's
 * Content-Security-Policy, so no other script can run even if some text slipped through escaping. It builds the
 * kernel table from the embedded data with DOM text nodes only (never innerHTML), filters it, moves focus with the
 * keyboard and fills the detail dialog. Plain ES2017: no build step between this file and the browser.
 */
export const PAGE_SCRIPT = `(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("report-data").textContent);
  var tbody = document.getElementById("cells-body");
  var q = document.getElementById("q");
  var fd = document.getElementById("f-distro");
  var fa = document.getElementById("f-arch");
  var fs = document.getElementById("f-status");
  var shown = document.getElementById("shown");
  var dlg = document.getElementById("detail");
  var dlgTitle = document.getElementById("detail-title");
  var dlgBody = document.getElementById("detail-body");
  var PENDING = { "new": "not built yet", queued: "queued", rebuild: "rebuild due" };
  var PENDING_LONG = {
    "new": "not built yet",
    queued: "handed to a build job; no result yet",
    rebuild: "built before for an older cache key (new headers, compiler, image or module source); a rebuild is due"
  };
  var rows = [], keys = [], parts = [], tabStop = null, lastFocus = null, pending = false;

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (tag === "td") e.setAttribute("role", "cell");
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function split(id) {
    var p = id.split("/");
    return { d: p[0] || "", v: p[1] || "", a: p[2] || "", k: p.slice(3).join("/") };
  }
  function status(c) { return data.statuses[c.s]; }
  function why(c) {
    if (c.r && status(c) === "failed") return c.r;
    if (c.w) return PENDING[c.w] || c.w;
    if (c.u) return c.u;
    return "";
  }

  // Search keys are built up front (cheap strings); row elements only when first shown, so a 10,000-kernel page
  // does not build 70,000 elements it may never display.
  data.cells.forEach(function (c, n) {
    var p = split(c.i);
    parts.push(p);
    keys.push((c.i + " " + data.labels[c.s] + " " + status(c) + " " + why(c)).toLowerCase());
  });
  function row(n) {
    if (rows[n]) return rows[n];
    var c = data.cells[n], p = parts[n];
    var tr = el("tr");
    tr.setAttribute("role", "row");
    tr.setAttribute("data-n", String(n));
    tr.tabIndex = -1;
    var k = tr.appendChild(el("td", "k id"));
    k.appendChild(el("span", "kr", p.k));
    k.appendChild(el("span", "tgt", p.d + " " + p.v + " " + p.a));
    tr.appendChild(el("td", "d", p.d));
    tr.appendChild(el("td", "v", p.v));
    tr.appendChild(el("td", "a", p.a));
    var st = tr.appendChild(el("td", "st"));
    st.appendChild(el("span", "badge st-" + status(c), data.labels[c.s]));
    var w = why(c);
    if (w) st.appendChild(el("span", "why", w));
    tr.appendChild(el("td", "t", c.b || c.t || ""));
    rows[n] = tr;
    return tr;
  }

  // Matching rows are shown a page at a time: inserting 10,000 rows costs the browser seconds, a page of them
  // milliseconds, and the search box reaches every row anyway.
  var PAGE = 500, limit = PAGE, matches = [], visible = [];
  var more = document.getElementById("more");
  var all = document.getElementById("show-all");
  function apply(keepLimit) {
    pending = false;
    if (!keepLimit) limit = PAGE;
    var terms = q.value.toLowerCase().split(/\\s+/).filter(Boolean);
    var d = fd.value, a = fa.value, s = fs.value;
    matches = [];
    for (var n = 0; n < parts.length; n++) {
      var p = parts[n];
      var ok = (!d || p.d === d) && (!a || p.a === a) && (!s || status(data.cells[n]) === s);
      for (var t = 0; ok && t < terms.length; t++) ok = keys[n].indexOf(terms[t]) !== -1;
      if (ok) matches.push(n);
    }
    visible = matches.slice(0, limit);
    var frag = document.createDocumentFragment();
    for (var i = 0; i < visible.length; i++) frag.appendChild(row(visible[i]));
    tbody.replaceChildren(frag);
    shown.textContent = visible.length < matches.length
      ? "Showing " + visible.length + " of " + matches.length + " matching kernels (" + parts.length + " in all)"
      : "Showing " + matches.length + " of " + parts.length + " kernels";
    var left = matches.length - visible.length;
    more.hidden = all.hidden = left <= 0;
    more.textContent = "Show " + Math.min(PAGE, left) + " more";
    all.textContent = "Show all " + matches.length;
    if (tabStop === null || visible.indexOf(tabStop) === -1) setTabStop(visible.length ? visible[0] : null);
  }
  more.addEventListener("click", function () { limit += PAGE; apply(true); });
  all.addEventListener("click", function () { limit = matches.length; apply(true); });
  function schedule() {
    if (pending) return;
    pending = true;
    window.requestAnimationFrame(function () { apply(false); });
  }
  [q, fd, fa, fs].forEach(function (f) { f.addEventListener("input", schedule); });

  // Roving focus: exactly one shown row is in the tab order; arrows move it.
  function setTabStop(n) {
    if (tabStop !== null && rows[tabStop]) rows[tabStop].tabIndex = -1;
    tabStop = n;
    if (n !== null) row(n).tabIndex = 0;
  }
  function focusAt(pos) {
    if (visible.length === 0) return;
    var n = visible[Math.max(0, Math.min(visible.length - 1, pos))];
    setTabStop(n);
    row(n).focus();
  }
  tbody.addEventListener("keydown", function (e) {
    var tr = e.target.closest("tr");
    if (!tr) return;
    var n = Number(tr.getAttribute("data-n")), pos = visible.indexOf(n);
    switch (e.key) {
      case "ArrowDown": focusAt(pos + 1); break;
      case "ArrowUp": if (pos === 0) q.focus(); else focusAt(pos - 1); break;
      case "PageDown": focusAt(pos + 10); break;
      case "PageUp": focusAt(pos - 10); break;
      case "Home": focusAt(0); break;
      case "End": focusAt(visible.length - 1); break;
      case "Enter": case " ": open(n); break;
      default: return;
    }
    e.preventDefault();
  });
  tbody.addEventListener("click", function (e) {
    var tr = e.target.closest("tr");
    if (!tr) return;
    var n = Number(tr.getAttribute("data-n"));
    setTabStop(n);
    open(n);
  });
  q.addEventListener("keydown", function (e) {
    if (e.key === "ArrowDown" || e.key === "Enter") { e.preventDefault(); focusAt(0); }
  });
  document.addEventListener("keydown", function (e) {
    var tag = e.target && e.target.tagName;
    if (e.key === "/" && !dlg.open && tag !== "INPUT" && tag !== "SELECT") { e.preventDefault(); q.focus(); }
  });

  function open(n) {
    var c = data.cells[n], p = parts[n];
    dlgTitle.textContent = p.k + " \\u2014 " + p.d + " " + p.v + " " + p.a;
    dlgBody.textContent = "";
    var dl = dlgBody.appendChild(el("dl"));
    function item(label, value, cls) {
      if (value === undefined || value === null || value === "") return null;
      dl.appendChild(el("dt", null, label));
      var dd = dl.appendChild(el("dd", cls));
      if (typeof value === "string") dd.textContent = value; else dd.appendChild(value);
      return dd;
    }
    var st = el("span", "badge st-" + status(c), data.labels[c.s]);
    var stLine = el("span");
    stLine.appendChild(st);
    if (c.r) stLine.appendChild(el("span", "why", c.r));
    item("Status", stLine);
    if (c.w) item("Pending", PENDING_LONG[c.w] || c.w);
    item("Build-exclusive rule", c.u, "mono");
    if (c.n) item("Attempts", String(c.n));
    item("Next retry", c.x);
    item("First seen", c.f);
    item("Recorded", c.t);
    item("Built", c.b);
    item("Build time", c.d);
    item("First seen \\u2192 built", c.q);
    if (c.c !== undefined) item("Compiler", data.compilers[c.c] + (c.m ? " (planned by the matrix; no build metadata)" : ""), "mono");
    if (c.a) {
      var link = c.al ? el("a", null, c.a) : el("span", "mono", c.a);
      if (c.al) link.href = c.a;
      item("Artifact", link, "mono");
    }
    item("sha256", c.z, "mono");
    item("Entry", c.i, "mono");
    if (c.h && c.h.length) {
      dlgBody.appendChild(el("h3", null, "Header packages"));
      var ul = dlgBody.appendChild(el("ul"));
      c.h.forEach(function (i) {
        var hd = data.headers[i];
        var li = ul.appendChild(el("li"));
        var name = hd[0] + (hd[1] ? " " + hd[1] : "");
        var a = li.appendChild(hd[3] ? el("a", "mono", name) : el("span", "mono", name));
        if (hd[3]) a.href = hd[2]; else li.appendChild(el("div", "mono", hd[2]));
        if (hd[5]) li.appendChild(el("span", "why", "from " + hd[5]));
        if (hd[4]) li.appendChild(el("div", "mono why", "sha256 " + hd[4]));
      });
    }
    if (c.l) {
      dlgBody.appendChild(el("h3", null, "Log tail"));
      dlgBody.appendChild(el("pre", null, c.l));
    }
    lastFocus = rows[n];
    dlg.showModal();
  }
  document.getElementById("detail-close").addEventListener("click", function () { dlg.close(); });
  dlg.addEventListener("click", function (e) { if (e.target === dlg) dlg.close(); });
  dlg.addEventListener("close", function () { if (lastFocus) lastFocus.focus(); });

  apply(false);
})();
`;
