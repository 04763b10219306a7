"""The Dynamic Workers Playground, locally: ``workerbox playground`` serves one page where you write
a worker (JavaScript or TypeScript, several modules, npm dependencies in a ``package.json``), set
its limits and outbound allow-list, call a method or send it an HTTP request, and see the result,
its console output, CPU and wall time, and errors with their positions in your source.

The server listens on 127.0.0.1 only and answers only requests that name it as 127.0.0.1 or
localhost on its port; its API also wants the page's own ``Origin`` and the random token in the
URL it prints (see :mod:`workerbox.playground._app`). Each run loads a fresh worker and closes it
afterwards. Needs uvicorn (``pip install 'workerbox[serve]'``).
"""

from __future__ import annotations

import secrets
import socket
import sys
import threading
import time
import webbrowser
from typing import Any, Callable, Optional

from ._app import PlaygroundApp

__all__ = ["PlaygroundApp", "listen", "serve"]

HOST = "127.0.0.1"


def listen(port: int = 8788) -> socket.socket:
    """A socket bound to 127.0.0.1:``port`` (0: any free port) for :func:`serve`; ``OSError``
    when the port is taken."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((HOST, port))
    except OSError:
        sock.close()
        raise
    return sock


def serve(sock: socket.socket, *, open_browser: bool = True, announce: Optional[Callable[[str], None]] = None) -> None:
    """Serves the playground on ``sock`` (from :func:`listen`) until interrupted. ``announce``
    receives the page's URL, token included, once the server is up (default: print it);
    ``open_browser`` also opens it."""
    import uvicorn  # type: ignore[import-not-found, unused-ignore]

    port = sock.getsockname()[1]
    token = secrets.token_urlsafe(32)
    url = f"http://{HOST}:{port}/#token={token}"
    app = PlaygroundApp(token=token, port=port)
    # No access log: the log would be the one place a request's details are written down.
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on"))
    threading.Thread(target=_when_up, args=(server, url, announce or _print, open_browser), daemon=True).start()
    server.run(sockets=[sock])


def _when_up(server: Any, url: str, announce: Callable[[str], None], open_browser: bool) -> None:
    while not server.started:
        if server.should_exit:
            return
        time.sleep(0.02)
    announce(url)
    if open_browser:
        webbrowser.open(url)


def _print(url: str) -> None:
    print(f"workerbox playground: {url}", flush=True)
    print("(the token in this URL is what lets a page drive the playground: keep it to yourself)", file=sys.stderr, flush=True)
