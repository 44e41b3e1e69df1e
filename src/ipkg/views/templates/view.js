/* ipkg view page. Every string that comes from the data is put into the page as TEXT
   (textContent, createTextNode, vis-network canvas labels, tooltip elements built with
   textContent) -- never as HTML. */
(function () {
  'use strict';
  var T0 = performance.now();
  var DATA = JSON.parse(document.getElementById('ipkg-data').textContent);
  var lang = DATA.lang === 'zh' ? 'zh' : 'en';
  var UI = DATA.ui;
  var GROUPS = DATA.groups;
  var NODES = DATA.nodes;
  var EDGES = DATA.edges;
  var DETAILS = DATA.details;
  var byId = {};
  NODES.forEach(function (n) { byId[n.id] = n; });

  function t(key) { return (UI[lang] && UI[lang][key]) || UI.en[key] || key; }
  function pick(obj) { return obj ? (obj[lang] || obj.en || obj.zh || '') : ''; }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }
  function nodeLabel(n) { return lang === 'zh' ? (n.label_zh || n.label_en) : (n.label_en || n.label_zh); }
  function displayLabel(n) {
    var s = nodeLabel(n);
    if (n.value) { s += '\n' + n.value + (n.unit ? ' ' + pick(n.unit) : ''); }
    return s;
  }
  function group(n) { return GROUPS[n.group] || GROUPS.other; }
  function darker(hex) {
    var v = parseInt(hex.slice(1), 16);
    var r = Math.max(0, (v >> 16) - 40), g = Math.max(0, ((v >> 8) & 255) - 40), b = Math.max(0, (v & 255) - 40);
    return '#' + ((1 << 24) + (r << 16) + (g << 8) + b).toString(16).slice(1);
  }
  var INSIDE = { box: 1, ellipse: 1, database: 1, circle: 1, text: 1 };

  // Tooltips carry both languages, so switching language does not rebuild 2 x N elements.
  function tooltip(n) {
    var d = el('div');
    d.appendChild(el('strong', null, n.label_en));
    if (n.label_zh && n.label_zh !== n.label_en) d.appendChild(el('div', null, n.label_zh));
    var gl = group(n).label || {};
    d.appendChild(el('div', 'tip-class', (gl.en || '') + ' \u00b7 ' + (gl.zh || '')));
    return d;
  }
  function edgeTooltip(e) { return el('div', null, (e.label.en || '') + ' \u00b7 ' + (e.label.zh || '')); }

  var degree = {};
  EDGES.forEach(function (e) {
    degree[e.from] = (degree[e.from] || 0) + 1;
    degree[e.to] = (degree[e.to] || 0) + 1;
  });

  function visNode(n) {
    var g = group(n);
    var o = {
      id: n.id,
      label: displayLabel(n),
      title: tooltip(n),
      shape: g.shape,
      color: {
        background: g.colour, border: darker(g.colour),
        highlight: { background: g.colour, border: '#000000' },
        hover: { background: g.colour, border: '#000000' }
      },
      font: { color: INSIDE[g.shape] ? '#ffffff' : '#111111', size: g.font || 16 },
      borderWidth: n.centre ? 4 : 1,
      widthConstraint: { maximum: Math.max(170, (g.font || 16) * 11) }
    };
    if (!INSIDE[g.shape]) { o.value = 1 + (degree[n.id] || 0); }
    if (n.undated) { o.shapeProperties = { borderDashes: [5, 4] }; o.borderWidth = 2; }
    if (typeof n.x === 'number') { o.x = n.x; o.y = n.y; }
    return o;
  }
  function visEdge(e, i) {
    return { id: 'e' + i, from: e.from, to: e.to, title: edgeTooltip(e), predicate: e.predicate };
  }

  var nodes = new vis.DataSet(NODES.map(visNode));
  var edges = new vis.DataSet(EDGES.map(visEdge));
  var precomputed = !!DATA.layout.precomputed;
  var big = NODES.length > 300;
  var options = {
    autoResize: true,
    layout: { randomSeed: DATA.layout.seed, improvedLayout: !precomputed && NODES.length <= 150 },
    nodes: {
      font: { size: 16, face: 'system-ui, "Noto Sans CJK SC", "WenQuanYi Micro Hei", sans-serif', multi: false },
      widthConstraint: { maximum: 170 },
      scaling: { min: 10, max: 48, label: { enabled: false, drawThreshold: 9 } },
      margin: 8
    },
    edges: {
      arrows: { to: { enabled: true, scaleFactor: 0.5 } },
      color: { color: '#8a8a8a', highlight: '#000000', hover: '#333333' },
      smooth: big ? false : { enabled: true, type: 'continuous', roundness: 0.3 },
      width: 1.2,
      selectionWidth: 2
    },
    interaction: { hover: !big, tooltipDelay: 250, hideEdgesOnDrag: big, hideEdgesOnZoom: big, multiselect: false },
    physics: precomputed ? false : {
      solver: 'forceAtlas2Based',
      forceAtlas2Based: { gravitationalConstant: -90, centralGravity: 0.025, springLength: 110, springConstant: 0.06, avoidOverlap: 1 },
      stabilization: { enabled: true, iterations: DATA.layout.iterations, updateInterval: 1000, fit: true },
      minVelocity: 1
    }
  };

  var container = document.getElementById('graph');
  var network = new vis.Network(container, { nodes: [], edges: [] }, options);
  var api = window.ipkgView = {
    ready: false,
    view: DATA.view.name,
    nodeCount: NODES.length,
    edgeCount: EDGES.length,
    draws: 0,
    timings: { scriptStart: T0 },
    network: network,
    nodes: nodes,
    edges: edges
  };

  function markReady() {
    if (api.ready) return;
    api.ready = true;
    api.timings.ready = performance.now();
    document.documentElement.setAttribute('data-ready', 'true');
  }
  network.on('afterDrawing', function () {
    api.draws += 1;
    if (!api.ready && (precomputed || api.stabilized)) { markReady(); }
  });
  network.on('stabilizationIterationsDone', function () {
    api.stabilized = true;
    network.setOptions({ physics: false });
    network.fit();
    network.redraw();
  });

  // ----- side panel -------------------------------------------------------------------
  var panel = document.getElementById('panel');
  var current = null;

  function factValues(values) {
    var mine = values.filter(function (v) { return v.lang === lang; });
    if (mine.length) { return mine.concat(values.filter(function (v) { return !v.lang; })); }
    return values;
  }
  function valueNode(v) {
    if (v.ref && byId[v.ref]) {
      var b = el('button', 'link', pick(v));
      b.type = 'button';
      b.addEventListener('click', function () { select(v.ref, true); });
      return b;
    }
    return el('span', null, v.ref ? pick(v) : v.text);
  }
  function addRow(dl, key, valueNodeOrText) {
    dl.appendChild(el('dt', null, key));
    var dd = el('dd');
    if (typeof valueNodeOrText === 'string') dd.textContent = valueNodeOrText; else dd.appendChild(valueNodeOrText);
    dl.appendChild(dd);
  }
  function showHint() {
    clear(panel);
    panel.appendChild(el('p', 'hint', t('click_hint')));
    var counts = el('p', 'hint', t('counts').replace('{n}', NODES.length).replace('{e}', EDGES.length));
    panel.appendChild(counts);
  }
  function showDetails(id) {
    var n = byId[id];
    if (!n) return;
    current = id;
    var d = DETAILS[id] || {};
    clear(panel);
    panel.appendChild(el('h2', null, nodeLabel(n)));
    panel.appendChild(el('p', 'other-lang', lang === 'zh' ? n.label_en : n.label_zh));
    if (n.page) {  // the entity's page in the site (ipkg.site), when the build wrote one
      var pageLink = el('a', 'page-link', lang === 'zh' ? '打开实体页面（全部事实及其来源）' : 'Open its page (every fact with its source)');
      pageLink.href = n.page;
      var pageP = el('p');
      pageP.appendChild(pageLink);
      panel.appendChild(pageP);
    }
    var dl = el('dl');
    addRow(dl, t('class'), pick(d.class_label) || n['class']);
    var code = el('code', null, d.curie || id);
    addRow(dl, t('iri'), code);
    addRow(dl, t('full_iri'), el('code', null, id));
    if (n.value) addRow(dl, t('value'), n.value + (n.unit ? ' ' + pick(n.unit) : ''));
    (d.dates || []).forEach(function (x) { addRow(dl, pick(x.p), x.v); });
    if (n.undated) {
      var b = el('span', 'badge', t('undated'));
      addRow(dl, t('founded'), b);
    }
    if (typeof n.depth === 'number') addRow(dl, t('depth'), String(n.depth));
    panel.appendChild(dl);

    if (d.facts && d.facts.length) {
      panel.appendChild(el('h3', null, t('facts')));
      var fl = el('dl');
      d.facts.forEach(function (f) {
        var vals = factValues(f.v);
        var dd = el('span');
        vals.forEach(function (v, i) {
          if (i) dd.appendChild(document.createTextNode('; '));
          dd.appendChild(valueNode(v));
        });
        addRow(fl, pick(f.p), dd);
      });
      panel.appendChild(fl);
    }

    panel.appendChild(el('h3', null, t('sources')));
    if (!(d.sources && d.sources.length) && !(d.statements && d.statements.length)) {
      panel.appendChild(el('p', 'hint', t('no_sources')));
    }
    if (d.sources && d.sources.length) {
      var ul = el('ul', 'sources');
      d.sources.forEach(function (s) {
        var li = el('li', 'source');
        li.appendChild(el('strong', 'source-title', pick(s.title)));
        if (s.identifier) { li.appendChild(document.createTextNode(' ')); li.appendChild(el('code', null, s.identifier)); }
        ul.appendChild(li);
      });
      panel.appendChild(ul);
    }
    (d.statements || []).forEach(function (st) {
      var box = el('dl', 'statement');
      if (st.about) addRow(box, t('statement'), pick(st.about));
      if (st.locator) addRow(box, t('locator'), st.locator);
      if (st.evidence) addRow(box, t('evidence'), el('span', 'evidence', '\u201c' + st.evidence + '\u201d'));
      if (st.source) addRow(box, t('source'), pick(st.source));
      panel.appendChild(box);
    });

    var links = network.getConnectedEdges(id);
    if (links.length) {
      panel.appendChild(el('h3', null, t('connections')));
      var cl = el('ul');
      links.slice(0, 200).forEach(function (eid) {
        var e = EDGES[parseInt(eid.slice(1), 10)];
        var other = e.from === id ? e.to : e.from;
        var li = el('li');
        li.appendChild(document.createTextNode((e.from === id ? '\u2192 ' : '\u2190 ') + pick(e.label) + ': '));
        var b = el('button', 'link', nodeLabel(byId[other]));
        b.type = 'button';
        b.addEventListener('click', function () { select(other, true); });
        li.appendChild(b);
        cl.appendChild(li);
      });
      if (links.length > 200) cl.appendChild(el('li', 'hint', '\u2026 ' + (links.length - 200)));
      panel.appendChild(cl);
    }
  }

  function select(id, focus) {
    if (!byId[id]) return false;
    network.selectNodes([id]);
    if (focus) {
      network.focus(id, { scale: Math.max(network.getScale(), 1.0), animation: { duration: 300, easingFunction: 'easeInOutQuad' } });
    }
    showDetails(id);
    return true;
  }

  network.on('click', function (params) {
    if (params.nodes.length) { showDetails(params.nodes[0]); } else if (!params.edges.length) { current = null; showHint(); }
  });

  // ----- search -----------------------------------------------------------------------
  var datalist = document.getElementById('ipkg-labels');
  var seen = {};
  NODES.forEach(function (n) {
    [n.label_en, n.label_zh].forEach(function (l) {
      if (l && !seen[l]) { seen[l] = 1; var o = document.createElement('option'); o.value = l; datalist.appendChild(o); }
    });
  });
  function findNode(q) {
    q = String(q || '').trim().toLowerCase();
    if (!q) return null;
    var prefix = null, part = null;
    for (var i = 0; i < NODES.length; i++) {
      var n = NODES[i];
      var keys = [n.label_en, n.label_zh, n.curie, n.id];
      for (var k = 0; k < keys.length; k++) {
        var s = String(keys[k] || '').toLowerCase();
        if (!s) continue;
        if (s === q) return n.id;
        if (prefix === null && s.indexOf(q) === 0) prefix = n.id;
        if (part === null && s.indexOf(q) > 0) part = n.id;
      }
    }
    return prefix !== null ? prefix : part;
  }
  var status = document.getElementById('status');
  function search(q) {
    var id = findNode(q);
    if (id === null) { status.textContent = t('no_match').replace('{q}', String(q)); return null; }
    status.textContent = '';
    select(id, true);
    return id;
  }
  document.getElementById('search-form').addEventListener('submit', function (ev) {
    ev.preventDefault();
    search(document.getElementById('search').value);
  });

  // ----- legend and language ----------------------------------------------------------
  var SVGNS = 'http://www.w3.org/2000/svg';
  function swatch(g) {
    var svg = document.createElementNS(SVGNS, 'svg');
    svg.setAttribute('width', '22'); svg.setAttribute('height', '18'); svg.setAttribute('viewBox', '0 0 22 18');
    svg.setAttribute('aria-hidden', 'true');
    var shape, s = g.shape;
    var pts = {
      diamond: '11,1 20,9 11,17 2,9', triangle: '11,1 20,17 2,17', triangleDown: '2,1 20,1 11,17',
      star: '11,1 13.4,6.6 19.5,6.9 14.8,10.8 16.3,16.8 11,13.5 5.7,16.8 7.2,10.8 2.5,6.9 8.6,6.6',
      hexagon: '6,1 16,1 21,9 16,17 6,17 1,9'
    };
    if (pts[s]) { shape = document.createElementNS(SVGNS, 'polygon'); shape.setAttribute('points', pts[s]); }
    else if (s === 'ellipse') {
      shape = document.createElementNS(SVGNS, 'ellipse');
      shape.setAttribute('cx', '11'); shape.setAttribute('cy', '9'); shape.setAttribute('rx', '10'); shape.setAttribute('ry', '7');
    } else if (s === 'box' || s === 'square' || s === 'database') {
      shape = document.createElementNS(SVGNS, 'rect');
      shape.setAttribute('x', s === 'square' ? '3' : '1'); shape.setAttribute('y', '2');
      shape.setAttribute('width', s === 'square' ? '15' : '20'); shape.setAttribute('height', s === 'square' ? '15' : '14');
      shape.setAttribute('rx', s === 'database' ? '5' : '2');
    } else {
      shape = document.createElementNS(SVGNS, 'circle');
      shape.setAttribute('cx', '11'); shape.setAttribute('cy', '9'); shape.setAttribute('r', '7');
    }
    shape.setAttribute('fill', g.colour); shape.setAttribute('stroke', darker(g.colour));
    svg.appendChild(shape);
    return svg;
  }
  var groupCounts = {};
  NODES.forEach(function (n) { groupCounts[n.group] = (groupCounts[n.group] || 0) + 1; });
  function renderLegend() {
    var ul = document.getElementById('legend-list');
    clear(ul);
    DATA.group_order.forEach(function (name) {
      if (!groupCounts[name]) return;
      var g = GROUPS[name];
      var li = el('li');
      li.setAttribute('data-group', name);
      li.appendChild(swatch(g));
      li.appendChild(el('span', null, pick(g.label)));
      li.appendChild(el('span', 'count', '(' + groupCounts[name] + ')'));
      ul.appendChild(li);
    });
    ul.className = ul.childNodes.length > 8 ? 'many' : '';
    if (NODES.some(function (n) { return n.undated; })) {
      var li = el('li');
      li.appendChild(el('span', 'badge', '- - -'));
      li.appendChild(el('span', null, t('undated_legend')));
      ul.appendChild(li);
    }
  }
  function renderUI() {
    document.documentElement.lang = lang === 'zh' ? 'zh-Hans' : 'en';
    var title = pick(DATA.view.title);
    document.title = title + ' \u2014 ipkg';
    document.getElementById('view-title').textContent = title;
    document.getElementById('view-description').textContent = pick(DATA.view.description);
    document.getElementById('search-label').textContent = t('search_label');
    document.getElementById('search').placeholder = t('search_placeholder');
    document.getElementById('search-button').textContent = t('search_button');
    document.getElementById('lang-toggle').textContent = t('other_language');
    document.getElementById('lang-toggle').setAttribute('aria-label', t('switch_language'));
    document.getElementById('fit').textContent = t('fit');
    var home = document.getElementById('home');
    if (home) home.textContent = t('home');
    document.getElementById('legend-title').textContent = t('legend');
    container.setAttribute('aria-label', title);
    renderLegend();
  }
  function setLang(l) {
    lang = l === 'zh' ? 'zh' : 'en';
    nodes.update(NODES.map(function (n) { return { id: n.id, label: displayLabel(n) }; }));
    renderUI();
    if (current) showDetails(current); else showHint();
    return lang;
  }
  document.getElementById('lang-toggle').addEventListener('click', function () { setLang(lang === 'en' ? 'zh' : 'en'); });
  document.getElementById('fit').addEventListener('click', function () { network.fit({ animation: { duration: 300 } }); });
  if (Object.keys(groupCounts).length > 10 || (window.matchMedia && window.matchMedia('(max-width: 800px)').matches)) {
    document.getElementById('legend').removeAttribute('open');
  }

  api.data = DATA;
  api.search = search;
  api.findNode = findNode;
  api.select = function (id) { return select(id, false); };
  api.selected = function () { return network.getSelectedNodes(); };
  api.setLang = setLang;
  api.lang = function () { return lang; };
  api.label = function (id) { var n = nodes.get(id); return n ? n.label : null; };
  api.drawnNodeCount = function () { return network.body.nodeIndices.length; };
  api.panelText = function () { return panel.textContent; };

  renderUI();
  showHint();
  network.setData({ nodes: nodes, edges: edges });
  if (precomputed) { network.fit(); }
  api.timings.dataSet = performance.now();
})();
