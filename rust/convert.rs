//! `Value` ⇄ V8 values. Walks V8 values directly (no JSON). Runs on the isolate's thread.
//!
//! Neither direction may panic or run unbounded. Each crossing (a call's arguments, a return
//! value, a host's answer) is walked under one `Budget` of nodes and bytes, charged before
//! anything is allocated, so a small JS value that expands when copied (a sparse array's holes,
//! a DAG, one rope referenced many times) is refused instead of growing the host; the walk stops
//! once the isolate is being terminated, so the watchdog's CPU limit still ends it. What V8
//! cannot make (a string past its maximum length, a BigInt past its maximum size) and what would
//! be corrupted on the way (a lone surrogate) is refused too, never replaced.
//!
//! Host objects and service bindings become stubs (`rpc`), whose calls convert their arguments
//! back through here: the two form one layer.

use num_bigint::{BigInt, Sign};

use crate::limits::Limits;
use crate::value::{MAX_DEPTH, Value};
use crate::watchdog::Termination;

/// Why a value could not cross.
#[derive(Debug)]
pub enum ConversionError {
    /// A conversion rule or the budget refused it; the message says which and where.
    Refused(String),
    /// JavaScript threw while being read (a getter), or the isolate is being terminated: the
    /// exception or termination is the caller's to take from its TryCatch.
    Threw,
}

impl ConversionError {
    /// Raises the refusal in JavaScript as a `TypeError`; after `Threw`, something already is.
    pub fn throw(self, scope: &mut v8::PinScope<'_, '_>) {
        if let ConversionError::Refused(why) = self
            && let Some(message) = v8::String::new(scope, &why)
        {
            let exception = v8::Exception::type_error(scope, message);
            scope.throw_exception(exception);
        }
    }
}

fn refused<T>(why: String) -> Result<T, ConversionError> {
    Err(ConversionError::Refused(why))
}

/// What one node of a `Value` costs on top of its payload: the enum itself.
const NODE_BYTES: u64 = std::mem::size_of::<Value>() as u64;

/// Values converted between two looks at whether the isolate is being terminated.
const POLL_EVERY: u64 = 256;

/// V8's largest BigInt, in 64-bit words (`BigInt::kMaxLength`); past it V8 throws a RangeError.
const MAX_BIGINT_WORDS: usize = ((1 << 30) - 1) / 64;

/// What one crossing may still cost: at most `Limits.conversion_nodes` values and
/// `Limits.memory_mb` of bytes (strings, bytes, BigInts, and `NODE_BYTES` a value).
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    nodes: u64,
    bytes: u64,
    max_nodes: u64,
    max_bytes: u64,
}

impl Budget {
    pub fn new(limits: Limits) -> Self {
        let limits = limits.or_defaults();
        let max_nodes = limits.conversion_nodes.unwrap_or(u64::MAX);
        let max_bytes = limits.heap_bytes() as u64;
        Budget { nodes: max_nodes, bytes: max_bytes, max_nodes, max_bytes }
    }

    /// Makes `limits` the budget of crossings that belong to the worker rather than to one call
    /// (a host call's arguments, a host's answer, a JSON module).
    pub fn install(isolate: &mut v8::Isolate, limits: Limits) {
        isolate.set_slot(Budget::new(limits));
    }

    /// A fresh budget of the worker in this isolate (the defaults before one is installed).
    pub fn of(isolate: &v8::Isolate) -> Self {
        isolate.get_slot::<Budget>().copied().unwrap_or_else(|| Budget::new(Limits::default()))
    }

    /// Refuses unless `nodes` more values of `bytes` in all would still fit.
    fn check(&self, nodes: u64, bytes: u64) -> Result<(), ConversionError> {
        if nodes > self.nodes {
            return refused(format!(
                "the value holds more than {} values, the most one crossing may carry (Limits.conversion_nodes)",
                self.max_nodes
            ));
        }
        if bytes > self.bytes {
            return refused(format!(
                "the value takes more than {} MiB, the most one crossing may carry (Limits.memory_mb)",
                self.max_bytes >> 20
            ));
        }
        Ok(())
    }

    fn take(&mut self, nodes: u64, bytes: u64) -> Result<(), ConversionError> {
        self.check(nodes, bytes)?;
        self.nodes -= nodes;
        self.bytes -= bytes;
        Ok(())
    }

