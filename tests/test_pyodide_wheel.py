"""The companion wheel workerbox-pyodide as installed: Pyodide's files intact, the build id and
version it claims are the ones its loader carries, and its licences present (MPL-2.0 §3.2 asks
that the Executable Form say where its source is).

Without the wheel these skip with the install hint, except under CI, where they fail: CI builds
and installs it (.ci/pyodide), so its absence there is a broken install, not a choice.
"""

import importlib.metadata
import json
import re

import pytest

def test_assets_verify(pyodide):
    pyodide.verify()
    assert sorted(p.name for p in pyodide.ASSETS.iterdir()) == sorted(pyodide.SHA256)


def test_verify_names_a_tampered_file(pyodide, tmp_path):
    for name in pyodide.SHA256:
        (tmp_path / name).write_bytes((pyodide.ASSETS / name).read_bytes())
    pyodide.verify(tmp_path)
    stdlib = tmp_path / "python_stdlib.zip"
    data = bytearray(stdlib.read_bytes())
    data[len(data) // 2] ^= 1
    stdlib.write_bytes(bytes(data))
    with pytest.raises(pyodide.AssetError, match=r"python_stdlib\.zip has sha256"):
        pyodide.verify(tmp_path)
    stdlib.write_bytes(b"")
    with pytest.raises(pyodide.AssetError, match=r"python_stdlib\.zip is 0 bytes"):
        pyodide.verify(tmp_path)
    stdlib.unlink()
    with pytest.raises(pyodide.AssetError, match=r"python_stdlib\.zip is missing"):
        pyodide.verify(tmp_path)


def test_version_and_build_id_are_the_loaders(pyodide):
    loader = (pyodide.ASSETS / "pyodide.mjs").read_text(encoding="utf-8")
    assert re.findall(r'BUILD_ID:"([0-9a-f]+)"', loader) == [pyodide.BUILD_ID]
    assert f'"{pyodide.VERSION}"' in loader
    manifest = json.loads((pyodide.ASSETS / "package.json").read_text(encoding="utf-8"))
    assert (manifest["name"], manifest["version"], manifest["license"]) == ("pyodide", pyodide.VERSION, "MPL-2.0")
    assert importlib.metadata.version("workerbox-pyodide").split(".post")[0] == pyodide.VERSION


def test_dist_info_carries_the_licences(pyodide):
    dist = importlib.metadata.distribution("workerbox-pyodide")
    meta = dist.metadata
    assert meta["License-Expression"] == "MPL-2.0 AND Python-2.0"
    licences = {"LICENSE.MPL-2.0": "Mozilla Public License Version 2.0",
                "LICENSE.Python-2.0": "PYTHON SOFTWARE FOUNDATION LICENSE VERSION 2",
                "NOTICE": f"https://github.com/pyodide/pyodide at tag {pyodide.VERSION}"}
    assert sorted(meta.get_all("License-File") or []) == sorted(licences)
    for name, must_say in licences.items():
        text = dist.read_text(f"licenses/{name}")
        assert text is not None, f"{name} is declared but not in the dist-info"
        assert must_say in text, f"{name} does not say {must_say!r}"
    source = f"Pyodide source, https://github.com/pyodide/pyodide/tree/{pyodide.VERSION}"
    assert source in (meta.get_all("Project-URL") or [])
