"""Builds the workerbox-pyodide wheel from an unpacked npm `pyodide` package.

    python python-pyodide/build.py PACKAGE_DIR OUT_DIR

Writes the zip directly, with the standard library only: the wheel holds six data files and one
module, so a build backend would add a dependency and nothing else. The build refuses files
that differ from the sizes, sha256 digests and build id pinned in workerbox_pyodide/__init__.py,
and is reproducible: the same inputs give the same bytes (fixed timestamps, sorted entries).
"""

import base64
import hashlib
import importlib.util
import json
import sys
import zipfile
from pathlib import Path
from types import ModuleType

HERE = Path(__file__).resolve().parent
NAME = "workerbox-pyodide"
DIST = "workerbox_pyodide"
LICENSE_FILES = ("LICENSE.MPL-2.0", "LICENSE.Python-2.0", "NOTICE")
LICENSE_EXPRESSION = "MPL-2.0 AND Python-2.0"
# Zip timestamps before 1980 are invalid; a fixed one keeps the wheel byte-identical across builds.
ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def load_package() -> ModuleType:
    """The source tree's workerbox_pyodide, imported by path (it may not be installed here)."""
    spec = importlib.util.spec_from_file_location(DIST, HERE / DIST / "__init__.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def check_npm_package(pkg: ModuleType, package_dir: Path) -> None:
    """Refuse anything but the pinned npm build: sizes, digests, version and build id."""
    try:
        pkg.verify(package_dir)
    except pkg.AssetError as e:
        raise SystemExit(f"build: {e}") from None
    manifest = json.loads((package_dir / "package.json").read_text(encoding="utf-8"))
    if manifest.get("name") != "pyodide" or manifest.get("version") != pkg.VERSION:
        raise SystemExit(f"build: package.json is {manifest.get('name')}@{manifest.get('version')}, not pyodide@{pkg.VERSION}")
    loader = (package_dir / "pyodide.mjs").read_text(encoding="utf-8")
    if f'BUILD_ID:"{pkg.BUILD_ID}"' not in loader:
        raise SystemExit(f"build: pyodide.mjs does not carry BUILD_ID {pkg.BUILD_ID}")


def metadata(version: str) -> str:
    """Core metadata 2.4: PEP 639's License-Expression and License-File need it."""
    headers = [
        "Metadata-Version: 2.4",
        f"Name: {NAME}",
        f"Version: {version}",
        "Summary: Pyodide's core files (CPython compiled to WebAssembly), unmodified, for workerbox's Python workers",
        f"License-Expression: {LICENSE_EXPRESSION}",
        *(f"License-File: {name}" for name in LICENSE_FILES),
        "Requires-Python: >=3.10",
        "Classifier: Programming Language :: Python :: 3",
        "Classifier: Programming Language :: Python :: 3 :: Only",
        "Classifier: Programming Language :: WebAssembly",
        "Classifier: Typing :: Typed",
        "Project-URL: Source, https://github.com/workerbox/workerbox",
        f"Project-URL: Pyodide source, https://github.com/pyodide/pyodide/tree/{version}",
        "Description-Content-Type: text/markdown",
    ]
    return "\n".join(headers) + "\n\n" + (HERE / "README.md").read_text(encoding="utf-8")


def record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def contents(pkg: ModuleType, package_dir: Path) -> dict[str, bytes]:
    """Path inside the wheel -> bytes, RECORD excepted."""
    info = f"{DIST}-{pkg.VERSION}.dist-info"
    files = {
        f"{DIST}/__init__.py": (HERE / DIST / "__init__.py").read_bytes(),
        f"{DIST}/py.typed": (HERE / DIST / "py.typed").read_bytes(),
        **{f"{DIST}/assets/{name}": (package_dir / name).read_bytes() for name in sorted(pkg.SHA256)},
        f"{info}/METADATA": metadata(pkg.VERSION).encode(),
        f"{info}/WHEEL": b"Wheel-Version: 1.0\nGenerator: workerbox python-pyodide/build.py\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
        **{f"{info}/licenses/{name}": (HERE / name).read_bytes() for name in LICENSE_FILES},
    }
    return files


def write_wheel(files: dict[str, bytes], record_name: str, path: Path) -> None:
    record = "".join(record_line(name, data) + "\n" for name, data in files.items()) + f"{record_name},,\n"
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(tmp, "w") as zf:
        for name, data in [*files.items(), (record_name, record.encode())]:
            entry = zipfile.ZipInfo(name, ZIP_TIME)
            entry.external_attr = 0o644 << 16
            entry.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(entry, data, compresslevel=9)
    tmp.replace(path)


def main(argv: list[str]) -> None:
    if len(argv) != 2:
        raise SystemExit(__doc__)
    package_dir, out_dir = Path(argv[0]), Path(argv[1])
    pkg = load_package()
    check_npm_package(pkg, package_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    wheel = out_dir / f"{DIST}-{pkg.VERSION}-py3-none-any.whl"
    write_wheel(contents(pkg, package_dir), f"{DIST}-{pkg.VERSION}.dist-info/RECORD", wheel)
    print(f"build: {wheel} ({wheel.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main(sys.argv[1:])
