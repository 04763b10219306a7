"""Python workers: a `.py` main module runs in the runtime's Pyodide, restored from the
process's baseline snapshot. Methods, values both ways, env bindings (sync through JSPI and
async), guest-only tracebacks, reseeded randomness, timers, limits, and what is refused."""

import pytest

import workerbox as wb

pytestmark = pytest.mark.usefixtures("pyodide")

MAIN = '''
import random
import secrets

def add(a, b):
    return a + b

def echo(value):
    return value

def shape(person):
    return {"hello": person["name"], "n": len(person["tags"]), "big": 2**60, "raw": b"\\x00\\x01", "t": (1, 2)}

def use_tool(x, env):
    return env.double(x) + 1

async def use_tool_async(x, env):
    return (await env.double(x)) + 1

def tool_fails(env):
    try:
        env.broken()
    except Exception as e:
        return str(e)

def rand():
    return [random.random(), secrets.token_hex(8)]

def fail(x):
    def inner(y):
        raise ValueError(f"bad input {y}")
    inner(x)
'''


def broken():
    raise KeyError("host detail")


@pytest.fixture(scope="module")
def py_loader():
    with wb.Loader(threads=2) as loader:
        yield loader


@pytest.fixture(scope="module")
def ep(py_loader):
    code = wb.WorkerCode(
        main_module="main.py", modules={"main.py": MAIN}, env={"double": lambda x: x * 2, "broken": broken}
    )
    worker = py_loader.load(code)
    yield worker.get_entrypoint()
    worker.close()


def python_worker(loader, source, **kw):
    return loader.load(wb.WorkerCode(main_module="main.py", modules={"main.py": source}, **kw))


def test_top_level_functions_are_methods(ep):
    assert ep.add(2, 3) == 5


@pytest.mark.parametrize(
    "value",
    [None, True, 1.5, -7, 2**60, "héllo ☃", [1, "a", None], {"a": {"b": [1, 2]}}, b"\x00\xff"],
)
def test_values_cross_both_ways(ep, value):
    assert ep.echo(value) == value


def test_python_values_convert_as_javascript_ones(ep):
    assert ep.shape({"name": "ada", "tags": ["x", "y"]}) == {
        "hello": "ada", "n": 2, "big": 2**60, "raw": b"\x00\x01", "t": [1, 2]
    }


def test_env_binding_called_from_plain_code_blocks_until_the_host_answers(ep):
    assert ep.use_tool(20) == 41


def test_env_binding_awaited_from_a_coroutine(ep):
    assert ep.use_tool_async(20) == 41


def test_a_host_error_reaches_the_guest_as_an_exception_without_host_internals(ep):
    said = ep.tool_fails()
    assert "host detail" in said and "Traceback" not in said and ".py" not in said


def test_guest_exception_carries_the_guest_frames_only(ep):
    with pytest.raises(wb.PythonError) as info:
        ep.fail(7)
    e = info.value
    assert isinstance(e, wb.JSError) and e.name == "PythonError" and e.message == "ValueError: bad input 7"
    assert e.type == "ValueError" and e.traceback.endswith("ValueError: bad input 7\n")
    assert 'File "main.py", line' in e.traceback and "in inner" in e.traceback and e.traceback in e.stack
    assert "_workerbox" not in e.stack and "pyodide" not in e.stack.lower()


def test_a_worker_entrypoint_class_serves_its_methods(py_loader):
    source = '''
from workers import WorkerEntrypoint

class Default(WorkerEntrypoint):
    def hello(self, who):
        return f"hello {who} from {self.ctx.props.tenant}, {self.env.GREETING}"
'''
    worker = python_worker(py_loader, source, env={"GREETING": "hi"})
    try:
        assert worker.get_entrypoint(props={"tenant": "t1"}).hello("ada") == "hello ada from t1, hi"
    finally:
        worker.close()


def test_two_sandboxes_restored_from_one_baseline_do_not_share_random_state(py_loader):
    draws = []
    for _ in range(3):
        worker = python_worker(py_loader, MAIN)
        draws.append(tuple(worker.get_entrypoint().rand()))
        worker.close()
    assert len({d[0] for d in draws}) == 3 and len({d[1] for d in draws}) == 3


def test_an_exception_while_importing_main_fails_the_load(py_loader):
    with pytest.raises(wb.PythonError) as info:
        python_worker(py_loader, "x = 1\nraise RuntimeError('no start')\n")
    assert info.value.message == "RuntimeError: no start" and 'File "main.py", line 2' in info.value.stack


