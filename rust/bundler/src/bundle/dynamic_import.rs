//! Computed `import()` in the tenant's modules, as rollup's dynamic-import-vars plugin does it:
//! `` import(`./pages/${name}.js`) `` (or `"./pages/" + name + ".js"`, or `.concat`) becomes a
//! lookup in a table of the project files its glob matches, each an `import()` of a static
//! string, so the bundler sees and includes every module the call may ask for. At run time only
//! the table's keys load; any other string rejects with a `TypeError`, as the engine's own
//! refusal does. An `import()` whose specifier has nothing static before its first expression
//! stays as written, for the worker's module map to answer.

use std::path::Path;

use oxc::allocator::Allocator;
use oxc::ast::ast::BinaryOperator;
use oxc::ast::ast::{Argument, Expression, ImportExpression};
use oxc::ast_visit::{Visit, walk};
use oxc::parser::{ParseOptions, Parser};
use oxc::span::{GetSpan, SourceType, Span};
use rolldown_common::ModuleType;
use rolldown_plugin::HookTransformOutputMap;
use string_wizard::{MagicString, SourceMapOptions};

use super::glob::{Budget, Glob};
use super::vfs::{PROJECT, Vfs};

/// A module with its computed imports rewritten.
pub struct Rewritten {
    pub code: String,
    pub map: HookTransformOutputMap,
    /// Computed imports left as written, and why.
    pub warnings: Vec<String>,
}

/// Rewrites the computed `import()` calls of a project module (`id` a path in the build's file
/// system), or `None` when it has none; `Err` names the call that takes a glob past a cap.
pub fn rewrite(
    vfs: &Vfs,
    budget: &Budget,
    id: &str,
    code: &str,
    module_type: &ModuleType,
) -> anyhow::Result<Option<Rewritten>> {
    if !id.starts_with(&format!("{PROJECT}/")) || !mentions_import_call(code) {
        return Ok(None);
    }
    let Some(source_type) = source_type(module_type) else { return Ok(None) };
    let allocator = Allocator::default();
    let options = ParseOptions { allow_return_outside_function: true, ..ParseOptions::default() };
    let parsed = Parser::new(&allocator, code, source_type).with_options(options).parse();
    if parsed.panicked || !parsed.diagnostics.is_empty() {
        return Ok(None);
    }
    let mut calls = Calls::default();
    calls.visit_program(&parsed.program);
    if calls.found.is_empty() {
        return Ok(None);
    }
    let importer_dir = Path::new(id).parent().unwrap_or(Path::new(PROJECT));
    let display = Vfs::display(id);
    let mut text = MagicString::new(code);
    let mut warnings = Vec::new();
    for call in calls.found {
        let line = line_of(code, call.span);
        let glob = call.glob.and_then(|g| Glob::parse(&g));
        let glob = match glob {
            Ok(Some(glob)) => glob,
            Ok(None) => continue,
            Err(why) => {
                warnings.push(format!("{display}:{line}: a computed import() is left to run time: {why}"));
                continue;
            }
        };
        let keys = glob
            .matches(vfs, importer_dir, budget)
            .map_err(|why| anyhow::anyhow!("{display}:{line}: a computed import() {why}"))?;
        if keys.is_empty() {
            warnings.push(format!("{display}:{line}: a computed import() matches no file of the project"));
        }
        let Some(argument) = code.get(call.argument.start as usize..call.argument.end as usize) else {
            continue;
        };
        text.update(call.span.start, call.span.end, lookup(argument, &keys))
            .map_err(|e| anyhow::anyhow!("{display}:{line}: {e}"))?;
    }
    let map = text
        .source_map(SourceMapOptions {
            include_content: true,
            source: id.into(),
            hires: string_wizard::Hires::Boundary,
        })
        .into();
    Ok(Some(Rewritten { code: text.to_string(), map, warnings }))
}

/// Whether `import` is ever followed by `(`, before any parsing.
fn mentions_import_call(code: &str) -> bool {
    code.match_indices("import").any(|(at, word)| code[at + word.len()..].trim_start().starts_with('('))
}

fn source_type(module_type: &ModuleType) -> Option<SourceType> {
    Some(match module_type {
        ModuleType::Js => SourceType::mjs().with_jsx(true),
        ModuleType::Jsx => SourceType::jsx(),
        ModuleType::Ts => SourceType::ts(),
        ModuleType::Tsx => SourceType::tsx(),
        _ => return None,
    })
}

fn line_of(code: &str, span: Span) -> usize {
    code.get(..span.start as usize).map_or(1, |before| before.matches('\n').count() + 1)
}

