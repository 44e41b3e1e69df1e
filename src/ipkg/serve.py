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
on a private loopback port behind it, run by an :class:`EngineSupervisor`: the server process is
started under a seccomp filter that forbids outgoing connections (:mod:`ipkg.sandbox`; Oxigraph
follows SPARQL ``SERVICE`` to any URL and cannot be told not to), watched for crashes and memory,
and restarted with the reason logged in one line. The guard enforces the limits and the deadline.

:func:`start_server` runs ``oxigraph serve-read-only --location DIR --bind HOST:PORT
--timeout-s N`` (``oxigraph serve`` when writable) and waits, bounded, until the port accepts
connections; :func:`stop_server` sends SIGTERM, waits, and kills on timeout.
"""

from __future__ import annotations

import collections
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from .atomic import swap_in
from .errors import EXIT_FAILED, IpkgError
from .guard import Guard, Limits
from .sandbox import crash_reason, install_no_network

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
    checkout). The store is built in a temporary sibling folder and swapped into place by
    :func:`ipkg.atomic.swap_in` (one atomic exchange where the system allows), so a failure never
    leaves a half-loaded store.
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
        swap_in(tmp, store_dir)
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
                 read_only: bool = True, wait: float = 20.0, quiet: bool = False,
                 sandbox: bool = True, stderr_pipe: bool = False) -> subprocess.Popen:
    """Start the Oxigraph server on ``store_dir`` and return once it accepts connections.

    ``store_dir`` None with ``read_only=False`` starts an in-memory writable server.
    ``sandbox`` (default) starts it under :func:`ipkg.sandbox.install_no_network`: it can answer
    on its port but cannot open a connection anywhere (SPARQL ``SERVICE`` fails). ``stderr_pipe``
    gives its stderr to the caller (``proc.stderr``) instead of the terminal.
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
    proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.PIPE if stderr_pipe else out,
                            stdin=subprocess.DEVNULL, start_new_session=True,
                            preexec_fn=_sandboxed_child if sandbox else _die_with_parent,
                            env={**os.environ, "RUST_BACKTRACE": "0"})
    try:
        wait_for_port(host, port, wait, proc)
    except BaseException:
        stop_server(proc)
        raise
    return proc


def _sandboxed_child() -> None:
    """``preexec_fn``: die with the parent, and no outgoing network (ipkg.sandbox)."""
    _die_with_parent()
    install_no_network()


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


class EngineSupervisor:
    """Runs the Oxigraph server on a private loopback port and keeps it running.

    A watcher thread restarts the server when it exits (a crash: Oxigraph 0.5.13 aborts on some
    queries) or when its resident memory passes ``memory_mb``, and logs one line with the reason
    (the panic message from its stderr, the signal, or the limit). :class:`ipkg.guard.Guard`
    calls :meth:`restart` when a query overruns its deadline and :meth:`wait_ready` to retry the
    queries that were in flight. More than ``max_restarts`` restarts within a minute stop it.
    """

    def __init__(self, store_dir: Path, timeout_s: int | None = DEFAULT_TIMEOUT_S,
                 memory_mb: int | None = 2048, log=None, max_restarts: int = 30):
        self.store_dir = Path(store_dir)
        self.timeout_s = timeout_s
        self.memory_mb = memory_mb
        self.log = log or (lambda line: None)
        self.max_restarts = max_restarts
        self.generation = 0
        self.address = ("127.0.0.1", 0)
        self.proc: subprocess.Popen | None = None
        self.failed: str | None = None  # set when it gave up restarting
        self._lock = threading.Lock()
        self._ready = threading.Condition()
        self._stderr: collections.deque[str] = collections.deque(maxlen=60)
        self._kill_reason: str | None = None
        self._reason: str | None = None
        self._restarts: collections.deque[float] = collections.deque()
        self._stop = threading.Event()
        self._watcher: threading.Thread | None = None

    def start(self) -> EngineSupervisor:
        self._spawn()
        self._watcher = threading.Thread(target=self._watch, name="ipkg-engine-watch", daemon=True)
        self._watcher.start()
        return self

    def _spawn(self) -> None:
        port = _free_loopback_port()
        proc = start_server(self.store_dir, f"127.0.0.1:{port}", self.timeout_s, read_only=True,
                            quiet=True, sandbox=True, stderr_pipe=True)
        lines = self._stderr = collections.deque(maxlen=60)

        def drain(stream=proc.stderr):
            for raw in iter(stream.readline, b""):
                lines.append(raw.decode("utf-8", "replace").rstrip("\n"))
            stream.close()

        threading.Thread(target=drain, name="ipkg-engine-stderr", daemon=True).start()
        with self._ready:
            self.proc = proc
            self.address = ("127.0.0.1", port)
            self.generation += 1
            self._ready.notify_all()

    def _rss_mb(self) -> float:
        if self.proc is None:
            return 0.0
        try:
            with open(f"/proc/{self.proc.pid}/statm") as fh:
                return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
        except (OSError, ValueError, IndexError, AttributeError):
            return 0.0

    def _watch(self) -> None:
        while not self._stop.wait(0.1):
            proc = self.proc
            if proc is None:
                continue
            if proc.poll() is None:
                if self.memory_mb and self._rss_mb() > self.memory_mb:
                    self._kill(f"the engine used more than {self.memory_mb} MiB")
                continue
            if self._stop.is_set():
                return
            time.sleep(0.05)  # let the stderr reader take the last lines
            reason = self._kill_reason or crash_reason("\n".join(self._stderr), proc.returncode)
            self._kill_reason = None
            self._reason = reason
            now = time.monotonic()
            self._restarts.append(now)
            while self._restarts and self._restarts[0] < now - 60:
                self._restarts.popleft()
            if len(self._restarts) > self.max_restarts:
                self.failed = f"the SPARQL engine stopped {len(self._restarts)} times in a minute ({reason})"
                self.log(f"{self.failed}; giving up")
                with self._ready:
                    self._ready.notify_all()
                return
            began = time.monotonic()
            try:
                self._spawn()
            except Exception as exc:  # noqa: BLE001 - reported in one line, then serve() stops
                self.failed = f"the SPARQL engine could not be restarted: {exc}"
                self.log(self.failed)
                with self._ready:
                    self._ready.notify_all()
                return
            self.log(f"the SPARQL engine stopped ({reason}); restarted in "
                     f"{time.monotonic() - began:.1f} s")

    def _kill(self, reason: str) -> None:
        with self._lock:
            proc = self.proc
            if proc is not None and proc.poll() is None:
                self._kill_reason = reason
                try:
                    proc.kill()
                except ProcessLookupError:
                    pass

    # the interface ipkg.guard.Guard uses
    def restart(self, reason: str, generation: int) -> None:
        """Kill the engine (the watcher restarts it) unless it was already restarted since ``generation``."""
        if generation == self.generation:
            self._kill(reason)

    def wait_ready(self, after_generation: int, timeout: float) -> bool:
        """Wait until an engine newer than ``after_generation`` runs (or the current one lives on)."""
        began = time.monotonic()
        deadline = began + timeout
        with self._ready:
            while self.failed is None:
                if self.generation > after_generation:
                    return True
                if (time.monotonic() - began > 1.0 and self.proc is not None
                        and self.proc.poll() is None and self._kill_reason is None):
                    # the same engine still alive a second later: the failure was not a crash
                    return True
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._ready.wait(min(left, 0.1))
        return False

    def last_reason(self) -> str | None:
        return self._reason

    def stop(self) -> None:
        self._stop.set()
        if self._watcher is not None:
            self._watcher.join(timeout=5)
        if self.proc is not None:
            stop_server(self.proc)


