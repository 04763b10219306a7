"""`workerbox playground`: its API as the page calls it (modules, TypeScript positions, console
lines, limits, HTTP requests, npm dependencies from a registry on 127.0.0.1), then the page itself
in a real headless Chromium driven by Selenium: code typed into the editor, run, the result and a
CPU-limit error read off the screen, and a screenshot kept in tests/artifacts/."""

import base64
import json
import pathlib
import shutil
import subprocess
import sys

import pytest
from playground_harness import Playground
from test_bundler_npm import Registry

ARTIFACTS = pathlib.Path(__file__).parent / "artifacts"

MAIN_TS = """import { greet } from "./greet.ts"
console.log("main evaluated")
export default {
  hello(name: string): string {
    console.warn("hello called with", name)
    return greet(name)
  },
  spin(): never { for (;;) {} },
  async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url)
    return new Response(`${request.method} ${url.pathname} ${await request.text()}`, { status: 201, headers: { "x-from": "worker" } })
  },
}
"""
GREET_TS = """export function greet(name: string): string {
  const why: string = "greet() needs a name"
  if (!name) throw new TypeError(why)
  return `Hello, ${name}!`
}
"""
FILES = {"main.ts": MAIN_TS, "greet.ts": GREET_TS}


@pytest.fixture(scope="module")
def registry():
    r = Registry()
    r.add("shout", "1.2.0", {"index.js": "export const shout = (s) => s.toUpperCase() + '!'"})
    yield r
    r.close()


@pytest.fixture(scope="module")
def playground(registry, tmp_path_factory):
    env = {"npm_config_registry": registry.url, "XDG_CACHE_HOME": str(tmp_path_factory.mktemp("cache"))}
    server = Playground(env)
    yield server
    server.stop()


def call(method, *args, files=FILES, **spec):
    return {"files": files, "main": "main.ts", "call": {"method": method, "args": list(args)}, **spec}


@pytest.mark.parametrize("path, content_type, marker", [
    ("/", "text/html", b"<textarea id=\"editor\""),
    ("/playground.js", "text/javascript", b"/api/run"),
    ("/playground.css", "text/css", b"#editor"),
])
def test_the_page_and_its_assets_ship_with_the_package(playground, path, content_type, marker):
    # Against an installed wheel (.ci/wheel) this is the check that the package data is in it.
    status, headers, body = playground.request("GET", path, None, {"Origin": None, "X-Playground-Token": None, "Content-Type": None})
    assert status == 200 and headers["content-type"].startswith(content_type) and marker in body


def test_a_typescript_worker_of_two_modules_answers_with_its_console_lines(playground):
    out = playground.run(call("hello", "ada"))
    assert out["ok"] and out["result"] == "Hello, ada!"
    assert out["logs"] == [{"level": "log", "message": "main evaluated"}, {"level": "warn", "message": "hello called with ada"}]
    assert out["cpu_ms"] > 0 and out["wall_ms"] >= 0 and out["load_ms"] > 0


def test_an_error_points_at_the_typescript_line(playground):
    out = playground.run(call("hello", ""))
    error = out["error"]
    assert not out["ok"] and (error["type"], error["name"], error["phase"]) == ("JSError", "TypeError", "call")
    assert error["positions"][0] == {"file": "greet.ts", "line": 3, "column": error["positions"][0]["column"]}
    assert "greet.ts:3:" in error["stack"] and any(p["file"] == "main.ts" and p["line"] == 6 for p in error["positions"])


def test_a_syntax_error_fails_the_load_with_its_position(playground):
    out = playground.run(call("hello", "x", files={**FILES, "greet.ts": "export const x: = 1\n"}))
    assert out["error"]["phase"] == "load" and out["error"]["name"] == "SyntaxError"
    assert out["error"]["positions"][0]["file"] == "greet.ts"


def test_the_cpu_limit_ends_a_spinning_call(playground):
    out = playground.run(call("spin", limits={"cpu_ms": 50}))
    assert out["error"]["type"] == "CpuLimitExceeded" and out["error"]["limit"] == 50
    assert out["cpu_ms"] >= 50