    /// Charges one value and `payload` bytes it owns.
    fn node(&mut self, payload: u64) -> Result<(), ConversionError> {
        self.take(1, NODE_BYTES.saturating_add(payload))
    }

    /// Whether to look for termination before the next value: every `POLL_EVERY` values, which
    /// keeps the walk's overshoot past a CPU limit far below a millisecond.
    fn should_poll(&self) -> bool {
        self.nodes.is_multiple_of(POLL_EVERY)
    }

    /// Refuses a container of `len` values that could not fit even if each were empty, before
    /// anything is read from it (an array's length costs JavaScript nothing).
    fn room_for(&self, len: u64) -> Result<(), ConversionError> {
        self.check(len, len.saturating_mul(NODE_BYTES))
    }
}

/// Whether the walk must stop: V8 raises its own flag only once JavaScript runs again, so the
/// reason the watchdog records when it terminates the isolate is read as well.
fn terminating(isolate: &v8::Isolate) -> bool {
    isolate.is_execution_terminating() || isolate.get_slot::<Termination>().is_some_and(|t| t.get().is_some())
}

pub fn to_v8<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    value: &Value,
    budget: &mut Budget,
) -> Result<v8::Local<'s, v8::Value>, ConversionError> {
    if budget.should_poll() && terminating(scope) {
        return Err(ConversionError::Threw);
    }
    budget.node(payload(value))?;
    Ok(match value {
        Value::Undefined => v8::undefined(scope).into(),
        Value::Null => v8::null(scope).into(),
        Value::Bool(b) => v8::Boolean::new(scope, *b).into(),
        Value::Number(n) => v8::Number::new(scope, *n).into(),
        Value::BigInt(b) => bigint_to_v8(scope, b)?,
        Value::String(s) => string_to_v8(scope, s)?.into(),
        Value::Bytes(bytes) => {
            let len = bytes.len();
            let Some(buffer) = crate::ops::buffer_from(scope, bytes) else {
                return refused(format!("{len} bytes are more than this worker's memory limit has room for"));
            };
            let Some(array) = v8::Uint8Array::new(scope, buffer, 0, len) else {
                return refused(format!("{len} bytes are more than a JavaScript Uint8Array can hold"));
            };
            array.into()
        }
        Value::Date(ms) => v8::Date::new(scope, *ms).ok_or(ConversionError::Threw)?.into(),
        Value::Target { id, methods } => crate::rpc::stub::target(scope, *id, methods).into(),
        Value::Function { id } => crate::rpc::stub::function(scope, *id).into(),
        Value::Service(service) => crate::rpc::service::stub(scope, service.clone()),
        Value::Array(items) => {
            let mut elements = Vec::with_capacity(items.len());
            for item in items {
                elements.push(to_v8(scope, item, budget)?);
            }
            v8::Array::new_with_elements(scope, &elements).into()
        }
        Value::Object(entries) => {
            let obj = v8::Object::new(scope);
            for (k, v) in entries {
                budget.node(k.len() as u64)?;
                let key = string_to_v8(scope, k)?;
                let val = to_v8(scope, v, budget)?;
                // create_data_property defines an own property without running setters, so a
                // key like "__proto__" stays data instead of changing the prototype.
                obj.create_data_property(scope, key.into(), val).ok_or(ConversionError::Threw)?;
            }
            obj.into()
        }
    })
}

/// The bytes a value owns besides its node.
fn payload(value: &Value) -> u64 {
    match value {
        Value::String(s) => s.len() as u64,
        Value::Bytes(b) => b.len() as u64,
        Value::BigInt(b) => b.bits() / 8,
        _ => 0,
    }
}

fn string_to_v8<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    s: &str,
) -> Result<v8::Local<'s, v8::String>, ConversionError> {
    match v8::String::new(scope, s) {
        Some(s) => Ok(s),
        None => refused(format!(
            "a string of {} bytes is longer than JavaScript allows ({} characters)",
            s.len(),
            v8::String::MAX_LENGTH
        )),
    }
}

