"""A real Virtuoso (Debian's ``virtuoso-opensource``) for interop tests: started in its own folder,
bound to loopback on free ports, stopped when the test session ends.

Virtuoso 7.2 serves SPARQL at ``/sparql`` (read) and the SPARQL 1.1 Graph Store protocol at
``/sparql-graph-crud-auth`` (Digest auth only; user ``dba``, password ``dba`` in a new database).
Nothing here is mocked: the tests talk HTTP to the real server.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

BINARY = "virtuoso-t"
SERVER_ROOT = Path("/var/lib/virtuoso-opensource-7/vsp")

INI = """\
[Database]
DatabaseFile = {d}/virtuoso.db
ErrorLogFile = {d}/virtuoso.log
LockFile = {d}/virtuoso.lck
TransactionFile = {d}/virtuoso.trx
xa_persistent_file = {d}/virtuoso.pxa
[TempDatabase]
DatabaseFile = {d}/virtuoso-temp.db
TransactionFile = {d}/virtuoso-temp.trx
[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
DirsAllowed = ., {d}
[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {root}
ServerThreads = 4
MaxClientConnections = 8
[SPARQL]
ResultSetMaxRows = 100000
MaxQueryExecutionTime = 60
"""


def available() -> str | None:
    """None when Virtuoso can be started here, else the reason it cannot."""
    if shutil.which(BINARY) is None:
        return "Virtuoso is not installed (Debian: apt-get install virtuoso-opensource)"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Virtuoso:
    folder: Path
    http_port: int
    process: subprocess.Popen
    user: str = "dba"
    password: str = "dba"

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def sparql(self) -> str:
        """The SPARQL query endpoint."""
        return f"{self.base}/sparql"

    @property
    def graph_store(self) -> str:
        """The Graph Store protocol endpoint (Digest auth)."""
        return f"{self.base}/sparql-graph-crud-auth"

    def select(self, query: str) -> list[dict[str, str]]:
        """Rows of a SELECT as dicts of plain strings (CSV results), for assertions."""
        import csv
        import io

        url = self.sparql + "?" + urllib.parse.urlencode({"query": query, "format": "text/csv"})
        with urllib.request.urlopen(url, timeout=60) as resp:
            return list(csv.DictReader(io.StringIO(resp.read().decode("utf-8"))))

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


def start(folder: Path, timeout: float = 60.0) -> Virtuoso:
    """Start a fresh Virtuoso in ``folder`` (created) and wait until /sparql answers."""
    folder.mkdir(parents=True, exist_ok=True)
    http_port, sql_port = _free_port(), _free_port()
    ini = folder / "virtuoso.ini"
    ini.write_text(INI.format(d=folder, sql_port=sql_port, http_port=http_port, root=SERVER_ROOT), encoding="utf-8")
    log = open(folder / "stdout.log", "wb")
    proc = subprocess.Popen([BINARY, "-f", "-c", str(ini)], cwd=folder, stdout=log, stderr=subprocess.STDOUT)
    server = Virtuoso(folder, http_port, proc)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"virtuoso-t exited with {proc.returncode}; see {folder}/virtuoso.log")
        try:
            server.select("ASK { }")
            return server
        except OSError:
            time.sleep(0.3)
    server.stop()
    raise RuntimeError(f"virtuoso-t did not answer within {timeout:.0f} s; see {folder}/virtuoso.log")
