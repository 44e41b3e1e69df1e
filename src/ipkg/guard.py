"""A guard in front of the Oxigraph server: refuses SPARQL ``SERVICE``, forwards everything else.

``oxigraph serve-read-only`` evaluates ``SERVICE <url>`` by opening a connection to ``url``
(server-side request forgery), and has no switch to turn that off. ``ipkg serve`` therefore
runs Oxigraph on a private loopback port and this small reverse proxy on the address users
reach. A query (GET ``?query=``, POST ``application/sparql-query`` or a form field ``query``)
whose text contains the ``SERVICE`` keyword outside strings, IRIs and comments is answered
``403`` with a plain-text reason; every other request – the query page, queries, the read-only
server's own refusals of updates – is passed through unchanged, streamed, so a result the
server cuts off still arrives cut off and is reported as an error by the client.
"""

from __future__ import annotations

import http.client
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from .querypage import handle as _query_page  # the page at /, its assets
from .safety import find_service

#: Headers that describe one hop, not the message (RFC 9110 §7.6.1), plus the ones we recompute.
_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
        "transfer-encoding", "upgrade", "host", "content-length"}
_CHUNK = 64 * 1024


def query_text(method: str, path: str, content_type: str, body: bytes) -> str | None:
    """The SPARQL query a request carries, if any (per the SPARQL 1.1 Protocol)."""
    params = urllib.parse.parse_qs(urllib.parse.urlsplit(path).query)
    texts = list(params.get("query", []))
    ctype = content_type.split(";")[0].strip().lower()
    if method == "POST" and ctype == "application/sparql-query":
        texts.append(body.decode("utf-8", errors="replace"))
    elif method == "POST" and ctype == "application/x-www-form-urlencoded":
        form = urllib.parse.parse_qs(body.decode("utf-8", errors="replace"))
        texts += form.get("query", [])
    return "\n".join(texts) if texts else None


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "ipkg-guard"
    upstream: tuple[str, int] = ("127.0.0.1", 7879)

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass  # the Oxigraph server behind keeps no log either; stay quiet

    def _refuse(self, status: int, text: str) -> None:
        data = text.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _handle(self) -> None:
        # --- the query page (ipkg.querypage) answers GET / and /querypage/*; all else goes on ---
        if _query_page(self):
            return
        # --- end of the query page ---
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        query = query_text(self.command, self.path, self.headers.get("Content-Type", ""), body)
        if query is not None and find_service(query) is not None:
            self._refuse(403, "SERVICE (federated query) is refused: this endpoint makes no "
                              "outgoing requests.\n")
            return
        headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP}
        conn = http.client.HTTPConnection(*self.upstream, timeout=None)
        try:
            conn.request(self.command, self.path, body=body or None, headers=headers)
            resp = conn.getresponse()
        except OSError as exc:
            conn.close()
            self._refuse(502, f"the SPARQL server behind ipkg serve did not answer: {exc}\n")
            return
        try:
            self.send_response(resp.status, resp.reason)
            for key, value in resp.getheaders():
                if key.lower() not in _HOP:
                    self.send_header(key, value)
            known = resp.getheader("Content-Length")
            if known is not None:
                self.send_header("Content-Length", known)
            else:
                self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            if self.command == "HEAD":
                return
            while True:
                try:
                    piece = resp.read1(_CHUNK)
                except (http.client.IncompleteRead, OSError):
                    # the server cut the answer off: cut ours off too (no final chunk)
                    self.close_connection = True
                    return
                if not piece:
                    break
                if known is not None:
                    self.wfile.write(piece)
                else:
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            if known is None:
                self.wfile.write(b"0\r\n\r\n")
        finally:
            conn.close()

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_OPTIONS = do_PATCH = _handle


class Guard:
    """A running guard: ``Guard(("127.0.0.1", 7878), ("127.0.0.1", upstream_port))``."""

    def __init__(self, listen: tuple[str, int], upstream: tuple[str, int]):
        handler = type("GuardHandler", (_Handler,), {"upstream": upstream})
        self.httpd = ThreadingHTTPServer(listen, handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="ipkg-guard",
                                       daemon=True)

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
