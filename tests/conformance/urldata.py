"""WPT's URL and URLPattern test data, as the `url` and `urlpattern` crates ship it (inside the
crates the build already fetched), and runners that check every case inside a sandbox."""

from __future__ import annotations

import json
import pathlib
import subprocess
from typing import Any

import workerbox as wb

ROOT = pathlib.Path(__file__).resolve().parents[2]


def crate_file(crate: str, path: str) -> pathlib.Path | None:
    """`path` inside the source of `crate` as this build uses it, or None when cargo cannot say."""
    try:
        out = subprocess.run(
            ["cargo", "metadata", "--offline", "--format-version", "1", "--manifest-path", str(ROOT / "Cargo.toml")],
            capture_output=True, text=True, timeout=120, check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    for package in json.loads(out)["packages"]:
        if package["name"] == crate:
            found = pathlib.Path(package["manifest_path"]).parent / path
            return found if found.exists() else None
    return None


def url_crate_tests() -> pathlib.Path | None:
    """The `tests` folder of the url crate this build uses."""
    data = crate_file("url", "tests/urltestdata.json")
    return data.parent if data else None


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


PATTERN_RUNNER = r"""
const COMPONENTS = ['protocol', 'username', 'password', 'hostname', 'port', 'pathname', 'search', 'hash']
const show = (v) => JSON.stringify(v)
export default {
  // WPT's urlpattern.any.js checks, minus its derivation of components the entry does not list.
  run(entries) {
    const failed = []
    let ran = 0
    for (const entry of entries) {
      if (entry.skip) continue
      ran++
      const name = `${show(entry.pattern)} with ${show(entry.inputs ?? [])}`
      let pattern
      try { pattern = new URLPattern(...entry.pattern) } catch (e) {
        if (entry.expected_obj !== 'error' || e.name !== 'TypeError') failed.push(`${name}: constructor threw ${e.name}: ${e.message}`)
        continue
      }
      if (entry.expected_obj === 'error') { failed.push(`${name}: constructed, expected a TypeError`); continue }
      const wrong = COMPONENTS.find((c) => entry.expected_obj?.[c] !== undefined && pattern[c] !== entry.expected_obj[c])
      if (wrong) { failed.push(`${name}: ${wrong} is ${show(pattern[wrong])}, expected ${show(entry.expected_obj[wrong])}`); continue }
      let result, tested
      try { tested = pattern.test(...(entry.inputs ?? [])); result = pattern.exec(...(entry.inputs ?? [])) } catch (e) {
        if (entry.expected_match !== 'error' || e.name !== 'TypeError') failed.push(`${name}: exec threw ${e.name}: ${e.message}`)
        continue
      }
      if (entry.expected_match === 'error') { failed.push(`${name}: matched, expected a TypeError`); continue }
      if (tested !== !!entry.expected_match) { failed.push(`${name}: test() is ${tested}`); continue }
      if (!entry.expected_match) { if (result !== null) failed.push(`${name}: exec() is not null`); continue }
      for (const c of COMPONENTS) {
        const want = entry.expected_match[c]
        if (!want) continue
        const groups = {}
        for (const [k, v] of Object.entries(want.groups)) groups[k] = v === null ? undefined : v
        const got = result[c]
        const same = got.input === want.input && Object.keys(groups).length === Object.keys(got.groups).length &&
          Object.keys(groups).every((k) => got.groups[k] === groups[k])
        if (!same) { failed.push(`${name}: ${c} is ${show(got)}, expected ${show(want)}`); break }
      }
    }
    return [ran, failed]
  },
}
"""


def run_patterns(loader: wb.Loader, data: pathlib.Path) -> tuple[int, list[str]]:
    """Every URLPattern case of `data` run in one sandbox: how many ran and which failed."""
    with loader.load(main_module="wpt.js", modules={"wpt.js": PATTERN_RUNNER}) as w:
        ran, failed = w.get_entrypoint().run(json.loads(data.read_text()))
    return ran, failed
