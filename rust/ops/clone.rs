//! `ops.structuredClone`: V8's own serializer, so the clone follows the HTML algorithm exactly.

use v8::{ValueDeserializerHelper, ValueSerializerHelper};

struct Serializer;

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
}

struct Deserializer;

impl v8::ValueDeserializerImpl for Deserializer {}

pub fn op_structured_clone(
    scope: &mut v8::PinScope,
    args: v8::FunctionCallbackArguments,
    mut rv: v8::ReturnValue<v8::Value>,
) {
    let context = scope.get_current_context();
    let serializer = v8::ValueSerializer::new(scope, Box::new(Serializer));
    serializer.write_header();
    if serializer.write_value(context, args.get(0)) != Some(true) {
        return;
    }
    let bytes = serializer.release();
    let deserializer = v8::ValueDeserializer::new(scope, Box::new(Deserializer), &bytes);
    if deserializer.read_header(context) != Some(true) {
        return;
    }
    if let Some(value) = deserializer.read_value(context) {
        rv.set(value);
    }
}
