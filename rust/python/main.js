// The main module of every Python worker: restores Pyodide from the process's baseline, hands
// the tenant's files to the prelude (`_workerbox.start`), and exports each Python function it
// lists as a method. Everything here runs before the tenant's Python; what the guest can reach
// afterwards (this module's objects through `js`) is its own sandbox's, and no limit is
// decided here.
import { bootFailed, unshim } from "workerbox:python/shim.js";
import { loadPyodide } from "workerbox:python/pyodide.mjs";
import createPyodideModule from "workerbox:python/pyodide.asm.mjs";
import lock from "workerbox:python/pyodide-lock.json";
import baseline from "workerbox:python/baseline";
import app from "workerbox:python/app";

class PythonError extends Error {
  get name() {
    return "PythonError";
  }
}

function refused() {
  throw new Error("PermissionError: package loading is disabled in workerbox");
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const py = await Promise.race([bootFailed, loadPyodide({
  indexURL: "./",
  lockFileContents: JSON.parse(lock),
  createPyodideModule,
  _loadSnapshot: new Uint8Array(baseline),
  stdout: (s) => console.log(s),
  stderr: (s) => console.error(s),
})]);
unshim();
for (const name of ["loadPackage", "loadPackagesFromImports"]) {
  py[name] = refused;
  if (py._api) py._api[name] = refused;
}

const prelude = py.pyimport("_workerbox");
const started = prelude.start(app, sleep);

function raise(error) {
  const e = new PythonError(`${error.type}: ${error.message}`);
  e.stack = `PythonError: ${error.type}: ${error.message}\n${error.traceback}`;
  throw e;
}

if (started.error) raise(started.error);
const call = prelude.call;
const entry = {};
for (const name of started.methods) {
  entry[name] = async function (...args) {
    const ctx = args.pop();
    const env = args.pop();
    const result = await call.callPromising(name, args, env, ctx);
    if (result.error) raise(result.error);
    return result.ok;
  };
}
export default entry;
