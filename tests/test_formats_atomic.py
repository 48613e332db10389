"""Result files are written whole or not at all."""

from __future__ import annotations

import pytest

from deorbit.formats.atomic import atomic_path, write_json_atomic, write_text_atomic


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "out.csv"
    write_text_atomic(target, "old\n")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("writer failed")
    assert target.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]


def test_successful_writes_replace_the_target_and_keep_the_suffix(tmp_path):
    target = tmp_path / "sub" / "x.json"
    with atomic_path(target) as tmp:
        assert tmp.suffix == ".json" and tmp.parent == target.parent
        tmp.write_text("{}")
    assert target.read_text() == "{}"
    write_json_atomic(target, {"a": 1})
    assert target.read_text() == '{"a": 1}'
