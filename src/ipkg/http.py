"""The one HTTP client of ipkg (``ipkg query --endpoint``, ``ipkg push``), on httpx.

What it guarantees, whatever the server does:

* **only http and https**: any other scheme, given or redirected to, is refused;
* **credentials stay with the origin you named**: they are sent only after that server asks for
  them (HTTP 401), by the scheme it asks for (Digest when it offers Digest, else Basic), and a
  redirect to another origin (scheme, host, port) is refused with a clear error, never followed;
* **writes are not redirected**: any 3xx answer to a write (``ipkg push``) is a failure;
* **a total deadline**: the whole exchange (connect, auth round trips, redirects, the full body)
  ends within ``timeout`` seconds — a server sending one byte a second cannot stretch it;
* **bounded answers**: a body larger than ``max_bytes`` is an error, not a memory blow-up;
* every failure is an :class:`ipkg.errors.IpkgError` (exit code 2) naming the URL.
"""

from __future__ import annotations

import threading
import time
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass

from .errors import IpkgError

SCHEMES = ("http", "https")
DEFAULT_PORTS = {"http": 80, "https": 443}
MAX_REDIRECTS = 5
USER_AGENT = "ipkg"


@dataclass
class Reply:
    """A complete answer: the final URL, status, media type (lower case, no parameters), body."""

    url: str
    status: int
    media_type: str
    body: bytes


