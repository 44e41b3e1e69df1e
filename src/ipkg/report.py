"""The validation report: SHACL results plus hygiene-check results, in text, JSON, Markdown, Turtle.

A :class:`ValidationReport` holds :class:`Result` objects, each with its severity, focus node
(and the node's English/Chinese label), the ``path:line`` where the focus node is defined, the
result path and value, the shape or check that produced it, the constraint component, and the
message in English and Chinese. ``conforms`` is true when no result is a ``sh:Violation``
(warnings are allowed: the exit code); the SHACL report graph (:attr:`ValidationReport.graph`)
says ``sh:conforms false`` as soon as there is any result, as the SHACL specification defines.

Message languages: pyshacl keeps the language tags of ``sh:message`` on ordinary constraints
but drops them after substituting ``{?var}`` in SPARQL-based constraints; an untagged message
containing CJK characters is taken as the Chinese one.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from typing import Any

from .labels import graph_label
from .results import result_triples
from .terms import from_text as _term
from .terms import to_text
from .textable import markdown_table
from .vocab import Compactor

SH = "http://www.w3.org/ns/shacl#"
SHAPES_NS = "https://w3id.org/ipkg/shapes#"
CHECKS_NS = "https://w3id.org/ipkg/checks#"
#: the report-graph property that records where a focus node is defined ("path:line")
DEFINED_AT = SHAPES_NS + "definedAt"

SEVERITIES = ("Violation", "Warning", "Info")
_SEVERITY_ORDER = {s: i for i, s in enumerate(SEVERITIES)}
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]")

#: colour codes, written with a private-use stand-in for ESC until the data has been made
#: terminal-safe (ipkg.safety.terminal_safe), so that only ipkg's own codes reach the terminal
_ESC = "\ue000"
_MD_COLUMNS = ["focus", "label", "defined at", "rule", "path", "value", "message"]
_ANSI = {"Violation": _ESC + "[31m", "Warning": _ESC + "[33m", "Info": _ESC + "[36m", "bold": _ESC + "[1m",
         "dim": _ESC + "[2m", "end": _ESC + "[0m"}


def default_prefixes() -> dict[str, str]:
    from .load import PREFIXES

    prefixes = dict(PREFIXES)
    prefixes.setdefault("ipkgsh", SHAPES_NS)
    prefixes.setdefault("ipkgcheck", CHECKS_NS)
    prefixes.setdefault("sh", SH)
    return prefixes


def compactor(prefixes: dict[str, str] | None = None) -> Compactor:
    """The reports' IRI compactor (:class:`ipkg.vocab.Compactor`): local names of any script,
    ``<iri>`` for an IRI no prefix fits; the prefixes default to :func:`default_prefixes`."""
    if prefixes is None:
        global _DEFAULT_COMPACTOR
        if _DEFAULT_COMPACTOR is None:
            _DEFAULT_COMPACTOR = compactor(default_prefixes())
        return _DEFAULT_COMPACTOR
    return Compactor(prefixes, local="word", unmatched="scheme")


_DEFAULT_COMPACTOR: Compactor | None = None


@dataclass
class Result:
    severity: str  # "Violation" | "Warning" | "Info"
    focus: str  # the focus node (IRI, or _:id for a blank node)
    message_en: str = ""
    message_zh: str = ""
    focus_label: str | None = None
    focus_label_zh: str | None = None
    file: str | None = None  # where the focus node is defined
    line: int | None = None
    result_path: str | None = None
    value: str | None = None
    source_shape: str | None = None
    source_constraint: str | None = None  # the SPARQL constraint, for SPARQL-based rules
    component: str | None = None  # local name, e.g. "MinCountConstraintComponent"
    kind: str = "shacl"  # "shacl" or "check"
    check: str | None = None  # the hygiene check's name, for kind == "check"

    @property
    def location(self) -> str | None:
        if not self.file:
            return None
        return f"{self.file}:{self.line}" if self.line else self.file

    @property
    def rule(self) -> str | None:
        """The most specific rule IRI: the SPARQL constraint, else the shape (or the check)."""
        return self.source_constraint or self.source_shape

    def message(self, lang: str = "en") -> str:
        if lang == "zh":
            return self.message_zh or self.message_en
        return self.message_en or self.message_zh


@dataclass
class ValidationReport:
    """What ``ipkg validate`` found. ``results`` = SHACL results; ``check_results`` = hygiene checks."""

    results: list[Result] = field(default_factory=list)
    check_results: list[Result] = field(default_factory=list)
    shacl_graph: Any = None  # the pyshacl report graph (rdflib.Graph)
    prefixes: dict[str, str] = field(default_factory=default_prefixes)
    seconds: float | None = None
    checks_run: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)

    # ------------------------------------------------------------------ construction

    @classmethod
    def from_results_graph(cls, report_graph, shapes_graph=None, data_graph=None, origins=None, prefixes=None):
        """Build a report from a SHACL report graph (pyshacl's, or one merged from batches)."""
        report = cls(prefixes=prefixes or default_prefixes())
        report.shacl_graph = report_graph
        # in a stable order: a report graph read back from the cache iterates in another order
        report.results = sorted(results_from_graph(report_graph, data_graph, origins, report.compact),
                                key=lambda r: (cls._sort_key(r), r.result_path or "", r.message_en or ""))
        return report

    from_graph = from_results_graph

    @property
    def compact(self) -> Compactor:
        c = getattr(self, "_compactor", None)
        if c is None or c.prefixes is not self.prefixes:
            c = compactor(self.prefixes)
            self._compactor = c
        return c

    # ------------------------------------------------------------------ summary

    @property
    def all_results(self) -> list[Result]:
        return self.results + self.check_results

    @property
    def conforms(self) -> bool:
        return not any(r.severity == "Violation" for r in self.all_results)

    def count(self, severity: str) -> int:
        return sum(1 for r in self.all_results if r.severity == severity)

    @property
    def violations(self) -> int:
        return self.count("Violation")

    @property
    def warnings(self) -> int:
        return self.count("Warning")

    def fails(self, fail_on: str = "violation") -> bool:
        if fail_on == "warning":
            return any(r.severity in ("Violation", "Warning") for r in self.all_results)
        return not self.conforms

    def summary(self) -> str:
        state = "conforms" if self.conforms else "does not conform"
        s = f"{state}: {self.violations} violation(s), {self.warnings} warning(s)"
        info = self.count("Info")
        if info:
            s += f", {info} info"
        if self.seconds is not None:
            s += f" ({self.seconds:.2f} s)"
        return s

    def by_rule(self, severity: str = "Warning") -> list[tuple[str, int]]:
        """``(rule, count)`` for the results of one severity, most frequent first; a rule is the
        compact IRI of the SPARQL constraint or property shape, or the hygiene check's name."""
        counts: dict[str, int] = {}
        for r in self.all_results:
            if r.severity == severity:
                name = (r.check or "?") if r.kind == "check" else (self.compact(r.rule) or r.component or "?")
                counts[name] = counts.get(name, 0) + 1
        return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))

    def severity_lines(self, severity: str = "Warning", limit: int = 5, lang: str = "en") -> list[str]:
        """A one-line count by rule, then the first ``limit`` results as ``path:line: rule: message``
        (empty when there is no result of that severity)."""
        rules = self.by_rule(severity)
        if not rules:
            return []
        total = sum(n for _, n in rules)
        noun = severity.lower() + ("s" if total != 1 and severity != "Info" else "")
        lines = [f"{total} {noun}: " + ", ".join(f"{n} {rule}" for rule, n in rules)]
        shown = [r for r in self._sorted(self.all_results) if r.severity == severity]
        for r in shown[:limit]:
            rule = r.check if r.kind == "check" else self.compact(r.rule)
            lines.append(f"  {r.location or self.compact(r.focus)}: {rule}: {r.message(lang)}")
        if len(shown) > limit:
            lines.append(f"  … and {len(shown) - limit} more (ipkg validate lists them all)")
        return lines

    # ------------------------------------------------------------------ outputs

    def _grouped(self, results: list[Result]):
        for sev in SEVERITIES:
            rs = [r for r in results if r.severity == sev]
            if not rs:
                continue
            by_focus: dict[str, list[Result]] = {}
            for r in sorted(rs, key=lambda r: (r.file or "~", r.line or 0, r.focus, r.rule or "", r.value or "")):
                by_focus.setdefault(r.focus, []).append(r)
            yield sev, rs, by_focus

    def format_text(self, color: bool = False, lang: str = "en") -> str:
        """The report for a terminal: control characters from the data shown escaped
        (ipkg.safety.terminal_safe), ipkg's own colour codes kept."""
        from .safety import terminal_safe

        return terminal_safe(self._format_text(color, lang)).replace(_ESC, "\033")

    def _format_text(self, color: bool = False, lang: str = "en") -> str:
        def c(code: str, text: str) -> str:
            return f"{_ANSI[code]}{text}{_ANSI['end']}" if color else text

        out: list[str] = []
        plural = {"Violation": "Violations", "Warning": "Warnings", "Info": "Info"}
        for title, results in (("SHACL", self.results), ("Hygiene checks", self.check_results)):
            if not results:
                continue
            out.append(c("bold", f"== {title} =="))
            for sev, rs, by_focus in self._grouped(results):
                out.append(c(sev, f"{plural[sev]} ({len(rs)})"))
                for focus, items in by_focus.items():
                    first = items[0]
                    label = first.focus_label_zh if lang == "zh" and first.focus_label_zh else first.focus_label
                    head = f"  {self.compact(focus)}"
                    if label:
                        head += f" “{label}”"
                    if first.location:
                        head += "  " + c("dim", first.location)
                    out.append(head)
                    for r in items:
                        what = r.check if r.kind == "check" else (r.component or "").replace("ConstraintComponent", "")
                        path = f" {self.compact(r.result_path)}" if r.result_path else ""
                        loc = f"{r.location}: " if r.location else ""
                        out.append(f"    {loc}{sev.lower()}: [{what}]{path} {r.message(lang)}")
                        extra = []
                        if r.value is not None and r.value != r.focus:
                            extra.append(f"value {self._show(r.value)}")
                        if r.rule:
                            extra.append(f"rule {self.compact(r.rule)}")
                        if extra:
                            out.append("      " + c("dim", "; ".join(extra)))
            out.append("")
        if self.checks_run and not self.check_results:
            out.append(f"Hygiene checks: {len(self.checks_run)} run, no rows.")
        out.append(c("bold", self.summary()))
        return "\n".join(out) + "\n"

    def _show(self, value: str) -> str:
        if re.match(r"^[a-z][a-z0-9+.-]*://", value):
            return self.compact(value) or value
        return value

    def to_dict(self) -> dict:
        def row(r: Result) -> dict:
            d = asdict(r)
            d["location"] = r.location
            d["focus_compact"] = self.compact(r.focus)
            d["rule"] = r.rule
            return d

        return {
            "conforms": self.conforms,
            "violations": self.violations,
            "warnings": self.warnings,
            "info": self.count("Info"),
            "seconds": self.seconds,
            "results": [row(r) for r in self._sorted(self.results)],
            "checks": {"run": self.checks_run, "results": [row(r) for r in self._sorted(self.check_results)]},
        }

    @staticmethod
    def _sorted(results: list[Result]) -> list[Result]:
        return sorted(results, key=ValidationReport._sort_key)

    @staticmethod
    def _sort_key(r: Result) -> tuple:
        return (_SEVERITY_ORDER.get(r.severity, 9), r.file or "~", r.line or 0, r.focus, r.rule or "", r.value or "")

    def to_json(self, indent: int = 2) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent) + "\n"

    def to_markdown(self, lang: str = "en") -> str:
        out = ["# ipkg validation report", "", f"**{self.summary()}**", ""]
        for title, results in (("SHACL", self.results), ("Hygiene checks", self.check_results)):
            if not results:
                continue
            out += [f"## {title}", ""]
            for sev, rs, by_focus in self._grouped(results):
                rows = []
                for focus, items in by_focus.items():
                    for r in items:
                        label = r.focus_label_zh if lang == "zh" and r.focus_label_zh else r.focus_label
                        rule = r.check if r.kind == "check" else self.compact(r.rule)
                        rows.append([f"`{self.compact(focus) or ''}`", label, r.location, f"`{rule or ''}`",
                                     self.compact(r.result_path) if r.result_path else "",
                                     self._show(r.value) if r.value is not None and r.value != r.focus else "",
                                     r.message(lang)])
                out += [f"### {sev} ({len(rs)})", ""]
                out += markdown_table(_MD_COLUMNS, rows)
                out.append("")
        if self.checks_run and not self.check_results:
            out += [f"Hygiene checks: {len(self.checks_run)} run, no rows.", ""]
        return "\n".join(out)

    @property
    def graph(self):
        """The SHACL report graph, with the hygiene-check results added as sh:ValidationResult
        nodes and ``ipkgsh:definedAt "path:line"`` on every result whose focus node is known."""
        from rdflib import BNode, Graph, Literal, URIRef
        from rdflib.namespace import RDF

        sh = lambda n: URIRef(SH + n)  # noqa: E731
        g = Graph()
        for p, ns in self.prefixes.items():
            g.bind(p, ns)
        report_node = None
        if self.shacl_graph is not None:
            for t in self.shacl_graph:
                g.add(t)
            report_node = next(iter(g.subjects(RDF.type, sh("ValidationReport"))), None)
            for node in g.subjects(RDF.type, sh("ValidationResult")):
                r = _origin_by_node(self, node)
                if r is not None and r.location:
                    g.add((node, URIRef(DEFINED_AT), Literal(r.location)))
        if report_node is None:
            report_node = BNode()
            g.add((report_node, RDF.type, sh("ValidationReport")))
        # SHACL: a report conforms only when it has no result at all, whatever the severity
        # (ipkg's exit code still lets warnings pass: see :meth:`fails`)
        g.remove((report_node, sh("conforms"), None))
        g.add((report_node, sh("conforms"), Literal(not self.all_results)))
        for r in self.check_results:
            node = BNode()
            g.add((report_node, sh("result"), node))
            for t in result_triples(
                    node, focus=_term(r.focus), severity=r.severity, shape=URIRef(CHECKS_NS + (r.check or "check")),
                    component=r.component or "SPARQLConstraintComponent",
                    path=URIRef(r.result_path) if r.result_path and not r.result_path.startswith(("_:", "^", "("))
                    else None,
                    value=None if r.value is None else getattr(r, "_value_term", None) or _term(r.value),
                    messages=[Literal(text, lang=lang) for text, lang in ((r.message_en, "en"), (r.message_zh, "zh"))
                              if text]):
                g.add(t)
            if r.location:
                g.add((node, URIRef(DEFINED_AT), Literal(r.location)))
        return g

    def to_turtle(self) -> str:
        return self.graph.serialize(format="turtle")

    def format(self, fmt: str = "text", *, color: bool = False, lang: str = "en") -> str:
        if fmt == "json":
            return self.to_json()
        if fmt in ("md", "markdown"):
            return self.to_markdown(lang=lang)
        if fmt in ("ttl", "turtle"):
            return self.to_turtle()
        return self.format_text(color=color, lang=lang)


