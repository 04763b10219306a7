//! Runs the runtime's JavaScript (`rust/js/NN_*.js`) in a fresh context before any user code.
//! Each file is one function expression `(function (ops, hooks) { ... })`: it receives the native
//! `ops` and a `hooks` object through which it hands functions back to the host (such as
//! `hooks.fireTimer`). Neither object is reachable from user code afterwards.
//!
//! `00_primordials.js` runs first and captures every intrinsic the others use
//! (`hooks.primordials`): they share the realm with tenant code, which may replace any global or
//! prototype before calling them.
//!
//! Most files are installed lazily: the bootstrap registers them by index, and each global they
//! expose becomes a lazy data property (V8 calls `lazy_global` on its first read, then holds the
//! value as a plain data property). A worker that reads one compiles its file (from a code cache
//! shared by the process) and runs it. So neither the snapshot nor a fresh isolate carries their
//! source, functions or classes, and the runtime can grow without making fresh sandboxes slower
//! or bigger. (Keeping the compiled but uncalled files in the snapshot made it bigger than
//! running them.) The JS side of this is in `00_webidl.js`.

use std::sync::OnceLock;

use crate::ops;

/// How a runtime file is installed.
enum Install {
    /// Run at bootstrap; its functions compile lazily.
    Eager,
    /// Run at bootstrap, and every worker runs its functions (on load or on every call): compiled
    /// eagerly, so the snapshot keeps their bytecode and no isolate compiles them again. (The
    /// rest stay lazy: eager bytecode makes every isolate's snapshot bigger to deserialise.)
    Hot,
    /// Run on first use of a global it exposes or a hook it sets, which must be exactly these.
    Lazy { globals: &'static [&'static str], hooks: &'static [&'static str] },
}

use Install::{Eager, Hot, Lazy};

