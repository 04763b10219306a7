// Blob, File and FormData (File API, XHR's FormData), and the multipart/form-data encoding the
// Fetch Standard uses for FormData bodies.
//
// Sets `hooks.blob` = { isBlob, cloneBlob, bytesOf, typeOf, newBlob, isFormData, encodeFormData,
// parseFormData } for Request/Response bodies (09_request_response.js). A blob's bytes are one
// Uint8Array the runtime made and never writes after, so slices and bodies share it.
(function (ops, hooks) {
  "use strict";
  const { exposeClass, pairIterable, toBytes } = hooks.webidl;
  const {
    ArrayBufferIsView, DateNow, MathFloor, MathMax, MathMin, MathTrunc, Number, ReflectApply, SafeArrayFrom,
    SafeArrayPush, SafeArrayRemoveAt, SafeRegExp, SafeRegExpTest, SafeStringReplace, StringPrototypeToLowerCase,
    StringPrototypeToWellFormed, Symbol, SymbolIterator, TypeError, TypedArrayPrototypeGetBuffer,
    TypedArrayPrototypeGetByteOffset, TypedArrayPrototypeGetLength, TypedArrayPrototypeSet, Uint8Array, isArrayBuffer,
    isSharedArrayBuffer,
  } = hooks.primordials;

  const NOT_PRINTABLE_ASCII = SafeRegExp(/[^\x20-\x7e]/);
  // Every line break: CR LF, a lone CR, a lone LF.
  const LINE_BREAKS = SafeRegExp(/\r\n|\r|\n/g);
  const NAME_ESCAPES = SafeRegExp(/[\r\n"]/g);
  const escapes = { __proto__: null, "\r": "%0D", "\n": "%0A", '"': "%22" };

  function dictionary(value, what) {
    if (value === undefined || value === null) return { __proto__: null };
    if (typeof value !== "object" && typeof value !== "function") throw new TypeError(`${what}: options must be an object`);
    return value;
  }

  // The File API's type normalisation: lower case if printable ASCII, else empty.
  function normalizeType(type) {
    const text = `${type}`;
    return SafeRegExpTest(NOT_PRINTABLE_ASCII, text) ? "" : StringPrototypeToLowerCase(text);
  }

  function concat(chunks, total) {
    const out = new Uint8Array(total);
    let at = 0;
    for (let i = 0; i < chunks.length; i++) {
      TypedArrayPrototypeSet(out, chunks[i], at);
      at += TypedArrayPrototypeGetLength(chunks[i]);
    }
    return out;
  }

  function view(bytes, start, end) {
    return new Uint8Array(TypedArrayPrototypeGetBuffer(bytes), TypedArrayPrototypeGetByteOffset(bytes) + start, end - start);
  }

  function copy(bytes) {
    const out = new Uint8Array(TypedArrayPrototypeGetLength(bytes));
    TypedArrayPrototypeSet(out, bytes);
    return out;
  }

  const internal = Symbol("internal");
  let bytesOf;
  let typeOf;
  let isBlob;

  class Blob {
    #bytes;
    #type;

    constructor(blobParts = undefined, options = undefined) {
      if (blobParts === internal) {
        this.#bytes = options.bytes;
        this.#type = options.type;
        return;
      }
      const init = dictionary(options, "Blob");
      const endings = init.endings === undefined ? "transparent" : `${init.endings}`;
      if (endings !== "transparent" && endings !== "native") throw new TypeError("Blob: endings must be 'transparent' or 'native'");
      this.#bytes = processParts(blobParts, endings);
      this.#type = init.type === undefined ? "" : normalizeType(init.type);
    }

    static {
      bytesOf = (blob) => blob.#bytes;
      typeOf = (blob) => blob.#type;
      isBlob = (value) => value !== null && typeof value === "object" && #bytes in value;
    }

    get size() {
      return TypedArrayPrototypeGetLength(this.#bytes);
    }

    get type() {
      return this.#type;
    }

    slice(start = undefined, end = undefined, contentType = undefined) {
      const size = TypedArrayPrototypeGetLength(this.#bytes);
      const from = relative(start, size, 0);
      const to = relative(end, size, size);
      const type = contentType === undefined ? "" : normalizeType(contentType);
      return new Blob(internal, { __proto__: null, bytes: view(this.#bytes, from, MathMax(from, to)), type });
    }

    async text() {
      return ops.utf8Decode(this.#bytes, false, false);
    }

    async arrayBuffer() {
      return TypedArrayPrototypeGetBuffer(copy(this.#bytes));
    }

    async bytes() {
      return copy(this.#bytes);
    }

    // A byte stream of one chunk, made through the streams file's internal API (a controller
    // record, not the tenant-replaceable controller prototype).
    stream() {
      const bytes = copy(this.#bytes);
      const pull = (controller) => {
        if (TypedArrayPrototypeGetLength(bytes) > 0) controller.enqueue(bytes);
        controller.close();
      };
      return hooks.streams.readableFromPull(pull, undefined, { __proto__: null, bytes: true });
    }
  }

  // slice()'s start and end: negative counts from the end, clamped to [0, size].
  function relative(value, size, fallback) {
    if (value === undefined) return fallback;
    const n = clampLongLong(value);
    return n < 0 ? MathMax(size + n, 0) : MathMin(n, size);
  }

  // WebIDL's `[Clamp] long long`: NaN is 0, the rest clamped and rounded half to even.
  function clampLongLong(value) {
    const x = MathMin(MathMax(Number(value), -9223372036854775808), 9223372036854775807);
    if (x !== x) return 0;
    const floor = MathFloor(x);
    const fraction = x - floor;
    const rounded = fraction > 0.5 || (fraction === 0.5 && floor % 2 !== 0) ? floor + 1 : floor;
    return rounded === 0 ? 0 : rounded;
  }

  // The File API's "process blob parts": strings as UTF-8 (line endings made native if asked),
  // buffers and views copied, blobs shared.
  function processParts(blobParts, endings) {
    if (blobParts === undefined) return new Uint8Array(0);
    if (blobParts === null || typeof blobParts !== "object" || typeof blobParts[SymbolIterator] !== "function") {
      throw new TypeError("Blob: blobParts must be a sequence");
    }
    const parts = SafeArrayFrom(blobParts);
    const chunks = [];
    let total = 0;
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i];
      let chunk;
      if (isBlob(part)) chunk = bytesOf(part);
      else if (ArrayBufferIsView(part) || isArrayBuffer(part) || isSharedArrayBuffer(part)) chunk = copy(toBytes(part, "Blob"));
      else {
        const text = StringPrototypeToWellFormed(`${part}`);
        chunk = ops.utf8Encode(endings === "native" ? SafeStringReplace(text, LINE_BREAKS, "\n") : text);
      }
      SafeArrayPush(chunks, chunk);
      total += TypedArrayPrototypeGetLength(chunk);
    }
    return concat(chunks, total);
  }

  let isFile;
  let nameOf;
  let lastModifiedOf;

  class File extends Blob {
    #name;
    #lastModified;

    static {
      isFile = (value) => value !== null && typeof value === "object" && #name in value;
      nameOf = (file) => file.#name;
      lastModifiedOf = (file) => file.#lastModified;
    }

    constructor(fileBits, fileName, options = undefined) {
      if (fileBits === internal) {
        // The runtime's own copy: { bytes, type, name, lastModified }, taken as they are.
        super(internal, fileName);
        this.#name = fileName.name;
        this.#lastModified = fileName.lastModified;
        return;
      }
      if (arguments.length < 2) throw new TypeError(`File: 2 arguments required, but only ${arguments.length} present`);
      super(fileBits, options);
      const init = dictionary(options, "File");
      this.#name = StringPrototypeToWellFormed(`${fileName}`);
      this.#lastModified = init.lastModified === undefined ? DateNow() : MathTrunc(Number(init.lastModified)) || 0;
    }

    get name() {
      return this.#name;
    }

    get lastModified() {
      return this.#lastModified;
    }
  }

  function newBlob(bytes, type) {
    return new Blob(internal, { __proto__: null, bytes, type: normalizeType(type) });
  }

  // structuredClone's copy of a Blob or File: the bytes are never written, so the copy shares them.
  function cloneBlob(blob) {
    const fields = { __proto__: null, bytes: bytesOf(blob), type: typeOf(blob) };
    if (!isFile(blob)) return new Blob(internal, fields);
    fields.name = nameOf(blob);
    fields.lastModified = lastModifiedOf(blob);
    return new File(internal, fields);
  }

  function newFile(bytes, name, type) {
    return new File([newBlob(bytes, type)], name, { __proto__: null, type });
  }

  // --- FormData ---------------------------------------------------------------------------------

  let entriesOf;
  let isFormData;

  // XHR's "create an entry": strings well-formed; a Blob becomes a File named "blob" unless
  // given a filename; a File keeps its name unless given one.
  function entry(name, value, filename, argc) {
    const key = StringPrototypeToWellFormed(`${name}`);
    if (!isBlob(value)) {
      if (argc > 2) throw new TypeError("FormData: a filename is only allowed with a Blob value");
      return { __proto__: null, name: key, value: StringPrototypeToWellFormed(`${value}`) };
    }
    if (isFile(value) && filename === undefined) return { __proto__: null, name: key, value };
    const fileName = filename !== undefined ? `${filename}` : isFile(value) ? nameOf(value) : "blob";
    return { __proto__: null, name: key, value: new File([value], fileName, { __proto__: null, type: typeOf(value) }) };
  }

  let entryAt;

  class FormData {
    #entries = [];

    constructor(form = undefined) {
      if (form !== undefined) throw new TypeError("FormData: there are no HTML forms in this runtime");
    }

    static {
      entriesOf = (data) => data.#entries;
      isFormData = (value) => value !== null && typeof value === "object" && #entries in value;
    }

    append(name, value, filename = undefined) {
      if (arguments.length < 2) throw new TypeError(`FormData.append: 2 arguments required, but only ${arguments.length} present`);
      SafeArrayPush(this.#entries, entry(name, value, filename, arguments.length));
    }

    delete(name) {
      const key = StringPrototypeToWellFormed(`${name}`);
      for (let i = this.#entries.length - 1; i >= 0; i--) if (this.#entries[i].name === key) SafeArrayRemoveAt(this.#entries, i);
    }

    get(name) {
      const key = StringPrototypeToWellFormed(`${name}`);
      for (let i = 0; i < this.#entries.length; i++) if (this.#entries[i].name === key) return this.#entries[i].value;
      return null;
    }

    getAll(name) {
      const key = StringPrototypeToWellFormed(`${name}`);
      const out = [];
      for (let i = 0; i < this.#entries.length; i++) if (this.#entries[i].name === key) SafeArrayPush(out, this.#entries[i].value);
      return out;
    }

    has(name) {
      return this.get(name) !== null;
    }

    set(name, value, filename = undefined) {
      if (arguments.length < 2) throw new TypeError(`FormData.set: 2 arguments required, but only ${arguments.length} present`);
      const made = entry(name, value, filename, arguments.length);
      const i = findIndex(this.#entries, made.name);
      if (i === -1) {
        SafeArrayPush(this.#entries, made);
        return;
      }
      this.#entries[i] = made;
      for (let j = this.#entries.length - 1; j > i; j--) if (this.#entries[j].name === made.name) SafeArrayRemoveAt(this.#entries, j);
    }

    forEach(callback, thisArg = undefined) {
      if (typeof callback !== "function") throw new TypeError("FormData.forEach: the callback must be a function");
      for (let i = 0; i < this.#entries.length; i++) {
        const { name, value } = this.#entries[i];
        ReflectApply(callback, thisArg, [value, name, this]);
      }
    }

    static {
      entryAt = (form, index) => {
        if (index >= form.#entries.length) return undefined;
        const entry = form.#entries[index];
        return [entry.name, entry.value];
      };
    }
  }

  pairIterable(FormData, entryAt);

  function findIndex(entries, name) {
    for (let i = 0; i < entries.length; i++) if (entries[i].name === name) return i;
    return -1;
  }

  // The HTML Standard's multipart/form-data encoding: names and filenames quoted with CR, LF
  // and `"` percent-encoded; string values with normalised line breaks.
  function encodeFormData(data) {
    const boundary = `----workerbox-${ops.randomUUID()}`;
    const chunks = [];
    let total = 0;
    const add = (chunk) => {
      SafeArrayPush(chunks, chunk);
      total += TypedArrayPrototypeGetLength(chunk);
    };
    const entries = entriesOf(data);
    for (let i = 0; i < entries.length; i++) {
      const { name, value } = entries[i];
      let head = `--${boundary}\r\nContent-Disposition: form-data; name="${escapeName(name)}"`;
      if (typeof value === "string") {
        add(ops.utf8Encode(`${head}\r\n\r\n${SafeStringReplace(value, LINE_BREAKS, "\r\n")}\r\n`));
        continue;
      }
      head += `; filename="${escapeName(nameOf(value))}"\r\nContent-Type: ${typeOf(value) || "application/octet-stream"}\r\n\r\n`;
      add(ops.utf8Encode(head));
      add(bytesOf(value));
      add(ops.utf8Encode("\r\n"));
    }
    add(ops.utf8Encode(`--${boundary}--\r\n`));
    return { __proto__: null, bytes: concat(chunks, total), type: `multipart/form-data; boundary=${boundary}` };
  }

  function escapeName(name) {
    return SafeStringReplace(SafeStringReplace(name, LINE_BREAKS, "\r\n"), NAME_ESCAPES, (c) => escapes[c]);
  }

  // Body.formData(): multipart (parsed natively) or urlencoded, by the body's Content-Type.
  function parseFormData(bytes, contentType) {
    const data = new FormData();
    const essence = StringPrototypeToLowerCase(contentType ?? "");
    if (SafeRegExpTest(MULTIPART, essence)) {
      const parts = ops.multipartParse(bytes, contentType);
      if (parts === null) throw new TypeError("formData(): the body is not valid multipart/form-data");
      for (let i = 0; i < parts.length; i++) {
        const part = parts[i];
        const filename = part[1];
        const value = filename === undefined ? ops.utf8Decode(part[3], false, false) : newFile(part[3], filename, part[2] ?? "");
        SafeArrayPush(entriesOf(data), { __proto__: null, name: part[0], value });
      }
      return data;
    }
    if (SafeRegExpTest(URLENCODED, essence)) {
      const URLSearchParams = hooks.global("URLSearchParams");
      const params = hooks.urlSearchParams.paramsList(new URLSearchParams(ops.utf8Decode(bytes, false, false)));
      for (let i = 0; i < params.length; i++) SafeArrayPush(entriesOf(data), { __proto__: null, name: params[i][0], value: params[i][1] });
      return data;
    }
    throw new TypeError("formData(): the Content-Type is neither multipart/form-data nor application/x-www-form-urlencoded");
  }

  const MULTIPART = SafeRegExp(/^\s*multipart\/form-data\s*;/);
  const URLENCODED = SafeRegExp(/^\s*application\/x-www-form-urlencoded\s*(;|$)/);

  hooks.blob = { isBlob, cloneBlob, bytesOf, typeOf, newBlob, isFormData, encodeFormData, parseFormData };
  exposeClass(Blob);
  exposeClass(File);
  exposeClass(FormData);
});
