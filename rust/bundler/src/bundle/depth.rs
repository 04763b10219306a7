//! A bound on how deeply a source nests, checked before rolldown analyses it: rolldown's
//! side-effect analysis (oxc_ecmascript's `may_have_side_effects`) walks a nested expression
//! again at each level, so its time is quadratic in the depth (measured: 16k nested array
//! literals take about two seconds, a 4 MiB source hours). Real code nests a few dozen levels.

use oxc::allocator::Allocator;
use oxc::ast::AstKind;
use oxc::ast_visit::Visit;
use oxc::parser::{ParseOptions, Parser};
use oxc::span::{GetSpan, SourceType};
use rolldown_common::ModuleType;

pub const MAX_DEPTH: usize = 1000;

/// The byte offset where a source first nests past [`MAX_DEPTH`], if it does. A source that does
/// not parse passes: rolldown's own parse reports it, with its position.
pub fn too_deep(code: &str, module_type: &ModuleType) -> Option<usize> {
    let source_type = match module_type {
        ModuleType::Json => return json_too_deep(code),
        ModuleType::Js => SourceType::mjs().with_jsx(true),
        ModuleType::Jsx => SourceType::jsx(),
        ModuleType::Ts => SourceType::ts(),
        ModuleType::Tsx => SourceType::tsx(),
        _ => return None,
    };
    [source_type, source_type.with_script(true)].into_iter().find_map(|st| parsed_too_deep(code, st))?
}

/// `Some(answer)` when the source parsed as `source_type`.
fn parsed_too_deep(code: &str, source_type: SourceType) -> Option<Option<usize>> {
    let allocator = Allocator::default();
    let options = ParseOptions { allow_return_outside_function: true, ..ParseOptions::default() };
    let parsed = Parser::new(&allocator, code, source_type).with_options(options).parse();
    if parsed.panicked || !parsed.diagnostics.is_empty() {
        return None;
    }
    let mut depth = Depth { now: 0, past: None };
    depth.visit_program(&parsed.program);
    Some(depth.past)
}

struct Depth {
    now: usize,
    past: Option<usize>,
}

impl<'a> Visit<'a> for Depth {
    fn enter_node(&mut self, kind: AstKind<'a>) {
        self.now += 1;
        if self.now > MAX_DEPTH && self.past.is_none() {
            self.past = Some(kind.span().start as usize);
        }
    }

    fn leave_node(&mut self, _kind: AstKind<'a>) {
        self.now -= 1;
    }
}

/// JSON nests only in arrays and objects, and brackets inside its strings are skipped.
fn json_too_deep(code: &str) -> Option<usize> {
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for (offset, byte) in code.bytes().enumerate() {
        match (in_string, escaped, byte) {
            (true, true, _) => escaped = false,
            (true, false, b'\\') => escaped = true,
            (true, false, b'"') | (false, _, b'"') => in_string = !in_string,
            (false, _, b'[' | b'{') => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Some(offset);
                }
            }
            (false, _, b']' | b'}') => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// On a thread with the stack a build has (`bundle::stack`): oxc recurses per level.
    #[test]
    fn deep_sources_are_found_and_ordinary_ones_pass() {
        std::thread::Builder::new().stack_size(256 << 20).spawn(checks).unwrap().join().unwrap();
    }

    fn checks() {
        let deep = format!("export default {}1{};", "[".repeat(MAX_DEPTH + 5), "]".repeat(MAX_DEPTH + 5));
        assert!(too_deep(&deep, &ModuleType::Js).is_some());
        assert!(too_deep("module.exports = [[1]]; return;", &ModuleType::Js).is_none());
        assert!(too_deep("const a: Array<number> = [1]; export default a", &ModuleType::Ts).is_none());
        let json = format!("{}\"]]]\"{}", "[".repeat(MAX_DEPTH + 1), "]".repeat(MAX_DEPTH + 1));
        assert!(too_deep(&json, &ModuleType::Json).is_some());
        assert!(too_deep(r#"{"a": "[[[[", "b": [1, {"c": 2}]}"#, &ModuleType::Json).is_none());
    }
}
