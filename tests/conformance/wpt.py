"""Runs web-platform-tests' own testharness.js files inside workerbox workers.

Nothing from WPT lives in this repository: the files are read from a checkout named by the
`WPT_DIR` environment variable. Each test file runs in a fresh worker, as one sloppy-mode
CommonJS module (workerbox refuses `eval`, so the scripts cannot be evaluated one by one as a
browser would): a prelude standing in for what a WPT server page provides, testharness.js, a
collector registered through testharness's own callbacks, the file's `// META: script=`
includes, then the file itself. The worker's `run()` resolves when testharness reports
completion (or our own timeout fires) and returns every subtest's name, status and message.
"""

from __future__ import annotations

import json
import mimetypes
import pathlib
import re
import urllib.parse
from dataclasses import dataclass, field
from typing import Any, Optional

import workerbox as wb

# The fake origin the files are served from: `location` points here, and `fetch()` of a relative
# or same-origin URL (url/ loads its JSON data this way) is answered from the checkout.
ORIGIN = "http://wpt.test"

# Area name -> directories (or single files) under the WPT root, searched recursively.
AREAS: dict[str, list[str]] = {
    "url": ["url"],
    "encoding": ["encoding"],
    "compression": ["compression"],
    "streams": [
        "streams/readable-streams",
        "streams/readable-byte-streams",
        "streams/writable-streams",
        "streams/transform-streams",
        "streams/piping",
        "streams/queuing-strategies.any.js",
    ],
    "FileAPI/blob": ["FileAPI/blob"],
    "fetch/api": ["fetch/api/headers", "fetch/api/request", "fetch/api/response", "fetch/api/body"],
    "WebCryptoAPI": ["WebCryptoAPI"],
}

# testharness statuses (Test.statuses), by number.
STATUS = {0: "PASS", 1: "FAIL", 2: "TIMEOUT", 3: "NOTRUN", 4: "PRECONDITION_FAILED"}

LIMITS = wb.Limits(cpu_ms=20000, memory_mb=256, wall_ms=60000)
FILE_TIMEOUT_MS = 30000

META_SCRIPT = re.compile(r"^//\s*META:\s*script=(\S+)", re.M)


def wanted(path: pathlib.Path) -> bool:
    """Window-only files, IDL tests (idlharness needs WebIDL parsing and a DOM) and tentative
    files (usually older copies of a non-tentative twin) are left out."""
    name = path.name
    return name.endswith(".any.js") and not name.startswith("idlharness") and ".tentative." not in name


def discover(root: pathlib.Path, area: str) -> list[pathlib.Path]:
    files: list[pathlib.Path] = []
    for entry in AREAS[area]:
        p = root / entry
        if p.is_file():
            files.append(p)
        elif p.is_dir():
            files.extend(f for f in sorted(p.rglob("*.any.js")) if wanted(f))
    return files


def meta_scripts(root: pathlib.Path, test: pathlib.Path, source: str) -> list[pathlib.Path]:
    """`// META: script=` paths: absolute ones from the WPT root, others from the test's folder."""
    out = []
    for ref in META_SCRIPT.findall(source):
        ref = ref.split("?", 1)[0]
        out.append(root / ref.lstrip("/") if ref.startswith("/") else test.parent / ref)
    return out


# Runs before testharness.js. testharness picks its ShellTestEnvironment (no `document`, no
# WorkerGlobalScope): tests start on a microtask after the synchronous code, and it sets no
# timeouts of its own, so ours below bounds the file.
PRELUDE = r"""
var __wpt_url = new URL(__WPT_PATH__, __WPT_ORIGIN__);
if (!("location" in globalThis)) {
  // WPT pages have a location; tests read href/origin/pathname and fetch relative URLs.
  globalThis.location = {
    href: __wpt_url.href, origin: __wpt_url.origin, protocol: __wpt_url.protocol,
    host: __wpt_url.host, hostname: __wpt_url.hostname, port: __wpt_url.port,
    pathname: __wpt_url.pathname, search: "", hash: "", toString() { return this.href; },
  };
}
// wptserve's generated wrappers define GLOBAL; these files run as in a worker.
globalThis.GLOBAL = { isWindow: () => false, isWorker: () => true, isShadowRealm: () => false };
// A worker's fetch() needs absolute URLs; resolve relative ones against the test's URL.
if (typeof fetch === "function") {
  const __fetch = fetch;
  globalThis.fetch = function (input, init) {
    if (typeof input === "string") input = new URL(input, __wpt_url).href;
    return __fetch(input, init);
  };
}
"""

COLLECTOR = r"""
// Names and messages may hold lone surrogates (tests of UTF-16 handling), which cannot cross
// into Python: make them well-formed.
function __wpt_str(x) {
  if (x == null) return null;
  const s = String(x);
  return s.toWellFormed ? s.toWellFormed() : s.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, "\uFFFD");
}
var __wpt_results = [];
var __wpt_done;
var __wpt_finished = new Promise(resolve => { __wpt_done = resolve; });
add_result_callback(t => {
  __wpt_results.push({ name: __wpt_str(t.name), status: t.status, message: __wpt_str(t.message) });
});
add_completion_callback((tests, harness) => {
  __wpt_done({ status: harness.status, message: __wpt_str(harness.message) });
});
"""

