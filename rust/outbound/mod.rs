//! Outbound network access for the sandbox's `fetch()`. Closed unless the host opens it: by a
//! Python hook (through `rpc`), or by `HttpOutbound`, a native client bound by an allow-list,
//! the SSRF guard and header injection (`client.rs`, `policy.rs`). What any request may say
//! (its method, which of its headers are sent) is decided in `request.rs`. No V8 here: the
//! function the sandbox's `fetch()` calls is `ops::outbound`.

pub mod client;
pub mod policy;
pub mod request;

pub use client::{BodyReader, HttpConfig, HttpOutbound, RedirectMode, WireRequest, WireResponse, runtime};
pub use policy::HostPattern;
