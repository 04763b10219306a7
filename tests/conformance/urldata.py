"""WPT's URL test data, as the `url` crate ships it (tests/urltestdata.json and
setters_tests.json inside the crate the build already fetched), and a runner that checks every
case inside a sandbox."""

from __future__ import annotations

import json
import pathlib
import subprocess
from typing import Any

import workerbox as wb

ROOT = pathlib.Path(__file__).resolve().parents[2]


def url_crate_tests() -> pathlib.Path | None:
    """The `tests` folder of the url crate this build uses, or None when cargo cannot say."""
    try:
        out = subprocess.run(
            ["cargo", "metadata", "--offline", "--format-version", "1", "--manifest-path", str(ROOT / "Cargo.toml")],
            capture_output=True, text=True, timeout=120, check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    for package in json.loads(out)["packages"]:
        if package["name"] == "url":
            tests = pathlib.Path(package["manifest_path"]).parent / "tests"
            return tests if (tests / "urltestdata.json").exists() else None
    return None


RUNNER = r"""
const FIELDS = ['href', 'origin', 'protocol', 'username', 'password', 'host', 'hostname', 'port', 'pathname', 'search', 'hash']
export default {
  // One line per case that does not match, naming it.
  parsing(cases) {
    const failed = []
    for (const c of cases) {
      const name = `<${c.input}>` + (c.base === null ? '' : ` against <${c.base}>`)
      let url
      try { url = c.base === null ? new URL(c.input) : new URL(c.input, c.base) } catch (e) {
        if (!c.failure) failed.push(`${name}: threw ${e.name}: ${e.message}`)
        continue
      }
      if (c.failure) { failed.push(`${name}: parsed to ${url.href}, expected failure`); continue }
      for (const f of FIELDS) {
        if (f in c && url[f] !== c[f]) { failed.push(`${name}: ${f} is ${JSON.stringify(url[f])}, expected ${JSON.stringify(c[f])}`); break }
      }
      if (URL.canParse(c.input, c.base ?? undefined) !== true) failed.push(`${name}: canParse is false`)
    }
    return failed
  },
  setters(sections) {
    const failed = []
    for (const [setter, cases] of Object.entries(sections)) {
      if (setter === 'comment') continue
      for (const c of cases) {
        const url = new URL(c.href)
        try { url[setter] = c.new_value } catch (e) { failed.push(`<${c.href}> set ${setter} to <${c.new_value}>: threw ${e.name}`); continue }
        for (const [f, want] of Object.entries(c.expected)) {
          if (url[f] !== want) { failed.push(`<${c.href}> set ${setter} to <${c.new_value}>: ${f} is ${JSON.stringify(url[f])}, expected ${JSON.stringify(want)}`); break }
        }
      }
    }
    return failed
  },
}
"""


def run(loader: wb.Loader, tests: pathlib.Path) -> dict[str, Any]:
    """Every parsing and setter case run in one sandbox: counts and the cases that failed."""
    cases = [c for c in json.loads((tests / "urltestdata.json").read_text()) if isinstance(c, dict)]
    setters = json.loads((tests / "setters_tests.json").read_text())
    with loader.load(main_module="wpt.js", modules={"wpt.js": RUNNER}) as w:
        ep = w.get_entrypoint()
        parsing, setting = ep.parsing(cases), ep.setters(setters)
    total_setters = sum(len(v) for k, v in setters.items() if k != "comment")
    return {"parsing": (len(cases), parsing), "setters": (total_setters, setting)}
