"""The one writer (`wfc.emit.writing`): modes through the umask, special files written through or
refused, a full disk as one line, temporaries that are only ever wfc's, and compiles into one
directory taking turns. Only FIFOs, sockets and directories of the test's own are used."""
from __future__ import annotations

import os
import shutil
import socket
import stat
import subprocess
import sys
from pathlib import Path
from typing import Iterator, List

import pytest

from factories import DEMO_WORKFLOW

from wfc.diagnostics.errors import CannotWrite
from wfc.emit import clear_temporaries
from wfc.emit.writing import write_file



@pytest.fixture()
def umask() -> Iterator[None]:
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_file_gets_what_the_umask_allows(tmp_path: Path, umask: None) -> None:
    write_file(tmp_path / "a", "x")
    os.umask(0o077)
    write_file(tmp_path / "b", "x")
    assert (mode(tmp_path / "a"), mode(tmp_path / "b")) == (0o644, 0o600)


def test_an_existing_file_keeps_its_mode(tmp_path: Path, umask: None) -> None:
    target = tmp_path / "script.sh"
    target.write_text("old")
    target.chmod(0o751)
    write_file(target, "new")
    assert (target.read_text(), mode(target)) == ("new", 0o751)
    assert os.listdir(tmp_path) == ["script.sh"]


def test_a_directory_and_a_socket_are_refused_by_name(tmp_path: Path) -> None:
    (tmp_path / "folder").mkdir()
    with pytest.raises(CannotWrite) as raised:
        write_file(tmp_path / "folder", "x")
    assert str(raised.value) == (f"cannot write {tmp_path.as_posix()}/folder: it is a directory, "
                                 "not a file wfc may write")
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(str(tmp_path / "sock"))
    try:
        with pytest.raises(CannotWrite, match="it is a socket, not a file wfc may write"):
            write_file(tmp_path / "sock", "x")
        assert stat.S_ISSOCK(os.lstat(tmp_path / "sock").st_mode)
    finally:
        listener.close()


def test_a_missing_directory_is_named(tmp_path: Path) -> None:
    with pytest.raises(CannotWrite) as raised:
        write_file(tmp_path / "no" / "file", "x")
    assert str(raised.value) == f"cannot write {tmp_path.as_posix()}/no/file: the directory does not exist"


def test_a_write_that_fails_half_way_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    """The file-size limit makes the write fail after its first bytes, as a full disk does."""
    target = tmp_path / "plan.json"
    target.write_bytes(b"old")
    code = (f"import resource; resource.setrlimit(resource.RLIMIT_FSIZE, (1000, 1000))\n"
            f"from pathlib import Path; from wfc.emit.writing import write_file\n"
            f"write_file(Path({str(target)!r}), b'x' * 5000)\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert "CannotWrite" in result.stderr and "the file is larger than this process may write" in result.stderr
    assert target.read_bytes() == b"old" and os.listdir(tmp_path) == ["plan.json"]


def compile_command(*extra: str) -> List[str]:
    return [sys.executable, "-m", "wfc", "compile", *extra]


def test_a_full_disk_is_one_line_and_leaves_nothing_half_written(tmp_path: Path) -> None:
    """A real full disk: a 16 KiB tmpfs in a private mount namespace (root only)."""
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        pytest.skip("needs root and unshare to mount a small tmpfs")
    (tmp_path / "workflows").mkdir()
    (tmp_path / "workflows" / "demo.yaml").write_text(DEMO_WORKFLOW)
    (tmp_path / "out").mkdir()
    script = f"mount -t tmpfs -o size=16k tmpfs out && exec {sys.executable} -m wfc compile --out out; "
    result = subprocess.run(["unshare", "-m", "sh", "-c", script + "echo unshare failed >&2; exit 99"],
                            cwd=tmp_path, capture_output=True, text=True, timeout=120,
                            env={**os.environ, "NO_COLOR": "1"})
    if result.returncode == 99 or "mount:" in result.stderr:
        pytest.skip(f"cannot mount a tmpfs here: {result.stderr.strip()}")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    last = result.stderr.splitlines()[-1]
    assert last.startswith("error: cannot write out/") and last.endswith(": no space left on the device")


def test_only_wfc_temporaries_of_dead_processes_are_cleared(tmp_path: Path) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True).stdout.strip()
    names = [f".demo.plan.json.wfc-{dead}-0123456789ab.tmp",  # a killed compile's: cleared
             f".demo.plan.json.wfc-{os.getppid()}-0123456789ab.tmp",  # a live process's: kept
             ".notes.md.swp.tmp", ".cache.tmp", "draft.tmp"]  # anyone else's: kept
    for name in names:
        (tmp_path / name).write_text("x")
    clear_temporaries([tmp_path])
    assert sorted(os.listdir(tmp_path)) == sorted(names[1:])


def test_two_compiles_into_one_directory_take_turns(tmp_path: Path) -> None:
    (tmp_path / "workflows").mkdir()
    for index in range(6):
        (tmp_path / "workflows" / f"demo{index}.yaml").write_text(DEMO_WORKFLOW)
    for _ in range(3):
        runs = [subprocess.Popen(compile_command("--force"), cwd=tmp_path, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True) for _ in range(2)]
        outcomes = [(run.wait(120), run.stderr.read() if run.stderr else "") for run in runs]
        for run in runs:
            for stream in (run.stdout, run.stderr):
                if stream:
                    stream.close()
        assert [code for code, _ in outcomes] == [0, 0], outcomes
        assert all("compiled 6 workflows: 24 written, 0 unchanged, 0 pruned" in err for _, err in outcomes)
    leftovers = [p for p in (tmp_path / "generated").rglob("*") if p.name.endswith(".tmp")]
    assert leftovers == []


def test_strict_writes_nothing_when_it_fails(tmp_path: Path) -> None:
    (tmp_path / "workflows").mkdir()
    (tmp_path / "workflows" / "demo.yaml").write_text(DEMO_WORKFLOW)
    (tmp_path / "workflows" / "warns.yaml").write_text(DEMO_WORKFLOW.replace("    estimate: 1s\n", ""))
    result = subprocess.run(compile_command("--strict"), cwd=tmp_path, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 1
    assert "WFC303" in result.stderr
    assert result.stderr.splitlines()[-1] == ("--strict: nothing written (2 workflows compiled; fix every error "
                                              "and warning above)")
    assert not (tmp_path / "generated").exists()
    fine = subprocess.run(compile_command("--strict", "workflows/demo.yaml"), cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert fine.returncode == 0 and (tmp_path / "generated" / "demo.plan.json").is_file()

