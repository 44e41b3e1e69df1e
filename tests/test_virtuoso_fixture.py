"""The Virtuoso fixture starts a real server that stores what the Graph Store protocol sends."""

import httpx


def test_virtuoso_stores_a_graph_put_with_digest_auth(virtuoso):
    body = '<http://example.org/s> <http://example.org/p> "字" .\n'
    resp = httpx.put(
        virtuoso.graph_store,
        params={"graph": "http://example.org/g"},
        content=body.encode("utf-8"),
        headers={"Content-Type": "application/n-triples"},
        auth=httpx.DigestAuth(virtuoso.user, virtuoso.password),
        timeout=30,
    )
    assert resp.status_code in (200, 201, 204), resp.text
    rows = virtuoso.select("SELECT ?o WHERE { GRAPH <http://example.org/g> { ?s ?p ?o } }")
    assert rows == [{"o": "字"}]
