//! `Value`: the owned value tree that crosses between Python and JavaScript, and its conversion
//! to and from V8 values. Walks V8 values directly (no JSON). Runs on the isolate's thread.

use num_bigint::{BigInt, Sign};

/// Nesting deeper than this is refused in both directions, which also bounds the recursion of
/// the converters and catches cycles that slip past the identity check.
pub const MAX_DEPTH: usize = 128;

/// Numbers in this range are exact in an f64; larger Python ints travel as BigInt.
pub const MAX_SAFE_INTEGER: i64 = (1 << 53) - 1;

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Undefined,
    Null,
    Bool(bool),
    Number(f64),
    BigInt(BigInt),
    String(String),
    /// Python bytes ⇄ JS Uint8Array (an ArrayBuffer also arrives as bytes).
    Bytes(Vec<u8>),
    /// A JS Date: milliseconds since the Unix epoch.
    Date(f64),
    Array(Vec<Value>),
    /// A plain object: own enumerable string keys in property order.
    Object(Vec<(String, Value)>),
    /// A host object exposed to JS as a stub with these methods (an RpcTarget).
    Target {
        id: u64,
        methods: Vec<String>,
    },
    /// A host function exposed to JS as a stub function.
    Function {
        id: u64,
    },
    /// Another worker's entrypoint (a service binding): calls go isolate to isolate.
    Service(Service),
}

/// A service binding: the target worker and which of its exports to call.
#[derive(Clone)]
pub struct Service {
    pub worker: std::sync::Arc<crate::isolate::WorkerHandle>,
    pub export: Option<String>,
}

impl std::fmt::Debug for Service {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Service(#{}, {:?})", self.worker.id(), self.export)
    }
}

impl PartialEq for Service {
    fn eq(&self, other: &Self) -> bool {
        std::sync::Arc::ptr_eq(&self.worker, &other.worker) && self.export == other.export
    }
}

impl Value {
    /// Bytes this value takes, roughly: payload lengths plus a word per node.
    pub fn approximate_size(&self) -> usize {
        8 + match self {
            Value::String(s) => s.len(),
            Value::Bytes(b) => b.len(),
            Value::BigInt(b) => b.bits() as usize / 8,
            Value::Array(items) => items.iter().map(Value::approximate_size).sum(),
            Value::Object(entries) => entries.iter().map(|(k, v)| k.len() + v.approximate_size()).sum(),
            Value::Target { methods, .. } => methods.iter().map(String::len).sum(),
            _ => 0,
        }
    }
}

/// Why a JS value could not become a `Value`.
#[derive(Debug)]
pub enum FromV8Error {
    /// A conversion rule refused it; the message says which and where.
    Unsupported(String),
    /// JavaScript threw while being read (a getter); the exception is pending in the TryCatch.
    Threw,
}

pub fn to_v8<'s>(scope: &mut v8::PinScope<'s, '_>, value: &Value) -> v8::Local<'s, v8::Value> {
    match value {
        Value::Undefined => v8::undefined(scope).into(),
        Value::Null => v8::null(scope).into(),
        Value::Bool(b) => v8::Boolean::new(scope, *b).into(),
        Value::Number(n) => v8::Number::new(scope, *n).into(),
        Value::BigInt(b) => bigint_to_v8(scope, b),
        Value::String(s) => match v8::String::new(scope, s) {
            Some(s) => s.into(),
            // Only strings beyond V8's maximum length fail; the caller's size caps keep them out.
            None => v8::undefined(scope).into(),
        },
        Value::Bytes(bytes) => {
            let len = bytes.len();
            let store = v8::ArrayBuffer::new_backing_store_from_vec(bytes.clone()).make_shared();
            let buffer = v8::ArrayBuffer::with_backing_store(scope, &store);
            v8::Uint8Array::new(scope, buffer, 0, len).map_or_else(|| v8::undefined(scope).into(), Into::into)
        }
        Value::Date(ms) => v8::Date::new(scope, *ms).map_or_else(|| v8::undefined(scope).into(), Into::into),
        Value::Target { id, methods } => crate::rpc::stub::target(scope, *id, methods).into(),
        Value::Function { id } => crate::rpc::stub::function(scope, *id).into(),
        Value::Service(service) => crate::rpc::service::stub(scope, service.clone()),
        Value::Array(items) => {
            let elements: Vec<_> = items.iter().map(|v| to_v8(scope, v)).collect();
            v8::Array::new_with_elements(scope, &elements).into()
        }
        Value::Object(entries) => {
            let obj = v8::Object::new(scope);
            for (k, v) in entries {
                let key = v8::String::new(scope, k).unwrap();
                let val = to_v8(scope, v);
                // create_data_property defines an own property without running setters, so a
                // key like "__proto__" stays data instead of changing the prototype.
                obj.create_data_property(scope, key.into(), val);
            }
            obj.into()
        }
    }
}

