"""What `pip install workerbox` gets: an sdist of sources only that ships the licences, and one
Python floor declared the same way to pip (pyproject) and to the compiler (pyo3's abi3 feature).
Neither the sdist nor the installed wheel carries Pyodide: the companion wheel workerbox-pyodide
does (python-pyodide/), so users without Python workers do not download it.

Builds the sdist with maturin (a few seconds, nothing compiled) and never imports the native
module, so it also runs without it: `python -m pytest --noconftest tests/test_packaging.py`.
"""

import importlib.metadata
import importlib.util
import re
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Most of these check the checkout a package is made from; against an installed wheel (.ci/wheel
# copies tests/ out of the tree) there is no checkout to check, only the installed files.
needs_checkout = pytest.mark.skipif(not (ROOT / "Cargo.toml").is_file(), reason="needs the source checkout")
MAX_SDIST_BYTES = 1_000_000
# First bytes of formats that are build outputs, never sources.
BINARY_MAGIC = {
    b"\x7fELF": "ELF",
    b"\x1f\x8b": "gzip",
    b"PK\x03\x04": "zip",
    b"!<arch>\n": "ar archive",
    b"\x89PNG": "PNG",
    b"\xcf\xfa\xed\xfe": "Mach-O",
    b"\xca\xfe\xba\xbe": "Mach-O universal",
}
BINARY_SUFFIXES = (".a", ".o", ".so", ".dylib", ".dll", ".pyd", ".gz", ".zip", ".whl", ".png", ".dat")
# Pyodide's core files, which only the companion wheel workerbox-pyodide may carry.
PYODIDE_FILES = ("pyodide.asm.wasm", "python_stdlib.zip", "pyodide.asm.mjs", "pyodide.mjs", "pyodide-lock.json")


def pyodide_files_among(names):
    return [n for n in names if n.rsplit("/", 1)[-1] in PYODIDE_FILES]


@pytest.fixture(scope="module")
def sdist(tmp_path_factory):
    if not (ROOT / "Cargo.toml").is_file():
        pytest.skip("needs the source checkout")
    if importlib.util.find_spec("maturin") is None:
        pytest.skip("maturin is not installed here (the [test] extra brings it)")
    if shutil.which("cargo") is None:
        pytest.skip("maturin sdist needs cargo on PATH")
    out = tmp_path_factory.mktemp("sdist")
    proc = subprocess.run(
        [sys.executable, "-m", "maturin", "sdist", "--out", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=100,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (path,) = out.glob("workerbox-*.tar.gz")
    return path


def members(path):
    """(name below the top directory, bytes) of every regular file in the sdist."""
    with tarfile.open(path) as tar:
        for m in tar.getmembers():
            if m.isfile():
                f = tar.extractfile(m)
                assert f is not None
                yield m.name.split("/", 1)[1], f.read()


def test_sdist_is_small(sdist):
    size = sdist.stat().st_size
    assert size < MAX_SDIST_BYTES, f"sdist is {size:,} bytes; something large got in"


def test_sdist_holds_only_text_sources(sdist):
    bad = []
    for name, data in members(sdist):
        kind = next((k for magic, k in BINARY_MAGIC.items() if data.startswith(magic)), None)
        if kind or name.endswith(BINARY_SUFFIXES):
            bad.append(f"{name}: {kind or 'binary suffix'}")
            continue
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            bad.append(f"{name}: not UTF-8 text")
        else:
            if b"\0" in data:
                bad.append(f"{name}: NUL bytes")
    assert not bad, bad


def test_sdist_ships_licences_and_the_v8_recipe(sdist):
    files = dict(members(sdist))
    missing = [n for n in ("LICENSE", "THIRD_PARTY_NOTICES", "Cargo.lock", ".ci/build-v8.sh") if n not in files]
    assert not missing, f"missing from the sdist: {missing}"
    assert any(n.startswith(".ci/v8/patches/") for n in files), "V8 patches missing from the sdist"
    assert not any(n.startswith(".ci/v8/librusty_v8") for n in files)
    pkg_info = files["PKG-INFO"].decode()
    assert "License-Expression: MIT" in pkg_info
    for name in ("LICENSE", "THIRD_PARTY_NOTICES"):
        assert f"License-File: {name}" in pkg_info, f"{name} is not a PEP 639 License-File"
    assert files["THIRD_PARTY_NOTICES"] == (ROOT / "THIRD_PARTY_NOTICES").read_bytes()


def test_sdist_carries_no_pyodide(sdist):
    names = [name for name, _ in members(sdist)]
    assert not pyodide_files_among(names), pyodide_files_among(names)
    assert not [n for n in names if n.startswith("python-pyodide/")], "the companion wheel's source is in the sdist"


def test_installed_workerbox_carries_no_pyodide():
    """The wheel as installed (RECORD lists every file it put down): under .ci/wheel, the release wheel."""
    try:
        files = importlib.metadata.files("workerbox")
    except importlib.metadata.PackageNotFoundError:
        pytest.skip("workerbox is not installed as a distribution here")
    assert files is not None, "workerbox's installed metadata has no RECORD"
    names = [str(f) for f in files]
    if not any(n.startswith("workerbox/") for n in names):
        pytest.skip("workerbox is installed in development mode (maturin develop): no wheel's files to check")
    assert not pyodide_files_among(names), pyodide_files_among(names)


@needs_checkout
def test_python_floor_agrees_everywhere():
    pyproject = (ROOT / "pyproject.toml").read_text()
    cargo = (ROOT / "Cargo.toml").read_text()
    floor = re.search(r'^requires-python\s*=\s*">=3\.(\d+)"', pyproject, re.M)
    assert floor, "requires-python is not a plain '>=3.X'"
    abi3 = re.findall(r'"abi3-py3(\d+)"', cargo)
    assert abi3 == [floor.group(1)], f"pyo3 abi3 features {abi3} vs requires-python >=3.{floor.group(1)}"
    minors = sorted(int(m) for m in re.findall(r'"Programming Language :: Python :: 3\.(\d+)"', pyproject))
    assert minors and minors[0] == int(floor.group(1)), f"classifiers {minors} start below or above the floor"
    assert minors == list(range(minors[0], minors[-1] + 1)), f"classifiers {minors} have a gap"