const FILES: &[(&str, &str, Install)] = &[
    ("00_primordials.js", include_str!("js/00_primordials.js"), Eager),
    ("00_webidl.js", include_str!("js/00_webidl.js"), Eager),
    (
        "01_console.js",
        include_str!("js/01_console.js"),
        Lazy { globals: &["console"], hooks: &["reportError"] },
    ),
    (
        "02_timers.js",
        include_str!("js/02_timers.js"),
        Lazy {
            globals: &[
                "setTimeout",
                "clearTimeout",
                "setInterval",
                "clearInterval",
                "queueMicrotask",
                "Performance",
                "performance",
            ],
            hooks: &["fireTimer"],
        },
    ),
    (
        "03_encoding.js",
        include_str!("js/03_encoding.js"),
        Lazy { globals: &["TextEncoder", "TextDecoder"], hooks: &["encoding"] },
    ),
    ("04_base64.js", include_str!("js/04_base64.js"), Lazy { globals: &["atob", "btoa"], hooks: &[] }),
    (
        "05_events.js",
        include_str!("js/05_events.js"),
        Lazy {
            globals: &["Event", "CustomEvent", "EventTarget", "AbortSignal", "AbortController"],
            hooks: &["events"],
        },
    ),
    (
        "06_url.js",
        include_str!("js/06_url.js"),
        Lazy { globals: &["URL", "URLSearchParams"], hooks: &["urlSearchParams"] },
    ),
    (
        "07_crypto.js",
        include_str!("js/07_crypto.js"),
        Lazy { globals: &["CryptoKey", "SubtleCrypto", "Crypto", "crypto"], hooks: &[] },
    ),
    ("08_headers.js", include_str!("js/08_headers.js"), Lazy { globals: &["Headers"], hooks: &["headers"] }),
    (
        "09_request_response.js",
        include_str!("js/09_request_response.js"),
        Lazy { globals: &["Request", "Response"], hooks: &["http"] },
    ),
    (
        "10_misc.js",
        include_str!("js/10_misc.js"),
        Lazy {
            globals: &[
                "structuredClone",
                "Navigator",
                "navigator",
                "self",
                "reportError",
                "Scheduler",
                "scheduler",
            ],
            hooks: &[],
        },
    ),
    ("11_workers.js", include_str!("js/11_workers.js"), Hot),
    ("12_fetch.js", include_str!("js/12_fetch.js"), Lazy { globals: &["fetch"], hooks: &["serviceFetch"] }),
    ("13_wasm.js", include_str!("js/13_wasm.js"), Hot),
    (
        "14_streams.js",
        include_str!("js/14_streams.js"),
        Lazy {
            globals: &[
                "ReadableStream",
                "ReadableStreamDefaultReader",
                "ReadableStreamBYOBReader",
                "ReadableStreamDefaultController",
                "ReadableByteStreamController",
                "ReadableStreamBYOBRequest",
                "WritableStream",
                "WritableStreamDefaultWriter",
                "WritableStreamDefaultController",
                "TransformStream",
                "TransformStreamDefaultController",
                "ByteLengthQueuingStrategy",
                "CountQueuingStrategy",
                "TextEncoderStream",
                "TextDecoderStream",
            ],
            hooks: &["streams"],
        },
    ),
    (
        "15_blob.js",
        include_str!("js/15_blob.js"),
        Lazy { globals: &["Blob", "File", "FormData"], hooks: &["blob"] },
    ),
    ("16_urlpattern.js", include_str!("js/16_urlpattern.js"), Lazy { globals: &["URLPattern"], hooks: &[] }),
    (
        "17_compression.js",
        include_str!("js/17_compression.js"),
        Lazy { globals: &["CompressionStream", "DecompressionStream"], hooks: &[] },
    ),
    (
        "18_messaging.js",
        include_str!("js/18_messaging.js"),
        Lazy { globals: &["MessageEvent", "MessagePort", "MessageChannel"], hooks: &[] },
    ),
    // The `node:*` modules (node.rs): each file sets the hook `node:NAME` to its exports.
    ("node/internal.js", include_str!("js/node/internal.js"), Lazy { globals: &[], hooks: &["node"] }),
    (
        "node/buffer_numbers.js",
        include_str!("js/node/buffer_numbers.js"),
        Lazy { globals: &[], hooks: &["nodeBufferNumbers"] },
    ),
    ("node/buffer.js", include_str!("js/node/buffer.js"), Lazy { globals: &[], hooks: &["node:buffer"] }),
    ("node/events.js", include_str!("js/node/events.js"), Lazy { globals: &[], hooks: &["node:events"] }),
    ("node/process.js", include_str!("js/node/process.js"), Lazy { globals: &[], hooks: &["node:process"] }),
    (
        "node/util_inspect.js",
        include_str!("js/node/util_inspect.js"),
        Lazy { globals: &[], hooks: &["nodeInspect"] },
    ),
    (
        "node/util.js",
        include_str!("js/node/util.js"),
        Lazy { globals: &[], hooks: &["node:util", "node:util/types", "nodeDeepEqual"] },
    ),
    ("node/crypto.js", include_str!("js/node/crypto.js"), Lazy { globals: &[], hooks: &["node:crypto"] }),
    (
        "node/string_decoder.js",
        include_str!("js/node/string_decoder.js"),
        Lazy { globals: &[], hooks: &["node:string_decoder"] },
    ),
    (
        "node/async_hooks.js",
        include_str!("js/node/async_hooks.js"),
        Lazy { globals: &[], hooks: &["node:async_hooks"] },
    ),
    (
        "node/assert.js",
        include_str!("js/node/assert.js"),
        Lazy { globals: &[], hooks: &["node:assert", "node:assert/strict"] },
    ),
    (
        "node/querystring.js",
        include_str!("js/node/querystring.js"),
        Lazy { globals: &[], hooks: &["node:querystring"] },
    ),
    ("node/url.js", include_str!("js/node/url.js"), Lazy { globals: &[], hooks: &["node:url"] }),
    ("node/stream.js", include_str!("js/node/stream.js"), Lazy { globals: &[], hooks: &["nodeStreamCore"] }),
    (
        "node/stream_writable.js",
        include_str!("js/node/stream_writable.js"),
        Lazy { globals: &[], hooks: &["node:stream", "node:stream/promises", "node:stream/web"] },
    ),
    (
        "node/path.js",
        include_str!("js/node/path.js"),
        Lazy { globals: &[], hooks: &["node:path", "node:path/posix"] },
    ),
];

