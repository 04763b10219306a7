//! Outbound network access for the sandbox's `fetch()`. Closed unless the host opens it: by a
//! Python hook (through `rpc`), or by `HttpOutbound`, a native client bound by an allow-list,
//! the SSRF guard and header injection (`client.rs`, `policy.rs`), with request bodies that may
//! still be streaming out of the worker (`upload.rs`). What any request may say
//! (its method, which of its headers are sent) is decided in `request.rs`. No V8 here: the
//! function the sandbox's `fetch()` calls is `ops::outbound`.

pub mod client;
pub mod policy;
pub mod request;
pub mod upload;

pub use client::{
    BodyReader, HttpConfig, HttpOutbound, RedirectMode, RequestBody, WireRequest, WireResponse, runtime,
};
pub use policy::HostPattern;
pub use upload::{Upload, UploadSender, upload};