def test_the_memory_and_wall_limits_end_a_call(playground):
    hog = "export default { hog() { const a = []; for (;;) a.push(new Array(1e5).fill(a.length)) }, nap() { return new Promise((r) => setTimeout(r, 10000)) } }"
    files = {"main.js": hog}
    out = playground.run({"files": files, "main": "main.js", "limits": {"memory_mb": 16}, "call": {"method": "hog", "args": []}})
    assert out["error"]["type"] == "MemoryLimitExceeded"
    out = playground.run({"files": files, "main": "main.js", "limits": {"wall_ms": 100}, "call": {"method": "nap", "args": []}})
    assert out["error"]["type"] == "WallTimeExceeded"


def test_an_http_request_reaches_the_fetch_handler(playground):
    spec = {"files": FILES, "main": "main.ts", "fetch": {"method": "POST", "path": "/echo?x=1", "headers": [["x-a", "b"]], "body": "payload"}}
    response = playground.run(spec)["result"]
    assert (response["status"], response["body"], response["encoding"]) == (201, "POST /echo payload", "utf-8")
    assert ["x-from", "worker"] in response["headers"]


def test_fetch_is_off_until_the_allow_list_names_a_host(playground):
    src = "export default { async go() { try { await fetch('http://example.invalid/') } catch (e) { return e.name + ': ' + e.message } } }"
    out = playground.run({"files": {"main.js": src}, "main": "main.js", "call": {"method": "go", "args": []}})
    assert out["ok"] and out["result"].startswith("TypeError")
    bad = playground.run({"files": {"main.js": src}, "main": "main.js", "allow": ["not a host pattern/"], "call": {"method": "go", "args": []}})
    assert not bad["ok"] and bad["error"]["phase"] == "build"


def test_npm_dependencies_are_installed_and_bundled(playground):
    files = {
        "main.ts": "import { shout } from 'shout'\nexport default { hello(n: string): string { return shout(n) } }",
        "package.json": json.dumps({"dependencies": {"shout": "^1.0.0"}}),
    }
    out = playground.run(call("hello", "hey", files=files))
    assert out["ok"], out
    assert out["result"] == "HEY!" and out["build"]["bundled"] and "shout@1.2.0" in out["build"]["lock"]


def test_a_bundled_workers_errors_point_at_the_typescript_lines(playground):
    # The bundle is one JavaScript module; its source map takes the stack back to the files.
    files = {**FILES, "package.json": json.dumps({"dependencies": {"shout": "^1.0.0"}})}
    out = playground.run(call("hello", "", files=files))
    positions = [(p["file"], p["line"]) for p in out["error"]["positions"]]
    assert positions[:2] == [("greet.ts", 3), ("main.ts", 6)], out["error"]["stack"]
    assert "greet.ts:3:" in out["error"]["stack"] and "main.js" not in out["error"]["stack"]


def test_a_port_in_use_is_a_usage_error(playground):
    done = subprocess.run([sys.executable, "-m", "workerbox", "playground", "--port", str(playground.port), "--no-open"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and f"cannot listen on 127.0.0.1:{playground.port}" in done.stderr


@pytest.mark.parametrize("sourcemap", [
    "!!!",
    base64.b64encode(b"not json").decode(),
    base64.b64encode(json.dumps({"sources": ["a.ts"], "mappings": "////"}).encode()).decode(),
    base64.b64encode(json.dumps({"sources": [], "mappings": "AAAA"}).encode()).decode(),
    base64.b64encode(json.dumps({"sources": "a.ts", "mappings": 3}).encode()).decode(),
])
def test_a_broken_source_map_leaves_the_stack_as_it_was(sourcemap):
    from workerbox.playground._sourcemap import SourceMaps

    maps = SourceMaps({"main.js": {"js": "f()\n//# sourceMappingURL=data:application/json;base64," + sourcemap}}, ["a.ts"])
    assert maps.rewrite("Error: x\n    at f (main.js:1:1)") == "Error: x\n    at f (main.js:1:1)"


# ---- the page, in a real browser ----------------------------------------------------------------


@pytest.fixture(scope="module")
def browser(playground):
    webdriver = pytest.importorskip("selenium.webdriver", reason="the browser test needs selenium (the [test] extra)")
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver_path = shutil.which("chromedriver")
    if chromium is None or driver_path is None:
        pytest.skip("the browser test needs Chromium and its driver: apt-get install -y chromium chromium-driver")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1400,1000"):
        options.add_argument(arg)
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=driver_path))
    driver.get(playground.url)
    yield driver
    driver.quit()


