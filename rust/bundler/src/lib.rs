//! worker-bundler: a tenant's files and `package.json` in, a worker's modules out. No V8 and no
//! Python here: `npm` fetches and lays out dependencies, `bundle` resolves and bundles; the engine's
//! `py/` layer exposes both as `workerbox.bundler`.

pub mod npm;
