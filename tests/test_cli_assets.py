"""`workerbox serve` with static assets, run as a user runs it: a subprocess serving a FILE with
`--assets DIR`, or a project DIR whose wrangler config names its assets."""

import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

uvicorn = pytest.importorskip("uvicorn")

WORKER = "export default { fetch: (r) => new Response('worker ' + new URL(r.url).pathname) }"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Served:
    """`workerbox serve ARGS` on a free port, until the test ends."""

    def __init__(self, *args):
        self.port = free_port()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "workerbox", "serve", *map(str, args), "--port", str(self.port)], stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                if self.proc.poll() is not None:
                    raise AssertionError(self.proc.communicate()[1].decode())
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def get(self, path, headers=None):
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=20) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    def stop(self):
        self.proc.terminate()
        self.proc.communicate(timeout=20)


@pytest.fixture
def served():
    servers = []

    def start(*args):
        servers.append(Served(*args))
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


def test_serve_a_file_with_assets(tmp_path, served):
    (tmp_path / "w.js").write_text(WORKER)
    (tmp_path / "public").mkdir()
    (tmp_path / "public" / "index.html").write_text("<h1>home</h1>")
    (tmp_path / "public" / "about.html").write_text("<h1>about</h1>")
    server = served(tmp_path / "w.js", "--assets", tmp_path / "public")
    assert server.get("/") == (200, b"<h1>home</h1>")
    assert server.get("/about") == (200, b"<h1>about</h1>")
    assert server.get("/api/x") == (200, b"worker /api/x")


def test_flags_choose_the_handling(tmp_path, served):
    (tmp_path / "w.js").write_text(WORKER)
    (tmp_path / "public").mkdir()
    (tmp_path / "public" / "index.html").write_text("<h1>spa</h1>")
    server = served(tmp_path / "w.js", "--assets", tmp_path / "public", "--not-found-handling", "single-page-application")
    assert server.get("/app/route", {"sec-fetch-mode": "navigate"}) == (200, b"<h1>spa</h1>")
    assert server.get("/api/x") == (200, b"worker /api/x")


@pytest.mark.parametrize("config_name", ["wrangler.jsonc", "wrangler.toml"])
def test_a_project_s_wrangler_config_names_its_assets(tmp_path, served, config_name):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "index.ts").write_text(WORKER)
    (tmp_path / "dist").mkdir()
    (tmp_path / "dist" / "index.html").write_text("<h1>built</h1>")
    (tmp_path / "dist" / "404.html").write_text("<h1>lost</h1>")
    if config_name.endswith(".toml"):
        (tmp_path / config_name).write_text('main = "src/index.ts"\n[assets]\ndirectory = "./dist/"\nrun_worker_first = ["/api/*"]\n')
    else:
        config = '{\n  // the worker\n  "main": "src/index.ts",\n  "assets": { "directory": "./dist/", "run_worker_first": ["/api/*"], },\n}'
        (tmp_path / config_name).write_text(config)
    server = served(tmp_path)
    assert server.get("/") == (200, b"<h1>built</h1>")
    assert server.get("/api/users") == (200, b"worker /api/users")
    assert server.get("/missing") == (200, b"worker /missing")


def test_a_project_without_main_serves_its_assets_alone(tmp_path, served):
    (tmp_path / "wrangler.json").write_text(json.dumps({"name": "site", "assets": {"directory": "public", "not_found_handling": "404-page"}}))
    (tmp_path / "public").mkdir()
    (tmp_path / "public" / "index.html").write_text("<h1>static</h1>")
    (tmp_path / "public" / "404.html").write_text("<h1>lost</h1>")
    server = served(tmp_path)
    assert server.get("/") == (200, b"<h1>static</h1>")
    assert server.get("/nope") == (404, b"<h1>lost</h1>")


def cli(*args):
    return subprocess.run([sys.executable, "-m", "workerbox", *map(str, args)], capture_output=True, text=True, timeout=120)


def test_an_assets_directory_outside_the_project_is_refused(tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    (project / "index.js").write_text(WORKER)
    (project / "wrangler.json").write_text(json.dumps({"main": "index.js", "assets": {"directory": "../"}}))
    done = cli("serve", project, "--port", free_port())
    assert done.returncode == 2 and "leads outside the project" in done.stderr


def test_a_missing_assets_directory_is_a_usage_error(tmp_path):
    (tmp_path / "w.js").write_text(WORKER)
    done = cli("serve", tmp_path / "w.js", "--assets", tmp_path / "nope", "--port", free_port())
    assert done.returncode == 2 and "not a directory" in done.stderr


def test_assets_in_the_project_root_still_leave_the_sources_to_the_bundler(tmp_path, served):
    (tmp_path / "index.js").write_text(WORKER)
    (tmp_path / "hello.txt").write_text("hello")
    (tmp_path / "wrangler.json").write_text(json.dumps({"main": "index.js", "assets": {"directory": "."}}))
    server = served(tmp_path)
    assert server.get("/hello.txt") == (200, b"hello")
    assert server.get("/api") == (200, b"worker /api")


def test_an_assets_table_without_a_directory_serves_the_worker_alone(tmp_path, served):
    (tmp_path / "index.js").write_text(WORKER)
    (tmp_path / "wrangler.json").write_text(json.dumps({"main": "index.js", "assets": {"binding": "ASSETS"}}))
    assert served(tmp_path).get("/x") == (200, b"worker /x")