def check_url(url: str, what: str = "URL") -> str:
    """``url`` when it is an absolute http(s) URL with a host; else IpkgError (exit 2)."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme.lower() not in SCHEMES or not parts.hostname:
        raise IpkgError(f"not an http(s) {what}: {url!r}",
                        hint="ipkg talks only HTTP and HTTPS, e.g. http://127.0.0.1:7878/query")
    return url


def origin(url) -> tuple[str, str, int]:
    """(scheme, host, port) of an URL string or httpx.URL, the port defaulted by scheme."""
    import httpx

    u = httpx.URL(str(url))
    scheme = u.scheme.lower()
    return scheme, (u.host or "").lower(), u.port or DEFAULT_PORTS.get(scheme, 0)


_TLS = None


def _tls():
    """One TLS context for every request (building one costs tens of milliseconds)."""
    global _TLS
    if _TLS is None:
        import ssl

        _TLS = ssl.create_default_context()
    return _TLS


def _split_userinfo(url: str, user: str | None, password: str | None) -> tuple[str, str | None, str | None]:
    """Credentials written into the URL (``http://user:pw@host/``) become ``user``/``password``
    (unless given), and leave the URL: they too are sent only when asked, and never printed."""
    parts = urllib.parse.urlsplit(url)
    if parts.username is None and parts.password is None:
        return url, user, password
    if user is None:
        user = urllib.parse.unquote(parts.username or "")
        password = urllib.parse.unquote(parts.password or "") if password is None else password
    netloc = parts.hostname if ":" not in (parts.hostname or "") else f"[{parts.hostname}]"
    if parts.port:
        netloc += f":{parts.port}"
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc)), user, password


def _auth(user: str | None, password: str | None):
    if user is None:
        return None
    import httpx

    class ChallengeAuth(httpx.Auth):
        """Send nothing until the server asks (401); then Digest if it offers it, else Basic."""

        requires_request_body = True

        def __init__(self) -> None:
            self.digest = httpx.DigestAuth(user, password or "")
            self.basic = httpx.BasicAuth(user, password or "")

        def auth_flow(self, request):
            response = yield request
            if response.status_code != 401:
                return
            schemes = [h.split(None, 1)[0].lower() for h in response.headers.get_list("www-authenticate") if h]
            if "digest" in schemes:
                flow = self.digest.auth_flow(request)
                next(flow)  # the unauthenticated request we already sent
                retry = flow.send(response)  # the same request with the Digest answer
            elif "basic" in schemes:
                retry = next(self.basic.auth_flow(request))
            else:
                return
            yield retry

    return ChallengeAuth()


def request(url: str, *, method: str = "GET", data: Mapping[str, str] | bytes | None = None,
            accept: str = "*/*", content_type: str | None = None, timeout: float = 30.0,
            user: str | None = None, password: str | None = None, write: bool = False,
            max_bytes: int = 512 * 1024 * 1024) -> Reply:
    """One HTTP exchange, complete within ``timeout`` seconds; a 2xx :class:`Reply` or IpkgError.

    ``data``: a mapping is sent as a form (``application/x-www-form-urlencoded``), bytes as they
    are with ``content_type``. ``write=True`` marks a request that changes the server: it is
    never redirected (any 3xx is an error). Reads follow redirects only within the same origin.
    """
    check_url(url)
    url, user, password = _split_userinfo(url, user, password)
    if timeout <= 0:
        raise IpkgError(f"the timeout must be positive, got {timeout:g}")
    box: dict = {}
    cancelled = threading.Event()
    deadline = time.monotonic() + timeout

    def work() -> None:
        try:
            box["reply"] = _exchange(url, method, data, accept, content_type, timeout, deadline,
                                     user, password, write, max_bytes, cancelled)
        except BaseException as exc:  # handed to the calling thread
            box["error"] = exc

    worker = threading.Thread(target=work, name="ipkg-http", daemon=True)
    worker.start()
    try:
        worker.join(max(0.0, deadline - time.monotonic()) + 0.05)
    finally:
        cancelled.set()
    if worker.is_alive():
        raise _too_slow(url, timeout)
    if "error" in box:
        raise box["error"]
    return box["reply"]


def _detail(body: bytes, ctype: str) -> str:
    """The start of an error body as one line of text (HTML tags dropped)."""
    import re

    text = body[:4000].decode("utf-8", "replace")
    if "html" in ctype or text.lstrip().startswith("<"):
        text = re.sub(r"(?is)<(head|script|style)\b.*?</\1>", " ", text)
        text = re.sub(r"<[^>]*>", " ", text)
    text = re.sub(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", "", text)  # no terminal escapes from a server
    return " ".join(text.split())[:500]


def _too_slow(url: str, timeout: float) -> IpkgError:
    return IpkgError(f"{url} did not send a complete answer within {timeout:g} s",
                     hint="the server is slow or the query too expensive; raise --timeout or narrow it")


def _exchange(url, method, data, accept, content_type, timeout, deadline, user, password, write,
              max_bytes, cancelled) -> Reply:
    import httpx

    first = origin(url)
    headers = {"Accept": accept, "User-Agent": USER_AGENT}
    if isinstance(data, Mapping):
        content = urllib.parse.urlencode(data).encode("utf-8")
        headers["Content-Type"] = content_type or "application/x-www-form-urlencoded"
    else:
        content = data
        if content_type:
            headers["Content-Type"] = content_type

    def on_request(req: httpx.Request) -> None:
        if req.url.scheme.lower() not in SCHEMES:
            raise IpkgError(f"{url} redirected to {req.url}, which is not http(s); not followed",
                            hint="ipkg follows redirects only to http(s) on the same origin")
        if origin(req.url) != first:
            raise IpkgError(
                f"{url} redirected to another origin ({req.url}); not followed, so neither the "
                "credentials nor the request went there",
                hint="if you trust that server, give its URL directly")

    def on_response(resp: httpx.Response) -> None:
        if write and 300 <= resp.status_code < 400:
            where = resp.headers.get("location")
            raise IpkgError(
                f"{url} answered HTTP {resp.status_code}" + (f" (redirect to {where})" if where else "")
                + f" to a {resp.request.method}; a write is never redirected, so nothing was written there",
                hint="give the endpoint's final URL (check it with curl -I)")

    limits = httpx.Timeout(timeout)
    try:
        with httpx.Client(timeout=limits, follow_redirects=not write, max_redirects=MAX_REDIRECTS, verify=_tls(),
                          trust_env=False, event_hooks={"request": [on_request], "response": [on_response]}) as client:
            req = client.build_request(method, url, content=content, headers=headers)
            resp = client.send(req, auth=_auth(user, password), stream=True)
            try:
                chunks, size = [], 0
                for chunk in resp.iter_bytes():
                    if cancelled.is_set() or time.monotonic() > deadline:
                        raise _too_slow(url, timeout)
                    size += len(chunk)
                    if size > max_bytes:
                        raise IpkgError(f"the answer from {url} exceeds {max_bytes // (1024 * 1024)} MB",
                                        hint="add a LIMIT or narrow the query")
                    chunks.append(chunk)
            finally:
                resp.close()
    except IpkgError:
        raise
    except httpx.TooManyRedirects:
        raise IpkgError(f"{url} redirected more than {MAX_REDIRECTS} times; giving up") from None
    except httpx.TimeoutException:
        raise _too_slow(url, timeout) from None
    except httpx.ConnectError as exc:
        raise IpkgError(f"cannot reach {url}: {exc}", hint="is the server running? check the URL and port") from None
    except httpx.RemoteProtocolError as exc:
        raise IpkgError(f"the answer from {url} was cut off or malformed ({exc})",
                        hint="the server may have stopped at its time limit") from None
    except (httpx.HTTPError, httpx.InvalidURL, OSError) as exc:
        raise IpkgError(f"connection to {url} failed: {exc}") from None
    body = b"".join(chunks)
    ctype = (resp.headers.get("content-type") or "").split(";")[0].strip().lower()
    status = resp.status_code
    if 200 <= status < 300:
        return Reply(str(resp.url), status, ctype, body)
    detail = _detail(body, ctype)
    if status in (401, 403):
        raise IpkgError(f"{url} refused access (HTTP {status}{': ' + detail if detail else ''})",
                        hint="check --user/--password, or whether the endpoint is read-only")
    if status == 400:
        raise IpkgError(f"{url} rejected the request (HTTP 400): {detail}")
    if 300 <= status < 400:
        raise IpkgError(f"{url} answered HTTP {status} without a usable redirect")
    raise IpkgError(f"{url} answered HTTP {status}: {detail or resp.reason_phrase}")
