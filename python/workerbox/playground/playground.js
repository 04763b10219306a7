// The playground page: edits a worker's modules, sends one run to POST /api/run, shows the outcome.
// No framework and no build step; state lives in localStorage so a reload keeps your work.
"use strict";

const STORE = "workerbox-playground";
const TOKEN = new URLSearchParams(location.hash.slice(1)).get("token") || "";

const SAMPLE = {
  files: {
    "main.ts": `import { greet } from "./greet.ts"

export default {
  // "call a method": method hello, args ["world"]
  hello(name: string): string {
    console.log("hello called with", name)
    return greet(name)
  },

  // "send an HTTP request": GET /hello?name=world
  async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url)
    console.info(request.method, url.pathname)
    return Response.json({ greeting: greet(url.searchParams.get("name") ?? "you") })
  },
}
`,
    "greet.ts": `export function greet(name: string): string {
  if (!name) throw new TypeError("greet() needs a name")
  return \`Hello, \${name}!\`
}
`,
  },
  main: "main.ts",
  active: "main.ts",
  packageJson: "",
};

const $ = (id) => document.getElementById(id);
let state = load();

function load() {
  try {
    const saved = JSON.parse(localStorage.getItem(STORE) || "null");
    if (saved && saved.files && Object.keys(saved.files).length) return saved;
  } catch (_) { /* a broken save starts from the sample */ }
  return structuredClone(SAMPLE);
}

function save() {
  try { localStorage.setItem(STORE, JSON.stringify(state)); } catch (_) { /* private mode: no persistence */ }
}

function renderFiles() {
  const nav = $("files");
  nav.replaceChildren();
  for (const name of Object.keys(state.files)) {
    const tab = document.createElement("button");
    tab.type = "button";
    tab.textContent = name;
    tab.dataset.file = name;
    tab.className = (name === state.active ? "active " : "") + (name === state.main ? "main" : "");
    tab.addEventListener("click", () => { state.active = name; renderFiles(); save(); });
    nav.append(tab);
  }
  $("editor").value = state.files[state.active] ?? "";
  $("is-main").checked = state.active === state.main;
}

function validName(name) {
  return /^[\w./@-]+\.(m?ts|[mc]?js)$/.test(name) && !name.split("/").includes("..");
}

function addFile() {
  const name = prompt("Module name (e.g. util.ts, lib/math.js):");
  if (!name) return;
  if (!validName(name) || name in state.files) return alert("A new name ending in .ts, .mts, .js, .mjs or .cjs");
  state.files[name] = "";
  state.active = name;
  renderFiles(); save();
}

function renameFile() {
  const old = state.active;
  const name = prompt("Rename to:", old);
  if (!name || name === old) return;
  if (!validName(name) || name in state.files) return alert("A new name ending in .ts, .mts, .js, .mjs or .cjs");
  const files = {};
  for (const [k, v] of Object.entries(state.files)) files[k === old ? name : k] = v;
  state.files = files;
  if (state.main === old) state.main = name;
  state.active = name;
  renderFiles(); save();
}

function deleteFile() {
  if (Object.keys(state.files).length === 1) return alert("A worker needs at least one module");
  if (!confirm(`Delete ${state.active}?`)) return;
  delete state.files[state.active];
  state.active = Object.keys(state.files)[0];
  if (!(state.main in state.files)) state.main = state.active;
  renderFiles(); save();
}

function number(id) {
  const v = $(id).value.trim();
  return v === "" ? null : Number(v);
}

function lines(text) {
  return text.split("\n").map((l) => l.trim()).filter(Boolean);
}

function buildRun() {
  const files = { ...state.files };
  const pkg = $("package-json").value;
  if (pkg.trim()) files["package.json"] = pkg;
  const run = {
    files,
    main: state.main,
    limits: { cpu_ms: number("cpu-ms"), memory_mb: number("memory-mb"), wall_ms: number("wall-ms") },
    allow: lines($("allow").value),
    compatibility_flags: $("nodejs-compat").checked ? ["nodejs_compat"] : [],
  };
  if ($("mode-call").checked) {
    let args;
    try { args = JSON.parse($("args").value || "[]"); } catch (e) { throw new Error(`args are not JSON: ${e.message}`); }
    if (!Array.isArray(args)) throw new Error("args must be a JSON array");
    run.call = { entrypoint: $("entrypoint").value.trim() || null, method: $("method").value.trim(), args };
  } else {
    const headers = lines($("http-headers").value).map((l) => {
      const at = l.indexOf(":");
      return at < 0 ? [l, ""] : [l.slice(0, at).trim(), l.slice(at + 1).trim()];
    });
    const method = $("http-method").value;
    const body = $("http-body").value;
    run.fetch = { method, path: $("http-path").value || "/", headers, body: body && !["GET", "HEAD"].includes(method) ? body : null };
  }
  return run;
}

