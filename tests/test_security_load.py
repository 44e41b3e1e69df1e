"""Bounded load test of `ipkg serve` (issue #18): 8 clients x 200 queries with query bombs alongside.

Loopback only; stops by itself (every request has a timeout, the whole test well under 60 s on
2 cores). Asserts 0 errors and 0 wrong answers for the ordinary queries, the server alive after,
and the memory of the guard and the engine bounded (sampled every 0.1 s).
Run alone: ``pytest tests/test_security_load.py -q -s`` prints the figures.
"""

from __future__ import annotations

import json
import threading
import time

import psutil

from test_security_server import ATTACKS, Served, post, small_store

CLIENTS = 8
QUERIES = 200
ENGINE_MEMORY_MB = 600


def test_eight_clients_and_query_bombs(tmp_path):
    srv = Served(small_store(tmp_path), tmp_path, timeout=2, memory=ENGINE_MEMORY_MB)
    errors: list = []
    wrong: list = []
    bombs: list = []
    done = threading.Event()
    peak = {"guard": 0.0, "engine": 0.0}
    guard_proc = psutil.Process(srv.proc.pid)

    def sample():
        while not done.is_set():
            try:
                peak["guard"] = max(peak["guard"], guard_proc.memory_info().rss / 2**20)
                eng = srv.engine()
                if eng is not None:
                    peak["engine"] = max(peak["engine"], eng.memory_info().rss / 2**20)
            except psutil.Error:
                pass
            time.sleep(0.1)

    def client(k: int):
        for j in range(QUERIES):
            i = (k * QUERIES + j) % 300
            if j % 2:
                q = f"SELECT ?o WHERE {{ <http://example.org/s{i}> <http://example.org/p> ?o }}"
                want = str(i)
            else:
                q = (f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s <http://example.org/n> ?v "
                     f"FILTER(?v < {i}) }}")
                want = str(i)
            try:
                status, body, _ = post(srv.url, q, timeout=60)
            except OSError as exc:
                errors.append(f"client {k} query {j}: {exc}")
                continue
            if status != 200:
                errors.append(f"client {k} query {j}: HTTP {status} {body[:200]!r}")
                continue
            rows = json.loads(body)["results"]["bindings"]
            got = rows[0][next(iter(rows[0]))]["value"] if rows else None
            if got != want:
                wrong.append(f"client {k} query {j}: {got!r} != {want!r}")

    crash = (ATTACKS / "oxigraph-order-by-panic.rq").read_text()
    cpu = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
    memory = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?c ?f ?i"

    def bomb(q: str, delay: float):
        time.sleep(delay)
        try:
            bombs.append(post(srv.url, q, timeout=60)[0])
        except OSError as exc:
            bombs.append(str(exc))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(k,)) for k in range(CLIENTS)]
    threads += [threading.Thread(target=bomb, args=(crash, 0.5)),
                threading.Thread(target=bomb, args=(cpu, 1.0)),
                threading.Thread(target=bomb, args=(memory, 2.0)),
                threading.Thread(target=bomb, args=(crash, 3.0))]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=90)
        took = time.monotonic() - started
        alive = srv.proc.poll() is None
        final = post(srv.url, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", timeout=30)
    finally:
        done.set()
        srv.stop()
    log = srv.stderr()
    restarts = log.count("SPARQL engine stopped")
    print(f"\n{CLIENTS} clients x {QUERIES} queries + {len(bombs)} bombs in {took:.1f} s: "
          f"{len(errors)} errors, {len(wrong)} wrong answers; bombs answered {bombs}; "
          f"engine restarts {restarts}; peak RSS guard {peak['guard']:.0f} MiB, "
          f"engine {peak['engine']:.0f} MiB")
    assert not any(t.is_alive() for t in threads), "a client hung"
    if errors:
        print("\n".join(errors[:10]), "\n---\n", log)
    assert errors == [], errors[:5]
    assert wrong == [], wrong[:5]
    assert alive and final[0] == 200 and b'"600"' in final[1]
    # the two crashes: 502; the CPU bomb: 503 at the deadline; the memory bomb: 502 (memory
    # limit) or 503 (deadline), whichever comes first
    assert len(bombs) == 4 and set(bombs) <= {502, 503} and bombs.count(502) >= 2, bombs
    assert peak["guard"] < 300
    assert peak["engine"] < ENGINE_MEMORY_MB + 300  # the watcher samples every 0.1 s
    assert "Traceback" not in log
    assert took < 60