fn bigint_to_v8<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    b: &BigInt,
) -> Result<v8::Local<'s, v8::Value>, ConversionError> {
    if b.bits() > MAX_BIGINT_WORDS as u64 * 64 {
        return refused(format!("an int of {} bits is larger than a JavaScript BigInt can be", b.bits()));
    }
    let (sign, words) = b.to_u64_digits();
    v8::BigInt::new_from_words(scope, sign == Sign::Minus, &words)
        .map(Into::into)
        .ok_or(ConversionError::Threw)
}

pub fn from_v8<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    value: v8::Local<'s, v8::Value>,
    budget: &mut Budget,
) -> Result<Value, ConversionError> {
    let object_prototype = v8::Object::new(scope).get_prototype(scope);
    let mut walk = Walk { budget, path: Vec::new(), object_prototype };
    walk.value(scope, value)
}

/// One JS → `Value` conversion: its budget, the objects being converted (outermost first, for
/// cycles and depth) and this context's `Object.prototype` (what makes an object plain).
struct Walk<'b, 's> {
    budget: &'b mut Budget,
    path: Vec<v8::Local<'s, v8::Object>>,
    object_prototype: Option<v8::Local<'s, v8::Value>>,
}

impl<'s> Walk<'_, 's> {
    fn value(
        &mut self,
        scope: &mut v8::PinScope<'s, '_>,
        value: v8::Local<'s, v8::Value>,
    ) -> Result<Value, ConversionError> {
        if self.budget.should_poll() && terminating(scope) {
            return Err(ConversionError::Threw);
        }
        if value.is_undefined() {
            return self.budget.node(0).map(|()| Value::Undefined);
        }
        if value.is_null() {
            return self.budget.node(0).map(|()| Value::Null);
        }
        if value.is_boolean() {
            return self.budget.node(0).map(|()| Value::Bool(value.is_true()));
        }
        if value.is_number() {
            self.budget.node(0)?;
            return Ok(Value::Number(value.number_value(scope).unwrap_or(f64::NAN)));
        }
        if let Ok(s) = v8::Local::<v8::String>::try_from(value) {
            return self.string(scope, s).map(Value::String);
        }
        if let Ok(b) = v8::Local::<v8::BigInt>::try_from(value) {
            return self.bigint(b).map(Value::BigInt);
        }
        let unsupported = |what: &str| refused(format!("a JavaScript {what} cannot be passed to Python"));
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
        if let Ok(date) = v8::Local::<v8::Date>::try_from(value) {
            return self.budget.node(0).map(|()| Value::Date(date.value_of()));
        }
        if let Some(len) = binary_length(value) {
            self.budget.node(len as u64)?;
            return Ok(Value::Bytes(crate::ops::bytes_of(value).unwrap_or_default()));
        }
        if value.is_array_buffer_view() {
            return unsupported("typed array other than Uint8Array (use a Uint8Array for bytes)");
        }
        let Ok(obj) = v8::Local::<v8::Object>::try_from(value) else {
            return unsupported("value of this type");
        };
        self.budget.node(0)?;
        if self.path.iter().any(|seen| seen.strict_equals(obj.into())) {
            return refused("the value contains a cycle and cannot be passed to Python".into());
        }
        if self.path.len() >= MAX_DEPTH {
            return refused(format!("the value is nested deeper than {MAX_DEPTH} levels"));
        }
        self.path.push(obj);
        let out = if let Ok(array) = v8::Local::<v8::Array>::try_from(value) {
            self.array(scope, array)
        } else if self.is_plain(scope, obj) {
            self.object(scope, obj)
        } else {
            // A tenant's class name can be any length: a long one is not copied at all.
            let name = obj.get_constructor_name();
            let class = match name.length() {
                0..=256 => name.to_rust_string_lossy(scope),
                _ => "(long-named class)".to_string(),
            };
            refused(format!(
                "a JavaScript {class} object cannot be passed to Python (plain objects and arrays can)"
            ))
        };
        self.path.pop();
        out
    }

    /// Holes read as `undefined`, each a value of the budget: a sparse array is refused by its
    /// length before a hole is read.
    fn array(
        &mut self,
        scope: &mut v8::PinScope<'s, '_>,
        array: v8::Local<'s, v8::Array>,
    ) -> Result<Value, ConversionError> {
        let len = array.length();
        self.budget.room_for(len.into())?;
        let mut items = Vec::with_capacity(len as usize);
        for i in 0..len {
            let item = array.get_index(scope, i).ok_or(ConversionError::Threw)?;
            items.push(self.value(scope, item)?);
        }
        Ok(Value::Array(items))
    }

    fn object(
        &mut self,
        scope: &mut v8::PinScope<'s, '_>,
        obj: v8::Local<'s, v8::Object>,
    ) -> Result<Value, ConversionError> {
        let args = v8::GetPropertyNamesArgs {
            key_conversion: v8::KeyConversionMode::ConvertToString,
            ..Default::default()
        };
        let names = obj.get_own_property_names(scope, args).ok_or(ConversionError::Threw)?;
        self.budget.room_for(names.length().into())?;
        let mut entries = Vec::with_capacity(names.length() as usize);
        for i in 0..names.length() {
            let key = names.get_index(scope, i).ok_or(ConversionError::Threw)?;
            let item = obj.get(scope, key).ok_or(ConversionError::Threw)?;
            let key = v8::Local::<v8::String>::try_from(key).map_err(|_| ConversionError::Threw)?;
            let key = self.string(scope, key)?;
            entries.push((key, self.value(scope, item)?));
        }
        Ok(Value::Object(entries))
    }

    /// A string is charged before it is flattened or copied: its length (UTF-16 units) is a
    /// lower bound of its UTF-8 size, which is charged exactly once that fits.
    fn string(
        &mut self,
        scope: &mut v8::PinScope<'s, '_>,
        s: v8::Local<'s, v8::String>,
    ) -> Result<String, ConversionError> {
        self.budget.check(1, s.length() as u64)?;
        self.budget.node(s.utf8_length(scope) as u64)?;
        let text = s.to_rust_string_lossy(scope);
        // Lossy conversion writes U+FFFD for a lone surrogate; only then is a genuine U+FFFD
        // told apart from one by reading the UTF-16 units.
        if text.contains('\u{FFFD}') && !is_well_formed(scope, s) {
            return refused(
                "a string with a lone surrogate (not valid Unicode) cannot be passed to Python".into(),
            );
        }
        Ok(text)
    }

    fn bigint(&mut self, b: v8::Local<'s, v8::BigInt>) -> Result<BigInt, ConversionError> {
        self.budget.node(b.word_count() as u64 * 8)?;
        let mut words = vec![0u64; b.word_count()];
        let (negative, words) = b.to_words_array(&mut words);
        let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
        let sign = if negative { Sign::Minus } else { Sign::Plus };
        Ok(BigInt::from_bytes_le(sign, &bytes))
    }

    /// A plain object is one whose prototype is this context's `Object.prototype`, or null.
    fn is_plain(&self, scope: &mut v8::PinScope<'s, '_>, obj: v8::Local<'s, v8::Object>) -> bool {
        let Some(proto) = obj.get_prototype(scope) else {
            return false;
        };
        proto.is_null() || self.object_prototype.is_some_and(|p| p.strict_equals(proto))
    }
}

