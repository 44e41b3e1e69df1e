"""Build-time layouts for the curated views.

* :func:`org_chart` – the institutions view as a printed org chart: horizontal **bands** for the
  administrative levels (``ipkg:level``: national → provincial → municipal → district, then
  "level not given"), vertical **lanes** for the kinds of body (procuratorates, courts,
  legislatures, administrative and police authorities, committees, others; ``[views.institutions.lanes]``
  in ``ontology/views.toml``), every parent above its children.

  Why not Graphviz ``dot`` or a Sugiyama library (grandalf): the hierarchy is a forest (each
  body or unit has at most one parent in ``org:subOrganizationOf`` / ``org:unitOf``), so the
  layered crossing-minimisation those tools solve does not arise; what a teacher needs is what
  they cannot express without post-processing: level bands shared by all lanes, units listed
  under their body, lists of peers stacked. So this is a tidy-tree layout (Reingold–Tilford:
  each subtree gets its own x-range, parents centred over their children) with three org-chart
  rules: (1) children in the parent's band (units, same-level sub-organisations) are stacked
  under it in up to ``abreast`` columns, the first row in label order and each next child under
  the shortest column (masonry); (2) children in a lower band are listed like peers: in label
  order down a column as long as it is no taller than the tallest of them and holds at most
  ``wrap``, then in the next column to the right; (3) roots of one lane are packed column by
  column, a lower-band root reusing the space under a root that has nothing below it.
  With ``wrap = 0`` the box width, ``abreast`` and ``wrap`` are chosen together: of the
  arrangements tried, the one drawn largest on a 1366x768 projector (so more bodies in the data
  reshape the chart before they shrink the type). The page draws the connectors as a comb when
  the children stand in more than two columns: a bar above them, a drop down the gap left of
  each column, an arm into each child.
  Positions are fixed in the page (physics off), so the drawing is the same on every screen.

Box sizes are estimated from the labels (both languages, the longer wins) with conservative
glyph widths; the browser tests check on the real drawing that no two boxes overlap.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from functools import lru_cache
from typing import TYPE_CHECKING

from rdflib import URIRef

from .builders import IPKG, Context

if TYPE_CHECKING:
    import networkx as nx

#: Box geometry of the org chart (world px = CSS px at zoom 1).
BOX_W = 190          # outer width of every box (vis widthConstraint min = max)
FONT = 20            # label font size of every box
PAD = 7              # vis-network box margin on each side
GAP_X = 20           # between columns
GAP_Y = 12           # between stacked boxes
BAND_GAP = 42        # between bands (room for the band title)
LANE_GAP = 24        # between lanes
ABREAST = 2          # same-band children side by side from this many on
ABREAST_TRIED = (2, 3, 4)  # how many abreast at most: tried when ``wrap = 0``
_LEVEL = URIRef(IPKG + "level")
_JURISDICTION = URIRef(IPKG + "jurisdiction")


def _char_w(ch: str) -> float:
    if unicodedata.east_asian_width(ch) in ("W", "F"):
        return 1.0
    if ch in "il.,;:'|!()[]":
        return 0.34
    if ch in "mwMW":
        return 0.9
    if ch.isupper():
        return 0.72
    return 0.6


@lru_cache(maxsize=1 << 14)  # org_chart tries 72 arrangements of the same labels
def text_lines(text: str, font: float | None = None, inner: float | None = None) -> int:
    """How many lines vis-network's word wrap makes of ``text`` in a box ``inner`` px wide
    (estimated with wide glyphs: better a little too tall than overlapping)."""
    font = FONT if font is None else font
    inner = BOX_W - 2 * PAD if inner is None else inner
    total = 0
    for para in str(text).split("\n"):
        lines, cur = 1, 0.0
        # CJK wraps between any two characters; Latin at spaces.
        tokens: list[str] = []
        word = ""
        for ch in para:
            if ch == " " or unicodedata.east_asian_width(ch) in ("W", "F"):
                if word:
                    tokens.append(word)
                    word = ""
                tokens.append(ch)
            else:
                word += ch
        if word:
            tokens.append(word)
        for tok in tokens:
            w = sum(_char_w(c) for c in tok) * font
            if tok == " ":
                cur += w
                continue
            if cur and cur + w > inner:
                lines += 1
                cur = 0.0
            while w > inner:  # a word longer than the box is broken
                lines += 1
                w -= inner
            cur += w
        total += lines
    return total


@lru_cache(maxsize=1 << 14)
def broken_words(text: str, font: float | None = None, inner: float | None = None) -> int:
    """How many Latin words of ``text`` are longer than a line ``inner`` px wide, so that
    vis-network's word wrap breaks them mid-word ("litigatio / n")."""
    font = FONT if font is None else font
    inner = BOX_W - 2 * PAD if inner is None else inner
    words = re.split(r"[\s\u2E80-\u9FFF\uF900-\uFAFF\uFF00-\uFFEF]+", str(text))
    return sum(1 for w in words if w and sum(_char_w(c) for c in w) * font > inner)


