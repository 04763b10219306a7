"""Observability: console output goes to the `workerbox.console` logger; `on_trace` gets a record
of every call (Cloudflare's tails)."""

import logging
import sys

import pytest

import workerbox as wb

SRC = """export default {
  f(x) { console.log('hello', x); console.warn('careful'); return x },
  boom() { console.error('about to fail'); throw new TypeError('nope') },
  spin() { for (;;) {} },
}"""


def test_console_goes_to_the_logger_with_worker_id(loader, caplog):
    caplog.set_level(logging.DEBUG, logger="workerbox.console")
    w = loader.get("logging-tenant", lambda: wb.WorkerCode("m.js", {"m.js": SRC}))
    assert w.get_entrypoint().f(1) == 1
    records = [r for r in caplog.records if r.name == "workerbox.console"]
    assert [(r.levelno, r.getMessage()) for r in records] == [(logging.INFO, "hello 1"), (logging.WARNING, "careful")]
    assert {r.worker_id for r in records} == {"logging-tenant"}
    assert records[0].js_level == "log"
    loader.evict("logging-tenant")


def test_on_trace_records_ok_and_exception(loader):
    traces = []
    w = loader.load(main_module="m.js", modules={"m.js": SRC}, on_trace=traces.append)
    ep = w.get_entrypoint()
    ep.f(2)
    with pytest.raises(wb.JSError):
        ep.boom()
    ok, failed = traces
    assert (ok["entrypoint"], ok["method"], ok["outcome"]) == ("default", "f", "ok")
    assert ok["logs"] == [{"level": "log", "message": "hello 2"}, {"level": "warn", "message": "careful"}]
    assert ok["exceptions"] == [] and ok["cpu_ms"] >= 0 and ok["wall_ms"] >= 0
    assert failed["outcome"] == "exception"
    assert failed["exceptions"][0]["name"] == "TypeError" and failed["exceptions"][0]["message"] == "nope"
    assert failed["logs"] == [{"level": "error", "message": "about to fail"}]
    w.close()


def test_on_trace_reports_exceeded_cpu(loader):
    traces = []
    code = wb.WorkerCode("m.js", {"m.js": SRC}, limits=wb.Limits(cpu_ms=20), on_trace=traces.append)
    w = loader.load(code)
    with pytest.raises(wb.CpuLimitExceeded):
        w.get_entrypoint().spin()
    assert traces[-1]["outcome"] == "exceededCpu"
    assert traces[-1]["cpu_ms"] >= 15


def test_a_failing_trace_hook_does_not_fail_the_call(loader, monkeypatch):
    def hook(record):
        raise RuntimeError("hook broke")

    reported = []
    monkeypatch.setattr(sys, "unraisablehook", lambda u: reported.append(u.exc_value))
    w = loader.load(main_module="m.js", modules={"m.js": SRC}, on_trace=hook)
    assert w.get_entrypoint().f(3) == 3
    w.close()
    assert [str(e) for e in reported] == ["hook broke"]


def test_on_trace_must_be_callable():
    with pytest.raises(TypeError, match="on_trace must be callable"):
        wb.WorkerCode("m.js", {"m.js": SRC}, on_trace="print")