def _origin_by_node(report: ValidationReport, node) -> Result | None:
    index = getattr(report, "_by_node", None)
    if index is None:
        index = {r._node: r for r in report.results  # type: ignore[attr-defined]  # set by from_graph
                 if getattr(r, "_node", None) is not None}
        report._by_node = index  # type: ignore[attr-defined]  # a cache kept on the report
    return index.get(node)


def _label(graph, node, lang: str) -> str | None:
    """The focus node's label in ``lang`` exactly (no fallback: the report has a column per language)."""
    return graph_label(graph, node, (lang,))


def results_from_graph(report_graph, data_graph=None, origins=None, compact=None) -> list[Result]:
    """Turn the ``sh:ValidationResult`` nodes of a report graph into :class:`Result` objects."""
    from rdflib import BNode, URIRef
    from rdflib.namespace import RDF

    sh = lambda n: URIRef(SH + n)  # noqa: E731
    out = []
    for node in report_graph.subjects(RDF.type, sh("ValidationResult")):
        val = report_graph.value
        focus = val(node, sh("focusNode"))
        severity = val(node, sh("resultSeverity"))
        sev = str(severity).rsplit("#", 1)[-1] if severity is not None else "Violation"
        en, zh = "", ""
        untagged = []
        for m in report_graph.objects(node, sh("resultMessage")):
            lang = getattr(m, "language", None)
            if lang == "en" and not en:
                en = str(m)
            elif lang == "zh" and not zh:
                zh = str(m)
            elif lang is None:
                untagged.append(str(m))
        for m in untagged:
            if _CJK.search(m):
                zh = zh or m
            else:
                en = en or m
        comp = val(node, sh("sourceConstraintComponent"))
        path = val(node, sh("resultPath"))
        value = val(node, sh("value"))
        r = Result(
            severity=sev,
            focus=to_text(focus),
            message_en=en,
            message_zh=zh,
            result_path=to_text(path),
            value=to_text(value),
            source_shape=None if val(node, sh("sourceShape")) is None else str(val(node, sh("sourceShape"))),
            source_constraint=(None if val(node, sh("sourceConstraint")) is None
                               else str(val(node, sh("sourceConstraint")))),
            component=None if comp is None else str(comp).rsplit("#", 1)[-1],
        )
        if isinstance(path, BNode) and compact is not None:
            r.result_path = _describe_path(report_graph, path, compact)
        if focus is not None and not isinstance(focus, BNode):
            r.focus_label = _label(data_graph, focus, "en")
            r.focus_label_zh = _label(data_graph, focus, "zh")
            if origins is not None:
                hit = origins.lookup(focus)
                if hit:
                    r.file, r.line = hit
        r._node = node  # type: ignore[attr-defined]
        out.append(r)
    return out


def _describe_path(g, path, compact) -> str:
    from rdflib import URIRef

    inv = g.value(path, URIRef(SH + "inversePath"))
    if inv is not None:
        return f"^{compact(inv)}"
    return "(complex path)"
