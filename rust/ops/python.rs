//! The native half of a Python worker's bridge (`python/main.js`): restoring the baseline
//! snapshot straight into the fresh WebAssembly memory. Pyodide's own restore reads the whole
//! image from a buffer and writes every page of it; here the image stays in the process (once),
//! only its non-zero pages are written, so the pages that stay zero cost the sandbox nothing.
//! Also the hand-over of a Pyodide restored ahead of demand (`prime.js`) to the bridge of the
//! worker that gets its isolate, kept where no JavaScript can name it (a private key).

use super::{throw_range_error, throw_type_error};

const PAGE: usize = 4096;

/// Where a pooled isolate keeps its restored Pyodide until a worker takes it.
const PRIMED_KEY: &str = "workerbox#primedPython";

/// The bridge's `workerbox:python/native` module: `{header, restore, keep, take}`.
pub fn exports<'s>(scope: &mut v8::PinScope<'s, '_>) -> Option<v8::Local<'s, v8::Object>> {
    let object = v8::Object::new(scope);
    method(scope, object, "header", header)?;
    method(scope, object, "restore", restore)?;
    method(scope, object, "keep", keep)?;
    method(scope, object, "take", take)?;
    Some(object)
}

fn method(
    scope: &mut v8::PinScope,
    object: v8::Local<v8::Object>,
    name: &str,
    callback: impl v8::MapFnTo<v8::FunctionCallback>,
) -> Option<()> {
    let key = v8::String::new(scope, name)?;
    let function = v8::Function::new(scope, callback)?;
    object.set(scope, key.into(), function.into()).map(|_| ())
}

fn primed_key<'s>(scope: &mut v8::PinScope<'s, '_>) -> v8::Local<'s, v8::Private> {
    let name = v8::String::new(scope, PRIMED_KEY);
    v8::Private::for_api(scope, name)
}

/// `keep(runtime)`: holds a restored Pyodide for the worker this isolate is later given to.
fn keep(scope: &mut v8::PinScope, args: v8::FunctionCallbackArguments, _rv: v8::ReturnValue<v8::Value>) {
    let key = primed_key(scope);
    let global = scope.get_current_context().global(scope);
    global.set_private(scope, key, args.get(0));
}

/// `take()`: the Pyodide `keep` held, once; undefined in an isolate that was not primed.
fn take(scope: &mut v8::PinScope, _args: v8::FunctionCallbackArguments, mut rv: v8::ReturnValue<v8::Value>) {
    let key = primed_key(scope);
    let global = scope.get_current_context().global(scope);
    if let Some(runtime) = global.get_private(scope, key).filter(|v| !v.is_undefined()) {
        global.delete_private(scope, key);
        rv.set(runtime);
    }
}

/// The baseline's header (magic, lengths, build id, hiwire JSON) and its heap image.
fn parts() -> Option<(&'static [u8], &'static [u8])> {
    let image = crate::python::baseline()?;
    let word =
        |i: usize| image.get(i * 4..i * 4 + 4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize);
    let header_len = word(1)?;
    (header_len <= image.len()).then(|| image.split_at(header_len))
}

/// `header()`: a copy of the baseline's header, which Pyodide reads to check the build and
/// learn the snapshot's JavaScript references.
fn header(
    scope: &mut v8::PinScope,
    _args: v8::FunctionCallbackArguments,
    mut rv: v8::ReturnValue<v8::Value>,
) {
    let Some((header, _)) = parts() else {
        return throw_type_error(scope, "the Python baseline is not ready");
    };
    let Some(buffer) = super::buffer_from(scope, header) else {
        return throw_range_error(scope, "no room for the Python baseline's header");
    };
    let view = v8::Uint8Array::new(scope, buffer, 0, header.len());
    if let Some(view) = view {
        rv.set(view.into());
    }
}

/// `restore(memoryBuffer)`: writes the baseline's heap image into the WebAssembly memory's
/// buffer: each page that is non-zero in the image, and each page the fresh memory has non-zero
/// (its data segments) where the image has zeros. Throws a RangeError if the memory is smaller.
fn restore(scope: &mut v8::PinScope, args: v8::FunctionCallbackArguments, _rv: v8::ReturnValue<v8::Value>) {
    let Some((_, image)) = parts() else {
        return throw_type_error(scope, "the Python baseline is not ready");
    };
    let Ok(buffer) = v8::Local::<v8::ArrayBuffer>::try_from(args.get(0)) else {
        return throw_type_error(scope, "restore() takes the WebAssembly memory's ArrayBuffer");
    };
    let store = buffer.get_backing_store();
    let Some(data) = store.data() else {
        return throw_range_error(scope, "the WebAssembly memory is smaller than the Python baseline");
    };
    if store.byte_length() < image.len() {
        return throw_range_error(scope, "the WebAssembly memory is smaller than the Python baseline");
    }
    // SAFETY: `store` keeps the memory's backing store alive for the copy and it holds at least
    // `image.len()` bytes; no JavaScript or WebAssembly runs meanwhile (this thread is in this
    // call, and a non-shared memory belongs to this isolate alone).
    let memory = unsafe { std::slice::from_raw_parts_mut(data.as_ptr() as *mut u8, image.len()) };
    copy_pages(image, memory);
}

/// `memory` := `image`, writing only the pages that differ from zero on either side.
fn copy_pages(image: &[u8], memory: &mut [u8]) {
    for (from, to) in image.chunks(PAGE).zip(memory.chunks_mut(PAGE)) {
        if from.iter().any(|&b| b != 0) {
            to.copy_from_slice(from);
        } else if to.iter().any(|&b| b != 0) {
            to.fill(0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_differing_pages_are_written_and_the_result_equals_the_image() {
        let mut image = vec![0u8; PAGE * 4];
        image[PAGE + 7] = 1;
        let mut memory = vec![0u8; PAGE * 5];
        memory[2 * PAGE] = 9;
        memory[4 * PAGE] = 3;
        copy_pages(&image, &mut memory);
        assert_eq!(&memory[..PAGE * 4], &image[..]);
        assert_eq!(memory[4 * PAGE], 3, "past the image the memory is left alone");
    }
}
