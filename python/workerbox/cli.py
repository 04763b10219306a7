"""The ``workerbox`` command: run a worker's method, serve its fetch handler, or check that it
loads.

    workerbox run FILE|DIR [--entrypoint NAME] [--method NAME] [--args JSON] [limits] [--allow HOST]
    workerbox serve FILE|DIR [--host H] [--port P] [--workers N] [--reload] [--assets DIR] [limits] [--allow HOST]
    workerbox check FILE|DIR
    workerbox playground [--port P] [--no-open]

A FILE is one module (``.js``/``.mjs`` ES, ``.ts``/``.mts`` TypeScript, ``.cjs`` CommonJS); a DIR
is a project built with :mod:`workerbox.bundler` (its ``package.json`` dependencies included).
Exit codes: 0 success, 1 the worker failed (a JavaScript error, a limit), 2 bad usage or code that
does not load.

``serve`` answers from static assets before the worker (:class:`workerbox.asgi.Assets`): those of
``--assets DIR``, or of the project's wrangler config (``assets.directory``, ``html_handling``,
``not_found_handling``, ``run_worker_first``); ``--html-handling`` and ``--not-found-handling``
override the config. A project whose config has assets but no ``main`` serves its assets alone.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import pathlib
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Optional

from . import _workerbox as wb
from ._assets.routing import HTML_HANDLING, NOT_FOUND_HANDLING
from ._assets.wrangler import WranglerAssets, read_assets

if TYPE_CHECKING:
    from .asgi import Assets

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
_MODULE_SUFFIXES = {".js", ".mjs", ".ts", ".mts", ".cjs"}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="workerbox", description="Run untrusted JavaScript and TypeScript in V8 sandboxes.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("path", metavar="FILE|DIR", help="a module file, or a project directory to bundle")
        p.add_argument("--memory-mb", type=int, help="the worker's heap and buffer limit (MiB)")
        p.add_argument("--cpu-ms", type=float, help="CPU time per call (ms)")
        p.add_argument("--wall-ms", type=float, help="wall-clock time per call (ms)")
        p.add_argument("--allow", action="append", default=[], metavar="HOST", help="let fetch() reach HOST (repeatable)")
        p.add_argument("--allow-private-networks", action="store_true", help="let allowed hosts resolve to private addresses")
        p.add_argument("--flag", action="append", default=[], metavar="FLAG", help="a compatibility flag, e.g. nodejs_compat")

    run = commands.add_parser("run", help="call a method of the worker and print its result as JSON")
    common(run)
    run.add_argument("--entrypoint", help="the export to call (default: the default export)")
    run.add_argument("--method", default="run", help="the method to call (default: run)")
    run.add_argument("--args", default="[]", metavar="JSON", help="the arguments, a JSON array (default: [])")

    serve = commands.add_parser("serve", help="serve the worker's fetch handler over HTTP (needs uvicorn)")
    common(serve)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8787)
    serve.add_argument("--workers", type=int, default=1, help="server processes")
    serve.add_argument("--reload", action="store_true", help="restart when the code changes")
    serve.add_argument("--log-level", default="info", choices=("critical", "error", "warning", "info", "debug"), help="the server's log level (default: info)")
    serve.add_argument("--no-access-log", action="store_true", help="do not log each request")
    serve.add_argument("--assets", metavar="DIR", help="static assets answered before the worker (default: the wrangler config's)")
    serve.add_argument("--html-handling", choices=HTML_HANDLING, help="how HTML pages' URLs are canonicalised (default: auto-trailing-slash)")
    serve.add_argument("--not-found-handling", choices=NOT_FOUND_HANDLING, help="what answers a path no asset matches (default: none, the worker)")

    check = commands.add_parser("check", help="load the worker without calling it (type-strips TS, resolves imports)")
    common(check)

    playground = commands.add_parser("playground", help="a local web page to write, run and debug workers (needs uvicorn)")
    playground.add_argument("--port", type=int, default=8788, help="port on 127.0.0.1, the only address it listens on (0: any free port)")
    playground.add_argument("--no-open", action="store_true", help="print the URL without opening a browser")
    return parser


class _Usage(Exception):
    """Bad arguments or code that does not load: exit code 2."""


def _code(args: argparse.Namespace) -> wb.WorkerCode:
    path = pathlib.Path(args.path)
    limits = wb.Limits(memory_mb=args.memory_mb, cpu_ms=args.cpu_ms, wall_ms=args.wall_ms)
    outbound: Any = None
    if args.allow:
        outbound = wb.HttpOutbound(args.allow, allow_private_networks=args.allow_private_networks)
    flags: list[str] = list(args.flag)
    if path.is_dir():
        from . import bundler

        # Assets are served, not bundled: they are not read into the build (a config that does
        # not parse is the bundler's to report).
        try:
            assets = read_assets(path)
        except (OSError, ValueError):
            assets = None
        skip = assets.directory if assets is not None and assets.directory != path.resolve() else None
        files = {p.relative_to(path).as_posix(): p.read_bytes() for p in sorted(path.rglob("*")) if _project_file(p, path, skip)}
        built = bundler.create_worker(files)
        flags = sorted(set(flags) | set(built.compatibility_flags))
        return wb.WorkerCode(
            main_module=built.main_module,
            modules=built.modules,
            limits=limits,
            global_outbound=outbound,
            compatibility_date=built.compatibility_date,
            compatibility_flags=flags,
        )
    if path.suffix not in _MODULE_SUFFIXES:
        raise _Usage(f"{path}: a module must end in {', '.join(sorted(_MODULE_SUFFIXES))} (or give a directory)")
    try:
        source = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise _Usage(f"{path}: {e}") from e
    return wb.WorkerCode(
        main_module=path.name, modules={path.name: source}, limits=limits, global_outbound=outbound, compatibility_flags=flags
    )


def _project_file(p: pathlib.Path, root: pathlib.Path, skip: Optional[pathlib.Path]) -> bool:
    parts = p.relative_to(root).parts
    if skip is not None and (p.resolve() == skip or skip in p.resolve().parents):
        return False
    return p.is_file() and not any(part in ("node_modules", ".git") for part in parts)


def _wrangler_assets(project: pathlib.Path) -> Optional[WranglerAssets]:
    try:
        return read_assets(project)
    except (OSError, ValueError) as e:
        raise _Usage(str(e)) from e


def _assets(args: argparse.Namespace) -> tuple[Optional[Assets], bool]:
    """The :class:`~workerbox.asgi.Assets` to serve, or None; and whether a worker serves too."""
    from .asgi import Assets

    path = pathlib.Path(args.path)
    configured = _wrangler_assets(path) if path.is_dir() else None
    directory = args.assets or (configured.directory if configured is not None else None)
    if directory is None:
        return None, True
    options = dict(configured.options) if configured is not None and not args.assets else {}
    if args.html_handling:
        options["html_handling"] = args.html_handling
    if args.not_found_handling:
        options["not_found_handling"] = args.not_found_handling
    try:
        assets = Assets(directory, **options)
    except (TypeError, ValueError) as e:
        raise _Usage(f"assets: {e}") from e
    return assets, configured is None or configured.has_main


def _color(text: str, code: str, stream: Any) -> str:
    return f"\x1b[{code}m{text}\x1b[0m" if stream.isatty() and not os.environ.get("NO_COLOR") else text


def _error(message: str) -> None:
    print(_color("error:", "1;31", sys.stderr), message, file=sys.stderr)


def _run(args: argparse.Namespace) -> int:
    try:
        call_args = json.loads(args.args)
    except json.JSONDecodeError as e:
        raise _Usage(f"--args is not JSON: {e}") from e
    if not isinstance(call_args, list):
        raise _Usage("--args must be a JSON array")
    with wb.Loader() as loader:
        worker = _load(loader, _code(args))
        try:
            result = getattr(worker.get_entrypoint(args.entrypoint), args.method)(*call_args)
        except wb.JSError as e:
            _error(e.stack or f"{e.name}: {e.message}")
            return EXIT_FAILED
        except wb.WorkerError as e:
            _error(f"{type(e).__name__}: {e}")
            return EXIT_FAILED
    print(json.dumps(result, default=_jsonable, ensure_ascii=False, indent=2))
    return EXIT_OK


def _load(loader: wb.Loader, code: wb.WorkerCode) -> wb.Worker:
    try:
        return loader.load(code)
    except wb.CodeError as e:
        raise _Usage(str(e)) from e
    except wb.JSError as e:
        raise _Usage(e.stack or f"{e.name}: {e.message}") from e


def _jsonable(value: Any) -> Any:
    if isinstance(value, (bytes, bytearray)):
        return value.hex()
    return repr(value)


def _check(args: argparse.Namespace) -> int:
    with wb.Loader() as loader:
        _load(loader, _code(args)).close()
    print(_color("ok", "32", sys.stdout), args.path)
    return EXIT_OK


def _serve(args: argparse.Namespace) -> int:
    try:
        import uvicorn  # type: ignore[import-not-found, unused-ignore]
    except ImportError as e:
        raise _Usage("serve needs uvicorn: pip install 'workerbox[serve]'") from e
    if args.reload and importlib.util.find_spec("watchfiles") is None:
        # uvicorn's fallback reloader watches Python files only, never the worker's.
        raise _Usage("--reload needs watchfiles: pip install 'workerbox[serve]'")
    if _assets(args)[1]:
        _check_loads(args)
    os.environ["WORKERBOX_SERVE_ARGS"] = json.dumps(vars(args))
    uvicorn.run(
        "workerbox.cli:_served_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        reload=args.reload,
        reload_dirs=[str(_watched(args.path))] if args.reload else None,
        # uvicorn watches only Python files unless told.
        reload_includes=list(RELOAD_INCLUDES) if args.reload else None,
        log_level=args.log_level,
        access_log=not args.no_access_log,
    )
    return EXIT_OK


#: What `serve --reload` watches: a worker's sources, its config and its assets.
RELOAD_INCLUDES = ("*.js", "*.mjs", "*.cjs", "*.ts", "*.mts", "*.tsx", "*.jsx", "*.json", "*.jsonc", "*.toml",
                   "*.wasm", "*.txt", "*.html", "*.css", ".assetsignore")


def _watched(path: str) -> pathlib.Path:
    """The directory `--reload` watches: the project directory, or the module file's."""
    resolved = pathlib.Path(path).resolve()
    return resolved if resolved.is_dir() else resolved.parent


