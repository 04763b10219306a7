// console: formats like a small Node util.inspect and hands finished lines to ops.log.
//
// Sets `hooks.reportError(error)`, which later files use where the web platform "reports" an
// exception instead of throwing it (event listeners, queueMicrotask callbacks).
(function (ops, hooks) {
  "use strict";
  const { expose, isPlatformObject } = hooks.webidl;
  const {
    ArrayIsArray, ArrayPrototypeIncludes, ArrayPrototypeJoin, ArrayPrototypePop, BigIntPrototypeValueOf,
    BooleanPrototypeValueOf, DatePrototypeGetTime, DatePrototypeToISOString, Error, ErrorCaptureStackTrace, Function,
    FunctionPrototypeToString, JSONStringify, MapPrototypeForEach, MapPrototypeGetSize, MathFloor, Number, NumberIsNaN,
    NumberPrototypeToFixed, NumberPrototypeToString, NumberPrototypeValueOf, ObjectGetOwnPropertyNames,
    ObjectGetPrototypeOf, ObjectHasOwn, ObjectIs, ObjectKeys, ObjectPrototypeToString, ReflectApply, ReflectOwnKeys,
    RegExp, RegExpPrototypeGetFlags, RegExpPrototypeGetSource, SafeArrayFilter, SafeArrayFind,
    SafeArrayMap, SafeArrayPush, SafeArraySlice, SafeGetOwnPropertyDescriptor, SafeMap, SafeRegExp, SafeRegExpTest,
    SafeStringReplace, SetPrototypeForEach, SetPrototypeGetSize, String, StringPrototypeCharCodeAt,
    StringPrototypeIncludes, StringPrototypeIndexOf, StringPrototypePadStart, StringPrototypeRepeat,
    StringPrototypeSlice, StringPrototypeStartsWith, StringPrototypeToUpperCase, StringPrototypeValueOf, SymbolToStringTag,
    SymbolPrototypeValueOf, TypeError, TypedArrayPrototypeGetLength, Uint8Array, WeakMap, WeakSet, instanceOf,
    isArrayBuffer, isDate, isMap, isSet, isSharedArrayBuffer, isTypedArray, parseFloat, parseInt, typedArrayName,
  } = hooks.primordials;

  const BREAK_LENGTH = 80;
  const MAX_ITEMS = 100;
  const MAX_BYTES = 50;
  const FunctionPrototype = Function.prototype;
  const NEWLINES = SafeRegExp(/\n/g);
  const IDENTIFIER = SafeRegExp(/^[A-Za-z_$][\w$]*$/);
  const INDEX = SafeRegExp(/^(0|[1-9]\d*)$/);
  const ESCAPED = SafeRegExp(/[\x00-\x1f\x7f\\'"`]/g);
  const SUBSTITUTION = SafeRegExp(/%([sdifjoOc%])/g);
  const CIRCULAR = SafeRegExp(/circular/i);

  function inspect(value, depth = 2) {
    return formatValue({ __proto__: null, depth, seen: [], circular: new SafeMap() }, value, 0);
  }

  function formatValue(ctx, value, level) {
    switch (typeof value) {
      case "string":
        return quote(value);
      case "number":
        return ObjectIs(value, -0) ? "-0" : String(value);
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
    if (ArrayPrototypeIncludes(ctx.seen, obj)) {
      if (!ctx.circular.has(obj)) ctx.circular.set(obj, ctx.circular.size + 1);
      return `[Circular *${ctx.circular.get(obj)}]`;
    }
    SafeArrayPush(ctx.seen, obj);
    let out;
    try {
      out = formatRaw(ctx, obj, level);
    } finally {
      ArrayPrototypePop(ctx.seen);
    }
    const ref = ctx.circular.get(obj);
    return ref === undefined ? out : `<ref *${ref}> ${out}`;
  }

  function formatRaw(ctx, obj, level) {
    const name = constructorName(obj);
    let keys = ownKeys(obj);
    let base = "";
    let open = "{";
    let items = [];
    const listLike = ArrayIsArray(obj) || isTypedArray(obj) || isSet(obj);

    if (typeof obj === "function") {
      base = functionBase(obj);
      if (keys.length === 0) return base;
    } else if (instanceOf(obj, Error)) {
      base = typeof obj.stack === "string" ? obj.stack : `${obj.name}: ${obj.message}`;
      keys = SafeArrayFilter(keys, (k) => k !== "stack" && k !== "message");
      if (keys.length === 0) return base;
    } else if (isDate(obj)) {
      base = NumberIsNaN(DatePrototypeGetTime(obj)) ? "Invalid Date" : DatePrototypeToISOString(obj);
      if (keys.length === 0) return base;
    } else if (instanceOf(obj, RegExp)) {
      base = `/${RegExpPrototypeGetSource(obj)}/${RegExpPrototypeGetFlags(obj)}`;
      if (keys.length === 0) return base;
    } else if (level > ctx.depth) {
      return `[${ArrayIsArray(obj) ? "Array" : name || "Object"}]`;
    } else if (ArrayIsArray(obj)) {
      open = `${name === "Array" ? "" : `${name}(${obj.length}) `}[`;
      items = formatList(ctx, level, obj.length, (i) => (ObjectHasOwn(obj, i) ? obj[i] : holeRun(obj, i)));
      keys = SafeArrayFilter(keys, (k) => !isIndex(k));
    } else if (isTypedArray(obj)) {
      const length = TypedArrayPrototypeGetLength(obj);
      open = `${typedArrayName(obj)}(${length}) [`;
      items = formatList(ctx, level, length, (i) => obj[i]);
      keys = SafeArrayFilter(keys, (k) => !isIndex(k));
    } else if (isArrayBuffer(obj) || isSharedArrayBuffer(obj)) {
      const bytes = new Uint8Array(obj);
      items = [`[Uint8Contents]: <${hexBytes(bytes)}>`, `byteLength: ${TypedArrayPrototypeGetLength(bytes)}`];
      open = `${name} {`;
    } else if (isMap(obj)) {
      const entries = [];
      MapPrototypeForEach(obj, (v, k) => SafeArrayPush(entries, [k, v]));
      open = `${name}(${MapPrototypeGetSize(obj)}) {`;
      items = formatList(ctx, level, entries.length, (i) => entries[i], (entry) =>
        `${formatValue(ctx, entry[0], level + 1)} => ${formatValue(ctx, entry[1], level + 1)}`);
    } else if (isSet(obj)) {
      const values = [];
      SetPrototypeForEach(obj, (v) => SafeArrayPush(values, v));
      open = `${name}(${SetPrototypeGetSize(obj)}) {`;
      items = formatList(ctx, level, values.length, (i) => values[i]);
    } else if (instanceOf(obj, WeakMap) || instanceOf(obj, WeakSet)) {
      items = ["<items unknown>"];
      open = `${name} {`;
    } else if (boxedValue(obj) !== NOT_BOXED) {
      base = `[${name}: ${formatValue(ctx, boxedValue(obj), level)}]`;
      const stringBox = typeof boxedValue(obj) === "string";
      keys = SafeArrayFilter(keys, (k) => !(stringBox && isIndex(k)));
      if (keys.length === 0) return base;
    } else if (isPlatformObject(obj)) {
      open = `${name} {`;
      items = platformItems(ctx, obj, level);
    } else {
      open = `${prefix(obj, name)}{`;
    }

    for (let i = 0; i < keys.length; i++) SafeArrayPush(items, formatProperty(ctx, obj, keys[i], level));
    const close = open[open.length - 1] === "[" ? "]" : "}";
    if (base) open = `${base} {`;
    return joinItems(items, open, base ? "}" : close, listLike);
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
    while (end < array.length && end - from < 1024 && !ObjectHasOwn(array, end)) end++;
    if (end - from === 1024) {
      const next = SafeArrayFind(ObjectKeys(array), (key) => isIndex(key) && Number(key) > from);
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
      if (!instanceOf(value, HoleRun)) {
        SafeArrayPush(out, format(value));
        continue;
      }
      SafeArrayPush(out, `<${value.count} empty item${value.count > 1 ? "s" : ""}>`);
      i += value.count - 1;
    }
    if (i < length) SafeArrayPush(out, `... ${length - i} more item${length - i > 1 ? "s" : ""}`);
    return out;
  }

  function platformItems(ctx, obj, level) {
    const items = [];
    const proto = ObjectGetPrototypeOf(obj);
    const names = ObjectGetOwnPropertyNames(proto);
    for (let i = 0; i < names.length; i++) {
      if (typeof SafeGetOwnPropertyDescriptor(proto, names[i]).get !== "function") continue;
      SafeArrayPush(items, `${names[i]}: ${formatValue(ctx, obj[names[i]], level + 1)}`);
    }
    const pairs = platformEntries(obj);
    if (pairs !== null) {
      for (let i = 0; i < pairs.length; i++) {
        SafeArrayPush(items, `${quote(`${pairs[i][0]}`)} => ${formatValue(ctx, pairs[i][1], level + 1)}`);
      }
    }
    return items;
  }

  // The entries of Headers and URLSearchParams, read from their state: their iterators are
  // generators, whose `next` the tenant can replace. (hooks are filled by later files.)
  function platformEntries(obj) {
    if (hooks.headers.isHeaders(obj)) return hooks.headers.combinedList(obj);
    if (hooks.urlSearchParams.isParams(obj)) return hooks.urlSearchParams.paramsList(obj);
    return null;
  }

  function formatProperty(ctx, obj, key, level) {
    const desc = SafeGetOwnPropertyDescriptor(obj, key);
    const label = typeof key === "symbol" ? `[${String(key)}]` : SafeRegExpTest(IDENTIFIER, key) ? key : quote(key);
    if (desc.get || desc.set) return `${label}: [${desc.get && desc.set ? "Getter/Setter" : desc.get ? "Getter" : "Setter"}]`;
    return `${label}: ${formatValue(ctx, desc.value, level + 1)}`;
  }

  // Short entries of list-like values fill lines, instead of one per line, like Node's grouping.
  function joinItems(items, open, close, listLike) {
    if (items.length === 0) return `${open}${close}`;
    let total = open.length;
    let multiline = false;
    let short = true;
    for (let i = 0; i < items.length; i++) {
      total += items[i].length + 2;
      multiline ||= StringPrototypeIncludes(items[i], "\n");
      short &&= items[i].length <= 16 || StringPrototypeStartsWith(items[i], "... ");
    }
    if (!multiline && total + close.length <= BREAK_LENGTH) return `${open} ${ArrayPrototypeJoin(items, ", ")} ${close}`;
    if (!multiline && listLike && items.length > 6 && short) {
      return `${open}\n  ${ArrayPrototypeJoin(fillLines(items), ",\n  ")}\n${close}`;
    }
    const indented = SafeArrayMap(items, (item) => SafeStringReplace(item, NEWLINES, "\n  "));
    return `${open}\n  ${ArrayPrototypeJoin(indented, ",\n  ")}\n${close}`;
  }

  function fillLines(items) {
    const lines = [];
    let line = "";
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      if (line && line.length + item.length + 2 > BREAK_LENGTH - 4) {
        SafeArrayPush(lines, line);
        line = "";
      }
      line = line ? `${line}, ${item}` : item;
    }
    SafeArrayPush(lines, line);
    return lines;
  }

  function functionBase(fn) {
    let source = "";
    try {
      source = FunctionPrototypeToString(fn);
    } catch {
      // A revoked proxy has no source; it still prints as a function.
    }
    const fnName = typeof fn.name === "string" && fn.name ? fn.name : "";
    if (StringPrototypeStartsWith(source, "class")) {
      const parent = ObjectGetPrototypeOf(fn);
      const extendsClause = parent && parent !== FunctionPrototype && parent.name ? ` extends ${parent.name}` : "";
      return `[class ${fnName || "(anonymous)"}${extendsClause}]`;
    }
    const kind = StringPrototypeSlice(ObjectPrototypeToString(fn), 8, -1);
    return `[${kind}${fnName ? `: ${fnName}` : " (anonymous)"}]`;
  }

  function constructorName(obj) {
    for (let proto = ObjectGetPrototypeOf(obj); proto !== null; proto = ObjectGetPrototypeOf(proto)) {
      const desc = SafeGetOwnPropertyDescriptor(proto, "constructor");
      if (desc && typeof desc.value === "function" && desc.value.name) return desc.value.name;
    }
    return null;
  }

  function prefix(obj, name) {
    if (name === null) return "[Object: null prototype] ";
    const tag = obj[SymbolToStringTag];
    const tagged = typeof tag === "string" && tag !== name ? ` [${tag}]` : "";
    return name === "Object" && !tagged ? "" : `${name}${tagged} `;
  }

  function ownKeys(obj) {
    return SafeArrayFilter(ReflectOwnKeys(obj), (key) => SafeGetOwnPropertyDescriptor(obj, key)?.enumerable);
  }

  function isIndex(key) {
    return typeof key === "string" && SafeRegExpTest(INDEX, key);
  }

  // The primitive inside a Number, String, Boolean, BigInt or Symbol object, read from its slot.
  const NOT_BOXED = {};
  const unboxers = [NumberPrototypeValueOf, StringPrototypeValueOf, BooleanPrototypeValueOf, BigIntPrototypeValueOf, SymbolPrototypeValueOf];

  function boxedValue(obj) {
    for (let i = 0; i < unboxers.length; i++) {
      try {
        return unboxers[i](obj);
      } catch {
        // Not this kind of box.
      }
    }
    return NOT_BOXED;
  }

  function hexBytes(bytes) {
    const length = TypedArrayPrototypeGetLength(bytes);
    const shown = [];
    for (let i = 0; i < length && i < MAX_BYTES; i++) SafeArrayPush(shown, StringPrototypePadStart(NumberPrototypeToString(bytes[i], 16), 2, "0"));
    const text = ArrayPrototypeJoin(shown, " ");
    return length > MAX_BYTES ? `${text} ... ${length - MAX_BYTES} more bytes` : text;
  }

  const escapes = { __proto__: null, "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f", "\v": "\\v", "\\": "\\\\" };

  // Single quotes unless the string holds them, as Node picks.
  function quote(str) {
    const q = !StringPrototypeIncludes(str, "'") ? "'" : !StringPrototypeIncludes(str, '"') ? '"' : !StringPrototypeIncludes(str, "`") ? "`" : "'";
    const body = SafeStringReplace(str, ESCAPED, (c) => {
      if (escapes[c]) return escapes[c];
      if (c === q) return `\\${c}`;
      if (c === "'" || c === '"' || c === "`") return c;
      return `\\x${StringPrototypePadStart(StringPrototypeToUpperCase(NumberPrototypeToString(StringPrototypeCharCodeAt(c, 0), 16)), 2, "0")}`;
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
      SafeArrayPush(parts, args.length === 1 ? args[0] : SafeStringReplace(args[0], SUBSTITUTION, (match, spec) => {
        if (spec === "%") return "%";
        if (next >= args.length) return match;
        return substitute(spec, args[next++]);
      }));
    }
    for (; next < args.length; next++) SafeArrayPush(parts, typeof args[next] === "string" ? args[next] : inspect(args[next]));
    return ArrayPrototypeJoin(parts, " ");
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
      return String(JSONStringify(value));
    } catch (error) {
      if (instanceOf(error, TypeError) && SafeRegExpTest(CIRCULAR, `${error.message}`)) return "[Circular]";
      throw error;
    }
  }

  let indent = "";
  const counts = new SafeMap();
  const timers = new SafeMap();

  function emit(level, text) {
    ops.log(level, indent ? indent + SafeStringReplace(text, NEWLINES, `\n${indent}`) : text);
  }

  function elapsed(label) {
    return `${label}: ${NumberPrototypeToFixed(ops.now() - timers.get(label), 3)}ms`;
  }

  // The stack starts at the caller of console.trace, not inside this file.
  function trace(...data) {
    const holder = { __proto__: null };
    ErrorCaptureStackTrace(holder, trace);
    const stack = String(holder.stack);
    const firstLine = StringPrototypeIndexOf(stack, "\n");
    const frames = firstLine === -1 ? "" : StringPrototypeSlice(stack, firstLine + 1);
    emit("log", `Trace${data.length ? `: ${formatLog(data)}` : ""}\n${frames}`);
  }

  function group(...label) {
    if (label.length) emit("log", formatLog(label));
    indent += "  ";
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
      else data = prepend("Assertion failed", data);
      emit("error", formatLog(data));
    },
    group,
    groupCollapsed: (...label) => ReflectApply(group, undefined, label),
    groupEnd() {
      indent = StringPrototypeSlice(indent, 2);
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
      const parts = prepend(elapsed(`${label}`), SafeArrayMap(data, (d) => (typeof d === "string" ? d : inspect(d))));
      emit("info", ArrayPrototypeJoin(parts, " "));
    },
    timeEnd(label = "default") {
      if (!timers.has(`${label}`)) return emit("warn", `No such label '${label}' for console.timeEnd()`);
      emit("info", elapsed(`${label}`));
      timers.delete(`${label}`);
    },
  };

  function prepend(first, rest) {
    const out = [first];
    for (let i = 0; i < rest.length; i++) SafeArrayPush(out, rest[i]);
    return out;
  }

  // [key, value] pairs of a Map, a Set (by position) or an object's own enumerable properties.
  function tableEntries(data) {
    const entries = [];
    if (isMap(data)) MapPrototypeForEach(data, (v, k) => SafeArrayPush(entries, [k, v]));
    else if (isSet(data)) SetPrototypeForEach(data, (v) => SafeArrayPush(entries, [entries.length, v]));
    else {
      const keys = ObjectKeys(data);
      for (let i = 0; i < keys.length; i++) SafeArrayPush(entries, [keys[i], data[keys[i]]]);
    }
    return entries;
  }

  // A box-drawn table like Node's: an "(index)" column, one column per key, "Values" for primitives.
  function renderTable(data, columns) {
    const entries = tableEntries(data);
    const keys = [];
    let hasValues = false;
    const rows = SafeArrayMap(entries, (entry) => {
      const index = entry[0];
      const row = entry[1];
      const cells = { __proto__: null, "(index)": typeof index === "string" ? index : inspect(index) };
      if (row !== null && typeof row === "object") {
        const names = columns ?? ObjectKeys(row);
        for (let i = 0; i < names.length; i++) {
          const key = names[i];
          if (!ArrayPrototypeIncludes(keys, key)) SafeArrayPush(keys, key);
          if (key in row) cells[key] = inspect(row[key], 0);
        }
      } else {
        hasValues = true;
        cells.Values = inspect(row, 0);
      }
      return cells;
    });
    const header = prepend("(index)", keys);
    if (hasValues) SafeArrayPush(header, "Values");
    const widths = SafeArrayMap(header, (h) => {
      let width = h.length;
      for (let i = 0; i < rows.length; i++) if ((rows[i][h] ?? "").length > width) width = (rows[i][h] ?? "").length;
      return width + 2;
    });
    const line = (l, m, r) => l + ArrayPrototypeJoin(SafeArrayMap(widths, (w) => StringPrototypeRepeat("\u2500", w)), m) + r;
    const row = (cells) => `\u2502${ArrayPrototypeJoin(SafeArrayMap(cells, (c, i) => center(c, widths[i])), "\u2502")}\u2502`;
    const lines = [line("\u250c", "\u252c", "\u2510"), row(header), line("\u251c", "\u253c", "\u2524")];
    for (let i = 0; i < rows.length; i++) SafeArrayPush(lines, row(SafeArrayMap(header, (h) => rows[i][h] ?? "")));
    SafeArrayPush(lines, line("\u2514", "\u2534", "\u2518"));
    return ArrayPrototypeJoin(lines, "\n");
  }

  function center(text, width) {
    const left = MathFloor((width - text.length) / 2);
    return StringPrototypeRepeat(" ", left) + text + StringPrototypeRepeat(" ", width - text.length - left);
  }

  hooks.reportError = (error) => emit("error", `Uncaught ${inspect(error)}`);
  expose("console", console);
});
