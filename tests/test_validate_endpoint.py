"""ipkg validate --endpoint: the store validator's queries on a real SPARQL 1.1 server.

The same data (curated graph + two planted faults + synthetic cases with planted double labels)
goes into an on-disk store (``--store``), a real Oxigraph server started on that store, and a real
Virtuoso (Graph Store PUT, Digest auth); the three reports must be the same, result for result.
"""

from __future__ import annotations

import json
import socket
import urllib.parse
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest

from ipkg.cli import main
from ipkg.endpoint_store import EndpointStore
from ipkg.load import load_project
from ipkg.serve import start_server, stop_server
from ipkg.store import load_files, open_store
from ipkg.store_validate import StoreValidationStats, validate_store_graph
from ipkg.synth import write_synthetic
from test_store_validate import PLANTED, _full_keys

GRAPH = "urn:ipkg:test:validate-endpoint"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def project():
    return load_project()


@pytest.fixture(scope="module")
def data(tmp_path_factory, project):
    """(store folder, N-Triples of its data, the planted synthetic cases, --store report keys)."""
    tmp = tmp_path_factory.mktemp("vep")
    planted = tmp / "planted.ttl"
    planted.write_text(PLANTED)
    synth = tmp / "s.nt"
    write_synthetic(300, synth, seed=7, plant=3)
    en: dict = {}
    for line in synth.read_text().splitlines():
        if "<http://www.w3.org/2004/02/skos/core#prefLabel>" in line and line.endswith("@en ."):
            s = line.split(" ", 1)[0][1:-1]
            en[s] = en.get(s, 0) + 1
    twice = {s for s, n in en.items() if n == 2}
    assert len(twice) == 3
    # label faults of the other kinds the fused label scan pre-filters: no English label, an
    # untagged label (sh:languageIn), an IRI as a label, a Chinese label only in a subtag (fine)
    label = "<http://www.w3.org/2004/02/skos/core#prefLabel>"
    others = sorted(s for s, n in en.items() if n == 1)[:4]
    lines = [ln for ln in synth.read_text().splitlines()
             if not (ln.startswith(f"<{others[0]}> {label}") and ln.endswith("@en ."))]
    lines += [f'<{others[1]}> {label} "untagged" .', f"<{others[2]}> {label} <{others[3]}> .",
              f'<{others[3]}> {label} "标签"@zh-Hans-CN .']
    synth.write_text("\n".join(lines) + "\n")
    twice |= set(others[:3])  # the nodes with a planted label fault
    load_files([*project.data_files, planted, synth], tmp / "st")
    nt = open_store(tmp / "st").dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph())
    keys = _full_keys(validate_store_graph(tmp / "st", project.shapes, project.ontology))
    return tmp / "st", nt, twice, keys


@pytest.fixture(scope="module")
def oxigraph_url(data):
    port = _free_port()
    proc = start_server(data[0], bind=f"127.0.0.1:{port}", quiet=True)
    try:
        yield f"http://127.0.0.1:{port}/query"
    finally:
        stop_server(proc)


@pytest.fixture(scope="module")
def virtuoso_url(virtuoso, data):
    resp = httpx.put(virtuoso.graph_store, params={"graph": GRAPH}, content=data[1],
                     headers={"Content-Type": "application/n-triples"},
                     auth=httpx.DigestAuth(virtuoso.user, virtuoso.password), timeout=300)
    assert resp.status_code in (200, 201, 204), resp.text
    # the queries read the endpoint's default graph: here that one graph, not Virtuoso's own
    return virtuoso.sparql + "?" + urllib.parse.urlencode({"default-graph-uri": GRAPH})


def _check_same(url, data, project, **kw):
    store_dir, _, twice, keys = data
    ep = EndpointStore(url, **kw)
    stats = StoreValidationStats()
    got = _full_keys(validate_store_graph(ep, project.shapes, project.ontology, stats=stats))
    assert got == keys
    # the planted faults are there: the two of PLANTED, the three doubled English labels and the
    # three other label faults
    foci = {str(k[0]) for k in got}
    assert {"https://w3id.org/ipkg/id/period/test-backwards", "https://w3id.org/ipkg/id/case/test-bad-charge"} <= foci
    assert {str(k[0]) for k in got if "/synth/" in str(k[0])} == twice
    assert stats.compiled_constraints > 100 and stats.sparql_constraints >= 1
    return ep


def test_oxigraph_endpoint_gives_the_store_report(data, project, oxigraph_url):
    ep = _check_same(oxigraph_url, data, project)
    assert ep.requests > 100


def test_virtuoso_endpoint_gives_the_store_report(data, project, virtuoso_url):
    _check_same(virtuoso_url, data, project)


