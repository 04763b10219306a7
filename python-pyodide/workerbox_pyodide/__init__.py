"""Pyodide's core files, unmodified from the npm package `pyodide`, for workerbox's Python workers.

workerbox loads these into its sandboxes; this package only carries them and checks them. The
values below are pinned: `build.py` refuses to build a wheel from files that differ, and
`verify()` checks an installed copy against them before anyone trusts it.
"""

import hashlib
from pathlib import Path

__all__ = ["ASSETS", "BUILD_ID", "SHA256", "SIZES", "VERSION", "AssetError", "verify"]

VERSION = "314.0.8"
"""The Pyodide release these files come from (also this package's version, before any `.postN`)."""

BUILD_ID = "1e170351f97e56f0814b6a94f77bf4f6ec7d8835c8b8b26c6b5282c473979fc3"
"""Pyodide's build id, embedded in `pyodide.mjs`: the glue refuses a wasm of another build."""

ASSETS = Path(__file__).resolve().parent / "assets"
"""The folder holding the files named in `SHA256`."""

SHA256 = {
    "pyodide.asm.wasm": "e14d49ceca9b4a0e274ea918f3a898de2d3880b6e5573a6cfe1a2267ecc70329",
    "python_stdlib.zip": "2bd3394a145bfbbe5bbc9d9d6ab9136abbb986c6fef6c142b3a2962227aa5c28",
    "pyodide.asm.mjs": "22514b8be6980e28a02c8b1d6387ce8dfe666fc4edf8d547cff5dce29ff4d972",
    "pyodide.mjs": "1bb8cc14f9405aaa7cd4e00c12edd0a8539de9cc026618d6ee5a9663f367dc70",
    "pyodide-lock.json": "5dc2fc119108bc148c7457dc86e7675b5c87e1cafd420b9c34c1eaef7b36c010",
    "package.json": "cf0265c994f7de049944185538891e5d5c362ebef249e08b145ce64c3a562dd6",
}
"""File name in `ASSETS` -> hex sha256 of its bytes."""

SIZES = {
    "pyodide.asm.wasm": 9_597_892,
    "python_stdlib.zip": 2_545_550,
    "pyodide.asm.mjs": 1_250_259,
    "pyodide.mjs": 17_758,
    "pyodide-lock.json": 119_077,
    "package.json": 2_999,
}
"""File name in `ASSETS` -> size in bytes (checked first: it is cheaper than hashing)."""


class AssetError(RuntimeError):
    """An asset is missing, or its size or sha256 is not the pinned one."""


def verify(folder: Path = ASSETS) -> None:
    """Check that every file in `SHA256` is in `folder` with its pinned size and sha256.

    Raises `AssetError` naming the first file that is missing or differs. `folder` defaults to
    this package's own assets; pass another to check an unpacked npm `package/` folder.
    """
    for name, expected in SHA256.items():
        path = folder / name
        if not path.is_file():
            raise AssetError(f"workerbox-pyodide: {name} is missing from {folder}")
        size = path.stat().st_size
        if size != SIZES[name]:
            raise AssetError(f"workerbox-pyodide: {path} is {size} bytes, expected {SIZES[name]}")
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if digest != expected:
            raise AssetError(f"workerbox-pyodide: {path} has sha256 {digest}, expected {expected}")
