"""Approvals: a tool that needs a person pauses the plan; approve or reject resumes the same
execution, and nothing runs twice."""

import asyncio
import time

import pytest

import workerbox as wb
from workerbox.codemode import Provider, ToolAPI


class Bank:
    def __init__(self):
        self.transfers = []

    def provider(self, **options):
        def transfer(to: str, amount: int) -> str:
            """Send money."""
            self.transfers.append((to, amount))
            return f"sent {amount} to {to}"

        def balance() -> int:
            """Money left."""
            return 1000 - sum(a for _, a in self.transfers)

        return Provider("bank", [transfer, balance], **options)


@pytest.fixture
def bank():
    return Bank()


def test_a_plan_pauses_at_the_call_and_resumes_once_approved(bank):
    api = ToolAPI([bank.provider(requires_approval=["transfer"])])
    first = api.run("const b = await bank.balance({}); const r = await bank.transfer({ to: 'ada', amount: 30 }); return [b, r]")
    assert first.status == "paused" and first.error is None and first.execution_id
    [call] = first.pending
    assert (call.namespace, call.name, dict(call.args), call.execution_id) == ("bank", "transfer", {"to": "ada", "amount": 30}, first.execution_id)
    assert bank.transfers == []
    done = api.approve(call.call_id)
    assert (done.status, done.error, done.value) == ("done", None, [1000, "sent 30 to ada"])
    assert bank.transfers == [("ada", 30)]
    assert [c.name for c in done.calls] == ["balance", "transfer"]
    with pytest.raises(ValueError, match="no call"):
        api.approve(call.call_id)


def test_a_rejected_call_raises_in_the_plan(bank):
    api = ToolAPI([bank.provider(requires_approval=True)])
    paused = api.run("try { await bank.transfer({ to: 'eve', amount: 5 }) } catch (e) { return e.message }")
    done = api.reject(paused.pending[0].call_id, "eve is not a customer")
    assert done.value == "bank.transfer was rejected: eve is not a customer"
    assert bank.transfers == []


def test_two_approvals_in_a_row(bank):
    api = ToolAPI([bank.provider(requires_approval=["transfer"])])
    r = api.run("await bank.transfer({ to: 'a', amount: 1 }); await bank.transfer({ to: 'b', amount: 2 }); return await bank.balance({})")
    assert r.status == "paused" and r.pending[0].args["to"] == "a"
    r = api.approve(r.pending[0].call_id)
    assert r.status == "paused" and r.pending[0].args["to"] == "b"
    r = api.approve(r.pending[0].call_id)
    assert (r.status, r.value) == ("done", 997)
    assert bank.transfers == [("a", 1), ("b", 2)]


def test_approve_all_and_a_policy_that_looks_at_the_arguments(bank):
    api = ToolAPI([bank.provider(requires_approval=lambda name, args: name == "transfer" and args["amount"] > 100)])
    r = api.run(
        "return await Promise.all([bank.transfer({ to: 'a', amount: 50 }), bank.transfer({ to: 'b', amount: 500 }), bank.transfer({ to: 'c', amount: 700 })])"
    )
    seen = set()
    while r.status == "paused":
        seen |= {c.args["to"] for c in r.pending}
        r = api.approve_all(r.execution_id)
    assert seen == {"b", "c"}
    assert (r.error, r.value) == (None, ["sent 50 to a", "sent 500 to b", "sent 700 to c"])
    assert sorted(bank.transfers) == [("a", 50), ("b", 500), ("c", 700)]


def test_paused_time_does_not_count_against_the_wall_clock_limit(bank):
    api = ToolAPI([bank.provider(requires_approval=True)])
    r = api.run("return await bank.transfer({ to: 'a', amount: 1 })", limits=wb.Limits(wall_ms=300))
    time.sleep(0.6)
    assert api.approve(r.pending[0].call_id).value == "sent 1 to a"
    slow = api.run("await new Promise(r => setTimeout(r, 2000)); return 1", limits=wb.Limits(wall_ms=300))
    assert slow.status == "done" and slow.error.startswith("WallTimeExceeded"), slow.error


def test_an_undecided_plan_times_out_and_frees_its_place(bank):
    api = ToolAPI([bank.provider(requires_approval=True)], approval_timeout_s=0.3, max_paused=1)
    r = api.run("return await bank.transfer({ to: 'a', amount: 1 })")
    assert r.status == "paused"
    busy = api.run("try { await bank.transfer({ to: 'b', amount: 2 }) } catch (e) { return e.message }")
    assert busy.value == "too many plans are waiting for approval (1); try again later"
    time.sleep(0.8)
    with pytest.raises(ValueError, match="no call"):
        api.approve(r.pending[0].call_id)
    again = api.run("return await bank.transfer({ to: 'c', amount: 3 })")
    assert again.status == "paused"
    assert api.approve(again.pending[0].call_id).value == "sent 3 to c"
    assert bank.transfers == [("c", 3)]


def test_async_plans_pause_and_resume(bank):
    api = ToolAPI([bank.provider(requires_approval=True)])

    async def main():
        r = await api.arun("return await bank.transfer({ to: 'a', amount: 4 })")
        assert r.status == "paused"
        return await api.aapprove(r.pending[0].call_id)

    done = asyncio.run(main())
    assert (done.status, done.value) == ("done", "sent 4 to a")


def test_plans_without_approval_calls_finish_in_one_go(bank):
    api = ToolAPI([bank.provider(requires_approval=["transfer"])])
    r = api.run("return await bank.balance({})")
    assert (r.status, r.value, r.pending) == ("done", 1000, [])


@pytest.mark.parametrize("kwargs", [{"max_paused": 0}, {"approval_timeout_s": 0}, {"approval_timeout_s": -1}])
def test_bad_approval_settings(bank, kwargs):
    with pytest.raises(ValueError):
        ToolAPI([bank.provider(requires_approval=True)], **kwargs)