def test_small_pages_give_the_same_rows(data, oxigraph_url, virtuoso_url):
    """Answers longer than a page are fetched page by page, in order, with nothing lost or repeated."""
    store = open_store(data[0])
    q = ("SELECT ?s ?l WHERE { ?s <http://www.w3.org/2004/02/skos/core#prefLabel> ?l "
         "FILTER(LANG(?l) = \"en\") }")
    want = sorted((str(r["s"]), str(r["l"])) for r in store.query(q))
    assert len(want) > 300
    for url in (oxigraph_url, virtuoso_url):
        ep = EndpointStore(url, page_size=97)
        rows = ep.query(q)
        assert sorted((str(r["s"]), str(r["l"])) for r in rows) == want
        assert ep.requests == 1 + (len(want) // 97 + 1)  # the first try, then every page in order
        # a query with its own ORDER BY keeps the endpoint's order across pages (Virtuoso orders
        # IRIs by its internal ids, not by their text: the same order as in one unpaged answer)
        ordered = q + " ORDER BY DESC(?s) ?l"
        whole = [(str(r["s"]), str(r["l"])) for r in EndpointStore(url, page_size=10_000).query(ordered)]
        paged = [(str(r["s"]), str(r["l"])) for r in EndpointStore(url, page_size=50).query(ordered)]
        assert paged == whole and sorted(whole) == want


def test_prebound_variables_are_written_into_the_query(data, oxigraph_url):
    """$this and parameters pre-bound as SHACL defines it: the same rows as Oxigraph's
    substitutions on the store, in sub-SELECTs and projections too."""
    store = open_store(data[0])
    this = ox.NamedNode("https://w3id.org/ipkg/id/case/test-bad-charge")
    q = ("SELECT $this ?l WHERE { { SELECT $this ?l WHERE { $this <http://www.w3.org/2004/02/skos/core#prefLabel> ?l } } "
         "FILTER(isIRI($this)) }")
    want = sorted((str(r["this"]), str(r["l"])) for r in store.query(q, substitutions={ox.Variable("this"): this}))
    assert len(want) == 2
    got = EndpointStore(oxigraph_url).query(q, substitutions={ox.Variable("this"): this})
    assert sorted((str(r["this"]), str(r["l"])) for r in got) == want


def test_cli_endpoint_report_equals_store_report(data, oxigraph_url, virtuoso_url, capsys, project_dir):
    assert main(["validate", "--store", str(data[0]), "--format", "json", "-q"]) == 1
    by_store = json.loads(capsys.readouterr().out)
    for url in (oxigraph_url, virtuoso_url):
        assert main(["validate", "--endpoint", url, "--format", "json", "-q", "--page-size", "500"]) == 1
        assert json.loads(capsys.readouterr().out) == by_store


def test_time_limit_and_unreachable_endpoint_exit_2_without_a_report(oxigraph_url, capsys, project_dir):
    assert main(["validate", "--endpoint", oxigraph_url, "--time-limit", "0.2", "-q"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "did not finish within the time limit" in err
    port = _free_port()
    assert main(["validate", "--endpoint", f"http://127.0.0.1:{port}/query", "-q"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "cannot reach" in err


def test_shapes_graph_queries_are_refused_at_an_endpoint(oxigraph_url):
    from ipkg.errors import IpkgError

    ep = EndpointStore(oxigraph_url)
    with pytest.raises(IpkgError, match="remote endpoint"):
        ep.query("SELECT * WHERE { ?s ?p ?o }", default_graph=[ox.DefaultGraph()])


@pytest.fixture
def project_dir(monkeypatch):
    """Run the command line from the checkout, so it reads this checkout's shapes."""
    monkeypatch.chdir(Path(__file__).resolve().parents[1])


def _run_with_stderr_on_a_terminal(args, cwd) -> tuple[int, str]:
    """Run ``python -m ipkg ARGS`` with stderr on a real pseudo-terminal; (exit code, what it showed)."""
    import os
    import pty
    import subprocess
    import sys

    master, slave = pty.openpty()
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")}
    proc = subprocess.Popen([sys.executable, "-m", "ipkg", *args], cwd=cwd, stdout=subprocess.DEVNULL,
                            stderr=slave, stdin=subprocess.DEVNULL, env=env)
    os.close(slave)
    chunks = []
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(master)
    return proc.wait(120), b"".join(chunks).decode("utf-8", "replace")


def test_progress_line_on_a_terminal_only(data):
    """On a terminal: one line rewritten in place naming each step (planning, the pyshacl batches,
    the fused label scans, ...) and each constraint, n of N and the time; -q: nothing; not a
    terminal: nothing, unless -v (then one line per step and constraint)."""
    import re
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[1]
    code, shown = _run_with_stderr_on_a_terminal(["validate", "--store", str(data[0])], root)
    assert code == 1
    steps = [s for s in shown.split("\r") if re.match(r"validating \d+/\d+ ", s)]
    named = [s.strip() for s in shown.split("\r") if s.startswith("validating: ")]
    assert len(steps) >= 2 and shown.rstrip().endswith("s")
    assert any(s.startswith("validating: planning") for s in named)
    assert any(s.startswith("validating: writing the report") for s in named)
    last = steps[-1].strip()
    n, total = last.split()[1].split("/")
    assert n == total and int(total) > 100  # every compiled constraint and SPARQL rule counted
    assert steps[0].startswith("validating 1/") and "label scan" in steps[0]  # the costliest first
    code, shown = _run_with_stderr_on_a_terminal(["validate", "--store", str(data[0]), "-q"], root)
    assert code == 1 and "validating" not in shown
    env = {"PYTHONPATH": str(root / "src")}
    import os

    plain = subprocess.run([sys.executable, "-m", "ipkg", "validate", "--store", str(data[0])], cwd=root,
                           capture_output=True, text=True, env={**os.environ, **env})
    assert plain.returncode == 1 and "validating" not in plain.stderr
    verbose = subprocess.run([sys.executable, "-m", "ipkg", "validate", "--store", str(data[0]), "-v"], cwd=root,
                             capture_output=True, text=True, env={**os.environ, **env})
    lines = [ln for ln in verbose.stderr.splitlines() if re.match(r"validating \d+/\d+ ", ln)]
    assert verbose.returncode == 1 and "\r" not in verbose.stderr and len(lines) == int(total)
    assert sorted(int(ln.split()[1].split("/")[0]) for ln in lines) == list(range(1, int(total) + 1))
    assert any("SPARQL" in ln for ln in lines) and any("MinCount" in ln for ln in lines)
