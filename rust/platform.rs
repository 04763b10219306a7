//! Once-per-process V8 initialisation. Any thread may call `init()`; the first call wins and the
//! platform then lives until the process exits (V8 cannot be re-initialised after disposal).

use std::sync::Once;

static INIT: Once = Once::new();

pub fn init() {
    INIT.call_once(|| {
        // Workers-like behaviour: no `eval`-family code generation is enforced per context; here
        // we only pick flags that must be fixed before the first isolate exists.
        v8::V8::set_flags_from_string("--no-expose-wasm-gc --stack-size=900");
        let platform = v8::new_default_platform(0, false).make_shared();
        v8::V8::initialize_platform(platform);
        v8::V8::initialize();
    });
}
