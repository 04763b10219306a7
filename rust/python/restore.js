// Restores Pyodide from the process's baseline. A Python worker's bridge (main.js) runs it at
// load, unless its isolate came from the pool of Python isolates (prime.js ran it there before
// any tenant was chosen). Nothing here decides a limit.
import { bootFailed, unshim } from "workerbox:python/shim.js";
import { loadPyodide } from "workerbox:python/pyodide.mjs";
import createPyodideModule from "workerbox:python/pyodide.asm.mjs";
import lock from "workerbox:python/pyodide-lock.json";
import native from "workerbox:python/native";

function refused() {
  throw new Error("PermissionError: package loading is disabled in workerbox");
}

// Pyodide gets the baseline's header only; its restore step then copies the heap image natively
// (ops/python.rs) instead of from a buffer of the whole image.
async function createRestoring(settings) {
  const module = await createPyodideModule(settings);
  const api = module.API;
  api.restoreSnapshot = function (header) {
    const restored = restoreFromHeader(header);
    native.restore(module.HEAP8.buffer);
    return restored;
  };
  return module;
}

// What Pyodide's own restore returns: the header's JSON (its JavaScript references).
function restoreFromHeader(header) {
  const words = new Uint32Array(header.buffer, header.byteOffset, 4);
  const json = header.subarray(48, 48 + words[2]);
  return JSON.parse(new TextDecoder().decode(json));
}

/**
 * `{py, broken}`: Pyodide restored, and a promise that rejects once Pyodide reports a broken
 * interpreter (API.fatal_error): a call suspended in it then never settles, so each call races
 * this.
 */
export async function restore() {
  const py = await Promise.race([bootFailed, loadPyodide({
    indexURL: "./",
    lockFileContents: JSON.parse(lock),
    createPyodideModule: createRestoring,
    _loadSnapshot: native.header(),
    stdout: (s) => console.log(s),
    stderr: (s) => console.error(s),
  })]);
  unshim();
  for (const name of ["loadPackage", "loadPackagesFromImports"]) {
    py[name] = refused;
    if (py._api) py._api[name] = refused;
  }
  let fatal;
  const broken = new Promise((_, reject) => {
    fatal = reject;
  });
  broken.catch(() => {});
  const api = py._api;
  const reportFatal = api.fatal_error;
  api.fatal_error = function (e) {
    fatal(e);
    return reportFatal.call(this, e);
  };
  return { py, broken };
}
