// node:util (and node:util/types): promisify/callbackify, format and a bounded inspect,
// inherits, deprecate, isDeepStrictEqual, and the type checks. Kinds come from V8's internal
// slots (ops.nodeTypeOf), never from a tenant's Symbol.toStringTag; a proxy is shown as its
// target, without running its traps, as Node's inspect does.
(function (ops, hooks) {
  "use strict";
  const {
    ArrayIsArray, ArrayPrototypeJoin, DatePrototypeGetTime, DatePrototypeToISOString, Error, FunctionPrototypeToString,
    JSONStringify, MapPrototypeForEach, MathFloor, MathMax, MathMin, MathRound, MathSqrt, StringPrototypePadEnd,
    StringPrototypePadStart, StringPrototypeRepeat, Number, NumberIsNaN, ObjectDefineProperty, SafeGetOwnPropertyDescriptor,
    ObjectFreeze, ObjectGetPrototypeOf, ObjectIs, ObjectSetPrototypeOf, PromiseWithResolvers, ReflectApply, ReflectOwnKeys,
    RegExpPrototypeGetFlags, RegExpPrototypeGetSource, SafeArrayPush, SafeMap, SafeRegExp, SafeRegExpTest, SafeSet,
    SafeStringReplace, SetPrototypeForEach, String, StringPrototypeCharCodeAt, StringPrototypeIncludes,
    StringPrototypeSlice, SymbolFor, SymbolPrototypeValueOf, TypedArrayPrototypeGetLength, parseFloat,
    parseInt, typedArrayName,
  } = hooks.primordials;
  const { coded, invalidArgType, validateFunction } = hooks.node;
  const TextEncoder = hooks.global("TextEncoder");
  const TextDecoder = hooks.global("TextDecoder");

  // Defined, not assigned: assignment would run a setter the tenant put on a prototype.
  function constant(target, name, value) {
    ObjectDefineProperty(target, name, { __proto__: null, value, writable: true, enumerable: true, configurable: true });
  }

  const kindOf = (value) => (value !== null && (typeof value === "object" || typeof value === "function") ? ops.nodeTypeOf(value) : undefined);

  // --- promisify / callbackify -----------------------------------------------------------------

  const customPromisify = SymbolFor("nodejs.util.promisify.custom");

  function promisify(original) {
    validateFunction(original, "original");
    const custom = original[customPromisify];
    if (custom !== undefined) {
      validateFunction(custom, "util.promisify.custom");
      return custom;
    }
    function promisified(...args) {
      const { promise, resolve, reject } = PromiseWithResolvers();
      SafeArrayPush(args, (error, ...values) => {
        if (error) reject(error);
        else resolve(values[0]);
      });
      ReflectApply(original, this, args);
      return promise;
    }
    ObjectSetPrototypeOf(promisified, ObjectGetPrototypeOf(original));
    ObjectDefineProperty(promisified, customPromisify, { __proto__: null, value: promisified, configurable: true });
    return promisified;
  }
  constant(promisify, "custom", customPromisify);

  function callbackify(original) {
    validateFunction(original, "original");
    return function callbackified(...args) {
      const callback = args.length > 0 ? args[args.length - 1] : undefined;
      validateFunction(callback, "last argument");
      args.length -= 1;
      const done = (error, value) => ops.enqueueMicrotask(() => ReflectApply(callback, this, [error, value]));
      hooks.primordials.SafePromiseThen(hooks.primordials.PromiseResolve(ReflectApply(original, this, args)),
        (value) => done(null, value),
        (reason) => {
          if (!reason) {
            const error = coded(Error, "ERR_FALSY_VALUE_REJECTION", "Promise was rejected with falsy value");
            constant(error, "reason", reason);
            reason = error;
          }
          done(reason);
        });
    };
  }

  // --- inspect ---------------------------------------------------------------------------------

  const customInspect = SymbolFor("nodejs.util.inspect.custom");
  const IDENTIFIER = SafeRegExp(/^[A-Za-z_$][A-Za-z0-9_$]*$/);
  const QUOTE = SafeRegExp(/['\\\n\t\r]/g);
  const ESCAPES = { __proto__: null, "'": "\\'", "\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r" };
  const DEFAULTS = { __proto__: null, depth: 2, breakLength: 80, maxArrayLength: 100, maxStringLength: 10000, showHidden: false, colors: false, compact: 3, sorted: false, getters: false };

  function quote(text, max) {
    const cut = text.length > max ? StringPrototypeSlice(text, 0, max) : text;
    const more = text.length > max ? `... ${text.length - max} more character${text.length - max > 1 ? "s" : ""}` : "";
    // Node's choice of quotes: single, unless the text has some and another kind would not need escapes.
    let mark = "'";
    if (StringPrototypeIncludes(cut, "'")) {
      if (!StringPrototypeIncludes(cut, '"')) mark = '"';
      else if (!StringPrototypeIncludes(cut, "`") && !StringPrototypeIncludes(cut, "${")) mark = "`";
    }
    const escaped = SafeStringReplace(cut, QUOTE, (c) => (c === "'" && mark !== "'" ? c : ESCAPES[c]));
    return `${mark}${escaped}${mark}${more}`;
  }

  function formatPrimitive(value, ctx) {
    switch (typeof value) {
      case "string": return quote(value, ctx.maxStringLength);
      case "number": return ObjectIs(value, -0) ? "-0" : `${value}`;
      case "bigint": return `${value}n`;
      case "symbol": return String(value);
      default: return `${value}`;
    }
  }

  function formatKey(key) {
    if (typeof key === "symbol") return `[${String(key)}]`;
    return SafeRegExpTest(IDENTIFIER, key) ? key : quote(key, Infinity);
  }

  function constructorName(value) {
    let proto = ObjectGetPrototypeOf(value);
    for (let hops = 0; proto !== null && hops < 100; hops++) {
      const desc = SafeGetOwnPropertyDescriptor(proto, "constructor");
      if (desc !== undefined && typeof desc.value === "function" && typeof desc.value.name === "string" && desc.value.name !== "") return desc.value.name;
      proto = ObjectGetPrototypeOf(proto);
    }
    return null;
  }

  function formatValue(value, ctx, depth) {
    if (value === null || (typeof value !== "object" && typeof value !== "function")) return formatPrimitive(value, ctx);
    let kind = ops.nodeTypeOf(value);
    while (kind === "Proxy") {
      value = ops.nodeProxyTarget(value);
      if (value === null || (typeof value !== "object" && typeof value !== "function")) return formatPrimitive(value, ctx);
      kind = ops.nodeTypeOf(value);
    }
    if (ctx.customInspect) {
      const desc = findProperty(value, customInspect);
      if (desc !== undefined && typeof desc.value === "function" && desc.value !== inspect) {
        const shown = ReflectApply(desc.value, value, [ctx.depth - depth, optionsOf(ctx), inspect]);
        if (shown !== value) return typeof shown === "string" ? shown : formatValue(shown, ctx, depth);
      }
    }
    if (ctx.seen.has(value)) {
      if (!ctx.circular.has(value)) ctx.circular.set(value, ctx.circular.size + 1);
      return `[Circular *${ctx.circular.get(value)}]`;
    }
    ctx.seen.add(value);
    let shown;
    try {
      shown = formatObject(value, kind, ctx, depth);
    } finally {
      ctx.seen.delete(value);
    }
    return ctx.circular.has(value) ? `<ref *${ctx.circular.get(value)}> ${shown}` : shown;
  }

  // A property's descriptor found along the prototype chain without running getters or traps
  // (proxies in the chain end the search).
  function findProperty(value, key) {
    for (let object = value, hops = 0; object !== null && hops < 100; hops++) {
      if (ops.nodeTypeOf(object) === "Proxy") return undefined;
      const desc = SafeGetOwnPropertyDescriptor(object, key);
      if (desc !== undefined) return desc;
      object = ObjectGetPrototypeOf(object);
    }
    return undefined;
  }

  function optionsOf(ctx) {
    return { ...DEFAULTS, depth: ctx.depth, maxArrayLength: ctx.maxArrayLength, maxStringLength: ctx.maxStringLength, breakLength: ctx.breakLength, showHidden: ctx.showHidden };
  }

  function formatObject(value, kind, ctx, depth) {
    const name = constructorName(value);
    const nullProto = name === null ? "[Object: null prototype] " : "";
    let prefix = name === null || name === "Object" ? nullProto : `${name} `;
    let entries = [];
    let braces = ["{", "}"];
    let keys = ownKeys(value, ctx);
    let base = "";
    if (typeof value === "function") {
      const source = safeSource(value);
      base = StringPrototypeSlice(source, 0, 5) === "class" ? `[class ${value.name || "(anonymous)"}]` : `[${kind === "AsyncFunction" ? "AsyncFunction" : kind === "GeneratorFunction" ? "GeneratorFunction" : "Function"}: ${nameOf(value)}]`;
      keys = filterKeys(keys, ["length", "name", "prototype"]);
      if (keys.length === 0) return base;
      prefix = "";
    } else if (kind === "Array") {
      if (depth > ctx.depth && value.length > 0) return "[Array]";
      braces = ["[", "]"];
      prefix = name === "Array" ? "" : `${prefix}(${value.length}) `;
      if (value.length > 0) ctx.currentDepth = depth;
      entries = listItems(value, value.length, ctx, depth);
      keys = filterIndexKeys(keys);
    } else if (kind === "TypedArray") {
      const length = TypedArrayPrototypeGetLength(value);
      if (name === "Buffer") return formatBuffer(value, length);
      if (depth > ctx.depth && length > 0) return `[${name}]`;
      braces = ["[", "]"];
      prefix = `${name ?? typedArrayName(value)}(${length}) `;
      if (length > 0) ctx.currentDepth = depth;
      entries = listItems(value, length, ctx, depth);
      keys = filterIndexKeys(keys);
    } else if (kind === "Map" || kind === "Set") {
      const size = kind === "Map" ? hooks.primordials.MapPrototypeGetSize(value) : hooks.primordials.SetPrototypeGetSize(value);
      prefix = `${name ?? kind}(${size}) `;
      if (depth > ctx.depth) return `[${kind}]`;
      let count = 0;
      if (size > 0) ctx.currentDepth = depth;
      const each = kind === "Map" ? MapPrototypeForEach : SetPrototypeForEach;
      each(value, (item, key) => {
        if (count++ < ctx.maxArrayLength) {
          SafeArrayPush(entries, kind === "Map" ? `${formatValue(key, ctx, depth + 1)} => ${formatValue(item, ctx, depth + 1)}` : formatValue(item, ctx, depth + 1));
        }
      });
      if (count > ctx.maxArrayLength) SafeArrayPush(entries, `... ${count - ctx.maxArrayLength} more item${count - ctx.maxArrayLength > 1 ? "s" : ""}`);
    } else if (kind === "Date") {
      const time = DatePrototypeGetTime(value);
      base = NumberIsNaN(time) ? "Invalid Date" : DatePrototypeToISOString(value);
      if (keys.length === 0) return base;
    } else if (kind === "RegExp") {
      base = `/${RegExpPrototypeGetSource(value)}/${RegExpPrototypeGetFlags(value)}`;
      keys = filterKeys(keys, ["lastIndex"]);
      if (keys.length === 0) return base;
    } else if (kind === "NativeError") {
      const stack = SafeGetOwnPropertyDescriptor(value, "stack")?.value;
      base = typeof stack === "string" ? stack : `[${errorText(value)}]`;
      keys = filterKeys(keys, ["stack", "message"]);
      if (keys.length === 0) return base;
    } else if (kind === "Promise") {
      const state = ops.nodePromiseState(value);
      SafeArrayPush(entries, state[0] === "pending" ? "<pending>" : `${state[0] === "rejected" ? "<rejected> " : ""}${formatValue(state[1], ctx, depth + 1)}`);
    } else if (kind === "ArrayBuffer" || kind === "SharedArrayBuffer") {
      const bytes = new (hooks.primordials.Uint8Array)(value);
      SafeArrayPush(entries, `[Uint8Contents]: <${hexBytes(bytes, TypedArrayPrototypeGetLength(bytes))}>`);
      SafeArrayPush(entries, `byteLength: ${TypedArrayPrototypeGetLength(bytes)}`);
    } else if (kind === "WeakMap" || kind === "WeakSet") {
      SafeArrayPush(entries, "<items unknown>");
    } else if (kind === "StringObject" || kind === "NumberObject" || kind === "BooleanObject") {
      base = `[${kind === "StringObject" ? "String" : kind === "NumberObject" ? "Number" : "Boolean"}: ${formatPrimitive(boxed(value, kind), ctx)}]`;
      keys = kind === "StringObject" ? filterIndexKeys(filterKeys(keys, ["length"])) : keys;
      if (keys.length === 0) return base;
    } else if (kind === "SymbolObject") {
      return `[Symbol: ${String(SymbolPrototypeValueOf(value))}]`;
    } else if (kind === "ModuleNamespace") {
      prefix = "[Module: null prototype] ";
    }
    if (depth > ctx.depth && entries.length + keys.length > 0) {
      return kind === "Array" ? "[Array]" : `[${name ?? "Object"}]`;
    }
    if (keys.length > 0 && entries.length === 0) ctx.currentDepth = depth;
    for (let i = 0; i < keys.length; i++) SafeArrayPush(entries, formatProperty(value, keys[i], ctx, depth));
    if (base !== "") return entries.length === 0 ? base : `${base} ${join(entries, ["{", "}"], base, ctx, depth, undefined)}`;
    if (entries.length === 0) return `${prefix}${braces[0]}${braces[1]}`;
    const array = kind === "Array" || kind === "TypedArray" ? value : undefined;
    return `${prefix}${join(entries, braces, prefix, ctx, depth, array)}`;
  }

  function boxed(value, kind) {
    const { StringPrototypeValueOf, NumberPrototypeValueOf, BooleanPrototypeValueOf } = hooks.primordials;
    return kind === "StringObject" ? StringPrototypeValueOf(value) : kind === "NumberObject" ? NumberPrototypeValueOf(value) : BooleanPrototypeValueOf(value);
  }

  function safeSource(fn) {
    try {
      return FunctionPrototypeToString(fn);
    } catch {
      return "";
    }
  }

  function nameOf(fn) {
    const desc = SafeGetOwnPropertyDescriptor(fn, "name");
    return desc !== undefined && typeof desc.value === "string" && desc.value !== "" ? desc.value : "(anonymous)";
  }

  function errorText(error) {
    const name = findProperty(error, "name")?.value;
    const message = findProperty(error, "message")?.value;
    return `${typeof name === "string" ? name : "Error"}${message ? `: ${message}` : ""}`;
  }

  function hexBytes(bytes, length) {
    const shown = [];
    const max = length > 50 ? 50 : length;
    for (let i = 0; i < max; i++) SafeArrayPush(shown, `${bytes[i] < 16 ? "0" : ""}${hooks.primordials.NumberPrototypeToString(bytes[i], 16)}`);
    return `${ArrayPrototypeJoin(shown, " ")}${length > 50 ? ` ... ${length - 50} more byte${length - 50 > 1 ? "s" : ""}` : ""}`;
  }

  function formatBuffer(value, length) {
    return `<Buffer${length > 0 ? " " : ""}${hexBytes(value, length)}>`;
  }

  function listItems(value, length, ctx, depth) {
    const out = [];
    if (depth > ctx.depth) return out;
    const max = length > ctx.maxArrayLength ? ctx.maxArrayLength : length;
    let holes = 0;
    for (let i = 0; i < max; i++) {
      const desc = SafeGetOwnPropertyDescriptor(value, i);
      if (desc === undefined) {
        holes++;
        continue;
      }
      if (holes > 0) SafeArrayPush(out, emptyItems(holes));
      holes = 0;
      SafeArrayPush(out, "value" in desc ? formatValue(desc.value, ctx, depth + 1) : accessorText(desc));
    }
    if (holes > 0) SafeArrayPush(out, emptyItems(holes));
    if (length > max) SafeArrayPush(out, `... ${length - max} more item${length - max > 1 ? "s" : ""}`);
    return out;
  }

  function emptyItems(count) {
    return `<${count} empty item${count > 1 ? "s" : ""}>`;
  }

  function accessorText(desc) {
    return desc.get !== undefined ? (desc.set !== undefined ? "[Getter/Setter]" : "[Getter]") : "[Setter]";
  }

  function ownKeys(value, ctx) {
    const keys = ReflectOwnKeys(value);
    if (ctx.showHidden) return keys;
    const out = [];
    for (let i = 0; i < keys.length; i++) {
      const desc = SafeGetOwnPropertyDescriptor(value, keys[i]);
      if (desc !== undefined && desc.enumerable) SafeArrayPush(out, keys[i]);
    }
    return out;
  }

  function filterKeys(keys, drop) {
    const out = [];
    for (let i = 0; i < keys.length; i++) if (!hooks.primordials.ArrayPrototypeIncludes(drop, keys[i])) SafeArrayPush(out, keys[i]);
    return out;
  }

  const INDEX = SafeRegExp(/^(0|[1-9][0-9]*)$/);
  function filterIndexKeys(keys) {
    const out = [];
    for (let i = 0; i < keys.length; i++) if (typeof keys[i] !== "string" || !SafeRegExpTest(INDEX, keys[i])) SafeArrayPush(out, keys[i]);
    return out;
  }

  function formatProperty(value, key, ctx, depth) {
    const desc = SafeGetOwnPropertyDescriptor(value, key);
    const shown = desc === undefined ? "undefined" : "value" in desc ? formatValue(desc.value, ctx, depth + 1) : accessorText(desc);
    return desc !== undefined && !desc.enumerable ? `[${formatKey(key)}]: ${shown}` : `${formatKey(key)}: ${shown}`;
  }

  // Node's reduceToSingleString: on one line when the entries hold fewer than `compact` levels
  // and fit the break length, else one entry (or one row of a long array) a line.
  function join(entries, braces, base, ctx, depth, array) {
    const count = entries.length;
    if (array !== undefined && count > 6) entries = groupArrayElements(ctx, entries, array, depth);
    if (ctx.currentDepth - depth < ctx.compact && count === entries.length) {
      let width = entries.length + 2 * depth + braces[0].length + base.length + 10;
      let multiline = false;
      for (let i = 0; i < entries.length; i++) {
        width += entries[i].length;
        if (StringPrototypeIncludes(entries[i], "\n")) multiline = true;
      }
      if (!multiline && width + 2 * entries.length <= ctx.breakLength) return `${braces[0]} ${ArrayPrototypeJoin(entries, ", ")} ${braces[1]}`;
    }
    const indentation = `\n${StringPrototypeRepeat(" ", 2 * depth)}`;
    return `${braces[0]}${indentation}  ${ArrayPrototypeJoin(entries, `,${indentation}  `)}${indentation}${braces[1]}`;
  }

  // Node's groupArrayElements: short entries of a long array in aligned columns.
  function groupArrayElements(ctx, output, value, depth) {
    let totalLength = 0;
    let maxLength = 0;
    const outputLength = ctx.maxArrayLength < output.length ? output.length - 1 : output.length;
    const dataLen = [];
    for (let i = 0; i < outputLength; i++) {
      const len = output[i].length;
      SafeArrayPush(dataLen, len);
      totalLength += len + 2;
      if (maxLength < len) maxLength = len;
    }
    const actualMax = maxLength + 2;
    const indentation = 2 * depth;
    if (!(actualMax * 3 + indentation < ctx.breakLength && (totalLength / actualMax > 5 || maxLength <= 6))) return output;
    const averageBias = MathSqrt(actualMax - totalLength / output.length);
    const biasedMax = MathMax(actualMax - 3 - averageBias, 1);
    const columns = MathMin(
      MathRound(MathSqrt(2.5 * biasedMax * outputLength) / biasedMax),
      MathFloor((ctx.breakLength - indentation) / actualMax),
      ctx.compact * 4,
      15,
    );
    if (columns <= 1) return output;
    const maxLineLength = [];
    for (let i = 0; i < columns; i++) {
      let lineLength = 0;
      for (let j = i; j < output.length; j += columns) if (dataLen[j] > lineLength) lineLength = dataLen[j];
      SafeArrayPush(maxLineLength, lineLength + 2);
    }
    let numbers = true;
    for (let i = 0; i < outputLength && numbers; i++) numbers = typeof value[i] === "number" || typeof value[i] === "bigint";
    const grouped = [];
    for (let i = 0; i < outputLength; i += columns) {
      const max = MathMin(i + columns, outputLength);
      let line = "";
      let j = i;
      for (; j < max - 1; j++) {
        const cell = `${output[j]}, `;
        line += numbers ? StringPrototypePadStart(cell, maxLineLength[j - i], " ") : StringPrototypePadEnd(cell, maxLineLength[j - i], " ");
      }
      line += numbers ? StringPrototypePadStart(output[j], maxLineLength[j - i] - 2, " ") : output[j];
      SafeArrayPush(grouped, line);
    }
    if (ctx.maxArrayLength < output.length) SafeArrayPush(grouped, output[outputLength]);
    return grouped;
  }

  function contextOf(options) {
    const ctx = { __proto__: null, seen: new SafeSet(), circular: new SafeMap(), currentDepth: 0, customInspect: true, ...DEFAULTS };
    if (options !== null && typeof options === "object") {
      const names = ["depth", "breakLength", "maxArrayLength", "maxStringLength", "showHidden", "customInspect", "compact", "sorted", "getters", "colors"];
      for (let i = 0; i < names.length; i++) {
        const desc = SafeGetOwnPropertyDescriptor(options, names[i]);
        if (desc !== undefined && "value" in desc && desc.value !== undefined) ctx[names[i]] = desc.value;
      }
    }
    if (ctx.depth === null) ctx.depth = Infinity;
    if (ctx.maxArrayLength === null) ctx.maxArrayLength = Infinity;
    if (ctx.maxStringLength === null) ctx.maxStringLength = Infinity;
    return ctx;
  }

  function inspect(value, options = undefined) {
    if (typeof options === "boolean") options = { showHidden: options };
    if (arguments.length > 2 && arguments[2] !== undefined) options = { ...options, depth: arguments[2] };
    return formatValue(value, contextOf(options), 0);
  }
  constant(inspect, "custom", customInspect);
  constant(inspect, "defaultOptions", { ...DEFAULTS });

  // --- format ----------------------------------------------------------------------------------

  function formatWithOptions(inspectOptions, ...args) {
    if (inspectOptions === null || typeof inspectOptions !== "object") throw invalidArgType("inspectOptions", "of type object", inspectOptions);
    return formatArgs(inspectOptions, args);
  }

  function format(...args) {
    return formatArgs(undefined, args);
  }

  function asString(value, options) {
    if (typeof value === "bigint") return `${value}n`;
    if (typeof value === "number" && ObjectIs(value, -0)) return "-0";
    if (value !== null && typeof value === "object") {
      return kindOf(value) === "NativeError" ? errorText(value) : inspect(value, { ...options, depth: 0 });
    }
    if (typeof value === "symbol") return String(value);
    return `${value}`;
  }

  function formatArgs(options, args) {
    const first = args[0];
    let out = "";
    let next = 1;
    if (typeof first === "string") {
      let last = 0;
      for (let i = 0; i < first.length - 1; i++) {
        if (StringPrototypeCharCodeAt(first, i) !== 37) continue;
        const spec = first[i + 1];
        let piece;
        if (spec === "%") piece = "%";
        else if (next >= args.length) continue;
        else {
          const arg = args[next];
          switch (spec) {
            case "s": piece = typeof arg === "string" ? arg : asString(arg, options); break;
            case "d": piece = typeof arg === "bigint" ? `${arg}n` : typeof arg === "symbol" ? "NaN" : formatPrimitive(Number(arg), DEFAULTS); break;
            case "i": piece = typeof arg === "bigint" ? `${arg}n` : typeof arg === "symbol" ? "NaN" : `${parseInt(arg)}`; break;
            case "f": piece = typeof arg === "symbol" ? "NaN" : `${parseFloat(arg)}`; break;
            case "j": piece = jsonOf(arg); break;
            case "o": piece = inspect(arg, { ...options, showHidden: true, depth: 4 }); break;
            case "O": piece = inspect(arg, options); break;
            case "c": piece = ""; break;
            default: continue;
          }
          next++;
        }
        out += StringPrototypeSlice(first, last, i) + piece;
        last = i + 2;
        i++;
      }
      out += StringPrototypeSlice(first, last);
    } else {
      next = 0;
    }
    for (let i = next; i < args.length; i++) {
      const arg = args[i];
      const piece = typeof arg === "string" ? arg : inspect(arg, options);
      out += out === "" && i === 0 ? piece : ` ${piece}`;
    }
    return out;
  }

  function jsonOf(value) {
    try {
      return `${JSONStringify(value)}`;
    } catch (error) {
      if (kindOf(error) === "NativeError" && StringPrototypeIncludes(`${error.message}`, "circular")) return "[Circular]";
      throw error;
    }
  }

  // --- isDeepStrictEqual -----------------------------------------------------------------------

  function isDeepStrictEqual(a, b) {
    return deepEqual(a, b, { __proto__: null, strict: true, seen: new SafeMap() });
  }

  // Node's comparison for isDeepStrictEqual and assert's deep equality: `strict` compares
  // primitives with Object.is and prototypes too; loose uses == and ignores prototypes.
  function deepEqual(a, b, mode) {
    if (mode.strict ? ObjectIs(a, b) : a == b || (a !== a && b !== b)) return true;
    if (a === null || b === null || typeof a !== "object" || typeof b !== "object") {
      return false;
    }
    if (mode.strict && ObjectGetPrototypeOf(a) !== ObjectGetPrototypeOf(b)) return false;
    const seen = mode.seen;
    const kind = ops.nodeTypeOf(a);
    if (kind !== ops.nodeTypeOf(b)) return false;
    if (seen.get(a) === b) return true;
    seen.set(a, b);
    if (kind === "Date" && !ObjectIs(DatePrototypeGetTime(a), DatePrototypeGetTime(b))) return false;
    if (kind === "RegExp" && (RegExpPrototypeGetSource(a) !== RegExpPrototypeGetSource(b) || RegExpPrototypeGetFlags(a) !== RegExpPrototypeGetFlags(b))) return false;
    if (kind === "NativeError" && (a.message !== b.message || a.name !== b.name)) return false;
    if ((kind === "NumberObject" || kind === "StringObject" || kind === "BooleanObject") && !ObjectIs(boxed(a, kind), boxed(b, kind))) return false;
    if (kind === "TypedArray") {
      if (typedArrayName(a) !== typedArrayName(b) || TypedArrayPrototypeGetLength(a) !== TypedArrayPrototypeGetLength(b)) return false;
      for (let i = 0; i < TypedArrayPrototypeGetLength(a); i++) if (!ObjectIs(a[i], b[i])) return false;
    }
    if (kind === "Map" || kind === "Set") {
      if (!collectionsEqual(a, b, kind, mode)) return false;
    }
    const keysA = ownKeys(a, DEFAULTS);
    const keysB = ownKeys(b, DEFAULTS);
    if (keysA.length !== keysB.length) return false;
    for (let i = 0; i < keysA.length; i++) {
      const desc = SafeGetOwnPropertyDescriptor(b, keysA[i]);
      if (desc === undefined || !desc.enumerable) return false;
      if (!deepEqual(a[keysA[i]], b[keysA[i]], mode)) return false;
    }
    return true;
  }

  function collectionsEqual(a, b, kind, mode) {
    const size = kind === "Map" ? hooks.primordials.MapPrototypeGetSize : hooks.primordials.SetPrototypeGetSize;
    if (size(a) !== size(b)) return false;
    const listA = [];
    const listB = [];
    const each = kind === "Map" ? MapPrototypeForEach : SetPrototypeForEach;
    each(a, (value, key) => SafeArrayPush(listA, [key, value]));
    each(b, (value, key) => SafeArrayPush(listB, [key, value]));
    const used = new SafeSet();
    for (let i = 0; i < listA.length; i++) {
      let found = false;
      for (let j = 0; j < listB.length && !found; j++) {
        if (used.has(j)) continue;
        if (deepEqual(listA[i][0], listB[j][0], mode) && deepEqual(listA[i][1], listB[j][1], mode)) {
          used.add(j);
          found = true;
        }
      }
      if (!found) return false;
    }
    return true;
  }

  // --- the rest --------------------------------------------------------------------------------

  function inherits(ctor, superCtor) {
    validateFunction(ctor, "ctor");
    validateFunction(superCtor, "superCtor");
    if (superCtor.prototype === undefined) throw invalidArgType("superCtor.prototype", "of type object", superCtor.prototype);
    ObjectDefineProperty(ctor, "super_", { __proto__: null, value: superCtor, writable: true, configurable: true });
    ObjectSetPrototypeOf(ctor.prototype, superCtor.prototype);
  }

  function deprecate(fn, message, code = undefined) {
    validateFunction(fn, "fn");
    const state = { __proto__: null, warned: false };
    return function deprecated(...args) {
      if (!state.warned) {
        state.warned = true;
        hooks["node:process"].emitWarning(message, "DeprecationWarning", code);
      }
      return new.target ? hooks.primordials.ReflectConstruct(fn, args, new.target) : ReflectApply(fn, this, args);
    };
  }

  const is = (name) => (value) => kindOf(value) === name;
  const types = {
    isPromise: is("Promise"), isDate: is("Date"), isRegExp: is("RegExp"), isMap: is("Map"), isSet: is("Set"),
    isWeakMap: is("WeakMap"), isWeakSet: is("WeakSet"), isProxy: is("Proxy"), isNativeError: is("NativeError"),
    isMapIterator: is("MapIterator"), isSetIterator: is("SetIterator"), isArrayBuffer: is("ArrayBuffer"),
    isSharedArrayBuffer: is("SharedArrayBuffer"), isDataView: is("DataView"), isTypedArray: is("TypedArray"),
    isGeneratorObject: is("GeneratorObject"), isAsyncFunction: is("AsyncFunction"),
    isGeneratorFunction: is("GeneratorFunction"), isArgumentsObject: is("Arguments"),
    isModuleNamespaceObject: is("ModuleNamespace"), isNumberObject: is("NumberObject"),
    isStringObject: is("StringObject"), isBooleanObject: is("BooleanObject"), isBigIntObject: is("BigIntObject"),
    isSymbolObject: is("SymbolObject"),
    isAnyArrayBuffer: (value) => kindOf(value) === "ArrayBuffer" || kindOf(value) === "SharedArrayBuffer",
    isArrayBufferView: (value) => kindOf(value) === "TypedArray" || kindOf(value) === "DataView",
    isBoxedPrimitive: (value) => {
      const kind = kindOf(value);
      return kind === "NumberObject" || kind === "StringObject" || kind === "BooleanObject" || kind === "BigIntObject" || kind === "SymbolObject";
    },
    isExternal: () => false,
    isKeyObject: () => false,
    isCryptoKey: (value) => value !== null && typeof value === "object" && hooks.primordials.instanceOf(value, hooks.global("CryptoKey")),
  };
  const typedNames = ["Uint8Array", "Uint8ClampedArray", "Uint16Array", "Uint32Array", "Int8Array", "Int16Array", "Int32Array", "Float32Array", "Float64Array", "BigInt64Array", "BigUint64Array"];
  for (let i = 0; i < typedNames.length; i++) {
    const name = typedNames[i];
    constant(types, `is${name}`, (value) => kindOf(value) === "TypedArray" && typedArrayName(value) === name);
  }
  ObjectFreeze(types);

  const util = {
    promisify, callbackify, inspect, format, formatWithOptions, inherits, deprecate, isDeepStrictEqual, types,
    TextEncoder, TextDecoder,
    isArray: ArrayIsArray,
    isBoolean: (value) => typeof value === "boolean",
    isNull: (value) => value === null,
    isNullOrUndefined: (value) => value === null || value === undefined,
    isNumber: (value) => typeof value === "number",
    isString: (value) => typeof value === "string",
    isSymbol: (value) => typeof value === "symbol",
    isUndefined: (value) => value === undefined,
    isObject: (value) => value !== null && typeof value === "object",
    isFunction: (value) => typeof value === "function",
    isPrimitive: (value) => value === null || (typeof value !== "object" && typeof value !== "function"),
    isRegExp: types.isRegExp,
    isDate: types.isDate,
    isError: (value) => kindOf(value) === "NativeError",
    toUSVString: (text) => hooks.primordials.StringPrototypeToWellFormed(`${text}`),
    stripVTControlCharacters: (text) => SafeStringReplace(`${text}`, ANSI, ""),
  };
  const ANSI = SafeRegExp(/\u001b\[[0-9;]*[A-Za-z]/g);
  hooks["node:util"] = ObjectFreeze(util);
  hooks.nodeDeepEqual = (a, b, strict) => deepEqual(a, b, { __proto__: null, strict, seen: new SafeMap() });
  hooks["node:util/types"] = types;
});
