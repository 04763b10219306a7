//! `Value`: the owned value tree that crosses between Python and JavaScript. Plain data: it
//! knows nothing of V8 (`convert` walks V8 values into it and back) or of isolates (a service
//! binding holds its target worker as a `ServiceTarget`).

use std::sync::Arc;

use num_bigint::BigInt;

use crate::error::Result;

/// Nesting deeper than this is refused in both directions (Python and V8), which also bounds the
/// recursion of the converters and catches cycles that slip past the identity check.
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
    pub worker: Arc<dyn ServiceTarget>,
    pub export: Option<String>,
}

/// Where a service binding's calls go: another worker, seen from below the isolate layer
/// (`isolate::WorkerHandle` is the implementation).
pub trait ServiceTarget: Send + Sync {
    /// The worker's id, for debugging output.
    fn id(&self) -> u64;

    /// Sends a call of `method` on `export` (None: the default export) with `args`; `fetch`
    /// marks a fetch handler call (`args[0]` a request in wire form). `answer` gets the outcome
    /// exactly once, on an isolate thread, and must not block. An `Err` means the call could not
    /// be sent, and `answer` was dropped unanswered.
    fn send(
        &self,
        export: Option<String>,
        method: String,
        args: Vec<Value>,
        fetch: bool,
        answer: Answer,
    ) -> Result<()>;
}

/// Where a service call's outcome goes.
pub type Answer = Box<dyn FnOnce(Result<Value>) + Send>;

impl std::fmt::Debug for Service {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Service(#{}, {:?})", self.worker.id(), self.export)
    }
}

impl PartialEq for Service {
    /// The same worker (by identity, not id: ids are per loader) and export.
    fn eq(&self, other: &Self) -> bool {
        std::ptr::addr_eq(Arc::as_ptr(&self.worker), Arc::as_ptr(&other.worker))
            && self.export == other.export
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

/// A host failure as JavaScript sees it: an `Error` with this `name` and `message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostError {
    pub name: String,
    pub message: String,
}

/// The most of a host error's message that reaches JavaScript, in bytes: a binding's message can
/// echo a sandbox string of any size. The rest is cut at a character boundary and counted.
pub const MAX_HOST_ERROR_MESSAGE: usize = 8 << 10;

/// The most of a host error's name (its Python type's name) that reaches JavaScript, in bytes.
pub const MAX_HOST_ERROR_NAME: usize = 256;

/// `text` cut to at most `max` bytes plus a note of how much was cut.
pub fn truncated(text: &str, max: usize) -> std::borrow::Cow<'_, str> {
    if text.len() <= max {
        return text.into();
    }
    let end = (0..=max).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0);
    format!("{}… ({} more bytes)", &text[..end], text.len() - end).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_text_is_cut_at_a_character_boundary_and_says_how_much() {
        assert_eq!(truncated("short", 8), "short");
        // "é" is two bytes: cutting at 3 would split the second one.
        assert_eq!(truncated("éé", 3), "é… (2 more bytes)");
        assert_eq!(truncated(&"x".repeat(10), 4), "xxxx… (6 more bytes)");
    }
}
