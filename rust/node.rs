//! The `node:*` modules `nodejs_compat` makes importable. Each is a lazily installed runtime file
//! (`js/node/*.js`, registered in `bootstrap.rs`) that sets the hook `node:NAME` to its exports
//! object; importing the module makes a synthetic module exporting that object's own names, and
//! the object itself as `default` (as Node's ES module wrappers of its built-ins do); `require`
//! returns the object.

use crate::code::WorkerCode;
use crate::error::{Error, Result};

/// What `specifier` means as a node built-in: None when it is not one (a bare name the bundle has,
/// or not a node module name at all); the module's name (`node:NAME`) when this worker may import
/// it; a `CodeError` naming the flag or the module when it may not.
pub fn resolve(code: &WorkerCode, referrer: &str, specifier: &str) -> Option<Result<String>> {
    let (name, prefixed) = match specifier.strip_prefix("node:") {
        Some(name) => (name, true),
        None if code.get(specifier).is_none() && is_module(specifier) => (specifier, false),
        None => return None,
    };
    let shown = crate::value::truncated(specifier, 256);
    Some(if !is_module(name) {
        Err(Error::Code(format!(
            "{referrer:?} imports {shown:?}, which workerbox does not provide (its node modules: {})",
            crate::bootstrap::node_modules().collect::<Vec<_>>().join(", ")
        )))
    } else if !code.node_compat() {
        let how = if prefixed { "" } else { " (a built-in node module, not one of the worker's modules)" };
        Err(Error::Code(format!(
            "{referrer:?} imports {shown:?}{how}, which needs the compatibility flag \"nodejs_compat\" \
             (compatibility_flags=[\"nodejs_compat\"])"
        )))
    } else {
        Ok(format!("node:{name}"))
    })
}

fn is_module(name: &str) -> bool {
    crate::bootstrap::node_modules().any(|m| m == name)
}

/// The exports object of `node:NAME` (`name` as `resolve` returned it), installing its file on
/// first use; None with an exception pending.
pub fn exports<'s>(scope: &mut v8::PinScope<'s, '_>, name: &str) -> Option<v8::Local<'s, v8::Object>> {
    let hooks = crate::ops::state(scope).hooks.clone()?;
    let hooks = v8::Local::new(scope, hooks);
    let key = v8::String::new(scope, name)?;
    hooks.get(scope, key.into())?.try_into().ok()
}

/// The names a node module exports: `default`, then the exports object's own string keys.
pub fn export_names<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    object: v8::Local<'s, v8::Object>,
) -> Option<Vec<v8::Local<'s, v8::String>>> {
    let keys = object.get_own_property_names(scope, v8::GetPropertyNamesArgs::default())?;
    let mut names = vec![v8::String::new(scope, "default")?];
    for i in 0..keys.length() {
        if let Ok(key) = v8::Local::<v8::String>::try_from(keys.get_index(scope, i)?)
            && key.to_rust_string_lossy(scope) != "default"
        {
            names.push(key);
        }
    }
    Some(names)
}

/// Sets a node module's exports from its object: `default` is the object, every other export
/// its property of that name. None with an exception pending.
pub fn fill<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    module: v8::Local<'s, v8::Module>,
    object: v8::Local<'s, v8::Object>,
) -> Option<()> {
    let names = export_names(scope, object)?;
    module.set_synthetic_module_export(scope, names[0], object.into())?;
    for name in &names[1..] {
        let value = object.get(scope, (*name).into())?;
        module.set_synthetic_module_export(scope, *name, value)?;
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(flags: &[&str], modules: &[&str]) -> WorkerCode {
        let mut code = crate::modules::tests::bundle(modules);
        code.compatibility_flags = flags.iter().map(|f| f.to_string()).collect();
        code
    }

    #[test]
    fn node_modules_need_the_flag() {
        let err = resolve(&code(&[], &["a.js"]), "a.js", "node:path").unwrap().unwrap_err();
        assert!(err.to_string().contains("nodejs_compat"), "{err}");
        let ok = resolve(&code(&["nodejs_compat"], &["a.js"]), "a.js", "node:path").unwrap().unwrap();
        assert_eq!(ok, "node:path");
    }

    #[test]
    fn bare_names_are_node_modules_only_where_the_bundle_has_none() {
        let with_flag = code(&["nodejs_compat"], &["a.js", "path"]);
        assert!(resolve(&with_flag, "a.js", "path").is_none());
        let without = code(&["nodejs_compat"], &["a.js"]);
        assert_eq!(resolve(&without, "a.js", "path").unwrap().unwrap(), "node:path");
        assert!(resolve(&without, "a.js", "lodash").is_none());
    }

    #[test]
    fn unknown_node_modules_are_named_with_what_there_is() {
        let err = resolve(&code(&["nodejs_compat"], &["a.js"]), "a.js", "node:fs").unwrap().unwrap_err();
        assert!(err.to_string().contains("node:fs") && err.to_string().contains("path"), "{err}");
    }
}
