// Shared plumbing for the bootstrap files, lazy installation, and DOMException.
//
// Sets `hooks.webidl` = { expose, exposeClass, toBytes, isPlatformObject }; later files take
// their helpers from there, so no helper ever becomes reachable from user code.
//
// Most runtime files are installed lazily (rust/bootstrap.rs says which): the snapshot holds
// none of their code, each global they expose is a lazy data property whose first read compiles
// and runs the file (`hooks.lazyGroup`), and each hook they set is an accessor on `hooks` that does
// the same. So a fresh isolate deserialises none of their classes, and a file runs after tenant
// code may have changed any intrinsic: what a file does while installing is held to the same
// rules as what its functions do when called. Runtime files read each other's globals through
// `hooks.global(name)`, never from `globalThis`, which the tenant may have replaced.
(function (ops, hooks) {
  "use strict";
  const {
    Error, IteratorPrototype, ObjectDefineProperty, ObjectGetPrototypeOf, ObjectSetPrototypeOf, ObjectValues, ReflectApply,
    SafeGetOwnPropertyDescriptor, String, SymbolIterator, SymbolToStringTag, TypeError, Uint8Array,
    SafeWeakSet, ArrayBufferIsView, TypedArrayPrototypeGetBuffer, TypedArrayPrototypeGetByteOffset,
    TypedArrayPrototypeGetByteLength, DataViewPrototypeGetBuffer, DataViewPrototypeGetByteOffset,
    DataViewPrototypeGetByteLength, isArrayBuffer, isSharedArrayBuffer, isTypedArray, globalThis,
  } = hooks.primordials;

  // Every runtime global's value, once its file ran; the owning group of each lazy one.
  const values = { __proto__: null };
  const owners = { __proto__: null };
  const hookOwners = { __proto__: null };
  // The group whose file is running: what it exposes is recorded, not defined on globalThis
  // (the lazy property that asked is replaced by V8 with the value it returns).
  let installing = null;

  // Web platform globals are writable, configurable and non-enumerable.
  function expose(name, value) {
    if (installing === null) {
      ObjectDefineProperty(globalThis, name, { __proto__: null, value, writable: true, configurable: true, enumerable: false });
    } else if (owners[name] !== installing) {
      throw new TypeError(`runtime bug: a lazily installed file exposes ${name}, which bootstrap.rs does not list for it`);
    }
    values[name] = value;
  }

  function install(group) {
    if (group.state === "done") return;
    if (group.state === "running") throw new TypeError("runtime bug: lazily installed files depend on each other in a cycle");
    const outer = installing;
    group.state = "running";
    installing = group;
    try {
      ReflectApply(ops.runtimeFile(group.index), undefined, [ops, hooks]);
      group.state = "done";
    } finally {
      installing = outer;
      // A failed install (the stack ran out, the turn was terminated) runs again on next use.
      if (group.state !== "done") group.state = "pending";
    }
  }

  // Hook `name` if its file has run, else undefined (without installing it): for checks such as
  // "is this a Blob?", which no value can pass before Blob's file ran.
  function installed(name) {
    const group = hookOwners[name];
    return group === undefined || group.state === "done" ? hooks[name] : undefined;
  }

  // The value of runtime global `name` as the runtime made it, installing its file if needed.
  function global(name) {
    const group = owners[name];
    if (group !== undefined) install(group);
    return values[name];
  }

  // Registers a lazily installed file: `index` is its place in bootstrap.rs (compiled by
  // ops.runtimeFile on first use), `globals` the names it exposes (bootstrap.rs makes each a
  // lazy data property resolved through `global`), `hookNames` the hooks it sets (accessors
  // here until it ran).
  function lazyGroup(index, globals, hookNames) {
    const group = { __proto__: null, index, state: "pending" };
    for (let i = 0; i < globals.length; i++) owners[globals[i]] = group;
    for (let i = 0; i < hookNames.length; i++) {
      const name = hookNames[i];
      hookOwners[name] = group;
      ObjectDefineProperty(hooks, name, {
        __proto__: null,
        configurable: true,
        get() {
          install(group);
          const desc = SafeGetOwnPropertyDescriptor(hooks, name);
          if (desc.get !== undefined) throw new TypeError(`runtime bug: a lazily installed file did not set hooks.${name}`);
          return desc.value;
        },
        set(value) {
          ObjectDefineProperty(hooks, name, { __proto__: null, value, writable: true, configurable: true });
        },
      });
    }
  }

  // Objects of classes exposed here print their getters in console.log (01_console.js), as
  // Node's custom inspectors do; user classes never run getters while being printed.
  const platformPrototypes = new SafeWeakSet();

  function isPlatformObject(value) {
    return platformPrototypes.has(ObjectGetPrototypeOf(value));
  }

  // Libraries sniff platform types with Object.prototype.toString ("[object Headers]").
  function exposeClass(cls, name = cls.name) {
    ObjectDefineProperty(cls.prototype, SymbolToStringTag, { __proto__: null, value: name, configurable: true });
    platformPrototypes.add(cls.prototype);
    expose(name, cls);
  }

  // A view over the bytes of a BufferSource, without copying; callers that keep the bytes copy.
  // Read through the views' own getters: `source.buffer` could be the tenant's getter.
  function toBytes(source, what) {
    if (isTypedArray(source)) {
      return new Uint8Array(TypedArrayPrototypeGetBuffer(source), TypedArrayPrototypeGetByteOffset(source), TypedArrayPrototypeGetByteLength(source));
    }
    if (ArrayBufferIsView(source)) {
      return new Uint8Array(DataViewPrototypeGetBuffer(source), DataViewPrototypeGetByteOffset(source), DataViewPrototypeGetByteLength(source));
    }
    if (isArrayBuffer(source) || isSharedArrayBuffer(source)) return new Uint8Array(source);
    throw new TypeError(`${what}: expected an ArrayBuffer or ArrayBufferView`);
  }

  // Legacy codes, which DOMException still exposes as `code` and as constants.
  const legacyCodes = {
    __proto__: null,
    IndexSizeError: ["INDEX_SIZE_ERR", 1],
    HierarchyRequestError: ["HIERARCHY_REQUEST_ERR", 3],
    WrongDocumentError: ["WRONG_DOCUMENT_ERR", 4],
    InvalidCharacterError: ["INVALID_CHARACTER_ERR", 5],
    NoModificationAllowedError: ["NO_MODIFICATION_ALLOWED_ERR", 7],
    NotFoundError: ["NOT_FOUND_ERR", 8],
    NotSupportedError: ["NOT_SUPPORTED_ERR", 9],
    InUseAttributeError: ["INUSE_ATTRIBUTE_ERR", 10],
    InvalidStateError: ["INVALID_STATE_ERR", 11],
    SyntaxError: ["SYNTAX_ERR", 12],
    InvalidModificationError: ["INVALID_MODIFICATION_ERR", 13],
    NamespaceError: ["NAMESPACE_ERR", 14],
    InvalidAccessError: ["INVALID_ACCESS_ERR", 15],
    TypeMismatchError: ["TYPE_MISMATCH_ERR", 17],
    SecurityError: ["SECURITY_ERR", 18],
    NetworkError: ["NETWORK_ERR", 19],
    AbortError: ["ABORT_ERR", 20],
    URLMismatchError: ["URL_MISMATCH_ERR", 21],
    QuotaExceededError: ["QUOTA_EXCEEDED_ERR", 22],
    TimeoutError: ["TIMEOUT_ERR", 23],
    InvalidNodeTypeError: ["INVALID_NODE_TYPE_ERR", 24],
    DataCloneError: ["DATA_CLONE_ERR", 25],
  };

  // name/message/code are prototype getters over private state, as WebIDL specifies. V8 heads
  // `stack` with the message given to the Error constructor, not the `message` getter, so
  // super() gets it and the own copy it leaves is removed.
  class DOMException extends Error {
    #name;
    #message;

    constructor(message = "", options = "Error") {
      message = String(message);
      super(message);
      delete this.message;
      this.#message = message;
      if (options !== null && typeof options === "object") {
        this.#name = "name" in options ? String(options.name) : "Error";
        if ("cause" in options) {
          ObjectDefineProperty(this, "cause", { __proto__: null, value: options.cause, writable: true, configurable: true });
        }
      } else {
        this.#name = String(options);
      }
    }

    get name() {
      return this.#name;
    }

    get message() {
      return this.#message;
    }

    get code() {
      return legacyCodes[this.#name]?.[1] ?? 0;
    }
  }

  const codes = ObjectValues(legacyCodes);
  for (let i = 0; i < codes.length; i++) {
    const desc = { __proto__: null, value: codes[i][1], enumerable: true };
    ObjectDefineProperty(DOMException, codes[i][0], desc);
    ObjectDefineProperty(DOMException.prototype, codes[i][0], desc);
  }

  // WebIDL's `iterable<K, V>` on `cls`: entries/keys/values (and @@iterator, the same function as
  // entries) return iterator objects whose prototype is the class's own "Name Iterator" (from
  // %IteratorPrototype%). They are live, as the platform's are: each step asks `pairAt(target,
  // index)` for the [key, value] pair there as the list is then (undefined past its end), which
  // also brand-checks the target.
  function pairIterable(cls, pairAt) {
    const name = cls.name;
    class PairIterator {
      #target;
      #kind;
      #index = 0;

      constructor(target, kind) {
        this.#target = target;
        this.#kind = kind;
      }

      next() {
        if (this === null || typeof this !== "object" || !(#target in this)) {
          throw new TypeError(`next() called on something other than a ${name} Iterator`);
        }
        const pair = pairAt(this.#target, this.#index);
        if (pair === undefined) return { value: undefined, done: true };
        this.#index++;
        const kind = this.#kind;
        return { value: kind === "key" ? pair[0] : kind === "value" ? pair[1] : [pair[0], pair[1]], done: false };
      }
    }
    const proto = PairIterator.prototype;
    ObjectSetPrototypeOf(proto, IteratorPrototype);
    delete proto.constructor;
    ObjectDefineProperty(proto, SymbolToStringTag, { __proto__: null, value: `${name} Iterator`, configurable: true });
    const methods = {
      entries() {
        pairAt(this, 0);
        return new PairIterator(this, "key+value");
      },
      keys() {
        pairAt(this, 0);
        return new PairIterator(this, "key");
      },
      values() {
        pairAt(this, 0);
        return new PairIterator(this, "value");
      },
    };
    const define = (key, value) =>
      ObjectDefineProperty(cls.prototype, key, { __proto__: null, value, writable: true, enumerable: true, configurable: true });
    define("entries", methods.entries);
    define("keys", methods.keys);
    define("values", methods.values);
    ObjectDefineProperty(cls.prototype, SymbolIterator, { __proto__: null, value: methods.entries, writable: true, configurable: true });
  }

  hooks.webidl = { expose, exposeClass, toBytes, isPlatformObject, pairIterable };
  hooks.global = global;
  hooks.installed = installed;
  hooks.lazyGroup = lazyGroup;
  exposeClass(DOMException);
});
