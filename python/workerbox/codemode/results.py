"""What a plan's run gives back: its value or error (written for the model), console output,
the tool calls it made, and, for a plan paused for approval, the calls that wait."""

from __future__ import annotations

import dataclasses
import json
import time
from typing import Any, Optional

from .approvals import PendingCall
from .tools import DEFAULT_NAMESPACE

__all__ = ["RunResult", "ToolCall"]


@dataclasses.dataclass
class ToolCall:
    name: str
    args: dict[str, Any]
    duration_s: float
    error: Optional[str] = None
    namespace: str = DEFAULT_NAMESPACE


@dataclasses.dataclass
class RunResult:
    value: Any = None
    logs: list[str] = dataclasses.field(default_factory=list)
    calls: list[ToolCall] = dataclasses.field(default_factory=list)
    error: Optional[str] = None
    """None, or what went wrong, written for the model: for TypeScript the plan's position, no
    traceback; for Python the traceback of the plan's own lines."""
    status: str = "done"
    """``"done"``, or ``"paused"``: calls in `pending` wait for `ToolAPI.approve`/`reject`."""
    execution_id: Optional[str] = None
    """Names the run in `ToolAPI.executions()` and for `save_snippet`, and a paused plan for
    `approve_all`."""
    started_at: float = dataclasses.field(default_factory=time.time)
    pending: list[PendingCall] = dataclasses.field(default_factory=list)

    def for_model(self) -> str:
        """The result as text to hand back to the model."""
        parts = [f"error: {self.error}" if self.error else f"result: {json.dumps(self.value, default=str)}"]
        if self.logs:
            parts.append("console:\n" + "\n".join(self.logs))
        return "\n".join(parts)