fn bigint_to_v8<'s>(scope: &mut v8::PinScope<'s, '_>, b: &BigInt) -> v8::Local<'s, v8::Value> {
    let (sign, words) = b.to_u64_digits();
    match v8::BigInt::new_from_words(scope, sign == Sign::Minus, &words) {
        Some(b) => b.into(),
        None => v8::undefined(scope).into(),
    }
}

pub fn from_v8<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    value: v8::Local<'s, v8::Value>,
) -> Result<Value, FromV8Error> {
    let mut path = Vec::new();
    walk(scope, value, &mut path)
}

fn walk<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    value: v8::Local<'s, v8::Value>,
    path: &mut Vec<v8::Local<'s, v8::Object>>,
) -> Result<Value, FromV8Error> {
    if value.is_undefined() {
        return Ok(Value::Undefined);
    }
    if value.is_null() {
        return Ok(Value::Null);
    }
    if value.is_boolean() {
        return Ok(Value::Bool(value.is_true()));
    }
    if value.is_number() {
        return Ok(Value::Number(value.number_value(scope).unwrap_or(f64::NAN)));
    }
    if value.is_string() {
        return Ok(Value::String(value.to_rust_string_lossy(scope)));
    }
    if value.is_big_int() {
        let b: v8::Local<v8::BigInt> = value.try_into().unwrap();
        let mut words = vec![0u64; b.word_count()];
        let (negative, words) = b.to_words_array(&mut words);
        let mut bytes = Vec::with_capacity(words.len() * 8);
        for w in words.iter() {
            bytes.extend_from_slice(&w.to_le_bytes());
        }
        let sign = if negative { Sign::Minus } else { Sign::Plus };
        return Ok(Value::BigInt(BigInt::from_bytes_le(sign, &bytes)));
    }
    let unsupported =
        |what: &str| Err(FromV8Error::Unsupported(format!("a JavaScript {what} cannot be passed to Python")));
    if value.is_symbol() {
        return unsupported("Symbol");
    }
    if value.is_function() {
        return unsupported("function");
    }
    if value.is_proxy() {
        return unsupported("Proxy");
    }
    if value.is_promise() {
        return unsupported("Promise nested inside a value (only a returned promise is awaited)");
    }
    if value.is_date() {
        let date: v8::Local<v8::Date> = value.try_into().unwrap();
        return Ok(Value::Date(date.value_of()));
    }
    if value.is_uint8_array() || value.is_array_buffer() {
        return Ok(Value::Bytes(crate::ops::bytes_of(value).unwrap_or_default()));
    }
    if value.is_array_buffer_view() {
        return unsupported("typed array other than Uint8Array (use a Uint8Array for bytes)");
    }
    let Ok(obj) = v8::Local::<v8::Object>::try_from(value) else {
        return unsupported("value of this type");
    };
    if path.iter().any(|seen| seen.strict_equals(obj.into())) {
        return Err(FromV8Error::Unsupported(
            "the value contains a cycle and cannot be passed to Python".into(),
        ));
    }
    if path.len() >= MAX_DEPTH {
        return Err(FromV8Error::Unsupported(format!("the value is nested deeper than {MAX_DEPTH} levels")));
    }
    path.push(obj);
    let out = if let Ok(array) = v8::Local::<v8::Array>::try_from(value) {
        let mut items = Vec::with_capacity(array.length().min(1 << 16) as usize);
        for i in 0..array.length() {
            let item = array.get_index(scope, i).ok_or(FromV8Error::Threw)?;
            items.push(walk(scope, item, path)?);
        }
        Value::Array(items)
    } else if is_plain_object(scope, obj) {
        let names = obj
            .get_own_property_names(
                scope,
                v8::GetPropertyNamesArgs {
                    key_conversion: v8::KeyConversionMode::ConvertToString,
                    ..Default::default()
                },
            )
            .ok_or(FromV8Error::Threw)?;
        let mut entries = Vec::with_capacity(names.length() as usize);
        for i in 0..names.length() {
            let key = names.get_index(scope, i).ok_or(FromV8Error::Threw)?;
            let item = obj.get(scope, key).ok_or(FromV8Error::Threw)?;
            let key = key.to_rust_string_lossy(scope);
            entries.push((key, walk(scope, item, path)?));
        }
        Value::Object(entries)
    } else {
        let class = obj.get_constructor_name().to_rust_string_lossy(scope);
        path.pop();
        return Err(FromV8Error::Unsupported(format!(
            "a JavaScript {class} object cannot be passed to Python (plain objects and arrays can)"
        )));
    };
    path.pop();
    Ok(out)
}

/// A plain object is one whose prototype is this context's `Object.prototype`, or null.
fn is_plain_object(scope: &mut v8::PinScope<'_, '_>, obj: v8::Local<v8::Object>) -> bool {
    let Some(proto) = obj.get_prototype(scope) else {
        return false;
    };
    if proto.is_null() {
        return true;
    }
    let object_prototype = v8::Object::new(scope).get_prototype(scope);
    object_prototype.is_some_and(|p| p.strict_equals(proto))
}
