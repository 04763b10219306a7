//! TypeScript modules: types stripped (and enums, namespaces, parameter properties lowered) by
//! oxc, in Rust, before V8 sees the code. Nothing else is down-levelled. A position map from the
//! generated JavaScript back to the TypeScript lets errors point at the original line and column.
//! Pure Rust; runs wherever a worker's modules are compiled.

use std::path::Path;

use oxc::allocator::Allocator;
use oxc::codegen::{Codegen, CodegenOptions};
use oxc::parser::Parser;
use oxc::semantic::SemanticBuilder;
use oxc::span::SourceType;
use oxc::transformer::{TransformOptions, Transformer};

use crate::error::JsError;

/// Generated position → original position, per mapped token, sorted by generated position.
/// Lines and columns are 0-based.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PositionMap {
    tokens: Vec<(u32, u32, u32, u32)>,
}

impl PositionMap {
    /// The TypeScript position of generated `(line, col)` (0-based): the nearest mapped token
    /// at or before it on the same line.
    pub fn original(&self, line: u32, col: u32) -> Option<(u32, u32)> {
        let i = self.tokens.partition_point(|&(l, c, _, _)| (l, c) <= (line, col));
        let &(l, c, src_line, src_col) = self.tokens.get(i.checked_sub(1)?)?;
        // On the same line, the token is at or before `col`; the column may be any number a
        // stack's text claims.
        (l == line).then(|| Some((src_line, src_col.checked_add(col - c)?))).flatten()
    }
}

#[derive(Debug)]
pub struct Transpiled {
    pub code: String,
    pub map: PositionMap,
}

/// Stack the type stripper may need per byte of source. oxc recurses once per nesting level
/// with no depth guard (oxc-project/oxc#24375), and the deepest shape measured (nested
/// parentheses, one byte a level) takes about 1 KiB a level; twice that is the margin. Past the
/// stack the process dies of SIGSEGV, so the stack is sized from the source, not hoped for.
const STACK_PER_BYTE: usize = 2 << 10;

/// Sources this small are stripped on the calling thread: even fully nested, they need less
/// stack than an isolate thread has left at a load.
const INLINE_BYTES: usize = 1 << 10;

/// Stack for everything around the recursion.
const BASE_STACK: usize = 1 << 20;

/// JavaScript for the TypeScript module `name`, or a SyntaxError at the TypeScript position.
/// A source longer than `INLINE_BYTES` is stripped on a thread of its own whose stack covers
/// the deepest nesting it can hold (`code::MAX_TS_MODULE_BYTES` bounds that stack; it is
/// reserved address space, touched only as deep as the source really nests).
pub fn transpile(name: &str, source: &str) -> Result<Transpiled, JsError> {
    if let Some(offset) = deep_type_arguments(source) {
        let message = format!("type arguments nested deeper than {MAX_TYPE_ARGUMENT_DEPTH} levels");
        return Err(error_at(name, source, offset, message));
    }
    if source.len() <= INLINE_BYTES {
        return strip(name, source);
    }
    let stack = source.len().saturating_mul(STACK_PER_BYTE).saturating_add(BASE_STACK);
    std::thread::scope(|scope| {
        let stripped = std::thread::Builder::new()
            .name("workerbox-typescript".into())
            .stack_size(stack)
            .spawn_scoped(scope, || strip(name, source));
        match stripped {
            Ok(thread) => {
                thread.join().unwrap_or_else(|_| Err(internal(name, "the TypeScript compiler failed")))
            }
            Err(e) => Err(internal(name, &format!("no thread to strip its types on ({e})"))),
        }
    })
}

/// Unclosed `Name<` openers allowed in a row. The type stripper tries each `<` as type arguments
/// and re-parses what follows when that fails, so its time and memory grow with the square of
/// this nesting (a 40 KB source of `A<A<A<…` takes tens of GB); real code nests a handful.
const MAX_TYPE_ARGUMENT_DEPTH: usize = 128;

