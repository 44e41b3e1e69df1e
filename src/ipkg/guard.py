"""The HTTP front of ``ipkg serve``: limits, a deadline and crash recovery in front of Oxigraph.

``ipkg serve`` runs the Oxigraph server on a private loopback port, *sandboxed* so that it cannot
open any outgoing connection (:mod:`ipkg.sandbox`: SPARQL ``SERVICE`` is impossible by
construction), and this reverse proxy on the address users reach. For every request it:

1. refuses what is ambiguous or unbounded before reading further: repeated ``Content-Type`` /
   ``Content-Length`` / ``query`` fields, ``Transfer-Encoding`` (chunked request bodies),
   ``Content-Encoding`` (compressed bodies), a body over :attr:`Limits.max_body`, a query over
   :data:`ipkg.safety.MAX_QUERY_CHARS` characters or nested deeper than
   :data:`ipkg.safety.MAX_QUERY_DEPTH` (Oxigraph's parser overflows its stack and aborts on
   ~3,000 nested groups), and – with a clear 403 – a query with ``SERVICE``;
2. forwards the query it checked, re-encoded (``POST application/sparql-query`` with only the
   ``Accept`` header and the dataset parameters), never the client's raw bytes or headers;
3. bounds each client (:attr:`Limits.per_client` requests in flight per address) and the whole
   server (:attr:`Limits.max_connections`, a listen backlog of :attr:`Limits.backlog`, socket
   timeouts);
4. enforces a deadline: a query still running after :attr:`Limits.deadline_s` is answered 503 and
   the engine is restarted (Oxigraph's own ``--timeout-s`` does not stop every query: a
   cartesian ``COUNT`` kept a core busy for minutes);
5. survives the engine: when it dies (a crash, the deadline, the memory limit of
   :class:`ipkg.serve.EngineSupervisor`), the requests that were in flight are retried once
   each *alone* on the restarted engine; the one that brings it down again gets 502 with the
   reason, the others their answers.

Answers up to :attr:`Limits.buffer` bytes are read whole before the client sees a byte (so they
can be retried); longer ones are streamed, and an answer the engine cuts off stays cut off.
Errors are logged in one line (``log``), never as tracebacks.

Static pages: :meth:`Guard.add_static` serves a folder at a URL prefix (``GET``/``HEAD`` only,
regular files inside the folder only); those routes are looked up before anything is forwarded.
"""

from __future__ import annotations

import http.client
import mimetypes
import threading
import time
import urllib.parse
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from .querypage import handle as _query_page  # the page at /, its assets
from .safety import MAX_QUERY_CHARS, MAX_QUERY_DEPTH, find_service, scan_query

#: Headers that describe one hop, not the message (RFC 9110 §7.6.1), plus the ones we recompute.
_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
        "transfer-encoding", "upgrade", "host", "content-length"}
_CHUNK = 64 * 1024
#: the SPARQL Protocol's dataset parameters, forwarded re-encoded
_DATASET_PARAMS = ("default-graph-uri", "named-graph-uri")
#: headers a request may carry at most once (the guard and Oxigraph must read the same one)
_SINGLE = ("content-type", "content-length", "content-encoding", "transfer-encoding", "host",
           "accept")


@dataclass
class Limits:
    """What one request may cost. Defaults suit a laptop serving a few users."""

    max_body: int = 512 * 1024  #: bytes of request body
    max_query_chars: int = MAX_QUERY_CHARS
    max_depth: int = MAX_QUERY_DEPTH
    deadline_s: float | None = 35.0  #: seconds a query may run before the engine is restarted
    socket_timeout: float = 15.0  #: seconds of silence on a client socket before it is closed
    per_client: int = 16  #: requests in flight per client address
    per_client_wait: float = 30.0  #: seconds a request waits for its client's slot, then 429
    max_connections: int = 256  #: open client connections in all; more are answered 503
    backlog: int = 128  #: listen backlog
    buffer: int = 1024 * 1024  #: answers up to this size are read whole (retryable)


