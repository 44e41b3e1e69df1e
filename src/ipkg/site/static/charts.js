// ipkg site: draws the chart specifications of the page (<script id="ipkg-charts">) with
// Observable Plot; redraws when the language changes. Bars link to the figures' pages.
(function () {
  "use strict";
  var specs = null;
  function lang() { return window.ipkgLang ? window.ipkgLang() : "en"; }
  function draw() {
    var root = document.body.getAttribute("data-root") || "";
    var L = lang();
    var boxes = document.querySelectorAll("[data-chart]");
    for (var i = 0; i < boxes.length; i++) {
      var box = boxes[i];
      var spec = specs[box.getAttribute("data-chart")];
      if (!spec) continue;
      box.textContent = "";
      box.appendChild(plot(spec, L, root));
      if (box.parentNode && box.parentNode.classList) box.parentNode.classList.add("drawn");
    }
  }
  function pick(d, L) { return d ? (d[L] || d.en || "") : ""; }
  function plot(spec, L, root) {
    var bars = spec.bars.map(function (b) {
      return {
        key: b.key, value: b.value, text: b.text + (b.flag ? " ⚠" : ""), flag: b.flag,
        fx: pick(b.fx, L), x: pick(b.x, L), series: pick(b.series, L),
        href: b.page ? root + b.page : null, title: pick(b.label, L) + ": " + b.text
      };
    });
    var keys = bars.map(function (b) { return b.key; });
    var tick = {};
    var periods = spec.periods > 1;
    var series = spec.areas > 1;
    bars.forEach(function (b) {
      tick[b.key] = periods ? (b.fx + (b.x ? "\n" + b.x : "")) : (b.x || b.fx);
    });
    var longest = Math.max.apply(null, keys.map(function (k) { return String(tick[k]).split("\n").reduce(function (a, l) { return Math.max(a, l.length); }, 0); }));
    var many = keys.length > 1 && longest * 7 > (keys.length > 8 ? 60 : 90);
    var marks = [
      Plot.barY(bars, {
        x: "key", y: "value",
        fill: series ? "series" : "#4e79a7",
        href: "href", title: "title", ariaLabel: "title"
      }),
      // figures flagged by validation: drawn again on top, pale with a red outline
      Plot.barY(bars.filter(function (b) { return b.flag; }), {
        x: "key", y: "value", fill: "#f4b6b6", stroke: "#c00000", strokeWidth: 3,
        href: "href", title: "title", ariaLabel: "title", className: "flagged"
      }),
      Plot.text(bars.filter(function (b) { return !b.flag; }), {
        x: "key", y: "value", text: "text", dy: -7, fontSize: 12, fill: "currentColor", fontWeight: "bold"
      }),
      Plot.text(bars.filter(function (b) { return b.flag; }), {
        x: "key", y: "value", text: "text", dy: -7, fontSize: 12, fill: "#c00000", fontWeight: "bold"
      }),
      Plot.ruleY([0])
    ];
    var maxv = Math.max.apply(null, bars.map(function (b) { return b.value; }).concat([0]));
    if (spec.total) {
      var t = spec.total;
      maxv = Math.max(maxv, t.value);
      var label = (L === "zh" ? "所述总数 " : "stated whole ") + t.text + (t.flag ? " ⚠" : "") +
        (spec.kind === "parts" ? (L === "zh" ? "；各部分合计 " : "; parts sum to ") + (Math.round(spec.sum * 100) / 100) : "");
      marks.push(Plot.ruleY([t.value], { stroke: t.flag ? "#c00000" : "#333", strokeDasharray: "5,4", strokeWidth: 2 }));
      marks.push(Plot.text([t.value], { y: function (d) { return d; }, frameAnchor: "right", dy: -8, text: function () { return label; },
        fill: t.flag ? "#c00000" : "#333", fontSize: 12, fontWeight: "bold", href: function () { return t.page ? root + t.page : null; } }));
    }
    var twoLines = keys.some(function (k) { return String(tick[k]).indexOf("\n") >= 0; });
    var mb = many ? Math.min(150, 24 + longest * 4.8) : (twoLines ? 50 : 40);
    var width = Math.max(360, Math.min(1100, (many ? Math.min(230, Math.max(60, longest * 5.3 - 30)) : 56) + 40 +
      keys.length * (many ? 60 : Math.max(90, longest * 7.5))));
    return Plot.plot({
      width: width, height: 230 + mb, marginRight: 20, marginTop: 28, marginBottom: mb, marginLeft: many ? Math.min(230, Math.max(60, longest * 5.3 - 30)) : 56,
      style: { fontSize: "12px", background: "transparent" },
      x: { domain: keys, tickFormat: function (k) { return tick[k]; }, label: null, tickRotate: many ? -30 : 0 },
      y: { label: pick(spec.unit, L), grid: true, domain: [0, maxv * 1.15 || 1] },
      color: series ? { legend: true, scheme: "tableau10" } : undefined,
      marks: marks
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    var el = document.getElementById("ipkg-charts");
    if (!el || !window.Plot) return;
    specs = JSON.parse(el.textContent);
    draw();
    document.addEventListener("ipkg:lang", function () { if (specs) draw(); });
  });
})();
