"""Build a worker from a project's files, as ``@cloudflare/worker-bundler``'s ``createWorker``
does, natively (rolldown and oxc in the extension; no Node).

``create_worker(files)`` returns a :class:`~workerbox.WorkerCode` ready for ``Loader.load`` or a
``Loader.get`` factory; ``build(files)`` returns a :class:`Build` with the code, warnings and
timings. ``files`` maps project paths (``"src/index.ts"``) to ``str`` or ``bytes``.

The entry point is ``entry_point`` if given, else a wrangler config's ``main``
(``wrangler.json``, ``wrangler.jsonc``, ``wrangler.toml``), else ``package.json`` ``module`` then
``main``, else ``src/index.{ts,js,mts,mjs,tsx,jsx}``, then ``index.*``. A wrangler config's
``compatibility_date`` and ``compatibility_flags`` are carried into the code.

``bundle=True`` makes one ES module (plus a module of its own for each ``.txt``/``.html``/``.sql``
text, ``.bin`` data and ``.wasm`` file it imports); ``bundle=False`` keeps each source file a
module, imports rewritten to the modules' names. TypeScript and JSX (``jsx="automatic"`` or
``"classic"``, ``jsx_import_source``) are compiled; CommonJS is wrapped; ``cloudflare:*``,
``node:*`` and Node's builtin names (as ``node:…``) and ``externals`` stay imports. ``target`` is
``"esYYYY"`` or ``"esnext"``; ``define`` replaces expressions (values are JavaScript source);
``loader`` maps an extension to ``js``, ``jsx``, ``ts``, ``tsx``, ``json``, ``text``, ``data`` or
``wasm``; ``conditions`` replaces the export conditions ``workerd``, ``worker`` (``browser``,
``import``/``require`` and ``default`` always apply); ``virtual_modules`` maps a specifier to the
source of a module that exists only in the build; ``sourcemap=True`` inlines source maps.
A computed ``import()`` (``import(`./pages/${name}.js`)``, ``"./pages/" + name + ".js"``) brings in
every project file its glob matches (as rollup's dynamic-import-vars plugin does; at most 1000,
10000 for the whole build, else a ``BuildError``), and at run time any other name rejects with a
``TypeError``; one with nothing static before its first expression is left as written (a line in
``Build.warnings``). A root ``tsconfig.json``'s ``paths`` and ``baseUrl`` resolve imports.

npm dependencies: ``package.json`` ``dependencies`` (registry semver ranges, dist-tags and
``npm:`` aliases only: ``file:``, ``link:``, git, URL and ``workspace:`` specs are refused) are
resolved and fetched natively, every tarball checked against the registry's sha512 ``integrity``
before it is unpacked into a content-addressed cache shared by processes (``cache_dir``, default
``$XDG_CACHE_HOME/workerbox/npm``); no install script ever runs. The registry is configured as
npm users configure it (``npm_config_registry``, ``~/.npmrc`` with scoped registries, tokens,
basic auth (``_auth``, or ``username`` with ``_password``), ``cafile`` or inline ``ca``, and
proxies; the project's own ``.npmrc`` is ignored, since the tenant wrote it), or
by ``registry=``; TLS trusts the operating system's certificate store. :attr:`Build.lock` is a
lockfile: pass it back as ``lock=`` to rebuild the same tree, and with ``offline=True`` to build
from the cache alone (a package it lacks is a :class:`BuildError` naming it). Installs are capped
(packages, bytes, time), each cap a :class:`BuildError` of kind ``"npm"``.

Every refusal is a :class:`BuildError` (a :class:`~workerbox.CodeError`): ``kind`` is
``"options"``, ``"project"``, ``"unresolved"``, ``"syntax"``, ``"build"`` or ``"npm"``, and ``file``,
``line``, ``column`` and ``specifier`` say where when known. No file outside ``files`` (and the
installed packages) is ever read.
"""

from __future__ import annotations

import asyncio
import functools
import os
from typing import TYPE_CHECKING, Any, Literal, Mapping, Optional, Sequence, TypedDict, Union

from ._workerbox import Build, BuildError, WorkerCode, bundler_build

if TYPE_CHECKING:
    from typing_extensions import Unpack

__all__ = ["Build", "BuildError", "BuildOptions", "build", "build_async", "create_worker", "create_worker_async"]

Files = Mapping[str, Union[str, bytes]]
Jsx = Literal["automatic", "classic"]


class BuildOptions(TypedDict, total=False):
    """The keyword arguments of :func:`build`, :func:`create_worker` and their async twins (see
    the module's documentation); each left out takes its default."""

    entry_point: Optional[str]
    bundle: bool  # default True
    externals: Sequence[str]
    target: str  # default "es2022"
    minify: bool
    sourcemap: bool
    registry: Optional[str]
    lock: Optional[str]
    offline: bool
    cache_dir: Optional[Union[str, "os.PathLike[str]"]]
    jsx: Jsx  # default "automatic"
    jsx_import_source: Optional[str]
    define: Optional[Mapping[str, str]]
    loader: Optional[Mapping[str, str]]
    conditions: Optional[Sequence[str]]
    virtual_modules: Optional[Mapping[str, str]]


def _native(options: Mapping[str, Any]) -> dict[str, Any]:
    """The options as the native builder takes them (which refuses names it does not know)."""
    out = dict(options)
    for name in ("externals", "conditions"):
        value = out.get(name)
        if isinstance(value, (str, bytes)):
            raise TypeError(f"{name} must be a sequence of str, not a single string")
        if value is not None:
            out[name] = list(value)
    for name in ("define", "loader", "virtual_modules"):
        if out.get(name) is not None:
            out[name] = dict(out[name])
    if out.get("cache_dir") is not None:
        out["cache_dir"] = os.fspath(out["cache_dir"])
    return out


def build(files: Files, **options: Unpack[BuildOptions]) -> Build:
    """Builds the project; see the module's documentation for each option."""
    return bundler_build(files, **_native(options))


def create_worker(files: Files, **options: Unpack[BuildOptions]) -> WorkerCode:
    """:func:`build`'s code: a :class:`~workerbox.WorkerCode` to load."""
    return build(files, **options).code


async def build_async(files: Files, **options: Unpack[BuildOptions]) -> Build:
    """:func:`build` on the event loop's default executor (the build releases the GIL)."""
    call = functools.partial(bundler_build, files, **_native(options))
    return await asyncio.get_running_loop().run_in_executor(None, call)


async def create_worker_async(files: Files, **options: Unpack[BuildOptions]) -> WorkerCode:
    """:func:`create_worker` on the event loop's default executor."""
    return (await build_async(files, **options)).code