def _check_loads(args: argparse.Namespace) -> None:
    """Fails before the server starts if the code does not load."""
    with wb.Loader() as loader:
        _load(loader, _code(args)).close()


def _served_app() -> Any:
    """The app each server process builds (uvicorn imports it by name, so workers and reloads
    each load the worker afresh)."""
    from .asgi import App

    args = argparse.Namespace(**json.loads(os.environ["WORKERBOX_SERVE_ARGS"]))
    assets, has_worker = _assets(args)
    if not has_worker:
        return App(assets=assets)
    code = _code(args)
    # Async: an awaited warm call costs what a sync one does, without an executor thread per
    # request. The loader's threads end with the server: it is closed when the lifespan ends.
    return App(wb.AsyncLoader(), route=lambda scope: ("main", lambda: code), close_on_shutdown=True, assets=assets)


def _playground(args: argparse.Namespace) -> int:
    try:
        import uvicorn  # type: ignore[import-not-found, unused-ignore]  # noqa: F401
    except ImportError as e:
        raise _Usage("playground needs uvicorn: pip install 'workerbox[serve]'") from e
    from . import playground

    try:
        sock = playground.listen(args.port)
    except OSError as e:
        raise _Usage(f"cannot listen on 127.0.0.1:{args.port}: {e.strerror or e}") from e
    playground.serve(sock, open_browser=not args.no_open)
    return EXIT_OK


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return {"run": _run, "serve": _serve, "check": _check, "playground": _playground}[args.command](args)
    except _Usage as e:
        _error(str(e))
        return EXIT_USAGE
    except wb.CodeError as e:
        _error(str(e))
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
