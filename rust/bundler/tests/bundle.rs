//! The bundler end to end on in-memory projects and package directories written to a temp dir
//! (the shape the npm installer hands over).

use std::collections::BTreeMap;
use std::path::Path;

use workerbox_bundler::npm::{Installed, Package, PkgId};
use workerbox_bundler::{BundleError, ModuleKind, Options, Output, Project, bundle};

fn project(files: &[(&str, &str)]) -> Project {
    Project::new(files.iter().map(|(p, s)| (*p, s.as_bytes().to_vec()))).unwrap()
}

fn build(files: &[(&str, &str)], opts: &Options) -> Result<Output, BundleError> {
    bundle(&project(files), &Installed::default(), opts)
}

fn main_code(out: &Output) -> String {
    let main = out.modules.iter().find(|m| m.name == out.main_module).unwrap();
    String::from_utf8(main.content.clone()).unwrap()
}

fn id(name: &str, version: &str) -> PkgId {
    PkgId { name: name.into(), version: version.into() }
}

/// Writes a package directory and returns it as an install graph entry.
fn package(root: &Path, name: &str, version: &str, files: &[(&str, &str)]) -> (PkgId, Package) {
    let dir = root.join(format!("{}-{version}", name.replace('/', "+")));
    for (path, text) in files {
        let file = dir.join(path);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(file, text).unwrap();
    }
    (id(name, version), Package { dir, deps: BTreeMap::new() })
}

#[test]
fn typescript_and_jsx_become_one_module() {
    let out = build(
        &[
            ("src/index.ts", "import { page } from './page';\nexport default { fetch() { return new Response(page('x')); } };\n"),
            ("src/page.tsx", "import { h } from './h';\nexport function page(t: string): string { return <b>{t}</b>; }\n"),
            ("src/h.ts", "export function h(tag: string, _p: unknown, ...c: string[]) { return `<${tag}>${c.join('')}</${tag}>`; }\n"),
        ],
        &Options { jsx: workerbox_bundler::Jsx::Classic, ..Options::default() },
    )
    .unwrap();
    assert_eq!(out.main_module, "index.js");
    assert_eq!(out.modules.len(), 1, "{:?}", out.modules.iter().map(|m| &m.name).collect::<Vec<_>>());
    let code = main_code(&out);
    assert!(code.contains("React.createElement") || code.contains("h("), "{code}");
    assert!(!code.contains(": string"), "{code}");
}

#[test]
fn bundle_false_keeps_the_module_graph() {
    let out = build(
        &[
            ("src/index.js", "import { a } from './lib/a.js';\nexport default a;\n"),
            ("src/lib/a.js", "export function a() { return globalThis.x; }\n"),
        ],
        &Options { bundle: false, ..Options::default() },
    )
    .unwrap();
    let names: Vec<&str> = out.modules.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, ["src/index.js", "src/lib/a.js"], "{names:?}");
    assert_eq!(out.main_module, "src/index.js");
}

