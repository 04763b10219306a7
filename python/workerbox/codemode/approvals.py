"""Approvals: tool calls a person must allow before they run. A call that needs approval pauses
its plan: the sandbox's promise for it stays pending while the worker waits (no CPU, and no wall
time against the plan's limit), `ToolAPI.run` returns the pending calls, and `approve` or
`reject` lets the same execution go on. Paused executions live in this process's memory: a
restart loses them, and `ToolAPI(max_paused=)` caps how many may wait at once."""

from __future__ import annotations

import asyncio
import concurrent.futures
import dataclasses
import itertools
import threading
import time
from collections.abc import Mapping
from typing import Any, Callable, Optional

from .tools import ApprovalPolicy, ToolError

__all__ = ["PendingCall"]

_ids = itertools.count(1)


def new_id(prefix: str) -> str:
    return f"{prefix}{next(_ids)}"


@dataclasses.dataclass(frozen=True)
class PendingCall:
    """A tool call waiting for a person: approve or reject it by `call_id`."""

    call_id: str
    execution_id: str
    namespace: str
    name: str
    args: Mapping[str, Any]
    """The arguments after validation, as the tool would receive them."""


@dataclasses.dataclass(frozen=True)
class _Decision:
    approved: bool
    reason: str = ""


def needs_approval(policy: ApprovalPolicy, name: str, args: Mapping[str, Any]) -> bool:
    """Whether `policy` asks for a person before tool `name` runs with `args`."""
    if isinstance(policy, bool):
        return policy
    if callable(policy):
        return bool(policy(name, args))
    return name in policy


class Execution:
    """One run of a plan that may pause: its calls in flight, the ones waiting for a decision,
    and how it ended. Shared by the thread (or task) running the plan, the host calls asking for
    approval, and whoever approves."""

    def __init__(self, wall_s: Optional[float]) -> None:
        self.id = new_id("x")
        self.changed = threading.Condition()
        self.pending: dict[str, tuple[PendingCall, concurrent.futures.Future[_Decision]]] = {}
        self.done = False
        self.value: Any = None
        self.error: Optional[str] = None
        # Set before the worker is closed from outside, so the plan's end reads as this.
        self.cancelled: Optional[str] = None
        self.worker: Any = None
        self.wall_s = wall_s
        self._active_s = 0.0
        self._active_since: Optional[float] = time.monotonic()
        self._decisions = 0
        self.task: Any = None  # arun's task, kept referenced while it runs
        self.result: Any = None  # the RunResult its calls and logs accumulate in
        self.code = ""
        # The calls the last paused result showed, the ones approve_all may approve.
        self.reported: set[str] = set()

    # -- the plan's side ------------------------------------------------------------------------

    async def ask(self, call: PendingCall) -> None:
        """Waits for the decision on `call`; raises ToolError if it is rejected."""
        future: concurrent.futures.Future[_Decision] = concurrent.futures.Future()
        with self.changed:
            self.pending[call.call_id] = (call, future)
            self._pause_clock()
            self.changed.notify_all()
        decision = await asyncio.wrap_future(future)
        if not decision.approved:
            raise ToolError(f"{call.namespace}.{call.name} was rejected: {decision.reason or 'no reason given'}")

    def finish(self, value: Any, error: Optional[str]) -> None:
        with self.changed:
            self.done = True
            self.value, self.error = value, self.cancelled or error
            self.changed.notify_all()

    # -- the person's side ----------------------------------------------------------------------

    def decide(self, call_id: str, decision: _Decision) -> None:
        with self.changed:
            entry = self.pending.pop(call_id, None)
            if entry is None:
                raise KeyError(call_id)
            self._decisions += 1
            if not self.pending:
                self._active_since = time.monotonic()
        entry[1].set_result(decision)

    def wait(self, on_timeout: Callable[[Execution], None]) -> bool:
        """Blocks until the plan ends (True) or waits for a decision (False). Past the wall
        limit, counted without paused time, `on_timeout` cancels it."""
        with self.changed:
            while not self.done and not self.pending:
                left = None if self.wall_s is None else self.wall_s - self._active()
                if left is not None and left <= 0:
                    self.changed.release()
                    try:
                        on_timeout(self)
                    finally:
                        self.changed.acquire()
                    left = None
                self.changed.wait(left)
            return self.done

    def snapshot(self) -> tuple[int, list[PendingCall]]:
        """How many decisions were made so far, and the calls waiting now."""
        with self.changed:
            return self._decisions, [call for call, _ in self.pending.values()]

    def cancel(self, why: str) -> None:
        """Ends the execution: every waiting call is rejected and the worker is closed."""
        with self.changed:
            if self.done:
                return
            self.cancelled = self.cancelled or why
            waiting = list(self.pending.values())
            self.pending.clear()
        for _, future in waiting:
            future.set_result(_Decision(False, why))
        if self.worker is not None:
            self.worker.close()

    def _pause_clock(self) -> None:
        if self._active_since is not None:
            self._active_s += time.monotonic() - self._active_since
            self._active_since = None

    def _active(self) -> float:
        running = time.monotonic() - self._active_since if self._active_since is not None else 0.0
        return self._active_s + running


class Registry:
    """The executions waiting for decisions, by execution and by call."""

    def __init__(self, max_paused: int, timeout_s: Optional[float]) -> None:
        self.max_paused = max_paused
        self.timeout_s = timeout_s
        self._lock = threading.Lock()
        self._executions: dict[str, Execution] = {}

    def admit_pause(self, execution: Execution) -> None:
        """Raises ToolError when `execution` would be one paused execution too many."""
        with self._lock:
            if execution.id in self._executions:
                return
            if len(self._executions) >= self.max_paused:
                raise ToolError(f"too many plans are waiting for approval ({self.max_paused}); try again later")
            self._executions[execution.id] = execution

    def paused(self, execution: Execution) -> None:
        """`execution` returned to its caller paused: it expires if no decision comes in time."""
        if self.timeout_s is None:
            return
        decisions, _ = execution.snapshot()

        def expire() -> None:
            if execution.snapshot()[0] == decisions and not execution.done:
                execution.cancel(f"no decision within approval_timeout_s ({self.timeout_s:g} s)")

        timer = threading.Timer(self.timeout_s, expire)
        timer.daemon = True
        timer.start()

    def release(self, execution: Execution) -> None:
        with self._lock:
            self._executions.pop(execution.id, None)

    def by_call(self, call_id: str) -> Execution:
        with self._lock:
            for execution in self._executions.values():
                if call_id in execution.pending:
                    return execution
        raise ValueError(f"no call {call_id!r} is waiting for approval (decided, expired, or never made)")

    def by_id(self, execution_id: str) -> Execution:
        with self._lock:
            execution = self._executions.get(execution_id)
        if execution is None:
            raise ValueError(f"no execution {execution_id!r} is waiting for approval")
        return execution