/// The call as an expression: the specifier evaluated once, looked up among the matched files.
fn lookup(argument: &str, keys: &[String]) -> String {
    let mut table = String::from("{ __proto__: null");
    for key in keys {
        let quoted = serde_json::to_string(key).unwrap_or_default();
        table.push_str(&format!(", {quoted}: () => import({quoted})"));
    }
    table.push_str(" }");
    format!(
        "((specifier, modules) => {{ const load = modules[specifier]; return load === undefined ? Promise.reject(new TypeError(`${{JSON.stringify(String(specifier))}} is not one of the bundle's modules; only the worker's own modules can be imported`)) : load(); }})(({argument}), {table})"
    )
}

/// One computed `import()`: its span, its argument's span, and its glob (or why none).
struct Call {
    span: Span,
    argument: Span,
    glob: Result<String, String>,
}

#[derive(Default)]
struct Calls {
    found: Vec<Call>,
}

impl<'a> Visit<'a> for Calls {
    fn visit_import_expression(&mut self, it: &ImportExpression<'a>) {
        let computed = is_computed(it.source.without_parentheses());
        if computed && it.options.is_none() && it.phase.is_none() {
            self.found.push(Call { span: it.span, argument: it.source.span(), glob: to_glob(&it.source) });
        } else {
            walk::walk_import_expression(self, it);
        }
    }
}

/// A template with expressions, a `+`, or a `.concat()`: the shapes rollup makes globs of.
fn is_computed(expr: &Expression<'_>) -> bool {
    match expr {
        Expression::TemplateLiteral(t) => !t.expressions.is_empty(),
        Expression::BinaryExpression(b) => b.operator == BinaryOperator::Addition,
        other => is_concat(other),
    }
}

fn is_concat(expr: &Expression<'_>) -> bool {
    matches!(expr, Expression::CallExpression(c) if matches!(&c.callee, Expression::StaticMemberExpression(m) if m.property.name == "concat"))
}

/// The specifier's glob: its static strings as they are, every other expression a `*`.
fn to_glob(expr: &Expression<'_>) -> Result<String, String> {
    Ok(match expr.without_parentheses() {
        Expression::StringLiteral(s) => literal(s.value.as_str())?,
        Expression::TemplateLiteral(t) => {
            let mut glob = String::new();
            for (i, quasi) in t.quasis.iter().enumerate() {
                let cooked = quasi.value.cooked.as_ref().ok_or("a template part has an invalid escape")?;
                glob.push_str(&literal(cooked.as_str())?);
                if let Some(e) = t.expressions.get(i) {
                    glob.push_str(&to_glob(e)?);
                }
            }
            glob
        }
        Expression::BinaryExpression(b) if b.operator == BinaryOperator::Addition => {
            to_glob(&b.left)? + &to_glob(&b.right)?
        }
        Expression::CallExpression(c) if is_concat(expr.without_parentheses()) => {
            let Expression::StaticMemberExpression(m) = &c.callee else { return Ok("*".into()) };
            let mut glob = to_glob(&m.object)?;
            for argument in &c.arguments {
                glob.push_str(&match argument {
                    Argument::SpreadElement(_) => "*".into(),
                    other => other.as_expression().map_or(Ok("*".into()), to_glob)?,
                });
            }
            glob
        }
        _ => "*".into(),
    })
}

fn literal(s: &str) -> Result<String, String> {
    if s.contains('*') {
        return Err("its static part has a `*`".into());
    }
    Ok(s.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn globs(code: &str) -> Vec<Result<String, String>> {
        let allocator = Allocator::default();
        let parsed = Parser::new(&allocator, code, SourceType::mjs()).parse();
        let mut calls = Calls::default();
        calls.visit_program(&parsed.program);
        calls.found.into_iter().map(|c| c.glob).collect()
    }

    #[test]
    fn templates_concatenation_and_concat_become_globs() {
        let found = globs(
            "import(`./p/${a}.js`); import('./p/' + a + '.js'); import('./p/'.concat(a, '.js'));\
             import(`./${a}/${b}-${'x'}.ts`); import(('./q/' + a) + '.js');",
        );
        let want = ["./p/*.js", "./p/*.js", "./p/*.js", "./*/*-x.ts", "./q/*.js"];
        assert_eq!(found, want.map(|s| Ok(s.to_owned())));
    }

    #[test]
    fn static_and_fully_dynamic_imports_are_not_computed() {
        assert!(
            globs("import('./a.js'); import(`./a.js`); import(x); import(`./${a}.js`, { with: {} })")
                .is_empty()
        );
        assert_eq!(globs("import(`./${'*'}.js`)"), [Err("its static part has a `*`".to_owned())]);
    }

    #[test]
    fn only_a_call_of_import_is_looked_for() {
        assert!(mentions_import_call("await import (`./x`)"));
        assert!(!mentions_import_call("import x from './x.js'; const imported = 1;"));
    }
}
