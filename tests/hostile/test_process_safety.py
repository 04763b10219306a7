"""Hostile programs cost their own isolate, never the process or the loader."""

from conftest import run_isolated


def test_heap_bomb_is_contained():
    proc = run_isolated(
        """
        import workerbox as wb
        with wb.Loader(threads=1) as loader:
            w = loader.load(main_module="m.js", modules={"m.js": "export default { f() { const a = []; for (;;) a.push(new Array(1e5).fill(1)) } }"})
            try:
                w.get_entrypoint().f()
            except wb.MemoryLimitExceeded as e:
                print("limit:", e)
            try:
                w.get_entrypoint().f()
            except wb.ClosedError:
                print("dead")
            ok = loader.load(main_module="m.js", modules={"m.js": "export default { f() { return 1 } }"})
            print("next:", ok.get_entrypoint().f())
        """
    )
    assert proc.returncode == 0, proc.stderr
    assert "limit:" in proc.stdout
    assert "dead" in proc.stdout
    assert "next: 1" in proc.stdout


def test_ctrl_c_terminates_an_infinite_loop():
    proc = run_isolated(
        """
        import signal, threading, workerbox as wb
        # A shell's background job starts with SIGINT ignored, and Python then installs no
        # KeyboardInterrupt handler; this test is about what happens when it has one.
        signal.signal(signal.SIGINT, signal.default_int_handler)
        with wb.Loader(threads=1) as loader:
            w = loader.load(main_module="m.js", modules={"m.js": "export default { f() { for (;;) {} } }"})
            threading.Timer(0.3, lambda: signal.raise_signal(signal.SIGINT)).start()
            try:
                w.get_entrypoint().f()
            except KeyboardInterrupt:
                print("interrupted")
            try:
                w.get_entrypoint().f()
            except wb.ClosedError:
                print("dead")
            ok = loader.load(main_module="m.js", modules={"m.js": "export default { f() { return 1 } }"})
            print("next:", ok.get_entrypoint().f())
        """
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["interrupted", "dead", "next:", "1"]


def test_closing_the_loader_stops_a_runaway_worker():
    proc = run_isolated(
        """
        import threading, time, workerbox as wb
        loader = wb.Loader(threads=1)
        w = loader.load(main_module="m.js", modules={"m.js": "export default { f() { for (;;) {} } }"})
        out = []
        def call():
            try:
                w.get_entrypoint().f()
            except wb.WorkerError as e:
                out.append(type(e).__name__)
        t = threading.Thread(target=call)
        t.start()
        time.sleep(0.3)
        loader.close()
        t.join()
        print(out)
        """
    )
    assert proc.returncode == 0, proc.stderr
    assert "TerminatedError" in proc.stdout


def test_loader_in_forked_child_raises_clear_error():
    proc = run_isolated(
        """
        import os, workerbox as wb
        with wb.Loader(threads=1) as loader:
            pid = os.fork()
            if pid == 0:
                try:
                    wb.Loader(threads=1)
                except wb.WorkerError as e:
                    os.write(1, ("child: " + str(e) + "\\n").encode())
                    os._exit(0)
                os._exit(1)
            _, status = os.waitpid(pid, 0)
            print("child exit:", os.waitstatus_to_exitcode(status))
            w = loader.load(main_module="m.js", modules={"m.js": "export default { f() { return 1 } }"})
            print("parent:", w.get_entrypoint().f())
        """
    )
    assert proc.returncode == 0, proc.stderr
    assert "child: V8 was started in process" in proc.stdout
    assert "child exit: 0" in proc.stdout
    assert "parent: 1" in proc.stdout


def test_isolates_past_the_process_cap_are_refused_not_fatal():
    # Past vm.max_map_count V8 cannot map memory and aborts the process; the cap (lowered here
    # so the test is small) turns that into an error, and closing a worker makes room again.
    proc = run_isolated(
        """
        import workerbox as wb
        m = {"m.js": "export default { f() { return 1 } }"}
        with wb.Loader(threads=1, pool_size=0) as loader:
            ws = [loader.load(main_module="m.js", modules=m) for _ in range(3)]
            try:
                loader.load(main_module="m.js", modules=m)
            except wb.WorkerError as e:
                print("refused:", "vm.max_map_count" in str(e))
            ws.pop().close()
            print("next:", loader.load(main_module="m.js", modules=m).get_entrypoint().f())
        """,
        env={"WORKERBOX_MAX_ISOLATES": "3"},
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["refused:", "True", "next:", "1"]


def test_exiting_right_after_async_calls_never_aborts():
    # The asyncio completer thread could still be inside Python when the interpreter shut down;
    # CPython then ends it with pthread_exit, which aborts through Rust frames (about 1 run in 7).
    program = """
        import asyncio, workerbox as wb
        async def main():
            loader = wb.AsyncLoader(threads=1)
            w = await loader.load(main_module="a.js", modules={"a.js": "export default { f() { return 1 } }"})
            print(await w.get_entrypoint().f())
        asyncio.run(main())
    """
    for _ in range(20):
        proc = run_isolated(program)
        assert (proc.returncode, proc.stdout) == (0, "1\n"), proc.stderr[-500:]
