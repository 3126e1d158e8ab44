"""Writing files so that nothing is lost: a crash leaves either the old or the new file."""

from __future__ import annotations

import os
import re
import secrets
import stat
import time

__all__ = ["write_atomic"]

#: A temporary file of ours older than this (seconds) was left by a killed writer.
_STALE_AFTER = 600.0


def write_atomic(path: str | os.PathLike[str], data: str | bytes) -> None:
    """Write ``data`` to ``path`` atomically: a temp file beside it, fsync, then rename.

    Text is written as UTF-8. A symbolic link is written through (the file it points to
    is replaced, the link stays), and an existing file keeps its permission bits. A
    read-only file is refused, as ``open(path, "w")`` would refuse it. The temporary
    file (``.NAME.<hex>.tmp`` beside the target) is removed on any error; one left by a
    writer killed between writing and renaming is removed by the next write to the same
    path once it is ten minutes old. The directory is fsynced after the rename so that
    the rename itself is durable (POSIX). Errors name ``path``, never the temporary file.

    Raises:
        PermissionError: the target is read-only, or its directory is not writable.
        OSError: the file cannot be written (an old file at ``path`` is intact).

    Example:
        >>> import os, tempfile
        >>> path = os.path.join(tempfile.mkdtemp(), "model.json")
        >>> write_atomic(path, '{"ok": true}')
        >>> open(path).read()
        '{"ok": true}'
    """
    given = os.fspath(path)
    # NOTE: os.replace would put a regular file where a symlink was; resolve it first.
    target = os.path.realpath(given) if os.path.islink(given) else given
    directory = os.path.dirname(os.path.abspath(target))
    base = os.path.basename(target)
    try:
        mode: int | None = stat.S_IMODE(os.stat(target).st_mode)
    except OSError:
        mode = None
    if mode is not None and not mode & 0o222:
        raise PermissionError(13, "the file is read-only; not replacing it", given)
    _remove_stale(directory, base)
    tmp = os.path.join(directory, f".{base}.{secrets.token_hex(6)}.tmp")
    payload = data.encode("utf-8") if isinstance(data, str) else data
    try:
        # O_EXCL never clobbers another file; mode 0o666 lets the umask decide, as open() does.
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except OSError as e:
        raise _naming(e, given) from None
    try:
        with open(fd, "wb") as f:
            if mode is not None and hasattr(os, "fchmod"):
                os.fchmod(f.fileno(), mode)  # keep an existing file's permissions
            f.write(payload)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException as e:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(e, OSError):
            raise _naming(e, given) from None
        raise
    _fsync_directory(directory)


def _naming(e: OSError, path: str) -> OSError:
    """The same error, naming the user's ``path`` instead of the temporary file."""
    if e.errno is None:
        return e
    return type(e)(e.errno, e.strerror, path)


def _remove_stale(directory: str, base: str) -> None:
    """Remove our own temporary files for ``base`` left behind by a killed writer."""
    pattern = re.compile(rf"\.{re.escape(base)}\.[0-9a-f]{{12}}\.tmp")
    try:
        names = [n for n in os.listdir(directory) if pattern.fullmatch(n)]
    except OSError:
        return
    now = time.time()
    for name in names:
        stale = os.path.join(directory, name)
        try:
            # NOTE: a young one may belong to a writer still running in another process.
            if now - os.lstat(stale).st_mtime > _STALE_AFTER:
                os.unlink(stale)
        except OSError:
            pass


def _fsync_directory(directory: str) -> None:
    """Make a rename durable (POSIX; best effort elsewhere)."""
    if os.name != "posix":
        return
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
