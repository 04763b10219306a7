//! `ops.urlPatternParse`, `ops.urlPatternInput`: the URL Pattern Standard's parser and input
//! processing from the `urlpattern` crate (as Deno uses it). Parsing yields, per component, the
//! pattern string, an ECMAScript regexp source and its group names; the JS side (16_urlpattern.js)
//! compiles the regexps with V8's RegExp, so matching has JavaScript's semantics.

use urlpattern::quirks::{self, EcmaRegexp, StringOrInit, UrlPatternInit};

use super::throw_type_error;

/// A string, or an init record (a prototype-less object of strings the JS side made), as the
/// crate takes them.
fn input(scope: &mut v8::PinScope, value: v8::Local<v8::Value>) -> StringOrInit<'static> {
    let Ok(record) = v8::Local::<v8::Object>::try_from(value) else {
        return StringOrInit::String(value.to_rust_string_lossy(scope).into());
    };
    let field = |name: &str| {
        let key = v8::String::new(scope, name).unwrap();
        record.get(scope, key.into()).filter(|v| v.is_string()).map(|v| v.to_rust_string_lossy(scope))
    };
    StringOrInit::Init(UrlPatternInit {
        protocol: field("protocol"),
        username: field("username"),
        password: field("password"),
        hostname: field("hostname"),
        port: field("port"),
        pathname: field("pathname"),
        search: field("search"),
        hash: field("hash"),
        base_url: field("baseURL"),
    })
}

fn base_url(scope: &mut v8::PinScope, value: v8::Local<v8::Value>) -> Option<String> {
    (!value.is_undefined()).then(|| value.to_rust_string_lossy(scope))
}

fn strings<'s>(scope: &mut v8::PinScope<'s, '_>, items: &[&str]) -> Option<v8::Local<'s, v8::Array>> {
    let mut values = Vec::with_capacity(items.len());
    for item in items {
        values.push(v8::String::new(scope, item)?.into());
    }
    Some(v8::Array::new_with_elements(scope, &values))
}

/// `ops.urlPatternParse(input, baseURL, ignoreCase)`: `[hasRegExpGroups, [pattern, regexp,
/// [group names]] × 8]`, or a thrown TypeError.
pub fn op_url_pattern_parse(
    scope: &mut v8::PinScope,
    args: v8::FunctionCallbackArguments,
    mut rv: v8::ReturnValue<v8::Value>,
) {
    let pattern_input = input(scope, args.get(0));
    let base = base_url(scope, args.get(1));
    let options = urlpattern::UrlPatternOptions {
        regex_syntax: urlpattern::RegexSyntax::EcmaScript,
        ignore_case: args.get(2).is_true(),
    };
    let parsed = quirks::process_construct_pattern_input(pattern_input, base.as_deref())
        .and_then(|init| quirks::parse_pattern::<EcmaRegexp>(init, options));
    let pattern = match parsed {
        Ok(pattern) => pattern,
        Err(e) => return throw_type_error(scope, &format!("URLPattern: {e}")),
    };
    let components = [
        &pattern.protocol,
        &pattern.username,
        &pattern.password,
        &pattern.hostname,
        &pattern.port,
        &pattern.pathname,
        &pattern.search,
        &pattern.hash,
    ];
    let mut out = vec![v8::Boolean::new(scope, pattern.has_regexp_groups).into()];
    for c in components {
        let names: Vec<&str> = c.group_name_list.iter().map(String::as_str).collect();
        let (Some(texts), Some(names)) =
            (strings(scope, &[&c.pattern_string, &c.regexp_string]), strings(scope, &names))
        else {
            return throw_type_error(scope, "URLPattern: the pattern is too long");
        };
        let (Some(pattern), Some(regexp)) = (texts.get_index(scope, 0), texts.get_index(scope, 1)) else {
            return;
        };
        out.push(v8::Array::new_with_elements(scope, &[pattern, regexp, names.into()]).into());
    }
    rv.set(v8::Array::new_with_elements(scope, &out).into());
}

/// `ops.urlPatternInput(input, baseURL)`: the eight component strings to match, or null when
/// the input is not a URL (then nothing matches).
pub fn op_url_pattern_input(
    scope: &mut v8::PinScope,
    args: v8::FunctionCallbackArguments,
    mut rv: v8::ReturnValue<v8::Value>,
) {
    let match_input = input(scope, args.get(0));
    let base = base_url(scope, args.get(1));
    let processed = match quirks::process_match_input(match_input, base.as_deref()) {
        Ok(processed) => processed,
        Err(e) => return throw_type_error(scope, &format!("URLPattern: {e}")),
    };
    let Some(parts) = processed.and_then(|(input, _)| quirks::parse_match_input(input)) else {
        return rv.set_null();
    };
    let values = [
        &parts.protocol,
        &parts.username,
        &parts.password,
        &parts.hostname,
        &parts.port,
        &parts.pathname,
        &parts.search,
        &parts.hash,
    ];
    let values: Vec<&str> = values.iter().map(|s| s.as_str()).collect();
    match strings(scope, &values) {
        Some(array) => rv.set(array.into()),
        None => rv.set_null(),
    }
}
