"""Serve the built graph over the SPARQL 1.1 Protocol with the real Oxigraph server.

:func:`prepare_store` loads the build (``site/``) into an on-disk Oxigraph store (by default in
the cache folder, not in the checkout: :func:`default_store_dir`), atomically (a temporary folder
next to the target, then a rename):

* the default graph gets every distinct triple of ``site/ipkg.nt`` – the same merged graph
  ``ipkg query`` sees in memory, so every example query gives the same rows over HTTP;
* each named graph of ``site/ipkg.trig`` is kept as a named graph (``GRAPH ?g`` finds which file /
  source document a triple came from);
* the example queries (``site/queries/examples.ttl``) go to the named graph
  ``https://w3id.org/ipkg/.well-known/sparql-examples``, as the SIB sparql-examples project
  recommends, so users of the query page can list them with a query.

The server is started *without* ``--union-default-graph``: Oxigraph's union default graph does not
remove duplicates (a triple stated in two files would be counted twice), which is why the merged
triples are loaded into the real default graph instead.

:func:`serve` puts :class:`ipkg.guard.Guard` on the address users reach and the Oxigraph server
on a private loopback port behind it: Oxigraph follows SPARQL ``SERVICE`` to any URL and cannot
be told not to, so the guard refuses such queries (403) and forwards everything else.

:func:`start_server` runs ``oxigraph serve-read-only --location DIR --bind HOST:PORT
--timeout-s N`` (``oxigraph serve`` when writable) and waits, bounded, until the port accepts
connections; :func:`stop_server` sends SIGTERM, waits, and kills on timeout.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from .errors import EXIT_FAILED, IpkgError
from .guard import Guard

EXAMPLES_GRAPH = "https://w3id.org/ipkg/.well-known/sparql-examples"
DEFAULT_BIND = "127.0.0.1:7878"
DEFAULT_TIMEOUT_S = 30


def oxigraph_binary() -> str:
    """The ``oxigraph`` server executable (PyPI package ``oxigraph``)."""
    found = shutil.which("oxigraph")
    if found:
        return found
    local = Path(sys.executable).with_name("oxigraph")
    if local.is_file():
        return str(local)
    raise IpkgError("the 'oxigraph' server is not installed",
                    hint="pip install 'oxigraph>=0.5,<0.6' (it provides the 'oxigraph' command)")


def ensure_build(dist: Path, progress=None) -> Path:
    """``dist`` with a build in it; runs ``ipkg build`` (the library function) when it is missing."""
    dist = Path(dist)
    if (dist / "ipkg.nt").is_file():
        return dist
    from .build import build

    result = build(dist)
    if not result.conforms:
        raise IpkgError("the graph does not conform to the shapes; nothing to serve", path=dist,
                        hint="run 'ipkg validate' to see the violations", exit_code=EXIT_FAILED)
    return dist


def default_store_dir(dist: Path) -> Path:
    """Where ``ipkg serve`` keeps the store of a build folder: ``<cache>/stores/<hash of its path>``."""
    import hashlib

    from .cache import cache_dir

    key = hashlib.sha256(str(Path(dist).resolve()).encode("utf-8")).hexdigest()[:16]
    return cache_dir() / "stores" / f"{Path(dist).resolve().name}-{key}"


def prepare_store(dist: Path, store_dir: Path | None = None) -> Path:
    """Load ``dist`` (N-Triples, TriG, example queries) into an Oxigraph store at ``store_dir``.

    Default location: :func:`default_store_dir` (the cache folder; nothing is left in the
    checkout). The store is built in a temporary sibling folder and renamed into place, so a
    failure never leaves a half-loaded store.
    """
    import pyoxigraph as ox

    dist = Path(dist)
    store_dir = Path(store_dir) if store_dir else default_store_dir(dist)
    store_dir.parent.mkdir(parents=True, exist_ok=True)
    nt = dist / "ipkg.nt"
    if not nt.is_file():
        raise IpkgError("no ipkg.nt in the build folder", path=dist, hint="run 'ipkg build' first")
    if store_dir.exists() and not (store_dir / "CURRENT").is_file():
        raise IpkgError("exists but is not an Oxigraph store; refusing to replace it", path=store_dir)
    tmp = store_dir.with_name(f"{store_dir.name}.tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    store = None
    try:
        store = ox.Store(str(tmp))
        try:
            store.bulk_load(path=str(nt), format=ox.RdfFormat.N_TRIPLES)
            trig = dist / "ipkg.trig"
            if trig.is_file():
                store.bulk_load(path=str(trig), format=ox.RdfFormat.TRIG)
            examples_ttl = dist / "queries" / "examples.ttl"
            graph = ox.NamedNode(EXAMPLES_GRAPH)
            if examples_ttl.is_file():
                store.bulk_load(path=str(examples_ttl), format=ox.RdfFormat.TURTLE, to_graph=graph)
            else:
                from .examples import examples_graph

                data = examples_graph().serialize(format="nt").encode("utf-8")
                store.bulk_load(data, ox.RdfFormat.N_TRIPLES, to_graph=graph)
        except SyntaxError as exc:
            raise IpkgError(f"cannot load the build: {exc}", path=dist) from None
        store.flush()
        store = None  # close RocksDB before moving the folder
        old = store_dir.with_name(f"{store_dir.name}.old-{os.getpid()}")
        if store_dir.exists():
            os.rename(store_dir, old)
        os.rename(tmp, store_dir)
        shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        store = None
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return store_dir


def parse_bind(bind: str) -> tuple[str, int]:
    host, sep, port = bind.rpartition(":")
    if not sep or not port.isdigit():
        raise IpkgError(f"bad --bind {bind!r}", hint="HOST:PORT, e.g. 127.0.0.1:7878")
    return host.strip("[]") or "127.0.0.1", int(port)


def server_command(store_dir: Path, bind: str = DEFAULT_BIND, timeout_s: int | None = DEFAULT_TIMEOUT_S,
                   read_only: bool = True) -> list[str]:
    cmd = [oxigraph_binary(), "serve-read-only" if read_only else "serve",
           "--location", str(store_dir), "--bind", bind]
    if timeout_s:
        cmd += ["--timeout-s", str(int(timeout_s))]
    return cmd


def wait_for_port(host: str, port: int, timeout: float, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise IpkgError(f"the oxigraph server exited with code {proc.returncode} before listening",
                            hint="is the port already in use? try --bind 127.0.0.1:PORT")
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise IpkgError(f"the oxigraph server did not listen on {host}:{port} within {timeout:g} s")


def start_server(store_dir: Path, bind: str = DEFAULT_BIND, timeout_s: int | None = DEFAULT_TIMEOUT_S,
                 read_only: bool = True, wait: float = 20.0, quiet: bool = False) -> subprocess.Popen:
    """Start the Oxigraph server on ``store_dir`` and return once it accepts connections.

    ``store_dir`` None with ``read_only=False`` starts an in-memory writable server.
    """
    host, port = parse_bind(bind)
    if read_only:
        if not (Path(store_dir) / "CURRENT").is_file():
            raise IpkgError("not an Oxigraph store", path=store_dir)
        cmd = server_command(store_dir, bind, timeout_s, read_only=True)
    else:
        cmd = [oxigraph_binary(), "serve", "--bind", bind]
        if store_dir:
            cmd += ["--location", str(store_dir)]
        if timeout_s:
            cmd += ["--timeout-s", str(int(timeout_s))]
    out = subprocess.DEVNULL if quiet else None
    proc = subprocess.Popen(cmd, stdout=out, stderr=out, stdin=subprocess.DEVNULL,
                            start_new_session=True, preexec_fn=_die_with_parent)
    try:
        wait_for_port(host, port, wait, proc)
    except BaseException:
        stop_server(proc)
        raise
    return proc


def _die_with_parent() -> None:
    """In the child (Linux): get SIGTERM when the parent dies, so no server outlives ipkg."""
    if sys.platform.startswith("linux"):
        import ctypes

        try:
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
        except OSError:
            pass


def stop_server(proc: subprocess.Popen, grace: float = 5.0) -> int | None:
    """SIGTERM the server, wait up to ``grace`` seconds, then SIGKILL; returns its exit code."""
    if proc.poll() is None:
        try:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=grace)
        except ProcessLookupError:
            pass
    return proc.returncode


def _free_loopback_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(*, dist: Path = Path("site"), store: Path | None = None, bind: str = DEFAULT_BIND,
          timeout_s: int | None = DEFAULT_TIMEOUT_S, echo=None) -> int:
    """Build if needed, load the store, run the read-only server until Ctrl-C or SIGTERM."""
    if echo is None:
        def echo(message: str) -> None:
            print(message, flush=True)
    dist = Path(dist)
    if store is not None:
        store_dir = Path(store)
        if not (store_dir / "CURRENT").is_file():
            raise IpkgError("not an Oxigraph store", path=store_dir,
                            hint="create one with 'ipkg serve' (from site/) or 'ipkg load … --store DIR'")
    else:
        if not (dist / "ipkg.nt").is_file():
            echo(f"no build in {dist}/ - building it first …")
        ensure_build(dist)
        store_dir = prepare_store(dist)
    def forward(signum, _frame):
        raise KeyboardInterrupt

    old_term = signal.signal(signal.SIGTERM, forward)
    proc = None
    guard = None
    try:
        host, port = parse_bind(bind)
        # Oxigraph follows SPARQL SERVICE (it connects to any URL a query names) and cannot be
        # told not to: it listens on a private loopback port, behind a guard that refuses
        # SERVICE and forwards everything else (ipkg.guard).
        inner = _free_loopback_port()
        proc = start_server(store_dir, f"127.0.0.1:{inner}", timeout_s, read_only=True, quiet=True)
        try:
            guard = Guard((host, port), ("127.0.0.1", inner)).start()
        except OSError as exc:
            raise IpkgError(f"cannot listen on {bind}: {exc.strerror or exc}",
                            hint="is the port already in use? try --bind 127.0.0.1:PORT") from None
        url = f"http://{host}:{port}"
        echo(f"serving {store_dir} read-only at {url}/  (SPARQL endpoint: {url}/query)")
        if store is None:
            echo(f"example queries: {dist / 'queries' / 'examples.ttl'} "
                 f"(also in graph <{EXAMPLES_GRAPH}> of the store)")
        if timeout_s:
            echo(f"queries are stopped after {timeout_s} s (--timeout-s)")
        echo("press Ctrl-C to stop")
        while proc.poll() is None:
            try:
                proc.wait(timeout=0.5)
            except subprocess.TimeoutExpired:
                continue
    except KeyboardInterrupt:
        echo("stopping the server …")
        if proc is not None:
            stop_server(proc)
        return 0
    finally:
        signal.signal(signal.SIGTERM, old_term)
        if guard is not None:
            guard.stop()
        if proc is not None and proc.poll() is None:
            stop_server(proc)
    raise IpkgError(f"the oxigraph server stopped unexpectedly (exit code {proc.returncode})")
