//! The startup snapshot: a context with the runtime's globals already installed, made once per
//! process (the first time a worker is created) and deserialised into every new isolate, so a
//! fresh isolate runs none of the bootstrap JavaScript. The bootstrap's `hooks` object travels
//! as context data. If the snapshot cannot be made, isolates fall back to running the bootstrap
//! themselves. `WORKERBOX_SNAPSHOT=0` forces that path (for measuring what the snapshot saves).
//!
//! Every native function reachable from the snapshot must be listed in `external_references`,
//! in the same order when the snapshot is made and when it is used.

use std::borrow::Cow;
use std::sync::OnceLock;

/// Where `hooks` is stored among the snapshot's context data.
const HOOKS_INDEX: usize = 0;

/// The native functions the bootstrap captures: the ops, and the bootstrap's own callbacks.
pub fn external_references() -> &'static [v8::ExternalReference] {
    static REFS: OnceLock<References> = OnceLock::new();
    &REFS
        .get_or_init(|| {
            let mut refs = crate::ops::external_references();
            refs.extend(crate::bootstrap::external_references());
            References(refs)
        })
        .0
}

struct References(Vec<v8::ExternalReference>);

// SAFETY: the entries are addresses of `extern "C"` functions, never written after creation;
// sharing them between threads shares only immutable code addresses.
unsafe impl Send for References {}
// SAFETY: as above.
unsafe impl Sync for References {}

/// The snapshot blob, made on first use; None if snapshots are off or could not be made.
pub fn blob() -> Option<&'static [u8]> {
    static BLOB: OnceLock<Option<Vec<u8>>> = OnceLock::new();
    BLOB.get_or_init(|| {
        if std::env::var("WORKERBOX_SNAPSHOT").is_ok_and(|v| v == "0") {
            return None;
        }
        create()
    })
    .as_deref()
}

fn create() -> Option<Vec<u8>> {
    let refs = Cow::Borrowed(external_references());
    let mut creator = v8::Isolate::snapshot_creator(Some(refs), None);
    // The bootstrap installs closures over `ops`; none of them runs an op while installing, but
    // the slot must exist in case one does.
    creator.set_slot(crate::ops::OpState::detached());
    let bootstrapped = {
        v8::scope!(let hs, &mut creator);
        let context = v8::Context::new(hs, Default::default());
        let scope = &mut v8::ContextScope::new(hs, context);
        v8::tc_scope!(let tc, scope);
        let hooks = crate::bootstrap::run(tc);
        if let Ok(hooks) = hooks {
            tc.add_context_data(context, hooks);
        }
        tc.set_default_context(context);
        hooks.map(|_| ())
    };
    // A snapshot creator must end in create_blob, even when the bootstrap failed (then the
    // workers run it themselves and report the failure).
    let blob = creator.create_blob(v8::FunctionCodeHandling::Keep)?;
    bootstrapped.ok()?;
    Some(blob.to_vec())
}

/// The hooks of a context created from the snapshot (only once per context).
pub fn hooks<'s>(scope: &mut v8::PinScope<'s, '_>) -> Option<v8::Local<'s, v8::Object>> {
    scope.get_context_data_from_snapshot_once::<v8::Object>(HOOKS_INDEX).ok()
}
