"""What a model writes, made a module whose default export is the plan: models wrap code in
markdown fences, write an arrow function, a named async function, or only its body. A Python
plan only loses its fence here; the sandbox compiles its forms (`_guest.plan`)."""

from __future__ import annotations

import re

from .._workerbox import CodeError

__all__ = ["normalize_code", "normalize_python"]

_FENCE = re.compile(r"^\s*```[\w+-]*[ \t]*\n(.*?)\n?```\s*$", re.DOTALL)
_EXPORT_DEFAULT = re.compile(r"^\s*export\s+default\b", re.MULTILINE)
_ARROW = re.compile(r"^\s*(async\s*)?(\([^()]*\)|[A-Za-z_$][\w$]*)\s*=>", re.DOTALL)
_FUNCTION = re.compile(r"^\s*(async\s+)?function\b\s*\*?\s*([A-Za-z_$][\w$]*)?\s*\(", re.DOTALL)


def normalize_code(text: str) -> str:
    """`text` as an ES module whose default export is an async function (the plan).

    - A markdown fence (```ts ... ```) around the code is removed.
    - A module that already has ``export default`` is kept as it is.
    - A lone arrow function or function expression (``async () => { ... }``,
      ``async function main() { ... }``) becomes the default export.
    - Anything else is taken as the body of an async function.

    Line numbers stay the model's own: nothing is added above its first line.
    """
    match = _FENCE.match(text)
    code = match.group(1) if match else text
    if _EXPORT_DEFAULT.search(code):
        return code
    stripped = code.strip().rstrip(";").rstrip()
    if (_ARROW.match(stripped) or _FUNCTION.match(stripped)) and _one_expression(stripped):
        return "export default " + code.lstrip()
    return "export default async function () { " + code + "\n}\n"


def check_unicode(text: str) -> None:
    """Raises CodeError if `text` cannot be encoded as UTF-8 (a lone surrogate, which is what
    json.loads makes of a model's ``"\\ud800"``): no sandbox could take it as code."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as e:
        raise CodeError(f"the plan is not valid Unicode: {e.reason} at character {e.start}") from None


def normalize_python(text: str) -> str:
    """`text` as the source of a Python plan: a markdown fence (```python ... ```) around it
    is removed; nothing else changes, so line numbers stay the model's own.

    The sandbox compiles it (with its own Python's grammar) in whichever form the model wrote:
    a script whose last expression statement is the result (as in a notebook cell), the body
    of a function (a top-level ``return``, ``await``: it then runs as ``async def``), or a
    module defining ``main()`` or ``async def main()``, which is called for the result (a
    trailing ``main()``, ``print(main())`` or ``asyncio.run(main())`` line is dropped; an
    ``if __name__ == "__main__":`` block does not run). Code that does not compile is
    reported as the plan's SyntaxError.
    """
    match = _FENCE.match(text)
    return match.group(1) if match else text


def _one_expression(code: str) -> bool:
    """Whether `code` (starting with a function) is that function alone, not a body that starts
    with one: the function's body ends the code."""
    arrow = _ARROW.match(code)
    if arrow:
        rest = len(code) - len(code[arrow.end() :].lstrip())
        if rest < len(code) and code[rest] in "({":
            return _closing(code, rest) == len(code) - 1
        return "\n" not in code  # an expression body: one line
    params = code.find("(")
    body = code.find("{", _closing(code, params))
    return body >= 0 and _closing(code, body) == len(code) - 1


def _closing(code: str, start: int) -> int:
    """Index of the bracket closing the one at `start` (string contents skipped), or -1."""
    depth, quote, i = 0, "", start
    while i < len(code):
        c = code[i]
        if quote:
            if c == "\\":
                i += 1
            elif c == quote:
                quote = ""
        elif c in "'\"`":
            quote = c
        elif c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return -1
