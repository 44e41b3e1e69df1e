/* ipkg query page: YASGUI configured offline, the example gallery, project prefixes, labels,
   CSV/JSON download. Every request goes to this server ("/query"); see ipkg/querypage. */
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("ipkg-config").textContent);
  var endpoint = new URL(config.endpoint, window.location.href).href;
  document.getElementById("endpoint-url").textContent = endpoint;
  var XSD = "http://www.w3.org/2001/XMLSchema#";
  var lastResult = null; // the labelled SPARQL JSON shown, for the downloads

  // ---------------------------------------------------------------- prefixes (ipkg.vocab rule)
  // Prefixed names used outside comments, strings and IRIs; PREFIX declarations.
  var TOKENS = new RegExp(
    '(#[^\\n]*|"""(?:[^"\\\\]|\\\\[\\s\\S]|"(?!""))*"""|\'\'\'(?:[^\'\\\\]|\\\\[\\s\\S]|\'(?!\'\'))*\'\'\'' +
    '|"(?:[^"\\\\\\n]|\\\\.)*"|\'(?:[^\'\\\\\\n]|\\\\.)*\'|<[^<>"{}|^`\\\\\\x00-\\x20]*>)' +
    '|((?:PREFIX|prefix|Prefix)\\s+([A-Za-z][\\w\\-.]*)?:)' +
    '|((?:^|(?<![\\w?$]))([A-Za-z][\\w\\-.]*)?:(?=[\\w%\\\\\\-]|\\s|[;,.)\\]}]|$))' +
    '|([\\s\\S])', "g");

  function missingPrefixes(text) {
    var used = {}, declared = {}, m;
    TOKENS.lastIndex = 0;
    while ((m = TOKENS.exec(text)) !== null) {
      if (m[2] !== undefined) declared[m[3] || ""] = true;
      else if (m[4] !== undefined) used[m[5] || ""] = true;
    }
    return Object.keys(config.prefixes).filter(function (p) { return used[p] && !declared[p]; });
  }

  function withPrefixes(text) {
    var missing = missingPrefixes(text);
    if (!missing.length) return text;
    return missing.map(function (p) {
      return "PREFIX " + p + ": <" + config.prefixes[p] + ">  " + config.prefixMark + "\n";
    }).join("") + text;
  }

  var tbody = document.querySelector("#prefix-table tbody");
  Object.keys(config.prefixes).forEach(function (p) {
    var tr = document.createElement("tr");
    var a = document.createElement("td"); a.textContent = p + ":";
    var b = document.createElement("td"); b.textContent = config.prefixes[p];
    tr.appendChild(a); tr.appendChild(b); tbody.appendChild(tr);
  });

  // ---------------------------------------------------------------- YASGUI, offline
  Yasgui.Yasqe.defaults.autocompleters = ["prefixes", "variables"]; // class/property ask LOV online
  var params = new URLSearchParams(window.location.search);
  var initial = params.get("query");
  var yasgui = new Yasgui(document.getElementById("yasgui"), {
    requestConfig: { endpoint: endpoint, method: "POST" },
    copyEndpointOnNewTab: true,
    endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; } },
    corsProxy: undefined,
    persistenceId: null,
    populateFromUrl: false,
    yasqe: { prefixCcApi: null, autocompleters: ["prefixes", "variables"], resizeable: true,
             editorHeight: "260px" },
    yasr: { prefixes: config.prefixes, pluginOrder: ["table", "response"], defaultPlugin: "table" },
  });
  var tab = yasgui.getTab();
  tab.setEndpoint(endpoint);
  var yasqe = tab.getYasqe();
  var yasr = tab.getYasr();
  // long labels and evidence phrases in full (wrapped), not cut with an ellipsis
  yasr.storePluginConfig("table", { isEllipsed: false, pageSize: 50 });
  if (initial) yasqe.setValue(initial);
  else if (!yasqe.getValue().trim() || /dbpedia|SELECT \* WHERE \{\s*\?sub \?pred \?obj/.test(yasqe.getValue())) {
    yasqe.setValue(config.examples.length ? config.examples[0].sparql : "SELECT * WHERE { ?s ?p ?o } LIMIT 10");
  }

  // The project prefixes a query uses but does not declare are added before it is sent.
  yasqe.on("queryBefore", function (instance) {
    var text = instance.getValue();
    var full = withPrefixes(text);
    if (full !== text) instance.setValue(full);
  });

  // ---------------------------------------------------------------- labels (ipkg.labels rule)
  // the chosen language, then the fallback languages the server sends (ipkg.labels.FALLBACK);
  // in each, skos:prefLabel before rdfs:label; of equals, the smallest text
  function pickLabels(rows, lang) {
    var best = {};
    var langs = [lang].concat((config.labelFallback || []).filter(function (x) { return x !== lang; }));
    rows.forEach(function (r) {
      if (!r.s || !r.label || r.label.type !== "literal") return;
      var l = (r.label["xml:lang"] || "").toLowerCase().split("-")[0];
      var pref = r.pref && (r.pref.value === "true" || r.pref.value === "1");
      var place = langs.indexOf(l);
      if (place < 0) return;
      var score = 2 * place + (pref ? 0 : 1);
      var iri = r.s.value, cur = best[iri];
      if (!cur || score < cur[0] || (score === cur[0] && r.label.value < cur[1])) best[iri] = [score, r.label.value];
    });
    var out = {};
    Object.keys(best).forEach(function (k) { out[k] = best[k][1]; });
    return out;
  }

  function safeIri(iri) { return !/[\x00-\x20<>"{}|^`\\]/.test(iri); }

  function fetchLabels(iris, lang) {
    iris = iris.filter(safeIri);
    if (!iris.length) return Promise.resolve({});
    var chunks = [];
    for (var i = 0; i < iris.length; i += 300) chunks.push(iris.slice(i, i + 300));
    return Promise.all(chunks.map(function (chunk) {
      var q = config.labelQuery.replace("%s", chunk.map(function (x) { return "<" + x + ">"; }).join(" "));
      return fetch(endpoint, {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded", "Accept": "application/sparql-results+json" },
        body: new URLSearchParams({ query: q }).toString(),
      }).then(function (r) { return r.ok ? r.json() : { results: { bindings: [] } }; });
    })).then(function (docs) {
      var rows = [];
      docs.forEach(function (d) { rows = rows.concat(d.results.bindings); });
      return pickLabels(rows, lang);
    });
  }

  function labelled(doc, labels) {
    var vars = doc.head.vars, outVars = [], cols = [];
    var rows = doc.results.bindings;
    vars.forEach(function (v) {
      outVars.push(v);
      var has = rows.some(function (r) { return r[v] && r[v].type === "uri" && labels[r[v].value] !== undefined; });
      if (has) {
        var name = v + "Label";
        while (vars.indexOf(name) >= 0 || outVars.indexOf(name) >= 0) name += "_";
        outVars.push(name); cols.push([v, name]);
      }
    });
    var outRows = rows.map(function (r) {
      var o = {};
      Object.keys(r).forEach(function (k) { o[k] = r[k]; });
      cols.forEach(function (c) {
        var t = r[c[0]];
        if (t && t.type === "uri" && labels[t.value] !== undefined) o[c[1]] = { type: "literal", value: labels[t.value] };
      });
      return o;
    });
    return { head: { vars: outVars }, results: { bindings: outRows } };
  }

  var labelling = false;
  function onResponse() {
    if (labelling) return;
    var results = yasr.results;
    var doc = results && !results.hasError() ? results.getAsJson() : null;
    var tools = document.getElementById("result-tools");
    if (!doc || !doc.head || !doc.results) { // ASK, a graph, or an error: shown by YASR as it is
      lastResult = doc || null; tools.hidden = !doc; showCount(doc); ready(results); return;
    }
    var iris = {};
    doc.results.bindings.forEach(function (r) {
      Object.keys(r).forEach(function (k) { if (r[k].type === "uri") iris[r[k].value] = true; });
    });
    var lang = document.getElementById("label-lang").value;
    fetchLabels(Object.keys(iris), lang).then(function (labels) {
      var out = labelled(doc, labels);
      lastResult = out;
      if (out.head.vars.length !== doc.head.vars.length) {
        labelling = true;
        try {
          yasr.setResponse({ ok: true, status: 200, statusText: "OK", type: "basic",
                             headers: new Headers({ "Content-Type": "application/sparql-results+json" }),
                             content: JSON.stringify(out) });
        } finally { labelling = false; }
      }
      tools.hidden = false;
      showCount(out);
      ready(results);
    });
  }
  // after the tab has given the response to YASR (its listener was registered first)
  yasqe.on("queryResponse", function () { setTimeout(onResponse, 0); });
  document.getElementById("label-lang").addEventListener("change", function () {
    if (lastResult && yasqe.getValue()) yasqe.query();
  });

  var answers = 0;
  function ready(results) { // for tests and scripts: a new answer is on the page
    answers += 1;
    document.body.setAttribute("data-result-error", results && results.hasError() ? "true" : "false");
    document.body.setAttribute("data-result-ready", String(answers));
  }

  function showCount(doc) {
    var el = document.getElementById("result-count");
    if (!doc) { el.textContent = ""; return; }
    if ("boolean" in doc) { el.textContent = "ASK: " + doc.boolean; return; }
    var n = doc.results ? doc.results.bindings.length : 0;
    el.textContent = n + (n === 1 ? " row · 1 行" : " rows · " + n + " 行");
  }

  // ---------------------------------------------------------------- downloads (made here)
  function cell(t) { return t ? t.value : ""; }
  function csvOf(doc) {
    if ("boolean" in doc) return "_askResult\r\n" + doc.boolean + "\r\n";
    var esc = function (s) { return /[",\r\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s; };
    var lines = [doc.head.vars.map(esc).join(",")];
    doc.results.bindings.forEach(function (r) {
      lines.push(doc.head.vars.map(function (v) { return esc(cell(r[v])); }).join(","));
    });
    return lines.join("\r\n") + "\r\n";
  }
  function download(name, type, text) {
    var a = document.createElement("a");
    a.href = URL.createObjectURL(new Blob([text], { type: type }));
    a.download = name;
    document.body.appendChild(a); a.click(); a.remove();
    setTimeout(function () { URL.revokeObjectURL(a.href); }, 1000);
  }
  document.getElementById("download-csv").addEventListener("click", function () {
    if (lastResult) download("ipkg-result.csv", "text/csv;charset=utf-8", csvOf(lastResult));
  });
  document.getElementById("download-json").addEventListener("click", function () {
    if (lastResult) download("ipkg-result.srj", "application/sparql-results+json",
                             JSON.stringify(lastResult, null, 1));
  });

  // ---------------------------------------------------------------- the example gallery
  var list = document.getElementById("example-list");
  config.examples.forEach(function (ex) {
    var li = document.createElement("li");
    li.className = "example"; li.id = "example-" + ex.name; li.setAttribute("data-name", ex.name);
    var h = document.createElement("h3"); h.textContent = ex.title;
    var hz = document.createElement("p"); hz.className = "zh"; hz.lang = "zh"; hz.textContent = ex.title_zh;
    var d = document.createElement("details");
    var s = document.createElement("summary"); s.textContent = "About & SPARQL · 说明与查询";
    var p = document.createElement("p"); p.textContent = ex.description;
    var pz = document.createElement("p"); pz.lang = "zh"; pz.textContent = ex.description_zh;
    var pre = document.createElement("pre"); pre.textContent = ex.sparql;
    d.appendChild(s); d.appendChild(p); d.appendChild(pz);
    if (ex.params.length) {
      var pp = document.createElement("p"); pp.className = "param";
      pp.textContent = "Default parameter · 默认参数: " + ex.params.join(", ");
      d.appendChild(pp);
    }
    d.appendChild(pre);
    var open = document.createElement("button"); open.type = "button"; open.className = "open";
    open.textContent = "Open in editor · 编辑";
    open.addEventListener("click", function () { yasqe.setValue(ex.sparql); yasqe.focus(); });
    var run = document.createElement("button"); run.type = "button"; run.className = "run";
    run.textContent = "Run · 运行";
    run.addEventListener("click", function () { yasqe.setValue(ex.sparql); yasqe.query(); });
    var name = document.createElement("code"); name.className = "name"; name.textContent = ex.name;
    li.appendChild(h); li.appendChild(hz); li.appendChild(name); li.appendChild(d);
    li.appendChild(open); li.appendChild(run);
    list.appendChild(li);
  });
  document.getElementById("example-filter").addEventListener("input", function (e) {
    var q = e.target.value.trim().toLowerCase();
    config.examples.forEach(function (ex) {
      var hay = [ex.name, ex.title, ex.title_zh, ex.description, ex.description_zh].join(" ").toLowerCase();
      document.getElementById("example-" + ex.name).hidden = q && hay.indexOf(q) < 0;
    });
  });

  window.ipkgQueryPage = { yasgui: yasgui, yasqe: yasqe, yasr: yasr, withPrefixes: withPrefixes,
                           result: function () { return lastResult; } };
})();
