"""A hostile Python guest: it tries to read the host, reach the network, run JavaScript from
strings, crash its interpreter, taint the runtime or the next sandbox, and learn another
sandbox's random state. Each case checks the guest is refused and the process, the loader and
the next Python sandbox keep working."""

import json
import socket
import threading
import time

import pytest

import workerbox as wb
from tests.conftest import run_isolated

pytestmark = pytest.mark.usefixtures("pyodide")

CHECK = "def check():\n    import math\n    return math.factorial(20)\n"


@pytest.fixture(scope="module")
def py_loader():
    with wb.Loader(threads=2) as loader:
        yield loader


def guest(loader, source, **kw):
    return loader.load(wb.WorkerCode(main_module="main.py", modules={"main.py": source}, **kw))


def run(loader, source, method="attack", *args, **kw):
    worker = guest(loader, source, **kw)
    try:
        return getattr(worker.get_entrypoint(), method)(*args)
    finally:
        worker.close()


@pytest.fixture
def next_sandbox_clean(py_loader):
    yield
    assert run(py_loader, CHECK, "check") == 2432902008176640000


def test_host_files_and_environment_are_out_of_reach(py_loader, next_sandbox_clean, tmp_path, monkeypatch):
    canary = tmp_path / "canary.txt"
    canary.write_text("host-secret-file")
    monkeypatch.setenv("WORKERBOX_HOST_CANARY", "host-secret-env")
    source = f'''
import os
def attack():
    seen = {{"environ": dict(os.environ), "root": sorted(os.listdir("/"))}}
    for path in ["{canary}", "/etc/passwd", "/proc/self/environ"]:
        try:
            seen[path] = open(path).read()
        except OSError as e:
            seen[path] = type(e).__name__
    return seen
'''
    seen = run(py_loader, source)
    said = json.dumps(seen)
    assert "host-secret" not in said and "root:" not in said
    assert seen[str(canary)] == "FileNotFoundError" and seen["/etc/passwd"] == "FileNotFoundError"


def test_processes_and_sockets_reach_nothing(py_loader, next_sandbox_clean):
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        listener.settimeout(0.5)
        port = listener.getsockname()[1]
        source = f'''
import os, socket, subprocess
def attack():
    outcomes = []
    for step in (lambda: socket.create_connection(("127.0.0.1", {port}), timeout=1),
                 lambda: subprocess.run(["true"]),
                 lambda: os.system("true")):
        try:
            outcomes.append(repr(step()))
        except Exception as e:
            outcomes.append(type(e).__name__)
    return outcomes
'''
        outcomes = run(py_loader, source)
        with pytest.raises(socket.timeout):
            listener.accept()
    assert outcomes[0] == "OSError" and outcomes[1] == "OSError" and outcomes[2] != "0"


@pytest.mark.parametrize(
    "attempt",
    ["js.eval('1+1')", "js.Function.new('return 1')()", "js.setTimeout('globalThis.x = 1', 0); js.x"],
)
def test_code_from_strings_stays_off_through_js(py_loader, next_sandbox_clean, attempt):
    source = f"import js\ndef attack():\n    return {attempt}\n"
    with pytest.raises(wb.JSError) as info:
        run(py_loader, source)
    assert "EvalError" in info.value.message or "Code generation" in info.value.message or "TypeError" in info.value.message


def test_fetch_through_js_goes_nowhere_without_an_outbound(py_loader, next_sandbox_clean):
    source = "import js\nasync def attack():\n    await js.fetch('http://127.0.0.1:1/')\n"
    with pytest.raises(wb.JSError):
        run(py_loader, source)


def test_tampering_with_javascript_globals_stays_in_the_sandbox(py_loader, next_sandbox_clean):
    source = '''
import js
from pyodide.ffi import create_proxy
def attack():
    js.JSON.parse = create_proxy(lambda *a: 666)
    js.Object.fromEntries = create_proxy(lambda *a: 666)
    return 1
def break_promises():
    js.Promise.prototype.then = create_proxy(lambda *a: 666)
'''
    worker = guest(py_loader, source)
    try:
        # The bridge took what it converts with before the guest ran, so values still cross.
        assert worker.get_entrypoint().attack() == 1
        assert worker.get_entrypoint().attack() == 1
        # Breaking the promises its own calls settle through can only end its own calls, at once.
        worker.get_entrypoint().break_promises()
        started = time.monotonic()
        try:
            assert worker.get_entrypoint().attack() == 1
        except wb.WorkerError as e:
            assert "never settled" in str(e)
        assert time.monotonic() - started < 5
    finally:
        worker.close()


def test_overwriting_the_stdlib_in_one_sandbox_does_not_reach_the_next(py_loader, next_sandbox_clean):
    source = '''
import glob
def attack():
    for path in glob.glob("/lib/python3*.zip"):
        with open(path, "wb") as f:
            f.write(b"garbage")
    return 1
'''
    assert run(py_loader, source) == 1


def test_random_state_is_not_shared_between_sandboxes(py_loader):
    source = '''
import random, uuid, tempfile, secrets
def attack():
    return [random.getrandbits(128), str(uuid.uuid4()), secrets.token_hex(16), next(tempfile._get_candidate_names())]
'''
    draws = [run(py_loader, source) for _ in range(4)]
    for i in range(4):
        assert len({str(d[i]) for d in draws}) == 4, [d[i] for d in draws]


