"""Paths that rows name resolve inside their root, or are refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from pledge.files import Entry, OutsideRoot, entry, inside, remove, root_of, under


def test_a_relative_path_resolves_under_the_root(tmp_path: Path) -> None:
    root = root_of("recordings", tmp_path)
    assert root == (tmp_path / "recordings").resolve()
    assert inside(root, "2026/01/call-1.wav") == root / "2026" / "01" / "call-1.wav"
    assert inside(root, str(root / "a.wav")) == root / "a.wav"


@pytest.mark.parametrize(
    "stored", ["../x.wav", "a/../../x.wav", "/etc/passwd", "", "  ", ".", "a\x00b", None, 7]
)
def test_a_path_leaving_the_root_is_refused(tmp_path: Path, stored: object) -> None:
    with pytest.raises(OutsideRoot):
        inside(root_of("recordings", tmp_path), stored)


def test_a_link_out_of_the_root_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "recordings"
    root.mkdir()
    (tmp_path / "secret").write_text("x")
    (root / "link.wav").symlink_to(tmp_path / "secret")
    with pytest.raises(OutsideRoot):
        inside(root.resolve(), "link.wav")


def test_remove_is_idempotent_and_under_lists_files(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "one.wav").write_bytes(b"x")
    assert list(under(tmp_path.resolve())) == [(tmp_path / "a" / "one.wav").resolve()]
    assert remove(tmp_path / "a" / "one.wav") is True
    assert remove(tmp_path / "a" / "one.wav") is False
    assert list(under(tmp_path / "missing")) == []


def test_an_entry_is_the_link_itself_and_its_folders_must_stay_inside(tmp_path: Path) -> None:
    root = (tmp_path / "recordings").resolve()
    (root / "a").mkdir(parents=True)
    (root / "a" / "one.wav").write_bytes(b"x")
    (root / "link.wav").symlink_to(root / "a" / "one.wav")
    (tmp_path / "out").mkdir()
    (root / "away").symlink_to(tmp_path / "out")
    assert entry(root, "a/one.wav") == Entry(root / "a" / "one.wav")
    assert entry(root, "link.wav") == Entry(root / "link.wav", root / "a" / "one.wav")
    for stored in ("away/x.wav", "a/..", "../x.wav"):
        with pytest.raises(OutsideRoot):
            entry(root, stored)
    assert remove(root / "link.wav") and (root / "a" / "one.wav").exists()
