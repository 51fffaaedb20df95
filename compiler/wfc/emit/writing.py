"""Every file wfc writes goes through here: what a target path may be, and how it is written.

- A regular file (or a path that does not exist yet) is replaced atomically: the bytes go to a
  temporary sibling that is renamed over the target, so a reader or a crash sees the old bytes or
  the new ones, never half. An existing file keeps its permission bits; a new one gets what the
  umask allows (0666 less the umask), as `>` in a shell would give it.
- A symlink is followed: the file it points to is replaced (or created) in its own directory, and
  the link stays a link, as `>` would write through it.
- A FIFO or a character device (`-o /dev/stdout`, a pipe a reader holds open) is written through,
  never replaced; a FIFO nobody reads is an error rather than a wait for ever.
- Anything else (a directory, a socket, a block device) is refused.

Failures raise `CannotWrite` (`wfc.diagnostics.errors`), an OSError whose message names the path
and the reason in one line; every command shows it as that line and exits 1.
"""
from __future__ import annotations

import errno
import fcntl
import os
import re
import secrets
import stat
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterable, Iterator, List, NoReturn, Optional, Union

from wfc.diagnostics.errors import CannotWrite

Data = Union[bytes, str]

TEMPORARY_SUFFIX = ".tmp"
# `.NAME.wfc-PID-RANDOM.tmp`: recognisably ours, and naming the process that may still be writing it
_TEMPORARY = re.compile(r"^\..+\.wfc-(?P<pid>\d+)-[0-9a-f]{12}\.tmp$")
_WHY = {errno.EACCES: "permission denied", errno.EPERM: "permission denied", errno.EROFS: "read-only file system",
        errno.ENOSPC: "no space left on the device", errno.EDQUOT: "disk quota exceeded",
        errno.EFBIG: "the file is larger than this process may write", errno.ENOENT: "the directory does not exist",
        errno.ENOTDIR: "a parent of it is not a directory", errno.EISDIR: "it is a directory",
        errno.ENXIO: "it is a FIFO nobody is reading", errno.ELOOP: "too many levels of symbolic links",
        errno.ENAMETOOLONG: "the name is too long"}


def reason(error: OSError) -> str:
    return _WHY.get(error.errno or 0) or (error.strerror or str(error)).lower()


def _failed(path: Path, error: OSError) -> NoReturn:
    raise CannotWrite(error.errno or 0, reason(error), path.as_posix()) from error


def write_file(path: Path, data: Data, durable: bool = True, parents: bool = False) -> None:
    """Write `data` to `path` as the module docstring says. `durable` also survives a power cut
    (fsync); files rewritten many times a second, such as a live task list, skip it. `parents`
    creates missing directories first (outputs under `--out`, state under `.wfc/`)."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    if parents:
        ensure_directory(path.parent)
    try:
        mode: Optional[int] = os.stat(path).st_mode  # through symlinks, /proc's `/dev/stdout` ones too
    except FileNotFoundError:
        mode = None
    except OSError as error:
        _failed(path, error)
    if mode is None or stat.S_ISREG(mode):
        _replace(path, _followed(path), payload, None if mode is None else stat.S_IMODE(mode), durable)
    elif stat.S_ISFIFO(mode) or stat.S_ISCHR(mode):
        _write_through(path, payload, fifo=stat.S_ISFIFO(mode))
    else:
        kind = "a directory" if stat.S_ISDIR(mode) else "a socket" if stat.S_ISSOCK(mode) else "a block device"
        raise CannotWrite(errno.EINVAL, f"it is {kind}, not a file wfc may write", path.as_posix())


def _followed(path: Path) -> Path:
    """The file a chain of symlinks ends at (which may not exist yet); `path` itself otherwise."""
    try:
        return Path(os.path.realpath(path, strict=False)) if path.is_symlink() else path
    except OSError as error:
        _failed(path, error)


def _replace(shown: Path, target: Path, payload: bytes, mode: Optional[int], durable: bool) -> None:
    folder = target.parent if str(target.parent) else Path(".")
    temporary = folder / f".{target.name}.wfc-{os.getpid()}-{secrets.token_hex(6)}{TEMPORARY_SUFFIX}"
    try:
        # 0o666 through the umask, as the shell creates files; an existing file's own bits otherwise
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o666)
    except OSError as error:
        _failed(shown, error)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            if mode is not None:
                os.fchmod(handle.fileno(), mode)
            handle.write(payload)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(temporary, target)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        _failed(shown, error)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _write_through(shown: Path, payload: bytes, fifo: bool) -> None:
    """Into the FIFO or device itself: opening without O_NONBLOCK would wait for a FIFO's reader
    for ever; with it, no reader is ENXIO, and the descriptor is made blocking again to write."""
    try:
        descriptor = os.open(shown, os.O_WRONLY | (os.O_NONBLOCK if fifo else 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError as error:
        _failed(shown, error)
    try:
        os.set_blocking(descriptor, True)
        view = memoryview(payload)
        while view:
            view = view[os.write(descriptor, view):]
    except OSError as error:
        _failed(shown, error)
    finally:
        os.close(descriptor)


def ensure_directory(path: Path) -> None:
    """`mkdir -p` through the umask, with `CannotWrite` naming the directory when it cannot be made."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except FileExistsError as error:
        raise CannotWrite(errno.ENOTDIR, "it exists and is not a directory", path.as_posix()) from error
    except OSError as error:
        _failed(path, error)


def is_temporary(name: str) -> bool:
    return _TEMPORARY.match(name) is not None


def stale_temporaries(directories: Iterable[Path]) -> List[Path]:
    """Temporary files of wfc processes that are gone (a killed compile): only ours by name, and
    never one whose process is still running and may be about to rename it."""
    stale: List[Path] = []
    for directory in directories:
        if not directory.is_dir():
            continue
        for candidate in sorted(directory.iterdir()):
            match = _TEMPORARY.match(candidate.name)
            if match and not _alive(int(match.group("pid"))) and candidate.is_file():
                stale.append(candidate)
    return stale


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True  # another thread of this process may be writing it
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # someone else's live process
    return True


@contextmanager
def directories_locked(directories: Iterable[Path], on_wait: Callable[[Path], None]) -> Iterator[None]:
    """Hold an exclusive lock on each directory (created if missing) for the block: two compiles
    into one directory take turns instead of renaming and pruning under each other. The lock is
    `flock` on the directory itself, so there is no lock file to leave behind or commit; it goes
    with the process, however that ends. `on_wait` is told when another holder makes us wait."""
    held: List[int] = []
    try:
        unique = {os.path.realpath(directory): directory for directory in directories}
        for _, directory in sorted(unique.items()):  # one order for every compile: no deadlock
            ensure_directory(directory)
            descriptor = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0))
            held.append(descriptor)
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                on_wait(directory)
                fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        for descriptor in held:
            os.close(descriptor)