def test_a_cpu_loop_in_one_python_sandbox_does_not_stall_another(py_loader):
    spinner = guest(py_loader, "def attack():\n    while True:\n        pass\n", limits=wb.Limits(cpu_ms=1500))
    other = guest(py_loader, CHECK)
    try:
        hit = []
        t = threading.Thread(target=lambda: hit.append(pytest.raises(wb.CpuLimitExceeded, spinner.get_entrypoint().attack)))
        t.start()
        time.sleep(0.2)
        started = time.monotonic()
        assert other.get_entrypoint().check() == 2432902008176640000
        assert time.monotonic() - started < 1.0
        t.join(10)
        assert hit
    finally:
        spinner.close()
        other.close()


@pytest.mark.parametrize(
    "attack",
    [
        "import os; os._exit(0)",
        "import os; os.abort()",
        "import sys; sys.setrecursionlimit(10**6)\ndef f(n): return f(n + 1)\nf(0)",
        "import ctypes; ctypes.CDLL(None).emscripten_run_script(b'1')",
    ],
)
def test_killing_the_interpreter_harms_only_its_own_sandbox(pyodide, attack):
    done = run_isolated(
        f"""
        import workerbox as wb
        attack = {attack!r}
        source = "def attack():\\n" + "".join("    " + line + "\\n" for line in attack.splitlines())
        source += "def ok():\\n    return 'ok'\\n"
        with wb.Loader() as loader:
            worker = loader.load(wb.WorkerCode(main_module="main.py", modules={{"main.py": source}}))
            ep = worker.get_entrypoint()
            try:
                ep.attack()
            except wb.WorkerError as e:
                print("first:", type(e).__name__)
            try:
                ep.ok()
            except wb.WorkerError as e:
                print("then:", type(e).__name__)
            fresh = loader.load(wb.WorkerCode(main_module="main.py", modules={{"main.py": source}}))
            print("fresh:", fresh.get_entrypoint().ok())
        """,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    said = done.stdout + done.stderr[-2000:]
    assert "first: PythonFatalError" in done.stdout and "then: ClosedError" in done.stdout, said
    assert "fresh: ok" in done.stdout, said


def test_the_hash_seed_a_guest_can_learn_differs_between_processes(pyodide):
    program = """
        import workerbox as wb
        code = wb.WorkerCode(main_module="main.py", modules={"main.py": "def h():\\n    return hash('workerbox')\\n"})
        with wb.Loader() as loader, loader.load(code) as worker:
            print(worker.get_entrypoint().h())
        """
    seen = set()
    for _ in range(2):
        done = run_isolated(program, timeout=120)
        assert done.returncode == 0, done.stderr[-2000:]
        seen.add(done.stdout.strip())
    assert len(seen) == 2


def test_pyodide_loaders_cannot_reach_the_runtime_modules_or_host_files(py_loader, next_sandbox_clean):
    source = '''
import pyodide_js
async def attack():
    outcomes = []
    for target in ["workerbox:python/native", "/etc/passwd", "pyodide.asm.wasm"]:
        try:
            outcomes.append(repr(await pyodide_js._api.loadBinaryFile(target)))
        except Exception as e:
            outcomes.append(type(e).__name__)
    return outcomes
'''
    assert run(py_loader, source) == ["JsException"] * 3


@pytest.mark.parametrize(
    "name", ["workerbox:python/maker.js", "workerbox:python/prime.js", "workerbox:python/native"]
)
def test_a_tenant_cannot_pose_as_the_runtime_by_naming_its_modules_like_the_runtimes(py_loader, name):
    # As the runtime's own workers, it could import the bridge's native functions (the
    # baseline's restore, the pooled Pyodide's hand-over).
    source = 'import native from "workerbox:python/native"; export default { f() { return Object.keys(native) } }'
    with pytest.raises(wb.CodeError, match="reserved for the runtime"):
        py_loader.load(main_module=name, modules={name: {"js": source}})
    with pytest.raises(wb.CodeError, match="reserved for the runtime"):
        py_loader.load(main_module="main.js", modules={"main.js": "export default {}", name: {"js": source}})


def test_a_pooled_sandbox_holds_nothing_of_the_sandbox_before_it(py_loader):
    # Pooled isolates are made ahead of demand and used once: what one tenant leaves in its
    # interpreter, its JavaScript globals or its files never reaches the next, pooled or not.
    leave = """
import js, os
def attack():
    js.globalThis.left = "secret"
    with open("/tmp/left", "w") as f:
        f.write("secret")
    os.environ["LEFT"] = "secret"
    import sys
    sys.modules["json"].dumps = lambda *a, **k: "tainted"
    return "left"
"""
    look = """
import js, os, json
def attack():
    return [str(getattr(js.globalThis, "left", None)), os.path.exists("/tmp/left"), os.environ.get("LEFT"), json.dumps(1)]
"""
    assert run(py_loader, leave) == "left"
    for _ in range(3):
        assert run(py_loader, look) == ["None", False, None, "1"]


def test_a_javascript_worker_cannot_pass_its_error_off_as_a_python_one(py_loader):
    # Only a Python worker's bridge reports a PythonError; a JavaScript error of that name, with
    # a message and stack shaped like one, stays a JSError with no Python fields.
    source = """export default { f() {
      const e = new Error("KeyError: forged")
      e.name = "PythonError"
      e.stack = "PythonError: KeyError: forged\\n  File \\"main.py\\", line 1"
      throw e
    } }"""
    with py_loader.load(main_module="m.js", modules={"m.js": source}) as worker:
        with pytest.raises(wb.JSError) as info:
            worker.get_entrypoint().f()
    assert not isinstance(info.value, wb.PythonError)
    assert info.value.name == "PythonError" and not hasattr(info.value, "traceback")
