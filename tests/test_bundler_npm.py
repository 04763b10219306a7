"""workerbox.bundler with npm dependencies from a registry served over HTTP on 127.0.0.1 by the
test itself (packuments and tarballs packed here): ESM and CommonJS packages, an `exports` map
with conditions, a transitive dependency, the highest version a range allows, a lock that makes
the next build offline and reproducible, and an integrity mismatch that must be refused."""

import base64
import gzip
import hashlib
import http.server
import io
import json
import tarfile
import threading

import pytest

import workerbox as wb
from workerbox import bundler


def pack(files: dict[str, str]) -> bytes:
    # The same files always pack to the same bytes: the packument's integrity and the tarball are
    # packed by separate requests, and gzip's header would otherwise carry the second each ran in.
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", mtime=0) as zipped, tarfile.open(fileobj=zipped, mode="w") as tar:
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(f"package/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return out.getvalue()


def sri(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


class Registry:
    """Packages by name -> version -> files; serves npm's registry protocol on 127.0.0.1."""

    def __init__(self):
        self.packages: dict[str, dict[str, dict[str, str]]] = {}
        self.forged: set[str] = set()
        self.requests: list[str] = []
        self.required_auth: str | None = None
        registry = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                registry.requests.append(self.path)
                if registry.required_auth and self.headers.get("authorization") != registry.required_auth:
                    self.send_response(401)
                    self.send_header("content-length", "0")
                    self.end_headers()
                    return
                body = registry.answer(self.path)
                if body is None:
                    self.send_response(404)
                    self.send_header("content-length", "0")
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def add(self, name, version, files, dependencies=None):
        manifest = {"name": name, "version": version, "dependencies": dependencies or {}}
        files = {"package.json": json.dumps({**manifest, **json.loads(files.pop("package.json", "{}"))}), **files}
        self.packages.setdefault(name, {})[version] = files

    def answer(self, path):
        name = path.strip("/").replace("%2f", "/").replace("%2F", "/")
        if "/-/" in name:
            name, file = name.split("/-/")
            version = file.removeprefix(name.split("/")[-1] + "-").removesuffix(".tgz")
            return pack(dict(self.packages[name][version]))
        if name not in self.packages:
            return None
        versions = {}
        for version, files in self.packages[name].items():
            tarball = pack(dict(files))
            integrity = sri(tarball + b"forged" if name in self.forged else tarball)
            manifest = json.loads(files["package.json"])
            versions[version] = {
                **manifest,
                "dist": {"tarball": f"{self.url}{name}/-/{name.split('/')[-1]}-{version}.tgz", "integrity": integrity},
            }
        latest = sorted(versions, key=lambda v: tuple(int(x) for x in v.split(".")))[-1]
        return json.dumps({"name": name, "dist-tags": {"latest": latest}, "versions": versions}).encode()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def registry():
    r = Registry()
    r.add("greet", "1.0.0", {"index.js": "export const greet = (n) => `v1 hello ${n}`"}, )
    r.add("greet", "1.4.2", {"index.js": "import { shout } from 'shout'; export const greet = (n) => shout(`hello ${n}`)"}, {"shout": "^2.0.0"})
    r.add("greet", "2.0.0", {"index.js": "export const greet = () => 'v2 must not be picked'"})
    r.add("shout", "2.1.0", {"package.json": json.dumps({"main": "lib.js"}), "lib.js": "exports.shout = (s) => s.toUpperCase() + '!'"})
    r.add("cond", "1.0.0", {
        "package.json": json.dumps({"exports": {".": {"workerd": "./workerd.js", "node": "./node.js", "default": "./default.js"}}}),
        "workerd.js": "export default 'workerd build'", "node.js": "export default 'node build'", "default.js": "export default 'default build'",
    })
    r.add("needs-buffer", "1.0.0", {
        "package.json": json.dumps({"main": "index.js"}),
        "index.js": "const { Buffer } = require('buffer'); const path = require('node:path'); exports.b64 = (s) => Buffer.from(s).toString('base64') + path.extname('a.txt')",
    })
    yield r
    r.close()


APP = {
    "package.json": json.dumps({"dependencies": {"greet": "^1.0.0", "cond": "1.0.0"}}),
    "index.js": "import { greet } from 'greet'; import which from 'cond'; export default { f: (n) => [greet(n), which] }",
}


def test_dependencies_are_resolved_fetched_and_bundled(loader, registry, tmp_path):
    built = bundler.build(APP, registry=registry.url, cache_dir=tmp_path)
    with loader.load(built.code) as w:
        assert w.get_entrypoint().f("ada") == ["HELLO ADA!", "workerd build"]
    lock = json.loads(built.lock)
    assert sorted(lock["packages"]) == ["cond@1.0.0", "greet@1.4.2", "shout@2.1.0"]


def test_a_lock_rebuilds_offline_and_identically(registry, tmp_path):
    first = bundler.build(APP, registry=registry.url, cache_dir=tmp_path)
    registry.requests.clear()
    registry.add("greet", "1.9.0", {"index.js": "export const greet = () => 'newer'"})
    again = bundler.build(APP, registry=registry.url, cache_dir=tmp_path, lock=first.lock, offline=True)
    assert registry.requests == []
    assert again.code.modules == first.code.modules


def test_offline_without_the_package_in_the_cache_names_it(registry, tmp_path):
    with pytest.raises(bundler.BuildError, match="offline: (greet|cond) is not in the npm cache") as e:
        bundler.build(APP, registry=registry.url, cache_dir=tmp_path, offline=True)
    assert e.value.kind == "npm"
    assert registry.requests == []


def test_an_integrity_mismatch_is_refused_and_nothing_is_cached(registry, tmp_path):
    registry.forged.add("shout")
    with pytest.raises(bundler.BuildError, match="integrity"):
        bundler.build(APP, registry=registry.url, cache_dir=tmp_path)
    assert not any(p.name.startswith("shout") for p in tmp_path.rglob("*"))


@pytest.mark.parametrize("spec", ["file:../secret", "git+https://example.com/x.git", "https://example.com/x.tgz", "workspace:*", "link:/etc"])
def test_non_registry_specs_are_refused(registry, tmp_path, spec):
    files = {**APP, "package.json": json.dumps({"dependencies": {"x": spec}})}
    with pytest.raises(bundler.BuildError, match="x"):
        bundler.build(files, registry=registry.url, cache_dir=tmp_path)
    assert registry.requests == []


def test_an_unknown_package_names_it(registry, tmp_path):
    files = {**APP, "package.json": json.dumps({"dependencies": {"no-such-package": "^1"}})}
    with pytest.raises(bundler.BuildError, match="no-such-package"):
        bundler.build(files, registry=registry.url, cache_dir=tmp_path)


def test_commonjs_requiring_node_builtins_runs_under_nodejs_compat(loader, registry, tmp_path):
    files = {
        "package.json": json.dumps({"dependencies": {"needs-buffer": "1.0.0"}}),
        "index.js": "import { b64 } from 'needs-buffer'; export default { f: (s) => b64(s) }",
    }
    code = bundler.create_worker(files, registry=registry.url, cache_dir=tmp_path)
    with loader.load(main_module=code.main_module, modules=code.modules, compatibility_flags=["nodejs_compat"]) as w:
        assert w.get_entrypoint().f("hi") == "aGk=.txt"
    # Without the flag, the error names it.
    with pytest.raises(wb.CodeError, match="nodejs_compat"):
        loader.load(code)


def test_npmrc_username_and_password_authenticate_with_basic_auth(registry, tmp_path, monkeypatch):
    registry.required_auth = "Basic " + base64.b64encode(b"alice:pa:ss").decode()
    host = registry.url.removeprefix("http:")
    home = tmp_path / "home"
    home.mkdir()
    password = base64.b64encode(b"pa:ss").decode()
    (home / ".npmrc").write_text(f"{host}:username=alice\n{host}:_password={password}\n")
    monkeypatch.setenv("HOME", str(home))
    built = bundler.build(APP, registry=registry.url, cache_dir=tmp_path / "cache")
    assert "greet@1.4.2" in json.loads(built.lock)["packages"]
    monkeypatch.setenv("HOME", str(tmp_path))
    with pytest.raises(bundler.BuildError, match="401") as e:
        bundler.build(APP, registry=registry.url, cache_dir=tmp_path / "other")
    assert e.value.kind == "npm" and password not in str(e.value)