/// The `node:*` modules the runtime has, by name without the scheme.
pub fn node_modules() -> impl Iterator<Item = &'static str> {
    FILES.iter().flat_map(|(_, _, install)| match install {
        Lazy { hooks, .. } => hooks.iter().filter_map(|h| h.strip_prefix("node:")).collect(),
        Eager | Hot => Vec::new(),
    })
}

/// Installs the globals; returns `hooks`. An error here is a bug in the runtime, not user input.
pub fn run<'s>(
    tc: &mut v8::PinnedRef<'_, v8::TryCatch<'_, 's, v8::HandleScope<'_>>>,
) -> Result<v8::Local<'s, v8::Object>, String> {
    let ops = ops::object(tc);
    let name = v8::String::new(tc, "runtimeFile").unwrap();
    let runtime_file = v8::Function::new(tc, op_runtime_file).unwrap();
    ops.set(tc, name.into(), runtime_file.into());
    // No prototype: files set hooks by assignment, which must not reach a tenant's setter on
    // Object.prototype when a lazy file runs.
    let null = v8::null(tc);
    let hooks = v8::Object::with_prototype_and_properties(tc, null.into(), &[], &[]);
    let undefined = v8::undefined(tc);
    for (index, (name, _, install)) in FILES.iter().enumerate() {
        let installed = match install {
            Eager | Hot => compile(tc, index)
                .and_then(|f| f.call(tc, undefined.into(), &[ops.into(), hooks.into()]))
                .map(|_| ()),
            Lazy { globals, hooks: hook_names } => register_lazy(tc, hooks, index, globals, hook_names),
        };
        if installed.is_none() {
            let why =
                tc.exception().map(|e| e.to_rust_string_lossy(tc)).unwrap_or_else(|| "not a function".into());
            return Err(format!("{name}: {why}"));
        }
    }
    Ok(hooks)
}

/// Runtime file `index`'s function, compiled and not yet called. A lazy file is compiled in each
/// isolate that uses it, from a code cache the first such isolate in the process made.
fn compile<'s>(scope: &mut v8::PinScope<'s, '_>, index: usize) -> Option<v8::Local<'s, v8::Function>> {
    use v8::script_compiler::{CachedData, CompileOptions, NoCacheReason, Source};
    let (name, text, install) = &FILES[index];
    let resource = v8::String::new(scope, &format!("workerbox:runtime/{name}")).unwrap();
    let origin =
        v8::ScriptOrigin::new(scope, resource.into(), 0, 0, false, -1, None, false, false, false, None);
    let cache = matches!(install, Lazy { .. }).then(|| code_cache(index));
    // A lazy file's source is shared by every isolate that compiles it, not copied into each.
    let text = match cache {
        Some(_) if text.is_ascii() => v8::String::new_external_onebyte_static(scope, text.as_bytes())?,
        _ => v8::String::new(scope, text)?,
    };
    let cached = cache.and_then(OnceLock::get);
    let (mut source, options) = match cached {
        Some(data) => (
            Source::new_with_cached_data(text, Some(&origin), CachedData::new(data)),
            CompileOptions::ConsumeCodeCache,
        ),
        None if matches!(install, Hot) => (Source::new(text, Some(&origin)), CompileOptions::EagerCompile),
        None => (Source::new(text, Some(&origin)), CompileOptions::NoCompileOptions),
    };
    let script = v8::script_compiler::compile(scope, &mut source, options, NoCacheReason::NoReason)?;
    if let Some(slot) = cache
        && cached.is_none()
        && let Some(data) = script.get_unbound_script(scope).create_code_cache()
    {
        let _ = slot.set(data.to_vec());
    }
    script.run(scope).and_then(|f| v8::Local::<v8::Function>::try_from(f).ok())
}

/// The code cache of runtime file `index`, once an isolate compiled it.
fn code_cache(index: usize) -> &'static OnceLock<Vec<u8>> {
    static CACHES: OnceLock<Vec<OnceLock<Vec<u8>>>> = OnceLock::new();
    &CACHES.get_or_init(|| FILES.iter().map(|_| OnceLock::new()).collect())[index]
}

