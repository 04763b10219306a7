"""web-platform-tests' own testharness.js files, run inside the sandbox from a WPT checkout named
by `WPT_DIR` (issue 18). CI has no checkout, so without one every test skips.

One test per area: it prints passed/total subtests per file and asserts only that the harness
worked (files ran, subtests were collected, the process and loader are still usable), never a
pass rate: the point is measuring. `WPT_REPORT=<path>` (.json, otherwise markdown) also writes
the per-area counts there."""

import os
import pathlib

import pytest

from . import wpt

WPT_DIR = os.environ.get("WPT_DIR")
ROOT = pathlib.Path(WPT_DIR) if WPT_DIR else None
HARNESS = ROOT / "resources" / "testharness.js" if ROOT else None

pytestmark = pytest.mark.skipif(
    HARNESS is None or not HARNESS.is_file(),
    reason="set WPT_DIR to a web-platform-tests checkout (with resources/testharness.js) to run WPT",
)

SUMMARIES: dict[str, dict] = {}


@pytest.mark.parametrize("area", list(wpt.AREAS))
def test_wpt_area(loader, area):
    assert ROOT is not None
    files = wpt.discover(ROOT, area)
    if not files:
        pytest.skip(f"no *.any.js files for {area} under {ROOT}")
    results = [wpt.run_file(loader, ROOT, f) for f in files]
    summary = SUMMARIES[area] = wpt.summarize(area, results)
    for r in results:
        print(f"{r.path}: {r.passed}/{r.total}" + (f"  [{r.error}]" if r.error else ""))
    print(f"{area}: {summary['files']} files, {summary['errored']} errored, {summary['passed']}/{summary['total']} subtests passed")
    if os.environ.get("WPT_REPORT"):
        wpt.write_report(pathlib.Path(os.environ["WPT_REPORT"]), [SUMMARIES[a] for a in wpt.AREAS if a in SUMMARIES])

    # The harness worked: subtests were collected, and the loader still runs a fresh worker.
    assert summary["total"] > 0, [r.error for r in results]
    with loader.load(main_module="ok.js", modules={"ok.js": "export default { ok() { return 1; } };"}) as w:
        assert w.get_entrypoint().ok() == 1