# All parts share one block so `const`s of an include are visible to the test, while a throw at
# a file's top level still leaves the tests registered before it to run and report.
TEMPLATE = r"""
var __wpt_load_error = null;
try {
__WPT_PRELUDE__
__WPT_HARNESS__
__WPT_COLLECTOR__
__WPT_SCRIPTS__
} catch (e) {
  __wpt_load_error = __wpt_str(e && e.stack || e);
  try { done(); } catch (_) {}
}
module.exports = {
  async run() {
    // testharness never loaded: nothing will report completion.
    if (typeof __wpt_done !== "function") return { harness: { status: "NO_HARNESS", message: null }, load_error: __wpt_load_error, results: [] };
    const timeout = new Promise(r => setTimeout(() => r({ status: "HOST_TIMEOUT", message: null }), __WPT_TIMEOUT__));
    const harness = await Promise.race([__wpt_finished, timeout]);
    return { harness, load_error: __wpt_load_error, results: __wpt_results };
  },
};
"""


def build_source(root: pathlib.Path, test: pathlib.Path) -> str:
    source = test.read_text(encoding="utf-8")
    parts = []
    for script in meta_scripts(root, test, source) + [test]:
        text = script.read_text(encoding="utf-8") if script.exists() else f"throw new Error('missing META script {script.relative_to(root)}');"
        parts.append(f"// ---- {script.relative_to(root)}\n{text}\n;")
    rel = "/" + test.relative_to(root).as_posix()
    prelude = PRELUDE.replace("__WPT_PATH__", json.dumps(rel)).replace("__WPT_ORIGIN__", json.dumps(ORIGIN))
    out = TEMPLATE
    for key, value in [
        ("__WPT_TIMEOUT__", str(FILE_TIMEOUT_MS)),
        ("__WPT_PRELUDE__", prelude),
        ("__WPT_COLLECTOR__", COLLECTOR),
        ("__WPT_HARNESS__", (root / "resources" / "testharness.js").read_text(encoding="utf-8")),
        ("__WPT_SCRIPTS__", "\n".join(parts)),
    ]:
        out = out.replace(key, value, 1)
    return out


def serve(root: pathlib.Path):
    """`global_outbound` answering GETs for the fake origin from the checkout; anything else 404s."""
    base = root.resolve()

    def hook(request: wb.Request) -> wb.Response:
        url = urllib.parse.urlsplit(request.url)
        path = (base / urllib.parse.unquote(url.path).lstrip("/")).resolve()
        if f"{url.scheme}://{url.netloc}" != ORIGIN or not path.is_relative_to(base) or not path.is_file():
            return wb.Response(b"not found", status=404)
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return wb.Response(path.read_bytes(), headers={"content-type": kind})

    return hook


@dataclass
class FileResult:
    path: str
    passed: int = 0
    total: int = 0
    error: Optional[str] = None  # the worker failed or timed out, or the file threw at load
    failures: list[str] = field(default_factory=list)


def run_file(loader: wb.Loader, root: pathlib.Path, test: pathlib.Path) -> FileResult:
    result = FileResult(test.relative_to(root).as_posix())
    try:
        with loader.load(
            main_module="t.js",
            modules={"t.js": {"cjs": build_source(root, test)}},
            global_outbound=serve(root),
            limits=LIMITS,
        ) as worker:
            out: dict[str, Any] = worker.get_entrypoint().run()
    except Exception as e:  # a crash or limit ends this file only
        result.error = f"{type(e).__name__}: {e}"[:300]
        return result
    for r in out["results"]:
        result.total += 1
        if r["status"] == 0:
            result.passed += 1
        else:
            result.failures.append(f"{STATUS.get(r['status'], r['status'])} {r['name']}: {r['message']}"[:300])
    harness = out["harness"]
    if out["load_error"]:
        result.error = f"threw at load: {out['load_error']}"[:300]
    elif harness["status"] not in (0,):
        result.error = f"harness status {harness['status']}: {harness['message']}"[:300]
    return result


def summarize(area: str, files: list[FileResult]) -> dict[str, Any]:
    return {
        "area": area,
        "files": len(files),
        "errored": sum(1 for f in files if f.error),
        "passed": sum(f.passed for f in files),
        "total": sum(f.total for f in files),
        "per_file": [
            {"path": f.path, "passed": f.passed, "total": f.total, "error": f.error, "failures": f.failures[:20]}
            for f in files
        ],
    }


def write_report(path: pathlib.Path, summaries: list[dict[str, Any]]) -> None:
    """JSON for a `.json` path, otherwise a markdown table followed by per-file lines."""
    if path.suffix == ".json":
        path.write_text(json.dumps(summaries, indent=1))
        return
    lines = ["| area | files | errored | subtests passed | subtests total |", "| --- | --- | --- | --- | --- |"]
    lines += [f"| {s['area']} | {s['files']} | {s['errored']} | {s['passed']} | {s['total']} |" for s in summaries]
    for s in summaries:
        lines += ["", f"## {s['area']}"]
        lines += [
            f"- {f['path']}: {f['passed']}/{f['total']}" + (f" (error: {f['error']})" if f["error"] else "")
            for f in s["per_file"]
        ]
    path.write_text("\n".join(lines) + "\n")
