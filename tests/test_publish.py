"""Publishing is atomic as a whole: a kill at any step leaves the old set or the new set, never a mix."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest

from placeplan.outputs import files
from placeplan.outputs.files import recover, write_outputs

from conftest import PROJECT

SCRIPT = textwrap.dedent("""
    import os, signal, sys
    from pathlib import Path
    import pandas as pd
    from placeplan.outputs import files

    out, version, kill_at = Path(sys.argv[1]), sys.argv[2], sys.argv[3]

    def hook(step):
        if step == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)

    files.STEP_HOOK = hook
    big = pd.DataFrame({"version": [version] * 200_000, "n": range(200_000)})
    files.write_outputs(out, {"alpha": big, "beta": big.head(10)}, {"run.json": {"version": version}},
                        blobs={"report.html": version.encode() * 1000})
""")


def publish(out: Path, version: str, kill_at: str = "never") -> int:
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(out), version, kill_at], cwd=PROJECT,
                          capture_output=True, text=True)
    return done.returncode


def snapshot(out: Path) -> dict[str, bytes] | None:
    if not out.exists():
        return None
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("kill_at", ["staging", "staged", "moved_old", "published"])
def test_a_kill_at_any_step_leaves_the_old_set_or_the_new_set(tmp_path: Path, kill_at: str):
    out = tmp_path / "reports" / "toy"
    assert publish(out, "old") == 0
    old = snapshot(out)
    (out / "kept.txt").write_text("from an earlier command\n")  # files already there are carried over
    old = snapshot(out)
    assert publish(out, "new") == 0
    new = snapshot(out)
    assert new["kept.txt"] == old["kept.txt"] and new["report.html"] != old["report.html"]
    assert set(new) == set(old)

    assert publish(out, "newer", kill_at) == -signal.SIGKILL
    after = snapshot(out)
    strays = sorted(p.name for p in out.parent.iterdir() if p.name != "toy")
    assert strays, "a killed publish leaves its staging or old folder behind"
    if kill_at == "moved_old":
        assert after is None  # between the two renames: nothing published, the old set complete beside it
    else:
        assert after == new or (kill_at == "published" and after["report.html"] == b"newer" * 1000
                                and set(after) == set(new))
    recover(out)
    recovered = snapshot(out)
    assert recovered == (new if kill_at != "published" else after)
    assert [p.name for p in out.parent.iterdir()] == ["toy"]

    # the next publish also starts by cleaning up, and writes a complete new set
    assert publish(out, "newer", kill_at) == -signal.SIGKILL
    assert publish(out, "latest") == 0
    assert [p.name for p in out.parent.iterdir()] == ["toy"]
    latest = snapshot(out)
    assert latest["report.html"] == b"latest" * 1000 and latest["kept.txt"] == old["kept.txt"]


def test_a_hard_linked_published_file_is_never_written_through(tmp_path: Path):
    out = tmp_path / "out"
    write_outputs(out, {"t": pd.DataFrame({"a": [1]})}, {}, blobs={"b.bin": b"one"})
    held = os.open(out / "b.bin", os.O_RDONLY)  # a reader holding the published file open
    try:
        write_outputs(out, {}, {}, blobs={"b.bin": b"two"})
        assert os.pread(held, 10, 0) == b"one"
    finally:
        os.close(held)
    assert (out / "b.bin").read_bytes() == b"two" and (out / "t.csv").is_file()


def test_a_failed_write_publishes_nothing(tmp_path: Path):
    out = tmp_path / "out"
    write_outputs(out, {"t": pd.DataFrame({"a": [1]})}, {})
    before = snapshot(out)

    class Boom:
        def to_csv(self, *args, **kwargs):
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        write_outputs(out, {"u": pd.DataFrame({"a": [2]}), "v": Boom()}, {})
    assert snapshot(out) == before
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_stray_folders_of_a_running_process_are_left_alone(tmp_path: Path):
    out = tmp_path / "out"
    out.mkdir()
    live = tmp_path / f".out.staging-{os.getppid()}-abcd1234"
    dead = tmp_path / ".out.staging-999999999-abcd1234"
    live.mkdir()
    dead.mkdir()
    assert recover(out) == [dead]
    assert live.is_dir() and not dead.exists()
    assert files.STEP_HOOK is None


def test_a_failure_between_the_renames_puts_the_old_set_back(tmp_path: Path, monkeypatch):
    out = tmp_path / "out"
    write_outputs(out, {"t": pd.DataFrame({"a": [1]})}, {})
    before = snapshot(out)

    def fail(step):
        if step == "moved_old":
            raise OSError("disk gone")

    monkeypatch.setattr(files, "STEP_HOOK", fail)
    with pytest.raises(OSError):
        write_outputs(out, {"t": pd.DataFrame({"a": [2]})}, {})
    assert snapshot(out) == before
    assert [p.name for p in tmp_path.iterdir()] == ["out"]
