"""The `workerbox` command (`python -m workerbox`), run as a user runs it: in a subprocess, on
files in a temporary directory, checking output and exit codes."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest


def cli(*args, timeout=120):
    return subprocess.run([sys.executable, "-m", "workerbox", *map(str, args)], capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def module(tmp_path):
    def write(source, name="worker.js"):
        path = tmp_path / name
        path.write_text(source)
        return path

    return write


def test_run_prints_the_result_as_json(module):
    path = module("export default { add(a, b) { return { sum: a + b } } }")
    done = cli("run", path, "--method", "add", "--args", "[2, 3]")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"sum": 5}


def test_run_typescript_and_a_named_entrypoint(module):
    path = module("export const tools = { hi(name: string): string { return `hi ${name}` } }", "w.ts")
    done = cli("run", path, "--entrypoint", "tools", "--method", "hi", "--args", '["ada"]')
    assert (done.returncode, json.loads(done.stdout)) == (0, "hi ada")


def test_a_js_error_prints_its_stack_and_exits_1(module):
    path = module("export default { run() { throw new TypeError('bad input') } }")
    done = cli("run", path)
    assert done.returncode == 1
    assert "TypeError: bad input" in done.stderr and "worker.js:1" in done.stderr


def test_a_limit_exits_1(module):
    path = module("export default { run() { for (;;) {} } }")
    done = cli("run", path, "--cpu-ms", "200")
    assert done.returncode == 1 and "CpuLimitExceeded" in done.stderr


@pytest.mark.parametrize(
    "source, args, expected",
    [
        ("export default {", ["check"], "SyntaxError"),
        ("import x from 'node:fs'; export default {}", ["check"], "node:fs"),
        ("export default {}", ["run", "--args", "{not json"], "--args is not JSON"),
        ("export default {}", ["run", "--args", '{"a": 1}'], "JSON array"),
    ],
)
def test_bad_code_and_bad_usage_exit_2(module, source, args, expected):
    path = module(source)
    done = cli(args[0], path, *args[1:])
    assert done.returncode == 2 and expected in done.stderr, done.stderr


def test_check_says_ok(module):
    path = module("export default { f() {} }")
    done = cli("check", path)
    assert done.returncode == 0 and "ok" in done.stdout


def test_a_file_that_is_not_a_module_is_refused(module):
    done = cli("check", module("hello", "notes.txt"))
    assert done.returncode == 2 and "must end in" in done.stderr


def test_help_lists_the_commands():
    done = cli("--help")
    assert done.returncode == 0 and all(c in done.stdout for c in ("run", "serve", "check"))


def test_serve_reload_without_watchfiles_is_a_usage_error(module, tmp_path):
    # A directory shadowing watchfiles with a module that cannot be found makes it absent.
    pytest.importorskip("uvicorn")
    shadow = tmp_path / "shadow"
    shadow.mkdir()
    (shadow / "sitecustomize.py").write_text("import sys\nsys.modules['watchfiles'] = None\n")
    path = module("export default { fetch: () => new Response('x') }")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(shadow), os.environ.get("PYTHONPATH")]))}
    done = subprocess.run([sys.executable, "-m", "workerbox", "serve", str(path), "--reload"], capture_output=True, text=True, timeout=60, env=env)
    assert done.returncode == 2, done.stderr
    assert "--reload needs watchfiles" in done.stderr


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get_until(url, accept, server, timeout=30, nudge=None):
    """GETs `url` until `accept(body)` holds; fails, with the server's output, if it exits
    first or time runs out. `nudge` runs every few seconds until then."""
    deadline = time.monotonic() + timeout
    next_nudge = time.monotonic() + 3
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                body = r.read()
                if accept(body):
                    return body
        except OSError:
            pass
        if time.monotonic() > deadline or server.poll() is not None:
            server.terminate()
            out, err = server.communicate(timeout=20)
            raise AssertionError(f"{url} never answered as expected; the server said:\n{out}\n{err}")
        if nudge and time.monotonic() > next_nudge:
            nudge()
            next_nudge = time.monotonic() + 3
        time.sleep(0.2)


def test_serve_reload_picks_up_an_edited_module(module):
    pytest.importorskip("uvicorn")
    pytest.importorskip("watchfiles", reason="--reload needs watchfiles (the serve extra's uvicorn[standard])")
    path = module("export default { fetch: () => new Response('first') }")
    port = free_port()
    command = [sys.executable, "-m", "workerbox", "serve", str(path), "--port", str(port), "--reload"]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def edit():
        path.write_text("export default { fetch: () => new Response('second') }")

    try:
        get_until(f"http://127.0.0.1:{port}/", lambda b: b == b"first", server)
        edit()
        # uvicorn's supervisor starts watching only after it has started the first server, so
        # on a loaded machine an edit can land before the watch does: edit again until seen.
        get_until(f"http://127.0.0.1:{port}/", lambda b: b == b"second", server, nudge=edit)
    finally:
        if server.poll() is None:
            server.terminate()
            server.communicate(timeout=20)


@pytest.mark.parametrize("quiet", [False, True])
def test_serve_answers_http(module, quiet):
    pytest.importorskip("uvicorn")
    path = module("export default { fetch: (r) => new Response('served ' + new URL(r.url).pathname) }")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    flags = ["--no-access-log", "--log-level", "warning"] if quiet else []
    command = [sys.executable, "-m", "workerbox", "serve", str(path), "--port", str(port), *flags]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/hello", timeout=2) as r:
                    assert r.read() == b"served /hello"
                    break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.2)
    finally:
        server.terminate()
        out, err = server.communicate(timeout=20)
    assert server.returncode is not None
    # uvicorn's access log names the request; its startup lines are info.
    assert ('"GET /hello' in out + err) is not quiet
    assert ("Uvicorn running" in out + err) is not quiet


def test_a_directory_is_built_with_the_bundler(tmp_path):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "index.ts").write_text("import { twice } from './lib'\nexport default { run: (n: number) => twice(n) }")
    (tmp_path / "src" / "lib.ts").write_text("export const twice = (n: number): number => n * 2")
    (tmp_path / "node_modules").mkdir()
    (tmp_path / "node_modules" / "ignored.js").write_text("this is not read")
    done = cli("run", tmp_path, "--args", "[21]")
    assert (done.returncode, done.stdout.strip()) == (0, "42"), done.stderr