def add_pages(guard: Guard) -> None:
    """The static routes ``ipkg serve`` adds to its guard: pages served before anything is
    forwarded to Oxigraph (``guard.add_static(prefix, folder, headers)``; ``/query`` is never
    shadowed). None yet: ``/`` is ipkg's query page (:mod:`ipkg.querypage`), which the guard
    answers after these routes."""


def serve(*, dist: Path = Path("site"), store: Path | None = None, bind: str = DEFAULT_BIND,
          timeout_s: int | None = DEFAULT_TIMEOUT_S, echo=None, memory_mb: int | None = 2048,
          limits: Limits | None = None, ready=None) -> int:
    """Build if needed, load the store, run the read-only server until Ctrl-C or SIGTERM.

    ``ready`` (tests) is called with the running :class:`ipkg.guard.Guard` once it listens.
    """
    if echo is None:
        def echo(message: str) -> None:
            print(message, flush=True)

    def log(line: str) -> None:
        print(f"ipkg serve: {line}", file=sys.stderr, flush=True)

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
    engine = None
    guard = None
    try:
        host, port = parse_bind(bind)
        # Oxigraph follows SPARQL SERVICE (it connects to any URL a query names) and cannot be
        # told not to: it runs sandboxed (no outgoing connections) on a private loopback port,
        # supervised, behind the guard (ipkg.guard) that enforces the limits and the deadline.
        engine = EngineSupervisor(store_dir, timeout_s, memory_mb=memory_mb, log=log).start()
        if limits is None:
            limits = Limits(deadline_s=(timeout_s + 5) if timeout_s else None)
        try:
            guard = Guard((host, port), engine, limits, log=log)
        except OSError as exc:
            raise IpkgError(f"cannot listen on {bind}: {exc.strerror or exc}",
                            hint="is the port already in use? try --bind 127.0.0.1:PORT") from None
        add_pages(guard)
        guard.start()
        url = f"http://{host}:{port}"
        echo(f"serving {store_dir} read-only at {url}/  (SPARQL endpoint: {url}/query)")
        if store is None:
            echo(f"example queries: {dist / 'queries' / 'examples.ttl'} "
                 f"(also in graph <{EXAMPLES_GRAPH}> of the store)")
        if timeout_s:
            echo(f"queries are stopped after {timeout_s} s (--timeout-s)")
        echo("press Ctrl-C to stop")
        if ready is not None:
            ready(guard)
        while engine.failed is None:
            time.sleep(0.2)
    except KeyboardInterrupt:
        echo("stopping the server …")
        return 0
    finally:
        signal.signal(signal.SIGTERM, old_term)
        if guard is not None:
            guard.stop()
        if engine is not None:
            engine.stop()
    raise IpkgError(engine.failed)
