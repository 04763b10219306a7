// console: formats like a small Node util.inspect and hands finished lines to ops.log.
//
// Sets `hooks.reportError(error)`, which later files use where the web platform "reports" an
// exception instead of throwing it (event listeners, queueMicrotask callbacks).
(function (ops, hooks) {
  "use strict";
  const { expose, isPlatformObject } = hooks.webidl;

  const BREAK_LENGTH = 80;
  const MAX_ITEMS = 100;
  const MAX_BYTES = 50;
  const captureStackTrace = Error.captureStackTrace;

  function inspect(value, depth = 2) {
    return formatValue({ depth, seen: [], circular: new Map() }, value, 0);
  }

  function formatValue(ctx, value, level) {
    switch (typeof value) {
      case "string":
        return quote(value);
      case "number":
        return Object.is(value, -0) ? "-0" : String(value);
      case "bigint":
        return `${value}n`;
      case "symbol":
      case "boolean":
      case "undefined":
        return String(value);
      default:
        return value === null ? "null" : formatObject(ctx, value, level);
    }
  }

  // Cycles print as Node does: "<ref *1> { self: [Circular *1] }".
  function formatObject(ctx, obj, level) {
    if (ctx.seen.includes(obj)) {
      if (!ctx.circular.has(obj)) ctx.circular.set(obj, ctx.circular.size + 1);
      return `[Circular *${ctx.circular.get(obj)}]`;
    }
    ctx.seen.push(obj);
    let out;
    try {
      out = formatRaw(ctx, obj, level);
    } finally {
      ctx.seen.pop();
    }
    const ref = ctx.circular.get(obj);
    return ref === undefined ? out : `<ref *${ref}> ${out}`;
  }

  function formatRaw(ctx, obj, level) {
    const name = constructorName(obj);
    let keys = ownKeys(obj);
    let base = "";
    let braces = ["{", "}"];
    let items = [];

    if (typeof obj === "function") {
      base = functionBase(obj);
      if (keys.length === 0) return base;
    } else if (obj instanceof Error) {
      base = typeof obj.stack === "string" ? obj.stack : `${obj.name}: ${obj.message}`;
      keys = keys.filter((k) => k !== "stack" && k !== "message");
      if (keys.length === 0) return base;
    } else if (obj instanceof Date) {
      base = Number.isNaN(obj.getTime()) ? "Invalid Date" : obj.toISOString();
      if (keys.length === 0) return base;
    } else if (obj instanceof RegExp) {
      base = String(obj);
      if (keys.length === 0) return base;
    } else if (level > ctx.depth) {
      return `[${Array.isArray(obj) ? "Array" : name || "Object"}]`;
    } else if (Array.isArray(obj)) {
      braces = [`${name === "Array" ? "" : `${name}(${obj.length}) `}[`, "]"];
      items = formatList(ctx, level, obj.length, (i) => (i in obj ? obj[i] : holeRun(obj, i)));
      keys = keys.filter((k) => !isIndex(k));
    } else if (ArrayBuffer.isView(obj) && !(obj instanceof DataView)) {
      braces = [`${obj[Symbol.toStringTag]}(${obj.length}) [`, "]"];
      items = formatList(ctx, level, obj.length, (i) => obj[i]);
      keys = keys.filter((k) => !isIndex(k));
    } else if (obj instanceof ArrayBuffer || isShared(obj)) {
      items = [`[Uint8Contents]: <${hexBytes(new Uint8Array(obj))}>`, `byteLength: ${obj.byteLength}`];
      braces = [`${name} {`, "}"];
    } else if (obj instanceof Map) {
      const entries = [...obj];
      braces = [`${name}(${obj.size}) {`, "}"];
      items = formatList(ctx, level, entries.length, (i) => entries[i], ([k, v]) =>
        `${formatValue(ctx, k, level + 1)} => ${formatValue(ctx, v, level + 1)}`);
    } else if (obj instanceof Set) {
      const values = [...obj];
      braces = [`${name}(${obj.size}) {`, "}"];
      items = formatList(ctx, level, values.length, (i) => values[i]);
    } else if (obj instanceof WeakMap || obj instanceof WeakSet) {
      items = ["<items unknown>"];
      braces = [`${name} {`, "}"];
    } else if (isBoxed(obj)) {
      base = `[${name}: ${formatValue(ctx, obj.valueOf(), level)}]`;
      keys = keys.filter((k) => !(obj instanceof String && isIndex(k)));
      if (keys.length === 0) return base;
    } else if (isPlatformObject(obj)) {
      braces = [`${name} {`, "}"];
      items = platformItems(ctx, obj, level);
    } else {
      braces = [`${prefix(obj, name)}{`, "}"];
    }

    for (const key of keys) items.push(formatProperty(ctx, obj, key, level));
    if (base) braces = [`${base} {`, "}"];
    return joinItems(items, braces, Array.isArray(obj) || ArrayBuffer.isView(obj) || obj instanceof Set);
  }

  // A run of array holes. Long runs are measured from the keys that exist, so printing
  // `new Array(1e9)` does not walk a billion indices.
  class HoleRun {
    constructor(count) {
      this.count = count;
    }
  }

  function holeRun(array, from) {
    let end = from;
    while (end < array.length && end - from < 1024 && !(end in array)) end++;
    if (end - from === 1024) {
      const next = Object.keys(array).find((key) => isIndex(key) && Number(key) > from);
      end = next === undefined ? array.length : Number(next);
    }
    return new HoleRun(end - from);
  }

  // Runs of array holes print as "<2 empty items>"; lists stop after MAX_ITEMS.
  function formatList(ctx, level, length, at, format = (v) => formatValue(ctx, v, level + 1)) {
    const out = [];
    let i = 0;
    for (; i < length && out.length < MAX_ITEMS; i++) {
      const value = at(i);
      if (!(value instanceof HoleRun)) {
        out.push(format(value));
        continue;
      }
      out.push(`<${value.count} empty item${value.count > 1 ? "s" : ""}>`);
      i += value.count - 1;
    }
    if (i < length) out.push(`... ${length - i} more item${length - i > 1 ? "s" : ""}`);
    return out;
  }

  function platformItems(ctx, obj, level) {
    const items = [];
    const proto = Object.getPrototypeOf(obj);
    for (const key of Object.getOwnPropertyNames(proto)) {
      if (typeof Object.getOwnPropertyDescriptor(proto, key).get !== "function") continue;
      items.push(`${key}: ${formatValue(ctx, obj[key], level + 1)}`);
    }
    if (typeof obj.entries === "function") {
      for (const [k, v] of obj.entries()) items.push(`${quote(k)} => ${formatValue(ctx, v, level + 1)}`);
    }
    return items;
  }

  function formatProperty(ctx, obj, key, level) {
    const desc = Object.getOwnPropertyDescriptor(obj, key);
    const label = typeof key === "symbol" ? `[${String(key)}]` : /^[A-Za-z_$][\w$]*$/.test(key) ? key : quote(key);
    if (desc.get || desc.set) return `${label}: [${desc.get && desc.set ? "Getter/Setter" : desc.get ? "Getter" : "Setter"}]`;
    return `${label}: ${formatValue(ctx, desc.value, level + 1)}`;
  }

  // Short entries of list-like values fill lines, instead of one per line, like Node's grouping.
  function joinItems(items, [open, close], listLike) {
    if (items.length === 0) return `${open}${close}`;
    const total = items.reduce((n, item) => n + item.length + 2, open.length);
    const multiline = items.some((item) => item.includes("\n"));
    if (!multiline && total + close.length <= BREAK_LENGTH) return `${open} ${items.join(", ")} ${close}`;
    if (!multiline && listLike && items.length > 6 && items.every((item) => item.length <= 16 || item.startsWith("... "))) {
      return `${open}\n  ${fillLines(items).join(",\n  ")}\n${close}`;
    }
    return `${open}\n  ${items.map((item) => item.replace(/\n/g, "\n  ")).join(",\n  ")}\n${close}`;
  }

  function fillLines(items) {
    const lines = [];
    let line = "";
    for (const item of items) {
      if (line && line.length + item.length + 2 > BREAK_LENGTH - 4) {
        lines.push(line);
        line = "";
      }
      line = line ? `${line}, ${item}` : item;
    }
    lines.push(line);
    return lines;
  }

  function functionBase(fn) {
    let source = "";
    try {
      source = Function.prototype.toString.call(fn);
    } catch {
      // A revoked proxy has no source; it still prints as a function.
    }
    const fnName = typeof fn.name === "string" && fn.name ? fn.name : "";
    if (source.startsWith("class")) {
      const parent = Object.getPrototypeOf(fn);
      const extendsClause = parent && parent !== Function.prototype && parent.name ? ` extends ${parent.name}` : "";
      return `[class ${fnName || "(anonymous)"}${extendsClause}]`;
    }
    const kind = Object.prototype.toString.call(fn).slice(8, -1);
    return `[${kind}${fnName ? `: ${fnName}` : " (anonymous)"}]`;
  }

  function constructorName(obj) {
    for (let proto = Object.getPrototypeOf(obj); proto !== null; proto = Object.getPrototypeOf(proto)) {
      const desc = Object.getOwnPropertyDescriptor(proto, "constructor");
      if (desc && typeof desc.value === "function" && desc.value.name) return desc.value.name;
    }
    return null;
  }

  function prefix(obj, name) {
    if (name === null) return "[Object: null prototype] ";
    const tag = obj[Symbol.toStringTag];
    const tagged = typeof tag === "string" && tag !== name ? ` [${tag}]` : "";
    return name === "Object" && !tagged ? "" : `${name}${tagged} `;
  }

  function ownKeys(obj) {
    return Reflect.ownKeys(obj).filter((key) => Object.getOwnPropertyDescriptor(obj, key)?.enumerable);
  }

  function isIndex(key) {
    return typeof key === "string" && /^(0|[1-9]\d*)$/.test(key);
  }

  function isShared(obj) {
    return typeof SharedArrayBuffer === "function" && obj instanceof SharedArrayBuffer;
  }

  function isBoxed(obj) {
    return [Number, String, Boolean, BigInt, Symbol].some((type) => obj instanceof type);
  }

  function hexBytes(bytes) {
    const shown = Array.from(bytes.subarray(0, MAX_BYTES), (b) => b.toString(16).padStart(2, "0")).join(" ");
    return bytes.length > MAX_BYTES ? `${shown} ... ${bytes.length - MAX_BYTES} more bytes` : shown;
  }

  const escapes = { "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f", "\v": "\\v", "\\": "\\\\" };

  // Single quotes unless the string holds them, as Node picks.
  function quote(str) {
    const q = !str.includes("'") ? "'" : !str.includes('"') ? '"' : !str.includes("`") ? "`" : "'";
    const body = str.replace(/[\x00-\x1f\x7f\\'"`]/g, (c) => {
      if (escapes[c]) return escapes[c];
      if (c === q) return `\\${c}`;
      if (c === "'" || c === '"' || c === "`") return c;
      return `\\x${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`;
    });
    return `${q}${body}${q}`;
  }

  // printf-style substitutions apply only when a string leads and more arguments follow.
  function formatLog(args) {
    if (args.length === 0) return "";
    const parts = [];
    let next = 0;
    if (typeof args[0] === "string") {
      next = 1;
      parts.push(args.length === 1 ? args[0] : args[0].replace(/%([sdifjoOc%])/g, (match, spec) => {
        if (spec === "%") return "%";
        if (next >= args.length) return match;
        return substitute(spec, args[next++]);
      }));
    }
    for (; next < args.length; next++) parts.push(typeof args[next] === "string" ? args[next] : inspect(args[next]));
    return parts.join(" ");
  }

  function substitute(spec, value) {
    switch (spec) {
      case "s":
        return typeof value === "string" ? value : inspect(value, 0);
      case "d":
        return typeof value === "bigint" ? `${value}n` : typeof value === "symbol" ? "NaN" : inspect(Number(value));
      case "i":
        return typeof value === "bigint" ? `${value}n` : typeof value === "symbol" ? "NaN" : String(parseInt(value, 10));
      case "f":
        return typeof value === "symbol" ? "NaN" : String(parseFloat(value));
      case "j":
        return json(value);
      case "o":
        return inspect(value, 4);
      case "O":
        return inspect(value);
      default: // %c carries CSS, which has no meaning in a log line.
        return "";
    }
  }

  function json(value) {
    try {
      return String(JSON.stringify(value));
    } catch (error) {
      if (error instanceof TypeError && /circular/i.test(error.message)) return "[Circular]";
      throw error;
    }
  }

  let indent = "";
  const counts = new Map();
  const timers = new Map();

  function emit(level, text) {
    ops.log(level, indent ? indent + text.replace(/\n/g, `\n${indent}`) : text);
  }

  function elapsed(label) {
    return `${label}: ${(ops.now() - timers.get(label)).toFixed(3)}ms`;
  }

  // The stack starts at the caller of console.trace, not inside this file.
  function trace(...data) {
    const holder = {};
    captureStackTrace(holder, trace);
    const frames = String(holder.stack).split("\n").slice(1).join("\n");
    emit("log", `Trace${data.length ? `: ${formatLog(data)}` : ""}\n${frames}`);
  }

  const console = {
    debug: (...data) => emit("debug", formatLog(data)),
    log: (...data) => emit("log", formatLog(data)),
    info: (...data) => emit("info", formatLog(data)),
    warn: (...data) => emit("warn", formatLog(data)),
    error: (...data) => emit("error", formatLog(data)),
    dir: (item, options) => emit("log", inspect(item, options?.depth ?? 2)),
    dirxml: (...data) => emit("log", formatLog(data)),
    table: (data, columns) => emit("log", data !== null && typeof data === "object" ? renderTable(data, columns) : formatLog([data])),
    trace,
    assert(condition, ...data) {
      if (condition) return;
      if (typeof data[0] === "string") data[0] = `Assertion failed: ${data[0]}`;
      else data.unshift("Assertion failed");
      emit("error", formatLog(data));
    },
    group(...label) {
      if (label.length) emit("log", formatLog(label));
      indent += "  ";
    },
    groupCollapsed: (...label) => console.group(...label),
    groupEnd() {
      indent = indent.slice(2);
    },
    count(label = "default") {
      const n = (counts.get(`${label}`) ?? 0) + 1;
      counts.set(`${label}`, n);
      emit("info", `${label}: ${n}`);
    },
    countReset(label = "default") {
      if (!counts.delete(`${label}`)) emit("warn", `Count for '${label}' does not exist`);
    },
    time(label = "default") {
      if (timers.has(`${label}`)) return emit("warn", `Label '${label}' already exists for console.time()`);
      timers.set(`${label}`, ops.now());
    },
    timeLog(label = "default", ...data) {
      if (!timers.has(`${label}`)) return emit("warn", `No such label '${label}' for console.timeLog()`);
      emit("info", [elapsed(`${label}`), ...data.map((d) => (typeof d === "string" ? d : inspect(d)))].join(" "));
    },
    timeEnd(label = "default") {
      if (!timers.has(`${label}`)) return emit("warn", `No such label '${label}' for console.timeEnd()`);
      emit("info", elapsed(`${label}`));
      timers.delete(`${label}`);
    },
  };

  // A box-drawn table like Node's: an "(index)" column, one column per key, "Values" for primitives.
  function renderTable(data, columns) {
    const entries = data instanceof Map ? [...data] : data instanceof Set ? [...data].map((v, i) => [i, v]) : Object.entries(data);
    const keys = [];
    let hasValues = false;
    const rows = entries.map(([index, row]) => {
      const cells = { "(index)": typeof index === "string" ? index : inspect(index) };
      if (row !== null && typeof row === "object") {
        for (const key of columns ?? Object.keys(row)) {
          if (!keys.includes(key)) keys.push(key);
          if (key in row) cells[key] = inspect(row[key], 0);
        }
      } else {
        hasValues = true;
        cells.Values = inspect(row, 0);
      }
      return cells;
    });
    const header = ["(index)", ...keys, ...(hasValues ? ["Values"] : [])];
    const widths = header.map((h) => Math.max(h.length, ...rows.map((r) => (r[h] ?? "").length)) + 2);
    const line = (l, m, r) => l + widths.map((w) => "─".repeat(w)).join(m) + r;
    const row = (cells) => `│${cells.map((c, i) => center(c, widths[i])).join("│")}│`;
    return [line("┌", "┬", "┐"), row(header), line("├", "┼", "┤"), ...rows.map((r) => row(header.map((h) => r[h] ?? ""))), line("└", "┴", "┘")].join("\n");
  }

  function center(text, width) {
    const left = Math.floor((width - text.length) / 2);
    return " ".repeat(left) + text + " ".repeat(width - text.length - left);
  }

  hooks.reportError = (error) => emit("error", `Uncaught ${inspect(error)}`);
  expose("console", console);
});
