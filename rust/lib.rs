//! workerbox's native core: V8 isolates as sandboxes for untrusted JavaScript, driven from
//! Python. `rust/README.md` maps the modules; `py/` is the only code that knows about Python.

pub mod code;
pub mod error;
pub mod isolate;
pub mod modules;
pub mod platform;
pub mod value;

mod py;