/// `ops.runtimeFile(index)`: a lazy file's function, for `hooks.lazyGroup`'s first use.
fn op_runtime_file<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    args: v8::FunctionCallbackArguments<'s>,
    mut rv: v8::ReturnValue<v8::Value>,
) {
    let index = args.get(0).uint32_value(scope).unwrap_or(u32::MAX) as usize;
    if !matches!(FILES.get(index), Some((_, _, Lazy { .. }))) {
        return;
    }
    if let Some(file) = compile(scope, index) {
        rv.set(file.into());
    }
}

/// Hands a lazy file (by index) to `hooks.lazyGroup` and makes each of its globals a lazy data
/// property resolved by `hooks.global`. The property carries no data: V8 snapshots a native
/// accessor with the isolate, not the context, so data would be a second copy of the runtime
/// (its own `hooks`, registry and classes) in every isolate.
fn register_lazy<'s>(
    tc: &mut v8::PinnedRef<'_, v8::TryCatch<'_, 's, v8::HandleScope<'_>>>,
    hooks: v8::Local<'s, v8::Object>,
    index: usize,
    globals: &[&str],
    hook_names: &[&str],
) -> Option<()> {
    let names = |tc: &mut v8::PinnedRef<'_, v8::TryCatch<'_, 's, v8::HandleScope<'_>>>, list: &[&str]| {
        let items: Vec<v8::Local<v8::Value>> =
            list.iter().map(|n| v8::String::new(tc, n).unwrap().into()).collect();
        v8::Array::new_with_elements(tc, &items)
    };
    let (global_list, hook_list) = (names(tc, globals), names(tc, hook_names));
    let index = v8::Integer::new_from_unsigned(tc, index as u32);
    let register = ops::hook_in(tc, hooks, "lazyGroup")?;
    register.call(tc, hooks.into(), &[index.into(), global_list.into(), hook_list.into()])?;
    let global = tc.get_current_context().global(tc);
    let no_data = v8::undefined(tc);
    for name in globals {
        let key = v8::String::new(tc, name).unwrap();
        global.set_lazy_data_property_with_data(
            tc,
            key.into(),
            lazy_global,
            no_data.into(),
            v8::PropertyAttribute::DONT_ENUM,
            v8::SideEffectType::HasSideEffect,
            v8::SideEffectType::HasSideEffect,
        )?;
    }
    Some(())
}

/// First read of a lazily installed global: the worker's `hooks.global(name)` runs its file.
fn lazy_global<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    key: v8::Local<'s, v8::Name>,
    _: v8::PropertyCallbackArguments<'s>,
    mut rv: v8::ReturnValue<v8::Value>,
) {
    let Some(resolve) = ops::hook(scope, "global") else { return };
    let undefined = v8::undefined(scope);
    if let Some(value) = resolve.call(scope, undefined.into(), &[key.into()]) {
        rv.set(value);
    }
}

/// For the snapshot: the native callbacks the bootstrap leaves reachable besides the ops.
pub fn external_references() -> impl Iterator<Item = v8::ExternalReference> {
    use v8::MapFnTo;
    let getter: v8::AccessorNameGetterCallback = lazy_global.map_fn_to();
    [
        v8::ExternalReference { function: op_runtime_file.map_fn_to() },
        v8::ExternalReference { pointer: getter as *mut std::ffi::c_void },
    ]
    .into_iter()
}

/// What each new context needs beyond the snapshot: the hook that wraps WebAssembly on first use
/// (js/13_wasm.js), since V8 adds `WebAssembly` to a context only after deserialising it.
pub fn per_context<'s>(
    tc: &mut v8::PinnedRef<'_, v8::TryCatch<'_, 's, v8::HandleScope<'_>>>,
    hooks: v8::Local<'s, v8::Object>,
) -> Result<(), String> {
    let undefined = v8::undefined(tc);
    match ops::hook_in(tc, hooks, "installWasm").and_then(|f| f.call(tc, undefined.into(), &[])) {
        Some(_) => Ok(()),
        None => Err(tc
            .exception()
            .map(|e| format!("13_wasm.js: {}", e.to_rust_string_lossy(tc)))
            .unwrap_or_else(|| "13_wasm.js: no installWasm hook".into())),
    }
}