/// The byte length of a Uint8Array or ArrayBuffer (0 once detached); None for anything else.
fn binary_length(value: v8::Local<v8::Value>) -> Option<usize> {
    if value.is_uint8_array() {
        return v8::Local::<v8::ArrayBufferView>::try_from(value).ok().map(|v| v.byte_length());
    }
    v8::Local::<v8::ArrayBuffer>::try_from(value).ok().map(|b| b.byte_length())
}

fn is_well_formed(isolate: &mut v8::Isolate, s: v8::Local<v8::String>) -> bool {
    match v8::ValueView::new(isolate, s).data() {
        v8::ValueViewData::OneByte(_) => true,
        v8::ValueViewData::TwoByte(units) => char::decode_utf16(units.iter().copied()).all(|c| c.is_ok()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_budget_counts_values_and_bytes_and_refuses_before_taking() {
        let limits = Limits { conversion_nodes: Some(3), memory_mb: Some(1), ..Default::default() };
        let mut budget = Budget::new(limits);
        assert!(budget.room_for(4).is_err());
        assert!(budget.node(1 << 20).is_err());
        budget.node(0).unwrap();
        budget.node(0).unwrap();
        budget.node(0).unwrap();
        let Err(ConversionError::Refused(why)) = budget.node(0) else { panic!("a fourth value fits") };
        assert!(why.contains("conversion_nodes"));
    }
}
