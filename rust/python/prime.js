// The main module of a pooled Python isolate: restores Pyodide before any tenant is chosen and
// leaves it for the bridge (main.js) of the worker that later gets this isolate.
import native from "workerbox:python/native";
import { restore } from "workerbox:python/restore.js";

native.keep(await restore());