async function runWorker() {
  const button = $("run");
  button.disabled = true;
  clearOutput();
  $("stats").textContent = "running…";
  try {
    const run = buildRun();
    const answer = await fetch("/api/run", {
      method: "POST",
      headers: { "content-type": "application/json", "x-playground-token": TOKEN },
      body: JSON.stringify(run),
    });
    const outcome = await answer.json();
    if (!answer.ok) throw new Error(outcome.error || `HTTP ${answer.status}`);
    show(outcome, run.fetch ? "fetch" : "call");
  } catch (e) {
    $("stats").replaceChildren(span("bad", "failed"));
    showError({ type: "Playground", message: e.message });
  } finally {
    button.disabled = false;
  }
}

function clearOutput() {
  for (const id of ["stats", "result", "error", "logs"]) $(id).replaceChildren();
}

function span(cls, text) {
  const s = document.createElement("span");
  s.className = cls;
  s.textContent = text;
  return s;
}

function ms(v) {
  return v == null ? "–" : `${v.toFixed(2)} ms`;
}

function show(outcome, kind) {
  const stats = [span(outcome.ok ? "ok" : "bad", outcome.ok ? "ok" : outcome.error.type)];
  stats.push(` · cpu ${ms(outcome.cpu_ms)} · wall ${ms(outcome.wall_ms)} · load ${ms(outcome.load_ms)}`);
  if (outcome.build) stats.push(` · bundled in ${ms(outcome.build.timings.total_ms)}`);
  $("stats").replaceChildren(...stats);
  if (outcome.ok) $("result").textContent = kind === "fetch" ? formatResponse(outcome.result) : JSON.stringify(outcome.result, null, 2);
  else showError(outcome.error);
  for (const w of outcome.build?.warnings ?? []) outcome.logs.unshift({ level: "warn", message: `bundler: ${w}` });
  for (const { level, message } of outcome.logs) {
    const li = document.createElement("li");
    li.className = level;
    li.dataset.level = level;
    li.textContent = message;
    $("logs").append(li);
  }
}

function formatResponse(response) {
  const head = [`HTTP ${response.status} ${response.status_text}`.trim(), ...response.headers.map(([k, v]) => `${k}: ${v}`)];
  const body = response.encoding === "base64" ? `(binary, base64) ${response.body}` : response.body;
  return `${head.join("\n")}\n\n${body}${response.truncated ? "\n… (truncated)" : ""}`;
}

function showError(error) {
  const box = $("error");
  const title = document.createElement("div");
  title.className = "title";
  title.textContent = `${error.phase ? `[${error.phase}] ` : ""}${error.name || error.type}: ${error.message}`;
  box.append(title);
  for (const p of error.positions ?? []) {
    const a = document.createElement("a");
    a.textContent = `${p.file}:${p.line}:${p.column}`;
    a.className = "position";
    a.addEventListener("click", () => jumpTo(p));
    box.append(a, " ");
  }
  if (error.stack) {
    const pre = document.createElement("pre");
    pre.textContent = error.stack;
    box.append(pre);
  }
}

// Selects the line an error points at, if the module is one of ours.
function jumpTo({ file, line, column }) {
  if (!(file in state.files)) return;
  state.active = file;
  renderFiles();
  const editor = $("editor");
  const rows = editor.value.split("\n");
  let start = 0;
  for (let i = 0; i < line - 1 && i < rows.length; i++) start += rows[i].length + 1;
  editor.focus();
  editor.setSelectionRange(start + Math.max(0, column - 1), start + (rows[line - 1] ?? "").length);
}

function onEditorKey(event) {
  if (event.key === "Tab" && !event.shiftKey) {
    event.preventDefault();
    event.target.setRangeText("  ", event.target.selectionStart, event.target.selectionEnd, "end");
    onEdit();
  }
}

function onEdit() {
  state.files[state.active] = $("editor").value;
  save();
}

function init() {
  $("token-state").textContent = TOKEN ? "" : "No token in this URL: open the one `workerbox playground` printed.";
  $("package-json").value = state.packageJson || "";
  renderFiles();
  $("editor").addEventListener("input", onEdit);
  $("editor").addEventListener("keydown", onEditorKey);
  $("package-json").addEventListener("input", () => { state.packageJson = $("package-json").value; save(); });
  $("add-file").addEventListener("click", addFile);
  $("rename-file").addEventListener("click", renameFile);
  $("delete-file").addEventListener("click", deleteFile);
  $("is-main").addEventListener("change", () => { if ($("is-main").checked) state.main = state.active; renderFiles(); save(); });
  for (const radio of document.querySelectorAll("input[name=mode]")) {
    radio.addEventListener("change", () => {
      $("call-form").hidden = !$("mode-call").checked;
      $("fetch-form").hidden = $("mode-call").checked;
    });
  }
  $("run").addEventListener("click", runWorker);
  document.addEventListener("keydown", (e) => { if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); runWorker(); } });
}

init();