/// Where `<` right after a name (a possible type argument list) opens more than
/// `MAX_TYPE_ARGUMENT_DEPTH` lists that no `>` has closed, if it does. Strings and comments are
/// not skipped: this can only over-count, and only code nested far past any real code is refused.
fn deep_type_arguments(source: &str) -> Option<usize> {
    let bytes = source.as_bytes();
    let mut depth = 0usize;
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'<' if i > 0
                && (bytes[i - 1].is_ascii_alphanumeric() || matches!(bytes[i - 1], b'_' | b'$')) =>
            {
                depth += 1;
                if depth > MAX_TYPE_ARGUMENT_DEPTH {
                    return Some(i);
                }
            }
            b'>' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

fn internal(name: &str, why: &str) -> JsError {
    JsError { name: "Error".into(), message: format!("{name}: {why}"), stack: None }
}

fn strip(name: &str, source: &str) -> Result<Transpiled, JsError> {
    let allocator = Allocator::default();
    let source_type = SourceType::ts().with_module(true);
    let parsed = Parser::new(&allocator, source, source_type).parse();
    if let Some(first) = parsed.diagnostics.first() {
        return Err(syntax_error(name, source, first));
    }
    let mut program = parsed.program;
    let semantic = SemanticBuilder::new().with_enum_eval(true).build(&program);
    let scoping = semantic.semantic.into_scoping();
    let options = TransformOptions::from_target("esnext").unwrap_or_default();
    let transformed =
        Transformer::new(&allocator, Path::new(name), &options).build_with_scoping(scoping, &mut program);
    if let Some(first) = transformed.diagnostics.first() {
        return Err(syntax_error(name, source, first));
    }
    let options = CodegenOptions { source_map_path: Some(name.into()), ..CodegenOptions::default() };
    let generated = Codegen::new().with_options(options).build(&program);
    let mut tokens: Vec<(u32, u32, u32, u32)> = generated
        .map
        .map(|m| {
            m.get_tokens()
                .map(|t| (t.get_dst_line(), t.get_dst_col(), t.get_src_line(), t.get_src_col()))
                .collect()
        })
        .unwrap_or_default();
    tokens.sort_unstable();
    Ok(Transpiled { code: generated.code, map: PositionMap { tokens } })
}

fn syntax_error(name: &str, source: &str, diagnostic: &oxc::diagnostics::OxcDiagnostic) -> JsError {
    let offset = diagnostic.labels.first().map_or(0, |l| l.offset() as usize);
    error_at(name, source, offset, diagnostic.message.to_string())
}

/// A SyntaxError at byte `offset` of `source`.
fn error_at(name: &str, source: &str, offset: usize, message: String) -> JsError {
    let before = source.get(..offset.min(source.len())).unwrap_or(source);
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    JsError {
        name: "SyntaxError".into(),
        stack: Some(format!("SyntaxError: {message}\n    at {name}:{line}:{col}")),
        message,
    }
}

/// Rewrites `name:LINE:COL` positions (1-based, as in V8 stacks) of TypeScript modules to the
/// original TypeScript positions. The stack is the thrown value's own `stack` text, which the
/// sandbox can set to anything.
pub fn map_stack(stack: &str, maps: &[(&str, &PositionMap)]) -> String {
    let mut out = String::with_capacity(stack.len());
    for (i, line) in stack.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&map_line(line, maps));
    }
    out
}

fn map_line(line: &str, maps: &[(&str, &PositionMap)]) -> String {
    for (name, map) in maps {
        let needle = format!("{name}:");
        let Some(at) = line.find(&needle) else { continue };
        let rest = &line[at + needle.len()..];
        let Some((l, after)) = leading_number(rest) else { continue };
        let Some((c, tail)) = after.strip_prefix(':').and_then(leading_number) else { continue };
        let (Some(l), Some(c)) = (l.checked_sub(1), c.checked_sub(1)) else { continue };
        if let Some((sl, sc)) = map.original(l, c) {
            let (sl, sc) = (u64::from(sl) + 1, u64::from(sc) + 1);
            return format!("{}{needle}{sl}:{sc}{tail}", &line[..at]);
        }
    }
    line.to_string()
}