def type_into(driver, element_id, text):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    element = driver.find_element(By.ID, element_id)
    element.send_keys(Keys.CONTROL, "a")
    element.send_keys(Keys.DELETE)
    element.send_keys(text)


def run_and_wait(driver):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver.find_element(By.ID, "run").click()
    WebDriverWait(driver, 30).until(lambda d: d.find_element(By.ID, "run").is_enabled() and d.find_element(By.ID, "stats").text not in ("", "running…"))
    return {name: driver.find_element(By.ID, name).text for name in ("stats", "result", "error", "logs")}


def test_the_page_runs_typed_code_and_shows_a_cpu_limit_error(browser):
    type_into(browser, "editor", "export default {\nadd(a: number, b: number): number {\nconsole.log('adding', a, b)\nreturn a + b\n},\nspin(): void { for (;;) {} },\n}\n")
    type_into(browser, "method", "add")
    type_into(browser, "args", "[20, 22]")
    shown = run_and_wait(browser)
    assert shown["stats"].startswith("ok") and "cpu" in shown["stats"]
    assert shown["result"] == "42" and "adding 20 22" in shown["logs"]

    type_into(browser, "cpu-ms", "40")
    type_into(browser, "method", "spin")
    type_into(browser, "args", "[]")
    shown = run_and_wait(browser)
    assert shown["stats"].startswith("CpuLimitExceeded")
    assert "CPU time limit of 40 ms exceeded" in shown["error"]
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "playground-cpu-limit.png"
    assert browser.save_screenshot(str(shot))
    print(f"screenshot: {shot}")


def test_the_page_links_an_error_to_its_typescript_line(browser):
    from selenium.webdriver.common.by import By

    type_into(browser, "editor", "export default {\nfail(): never {\nthrow new RangeError('typed failure')\n},\n}\n")
    type_into(browser, "method", "fail")
    shown = run_and_wait(browser)
    assert "RangeError: typed failure" in shown["error"]
    link = browser.find_element(By.CSS_SELECTOR, "#error a.position")
    assert link.text.startswith("main.ts:3:")
    link.click()
    selected = browser.execute_script("const e = document.getElementById('editor'); return e.value.slice(e.selectionStart, e.selectionEnd)")
    assert "RangeError" in selected


def test_the_page_sends_an_http_request(browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    type_into(browser, "editor", "export default {\nfetch(r: Request): Response {\nreturn new Response('via ' + r.method, { status: 202 })\n},\n}\n")
    browser.find_element(By.ID, "mode-fetch").click()
    Select(browser.find_element(By.ID, "http-method")).select_by_visible_text("DELETE")
    shown = run_and_wait(browser)
    assert shown["result"].startswith("HTTP 202") and shown["result"].endswith("via DELETE")


def test_a_workers_output_is_shown_as_text_never_as_markup(browser):
    # The page shows what the sandbox says (console lines, results, error messages, stacks): if any
    # of it became markup, a worker could script the page that holds the token.
    from selenium.webdriver.common.by import By

    payload = '<img src=x id=injected onerror="document.title=`owned`">'
    browser.find_element(By.ID, "mode-call").click()
    type_into(browser, "editor", f"export default {{\nrun(): string {{\nconsole.log('{payload}')\nthrow new Error('{payload}')\n}},\n}}\n")
    type_into(browser, "method", "run")
    shown = run_and_wait(browser)
    assert payload in shown["logs"] and payload in shown["error"]
    assert browser.find_elements(By.ID, "injected") == [] and browser.title != "owned"
