//! WebAssembly memory, charged to the worker's off-heap budget (`BufferBudget`). V8 maps wasm
//! memory outside the heap and outside the ArrayBuffer allocator, so each memory is charged,
//! when it is created, at the size it can grow to, and that size is first lowered to what the
//! budget has room for: `new WebAssembly.Memory` gets a lower `maximum`, and a module's own
//! memories get a lower maximum written into its memory section before V8 compiles it. Growth
//! past that fails as the spec allows (`grow` throws, `memory.grow` returns -1), so nothing a
//! worker does maps more than its limit. Charges last for the worker's life.
//!
//! Every number here is read once, in Rust: js/13_wasm.js only hands the sandbox's values over,
//! so nothing the sandbox replaces (`Math`, `Number`, a `valueOf`) can shape a charge.

use super::{bytes_of, state, throw_range_error, throw_type_error};

const PAGE: u64 = 65536;
/// Every memory's ceiling in pages, as platform.rs tells V8 (`--wasm-max-mem-pages`).
const CAP_PAGES: u64 = crate::limits::WASM_MAX_PAGES;
/// Where a compiled module keeps the pages its own memories may reach (not reachable from JS).
const PAGES_KEY: &str = "workerbox#wasmPages";

/// Whole pages left in the budget.
fn room_pages(scope: &mut v8::PinScope) -> u64 {
    state(scope).buffers.as_ref().map_or(0, |b| b.room() as u64 / PAGE)
}

/// Reserves `pages` for good; false, reserving nothing, when they do not fit.
fn charge(scope: &mut v8::PinScope, pages: u64) -> bool {
    let bytes = usize::try_from(pages.saturating_mul(PAGE)).unwrap_or(usize::MAX);
    pages == 0 || state(scope).buffers.as_ref().is_some_and(|b| b.reserve(bytes))
}

fn refuse(scope: &mut v8::PinScope, pages: u64) {
    let mib = pages.saturating_mul(PAGE) >> 20;
    throw_range_error(
        scope,
        &format!("WebAssembly memory: {mib} MiB more would exceed this worker's memory limit"),
    );
}

/// A page count as WebIDL's [EnforceRange] reads it, or None where V8 will reject the value.
fn pages(value: f64) -> Option<u64> {
    (value.is_finite() && value > -1.0 && value < 4_294_967_296.0).then(|| value.max(0.0) as u64)
}

/// `ops.wasmMemoryDescriptor(initial, maximum, shared)`: the descriptor V8 gets, with only
/// numbers in it and no prototype to read from, its maximum lowered to the room left and
/// charged. A descriptor V8 will reject anyway (initial above maximum or the cap, not a number)
/// is passed on uncharged; one too big for the room left throws a RangeError.
pub fn op_memory_descriptor(
    scope: &mut v8::PinScope,
    args: v8::FunctionCallbackArguments,
    mut rv: v8::ReturnValue<v8::Value>,
) {
    let Some(initial) = args.get(0).number_value(scope) else {
        return;
    };
    let maximum = match args.get(1) {
        m if m.is_undefined() => None,
        m => match m.number_value(scope) {
            Some(m) => Some(m),
            None => return,
        },
    };
    let mut given_maximum = maximum;
    let ceiling = maximum.map_or(Some(CAP_PAGES), pages).map(|m| m.min(CAP_PAGES));
    if let (Some(first), Some(ceiling)) = (pages(initial), ceiling) {
        let limited = ceiling.min(room_pages(scope));
        if first <= limited {
            if !charge(scope, limited) {
                return refuse(scope, limited);
            }
            given_maximum = Some(limited as f64);
        } else if first <= ceiling {
            return refuse(scope, first);
        }
    }
    let mut names = vec![v8::String::new(scope, "initial").unwrap().into()];
    let mut values = vec![v8::Number::new(scope, initial).into()];
    if let Some(m) = given_maximum {
        names.push(v8::String::new(scope, "maximum").unwrap().into());
        values.push(v8::Number::new(scope, m).into());
    }
    if !args.get(2).is_undefined() {
        names.push(v8::String::new(scope, "shared").unwrap().into());
        values.push(v8::Boolean::new(scope, args.get(2).boolean_value(scope)).into());
    }
    let null = v8::null(scope).into();
    rv.set(v8::Object::with_prototype_and_properties(scope, null, &names, &values).into());
}

