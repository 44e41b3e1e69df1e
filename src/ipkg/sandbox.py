"""Run a SPARQL engine where it cannot reach the network and where its crash is not ours.

Two tools, used by ``ipkg serve`` and ``ipkg query``:

* :func:`install_no_network` – a seccomp filter (Linux, x86-64 and aarch64) that makes the
  ``connect``, ``sendmsg``/``sendmmsg`` and address-carrying ``sendto`` system calls fail with
  ``EPERM``, and refuses ``io_uring_setup`` (which could issue them behind the filter's back).
  A process under it can still accept connections on a socket it listens on and answer them,
  but it cannot open a connection or send a datagram anywhere: SPARQL ``SERVICE`` (server-side
  request forgery) is impossible by construction, whatever text reaches the engine. The filter
  is inherited by every thread and child and cannot be removed (``PR_SET_NO_NEW_PRIVS``).
  The Oxigraph server behind ``ipkg serve`` is started under it (``preexec_fn``).
* :func:`run_isolated` – run a function in a forked child under that filter and return its
  result. Oxigraph 0.5.13 *aborts the process* on some queries (a Rust panic in ``ORDER BY``
  over mixed literals; a stack overflow on deeply nested groups); in a child, the parent
  survives and reports one clear line instead (:class:`EngineCrash`).
"""

from __future__ import annotations

import ctypes
import errno
import os
import pickle
import platform
import re
import signal
import struct
import sys
import tempfile

from .errors import IpkgError

# system-call numbers, per architecture
_ARCH = {
    # machine: (AUDIT_ARCH_*, connect, sendto, sendmsg, sendmmsg, io_uring_setup)
    "x86_64": (0xC000003E, 42, 44, 46, 307, 425),
    "aarch64": (0xC00000B7, 203, 206, 211, 269, 425),
}
_PR_SET_NO_NEW_PRIVS = 38
_PR_SET_SECCOMP = 22
_SECCOMP_MODE_FILTER = 2
_RET_ALLOW = 0x7FFF0000
_RET_EPERM = 0x00050000 | errno.EPERM
_LD_W_ABS = 0x20
_JEQ_K = 0x15
_JGE_K = 0x35
_RET_K = 0x06


def supported() -> bool:
    """Whether :func:`install_no_network` can install its filter on this machine."""
    return sys.platform.startswith("linux") and platform.machine() in _ARCH


def _program() -> tuple[bytes, int]:
    arch, connect, sendto, sendmsg, sendmmsg, uring = _ARCH[platform.machine()]
    # (code, jt, jf, k); jumps are relative to the next instruction
    prog = [
        (_LD_W_ABS, 0, 0, 4),              # 0 A = arch
        (_JEQ_K, 1, 0, arch),              # 1 native arch? -> 3
        (_RET_K, 0, 0, _RET_EPERM),        # 2 foreign ABI: refuse every call
        (_LD_W_ABS, 0, 0, 0),              # 3 A = syscall number
        (_JGE_K, 8, 0, 0x40000000),        # 4 x32 ABI -> deny (13)
        (_JEQ_K, 7, 0, connect),           # 5 -> deny
        (_JEQ_K, 6, 0, sendmsg),           # 6 -> deny
        (_JEQ_K, 5, 0, sendmmsg),          # 7 -> deny
        (_JEQ_K, 4, 0, uring),             # 8 -> deny
        (_JEQ_K, 1, 0, sendto),            # 9 -> 11
        (_RET_K, 0, 0, _RET_ALLOW),        # 10
        (_LD_W_ABS, 0, 0, 16 + 8 * 4),     # 11 A = low half of args[4] (dest_addr)
        (_JEQ_K, 1, 0, 0),                 # 12 NULL low half -> 14
        (_RET_K, 0, 0, _RET_EPERM),        # 13 deny
        (_LD_W_ABS, 0, 0, 16 + 8 * 4 + 4),  # 14 high half
        (_JEQ_K, 0, 1, 0),                 # 15 NULL -> 16 allow, else 17 deny
        (_RET_K, 0, 0, _RET_ALLOW),        # 16
        (_RET_K, 0, 0, _RET_EPERM),        # 17
    ]
    # the deny jumps above point at 13; instruction 4 jumps +8 -> 13, 5 +7 -> 13, etc.
    return b"".join(struct.pack("HBBI", *ins) for ins in prog), len(prog)


def install_no_network() -> bool:
    """Install the no-outbound-network seccomp filter on the calling process (and its future threads).

    Returns False (and changes nothing) where seccomp is not available; raises OSError when the
    kernel refuses the filter. Safe in a ``preexec_fn`` (no allocation after the program is built).
    """
    if not supported():
        return False
    code, count = _program()
    libc = ctypes.CDLL(None, use_errno=True)
    buf = ctypes.create_string_buffer(code, len(code))

    class SockFprog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    fprog = SockFprog(count, ctypes.cast(buf, ctypes.c_void_p))
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS) failed")
    if libc.prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_SECCOMP) failed")
    return True