#[test]
fn packages_resolve_through_the_graph_with_conditions_and_cjs() {
    let tmp = tempfile::tempdir().unwrap();
    let (esm_id, esm) = package(
        tmp.path(),
        "cond",
        "1.0.0",
        &[
            (
                "package.json",
                r#"{"name":"cond","exports":{".":{"workerd":"./worker.js","node":"./node.js","default":"./default.js"},"./sub":"./sub.js"}}"#,
            ),
            ("worker.js", "import cjs from 'cjs-dep'; export const where = 'workerd:' + cjs.v;"),
            ("node.js", "export const where = 'node';"),
            ("default.js", "export const where = 'default';"),
            ("sub.js", "export const sub = 'sub';"),
        ],
    );
    let (cjs_id, cjs) = package(
        tmp.path(),
        "cjs-dep",
        "2.0.0",
        &[("package.json", r#"{"name":"cjs-dep","main":"lib.js"}"#), ("lib.js", "exports.v = 42;")],
    );
    let mut esm = esm;
    esm.deps.insert("cjs-dep".into(), cjs_id.clone());
    let installed = Installed {
        root: [("cond".to_owned(), esm_id.clone())].into(),
        packages: [(esm_id, esm), (cjs_id, cjs)].into(),
        ..Default::default()
    };
    let files = project(&[(
        "index.js",
        "import { where } from 'cond'; import { sub } from 'cond/sub'; export default where + sub;",
    )]);
    let out = bundle(&files, &installed, &Options::default()).unwrap();
    let code = main_code(&out);
    assert!(code.contains("workerd:"), "{code}");
    assert!(code.contains("exports.v = 42") || code.contains("v = 42"), "{code}");
    assert!(!code.contains("'node'"), "{code}");

    // The tenant did not depend on cjs-dep: only cond did.
    let files = project(&[("index.js", "import x from 'cjs-dep'; export default x;")]);
    let err = bundle(&files, &installed, &Options::default()).unwrap_err();
    assert!(matches!(err, BundleError::Unresolved { .. }), "{err:?}");
}

#[test]
fn unresolvable_import_names_file_and_line() {
    let err = build(
        &[("src/index.ts", "const a = 1;\n\nimport x from './nope';\nexport default x;\n")],
        &Options::default(),
    )
    .unwrap_err();
    let BundleError::Unresolved { at: Some(at), specifier, .. } = &err else { panic!("{err:?}") };
    assert_eq!((at.file.as_str(), at.line), ("src/index.ts", 3), "{err}");
    assert_eq!(specifier, "./nope");
}

#[test]
fn syntax_error_names_file_line_and_column() {
    let err = build(&[("index.js", "export default 1;\nlet = ;\n")], &Options::default()).unwrap_err();
    let BundleError::Syntax { at: Some(at), .. } = &err else { panic!("{err:?}") };
    assert_eq!((at.file.as_str(), at.line), ("index.js", 2), "{err}");
}

#[test]
fn builtins_cloudflare_and_externals_stay_imports() {
    let out = build(
        &[("index.js", "import { Buffer } from 'buffer'; import { env } from 'cloudflare:workers'; import e from 'node:events'; import x from 'ext/sub'; export default [Buffer, env, e, x];")],
        &Options { externals: vec!["ext".into()], ..Options::default() },
    )
    .unwrap();
    let code = main_code(&out);
    for spec in ["\"node:buffer\"", "\"cloudflare:workers\"", "\"node:events\"", "\"ext/sub\""] {
        assert!(code.contains(spec), "{spec} in {code}");
    }
}

#[test]
fn define_virtual_modules_and_text_modules() {
    let mut opts = Options::default();
    opts.define.insert("__VERSION__".into(), "\"1.2.3\"".into());
    opts.virtual_modules.insert("virtual:config".into(), "export default { name: 'cfg' };".into());
    let out = build(
        &[("index.js", "import cfg from 'virtual:config'; import page from './assets/page.html'; export default [__VERSION__, cfg.name, page];"), ("assets/page.html", "<p>hi</p>")],
        &opts,
    )
    .unwrap();
    let code = main_code(&out);
    assert!(code.contains("1.2.3") && code.contains("cfg"), "{code}");
    assert!(code.contains("\"assets/page.html\""), "{code}");
    let page = out.modules.iter().find(|m| m.name == "assets/page.html").unwrap();
    assert_eq!((page.kind, page.content.as_slice()), (ModuleKind::Text, &b"<p>hi</p>"[..]));
}

#[test]
fn wrangler_config_names_the_entry_and_compat_settings() {
    let out = build(
        &[
            ("wrangler.toml", "main = \"worker.ts\"\ncompatibility_date = \"2025-04-01\"\ncompatibility_flags = [\"nodejs_compat\"]\n"),
            ("worker.ts", "export default { fetch() { return new Response('w'); } };"),
            ("src/index.ts", "export default 1;"),
        ],
        &Options::default(),
    )
    .unwrap();
    assert_eq!(out.main_module, "worker.js");
    assert_eq!(out.compatibility_date.as_deref(), Some("2025-04-01"));
    assert_eq!(out.compatibility_flags, ["nodejs_compat"]);
}

#[test]
fn imports_climbing_out_of_the_project_read_nothing_of_the_host() {
    for spec in ["../../../../../etc/passwd", "/etc/passwd", "../../../../../../proc/self/environ"] {
        let src = format!("import x from '{spec}?raw'; import y from '{spec}'; export default [x, y];");
        let err = build(&[("src/index.js", &src)], &Options::default()).unwrap_err();
        assert!(matches!(err, BundleError::Unresolved { .. }), "{spec}: {err:?}");
    }
}

#[test]
fn deeply_nested_sources_are_refused_without_overflowing_the_stack() {
    for (open, close) in [("[", "]"), ("(", ")"), ("{a:", "}")] {
        let depth = 3_000;
        let src = format!("export default {}1{};", open.repeat(depth), close.repeat(depth));
        let err = build(&[("index.js", &src)], &Options::default()).unwrap_err();
        assert!(err.to_string().contains("index.js:1: nested deeper than"), "{err}");
    }
}

#[test]
fn a_source_past_the_cap_is_refused() {
    let big = format!("export default '{}';", "a".repeat(workerbox_bundler::bundle::MAX_SOURCE_BYTES));
    let err =
        build(&[("index.js", "export { default } from './big.js';"), ("big.js", &big)], &Options::default())
            .unwrap_err();
    assert!(err.to_string().contains("big.js"), "{err}");
}

#[test]
fn bundle_false_names_package_modules_inside_the_bundle() {
    let tmp = tempfile::tempdir().unwrap();
    let (pid, pkg) = package(
        tmp.path(),
        "@scope/lib",
        "1.0.0",
        &[
            ("package.json", r#"{"name":"@scope/lib","module":"dist/index.js"}"#),
            ("dist/index.js", "export function f() { return globalThis.y; }"),
        ],
    );
    let installed = Installed {
        root: [("@scope/lib".to_owned(), pid.clone())].into(),
        packages: [(pid, pkg)].into(),
        ..Default::default()
    };
    let files = project(&[("src/index.js", "import { f } from '@scope/lib'; export default f;")]);
    let out = bundle(&files, &installed, &Options { bundle: false, ..Options::default() }).unwrap();
    let names: Vec<&str> = out.modules.iter().map(|m| m.name.as_str()).collect();
    assert!(names.iter().all(|n| !n.starts_with('/') && !n.split('/').any(|s| s == "..")), "{names:?}");
    let main = main_code(&out);
    let import = main.lines().find(|l| l.starts_with("import")).unwrap();
    assert!(!import.contains("@scope/lib\""), "bare specifier left: {import}");
    assert!(names.len() == 2, "{names:?} {main}");
}

/// A package directory is mounted read-only: `..` from it, or a link inside it, reaches nothing
/// of the host's files, even a file right beside the package in the cache.
#[test]
fn a_package_cannot_reach_host_files_by_climbing_or_by_link() {
    let tmp = tempfile::tempdir().unwrap();
    let secret = tmp.path().join("secret.js");
    std::fs::write(&secret, "export default 'host-secret';").unwrap();
    let climb = format!("{}{}", "../".repeat(40), secret.display().to_string().trim_start_matches('/'));
    let (pid, pkg) = package(
        tmp.path(),
        "evil",
        "1.0.0",
        &[
            ("package.json", r#"{"name":"evil","exports":{".":"./index.js","./linked":"./linked.js"}}"#),
            ("index.js", &format!("export {{ default }} from '{climb}';")),
            ("beside.js", "export { default } from '../secret.js';"),
        ],
    );
    std::os::unix::fs::symlink(&secret, pkg.dir.join("linked.js")).unwrap();
    let installed = Installed {
        root: [("evil".to_owned(), pid.clone())].into(),
        packages: [(pid, pkg)].into(),
        ..Default::default()
    };
    for spec in ["evil", "evil/linked", "evil/beside.js"] {
        let files = project(&[("index.js", &format!("export {{ default }} from '{spec}';"))]);
        match bundle(&files, &installed, &Options::default()) {
            Err(e) => assert!(!e.to_string().contains("host-secret"), "{spec}: {e}"),
            Ok(out) => panic!("{spec} bundled: {}", main_code(&out)),
        }
    }
}

const PAGES_MAIN: &str = "export default { page(name) { return import(`./pages/${name}.js`); }, cat(name) { return import('./pages/' + name + '.js'); } };\n";

fn pages() -> Vec<(&'static str, &'static str)> {
    vec![
        ("src/index.js", PAGES_MAIN),
        ("src/pages/home.js", "export default 'HOME_PAGE';\n"),
        ("src/pages/about.js", "export default 'ABOUT_PAGE';\n"),
        ("src/pages/nested/deep.js", "export default 'DEEP_PAGE';\n"),
        ("src/pages/notes.txt", "NOT_A_PAGE"),
    ]
}

#[test]
fn a_computed_import_bundles_every_file_its_glob_matches() {
    let out = build(&pages(), &Options::default()).unwrap();
    assert_eq!(out.modules.len(), 1, "{:?}", out.modules.iter().map(|m| &m.name).collect::<Vec<_>>());
    let code = main_code(&out);
    for page in ["HOME_PAGE", "ABOUT_PAGE", "\"./pages/home.js\"", "\"./pages/about.js\""] {
        assert!(code.contains(page), "{page} in {code}");
    }
    assert!(!code.contains("DEEP_PAGE") && !code.contains("NOT_A_PAGE"), "{code}");
    assert!(code.contains("is not one of the bundle's modules"), "{code}");
    assert!(out.warnings.is_empty(), "{:?}", out.warnings);
}

#[test]
fn bundle_false_keeps_each_matched_file_a_module() {
    let out = build(&pages(), &Options { bundle: false, ..Options::default() }).unwrap();
    let names: Vec<&str> = out.modules.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, ["src/index.js", "src/pages/about.js", "src/pages/home.js"], "{names:?}");
}

#[test]
fn a_computed_typescript_import_matches_typescript_files() {
    let out = build(
        &[
            (
                "src/index.ts",
                "export default (n: string): Promise<{ default: string }> => import(`./routes/${n}.ts`);\n",
            ),
            ("src/routes/a.ts", "const a: string = 'ROUTE_A'; export default a;\n"),
            ("src/routes/b.js", "export default 'ROUTE_B';\n"),
        ],
        &Options::default(),
    )
    .unwrap();
    let code = main_code(&out);
    assert!(code.contains("ROUTE_A") && !code.contains("ROUTE_B"), "{code}");
}

#[test]
fn a_computed_import_without_static_prefix_or_extension_is_left_with_a_warning() {
    let out = build(
        &[
            ("index.js", "export default (n) => [import(n), import(`./x/${n}`), import(`${n}.js`)];\n"),
            ("x/a.js", ""),
        ],
        &Options::default(),
    )
    .unwrap();
    let code = main_code(&out);
    assert!(code.contains("import(n)") && code.contains("import(`./x/${n}`)"), "{code}");
    assert_eq!(out.warnings.len(), 1, "{:?}", out.warnings);
    assert!(out.warnings[0].starts_with("index.js:1: a computed import()"), "{:?}", out.warnings);
}

#[test]
fn a_computed_import_climbing_out_of_the_project_matches_nothing() {
    let out = build(
        &[(
            "src/index.js",
            "export default (x) => [import(`../../../../${x}.js`), import(`../../etc/${x}.conf`)];\n",
        )],
        &Options::default(),
    )
    .unwrap();
    let code = main_code(&out);
    assert!(code.contains("{ __proto__: null }"), "{code}");
    assert_eq!(out.warnings.len(), 2, "{:?}", out.warnings);
}

#[test]
fn computed_imports_cannot_add_up_past_the_builds_budget() {
    let names: Vec<String> = (0..1000).map(|i| format!("many/{i}.js")).collect();
    let files = |index: &str| -> Result<Output, BundleError> {
        let mut files: Vec<(&str, &str)> = names.iter().map(|n| (n.as_str(), "export default 1;")).collect();
        files.push(("index.js", index));
        build(&files, &Options::default())
    };
    let matching: String =
        (0..11).map(|i| format!("export const f{i} = (n) => import(`./many/${{n}}.js`);\n")).collect();
    let err = files(&matching).unwrap_err();
    assert!(err.to_string().contains("past 10000 matched files"), "{err}");
    let scanning: String =
        (0..1100).map(|i| format!("export const f{i} = (n) => import(`./many/${{n}}.x{i}`);\n")).collect();
    let err = files(&scanning).unwrap_err();
    assert!(err.to_string().contains("file comparisons"), "{err}");
}

#[test]
fn a_computed_import_keeps_source_maps_and_minifies() {
    let out = build(&pages(), &Options { sourcemap: true, minify: true, ..Options::default() }).unwrap();
    let code = main_code(&out);
    assert!(code.contains("sourceMappingURL") && code.contains("HOME_PAGE"), "{code}");
}

#[test]
fn a_computed_import_matching_too_many_files_is_refused() {
    let names: Vec<String> = (0..=1000).map(|i| format!("many/{i}.js")).collect();
    let mut files: Vec<(&str, &str)> = names.iter().map(|n| (n.as_str(), "export default 1;")).collect();
    files.push(("index.js", "export default (n) => import(`./many/${n}.js`);\n"));
    let err = build(&files, &Options::default()).unwrap_err();
    assert!(
        err.to_string().contains("index.js:1: a computed import() matches more than 1000 files"),
        "{err}"
    );
}

#[test]
fn tsconfig_paths_and_base_url_resolve() {
    let tsconfig =
        r#"{ "extends": "./tsconfig.base.json", "compilerOptions": { "paths": { "@/*": ["src/*"] } } }"#;
    let out = build(
        &[
            ("tsconfig.json", tsconfig),
            ("tsconfig.base.json", r#"{ "compilerOptions": { "baseUrl": "." } }"#),
            (
                "src/index.ts",
                "import { a } from '@/lib/a';\nimport { b } from 'src/lib/b';\nexport default a + b;\n",
            ),
            ("src/lib/a.ts", "export const a: string = 'PATHS_A';\n"),
            ("src/lib/b.ts", "export const b: string = 'BASE_URL_B';\n"),
        ],
        &Options::default(),
    )
    .unwrap();
    let code = main_code(&out);
    assert!(code.contains("PATHS_A") && code.contains("BASE_URL_B"), "{code}");
}

#[test]
fn tsconfig_paths_and_extends_outside_the_project_read_nothing_of_the_host() {
    let tmp = tempfile::tempdir().unwrap();
    let secret = tmp.path().join("secret.ts");
    std::fs::write(&secret, "export const s = 'HOST_SECRET';").unwrap();
    let climb = format!("{}{}", "../".repeat(30), tmp.path().display().to_string().trim_start_matches('/'));
    let paths = format!(
        r#"{{ "compilerOptions": {{ "paths": {{ "@/*": ["{climb}/*", "{}/*"] }} }} }}"#,
        tmp.path().display()
    );
    let err = build(
        &[("tsconfig.json", &paths), ("index.ts", "export { s } from '@/secret';\n")],
        &Options::default(),
    )
    .unwrap_err();
    assert!(matches!(err, BundleError::Unresolved { .. }), "{err:?}");
    std::fs::write(tmp.path().join("base.json"), r#"{ "compilerOptions": { "paths": { "@/*": ["./*"] } } }"#)
        .unwrap();
    let extends = format!(r#"{{ "extends": "{}/base.json" }}"#, tmp.path().display());
    let err = build(&[("tsconfig.json", &extends), ("index.ts", "export default 1;\n")], &Options::default());
    assert!(!format!("{err:?}").contains("HOST_SECRET"), "{err:?}");
    assert!(err.is_err(), "an extends outside the project was read: {err:?}");
}

#[test]
fn a_tsconfig_that_does_not_load_is_a_build_error_naming_it() {
    for cfg in
        ["{ not json", r#"{ "extends": "/etc/passwd" }"#, r#"{ "extends": "missing-pkg/tsconfig.json" }"#]
    {
        let err = build(&[("tsconfig.json", cfg), ("index.ts", "export default 1;\n")], &Options::default())
            .unwrap_err();
        assert!(
            matches!(&err, BundleError::Build(m) if m.starts_with("Failed to load tsconfig")),
            "{cfg}: {err:?}"
        );
    }
}
