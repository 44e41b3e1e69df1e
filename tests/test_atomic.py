"""ipkg.atomic: every file ipkg writes appears whole or not at all."""

import os
import stat

import pytest

from ipkg.atomic import replaced_file, write_bytes


def test_write_bytes_replaces_the_file_with_a_normal_mode(tmp_path):
    target = tmp_path / "sub" / "out.ttl"
    write_bytes(target, b"old")
    write_bytes(target, b"new")
    assert target.read_bytes() == b"new"
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~mask
    assert [p.name for p in target.parent.iterdir()] == ["out.ttl"]


def test_a_failure_leaves_the_old_file_and_no_temp_file(tmp_path):
    target = tmp_path / "out.ttl"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError):
        with replaced_file(target) as tmp:
            tmp.write_bytes(b"half")
            raise RuntimeError("killed half-way")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.ttl"]
