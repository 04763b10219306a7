// Makes pyodide.mjs boot inside a worker from modules instead of files. Evaluated before
// pyodide.mjs (whose top level reads these globals); the bridge removes the hooks after boot.
//
// - `WorkerGlobalScope` makes Emscripten draw entropy from crypto.getRandomValues; without it
//   Emscripten takes d8's path (`os.system`), and CPython's start reads garbage.
// - `read` and `load` put pyodide.mjs in shell mode (paths as given, binaries via `readbuffer`).
// - `readbuffer` hands over the stdlib, and a marker for the wasm: WebAssembly.instantiate
//   then uses the module the `wasm` module type already compiled (and charged to the worker's
//   memory limit) instead of compiling the bytes again.
import wasmModule from "workerbox:python/pyodide.asm.wasm";
import stdlib from "workerbox:python/python_stdlib.zip";

const WA = globalThis.WebAssembly;
const instantiate = WA.instantiate;
const WASM_MARK = new ArrayBuffer(8);

globalThis.WorkerGlobalScope = function WorkerGlobalScope() {};
globalThis.load = () => {
  throw new Error("load() is not available");
};
globalThis.read = (path) => {
  throw new Error(`read(${path}): not in the bundle`);
};
globalThis.readbuffer = (path) => {
  if (path.endsWith("python_stdlib.zip")) return stdlib;
  if (path.endsWith("pyodide.asm.wasm")) return WASM_MARK;
  throw new Error(`readbuffer(${path}): not in the bundle`);
};
let fail;
/** Rejects when Pyodide cannot instantiate its wasm (Emscripten logs that and never settles). */
export const bootFailed = new Promise((_, reject) => {
  fail = reject;
});
bootFailed.catch(() => {});
WA.instantiate = function (source, imports) {
  if (source && source.buffer === WASM_MARK) {
    const made = instantiate.call(WA, wasmModule, imports);
    made.catch(fail);
    return made.then((instance) => ({ instance, module: wasmModule }));
  }
  return instantiate.call(WA, source, imports);
};

/** Takes the boot hooks away again, so the guest finds only what a worker has. */
export function unshim() {
  delete globalThis.read;
  delete globalThis.readbuffer;
  delete globalThis.load;
  WA.instantiate = instantiate;
}
