"""`_read_at_most`: what `assess` reads of a work-tree file, in as few system calls as it can."""

import os

import pytest

from mlops_level.assess.facts.repository import _read_at_most

MB = 1 << 20


@pytest.mark.parametrize("size", [0, 1, 100, MB, MB + 5, 3 * MB])
@pytest.mark.parametrize("limit", [10, MB, 2 * MB + 1, 10 * MB])
def test_a_regular_file_is_read_up_to_the_limit(tmp_path, size, limit):
    path = tmp_path / "f"
    data = os.urandom(size)
    path.write_bytes(data)
    assert _read_at_most(str(path), limit) == data[:limit]


def test_links_and_fifos_are_not_read(tmp_path):
    target = tmp_path / "target"
    target.write_text("secret")
    (tmp_path / "link").symlink_to(target)
    os.mkfifo(tmp_path / "fifo")  # opening it would block without O_NONBLOCK
    assert _read_at_most(str(tmp_path / "link"), 100) is None
    assert _read_at_most(str(tmp_path / "fifo"), 100) is None


def test_a_file_that_is_one_read_long_takes_one_read(tmp_path, monkeypatch):
    path = tmp_path / "f"
    path.write_bytes(b"x" * 5000)
    reads = []
    real_read = os.read
    monkeypatch.setattr(os, "read", lambda fd, n: reads.append(n) or real_read(fd, n))
    assert _read_at_most(str(path), MB) == b"x" * 5000
    assert reads == [5001]
