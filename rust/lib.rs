//! workerbox's native core: V8 isolates as sandboxes for untrusted JavaScript, driven from
//! Python. `rust/README.md` maps the modules; `py/` is the only code that knows about Python.

pub mod bootstrap;
pub mod code;
pub mod code_cache;
pub mod convert;
pub mod cpu_clock;
pub mod error;
pub mod heap;
pub mod isolate;
pub mod limits;
pub mod modules;
pub mod node;
pub mod platform;
pub mod python;
pub mod rpc;
pub mod snapshot;
pub mod typescript;
pub mod value;
pub mod watchdog;

pub mod ops;
pub mod outbound;

mod py;
