// The main module of a pooled Python isolate: restores Pyodide before any tenant is chosen, runs
// a throwaway worker's start and one call through the same paths a tenant's take (Pyodide
// compiles its JavaScript glue on first use), forgets it, and leaves Pyodide for the bridge
// (main.js) of the worker that later gets this isolate.
import native from "workerbox:python/native";
import { restore } from "workerbox:python/restore.js";

const runtime = await restore();
const prelude = runtime.py.pyimport("_workerbox");
const main = "_workerbox_warm.py";
const started = prelude.warm({ main, files: { [main]: "def ping(x):\n    return x\n" } });
if (!started.methods || started.methods[0] !== "ping") throw new Error("the warm-up found no method");
const answer = await prelude.call.callPromising(undefined, "ping", [1], {}, {});
if (answer.ok !== 1) throw new Error("the warm-up call failed");
prelude.forget();
prelude.destroy();
native.keep(runtime);