class FixedUpstream:
    """An engine at a fixed address that nobody restarts (tests; a server run by hand)."""

    generation = 0

    def __init__(self, address: tuple[str, int]):
        self.address = address

    def wait_ready(self, after_generation: int, timeout: float) -> bool:
        return True

    def restart(self, reason: str, generation: int) -> None:
        pass

    def last_reason(self) -> str | None:
        return None


class _SharedExclusive:
    """Many shared holders or one exclusive holder; waiting exclusive holders go first."""

    def __init__(self):
        self._cond = threading.Condition()
        self._shared = 0
        self._exclusive = False
        self._waiting = 0

    def acquire(self, exclusive: bool, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        with self._cond:
            if exclusive:
                self._waiting += 1
            try:
                while (self._exclusive or (exclusive and self._shared)
                       or (not exclusive and self._waiting)):
                    left = deadline - time.monotonic()
                    if left <= 0 or not self._cond.wait(left):
                        if time.monotonic() >= deadline:
                            return False
                if exclusive:
                    self._exclusive = True
                else:
                    self._shared += 1
                return True
            finally:
                if exclusive:
                    self._waiting -= 1

    def release(self, exclusive: bool) -> None:
        with self._cond:
            if exclusive:
                self._exclusive = False
            else:
                self._shared -= 1
            self._cond.notify_all()


class _Refused(Exception):
    def __init__(self, status: int, text: str, close: bool = False, extra=()):
        super().__init__(text)
        self.status, self.text, self.close, self.extra = status, text, close, extra


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "ipkg-guard"
    guard: Guard  # set on the subclass Guard makes

    def setup(self):
        self.timeout = self.guard.limits.socket_timeout
        super().setup()

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass  # the Oxigraph server behind keeps no access log either; errors go to Guard.log

    def send_error(self, code, message=None, explain=None):
        # http.server's own errors (bad request line, headers too long …): a short plain answer
        try:
            self._refuse(code, f"{message or 'bad request'}\n", close=True)
        except OSError:
            pass

    def _refuse(self, status: int, text: str, close: bool = False, extra=()) -> None:
        data = text.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("X-Content-Type-Options", "nosniff")
        for key, value in extra:
            self.send_header(key, value)
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    # ------------------------------------------------------------------ reading the request

    def _read_body(self) -> bytes:
        limits = self.guard.limits
        for name in _SINGLE:
            if len(self.headers.get_all(name) or []) > 1:
                raise _Refused(400, f"the {name} header is repeated; send it once\n", close=True)
        if self.headers.get("Transfer-Encoding"):
            raise _Refused(501, "request bodies with Transfer-Encoding are not accepted; "
                                "send Content-Length\n", close=True)
        encoding = (self.headers.get("Content-Encoding") or "identity").strip().lower()
        if encoding != "identity":
            raise _Refused(415, "compressed request bodies (Content-Encoding) are not accepted\n",
                           close=True)
        raw = (self.headers.get("Content-Length") or "0").strip()
        if not raw.isdigit():
            raise _Refused(400, "bad Content-Length\n", close=True)
        length = int(raw)
        if length > limits.max_body:
            raise _Refused(413, f"the request body is {length:,} bytes; the limit is "
                                f"{limits.max_body:,}\n", close=True)
        body = self.rfile.read(length) if length else b""
        if len(body) != length:
            raise _Refused(400, "the request body ended early\n", close=True)
        return body

    def _query_of(self, body: bytes) -> tuple[str | None, list[tuple[str, str]]]:
        """The query text (None if the request carries none) and the dataset parameters."""
        split = urllib.parse.urlsplit(self.path)
        try:
            params = urllib.parse.parse_qsl(split.query, keep_blank_values=True, strict_parsing=False,
                                            errors="strict", max_num_fields=64)
            ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
            texts = [v for k, v in params if k == "query"]
            if self.command == "POST" and ctype == "application/sparql-query":
                texts.append(body.decode("utf-8"))
            elif self.command == "POST" and ctype == "application/x-www-form-urlencoded":
                form = urllib.parse.parse_qsl(body.decode("ascii"), keep_blank_values=True,
                                              errors="strict", max_num_fields=64)
                texts += [v for k, v in form if k == "query"]
                params += [(k, v) for k, v in form if k in _DATASET_PARAMS]
                if any(k == "update" for k, _ in form):
                    raise _Refused(403, "this endpoint is read-only: updates are refused\n")
        except UnicodeDecodeError:
            raise _Refused(400, "the query is not valid UTF-8\n") from None
        except ValueError as exc:
            raise _Refused(400, f"bad request parameters: {exc}\n") from None
        if len(texts) > 1:
            raise _Refused(400, "more than one query in the request; send one\n")
        dataset = [(k, v) for k, v in params if k in _DATASET_PARAMS]
        return (texts[0] if texts else None), dataset

    def _check(self, query: str) -> None:
        limits = self.guard.limits
        if len(query) > limits.max_query_chars:
            raise _Refused(400, f"the query is {len(query):,} characters long; the limit is "
                                f"{limits.max_query_chars:,}\n")
        if scan_query(query, limits.max_depth).depth > limits.max_depth:
            raise _Refused(400, f"the query nests {{ ( [ more than {limits.max_depth} levels deep\n")
        if find_service(query) is not None:
            raise _Refused(403, "SERVICE (federated query) is refused: this endpoint makes no "
                                "outgoing requests.\n")

    # ------------------------------------------------------------------ answering

    def _handle(self) -> None:
        guard = self.guard
        try:
            body = self._read_body()
            # static routes configured on the guard first, then the query page (ipkg.querypage) at / and its assets
            if self.command in ("GET", "HEAD") and (guard._serve_static(self) or _query_page(self)):
                return
            query, dataset = self._query_of(body)
            if query is not None:
                self._check(query)
                target = "/query?" + urllib.parse.urlencode(dataset) if dataset else "/query"
                request = ("POST", target, query.encode("utf-8"),
                           {"Content-Type": "application/sparql-query; charset=utf-8"})
            elif self.command in ("GET", "HEAD"):
                request = (self.command, self.path, None, {})
            else:
                raise _Refused(403, "this endpoint is read-only\n")
            accept = self.headers.get("Accept")
            if accept and len(accept) < 1024 and accept.isprintable():
                request[3]["Accept"] = accept
            client = self.client_address[0]
            if not guard._client_enter(client):
                raise _Refused(429, "too many requests in flight from this address; retry later\n",
                               extra=(("Retry-After", "5"),))
            try:
                self._forward(*request, query=query)
            finally:
                guard._client_leave(client)
        except _Refused as exc:
            self._refuse(exc.status, exc.text, close=exc.close, extra=exc.extra)
        except (OSError, http.client.HTTPException):
            self.close_connection = True  # the client went away or the socket timed out
        except Exception as exc:  # noqa: BLE001 - a bug in the guard: one line, never a traceback
            self.guard.log(f"internal error in the guard: {type(exc).__name__}: {exc}")
            try:
                self._refuse(500, "internal error in ipkg serve\n", close=True)
            except OSError:
                pass

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_OPTIONS = do_PATCH = _handle

    def _forward(self, method, target, body, headers, query) -> None:
        guard = self.guard
        limits = guard.limits
        upstream = guard.upstream
        suspect = False
        attempts = 0
        while True:
            wait = limits.per_client_wait + (limits.deadline_s or 0)
            if not guard._engine_lock.acquire(suspect, wait):
                raise _Refused(503, "the server is busy; retry later\n", extra=(("Retry-After", "5"),))
            try:
                generation = upstream.generation
                outcome, sent = self._forward_once(method, target, body, headers)
                if outcome == "deadline":  # restart before a request retried alone can start
                    guard.log(f"a query ran past the {limits.deadline_s:g} s deadline; restarting "
                              f"the engine ({_summary(query)})")
                    upstream.restart(f"a query ran past the {limits.deadline_s:g} s deadline",
                                     generation)
                ready = True
                if outcome != "done":
                    # wait for the replacement while still holding the lock: a request retried
                    # alone must never start on an engine that is still going down
                    ready = upstream.wait_ready(generation, limits.per_client_wait)
            finally:
                guard._engine_lock.release(suspect)
            if outcome == "done":
                return
            if outcome == "deadline":
                if not sent:
                    raise _Refused(503, f"the query ran longer than {limits.deadline_s:g} s and was "
                                        "stopped\n")
                self.close_connection = True
                return
            # the engine died under this request (crash, memory limit, another query's deadline)
            if sent:
                self.close_connection = True  # cut off: the client sees an incomplete answer
                return
            if not ready:
                raise _Refused(503, "the SPARQL engine is restarting; retry later\n",
                               extra=(("Retry-After", "5"),))
            if suspect and upstream.generation == generation and attempts < 3:
                attempts += 1  # the engine did not die: not this query's fault; try again
                continue
            if suspect:
                reason = upstream.last_reason() or "it stopped answering"
                guard.log(f"the engine failed again on the same query, alone ({_summary(query)})")
                raise _Refused(502, f"the SPARQL engine failed on this query ({reason}); it has "
                                    "been restarted\n")
            suspect = True  # retry alone: if it fails again, this query is the cause

    def _forward_once(self, method, target, body, headers) -> tuple[str, bool]:
        """``("done"|"deadline"|"died", whether bytes went to the client)``."""
        limits = self.guard.limits
        start = time.monotonic()
        deadline = start + limits.deadline_s if limits.deadline_s else None

        def left() -> float | None:
            if deadline is None:
                return None
            rest = deadline - time.monotonic()
            if rest <= 0:
                raise TimeoutError
            return rest

        conn = http.client.HTTPConnection(*self.guard.upstream.address, timeout=5)
        sent = False
        try:
            try:
                conn.request(method, target, body=body, headers=headers)
                conn.sock.settimeout(left())
                resp = conn.getresponse()
                status, reason, resp_headers = resp.status, resp.reason, resp.getheaders()
                known = resp.getheader("Content-Length")
                head = bytearray()
                complete = False
                while len(head) <= limits.buffer:
                    conn.sock.settimeout(left())
                    piece = resp.read1(_CHUNK)
                    if not piece:
                        complete = True
                        break
                    head += piece
                if known is not None and complete and len(head) != int(known):
                    raise http.client.IncompleteRead(bytes(head))
            except TimeoutError:
                if deadline is not None and time.monotonic() >= deadline - 0.05:
                    return "deadline", False
                return "died", False
            except (OSError, http.client.HTTPException):
                return "died", False
            # headers for the client
            self.send_response(status, reason)
            for key, value in resp_headers:
                if key.lower() not in _HOP:
                    self.send_header(key, value)
            if complete:
                self.send_header("Content-Length", str(len(head)))
            else:
                self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            sent = True
            if self.command == "HEAD":
                return "done", sent
            if complete:
                self.wfile.write(head)
                return "done", sent
            self.wfile.write(b"%x\r\n%s\r\n" % (len(head), head))
            while True:
                try:
                    conn.sock.settimeout(left())
                    piece = resp.read1(_CHUNK)
                except TimeoutError:
                    self.close_connection = True
                    if deadline is not None and time.monotonic() >= deadline - 0.05:
                        return "deadline", sent
                    return "died", sent
                except (OSError, http.client.HTTPException):
                    self.close_connection = True  # the engine cut the answer off: so do we
                    return "done", sent
                if not piece:
                    break
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            self.wfile.write(b"0\r\n\r\n")
            return "done", sent
        finally:
            conn.close()


def _summary(query: str | None) -> str:
    if query is None:
        return "no query"
    flat = " ".join(query.split())
    flat = "".join(ch if ch.isprintable() else "?" for ch in flat)
    return f"{len(query):,} characters: {flat[:80]}" + ("…" if len(flat) > 80 else "")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, address, handler, limits: Limits):
        self.request_queue_size = limits.backlog
        self._slots = threading.BoundedSemaphore(limits.max_connections)
        super().__init__(address, handler)

    def process_request(self, request, client_address):
        if not self._slots.acquire(blocking=False):
            try:
                request.sendall(b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n"
                                b"Connection: close\r\nRetry-After: 5\r\n\r\n")
            except OSError:
                pass
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._slots.release()
            raise

    def process_request_thread(self, request, client_address):
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()

    def handle_error(self, request, client_address):
        pass  # a client that misbehaves or leaves is not worth a traceback on the console


