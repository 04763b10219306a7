"""History and snippets: what ran is kept (bounded), and a saved plan is rerun by name."""

import pytest

from workerbox.codemode import Provider, ToolAPI


def double(n: int) -> int:
    """Twice n."""
    return 2 * n


def test_executions_keep_code_calls_outcome_and_timings():
    api = ToolAPI([double], history=2)
    first = api.run("return await codemode.double({ n: 2 })")
    api.run("throw new Error('nope')")
    third = api.run("return 3")
    records = api.executions()
    assert [r.execution_id for r in records][-1] == third.execution_id and len(records) == 2
    failed, last = records
    assert failed.error.startswith("Error: nope") and failed.value is None
    assert (last.value, last.error, last.code) == (3, None, "return 3")
    assert all(r.duration_s >= 0 and r.started_at > 0 for r in records)
    assert first.execution_id not in {r.execution_id for r in records}


def test_a_saved_snippet_is_listed_and_rerun_with_args():
    api = ToolAPI([double])
    ok = api.run("async (args) => { const n = args?.n ?? 5; return await codemode.double({ n }) }")
    assert ok.value == 10
    snippet = api.save_snippet("twice", ok.execution_id, "doubles args.n")
    assert snippet.code.startswith("async (args)")
    ts = api.typescript()
    assert '  /** Reruns a saved snippet (twice: doubles args.n) with optional args. */\n  run(name: "twice", args?: unknown): Promise<unknown>;' in ts
    rerun = api.run("return [await codemode.run('twice', { n: 21 }), await codemode.run('twice')]")
    assert rerun.error is None, rerun.error
    assert rerun.value == [42, 10]
    assert [c.name for c in rerun.calls] == ["double", "double"]
    missing = api.run("return await codemode.run('thrice')")
    assert missing.error.startswith("TypeError: codemode.run: no snippet named thrice; saved: twice")
    api.delete_snippet("twice")
    assert api.snippets() == [] and "run(" not in api.typescript()


def test_snippets_are_found_by_search_and_described():
    api = ToolAPI([double], discovery=True)
    ok = api.run("return 7")
    api.save_snippet("lucky_number", ok.execution_id, "the lucky number of the week")
    result = api.run(
        "const hits = await codemode.search({ query: 'lucky number' })\n"
        "return [hits[0].path, await codemode.describe({ path: hits[0].path }), await codemode.run('lucky_number')]"
    )
    assert result.error is None, result.error
    path, description, value = result.value
    assert path == "snippets.lucky_number" and value == 7
    assert description == '/** the lucky number of the week */\n// run it: await codemode.run("lucky_number", args)\nreturn 7\n'
    assert 'run(name: "lucky_number", args?: unknown): Promise<unknown>;' in api.typescript()


def test_snippets_work_without_bare_tools():
    api = ToolAPI([Provider("math", [double])])
    ok = api.run("return await math.double({ n: 4 })")
    api.save_snippet("eight", ok.execution_id)
    assert api.run("return await codemode.run('eight')").value == 8


@pytest.mark.parametrize(
    "name, execution, match",
    [("two words", "ok", "identifier"), ("x", "missing", "no finished execution"), ("x", "failed", "only a plan that succeeded")],
)
def test_bad_snippets_are_refused(name, execution, match):
    api = ToolAPI([double])
    ids = {"ok": api.run("return 1").execution_id, "failed": api.run("throw 1").execution_id, "missing": "x999"}
    with pytest.raises(ValueError, match=match):
        api.save_snippet(name, ids[execution])


def test_a_tool_named_run_and_snippets_do_not_mix():
    def run(x: int) -> int:
        return x

    api = ToolAPI([run])
    ok = api.run("return 1")
    with pytest.raises(ValueError, match="codemode.run is a tool"):
        api.save_snippet("one", ok.execution_id)