/// The number `text` starts with, and the text after its digits.
fn leading_number(text: &str) -> Option<(u32, &str)> {
    let end = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    Some((text[..end].parse().ok()?, &text[end..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_type_arguments_nested_past_any_real_code_are_refused() {
        let real = "const m: Map<string, Array<Promise<number>>> = new Map(); for (let i = 0; i<n; i++) f(i => i < 2)";
        assert_eq!(deep_type_arguments(real), None);
        assert_eq!(deep_type_arguments(&"A<B>".repeat(10_000)), None);
        let deep = "A<".repeat(MAX_TYPE_ARGUMENT_DEPTH + 1);
        assert_eq!(deep_type_arguments(&deep), Some(deep.len() - 1));
        let refused = transpile("m.ts", &deep).unwrap_err();
        assert_eq!(refused.name, "SyntaxError");
        assert!(refused.stack.unwrap().ends_with(&format!("at m.ts:1:{}", deep.len())));
    }

    #[test]
    fn types_are_stripped_and_enums_lowered() {
        let src = "
            import type { T } from './t.ts'
            interface Point { x: number; y: number }
            enum Color { Red, Green = 'g' }
            export function area<P extends Point>(p: P, k = 2 as number): number { return p.x * p.y * k }
            export const cfg = { color: Color.Green } satisfies Record<string, unknown>
            export class A { constructor(private readonly n: number) {} get(): number { return this.n } }
        ";
        let out = transpile("m.ts", src).unwrap().code;
        for gone in ["interface", ": number", "satisfies", "import type", "<P extends", "private readonly"] {
            assert!(!out.contains(gone), "{gone:?} left in:\n{out}");
        }
        assert!(out.contains("Color"), "{out}");
        assert!(out.contains("this.n = n"), "{out}");
    }

    #[test]
    fn syntax_errors_point_at_the_typescript() {
        let err = transpile("bad.ts", "const a: number = 1\nlet b = ;\n").unwrap_err();
        assert_eq!(err.name, "SyntaxError");
        assert!(err.stack.unwrap().contains("bad.ts:2:"), "positions are 1-based TS positions");
    }

    #[test]
    fn stack_positions_map_back_to_typescript() {
        let src = "type X = { a: number }\ninterface Y { b: string }\n\nexport function f(): never {\n  throw new Error('boom')\n}\n";
        let t = transpile("f.ts", src).unwrap();
        let js_line = t.code.lines().position(|l| l.contains("throw")).unwrap() as u32 + 1;
        let js_col = t.code.lines().nth(js_line as usize - 1).unwrap().find("throw").unwrap() as u32 + 1;
        let stack = format!("Error: boom\n    at f (f.ts:{js_line}:{js_col})\n    at other.js:1:1");
        let mapped = map_stack(&stack, &[("f.ts", &t.map)]);
        assert!(mapped.contains("(f.ts:5:3)"), "{mapped}");
        assert!(mapped.ends_with("other.js:1:1"));
    }

    #[test]
    fn stack_text_the_sandbox_wrote_is_left_alone_or_mapped() {
        let t = transpile("f.ts", "export const a: number = 1\n").unwrap();
        let maps = [("f.ts", &t.map)];
        // A leading zero and a separator of two bytes once put the cut inside the "é".
        assert_eq!(map_stack("at f.ts:01\u{e9}5", &maps), "at f.ts:01\u{e9}5");
        assert_eq!(map_stack("at f.ts:001:0001)", &maps), "at f.ts:1:1)");
        assert_eq!(map_stack("at f.ts:2:1 f.ts:0:1", &maps), "at f.ts:2:1 f.ts:0:1");
        let map = PositionMap { tokens: vec![(0, 0, 0, 5), (0, 10, 0, 20)] };
        assert_eq!(map.original(0, u32::MAX), None);
        assert_eq!(map.original(1, 0), None);
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// Any text is transpiled or refused with a SyntaxError: a tenant's source never panics
        /// the isolate thread that strips it.
        #[test]
        fn any_source_transpiles_or_is_a_syntax_error(src in "\\PC{0,200}") {
            if let Err(e) = transpile("m.ts", &src) {
                prop_assert_eq!(e.name, "SyntaxError");
            }
        }

        /// Typed code built from pieces comes out with its types gone and its code kept.
        #[test]
        fn types_are_stripped_whatever_the_names(
            name in "f_[a-z0-9]{0,8}",
            ty in "number|string|boolean|unknown",
            n in 0u32..1000,
        ) {
            let src = format!("export function {name}(x: {ty}): {ty} {{ return x as {ty} }}\nexport const k: number = {n}\n");
            let out = transpile("m.ts", &src).unwrap().code;
            let annotation = format!(": {ty}");
            prop_assert!(!out.contains(&annotation) && !out.contains(" as "), "{}", out);
            let kept = format!("function {name}(x)");
            prop_assert!(out.contains(&kept), "{}", out);
        }

        /// Rewriting a stack is total, whatever lines and positions it holds: the sandbox writes
        /// the stack text of what it throws.
        #[test]
        fn stack_rewriting_never_panics(
            stack in "\\PC{0,120}(\n    at [a-z.(]*f\\.ts:0*[0-9]{1,10}\\PC?0*[0-9]{0,10}\\PC{0,2}){0,3}",
        ) {
            let t = transpile("f.ts", "export const a: number = 1\n").unwrap();
            let _ = map_stack(&stack, &[("f.ts", &t.map)]);
        }
    }
}