class Guard:
    """A running guard: ``Guard(("127.0.0.1", 7878), upstream)``.

    ``upstream`` is an :class:`ipkg.serve.EngineSupervisor` (restartable engine) or a plain
    ``(host, port)`` tuple (an engine nobody restarts). ``log`` receives one line per event
    worth telling the operator (engine restarts, deadlines).
    """

    def __init__(self, listen: tuple[str, int], upstream, limits: Limits | None = None, log=None):
        self.limits = limits or Limits()
        self.upstream = FixedUpstream(upstream) if isinstance(upstream, tuple) else upstream
        self.log = log or (lambda line: None)
        #: URL prefix -> (folder, extra headers); see add_static
        self.static_routes: dict[str, tuple[Path, dict[str, str]]] = {}
        self._engine_lock = _SharedExclusive()
        self._clients: dict[str, int] = {}
        self._clients_cond = threading.Condition()
        handler = type("GuardHandler", (_Handler,), {"guard": self})
        self.httpd = _Server(listen, handler, self.limits)
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="ipkg-guard",
                                       daemon=True)

    # -------------------------------------------------------------- static routes (pages)

    def add_static(self, prefix: str, folder: str | Path, headers: dict[str, str] | None = None) -> None:
        """Serve the files of ``folder`` at URL ``prefix`` (``"/"`` or ``"/page/"``), GET/HEAD only.

        Looked up before a request is forwarded; ``/query`` (the SPARQL endpoint) is never
        shadowed. ``headers`` (e.g. a Content-Security-Policy) are added to every file served.
        ``/`` inside a route serves ``index.html``.
        """
        if not prefix.startswith("/"):
            raise ValueError("a static route starts with '/'")
        self.static_routes[prefix if prefix.endswith("/") else prefix + "/"] = (
            Path(folder).resolve(), dict(headers or {}))

    def _serve_static(self, handler: _Handler) -> bool:
        path = urllib.parse.unquote(urllib.parse.urlsplit(handler.path).path)
        if path == "/query" or path.startswith("/query/"):
            return False
        for prefix in sorted(self.static_routes, key=len, reverse=True):
            if not (path + "/").startswith(prefix):
                continue
            folder, headers = self.static_routes[prefix]
            rel = path[len(prefix):] or "index.html"
            if rel.endswith("/"):
                rel += "index.html"
            target = (folder / rel).resolve()
            if (folder not in target.parents and target != folder) or not target.is_file() \
                    or any(part.startswith(".") for part in Path(rel).parts):
                return False
            data = target.read_bytes()
            ctype = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
            if ctype.startswith("text/") or ctype in ("application/javascript", "application/json"):
                ctype += "; charset=utf-8"
            handler.send_response(200)
            handler.send_header("Content-Type", ctype)
            handler.send_header("Content-Length", str(len(data)))
            handler.send_header("X-Content-Type-Options", "nosniff")
            for key, value in headers.items():
                handler.send_header(key, value)
            handler.end_headers()
            if handler.command != "HEAD":
                handler.wfile.write(data)
            return True
        return False

    # -------------------------------------------------------------- per-client bound

    def _client_enter(self, client: str) -> bool:
        deadline = time.monotonic() + self.limits.per_client_wait
        with self._clients_cond:
            while self._clients.get(client, 0) >= self.limits.per_client:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._clients_cond.wait(left)
            self._clients[client] = self._clients.get(client, 0) + 1
            return True

    def _client_leave(self, client: str) -> None:
        with self._clients_cond:
            n = self._clients.get(client, 1) - 1
            if n:
                self._clients[client] = n
            else:
                self._clients.pop(client, None)
            self._clients_cond.notify_all()

    # -------------------------------------------------------------- life

    @property
    def address(self) -> tuple[str, int]:
        return self.httpd.server_address[:2]

    def start(self) -> Guard:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)