class EngineCrash(IpkgError):
    """The query engine process died (a crash in Oxigraph, not in the query's author)."""


_PANIC = re.compile(r"panicked at [^\n]*\n([^\n]+)|(thread '[^']*' has overflowed its stack)"
                    r"|(memory allocation of \d+ bytes failed)")


def crash_reason(stderr: str, status: int | None = None) -> str:
    """One line saying why an engine process died, from its stderr and exit status."""
    m = _PANIC.search(stderr or "")
    if m:
        reason = next(g for g in m.groups() if g).strip()
        reason = "panic: " + reason if m.group(1) else reason
    else:
        tail = [ln for ln in (stderr or "").splitlines() if ln.strip()]
        reason = tail[-1].strip() if tail else ""
    if status is not None and status < 0:
        try:
            name = signal.Signals(-status).name
        except ValueError:
            name = f"signal {-status}"
        reason = f"{name}" + (f" ({reason})" if reason else "")
    elif status:
        reason = f"exit code {status}" + (f" ({reason})" if reason else "")
    return reason[:300] or "unknown reason"


def send_to_parent(wfd: int, payload, unpicklable) -> None:
    """In a forked child: write ``payload``, pickled, into the pipe ``wfd`` (then closed); when
    it does not pickle (an exception holding a lock, a generator …), ``unpicklable(error)`` is
    sent instead. Used by :func:`run_isolated` and by the build's second process."""
    try:
        data = pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception as exc:  # noqa: BLE001 - whatever pickling raises, the parent gets an answer
        data = pickle.dumps(unpicklable(exc), protocol=pickle.HIGHEST_PROTOCOL)
    with os.fdopen(wfd, "wb") as out:
        out.write(data)


def run_isolated(fn, *args, origin: str = "<query>", what: str = "the query engine (Oxigraph)",
                 cpu_seconds: int | None = None):
    """``fn(*args)`` in a forked child under :func:`install_no_network`; its result or its error.

    An :class:`IpkgError` raised in the child is raised again here; any other exception becomes
    an :class:`IpkgError` with its message; a child killed by a signal (an abort, a stack
    overflow) becomes :class:`EngineCrash` with the reason read from its stderr. ``cpu_seconds``
    bounds the child's CPU time (``RLIMIT_CPU``; it is killed with SIGXCPU/SIGKILL).
    Falls back to a plain call where ``fork`` is not available.
    """
    if not hasattr(os, "fork"):  # pragma: no cover - ipkg targets Linux and macOS
        return fn(*args)
    rfd, wfd = os.pipe()
    err = tempfile.TemporaryFile()
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # child
        code = 0
        try:
            os.close(rfd)
            os.dup2(err.fileno(), 2)
            import faulthandler

            faulthandler.disable()  # its dump would go to the parent's terminal, not to `err`
            try:
                install_no_network()
            except OSError:
                pass  # the parse-level SERVICE refusal still applies
            if cpu_seconds:
                import resource

                resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))
            try:
                payload = ("ok", fn(*args))
            except IpkgError as exc:
                payload = ("ipkg", exc)
            except BaseException as exc:  # noqa: BLE001 - handed to the parent as text
                payload = ("error", f"{type(exc).__name__}: {exc}")
            send_to_parent(wfd, payload, lambda exc: ("error", f"cannot return the result: {exc}"))
        except BaseException:  # noqa: BLE001
            code = 3
        finally:
            os._exit(code)
    os.close(wfd)
    chunks = []
    try:
        with os.fdopen(rfd, "rb") as inp:
            while True:
                piece = inp.read(1 << 20)
                if not piece:
                    break
                chunks.append(piece)
        _, status = os.waitpid(pid, 0)
    except BaseException:
        try:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        except OSError:
            pass
        err.close()
        raise
    code = os.waitstatus_to_exitcode(status)
    err.seek(0)
    stderr = err.read().decode("utf-8", "replace")
    err.close()
    if code != 0 or not chunks:
        reason = crash_reason(stderr, code)
        raise EngineCrash(
            f"{what} crashed on this query ({reason})", path=origin,
            hint="this is a bug in the engine, not in ipkg; known cases and their workarounds "
                 "are in docs/upstream/ (e.g. ORDER BY over values of mixed types: add a "
                 "FILTER(isNumeric(?x)) or ORDER BY STR(?x))")
    kind, value = pickle.loads(b"".join(chunks))
    if kind == "ok":
        return value
    if kind == "ipkg":
        raise value
    raise IpkgError(f"query failed: {value}", path=origin)
