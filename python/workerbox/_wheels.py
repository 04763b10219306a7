"""Pure-Python wheels the host allows a Python worker: their files as modules.

A Python guest cannot install anything itself (``micropip`` and ``loadPackage`` are refused).
The host picks wheels from its own disk instead, and this turns each into files at the root of
the worker's ``/app``, where ``import pkg``, ``importlib.metadata`` and ``importlib.resources``
find them. Only pure-Python wheels qualify: a native extension could not load in Pyodide anyway,
and a wheel that claims otherwise is refused rather than half installed.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import os
import posixpath
import zipfile
from email.parser import HeaderParser
from typing import Union

from ._workerbox import CodeError

__all__ = ["python_wheels"]

PathLike = Union[str, "os.PathLike[str]"]

#: What all the modules of a worker may weigh together (rust/code.rs MAX_TOTAL_MODULE_BYTES).
MAX_TOTAL_BYTES = 64 << 20

_NATIVE = (".so", ".pyd", ".dylib", ".dll")


def python_wheels(*paths: PathLike) -> dict[str, dict[str, bytes]]:
    """The files of pure-Python wheels, as ``modules`` for a Python worker.

    Each path is a ``.whl`` file, or a directory whose ``*.whl`` files are all taken. Merge the
    result into the worker's modules: ``modules={**wb.python_wheels("wheels/"), "main.py": src}``.
    Files land at the root of ``/app`` as the wheel lays them out (``{name}.data/purelib`` and
    ``platlib`` included; scripts and headers left out), each as a data module.

    Raises :class:`CodeError` for a file that is not a wheel, a wheel that is not pure Python
    (its tags are not ``*-none-any``, ``Root-Is-Purelib`` is not true, or it holds a native
    library), a file missing from the wheel's ``RECORD`` or not matching its hash there, a path that leaves the
    wheel's root, two wheels with the same file, or more than the modules' size limit in all.
    """
    wheels: list[str] = []
    for path in paths:
        path = os.fspath(path)
        if os.path.isdir(path):
            found = sorted(os.path.join(path, n) for n in os.listdir(path) if n.endswith(".whl"))
            if not found:
                raise CodeError(f"python_wheels: {path!r} holds no .whl file")
            wheels += found
        else:
            wheels.append(path)
    modules: dict[str, dict[str, bytes]] = {}
    total = 0
    for wheel in wheels:
        for name, data in _files(wheel, MAX_TOTAL_BYTES - total):
            if name in modules:
                raise CodeError(f"python_wheels: {name!r} is in more than one wheel (the second: {wheel!r})")
            modules[name] = {"data": data}
            total += len(data)
    return modules


def _files(wheel: str, room: int) -> list[tuple[str, bytes]]:
    """The files `wheel` installs, checked, within `room` bytes."""
    try:
        archive = zipfile.ZipFile(wheel)
    except zipfile.BadZipFile as e:
        raise CodeError(f"python_wheels: {wheel!r} is not a wheel (not a zip archive: {e})") from None
    with archive:
        infos = [i for i in archive.infolist() if not i.is_dir()]
        size = sum(i.file_size for i in infos)
        if size > room:
            raise CodeError(f"python_wheels: {wheel!r} unpacks to {size} bytes, past the modules' limit")
        names = [_checked_name(wheel, i.filename) for i in infos]
        dist_info = _dist_info(wheel, names)
        _check_pure(wheel, archive.read(f"{dist_info}/WHEEL").decode("utf-8", "replace"))
        record = _record(archive, wheel, dist_info)
        files = []
        for info, name in zip(infos, names):
            data = _read(archive, info, wheel)
            unhashed = name.startswith(f"{dist_info}/RECORD")
            if not unhashed and not _matches(data, record.get(name, "")):
                raise CodeError(f"python_wheels: {wheel!r}: {name!r} does not match the wheel's RECORD")
            target = _installed_name(name, dist_info)
            if target is not None:
                files.append((target, data))
        return files


def _checked_name(wheel: str, name: str) -> str:
    parts = name.split("/")
    if name.startswith("/") or "\\" in name or any(p in ("", ".", "..") for p in parts):
        raise CodeError(f"python_wheels: {wheel!r}: the entry {name!r} is not a plain relative path")
    if name.lower().endswith(_NATIVE):
        raise CodeError(f"python_wheels: {wheel!r} is not pure Python: it holds {name!r}")
    return name


def _dist_info(wheel: str, names: list[str]) -> str:
    found = {n.split("/")[0] for n in names if n.split("/")[0].endswith(".dist-info") and n.count("/") == 1}
    with_wheel = sorted(d for d in found if f"{d}/WHEEL" in names)
    if len(with_wheel) != 1:
        raise CodeError(f"python_wheels: {wheel!r} is not a wheel (it needs one .dist-info with a WHEEL file)")
    return with_wheel[0]


def _check_pure(wheel: str, text: str) -> None:
    meta = HeaderParser().parsestr(text)
    if (meta.get("Root-Is-Purelib") or "").strip().lower() != "true":
        raise CodeError(f"python_wheels: {wheel!r} is not pure Python (Root-Is-Purelib is not true)")
    tags = [t.strip() for t in meta.get_all("Tag") or []]
    native = [t for t in tags if not t.endswith("-none-any")]
    if not tags or native:
        raise CodeError(f"python_wheels: {wheel!r} is not pure Python (its tags: {', '.join(tags) or 'none'})")


def _record(archive: zipfile.ZipFile, wheel: str, dist_info: str) -> dict[str, str]:
    """The wheel's RECORD: each file's hash, which every file but RECORD itself must match."""
    try:
        text = archive.read(f"{dist_info}/RECORD").decode("utf-8", "replace")
    except KeyError:
        raise CodeError(f"python_wheels: {wheel!r} is not a wheel (it has no RECORD)") from None
    return {row[0]: row[1] for row in csv.reader(io.StringIO(text)) if len(row) >= 2 and row[1]}


def _read(archive: zipfile.ZipFile, info: zipfile.ZipInfo, wheel: str) -> bytes:
    try:
        return archive.read(info)
    except (zipfile.BadZipFile, NotImplementedError, EOFError) as e:
        raise CodeError(f"python_wheels: {wheel!r}: {info.filename!r} cannot be read: {e}") from None


def _matches(data: bytes, expected: str) -> bool:
    algorithm, _, digest = expected.partition("=")
    if algorithm not in ("sha256", "sha384", "sha512"):
        return False
    actual = base64.urlsafe_b64encode(hashlib.new(algorithm, data).digest()).rstrip(b"=").decode()
    return actual == digest


def _installed_name(name: str, dist_info: str) -> str | None:
    """Where `name` goes under the worker's root; None for what is not installed as a library."""
    data_dir = dist_info[: -len(".dist-info")] + ".data"
    if not name.startswith(data_dir + "/"):
        return name
    rest = name[len(data_dir) + 1 :]
    scheme, _, path = rest.partition("/")
    if scheme in ("purelib", "platlib") and path:
        return posixpath.normpath(path)
    return None
