// ipkg site: client-side search over labels and alternative labels (static/search-index.js).
(function () {
  "use strict";
  function norm(s) { return (s || "").toLowerCase().normalize("NFKC").replace(/\s+/g, " ").trim(); }
  var index = (window.IPKG_SEARCH || []).map(function (d) {
    return { d: d, names: [d.en, d.zh].concat(d.alt || []).map(norm), curie: norm(d.c) };
  });
  function score(item, q) {
    var best = 99;
    for (var i = 0; i < item.names.length; i++) {
      var n = item.names[i];
      if (n === q) best = Math.min(best, i < 2 ? 0 : 1);
      else if (n.indexOf(q) === 0) best = Math.min(best, 2);
      else if (n.indexOf(q) > 0) best = Math.min(best, 3);
    }
    if (item.curie.indexOf(q) >= 0) best = Math.min(best, 4);
    return best;
  }
  function search(q) {
    q = norm(q);
    if (!q) return [];
    var words = q.split(" ");
    var hits = [];
    index.forEach(function (item) {
      var s = score(item, q);
      if (s === 99 && words.length > 1) {
        var all = words.every(function (w) { return item.names.some(function (n) { return n.indexOf(w) >= 0; }); });
        if (all) s = 5;
      }
      if (s < 99) hits.push([s, item.d.en.length, item.d.en, item.d]);
    });
    hits.sort(function (a, b) { return a[0] - b[0] || a[1] - b[1] || (a[2] < b[2] ? -1 : a[2] > b[2] ? 1 : 0); });
    return hits.map(function (h) { return h[3]; });
  }
  function render(q) {
    var list = document.getElementById("hits");
    var count = document.getElementById("hits-count");
    var zh = window.ipkgLang && window.ipkgLang() === "zh";
    list.textContent = "";
    var hits = search(q);
    if (!norm(q)) { count.textContent = ""; return; }
    count.textContent = zh ? ("找到 " + hits.length + " 个结果") : (hits.length + (hits.length === 1 ? " match" : " matches"));
    hits.slice(0, 100).forEach(function (d) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = d.p;
      a.textContent = zh ? (d.zh || d.en) : d.en;
      li.appendChild(a);
      var other = document.createElement("span");
      other.className = "small";
      other.textContent = " " + (zh ? d.en : d.zh) + " · " + (zh ? d.k.zh : d.k.en) + " · " + d.c;
      li.appendChild(other);
      list.appendChild(li);
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    var input = document.getElementById("bq");
    var form = document.getElementById("bigsearch");
    var m = /[?&]q=([^&]*)/.exec(window.location.search);
    if (m) input.value = decodeURIComponent(m[1].replace(/\+/g, " "));
    input.addEventListener("input", function () { render(input.value); });
    form.addEventListener("submit", function (ev) { ev.preventDefault(); render(input.value); });
    document.addEventListener("ipkg:lang", function () { render(input.value); });
    render(input.value);
    input.focus();
  });
})();
