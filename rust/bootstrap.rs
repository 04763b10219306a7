//! Runs the runtime's JavaScript (`rust/js/NN_*.js`) in a fresh context before any user code.
//! Each file is one function expression `(function (ops, hooks) { ... })`: it receives the native
//! `ops` and a `hooks` object through which it hands functions back to the host (such as
//! `hooks.fireTimer`). Neither object is reachable from user code afterwards.
//!
//! `00_primordials.js` runs first and captures every intrinsic the others use
//! (`hooks.primordials`): they share the realm with tenant code, which may replace any global or
//! prototype before calling them.

use crate::ops;

/// Each runtime file, and whether every worker runs its functions (on load or on every call).
/// Those are compiled eagerly, so the snapshot keeps their bytecode and no isolate compiles
/// them again; the rest stay lazy, since eager bytecode makes every isolate's snapshot bigger
/// to deserialise (measured: 0.1 ms more per isolate for all files eager).
const FILES: &[(&str, &str, bool)] = &[
    ("00_primordials.js", include_str!("js/00_primordials.js"), false),
    ("00_webidl.js", include_str!("js/00_webidl.js"), false),
    ("01_console.js", include_str!("js/01_console.js"), false),
    ("02_timers.js", include_str!("js/02_timers.js"), false),
    ("03_encoding.js", include_str!("js/03_encoding.js"), false),
    ("04_base64.js", include_str!("js/04_base64.js"), false),
    ("05_events.js", include_str!("js/05_events.js"), false),
    ("06_url.js", include_str!("js/06_url.js"), false),
    ("07_crypto.js", include_str!("js/07_crypto.js"), false),
    ("08_headers.js", include_str!("js/08_headers.js"), false),
    ("09_request_response.js", include_str!("js/09_request_response.js"), false),
    ("10_misc.js", include_str!("js/10_misc.js"), false),
    ("11_workers.js", include_str!("js/11_workers.js"), true),
    ("12_fetch.js", include_str!("js/12_fetch.js"), false),
    ("13_wasm.js", include_str!("js/13_wasm.js"), true),
];

/// Installs the globals; returns `hooks`. An error here is a bug in the runtime, not user input.
pub fn run<'s>(
    tc: &mut v8::PinnedRef<'_, v8::TryCatch<'_, 's, v8::HandleScope<'_>>>,
) -> Result<v8::Local<'s, v8::Object>, String> {
    let ops = ops::object(tc);
    let hooks = v8::Object::new(tc);
    let undefined = v8::undefined(tc);
    for &(name, source, hot) in FILES {
        let resource = v8::String::new(tc, &format!("workerbox:runtime/{name}")).unwrap();
        let origin =
            v8::ScriptOrigin::new(tc, resource.into(), 0, 0, false, -1, None, false, false, false, None);
        let source = v8::String::new(tc, source).unwrap();
        let mut source = v8::script_compiler::Source::new(source, Some(&origin));
        let options = if hot {
            v8::script_compiler::CompileOptions::EagerCompile
        } else {
            v8::script_compiler::CompileOptions::NoCompileOptions
        };
        let no_cache = v8::script_compiler::NoCacheReason::NoReason;
        let installed = v8::script_compiler::compile(tc, &mut source, options, no_cache)
            .and_then(|script| script.run(tc))
            .and_then(|f| v8::Local::<v8::Function>::try_from(f).ok())
            .and_then(|f| f.call(tc, undefined.into(), &[ops.into(), hooks.into()]));
        if installed.is_none() {
            let why =
                tc.exception().map(|e| e.to_rust_string_lossy(tc)).unwrap_or_else(|| "not a function".into());
            return Err(format!("{name}: {why}"));
        }
    }
    Ok(hooks)
}

/// What each new context needs beyond the snapshot: the hook that wraps WebAssembly on first use
/// (js/13_wasm.js), since V8 adds `WebAssembly` to a context only after deserialising it.
pub fn per_context(
    tc: &mut v8::PinnedRef<'_, v8::TryCatch<'_, '_, v8::HandleScope<'_>>>,
    hooks: v8::Local<v8::Object>,
) -> Result<(), String> {
    let key = v8::String::new(tc, "installWasm").unwrap();
    let install = hooks.get(tc, key.into()).and_then(|f| v8::Local::<v8::Function>::try_from(f).ok());
    let undefined = v8::undefined(tc);
    match install.and_then(|f| f.call(tc, undefined.into(), &[])) {
        Some(_) => Ok(()),
        None => Err(tc
            .exception()
            .map(|e| format!("13_wasm.js: {}", e.to_rust_string_lossy(tc)))
            .unwrap_or_else(|| "13_wasm.js: no installWasm hook".into())),
    }
}