def box_height(labels: list[str], font: float | None = None, box_w: float | None = None) -> float:
    font = FONT if font is None else font
    inner = (BOX_W if box_w is None else box_w) - 2 * PAD
    # vis-network: one line = the font size; the box adds its margin above and below
    # (+8: the border and the corner radius vis-network adds to a box's bounding box)
    return max(text_lines(t, font, inner) for t in labels) * font + 2 * PAD + 8


def _level_rank(ctx: Context, iri: URIRef, levels: list[URIRef]) -> int | None:
    for lv in ctx.objects(iri, _LEVEL):
        if lv in levels:
            return levels.index(lv)
    return None


def date_line(founded: str | None, lang: str) -> str:
    if not founded:
        return ""
    return f"since {founded}" if lang == "en" else f"{founded} 设立"


#: The screen the org chart is shaped for when ``wrap = 0`` (a 1366x768 projector, minus the
#: page's header, as-of bar and legend).
TARGET_SCREEN = (1366, 650)


#: Box widths the layout tries when ``wrap = 0`` (wider boxes: fewer lines per label, so a
#: lower chart; narrower: a narrower one).
BOX_WIDTHS = (190, 230, 270, 310)


# C901: complexity 60, one layout routine of nested helpers (blocks, bands, columns, lanes);
# split it into named steps, then drop the noqa.
def org_chart(G: nx.MultiDiGraph, ctx: Context, wrap: int | None = None, box_w: float | None = None,  # noqa: C901
              abreast: int = 2) -> dict:
    """Positions and decorations for the institutions view: ``{"positions": {id: [x, y]},
    "bands": [...], "lanes": [...], "box": {...}}`` (y grows downwards, as on the canvas).

    ``wrap`` (else ``[views.institutions] wrap``): lower-band children per column at most;
    ``abreast``: columns of same-band children at most; ``box_w``: the width of every box.
    ``wrap = 0`` tries 1 to 6 with each of :data:`BOX_WIDTHS` (or ``box_w``) and
    :data:`ABREAST_TRIED`, and keeps the chart that is drawn largest on :data:`TARGET_SCREEN`."""
    spec = ctx.cfg.get("views", {}).get("institutions", {})
    wrap = int(spec.get("wrap", 0)) if wrap is None else wrap
    if wrap <= 0:
        best = None
        for b_w, ab, w in itertools.product([box_w] if box_w else BOX_WIDTHS, ABREAST_TRIED, range(1, 7)):
            chart = org_chart(G, ctx, wrap=w, box_w=b_w, abreast=ab)
            width, height = chart["size"]
            scale = min(TARGET_SCREEN[0] / max(width + 32, 1), TARGET_SCREEN[1] / max(height + 52, 1))
            # a label whose word is broken mid-word reads badly: fewer broken words first, then
            # the chart drawn largest
            key = (-chart["broken_words"], scale)
            if best is None or key[0] > best[0][0] or (key[0] == best[0][0] and scale > best[0][1] + 1e-9):
                best = (key, chart)
        return best[1]
    bw = box_w or BOX_W  # the box width of this chart
    lane_specs = spec.get("lanes", [])
    level_iris = [ctx.expand(c) for c in spec.get("levels", [])]
    level_labels = [ctx.labels(lv) for lv in level_iris]
    unknown = len(level_iris)  # band index for "level not given"

    parent_props = {ctx.curie(ctx.expand(p)) for p in spec.get("out", [])}
    parent: dict[str, str] = {}
    for s, o, k in sorted(G.edges(keys=True)):
        if k in parent_props and s not in parent and s != o:
            parent[s] = o
    # a cycle would make a node its own ancestor: cut it at the first repeat
    for n in list(parent):
        seen, m = {n}, parent.get(n)
        while m is not None:
            if m in seen:
                parent.pop(n, None)
                break
            seen.add(m)
            m = parent.get(m)
    children: dict[str, list[str]] = {}
    for c, p in parent.items():
        children.setdefault(p, []).append(c)

    def label_key(n):
        return (G.nodes[n].get("label_en", "").casefold(), n)

    # band of each node: own level; else the level of its jurisdiction (a group spanning levels
    # is drawn at the top one its place gives); else its parent's; never above its parent.
    band: dict[str, int] = {}

    def band_of(n: str) -> int:
        if n in band:
            return band[n]
        own = _level_rank(ctx, URIRef(n), level_iris)
        p = parent.get(n)
        if own is None:
            for place in ctx.objects(URIRef(n), _JURISDICTION):
                own = _level_rank(ctx, place, level_iris)
                if own is not None:
                    break
        if p is not None:
            pb = band_of(p)
            own = pb if own is None else max(own, pb)
        band[n] = unknown if own is None else own
        return band[n]

    for n in G.nodes:
        band_of(n)

    # lane of each node: the lane of its root, by class (first lane whose classes match)
    lane_keys = [ls["key"] for ls in lane_specs] + ["other"]
    lane_classes = [[ctx.expand(c) for c in ls.get("classes", [])] for ls in lane_specs]

    def lane_of_class(n: str) -> int:
        cls = ctx.class_of(URIRef(n))
        anc = ctx.ancestors(cls) if cls is not None else []
        for i, classes in enumerate(lane_classes):
            if any(c in anc for c in classes):
                return i
        return len(lane_specs)

    def root(n: str) -> str:
        while n in parent:
            n = parent[n]
        return n

    heights = {}
    broken = 0
    for n, a in G.nodes(data=True):
        founded = a.get("founded")
        broken += broken_words(a.get("label_en", ""), inner=bw - 2 * PAD)
        heights[n] = box_height([
            a.get("label_en", "") + ("\n" + date_line(founded, "en") if founded else ""),
            a.get("label_zh", "") + ("\n" + date_line(founded, "zh") if founded else ""),
        ], box_w=bw)

    # A "block": a node with its same-band descendants stacked under it. Returns the block's
    # width, its height and the relative positions (centre x from the block's left edge, top y).
    def block(n: str):
        same = sorted((c for c in children.get(n, []) if band[c] == band[n]), key=label_key)
        items = {n: (bw / 2, 0.0)}
        y = heights[n] + GAP_Y
        if not same:
            return bw, heights[n], items
        sub = [block(c) for c in same]
        ncols = min(abreast, len(same)) if len(same) >= ABREAST else 1
        # masonry: the first row in label order, then each next child under the shortest column
        # (a single child straight under its parent; two or more side by side, centred)
        col_of, col_y = [], [y] * ncols
        for i, (_w, h, _) in enumerate(sub):
            c = i if i < ncols else min(range(ncols), key=lambda k: (col_y[k], k))
            col_of.append((c, col_y[c]))
            col_y[c] += h + GAP_Y
        col_w_ = [max([sub[i][0] for i in range(len(sub)) if col_of[i][0] == c] or [bw]) for c in range(ncols)]
        col_x = [sum(col_w_[:c]) + GAP_X * c for c in range(ncols)]
        width = max(bw, col_x[-1] + col_w_[-1])
        for (c, cy0), (w, _h, its) in zip(col_of, sub):
            x = col_x[c] + (col_w_[c] - w) / 2
            for m, (cx, cy) in its.items():
                items[m] = (x + cx, cy0 + cy)
        y = max(col_y)
        if ncols > 1:  # centre the parent over the columns
            items[n] = (width / 2, 0.0)
        return width, y - GAP_Y, items

    # band heights: the tallest block in each band
    blocks = {n: block(n) for n in G.nodes if n not in parent or band[n] != band[parent[n]]}
    band_h: dict[int, float] = {}
    for n, (_w, h, _) in blocks.items():
        band_h[band[n]] = max(band_h.get(band[n], 0.0), h)

    # lower-band children of a block: all nodes of the block whose children sit in a lower band
    def lower_children(items) -> list[str]:
        out = []
        for m in items:
            out += [c for c in children.get(m, []) if band[c] != band[m]]
        return sorted(out, key=label_key)

    # Subtree layout with lower-band children packed in columns; returns
    # (width, {node: (x, band, dy)}) where dy is the offset from the band's top.
    def subtree(n: str):
        w, h, items = blocks[n]
        kids = lower_children(items)
        placed = {m: (cx, band[n], cy) for m, (cx, cy) in items.items()}
        if not kids:
            return w, placed
        subs = [subtree(k) for k in kids]
        # Column packing (like peers in a list): the kids in label order, each in the current
        # column while it has room in every band it needs (up to the tallest kid's height) and
        # holds fewer than ``wrap`` kids, else in a new column to its right.
        needs = []
        for _sw, sp in subs:
            need: dict[int, float] = {}
            for m, (_, b, cy) in sp.items():
                need[b] = max(need.get(b, 0.0), cy + heights[m])
            needs.append(need)
        limit: dict[int, float] = {}
        for need in needs:
            for b, h in need.items():
                limit[b] = max(limit.get(b, 0.0), h)
        columns: list[dict] = []  # {"x": left, "w": width, "used": {band: height}, "n": kids}
        kid_at = []
        for (sw, sp), need in zip(subs, needs):
            col = columns[-1] if columns else None
            if col is None or col["n"] >= wrap or not all(
                    col["used"].get(b, 0.0) + (GAP_Y if col["used"].get(b) else 0.0) + h <= limit[b] + 1e-6
                    for b, h in need.items()):
                col = {"x": (columns[-1]["x"] + columns[-1]["w"] + GAP_X) if columns else 0.0,
                       "w": 0.0, "used": {}, "n": 0}
                columns.append(col)
            offs = {b: col["used"].get(b, 0.0) + (GAP_Y if col["used"].get(b) else 0.0) for b in need}
            for b, h in need.items():
                col["used"][b] = offs[b] + h
            col["w"] = max(col["w"], sw)
            col["n"] += 1
            kid_at.append((col, sw, sp, offs))
        kid_placed: dict = {}
        for col, sw, sp, offs in kid_at:
            x = col["x"] + (col["w"] - sw) / 2
            for m, (cx, b, cy) in sp.items():
                kid_placed[m] = (x + cx, b, cy + offs[b])
        total_w = columns[-1]["x"] + columns[-1]["w"]
        width = max(w, total_w)
        off_parent = (width - w) / 2
        off_kids = (width - total_w) / 2
        out = {m: (cx + off_parent, b, cy) for m, (cx, b, cy) in placed.items()}
        out.update({m: (cx + off_kids, b, cy) for m, (cx, b, cy) in kid_placed.items()})
        return width, out

    roots = sorted((n for n in G.nodes if n not in parent), key=lambda n: (band[n], label_key(n)))
    by_lane: dict[int, list[str]] = {}
    for r in roots:
        by_lane.setdefault(lane_of_class(r), []).append(r)

    trees = {r: subtree(r) for r in roots}
    for _, pl in trees.values():
        for m, (_, b, cy) in pl.items():
            band_h[b] = max(band_h.get(b, 0.0), cy + heights[m])
    bands_used = sorted(band_h)
    band_top: dict[int, float] = {}
    y = 0.0
    for b in bands_used:
        band_top[b] = y + BAND_GAP
        y = band_top[b] + band_h[b]
    total_h = y

    positions: dict[str, list[float]] = {}
    lanes_out = []
    x0 = 0.0
    for li in sorted(by_lane):
        # Pack the lane's root subtrees into columns: a subtree goes into the first column that
        # is wide enough and has room left in every band it needs (so peers without children
        # are listed one under the other, and a lower-band root slides under an upper one).
        columns: list[dict] = []  # {"x": left, "w": width, "used": {band: height used}}
        placed_roots = []
        for r in by_lane[li]:
            w, pl = trees[r]
            need: dict[int, float] = {}
            for m, (_, b, cy) in pl.items():
                need[b] = max(need.get(b, 0.0), cy + heights[m])
            spot = None
            for col in columns:
                if w > col["w"] + 1e-6:
                    continue
                if all(col["used"].get(b, 0.0) + (GAP_Y if col["used"].get(b) else 0.0) + h <= band_h[b] + 1e-6
                       for b, h in need.items()):
                    spot = col
                    break
            if spot is None:
                left = (columns[-1]["x"] + columns[-1]["w"] + GAP_X) if columns else 0.0
                spot = {"x": left, "w": w, "used": {}}
                columns.append(spot)
            offs = {b: spot["used"].get(b, 0.0) + (GAP_Y if spot["used"].get(b) else 0.0) for b in need}
            for b, h in need.items():
                spot["used"][b] = offs[b] + h
            placed_roots.append((r, spot, w, pl, offs))
        lane_w = (columns[-1]["x"] + columns[-1]["w"]) if columns else bw
        for _r, col, w, pl, offs in placed_roots:
            off = col["x"] + (col["w"] - w) / 2
            for m, (cx, b, cy) in pl.items():
                positions[m] = [round(x0 + off + cx, 1), round(band_top[b] + offs[b] + cy + heights[m] / 2, 1)]
        if li < len(lane_specs):
            label = lane_specs[li].get("label", {"en": lane_keys[li], "zh": lane_keys[li]})
        else:
            label = {"en": "other organisations", "zh": "其他机构"}
        lanes_out.append({"key": lane_keys[li], "label": label, "x0": round(x0, 1), "x1": round(x0 + lane_w, 1)})
        x0 += lane_w + LANE_GAP

    bands_out = []
    for b in bands_used:
        label = level_labels[b] if b < len(level_labels) else {"en": "level not given", "zh": "未注明层级"}
        bands_out.append({"rank": b, "label": label, "y0": round(band_top[b] - BAND_GAP + 8, 1),
                          "y1": round(band_top[b] + band_h[b] + 8, 1)})
    return {
        "positions": positions,
        "bands": bands_out,
        "lanes": lanes_out,
        "box": {"width": bw, "font": FONT, "gap": GAP_X},
        "size": [round(max(x0 - LANE_GAP, 0), 1), round(total_h, 1)],
        "broken_words": broken,
        "parents": parent,
    }