/// `ops.wasmCompile(bytes)`: compiles a module from a copy of `bytes` with its memories limited
/// (see `limit_memories`), and records on it the pages they may reach.
pub fn op_compile(
    scope: &mut v8::PinScope,
    args: v8::FunctionCallbackArguments,
    mut rv: v8::ReturnValue<v8::Value>,
) {
    let Some(bytes) = bytes_of(args.get(0)) else {
        return throw_type_error(scope, "WebAssembly.Module(): Argument 0 must be a buffer source");
    };
    let room = room_pages(scope);
    let (bytes, pages) = limit_memories(&bytes, room).unwrap_or((bytes, CAP_PAGES));
    let Some(module) = v8::WasmModuleObject::compile(scope, &bytes) else {
        return;
    };
    let key = pages_key(scope);
    let pages = v8::Number::new(scope, pages as f64);
    module.set_private(scope, key, pages.into());
    rv.set(module.into());
}

/// `ops.wasmChargeInstance(module)`: charges the memories an instance of `module` defines, before
/// V8 instantiates it; throws a RangeError past the budget. Anything but a module is left to V8
/// to reject, uncharged.
pub fn op_charge_instance(
    scope: &mut v8::PinScope,
    args: v8::FunctionCallbackArguments,
    _rv: v8::ReturnValue<v8::Value>,
) {
    let Ok(module) = v8::Local::<v8::WasmModuleObject>::try_from(args.get(0)) else {
        return;
    };
    let key = pages_key(scope);
    let recorded = module.get_private(scope, key).filter(|v| v.is_number());
    let pages = recorded.and_then(|v| v.number_value(scope)).map_or(CAP_PAGES, |p| p as u64);
    if !charge(scope, pages) {
        refuse(scope, pages);
    }
}

/// Memory ceilings (pages) the runtime's shared modules are compiled for, doubling from 32 MiB, so
/// a few compilations serve every worker of the process. A worker gets the largest within three
/// quarters of its room: the rest stays for its other buffers (the runtime's files, the data it
/// passes in and out), which a memory charged for all of the room would leave none of.
const CLASSES: &[u64] = &[512, 1024, 2048, 4096, 8192, CAP_PAGES];

type Shared = std::collections::HashMap<(String, u64), (v8::CompiledWasmModule, u64)>;

static SHARED: std::sync::Mutex<Option<Shared>> = std::sync::Mutex::new(None);

/// The runtime's own module `name` (Pyodide's wasm), compiled once per process and memory class
/// and shared by every isolate (V8 shares the code, tier-ups included), instead of compiled per
/// worker. Its memories are limited and charged as `op_compile` does for a tenant's module. None
/// with an exception pending if V8 refuses it.
pub fn shared_module<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    name: &str,
    bytes: &[u8],
) -> Option<v8::Local<'s, v8::WasmModuleObject>> {
    let room = room_pages(scope);
    let class = CLASSES.iter().rev().copied().find(|&c| c <= room / 4 * 3);
    let key = (name.to_string(), class.unwrap_or(room));
    let cached = {
        let shared = SHARED.lock().unwrap_or_else(|e| e.into_inner());
        shared.as_ref().and_then(|s| s.get(&key)).and_then(|(compiled, pages)| {
            v8::WasmModuleObject::from_compiled_module(scope, compiled).map(|m| (m, *pages))
        })
    };
    let (module, pages) = match cached {
        Some(found) => found,
        None => {
            let (limited, pages) =
                limit_memories(bytes, key.1).unwrap_or_else(|| (bytes.to_vec(), CAP_PAGES));
            let module = v8::WasmModuleObject::compile(scope, &limited)?;
            // Below the smallest class the room itself is the ceiling: not worth keeping.
            if class.is_some() {
                let mut shared = SHARED.lock().unwrap_or_else(|e| e.into_inner());
                shared
                    .get_or_insert_with(Default::default)
                    .insert(key, (module.get_compiled_module(), pages));
            }
            (module, pages)
        }
    };
    let private = pages_key(scope);
    let pages = v8::Number::new(scope, pages as f64);
    module.set_private(scope, private, pages.into());
    Some(module)
}

