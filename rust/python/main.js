// The main module of every Python worker: takes Pyodide restored from the process's
// baseline, hands the tenant's files to the prelude (`_workerbox.start`), and exports each
// Python function it lists as a method. Everything here runs before the tenant's Python; what
// the guest can reach afterwards (this module's objects through `js`) is its own sandbox's, and
// no limit is decided here.
import native from "workerbox:python/native";
import app from "workerbox:python/app";

class PythonError extends Error {
  get name() {
    return "PythonError";
  }
}

// Pyodide cannot run again after this (its fatal error, exit, abort); the engine closes the
// worker when it sees the name.
class PythonFatalError extends Error {
  get name() {
    return "PythonFatalError";
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// A pooled isolate restored Pyodide already (prime.js); any other restores it now.
const { py, broken } =
  native.take() ?? (await (await import("workerbox:python/restore.js")).restore());

// Taken before the tenant's Python runs: what it does to its globals later changes nothing here.
const { Response, Uint8Array } = globalThis;

const prelude = py.pyimport("_workerbox");
const started = prelude.start(app, sleep);

function raise(error) {
  const e = new PythonError(`${error.type}: ${error.message}`);
  e.stack = `PythonError: ${error.type}: ${error.message}\n${error.traceback}`;
  throw e;
}

if (started.error) raise(started.error);
const call = prelude.call;

const fetchHandler = prelude.fetch;

// Calls into Python: a method by `call`, or a request by `fetchHandler`. Each answer is
// `{ok}` or `{error}`; what escapes broke the interpreter.
async function enter(fn, args) {
  let result;
  try {
    result = await Promise.race([broken, fn.callPromising(...args)]);
  } catch (e) {
    throw new PythonFatalError(String(e && e.message ? e.message : e));
  }
  if (result.error) raise(result.error);
  return result.ok;
}

// One entrypoint's methods: each calls into Python with `(...args, env, ctx)` as Workers hands
// an object export's methods. A fetch handler (`on_fetch` at the top, `fetch` on a class) is
// the export's `fetch`, given the request as plain data and answering with a Response.
function methods(names, entrypoint) {
  const object = {};
  for (const name of names) {
    if (name === "fetch" || name === "on_fetch") continue;
    object[name] = async function (...args) {
      const ctx = args.pop();
      const env = args.pop();
      return await enter(call, [entrypoint, name, args, env, ctx]);
    };
  }
  if (names.includes("fetch") || (entrypoint === undefined && names.includes("on_fetch"))) {
    object.fetch = async function (request, env, ctx) {
      // undefined, not null, for no body: it reaches Python as None.
      const body = request.body === null ? undefined : new Uint8Array(await request.arrayBuffer());
      const headers = [];
      request.headers.forEach((value, key) => {
        headers[headers.length] = [key, value];
      });
      const wire = { url: request.url, method: request.method, headers, body };
      const answer = await enter(fetchHandler, [entrypoint, wire, env, ctx]);
      return new Response(answer.body, { status: answer.status, headers: answer.headers });
    };
  }
  return object;
}

/** The WorkerEntrypoint classes by name (`get_entrypoint("Name")`; see isolate/entry.rs). */
export const entrypoints = Object.create(null);
for (const [name, names] of Object.entries(started.classes)) entrypoints[name] = methods(names, name);
export default methods(started.methods, undefined);
