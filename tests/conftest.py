import os
import subprocess
import sys
import textwrap

import pytest
from hypothesis import HealthCheck, settings

import workerbox as wb

settings.register_profile("ci", max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=50, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))


PYODIDE_HINT = "workerbox-pyodide is not installed: bash .ci/pyodide (or pip install 'workerbox[python]')"


@pytest.fixture(scope="session")
def pyodide():
    """The companion package with Pyodide's files. Without it Python-guest tests skip with the
    install hint, except under CI, where they fail: CI builds and installs it (.ci/pyodide), so
    its absence there is a broken install, not a choice."""
    try:
        import workerbox_pyodide
    except ImportError:
        if os.environ.get("CI"):
            pytest.fail(f"CI must test Python guests, but {PYODIDE_HINT}")
        pytest.skip(PYODIDE_HINT)
    return workerbox_pyodide


@pytest.fixture(scope="session")
def loader():
    with wb.Loader(threads=2) as loader:
        yield loader


@pytest.fixture
def load(loader):
    """Loads a one-module worker from source and closes it after the test."""
    workers = []

    def _load(source, name="main.js", **extra_modules):
        w = loader.load(main_module=name, modules={name: source, **extra_modules})
        workers.append(w)
        return w

    yield _load
    for w in workers:
        w.close()


def run_isolated(code, timeout=60, env=None):
    """Runs `code` in a fresh interpreter, so a crash fails the test instead of killing pytest;
    `env` adds environment variables."""
    proc = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )
    return proc


BENIGN = {"ok.js": "export default { ping() { return 'pong' } }"}


@pytest.fixture
def check_alive(loader):
    """After a hostile case, the same loader still serves a benign worker."""
    yield
    with loader.load(main_module="ok.js", modules=BENIGN) as w:
        assert w.get_entrypoint().ping() == "pong"


def hostile(loader, source, *, limits=None, **env):
    """Loads the one-module worker `source` as h.js with `env` as its bindings."""
    return loader.load(main_module="h.js", modules={"h.js": source}, limits=limits, env=env or None)
