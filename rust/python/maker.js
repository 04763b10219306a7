// Makes the baseline every Python sandbox restores: a full Pyodide boot, the prelude (which
// imports what every call uses), then Pyodide's memory snapshot. Runs before any tenant code.
import { bootFailed, unshim } from "workerbox:python/shim.js";
import { loadPyodide } from "workerbox:python/pyodide.mjs";
import createPyodideModule from "workerbox:python/pyodide.asm.mjs";
import lock from "workerbox:python/pyodide-lock.json";
import prelude from "workerbox:python/prelude.py";

export default {
  async make() {
    const py = await Promise.race([bootFailed, loadPyodide({
      indexURL: "./",
      lockFileContents: JSON.parse(lock),
      createPyodideModule,
      _makeSnapshot: true,
      stdout: (s) => console.log(s),
      stderr: (s) => console.error(s),
    })]);
    unshim();
    // Outside /app, so its frames never show in a guest's traceback.
    py.FS.mkdirTree("/workerbox");
    py.FS.writeFile("/workerbox/_workerbox.py", prelude);
    py.runPython("import sys; sys.path.insert(0, '/workerbox'); import _workerbox; sys.path.remove('/workerbox')");
    return py.makeMemorySnapshot();
  },
};
