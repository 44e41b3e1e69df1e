"""Where ipkg finds its ontology, graph and shapes (ipkg.paths.data_root)."""

from pathlib import Path

from ipkg import paths


def _project(root: Path) -> Path:
    (root / "ontology").mkdir(parents=True)
    (root / "ontology" / "ipkg.ttl").write_text("")
    (root / "graph" / "sources").mkdir(parents=True)
    (root / "shapes").mkdir()
    return root


def test_ipkg_data_wins(tmp_path, monkeypatch):
    monkeypatch.setenv("IPKG_DATA", str(tmp_path / "elsewhere"))
    monkeypatch.chdir(_project(tmp_path / "proj"))
    assert paths.data_root() == tmp_path / "elsewhere"


def test_the_project_around_the_working_directory_is_used(tmp_path, monkeypatch):
    """After a plain `pip install .`, the files a curator edits are the ones ipkg reads."""
    monkeypatch.delenv("IPKG_DATA", raising=False)
    proj = _project(tmp_path / "proj")
    monkeypatch.chdir(proj / "graph" / "sources")
    assert paths.data_root() == proj.resolve()
    assert paths.folder("graph") == proj.resolve() / "graph"


def test_outside_a_project_the_shipped_data_is_used(tmp_path, monkeypatch):
    monkeypatch.delenv("IPKG_DATA", raising=False)
    monkeypatch.chdir(tmp_path)
    root = paths.data_root()
    assert root != tmp_path
    assert (root / "ontology" / "ipkg.ttl").is_file() and (root / "graph").is_dir()
