//! `ops.urlParse`: WHATWG URL parsing with the `url` crate, behind the `URL` global. Answers
//! null for anything that is not a URL JavaScript can hold.

pub fn op_url_parse(
    scope: &mut v8::PinScope,
    args: v8::FunctionCallbackArguments,
    mut rv: v8::ReturnValue<v8::Value>,
) {
    let href = args.get(0).to_rust_string_lossy(scope);
    let base = args.get(1);
    let parsed = if base.is_undefined() {
        url::Url::parse(&href)
    } else {
        let base = base.to_rust_string_lossy(scope);
        url::Url::parse(&base).and_then(|b| b.join(&href))
    };
    let Ok(u) = parsed else {
        rv.set_null();
        return;
    };
    let port = u.port().map(|p| p.to_string()).unwrap_or_default();
    let host = match u.port() {
        Some(p) => format!("{}:{p}", u.host_str().unwrap_or("")),
        None => u.host_str().unwrap_or("").to_string(),
    };
    let fields: [(&str, String); 11] = [
        ("href", u.as_str().to_string()),
        ("origin", origin(&u)),
        ("protocol", format!("{}:", u.scheme())),
        ("username", u.username().to_string()),
        ("password", u.password().unwrap_or("").to_string()),
        ("host", host),
        ("hostname", u.host_str().unwrap_or("").to_string()),
        ("port", port),
        ("pathname", u.path().to_string()),
        ("search", u.query().filter(|q| !q.is_empty()).map(|q| format!("?{q}")).unwrap_or_default()),
        ("hash", u.fragment().filter(|f| !f.is_empty()).map(|f| format!("#{f}")).unwrap_or_default()),
    ];
    let obj = v8::Object::new(scope);
    for (k, v) in fields {
        let key = v8::String::new(scope, k).unwrap();
        // Serialising percent-encodes, up to nine bytes for one character of the input, so a
        // URL that fit in a JS string may not any more: then it is no URL JavaScript can hold.
        let Some(val) = v8::String::new(scope, &v) else {
            rv.set_null();
            return;
        };
        obj.create_data_property(scope, key.into(), val.into());
    }
    rv.set(obj.into());
}

/// The URL Standard's origin. The url crate gives a `blob:` URL the origin of whatever URL its
/// path holds; the standard only of an http(s) one (a `blob:ftp:`, `blob:ws:` or `blob:blob:`
/// URL is opaque).
fn origin(u: &url::Url) -> String {
    if u.scheme() == "blob" {
        return match url::Url::parse(u.path()) {
            Ok(inner) if matches!(inner.scheme(), "http" | "https") => inner.origin().ascii_serialization(),
            _ => "null".into(),
        };
    }
    u.origin().ascii_serialization()
}