fn pages_key<'s>(scope: &mut v8::PinScope<'s, '_>) -> v8::Local<'s, v8::Private> {
    let name = v8::String::new(scope, PAGES_KEY).unwrap();
    v8::Private::for_api(scope, Some(name))
}

/// `bytes` with the maximum of every memory the module defines (section 5) lowered to `room`
/// pages (and the cap), and the pages those memories can reach. None for bytes this cannot
/// read, which V8 is left to reject (counted as one memory at the cap).
fn limit_memories(bytes: &[u8], room: u64) -> Option<(Vec<u8>, u64)> {
    let mut at = 8;
    while at < bytes.len() {
        let start = at;
        let id = bytes[at];
        at += 1;
        let size = usize::try_from(read_leb(bytes, &mut at)?).ok()?;
        let end = at.checked_add(size)?;
        if id != 5 {
            at = end;
            continue;
        }
        let (content, pages) = limit_section(bytes.get(at..end)?, room)?;
        let mut out = Vec::with_capacity(bytes.len() + 16);
        out.extend_from_slice(&bytes[..start]);
        out.push(5);
        write_leb(content.len() as u64, &mut out);
        out.extend_from_slice(&content);
        out.extend_from_slice(&bytes[end..]);
        return Some((out, pages));
    }
    Some((bytes.to_vec(), 0))
}

/// A memory section's content with each maximum limited, and the pages they add up to.
fn limit_section(section: &[u8], room: u64) -> Option<(Vec<u8>, u64)> {
    let mut at = 0;
    let mut content = Vec::new();
    let mut pages = 0u64;
    let count = read_leb(section, &mut at)?;
    write_leb(count, &mut content);
    for _ in 0..count {
        let flags = read_leb(section, &mut at)?;
        let initial = read_leb(section, &mut at)?;
        let maximum = if flags & 1 == 1 { read_leb(section, &mut at)? } else { CAP_PAGES };
        let limited = initial.max(maximum.min(CAP_PAGES).min(room));
        write_leb(flags | 1, &mut content);
        write_leb(initial, &mut content);
        write_leb(limited, &mut content);
        pages = pages.saturating_add(limited);
    }
    (at == section.len()).then_some((content, pages))
}

/// The unsigned LEB128 number at `*at`, which moves past it.
fn read_leb(bytes: &[u8], at: &mut usize) -> Option<u64> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let b = *bytes.get(*at)?;
        *at += 1;
        value |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return Some(value);
        }
    }
    None
}

fn write_leb(mut value: u64, out: &mut Vec<u8>) {
    loop {
        let low = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(low);
            return;
        }
        out.push(low | 0x80);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // (module (memory (export "mem") 1 65536))
    const FOUR_GIB: &[u8] =
        &[0, 97, 115, 109, 1, 0, 0, 0, 5, 6, 1, 1, 1, 128, 128, 4, 7, 7, 1, 3, 109, 101, 109, 2, 0];

    #[test]
    fn maximums_are_lowered_to_the_room_and_counted() {
        let (bytes, pages) = limit_memories(FOUR_GIB, 100).unwrap();
        assert_eq!(pages, 100);
        assert_eq!(&bytes[8..14], &[5, 4, 1, 1, 1, 100]);
        assert_eq!(&bytes[14..], &FOUR_GIB[16..]);
        assert_eq!(limit_memories(FOUR_GIB, 50_000).unwrap().1, CAP_PAGES);
    }

    #[test]
    fn unreadable_sections_are_none_and_modules_without_memory_cost_nothing() {
        assert!(limit_memories(&FOUR_GIB[..14], 10).is_none());
        assert_eq!(limit_memories(&FOUR_GIB[..8], 10).unwrap(), (FOUR_GIB[..8].to_vec(), 0));
    }
}