def test_a_syntax_error_in_main_fails_the_load(py_loader):
    with pytest.raises(wb.PythonError, match="SyntaxError"):
        python_worker(py_loader, "def broken(:\n")


def test_modules_of_the_worker_import_each_other_and_read_its_files(py_loader):
    modules = {
        "main.py": "from lib.util import twice\nimport json\ndef run():\n    return twice(json.load(open('/app/conf.json'))['n'])\n",
        "lib/util.py": "def twice(n):\n    return 2 * n\n",
        "lib/__init__.py": "",
        "conf.json": {"json": {"n": 21}},
    }
    worker = py_loader.load(wb.WorkerCode(main_module="main.py", modules=modules))
    try:
        assert worker.get_entrypoint().run() == 42
    finally:
        worker.close()


def test_time_sleep_waits_on_a_timer_instead_of_burning_cpu(py_loader):
    traces = []
    code = wb.WorkerCode(
        main_module="main.py",
        modules={"main.py": "import time\ndef nap(s):\n    time.sleep(s)\n    return 'rested'\n"},
        on_trace=traces.append,
    )
    worker = py_loader.load(code)
    try:
        assert worker.get_entrypoint().nap(0.3) == "rested"
    finally:
        worker.close()
    assert traces[-1]["wall_ms"] >= 300 and traces[-1]["cpu_ms"] < 100


def test_cpu_limit_ends_a_python_loop(py_loader):
    code = wb.WorkerCode(
        main_module="main.py",
        modules={"main.py": "def spin():\n    while True:\n        pass\n"},
        limits=wb.Limits(cpu_ms=300),
    )
    worker = py_loader.load(code)
    with pytest.raises(wb.CpuLimitExceeded):
        worker.get_entrypoint().spin()


def test_a_python_memory_bomb_is_a_memory_error_and_the_worker_lives_on(py_loader):
    source = "def bomb():\n    bytearray(10**9)\ndef ok():\n    return 'fine'\n"
    worker = python_worker(py_loader, source)
    try:
        with pytest.raises(wb.PythonError, match="MemoryError"):
            worker.get_entrypoint().bomb()
        assert worker.get_entrypoint().ok() == "fine"
    finally:
        worker.close()


def test_a_larger_memory_limit_gives_python_more_memory(py_loader):
    # The interpreter's linear memory grows up to the worker's own limit, not a process-wide
    # ceiling: 200 MiB does not fit the default limit, and fits at 512.
    source = "def big():\n    return len(bytearray(200 * 2**20))\n"
    small = python_worker(py_loader, source)
    with pytest.raises(wb.PythonError, match="MemoryError"):
        small.get_entrypoint().big()
    small.close()
    large = python_worker(py_loader, source, limits=wb.Limits(memory_mb=512))
    assert large.get_entrypoint().big() == 200 * 2**20
    large.close()


def test_package_loading_is_refused(py_loader):
    source = "import pyodide_js\ndef load():\n    pyodide_js.loadPackage('numpy')\n"
    worker = python_worker(py_loader, source)
    try:
        with pytest.raises(wb.JSError, match="package loading is disabled"):
            worker.get_entrypoint().load()
    finally:
        worker.close()


def test_the_boot_hooks_are_gone(py_loader):
    source = "import js\ndef hooks():\n    return [hasattr(js, n) for n in ('read', 'readbuffer', 'load')]\n"
    worker = python_worker(py_loader, source)
    try:
        assert worker.get_entrypoint().hooks() == [False, False, False]
    finally:
        worker.close()


def test_python_and_javascript_modules_do_not_mix():
    with pytest.raises(wb.CodeError, match="is JavaScript or WebAssembly, but the main module is Python"):
        wb.WorkerCode(main_module="main.py", modules={"main.py": "", "lib.js": "export {}"})
    with pytest.raises(wb.CodeError, match="is Python, but the main module"):
        wb.WorkerCode(main_module="main.js", modules={"main.js": "export {}", "lib.py": ""})


def test_the_python_module_type_and_its_round_trip():
    code = wb.WorkerCode(main_module="worker", modules={"worker": {"python": "def f():\n    return 1\n"}})
    assert code.modules == {"worker": {"python": "def f():\n    return 1\n"}}


