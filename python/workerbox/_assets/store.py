"""Where asset bytes come from: a directory listed once (as a deploy uploads it) and read per
request, or a mapping held in memory. A store answers "is there an asset at this key" and opens
one for reading; it never follows a symbolic link out of its directory."""

from __future__ import annotations

import hashlib
import logging
import os
import stat
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Optional, Union

from .ignore import FILE_NAME as IGNORE_FILE
from .ignore import IgnoreRules
from .paths import asset_key, segment_ok

log = logging.getLogger("workerbox.asgi")

Source = Union[str, "os.PathLike[str]", Mapping[str, Union[bytes, bytearray, memoryview, str]]]

CHUNK = 256 * 1024
# Beyond this an ignore file is not one a person wrote.
MAX_IGNORE_BYTES = 1 << 20


@dataclass(frozen=True)
class Opened:
    """An asset ready to send: its size, strong ETag, and either its bytes or an open file."""

    size: int
    etag: str
    data: Optional[bytes] = None
    fd: Optional[int] = None

    def close(self) -> None:
        """Closes the file, if the asset has one."""
        if self.fd is not None:
            os.close(self.fd)


def _etag(digest: str) -> str:
    return f'"{digest}"'


class MemoryStore:
    """Assets given as a mapping of names to bytes or text (text is stored as UTF-8)."""

    def __init__(self, files: Mapping[str, Union[bytes, bytearray, memoryview, str]]) -> None:
        self._files: dict[str, tuple[bytes, str]] = {}
        for name, value in files.items():
            key = asset_key(name)
            if isinstance(value, str):
                data = value.encode("utf-8")
            elif isinstance(value, (bytes, bytearray, memoryview)):
                data = bytes(value)
            else:
                raise TypeError(f"asset {name!r}: bytes or str, not {type(value).__name__}")
            if key in self._files:
                raise ValueError(f"asset {name!r} is given twice")
            self._files[key] = (data, _etag(hashlib.blake2b(data, digest_size=16).hexdigest()))

    def __contains__(self, key: str) -> bool:
        return key in self._files

    def keys(self) -> Iterator[str]:
        """Every asset key."""
        return iter(self._files)

    def open(self, key: str) -> Optional[Opened]:
        """The asset at ``key``, or None."""
        found = self._files.get(key)
        if found is None:
            return None
        return Opened(size=len(found[0]), etag=found[1], data=found[0])


class DirectoryStore:
    """Assets in a directory. The listing is taken once; contents are read when served, and a
    file's ETag (a hash of its contents) is computed on first use and kept while its size,
    inode and modification time stay the same. A symbolic link is served only if it resolves to
    a regular file inside the directory; symbolically linked directories are not entered."""

    def __init__(self, root: Union[str, "os.PathLike[str]"]) -> None:
        self.root = os.path.realpath(os.fspath(root))
        if not os.path.isdir(self.root):
            raise ValueError(f"assets directory {os.fspath(root)!r} is not a directory")
        self._ignore = _ignore_rules(self.root)
        self._paths: dict[str, str] = dict(self._walk())
        self._etags: dict[str, tuple[tuple[int, int, int], str]] = {}
        self._lock = threading.Lock()

    def _walk(self) -> Iterator[tuple[str, str]]:
        for dirpath, dirnames, filenames in os.walk(self.root, followlinks=False):
            relative = os.path.relpath(dirpath, self.root)
            prefix = "" if relative == "." else relative.replace(os.sep, "/") + "/"
            dirnames[:] = [d for d in dirnames if self._enterable(dirpath, d) and not self._ignore.ignored(prefix + d, True)]
            for name in filenames:
                if prefix + name == IGNORE_FILE or self._ignore.ignored(prefix + name, False):
                    continue
                path = self._servable(os.path.join(dirpath, name), prefix + name)
                if path is not None:
                    yield prefix + name, path

    def _enterable(self, dirpath: str, name: str) -> bool:
        if os.path.islink(os.path.join(dirpath, name)):
            log.warning("assets: not entering symlinked directory %r", name)
            return False
        return segment_ok(name)

    def _servable(self, path: str, key: str) -> Optional[str]:
        if not all(segment_ok(s) for s in key.split("/")):
            log.warning("assets: skipping %r (a name no URL can ask for safely)", key)
            return None
        real = os.path.realpath(path)
        if not real.startswith(self.root + os.sep) or not os.path.isfile(real):
            log.warning("assets: refusing %r: it leads outside the directory or to no regular file", key)
            return None
        return real

    def __contains__(self, key: str) -> bool:
        return key in self._paths

    def keys(self) -> Iterator[str]:
        """Every asset key."""
        return iter(self._paths)

    def open(self, key: str) -> Optional[Opened]:
        """The asset at ``key`` opened for reading (blocking: call it off the event loop), or None
        if it is gone or no longer a regular file."""
        path = self._paths.get(key)
        if path is None:
            return None
        try:
            # The listing resolved every link: one swapped in since is refused, not followed.
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0))
        except OSError:
            return None
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                os.close(fd)
                return None
            return Opened(size=info.st_size, etag=self._etag_of(fd, key, info), fd=fd)
        except BaseException:
            os.close(fd)
            raise

    def _etag_of(self, fd: int, key: str, info: os.stat_result) -> str:
        version = (info.st_ino, info.st_size, info.st_mtime_ns)
        with self._lock:
            known = self._etags.get(key)
        if known is not None and known[0] == version:
            return known[1]
        digest = hashlib.blake2b(digest_size=16)
        offset = 0
        while chunk := os.pread(fd, CHUNK, offset):
            digest.update(chunk)
            offset += len(chunk)
        etag = _etag(digest.hexdigest())
        with self._lock:
            self._etags[key] = (version, etag)
        return etag


def _ignore_rules(root: str) -> IgnoreRules:
    path = os.path.join(root, IGNORE_FILE)
    if not os.path.isfile(path):
        return IgnoreRules("")
    with open(path, "rb") as f:
        raw = f.read(MAX_IGNORE_BYTES + 1)
    if len(raw) > MAX_IGNORE_BYTES:
        raise ValueError(f"{IGNORE_FILE} is larger than {MAX_IGNORE_BYTES} bytes")
    try:
        return IgnoreRules(raw.decode("utf-8"))
    except UnicodeDecodeError as e:
        raise ValueError(f"{IGNORE_FILE} is not UTF-8: {e}") from e


def store_for(source: Source) -> Union[MemoryStore, DirectoryStore]:
    """The store for a directory path or a mapping."""
    if isinstance(source, Mapping):
        return MemoryStore(source)
    if isinstance(source, (str, os.PathLike)):
        return DirectoryStore(source)
    raise TypeError(f"assets come from a directory or a mapping, not {type(source).__name__}")
