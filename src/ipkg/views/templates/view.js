/* ipkg view page. Every string that comes from the data is put into the page as TEXT
   (textContent, createTextNode, vis-network canvas labels, tooltip elements built with
   textContent) -- never as HTML.

   Three layouts (DATA.layout.mode, from ontology/views.toml):
   - "orgchart": positions computed at build time (ipkg.views.layout.org_chart), fixed; level
     bands and lanes drawn behind the boxes; an as-of control hides what did not exist yet.
   - "overview": one column per hub; every other node sits in the column of its hub, grouped by
     kind under a count badge that opens on click (progressive disclosure). Laid out here,
     with the box heights vis-network measured, so nothing overlaps after any click.
   - "force": a seeded physics run (ego views, the whole graph), or spring positions from
     Python for big graphs. */
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
  var L = DATA.layout || {};
  var MODE = L.mode || 'force';
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
  var CJK = /[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]/;
  function wrapCJK(s, size, inner) {
    // vis-network wraps at spaces only; Chinese has none, so break it here where it would overflow
    return s.split('\n').map(function (para) {
      if (!CJK.test(para) || measureText(para, size) <= inner) return para;
      var lines = [], cur = '';
      Array.from(para).forEach(function (ch) {
        if (cur && (ch === ' ' ? false : measureText(cur + ch, size) > inner)) { lines.push(cur.trim()); cur = ''; }
        cur += ch;
      });
      if (cur.trim()) lines.push(cur.trim());
      return lines.join('\n');
    }).join('\n');
  }
  function boxInner(n) {
    if (MODE === 'orgchart') return [BOX_FONT, BOX_W - 2 * MARGIN];
    if (MODE === 'overview') return isHub[n.id] ? [fontSize(HUB_FONT), COL_W - 2 * MARGIN] : [fontSize(MEMBER_FONT), COL_W - INDENT - 2 * MARGIN];
    return null;
  }
  function displayLabel(n) {
    var s = nodeLabel(n);
    var bi = boxInner(n);
    if (bi && lang === 'zh') s = wrapCJK(s, bi[0], bi[1] - 2);
    if (n.value) { s += '\n' + n.value + (n.unit ? ' ' + pick(n.unit) : ''); }
    if (MODE === 'orgchart' && n.founded) { s += '\n' + t('since').replace('{d}', n.founded); }
    return s;
  }
  function group(n) { return GROUPS[n.group] || GROUPS.other; }
  function darker(hex) {
    var v = parseInt(hex.slice(1), 16);
    var r = Math.max(0, (v >> 16) - 40), g = Math.max(0, ((v >> 8) & 255) - 40), b = Math.max(0, (v & 255) - 40);
    return '#' + ((1 << 24) + (r << 16) + (g << 8) + b).toString(16).slice(1);
  }
  var mctx = document.createElement('canvas').getContext('2d');
  function measureText(s, size) { mctx.font = size + 'px ' + FACE; return mctx.measureText(s).width; }
  var INSIDE = { box: 1, ellipse: 1, database: 1, circle: 1, text: 1 };
  var FACE = 'system-ui, "Noto Sans", "Noto Sans CJK SC", "WenQuanYi Micro Hei", sans-serif';
  var BOXED = MODE !== 'force';          // org chart and overview: every node is a labelled box
  var BOX_W = (L.box && L.box.width) || 200;
  var BOX_FONT = (L.box && L.box.font) || 17;
  var BOX_GAP = (L.box && L.box.gap) || 20;  // between columns of boxes (org chart)
  var present = false;
  var MARGIN = 7;                         // vis-network box margin (nodes.margin)
  // vis-network counts a box's corner radius into its bounding box on every side: keep it small
  var RADIUS = 3;

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

  function colours(c, dashed) {
    return {
      background: c, border: darker(c),
      highlight: { background: c, border: '#000000' },
      hover: { background: c, border: '#000000' }
    };
  }
  function fontSize(base) { return Math.round(base * (present ? 1.25 : 1)); }

  function visNode(n) {
    var g = group(n);
    var shape = BOXED ? 'box' : g.shape;
    var o = {
      id: n.id,
      label: displayLabel(n),
      title: tooltip(n),
      shape: shape,
      color: colours(g.colour),
      font: { color: INSIDE[shape] ? '#ffffff' : '#111111', size: g.font || 16, face: FACE },
      borderWidth: n.centre ? 4 : 1,
      widthConstraint: { maximum: Math.max(170, (g.font || 16) * 11) }
    };
    if (MODE === 'orgchart') {
      o.font.size = BOX_FONT;
      o.widthConstraint = { minimum: BOX_W - 2 * MARGIN, maximum: BOX_W - 2 * MARGIN };  // vis adds the margins
      o.fixed = { x: true, y: true };
    } else if (MODE === 'overview') {
      var hub = isHub[n.id];
      o.font.size = fontSize(hub ? HUB_FONT : MEMBER_FONT);
      var cw = (hub ? COL_W : COL_W - INDENT) - 2 * MARGIN;
      o.widthConstraint = { minimum: cw, maximum: cw };
      if (hub) { o.borderWidth = 3; o.font.bold = true; }
    }
    if (!INSIDE[shape]) { o.value = 1 + (degree[n.id] || 0); }
    if (n.undated) { o.shapeProperties = { borderDashes: [6, 4], borderRadius: RADIUS }; o.borderWidth = 3; o.color.border = '#111111'; }
    if (typeof n.x === 'number') { o.x = n.x; o.y = n.y; }
    return o;
  }
  function visEdge(e, i) {
    var o = { id: 'e' + i, from: e.from, to: e.to, title: edgeTooltip(e), predicate: e.predicate };
    if (MODE === 'orgchart') {
      // the hierarchy reads top-down: draw each link from the parent to the child
      o.from = e.to; o.to = e.from; o.arrows = { to: { enabled: false } };
      o.hidden = true;  // drawn as org-chart connectors (drawConnectors) instead
      o.smooth = { enabled: true, type: 'cubicBezier', forceDirection: 'vertical', roundness: 0.5 };
      o.color = { color: '#6b7280', highlight: '#000000', hover: '#111111' };
      o.width = 1.6;
    }
    return o;
  }

  // ----- overview: hubs, columns and count badges ------------------------------------
  var COL_W = 250, INDENT = 14, GAP = 9, COL_GAP = 28, ROW_GAP = 36, MEMBER_FONT = 17, HUB_FONT = 20;
  var isHub = {};
  var HUBS = (L.hubs || []).slice();
  HUBS.forEach(function (h) { isHub[h] = true; });
  var columns = [];        // [{key, hub, label, blocks: [{id (badge), group, members: [...]}]}]
  var badges = {};         // badge id -> block
  var memberBadge = {};    // node id -> badge id
  var open = {};           // badge id -> true when open
  if (MODE === 'overview') {
    var colByKey = {};
    var addCol = function (key, hub, label) {
      var c = { key: key, hub: hub, label: label, blocks: [], byGroup: {} };
      colByKey[key] = c; columns.push(c); return c;
    };
    HUBS.forEach(function (h) { addCol(h, h, null); });
    NODES.forEach(function (n) {
      if (isHub[n.id]) return;
      var hs = n.hubs || [];
      var key = hs.length === 1 ? hs[0] : (hs.length ? '~several' : '~none');
      var c = colByKey[key] || addCol(key, null, key === '~several' ? 'several' : 'none');
      var b = c.byGroup[n.group];
      if (!b) {
        b = { id: 'badge:' + key + ':' + n.group, group: n.group, members: [], col: c };
        c.byGroup[n.group] = b; c.blocks.push(b); badges[b.id] = b;
      }
      b.members.push(n.id);
      memberBadge[n.id] = b.id;
    });
    if (L.split && columns.length) {
      // one hub (the view of an entity): the hub alone on top, each kind of neighbour a column
      var first = columns[0], rest = columns.slice(1);
      columns = [{ key: first.key, hub: first.hub, label: null, blocks: [], byGroup: {} }];
      first.blocks.forEach(function (b) {
        var c = { key: b.id, hub: null, label: '', blocks: [b], byGroup: {} };
        b.col = c; columns.push(c);
      });
      // neighbours of neighbours (--depth 2 and more): their own columns, titled so
      [].concat.apply([], rest.map(function (c) { return c.blocks; })).forEach(function (b) {
        var c = { key: b.id, hub: null, label: 'further', blocks: [b], byGroup: {} };
        b.col = c; columns.push(c);
      });
    }
    columns.forEach(function (c) {
      c.blocks.sort(function (a, b) { return DATA.group_order.indexOf(a.group) - DATA.group_order.indexOf(b.group); });
      c.blocks.forEach(function (b) {
        // figures of one indicator together, then by label
        var key = function (id) { var n = byId[id]; return (n.indicator ? (n.indicator.en || '') + '\u0001' : '') + nodeLabel(n); };
        b.members.sort(function (x, y) { return key(x).localeCompare(key(y)); });
        if ((L.open_groups || []).indexOf(b.group) >= 0 || b.members.length <= (L.open_upto || 0)) open[b.id] = true;
      });
    });
  }
  function badgeLabel(b) {
    var g = GROUPS[b.group] || GROUPS.other;
    var n = b.members.length;
    var name = pick(n === 1 ? g.label : (g.plural || g.label));
    var s = lang === 'zh' ? (name + ' ' + n + ' \u9879') : (n + ' ' + name);
    return (open[b.id] ? '\u25be ' : '\u25b8 ') + s;
  }
  function badgeNode(b) {
    var g = GROUPS[b.group] || GROUPS.other;
    return {
      id: b.id, label: badgeLabel(b), shape: 'box', isBadge: true,
      color: { background: '#ffffff', border: g.colour, highlight: { background: '#fff8e1', border: '#000000' }, hover: { background: '#fff8e1', border: '#000000' } },
      font: { color: '#111111', size: fontSize(MEMBER_FONT), face: FACE },
      borderWidth: 3, shapeProperties: { borderRadius: RADIUS },
      widthConstraint: { minimum: COL_W - 2 * MARGIN, maximum: COL_W - 2 * MARGIN },
      title: el('div', null, (open[b.id] ? t('click_close') : t('click_open')))
    };
  }
  function colTitle(c) {
    if (c.label === 'several') return t('col_several');
    if (c.label === 'none') return t('col_none');
    if (c.label === 'further') return t('col_further');
    return '';
  }

  // ----- vis-network --------------------------------------------------------------------
  var visNodes = NODES.map(visNode);
  Object.keys(badges).forEach(function (id) { visNodes.push(badgeNode(badges[id])); });
  var visEdges = EDGES.map(visEdge);
  var visById = {};
  visNodes.forEach(function (o) { visById[o.id] = o; });
  if (MODE === 'overview') {
    // members of a hub's column are linked to it by where they stand: those links are not drawn;
    // links that leave a column are drawn only for the selected box (a clean first sight)
    visEdges.forEach(function (e) {
      var a = memberBadge[e.from] ? badges[memberBadge[e.from]].col : null;
      var b = memberBadge[e.to] ? badges[memberBadge[e.to]].col : null;
      e.ownColumn = !!((a && a.hub === e.to) || (b && b.hub === e.from) || (L.split && (isHub[e.from] || isHub[e.to])));
      e.hidden = true;
      if (!e.ownColumn) { e.color = { color: '#4b5563', highlight: '#000000', hover: '#111111' }; e.width = 1.6; e.smooth = false; }
    });
  }
  // Overview: the members of a closed badge enter the drawing only when it opens (vis-network
  // then sizes and draws a few dozen boxes at load instead of every node of the view).
  var folded = function (o) { var b = memberBadge[o.id]; return MODE === 'overview' && b && !open[b]; };
  var nodes = new vis.DataSet(visNodes.filter(function (o) { return !folded(o); }));
  var edges = new vis.DataSet([]);
  var edgeIn = {};
  function addEdges() {
    var add = [];
    visEdges.forEach(function (e) {
      if (!edgeIn[e.id] && nodes.get(e.from) && nodes.get(e.to)) { edgeIn[e.id] = true; add.push(e); }
    });
    if (add.length) edges.add(add);
  }
  addEdges();
  function ensureNodes(ids) {
    var add = ids.filter(function (id) { return !nodes.get(id); }).map(function (id) {
      var o = visById[id];
      if (byId[id]) o.label = displayLabel(byId[id]);
      o.font.size = fontSize(isHub[id] ? HUB_FONT : MEMBER_FONT);
      o.hidden = false;
      return o;
    });
    if (add.length) { nodes.add(add); addEdges(); }
  }
  var precomputed = !!L.precomputed || MODE === 'overview';
  var big = NODES.length > 300;
  var options = {
    autoResize: true,
    layout: { randomSeed: L.seed, improvedLayout: !precomputed && NODES.length <= 150 },
    nodes: {
      font: { size: 16, face: FACE, multi: false },
      widthConstraint: { maximum: 170 },
      // labels too small to read are not drawn (the legibility tests hold every label to 10 px at the fit)
      scaling: { min: 10, max: 48, label: { enabled: false, drawThreshold: MODE === 'force' ? 9 : 6 } },
      shapeProperties: { borderRadius: RADIUS },
      margin: MARGIN
    },
    edges: {
      arrows: { to: { enabled: MODE !== 'orgchart', scaleFactor: 0.5 } },
      color: { color: '#8a8a8a', highlight: '#000000', hover: '#333333' },
      smooth: big ? false : { enabled: true, type: 'continuous', roundness: 0.3 },
      width: 1.2,
      selectionWidth: 2
    },
    interaction: { hover: !big, tooltipDelay: 250, hideEdgesOnDrag: big, hideEdgesOnZoom: big, multiselect: false, dragNodes: MODE === 'force' },
    physics: precomputed ? { enabled: false, stabilization: { enabled: false, fit: false } } : {
      solver: 'forceAtlas2Based',
      forceAtlas2Based: { gravitationalConstant: -90, centralGravity: 0.025, springLength: 110, springConstant: 0.06, avoidOverlap: 1 },
      stabilization: { enabled: true, iterations: L.iterations, updateInterval: 1000, fit: true },
      minVelocity: 1
    }
  };
  var shownEdges = [];
  function showEdgesOf(id) {
    if (MODE !== 'overview') return;
    var upd = shownEdges.map(function (e) { return { id: e, hidden: true }; });
    shownEdges = [];
    if (id) {
      edges.forEach(function (e) {
        if (!e.ownColumn && (e.from === id || e.to === id)) { upd.push({ id: e.id, hidden: false }); shownEdges.push(e.id); }
      });
    }
    edges.update(upd);
  }

  var container = document.getElementById('graph');
  var network = new vis.Network(container, { nodes: [], edges: [] }, options);
  var api = window.ipkgView = {
    ready: false,
    view: DATA.view.name,
    mode: MODE,
    nodeCount: NODES.length,
    edgeCount: EDGES.length,
    draws: 0,
    timings: { scriptStart: T0 },
    network: network,
    nodes: nodes,
    edges: edges
  };

  // ----- overview layout (uses the heights vis-network measured, when it has them) --------
  var measured = {};
  function heightOf(id) {
    if (measured[id]) return measured[id];
    var o = nodes.get(id) || visById[id];
    var size = (o && o.font && o.font.size) || 16;
    var w = ((o && o.widthConstraint && o.widthConstraint.maximum) || COL_W) - 14;
    var text = (o && o.label) || '';
    var lines = 0;
    text.split('\n').forEach(function (p) { lines += Math.max(1, Math.ceil(measureText(p, size) / (w * 0.92))); });
    return lines * size * 1.25 + 16;
  }

  var colBoxes = [];
  function layoutOverview() {
    // columns per row: from views.toml, else the count that makes the drawing largest on this screen
    var ncol = L.columns || bestColumns();
    return placeOverview(ncol, true);
  }
  function bestColumns() {
    var w = container.clientWidth || 1200, h = container.clientHeight || 700, best = columns.length, bestScale = 0;
    for (var k = 1; k <= columns.length; k++) {
      var size = placeOverview(k, false);
      var sc = Math.min(w / size[0], h / size[1]);
      if (sc > bestScale * 1.001) { bestScale = sc; best = k; }
    }
    return best;
  }
  function placeOverview(ncol, apply) {
    var boxes = [], updates = [], toAdd = [];
    var rowTop = 0, rowH = 0;
    columns.forEach(function (c, i) {
      var ci = i % ncol;
      if (ci === 0 && i) { rowTop += rowH + ROW_GAP; rowH = 0; }
      var x = ci * (COL_W + COL_GAP);
      var y = rowTop;
      var title = colTitle(c);
      if (c.hub) {
        var h = heightOf(c.hub);
        updates.push({ id: c.hub, x: x + COL_W / 2, y: y + h / 2 });
        y += h + GAP * 1.6;
      } else {
        y += title ? 34 : 4;
      }
      c.blocks.forEach(function (b) {
        var hb = heightOf(b.id);
        updates.push({ id: b.id, x: x + COL_W / 2, y: y + hb / 2, label: badgeLabel(b) });
        y += hb + GAP;
        b.members.forEach(function (m) {
          if (!open[b.id]) { if (apply && nodes.get(m)) updates.push({ id: m, hidden: true }); return; }
          if (apply) toAdd.push(m);
          var hm = heightOf(m);
          updates.push({ id: m, hidden: false, x: x + INDENT + (COL_W - INDENT) / 2, y: y + hm / 2 });
          y += hm + GAP * 0.8;
        });
        y += GAP * 0.6;
      });
      boxes.push({ x0: x - 10, x1: x + COL_W + 10, y0: rowTop - 12, y1: y, title: title, hub: c.hub });
      rowH = Math.max(rowH, y - rowTop);
    });
    var width = Math.min(ncol, columns.length) * (COL_W + COL_GAP) - COL_GAP + 20;
    var height = rowTop + rowH + 60;
    if (apply) { ensureNodes(toAdd); colBoxes = boxes; nodes.update(updates); api.overviewColumns = ncol; }
    return [width, height];
  }
  function remeasure() {
    // after a draw, take the real box heights; lay out again if an estimate was off
    var changed = false;
    nodes.forEach(function (o) {
      if (o.hidden) return;
      var body = network.body.nodes[o.id];
      if (!body || !body.shape || !body.shape.height) return;
      var h = body.shape.height;
      if (!measured[o.id] || Math.abs(measured[o.id] - h) > 0.5) { measured[o.id] = h; changed = true; }
    });
    return changed;
  }

  // ----- drawing behind the nodes: bands and lanes (org chart), columns (overview) ------
  var BAND_FILL = ['#eef2f7', '#ffffff'];
  function worldBox() {
    if (MODE === 'orgchart' && L.size) {
      return { x0: -16, y0: -40, x1: L.size[0] + 16, y1: L.size[1] + 12 };
    }
    if (MODE === 'overview' && colBoxes.length) {
      var b = { x0: Infinity, y0: -40, x1: -Infinity, y1: -Infinity };
      colBoxes.forEach(function (c) { b.x0 = Math.min(b.x0, c.x0); b.x1 = Math.max(b.x1, c.x1); b.y1 = Math.max(b.y1, c.y1); b.y0 = Math.min(b.y0, c.y0 - 30); });
      return b;
    }
    return null;
  }
  var DECOR_FONT = 22;
  // a lane title too wide for its lane: two lines, broken at the last space that fits
  function decorLines(ctx, text, maxW) {
    if (ctx.measureText(text).width <= maxW) return [text];
    var cut = -1;
    for (var i = 0; i < text.length; i++) {
      if (text[i] === ' ' && ctx.measureText(text.slice(0, i)).width <= maxW) cut = i;
    }
    return cut > 0 ? [text.slice(0, cut), text.slice(cut + 1)] : [text];
  }
  network.on('beforeDrawing', function (ctx) {
    if (MODE === 'orgchart') {
      var wb = worldBox();
      (L.bands || []).forEach(function (b, i) {
        ctx.fillStyle = BAND_FILL[i % 2];
        ctx.fillRect(wb.x0, b.y0, wb.x1 - wb.x0, b.y1 - b.y0);
        ctx.fillStyle = '#1f2937';
        ctx.font = 'bold ' + DECOR_FONT + 'px ' + FACE;
        ctx.textBaseline = 'top';
        ctx.fillText(pick(b.label).toUpperCase() + (lang === 'zh' ? '' : ' LEVEL'), 0, b.y0 + 6);
      });
      (L.lanes || []).forEach(function (ln, i) {
        if (i) {
          ctx.strokeStyle = '#c3cad4'; ctx.lineWidth = 2; ctx.setLineDash([8, 6]);
          var x = ln.x0 - 15;
          ctx.beginPath(); ctx.moveTo(x, wb.y0 + 4); ctx.lineTo(x, wb.y1); ctx.stroke(); ctx.setLineDash([]);
        }
        ctx.fillStyle = '#111827';
        ctx.font = 'bold ' + DECOR_FONT + 'px ' + FACE;
        ctx.textBaseline = 'top';
        decorLines(ctx, pick(ln.label), Math.max(ln.x1 - ln.x0, 120)).forEach(function (line, k) {
          ctx.fillText(line, ln.x0, wb.y0 + 6 + k * (DECOR_FONT + 2), Math.max(ln.x1 - ln.x0, 120));
        });
      });
      drawConnectors(ctx);
    } else if (MODE === 'overview') {
      colBoxes.forEach(function (c) {
        ctx.fillStyle = '#f1f4f8';
        ctx.strokeStyle = '#d5dbe3'; ctx.lineWidth = 1.5;
        ctx.beginPath();
        if (ctx.roundRect) ctx.roundRect(c.x0, c.y0, c.x1 - c.x0, c.y1 - c.y0, 12); else ctx.rect(c.x0, c.y0, c.x1 - c.x0, c.y1 - c.y0);
        ctx.fill(); ctx.stroke();
        if (c.title) {
          ctx.fillStyle = '#111827'; ctx.font = 'bold ' + DECOR_FONT + 'px ' + FACE; ctx.textBaseline = 'top';
          ctx.fillText(c.title, c.x0 + 10, c.y0 + 10, c.x1 - c.x0 - 20);
        }
      });
    }
  });
  // Org-chart connectors, drawn behind the boxes: a trunk down from each parent, then a short
  // arm to each child's side (or straight onto its top when the child sits under the trunk).
  var KIDS = {};
  (L.hierarchy || []).forEach(function (cp) { (KIDS[cp[1]] = KIDS[cp[1]] || []).push(cp[0]); });
  function drawConnectors(ctx) {
    var bodies = network.body.nodes;
    ctx.strokeStyle = '#4b5563'; ctx.lineWidth = 2; ctx.setLineDash([]);
    Object.keys(KIDS).forEach(function (p) {
      var pn = bodies[p];
      if (!pn || pn.options.hidden) return;
      var pb = pn.shape.height ? { left: pn.x - pn.shape.width / 2, right: pn.x + pn.shape.width / 2, bottom: pn.y + pn.shape.height / 2 } : null;
      if (!pb) return;
      var kids = KIDS[p].map(function (c) { return bodies[c]; }).filter(function (c) { return c && !c.options.hidden && c.shape.height; });
      if (!kids.length) return;
      // the trunk: under the parent's centre, arms to the children's near sides; when a child
      // sits right under the trunk with another below it, or the children stand in three or
      // more columns, a comb instead: a bar just above the first children, from it a drop down
      // the gap left of each column, an arm into each child's left side.
      var tx = pn.x;
      var blocked = kids.some(function (c) {
        var l = c.x - c.shape.width / 2, r = c.x + c.shape.width / 2;
        return l < tx && tx < r && kids.some(function (d) { return d !== c && d.y > c.y; });
      });
      var cols = {};
      kids.forEach(function (c) { cols[Math.round(c.x)] = true; });
      ctx.beginPath();
      if (blocked || Object.keys(cols).length > 2) {
        var barY = Math.min.apply(null, kids.map(function (c) { return c.y - c.shape.height / 2; })) - 6;
        var xs = [tx];
        kids.forEach(function (c) {
          var l = c.x - c.shape.width / 2, dx = l - BOX_GAP / 2, y = Math.min(c.y, c.y - c.shape.height / 2 + 16);
          ctx.moveTo(dx, barY); ctx.lineTo(dx, y); ctx.lineTo(l, y); xs.push(dx);
        });
        ctx.moveTo(tx, pb.bottom); ctx.lineTo(tx, barY);
        ctx.moveTo(Math.min.apply(null, xs), barY); ctx.lineTo(Math.max.apply(null, xs), barY);
        ctx.stroke();
        return;
      }
      var bottom = pb.bottom;
      kids.forEach(function (c) {
        var l = c.x - c.shape.width / 2, r = c.x + c.shape.width / 2, top = c.y - c.shape.height / 2;
        if (l < tx && tx < r) {
          ctx.moveTo(tx, top); bottom = Math.max(bottom, top);
        } else {
          var y = Math.min(c.y, top + 16);
          ctx.moveTo(tx, y); ctx.lineTo(tx < l ? l : r, y); bottom = Math.max(bottom, y);
        }
      });
      ctx.moveTo(tx, pb.bottom); ctx.lineTo(tx, bottom);
      ctx.stroke();
    });
  }
  api.decorFont = DECOR_FONT;
  api.background = function (x, y) {
    // what is drawn behind a point of the world (for the contrast test)
    if (MODE === 'orgchart') {
      var bs = L.bands || [];
      for (var i = 0; i < bs.length; i++) if (y >= bs[i].y0 && y < bs[i].y1) return BAND_FILL[i % 2];
    } else if (MODE === 'overview') {
      for (var j = 0; j < colBoxes.length; j++) {
        var c = colBoxes[j];
        if (x >= c.x0 && x <= c.x1 && y >= c.y0 && y <= c.y1) return '#f1f4f8';
      }
    }
    return '#ffffff';
  };

  function fitView(animate) {
    var wb = worldBox();
    // let vis-network take the container's current size first: it rescales the view when it
    // notices a size change later, which would undo this fit
    network.setSize('100%', '100%');
    if (!wb) { network.fit(animate ? { animation: { duration: 300 } } : undefined); return; }
    var w = container.clientWidth, h = container.clientHeight;
    var scale = Math.min(w / (wb.x1 - wb.x0), h / (wb.y1 - wb.y0)) * 0.98;
    network.moveTo({ position: { x: (wb.x0 + wb.x1) / 2, y: (wb.y0 + wb.y1) / 2 }, scale: scale,
                     animation: animate ? { duration: 300, easingFunction: 'easeInOutQuad' } : false });
  }

  function markReady() {
    if (api.ready) return;
    api.ready = true;
    api.timings.ready = performance.now();
    document.documentElement.setAttribute('data-ready', 'true');
  }
  var settling = MODE === 'overview' ? 3 : 0;
  var fitted = MODE === 'force' && !precomputed;
  network.on('afterDrawing', function () {
    api.draws += 1;
    if (!api.timings.firstDraw) api.timings.firstDraw = performance.now();
    if (MODE === 'overview' && settling > 0) {
      settling -= 1;
      if (remeasure()) { layoutOverview(); fitView(false); return; }
      settling = 0;
    }
    if (!api.ready && (precomputed || api.stabilized)) {
      // fit once more now that the page around the canvas has its final size, then ready
      if (!fitted) { fitted = true; fitView(false); network.redraw(); return; }
      markReady();
    }
  });
  network.on('stabilizationIterationsDone', function () {
    api.stabilized = true;
    network.setOptions({ physics: false });
    network.fit();
    network.redraw();
  });

  // ----- side panel (a drawer over the graph's right edge) ----------------------------------
  var panel = document.getElementById('panel');
  var panelBody = document.getElementById('panel-body');
  var current = null;
  function openPanel(on) {
    document.body.classList.toggle('panel-open', !!on);
  }
  document.getElementById('panel-close').addEventListener('click', function () { openPanel(false); network.unselectAll(); current = null; showEdgesOf(null); });

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
  var status = document.getElementById('status');
  function showHint() {
    clear(panelBody);
    panelBody.appendChild(el('p', 'hint', pick(DATA.view.description)));
    panelBody.appendChild(el('p', 'hint', t('click_hint')));
    panelBody.appendChild(el('p', 'hint', t('counts').replace('{n}', NODES.length).replace('{e}', EDGES.length)));
  }
  function showDetails(id) {
    var n = byId[id];
    if (!n) return;
    current = id;
    var d = DETAILS[id] || {};
    clear(panelBody);
    panelBody.appendChild(el('h2', null, nodeLabel(n)));
    panelBody.appendChild(el('p', 'other-lang', lang === 'zh' ? n.label_en : n.label_zh));
    if (n.page) {  // the entity's page in the site (ipkg.site), when the build wrote one
      var pageLink = el('a', 'page-link', lang === 'zh' ? '打开实体页面（全部事实及其来源）' : 'Open its page (every fact with its source)');
      pageLink.href = n.page;
      var pageP = el('p');
      pageP.appendChild(pageLink);
      panelBody.appendChild(pageP);
    }
    var dl = el('dl');
    addRow(dl, t('class'), pick(d.class_label) || n['class']);
    addRow(dl, t('iri'), el('code', null, d.curie || id));
    addRow(dl, t('full_iri'), el('code', null, id));
    if (n.alt && n.alt.length) addRow(dl, t('also'), n.alt.join(' \u00b7 '));
    if (n.value) addRow(dl, t('value'), n.value + (n.unit ? ' ' + pick(n.unit) : ''));
    (d.dates || []).forEach(function (x) { addRow(dl, pick(x.p), x.v); });
    if (n.undated) addRow(dl, t('founded'), el('span', 'badge', t('undated')));
    if (typeof n.depth === 'number') addRow(dl, t('depth'), String(n.depth));
    panelBody.appendChild(dl);

    if (d.facts && d.facts.length) {
      panelBody.appendChild(el('h3', null, t('facts')));
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
      panelBody.appendChild(fl);
    }

    panelBody.appendChild(el('h3', null, t('sources')));
    if (!(d.sources && d.sources.length) && !(d.statements && d.statements.length)) {
      panelBody.appendChild(el('p', 'hint', t('no_sources')));
    }
    if (d.sources && d.sources.length) {
      var ul = el('ul', 'sources');
      d.sources.forEach(function (s) {
        var li = el('li', 'source');
        li.appendChild(el('strong', 'source-title', pick(s.title)));
        if (s.identifier) { li.appendChild(document.createTextNode(' ')); li.appendChild(el('code', null, s.identifier)); }
        ul.appendChild(li);
      });
      panelBody.appendChild(ul);
    }
    (d.statements || []).forEach(function (st) {
      var box = el('dl', 'statement');
      if (st.about) addRow(box, t('statement'), pick(st.about));
      if (st.locator) addRow(box, t('locator'), st.locator);
      if (st.evidence) addRow(box, t('evidence'), el('span', 'evidence', '\u201c' + st.evidence + '\u201d'));
      if (st.source) addRow(box, t('source'), pick(st.source));
      panelBody.appendChild(box);
    });

    var links = EDGES.map(function (e, i) { return i; }).filter(function (i) { return EDGES[i].from === id || EDGES[i].to === id; });
    if (links.length) {
      panelBody.appendChild(el('h3', null, t('connections')));
      var cl = el('ul');
      links.slice(0, 200).forEach(function (i) {
        var e = EDGES[i];
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
      panelBody.appendChild(cl);
    }
    openPanel(true);
    showEdgesOf(id);
  }

  function reveal(id) {
    // a node folded under a badge: open the badge first
    var b = memberBadge[id];
    if (b && !open[b]) { toggleBadge(b, false); }
    var o = nodes.get(id);
    if (o && o.hidden && MODE === 'orgchart') { return false; }
    return true;
  }
  function select(id, focus) {
    if (!byId[id]) return false;
    reveal(id);
    network.selectNodes([id]);
    if (focus) {
      network.focus(id, { scale: Math.max(network.getScale(), 1.0), animation: { duration: 300, easingFunction: 'easeInOutQuad' } });
    }
    showDetails(id);
    return true;
  }
  function toggleBadge(bid, focus) {
    open[bid] = !open[bid];
    nodes.update([{ id: bid, label: badgeLabel(badges[bid]), title: el('div', null, open[bid] ? t('click_close') : t('click_open')) }]);
    layoutOverview();
    settling = 3;
    network.redraw();
    if (focus && open[bid]) {
      network.focus(bid, { scale: Math.max(network.getScale(), 0.9), locked: false, animation: { duration: 300 } });
    }
    api.openBadges = Object.keys(open).filter(function (k) { return open[k]; });
  }

  network.on('click', function (params) {
    if (params.nodes.length) {
      var id = params.nodes[0];
      if (badges[id]) { toggleBadge(id, true); return; }
      showDetails(id);
    } else if (!params.edges.length) { current = null; openPanel(false); showEdgesOf(null); }
  });

  // ----- search: labels, alternative labels and abbreviations; exact matches first ------
  var datalist = document.getElementById('ipkg-labels');
  var seen = {};
  NODES.forEach(function (n) {
    [n.label_en, n.label_zh].concat(n.alt || []).forEach(function (l) {
      if (l && !seen[l]) { seen[l] = 1; var o = document.createElement('option'); o.value = l; datalist.appendChild(o); }
    });
  });
  function norm(s) { return String(s || '').trim().toLowerCase().replace(/[\u2019']/g, "'").replace(/\s+/g, ' '); }
  function findNodes(q) {
    q = norm(q);
    if (!q) return [];
    var hits = [];
    NODES.forEach(function (n) {
      if (!n._keys) {  // normalised once, on the first search
        n._keys = [[norm(n.label_en), 0], [norm(n.label_zh), 0], [norm(n.curie), 0], [norm(n.id), 0]];
        (n.alt || []).forEach(function (a) { n._keys.push([norm(a), 1]); });
      }
      var best = null;
      n._keys.forEach(function (k) {
        var s = k[0];
        if (!s) return;
        var r = null;
        if (s === q) r = 0 + k[1] * 0.5;             // exact (preferred label before alt label)
        else if (s.indexOf(q) === 0) r = 2;          // prefix
        else if (s.indexOf(' ' + q) >= 0) r = 3;     // start of a word
        else if (s.indexOf(q) > 0) r = 4;            // anywhere
        if (r !== null && (best === null || r < best)) best = r;
      });
      if (best !== null) hits.push({ id: n.id, rank: best, label: nodeLabel(n) });
    });
    hits.sort(function (a, b) { return a.rank - b.rank || a.label.length - b.label.length || a.label.localeCompare(b.label); });
    return hits;
  }
  function findNode(q) { var h = findNodes(q); return h.length ? h[0].id : null; }
  var results = document.getElementById('results');
  function showResults(q, hits) {
    clear(results);
    if (!hits.length) { results.hidden = true; return; }
    results.hidden = false;
    var x = el('button', 'close', '\u00d7');
    x.type = 'button'; x.setAttribute('aria-label', t('close'));
    x.addEventListener('click', function () { results.hidden = true; });
    results.appendChild(x);
    results.appendChild(el('p', 'results-head', t('results').replace('{n}', hits.length).replace('{q}', q)));
    var ol = el('ol');
    hits.slice(0, 30).forEach(function (h) {
      var li = el('li');
      var b = el('button', 'link', h.label);
      b.type = 'button';
      b.setAttribute('data-id', h.id);
      b.addEventListener('click', function () { select(h.id, true); });
      li.appendChild(b);
      var g = group(byId[h.id]);
      li.appendChild(el('span', 'count', ' \u00b7 ' + pick(g.label)));
      ol.appendChild(li);
    });
    results.appendChild(ol);
  }
  function search(q) {
    var hits = findNodes(q);
    showResults(String(q), hits);
    if (!hits.length) { status.textContent = t('no_match').replace('{q}', String(q)); return null; }
    status.textContent = '';
    var id = hits[0].id;
    if (MODE === 'orgchart' && nodes.get(id).hidden) { setAsOf(''); }
    select(id, true);
    return id;
  }
  document.getElementById('search-form').addEventListener('submit', function (ev) {
    ev.preventDefault();
    search(document.getElementById('search').value);
  });

  // ----- as-of date (org chart): what existed on a day ----------------------------------
  var asOf = '';
  var asofBox = document.getElementById('asof');
  var DATES = [];
  function dayOf(partial) {
    // a partial date counts from its first day: 2020-11 -> 2020-11-01
    var m = /^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?/.exec(partial || '');
    if (!m) return null;
    return m[1] + '-' + (m[2] || '01') + '-' + (m[3] || '01');
  }
  if (MODE === 'orgchart') {
    NODES.forEach(function (n) { var d = dayOf(n.founded); if (d && DATES.indexOf(d) < 0) DATES.push(d); });
    DATES.sort();
  }
  function setAsOf(d) {
    asOf = d && /^\d{4}-\d{2}-\d{2}$/.test(d) ? d : '';
    var hide = [], showN = 0;
    NODES.forEach(function (n) {
      var f = dayOf(n.founded);
      var h = !!(asOf && f && f > asOf);
      hide.push({ id: n.id, hidden: h });
      if (!h) showN += 1;
    });
    nodes.update(hide);
    var slider = document.getElementById('asof-slider');
    var field = document.getElementById('asof-date');
    if (field && field.value !== asOf) field.value = asOf;
    if (slider) {
      var idx = DATES.length;
      if (asOf) { idx = 0; while (idx < DATES.length && DATES[idx] <= asOf) idx++; idx = Math.max(idx - 1, 0); if (DATES[0] > asOf) idx = 0; }
      slider.value = String(asOf ? idx : DATES.length);
    }
    var undated = NODES.filter(function (n) { return n.undated; }).length;
    var shown = document.getElementById('asof-shown');
    if (shown) {
      shown.textContent = (asOf ? t('asof_shown').replace('{d}', asOf) : t('asof_all'))
        .replace('{n}', showN).replace('{t}', NODES.length) + ' ' + t('asof_undated').replace('{u}', undated);
      shown.title = t('asof_undated_long');
    }
    var h = asOf ? '#as-of=' + asOf : '';
    if (location.hash !== h && (h || location.hash)) {
      history.replaceState(null, '', h || (location.pathname + location.search));
    }
    api.asOf = asOf;
    return showN;
  }
  function buildAsOf() {
    if (MODE !== 'orgchart' || !asofBox) return;
    asofBox.hidden = false;
    clear(asofBox);
    var lab = el('label', null, t('asof_label'));
    lab.setAttribute('for', 'asof-slider');
    var slider = el('input'); slider.type = 'range'; slider.id = 'asof-slider';
    slider.min = '0'; slider.max = String(DATES.length); slider.step = '1'; slider.value = String(DATES.length);
    slider.setAttribute('aria-label', t('asof_label'));
    slider.addEventListener('input', function () {
      var i = parseInt(slider.value, 10);
      setAsOf(i >= DATES.length ? '' : DATES[i]);
    });
    var field = el('input'); field.type = 'date'; field.id = 'asof-date';
    field.setAttribute('aria-label', t('asof_field'));
    field.addEventListener('change', function () { setAsOf(field.value); });
    var all = el('button', null, t('asof_today')); all.type = 'button'; all.id = 'asof-all';
    all.addEventListener('click', function () { setAsOf(''); });
    var shown = el('span', null, ''); shown.id = 'asof-shown';
    asofBox.appendChild(lab); asofBox.appendChild(slider); asofBox.appendChild(field); asofBox.appendChild(all); asofBox.appendChild(shown);
  }
  function hashAsOf() {
    var m = /as-of=(\d{4}-\d{2}-\d{2})/.exec(location.hash || '');
    return m ? m[1] : (DATA.view.as_of || '');
  }
  window.addEventListener('hashchange', function () { if (MODE === 'orgchart') setAsOf(hashAsOf()); });

  // ----- legend and language ----------------------------------------------------------
  var SVGNS = 'http://www.w3.org/2000/svg';
  function swatch(g) {
    var svg = document.createElementNS(SVGNS, 'svg');
    svg.setAttribute('width', '22'); svg.setAttribute('height', '18'); svg.setAttribute('viewBox', '0 0 22 18');
    svg.setAttribute('aria-hidden', 'true');
    var shape, s = BOXED ? 'box' : g.shape;
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
    if (NODES.some(function (n) { return n.undated; })) {
      var li = el('li');
      li.appendChild(el('span', 'dashed', '\u2002\u2002\u2002'));
      li.appendChild(el('span', null, t('undated_legend')));
      ul.appendChild(li);
    }
    if (MODE === 'overview') {
      var lb = el('li');
      lb.appendChild(el('span', 'badge-swatch', '\u25b8 12'));
      lb.appendChild(el('span', null, t('badge_legend')));
      ul.appendChild(lb);
    }
  }
  function renderUI() {
    document.documentElement.lang = lang === 'zh' ? 'zh-Hans' : 'en';
    var title = pick(DATA.view.title);
    document.title = title + ' \u2014 ipkg';
    document.getElementById('view-title').textContent = title;
    document.getElementById('search-label').textContent = t('search_label');
    document.getElementById('search').placeholder = t('search_placeholder');
    document.getElementById('search-button').textContent = t('search_button');
    document.getElementById('lang-toggle').textContent = t('other_language');
    document.getElementById('lang-toggle').setAttribute('aria-label', t('switch_language'));
    document.getElementById('fit').textContent = t('fit');
    document.getElementById('help').title = t('help');
    document.getElementById('help').setAttribute('aria-label', t('help'));
    document.getElementById('present').textContent = present ? t('present_off') : t('present');
    document.getElementById('export-png').textContent = 'PNG';
    document.getElementById('export-svg').textContent = 'SVG';
    document.getElementById('export-png').title = t('export_png');
    document.getElementById('export-svg').title = t('export_svg');
    document.getElementById('panel-close').setAttribute('aria-label', t('close'));
    var home = document.getElementById('home');
    if (home) home.textContent = t('home');
    container.setAttribute('aria-label', title);
    renderLegend();
    if (MODE === 'orgchart') { buildAsOf(); setAsOf(asOf); }
  }
  function setLang(l) {
    lang = l === 'zh' ? 'zh' : 'en';
    nodes.update(NODES.filter(function (n) { return nodes.get(n.id); }).map(function (n) { return { id: n.id, label: displayLabel(n) }; }));
    Object.keys(badges).forEach(function (id) { nodes.update({ id: id, label: badgeLabel(badges[id]) }); });
    renderUI();
    if (MODE === 'overview') { measured = {}; layoutOverview(); settling = 3; }
    if (current) showDetails(current); else showHint();
    if (MODE !== 'force') network.redraw();  // band and lane titles; the relabelled nodes redraw anyway
    return lang;
  }
  document.getElementById('lang-toggle').addEventListener('click', function () { setLang(lang === 'en' ? 'zh' : 'en'); });
  document.getElementById('fit').addEventListener('click', function () { fitView(true); });

  // ----- presentation mode and export -----------------------------------------------------
  function setPresent(on) {
    present = !!on;
    document.body.classList.toggle('present', present);
    if (present) openPanel(false);
    if (MODE === 'overview') {
      nodes.update(nodes.get().map(function (o) {
        var base = isHub[o.id] ? HUB_FONT : MEMBER_FONT;
        return { id: o.id, font: { size: fontSize(base) } };
      }));
      measured = {}; layoutOverview(); settling = 3;
    }
    renderUI();
    network.setSize('100%', '100%');
    network.redraw();
    fitView(false);
    return present;
  }
  document.getElementById('present').addEventListener('click', function () { setPresent(!present); });
  document.getElementById('help').addEventListener('click', function () {
    if (document.body.classList.contains('panel-open') && !current) { openPanel(false); return; }
    current = null; network.unselectAll(); showHint(); openPanel(true);
  });
  document.addEventListener('keydown', function (ev) {
    if (ev.key === 'Escape') { if (present) setPresent(false); results.hidden = true; }
  });
  function download(name, href) {
    var a = document.createElement('a');
    a.href = href; a.download = name;
    document.body.appendChild(a); a.click(); document.body.removeChild(a);
  }
  function exportPNG() {
    var canvas = container.querySelector('canvas');
    // the canvas is transparent where nothing is drawn: put it on white
    var c = document.createElement('canvas');
    c.width = canvas.width; c.height = canvas.height;
    var g = c.getContext('2d');
    g.fillStyle = '#ffffff'; g.fillRect(0, 0, c.width, c.height); g.drawImage(canvas, 0, 0);
    var url = c.toDataURL('image/png');
    download(DATA.view.name + '.png', url);
    return url;
  }
  function exportSVG() {
    // the current view as vector graphics: what is on screen, boxes, labels and links
    var view = network.getViewPosition(), scale = network.getScale();
    var W = container.clientWidth, H = container.clientHeight;
    function sx(x) { return (x - view.x) * scale + W / 2; }
    function sy(y) { return (y - view.y) * scale + H / 2; }
    var svg = document.createElementNS(SVGNS, 'svg');
    svg.setAttribute('xmlns', SVGNS);
    svg.setAttribute('width', String(W)); svg.setAttribute('height', String(H));
    svg.setAttribute('viewBox', '0 0 ' + W + ' ' + H);
    svg.setAttribute('font-family', FACE);
    var bg = document.createElementNS(SVGNS, 'rect');
    bg.setAttribute('width', String(W)); bg.setAttribute('height', String(H)); bg.setAttribute('fill', '#ffffff');
    svg.appendChild(bg);
    var pos = network.getPositions();
    edges.forEach(function (e) {
      if (e.hidden || !pos[e.from] || !pos[e.to]) return;
      var a = network.body.nodes[e.from], b = network.body.nodes[e.to];
      if (!a || !b || a.options.hidden || b.options.hidden) return;
      var ln = document.createElementNS(SVGNS, 'line');
      ln.setAttribute('x1', sx(pos[e.from].x)); ln.setAttribute('y1', sy(pos[e.from].y));
      ln.setAttribute('x2', sx(pos[e.to].x)); ln.setAttribute('y2', sy(pos[e.to].y));
      ln.setAttribute('stroke', '#8a8a8a'); ln.setAttribute('stroke-width', '1');
      svg.appendChild(ln);
    });
    nodes.forEach(function (o) {
      if (o.hidden) return;
      var bn = network.body.nodes[o.id];
      if (!bn) return;
      var bb = network.getBoundingBox(o.id);
      var r = document.createElementNS(SVGNS, 'rect');
      r.setAttribute('x', sx(bb.left)); r.setAttribute('y', sy(bb.top));
      r.setAttribute('width', (bb.right - bb.left) * scale); r.setAttribute('height', (bb.bottom - bb.top) * scale);
      r.setAttribute('rx', 4 * scale);
      r.setAttribute('fill', bn.options.color.background); r.setAttribute('stroke', bn.options.color.border);
      svg.appendChild(r);
      var lines = (bn.labelModule && bn.labelModule.lineCount) ? bn.labelModule.lines : null;
      var txt = document.createElementNS(SVGNS, 'text');
      var size = bn.options.font.size * scale;
      txt.setAttribute('font-size', size.toFixed(1)); txt.setAttribute('fill', bn.options.font.color);
      txt.setAttribute('text-anchor', 'middle');
      var parts = lines ? lines.map(function (l) { return l.blocks.map(function (b) { return b.text; }).join(''); }) : String(o.label || '').split('\n');
      var cy = sy(bn.y) - (parts.length - 1) * size * 0.6;
      parts.forEach(function (p, i) {
        var ts = document.createElementNS(SVGNS, 'tspan');
        ts.setAttribute('x', sx(bn.x)); ts.setAttribute('y', (cy + i * size * 1.2 + size * 0.35).toFixed(1));
        ts.textContent = p;
        txt.appendChild(ts);
      });
      svg.appendChild(txt);
    });
    var text = new XMLSerializer().serializeToString(svg);
    var url = URL.createObjectURL(new Blob([text], { type: 'image/svg+xml' }));
    download(DATA.view.name + '.svg', url);
    setTimeout(function () { URL.revokeObjectURL(url); }, 5000);
    return text;
  }
  document.getElementById('export-png').addEventListener('click', exportPNG);
  document.getElementById('export-svg').addEventListener('click', exportSVG);

  api.data = DATA;
  api.search = search;
  api.findNode = findNode;
  api.findNodes = function (q) { return findNodes(q).map(function (h) { return h.id; }); };
  api.select = function (id) { return select(id, false); };
  api.selected = function () { return network.getSelectedNodes(); };
  api.setLang = setLang;
  api.lang = function () { return lang; };
  api.label = function (id) { var n = nodes.get(id); return n ? n.label : null; };
  api.drawnNodeCount = function () { return network.body.nodeIndices.filter(function (id) { return !network.body.nodes[id].options.hidden; }).length; };
  api.panelText = function () { return panelBody.textContent; };
  api.badges = function () {
    return Object.keys(badges).map(function (id) { return { id: id, group: badges[id].group, count: badges[id].members.length, open: !!open[id], hub: badges[id].col.hub }; });
  };
  api.toggleBadge = function (id) { toggleBadge(id, false); };
  api.setAsOf = setAsOf;
  api.asOfDates = DATES;
  api.setPresent = setPresent;
  api.exportPNG = exportPNG;
  api.exportSVG = exportSVG;
  api.fit = function () { fitView(false); };
  api.columns = function () { return colBoxes; };

  if (MODE === 'overview') layoutOverview();
  renderUI();
  showHint();
  network.setData({ nodes: nodes, edges: edges });
  if (MODE === 'orgchart') { var h0 = hashAsOf(); if (h0) setAsOf(h0); }
  if (precomputed) { fitView(false); }
  window.addEventListener('resize', function () { setTimeout(function () { fitView(false); }, 50); });
  api.timings.dataSet = performance.now();
})();
