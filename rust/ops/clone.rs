//! `ops.structuredClone`: V8's own serializer, so the clone follows the HTML algorithm exactly.
//! Blobs and Files are JS classes whose state V8 cannot see (private fields), so they go through
//! the serializer's host-object hooks: copied by the blob file (`hooks.blob.cloneBlob`) on the
//! way out, where JavaScript may run, and written as an index into those copies, which the way
//! back in returns as they are (V8 aborts the process if the deserializer runs JavaScript).

use std::cell::RefCell;
use std::rc::Rc;

use v8::{ValueDeserializerHelper, ValueSerializerHelper};

/// The blob file's brand check and copier, when it is installed.
struct BlobHooks {
    hooks: v8::Global<v8::Object>,
    is_blob: v8::Global<v8::Function>,
    clone_blob: v8::Global<v8::Function>,
}

/// What the serializer and the deserializer share: the hooks, and the copies of the Blobs
/// written so far.
struct Shared {
    blob: Option<BlobHooks>,
    copies: RefCell<Vec<v8::Global<v8::Object>>>,
}

struct Serializer(Rc<Shared>);

impl v8::ValueSerializerImpl for Serializer {
    fn throw_data_clone_error<'s>(
        &self,
        scope: &mut v8::PinScope<'s, '_>,
        message: v8::Local<'s, v8::String>,
    ) {
        let exc = v8::Exception::error(scope, message);
        if let Ok(obj) = v8::Local::<v8::Object>::try_from(exc) {
            let key = v8::String::new(scope, "name").unwrap();
            let name = v8::String::new(scope, "DataCloneError").unwrap();
            // An own property: a setter the tenant put on Error.prototype must not run here.
            obj.create_data_property(scope, key.into(), name.into());
        }
        scope.throw_exception(exc);
    }

    fn has_custom_host_object(&self, _isolate: &v8::Isolate) -> bool {
        self.0.blob.is_some()
    }

    fn is_host_object<'s>(
        &self,
        scope: &mut v8::PinScope<'s, '_>,
        object: v8::Local<'s, v8::Object>,
    ) -> Option<bool> {
        let blob = self.0.blob.as_ref()?;
        let this = v8::Local::new(scope, &blob.hooks);
        let answer = v8::Local::new(scope, &blob.is_blob).call(scope, this.into(), &[object.into()])?;
        Some(answer.is_true())
    }

    fn write_host_object<'s>(
        &self,
        scope: &mut v8::PinScope<'s, '_>,
        object: v8::Local<'s, v8::Object>,
        serializer: &dyn v8::ValueSerializerHelper,
    ) -> Option<bool> {
        let blob = self.0.blob.as_ref()?;
        let this = v8::Local::new(scope, &blob.hooks);
        let copy = v8::Local::new(scope, &blob.clone_blob).call(scope, this.into(), &[object.into()])?;
        let copy = v8::Local::<v8::Object>::try_from(copy).ok()?;
        let mut copies = self.0.copies.borrow_mut();
        let index = u32::try_from(copies.len()).ok()?;
        copies.push(v8::Global::new(scope, copy));
        serializer.write_uint32(index);
        Some(true)
    }
}

struct Deserializer(Rc<Shared>);

impl v8::ValueDeserializerImpl for Deserializer {
    fn read_host_object<'s>(
        &self,
        scope: &mut v8::PinScope<'s, '_>,
        deserializer: &dyn v8::ValueDeserializerHelper,
    ) -> Option<v8::Local<'s, v8::Object>> {
        let mut index = 0;
        if !deserializer.read_uint32(&mut index) {
            return None;
        }
        // Only what this op's own serializer wrote is read back, so the copy is there.
        Some(v8::Local::new(scope, self.0.copies.borrow().get(index as usize)?))
    }
}

/// `structuredClone(value)`; the second argument is the blob file's hooks, or undefined.
pub fn op_structured_clone<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    args: v8::FunctionCallbackArguments<'s>,
    mut rv: v8::ReturnValue<v8::Value>,
) {
    let context = scope.get_current_context();
    let shared = Rc::new(Shared { blob: blob_hooks(scope, args.get(1)), copies: RefCell::default() });
    let serializer = v8::ValueSerializer::new(scope, Box::new(Serializer(shared.clone())));
    serializer.write_header();
    if serializer.write_value(context, args.get(0)) != Some(true) {
        return;
    }
    let bytes = serializer.release();
    // The copy's buffers come to no more than the serialized bytes: room for those is made (or
    // refused, catchably) now, as the deserializer cannot be stopped halfway.
    if !super::has_room(scope, bytes.len()) {
        let message = format!(
            "structuredClone: a copy of {} bytes would exceed this worker's memory limit",
            bytes.len()
        );
        super::throw_range_error(scope, &message);
        return;
    }
    let deserializer = v8::ValueDeserializer::new(scope, Box::new(Deserializer(shared)), &bytes);
    if deserializer.read_header(context) != Some(true) {
        return;
    }
    if let Some(value) = deserializer.read_value(context) {
        rv.set(value);
    }
}

fn blob_hooks<'s>(scope: &mut v8::PinScope<'s, '_>, value: v8::Local<'s, v8::Value>) -> Option<BlobHooks> {
    let hooks = v8::Local::<v8::Object>::try_from(value).ok()?;
    let is_blob = super::hook_in(scope, hooks, "isBlob")?;
    let clone_blob = super::hook_in(scope, hooks, "cloneBlob")?;
    Some(BlobHooks {
        hooks: v8::Global::new(scope, hooks),
        is_blob: v8::Global::new(scope, is_blob),
        clone_blob: v8::Global::new(scope, clone_blob),
    })
}
