// util.inspect and util.format for node:util (hooks.nodeInspect): Node's output for each kind of
// value, bounded by depth, array and string lengths and cycles. Kinds come from V8's internal
// slots (ops.nodeTypeOf), never from a tenant's Symbol.toStringTag; a proxy is shown as its
// target, without running its traps, as Node's inspect does.
(function (ops, hooks) {
  "use strict";
  const {
    ArrayIsArray, ArrayPrototypeJoin, DatePrototypeGetTime, DatePrototypeToISOString, Error, FunctionPrototypeToString,
    JSONStringify, MapPrototypeForEach, MathFloor, MathMax, MathMin, MathRound, MathSqrt, StringPrototypePadEnd,
    StringPrototypePadStart, StringPrototypeRepeat, Number, NumberIsNaN, ObjectDefineProperty, SafeGetOwnPropertyDescriptor,
    ObjectFreeze, ObjectGetPrototypeOf, ObjectIs, ObjectKeys, ObjectSetPrototypeOf, PromiseWithResolvers, ReflectApply, ReflectOwnKeys,
    RegExpPrototypeGetFlags, RegExpPrototypeGetSource, SafeArrayPush, SafeMap, SafeRegExp, SafeRegExpTest, SafeSet,
    SafeStringReplace, SetPrototypeForEach, String, StringPrototypeCharCodeAt, StringPrototypeIncludes,
    StringPrototypeSlice, SymbolFor, SymbolPrototypeValueOf, TypedArrayPrototypeGetLength, parseFloat,
    parseInt, typedArrayName,
  } = hooks.primordials;
  const { coded, invalidArgType, validateFunction } = hooks.node;

  // Defined, not assigned: assignment would run a setter the tenant put on a prototype.
  function constant(target, name, value) {
    ObjectDefineProperty(target, name, { __proto__: null, value, writable: true, enumerable: true, configurable: true });
  }

  const kindOf = (value) => (value !== null && (typeof value === "object" || typeof value === "function") ? ops.nodeTypeOf(value) : undefined);

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
    for (let i = 0; i < max; i++) {
      const desc = SafeGetOwnPropertyDescriptor(value, i);
      if (desc === undefined) return sparseItems(value, length, ctx, depth, out, i, max);
      SafeArrayPush(out, itemText(desc, ctx, depth));
    }
    if (length > max) SafeArrayPush(out, moreItems(length - max));
    return out;
  }

  function itemText(desc, ctx, depth) {
    return "value" in desc ? formatValue(desc.value, ctx, depth + 1) : accessorText(desc);
  }

  function moreItems(count) {
    return `... ${count} more item${count > 1 ? "s" : ""}`;
  }

  // Node's formatSpecialArray: from the first hole on, the array's own index keys in order,
  // each run of holes between them one `<N empty items>` entry.
  function sparseItems(value, length, ctx, depth, out, start, max) {
    const keys = ObjectKeys(value);
    let index = start;
    for (let i = start; i < keys.length && out.length < max; i++) {
      const key = keys[i];
      const at = +key;
      if (at > 2 ** 32 - 2) break;
      if (`${index}` !== key) {
        if (!SafeRegExpTest(INDEX, key)) break;
        SafeArrayPush(out, emptyItems(at - index));
        index = at;
        if (out.length === max) break;
      }
      SafeArrayPush(out, itemText(SafeGetOwnPropertyDescriptor(value, key), ctx, depth));
      index++;
    }
    const remaining = length - index;
    if (out.length !== max) {
      if (remaining > 0) SafeArrayPush(out, emptyItems(remaining));
    } else if (remaining > 0) {
      SafeArrayPush(out, moreItems(remaining));
    }
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

  hooks.nodeInspect = ObjectFreeze({ __proto__: null, inspect, format, formatWithOptions, ownKeys, boxed, DEFAULTS });
});