def test_a_fatally_failed_interpreter_closes_its_worker_and_get_loads_a_fresh_one(py_loader):
    source = "import os\ndef die():\n    os.abort()\ndef ok():\n    return 'ok'\n"
    factory = lambda: wb.WorkerCode(main_module="main.py", modules={"main.py": source})  # noqa: E731
    ep = py_loader.get("python-fatal", factory).get_entrypoint()
    with pytest.raises(wb.PythonFatalError):
        ep.die()
    with pytest.raises(wb.ClosedError):
        ep.ok()
    assert py_loader.get("python-fatal", factory).get_entrypoint().ok() == "ok"


class Store(wb.RpcTarget):
    def __init__(self):
        self.items = {}

    def put(self, key, value):
        self.items[key] = value
        return len(self.items)


def test_data_a_binding_returns_arrives_as_python_data(py_loader):
    source = "def use(env):\n    d = env.data()\n    return [type(d).__name__, d, type(env.items()).__name__]\n"
    worker = python_worker(py_loader, source, env={"data": lambda: {"a": [1, {"b": 2}]}, "items": lambda: [1, 2]})
    try:
        assert worker.get_entrypoint().use() == ["dict", {"a": [1, {"b": 2}]}, "list"]
    finally:
        worker.close()


def test_an_rpc_target_binding_is_an_object_with_callable_methods(py_loader):
    store = Store()
    source = "def fill(env):\n    env.store.put('a', 1)\n    return env.store.put('b', [2, 3])\n"
    worker = python_worker(py_loader, source, env={"store": store})
    try:
        assert worker.get_entrypoint().fill() == 2
    finally:
        worker.close()
    assert store.items == {"a": 1, "b": [2, 3]}


def test_the_string_hash_seed_is_shared_within_a_process_as_documented(py_loader):
    hashes = []
    for _ in range(2):
        worker = python_worker(py_loader, "def h():\n    return hash('workerbox')\n")
        hashes.append(worker.get_entrypoint().h())
        worker.close()
    assert hashes[0] == hashes[1]


def test_each_entrypoint_class_is_reachable_by_name(py_loader):
    source = '''
from workers import WorkerEntrypoint

class Base(WorkerEntrypoint):
    def who(self):
        return type(self).__name__

class Admin(Base):
    def reset(self, n):
        return f"reset {n} by {self.ctx.props.user}"

class Reader(Base):
    async def read(self, key, env=None):
        return self.env.DATA[key]

def ping():
    return "pong"
'''
    worker = python_worker(py_loader, source, env={"DATA": {"k": "v"}})
    try:
        assert worker.get_entrypoint().ping() == "pong"
        assert worker.get_entrypoint("Admin", props={"user": "ada"}).reset(3) == "reset 3 by ada"
        assert worker.get_entrypoint("Admin").who() == "Admin"
        assert worker.get_entrypoint("Reader").read("k") == "v"
        with pytest.raises(wb.WorkerError, match="no export named"):
            worker.get_entrypoint("Nobody").ping()
        with pytest.raises(wb.WorkerError, match="no method"):
            worker.get_entrypoint().reset(1)
    finally:
        worker.close()


def test_a_guest_suspended_in_a_slow_binding_is_held_to_its_wall_limit(py_loader):
    import time

    source = "def wait(env):\n    return env.slow(3)\n"
    worker = python_worker(py_loader, source, env={"slow": lambda s: time.sleep(s) or "late"}, limits=wb.Limits(wall_ms=500))
    started = time.monotonic()
    with pytest.raises(wb.WallTimeExceeded):
        worker.get_entrypoint().wait()
    assert time.monotonic() - started < 2.5


def test_closing_a_worker_ends_a_call_suspended_in_a_binding(py_loader):
    import threading
    import time

    source = "def wait(env):\n    return env.slow(3)\n"
    worker = python_worker(py_loader, source, env={"slow": lambda s: time.sleep(s) or "late"})
    outcome = []

    def call():
        try:
            outcome.append(worker.get_entrypoint().wait())
        except wb.WorkerError as e:
            outcome.append(e)

    t = threading.Thread(target=call)
    started = time.monotonic()
    t.start()
    time.sleep(0.3)
    worker.close()
    t.join(5)
    assert isinstance(outcome[0], wb.ClosedError) and time.monotonic() - started < 2.5


def test_prepare_python_makes_the_baseline_once():
    import time

    wb.prepare_python()
    started = time.perf_counter()
    wb.prepare_python()
    assert time.perf_counter() - started < 0.01
