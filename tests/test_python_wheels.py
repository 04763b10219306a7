"""`wb.python_wheels`: the host's pure-Python wheels as a Python worker's modules. Real wheels
(zip archives laid out and hashed as pip expects) are built here; a guest imports the package,
reads its metadata and resources. Anything that is not a pure-Python wheel, or does not match
its own RECORD, is refused with `CodeError` before a worker sees it."""

import base64
import hashlib
import zipfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import workerbox as wb

PKG = {
    "tinypkg/__init__.py": b"from .core import shout\n__all__ = ['shout']\n",
    "tinypkg/core.py": b"def shout(s):\n    return s.upper() + '!'\n",
    "tinypkg/words.txt": b"alpha\nbeta\n",
}


def record_hash(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def make_wheel(directory, name="tinypkg", version="1.0", files=PKG, tags=("py3-none-any",), purelib="true",
               record=True, tamper=None, extra_record=()):
    dist_info = f"{name}-{version}.dist-info"
    meta = {
        f"{dist_info}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n".encode(),
        f"{dist_info}/WHEEL": ("Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: " + purelib + "\n"
                               + "".join(f"Tag: {t}\n" for t in tags)).encode(),
    }
    entries = {**files, **meta}
    path = directory / f"{name}-{version}-{tags[0] if tags else 'py3-none-any'}.whl"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        rows = []
        for entry, data in entries.items():
            rows.append(f"{entry},{record_hash(data)},{len(data)}")
            z.writestr(entry, tamper.get(entry, data) if tamper else data)
        rows += list(extra_record)
        if record:
            z.writestr(f"{dist_info}/RECORD", "\n".join(rows + [f"{dist_info}/RECORD,,"]) + "\n")
    return path


MAIN = """
import importlib.metadata
import importlib.resources
import tinypkg

def use():
    words = importlib.resources.files("tinypkg").joinpath("words.txt").read_text().split()
    return [tinypkg.shout("hi"), importlib.metadata.version("tinypkg"), words]
"""


@pytest.mark.usefixtures("pyodide")
def test_a_guest_imports_a_wheel_the_host_allowed(loader, tmp_path):
    modules = {**wb.python_wheels(make_wheel(tmp_path)), "main.py": MAIN}
    with loader.load(main_module="main.py", modules=modules) as worker:
        assert worker.get_entrypoint().use() == ["HI!", "1.0", ["alpha", "beta"]]


@pytest.mark.usefixtures("pyodide")
def test_without_the_wheel_the_import_fails_in_the_guest(loader):
    with loader.load(main_module="main.py", modules={"main.py": "def f():\n    import tinypkg\n"}) as worker:
        with pytest.raises(wb.PythonError, match="ModuleNotFoundError"):
            worker.get_entrypoint().f()


def test_a_directory_gives_every_wheel_in_it(tmp_path):
    make_wheel(tmp_path)
    make_wheel(tmp_path, name="other", files={"other/__init__.py": b"X = 1\n"})
    (tmp_path / "notes.txt").write_text("not a wheel")
    modules = wb.python_wheels(tmp_path)
    assert "tinypkg/core.py" in modules and "other/__init__.py" in modules
    assert modules["tinypkg/words.txt"] == {"data": b"alpha\nbeta\n"}
    assert "tinypkg-1.0.dist-info/METADATA" in modules


def test_purelib_in_the_data_directory_is_installed_and_scripts_are_not(tmp_path):
    files = {"tinypkg-1.0.data/purelib/extra/mod.py": b"Y = 2\n", "tinypkg-1.0.data/scripts/run": b"#!/bin/sh\n"}
    modules = wb.python_wheels(make_wheel(tmp_path, files={**PKG, **files}))
    assert "extra/mod.py" in modules
    assert not any("scripts" in name or ".data/" in name for name in modules)


@pytest.mark.parametrize("kind, make, match", [
    ("platform tag", lambda d: make_wheel(d, tags=("cp314-cp314-linux_x86_64",)), "not pure Python"),
    ("abi tag", lambda d: make_wheel(d, tags=("py3-none-any", "cp314-abi3-any")), "not pure Python"),
    ("no tags", lambda d: make_wheel(d, tags=()), "not pure Python"),
    ("platlib root", lambda d: make_wheel(d, purelib="false"), "Root-Is-Purelib"),
    ("native library", lambda d: make_wheel(d, files={**PKG, "tinypkg/_speed.cpython-314-wasm32.so": b"\0asm"}),
     "not pure Python"),
    ("tampered file", lambda d: make_wheel(d, tamper={"tinypkg/core.py": b"import os\nos.system('x')\n"}),
     "does not match"),
    ("file missing from RECORD", lambda d: make_wheel(d, extra_record=()) and _add(d, "tinypkg/sneaky.py"),
     "does not match"),
    ("no RECORD", lambda d: make_wheel(d, record=False), "no RECORD"),
    ("parent path", lambda d: make_wheel(d, files={**PKG, "../escape.py": b"x = 1\n"}), "plain relative path"),
    ("absolute path", lambda d: make_wheel(d, files={**PKG, "/etc/escape.py": b"x = 1\n"}), "plain relative path"),
    ("not a zip", lambda d: _write(d / "fake-1.0-py3-none-any.whl", b"PK but not really"), "not a zip"),
    ("no dist-info", lambda d: _zip(d / "bare-1.0-py3-none-any.whl", {"bare.py": b"x = 1\n"}), "dist-info"),
])
def test_what_is_not_a_pure_python_wheel_is_refused(tmp_path, kind, make, match):
    path = make(tmp_path)
    with pytest.raises(wb.CodeError, match=match):
        wb.python_wheels(path)


def _write(path, data):
    path.write_bytes(data)
    return path


def _zip(path, entries):
    with zipfile.ZipFile(path, "w") as z:
        for name, data in entries.items():
            z.writestr(name, data)
    return path


def _add(directory, entry):
    path = next(directory.glob("*.whl"))
    with zipfile.ZipFile(path, "a") as z:
        z.writestr(entry, b"print('not recorded')\n")
    return path


def test_two_wheels_with_the_same_file_are_refused(tmp_path):
    first = make_wheel(tmp_path)
    second_dir = tmp_path / "b"
    second_dir.mkdir()
    second = make_wheel(second_dir, name="clash", files={"tinypkg/core.py": PKG["tinypkg/core.py"]})
    with pytest.raises(wb.CodeError, match="more than one wheel"):
        wb.python_wheels(first, second)


def test_an_empty_directory_or_a_missing_file_is_refused(tmp_path):
    with pytest.raises(wb.CodeError, match="no .whl"):
        wb.python_wheels(tmp_path)
    with pytest.raises(FileNotFoundError):
        wb.python_wheels(tmp_path / "absent-1.0-py3-none-any.whl")


def test_a_wheel_past_the_modules_size_limit_is_refused_before_it_is_read(tmp_path):
    big = {"tinypkg/__init__.py": b"", "tinypkg/blob.bin": bytes(65 << 20)}
    with pytest.raises(wb.CodeError, match="past the modules' limit"):
        wb.python_wheels(make_wheel(tmp_path, files=big))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from("ab./\\_-"), min_size=1, max_size=12), min_size=1, max_size=4,
                unique=True))
def test_any_entry_name_is_refused_or_lands_inside_the_workers_root(tmp_path_factory, names):
    directory = tmp_path_factory.mktemp("w")
    files = {name: b"x = 1\n" for name in names}
    try:
        path = make_wheel(directory, files={**PKG, **files})
        modules = wb.python_wheels(path)
    except (wb.CodeError, ValueError):
        return
    for name in modules:
        assert not name.startswith("/") and ".." not in name.split("/") and "\\" not in name
