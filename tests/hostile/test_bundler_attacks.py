"""Hostile projects handed to workerbox.bundler: the files are the whole world the build sees,
so no path, import or config may reach the host's files, and odd inputs end in a BuildError."""

import time

import pytest

import workerbox as wb
from workerbox import bundler

SECRET = "workerbox-host-secret-7f3a"


@pytest.fixture
def host_secret(tmp_path):
    path = tmp_path / "secret.js"
    path.write_text(f"export default '{SECRET}'")
    return path


@pytest.mark.parametrize("path", ["/etc/passwd", "../escape.js", "src/../../x.js", "C:/x.js", "a\0b.js", ""])
def test_file_paths_outside_the_project_are_refused(path):
    with pytest.raises(wb.BuildError) as e:
        bundler.create_worker({"index.js": "export default {}", path: "x"})
    assert e.value.kind == "project"


def test_imports_climbing_out_of_the_project_read_no_host_file(host_secret):
    deep = "../" * 30
    for spec in [str(host_secret), f"{deep}{str(host_secret).lstrip('/')}", "/etc/passwd", f"{deep}etc/passwd"]:
        with pytest.raises(wb.BuildError) as e:
            bundler.create_worker({"src/index.js": f"import x from {spec!r}\nexport default x"})
        assert e.value.kind == "unresolved", spec
        assert SECRET not in str(e.value)


def test_a_package_cannot_climb_out_of_its_directory(host_secret):
    escape = "../" * 30 + str(host_secret).lstrip("/")
    files = {
        "index.js": "import x from 'evil'\nexport default x",
        "node_modules/evil/package.json": '{"name":"evil","exports":{".":"./i.js","./x":"' + escape + '"}}',
        "node_modules/evil/i.js": f"export {{ default }} from {escape!r}",
    }
    with pytest.raises(wb.BuildError) as e:
        bundler.create_worker(files)
    assert SECRET not in str(e.value)


@pytest.mark.parametrize("entry", ["/etc/passwd", "../x.js", "missing.js"])
def test_an_entry_point_outside_the_files_is_refused(entry, host_secret):
    with pytest.raises(wb.BuildError) as e:
        bundler.create_worker({"index.js": "export default {}"}, entry_point=entry)
    assert e.value.kind == "project"
    with pytest.raises(wb.BuildError):
        bundler.create_worker({"index.js": "export default {}", "package.json": f'{{"main": "{host_secret}"}}'})


@pytest.mark.parametrize("manifest", [b"{not json", b"\xff\xfe", b"[]", b'{"main": 1}', b'{"dependencies": "x"}'])
def test_a_package_json_that_is_not_a_manifest_is_refused(manifest):
    with pytest.raises(wb.BuildError) as e:
        bundler.create_worker({"index.js": "export default {}", "package.json": manifest})
    assert e.value.kind == "project"


@pytest.mark.parametrize(
    "config",
    ["main = [", 'compatibility_date = "tomorrow"', "compatibility_flags = 3", 'main = "/etc/passwd"'],
)
def test_a_wrangler_config_that_does_not_parse_is_refused(config):
    with pytest.raises(wb.BuildError) as e:
        bundler.create_worker({"index.js": "export default {}", "wrangler.toml": config})
    assert e.value.kind == "project"


@pytest.mark.parametrize("open_, close", [("[", "]"), ("(", ")"), ("{a:", "}"), ("f(", ")"), ("!", "")])
def test_deeply_nested_source_is_refused_quickly_not_a_crash(open_, close):
    # Nesting costs rolldown quadratic time and oxc stack per level: refused before analysis.
    deep = "export default " + open_ * 100_000 + "1" + close * 100_000
    started = time.monotonic()
    with pytest.raises(wb.BuildError, match="nested deeper than"):
        bundler.create_worker({"index.js": deep})
    assert time.monotonic() - started < 20


def test_a_lone_surrogate_in_a_file_is_a_value_error_not_a_crash():
    with pytest.raises(ValueError):
        bundler.create_worker({"index.js": "export default '\udc00'"})
    with pytest.raises(ValueError):
        bundler.create_worker({"\udc00.js": "export default 1"})


def test_deeply_nested_json_in_a_package_is_refused():
    files = {
        "index.js": "import d from 'data/d.json'\nexport default d",
        "node_modules/data/package.json": '{"name":"data"}',
        "node_modules/data/d.json": "[" * 50_000 + "]" * 50_000,
    }
    with pytest.raises(wb.BuildError, match="node_modules/data/d.json"):
        bundler.create_worker(files)


def test_huge_source_bundles(loader):
    big = "export default { n: () => [" + ",".join(str(i) for i in range(300_000)) + "].length }"
    code = bundler.create_worker({"index.js": big})
    with loader.load(code) as w:
        assert w.get_entrypoint().n() == 300_000


def test_a_virtual_module_cannot_import_host_files(host_secret):
    with pytest.raises(wb.BuildError):
        bundler.create_worker(
            {"index.js": "import v from 'virtual:x'\nexport default v"},
            virtual_modules={"virtual:x": f"export {{ default }} from {str(host_secret)!r}"},
        )


def test_tsconfig_paths_and_extends_read_no_host_file(host_secret):
    climb = "../" * 30 + str(host_secret.parent).lstrip("/")
    paths = f'{{"compilerOptions": {{"paths": {{"@/*": ["{climb}/*", "{host_secret.parent}/*"]}}}}}}'
    with pytest.raises(wb.BuildError) as e:
        bundler.create_worker({"tsconfig.json": paths, "index.ts": "export { default } from '@/secret'"})
    assert e.value.kind == "unresolved" and SECRET not in str(e.value)
    (host_secret.parent / "base.json").write_text('{"compilerOptions": {"baseUrl": "."}}')
    for extends in [str(host_secret.parent / "base.json"), climb + "/base.json"]:
        with pytest.raises(wb.BuildError) as e:
            bundler.create_worker({"tsconfig.json": f'{{"extends": "{extends}"}}', "index.ts": "export default 1"})
        assert e.value.kind == "build" and "Failed to load tsconfig" in str(e.value)
