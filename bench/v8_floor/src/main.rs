//! `v8_floor fresh N`: prints the seconds of N jobs as a JSON list. A job is what the benchmark
//! asks of every peer: a fresh isolate and context, the ES module evaluated, `double(21)` called
//! and checked, the isolate disposed.
//! `v8_floor rss K`: prints the MiB each of K live isolates (each with its module) adds to RSS.

use std::time::Instant;

const MODULE: &str = "export default { double(x) { return x * 2 } }";

fn no_imports<'s>(
    _context: v8::Local<'s, v8::Context>,
    _specifier: v8::Local<'s, v8::String>,
    _attributes: v8::Local<'s, v8::FixedArray>,
    _referrer: v8::Local<'s, v8::Module>,
) -> Option<v8::Local<'s, v8::Module>> {
    None
}

/// A fresh isolate with the module evaluated and `double(21)` checked.
fn job() -> v8::OwnedIsolate {
    let mut isolate = v8::Isolate::new(Default::default());
    {
        v8::scope!(let scope, &mut isolate);
        let context = v8::Context::new(scope, Default::default());
        let scope = &mut v8::ContextScope::new(scope, context);
        let name = v8::String::new(scope, "m.js").unwrap();
        let origin = v8::ScriptOrigin::new(scope, name.into(), 0, 0, false, -1, None, false, false, true, None);
        let text = v8::String::new(scope, MODULE).unwrap();
        let mut source = v8::script_compiler::Source::new(text, Some(&origin));
        let module = v8::script_compiler::compile_module(scope, &mut source).expect("module compiles");
        assert_eq!(module.instantiate_module(scope, no_imports), Some(true));
        module.evaluate(scope).expect("module evaluates");
        let namespace: v8::Local<v8::Object> = module.get_module_namespace().try_into().unwrap();
        let key = v8::String::new(scope, "default").unwrap();
        let object: v8::Local<v8::Object> = namespace.get(scope, key.into()).unwrap().try_into().unwrap();
        let key = v8::String::new(scope, "double").unwrap();
        let double: v8::Local<v8::Function> = object.get(scope, key.into()).unwrap().try_into().unwrap();
        let arg = v8::Number::new(scope, 21.0);
        let result = double.call(scope, object.into(), &[arg.into()]).unwrap();
        assert_eq!(result.number_value(scope), Some(42.0));
    }
    isolate
}

fn rss_mib() -> f64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap();
    let pages: f64 = statm.split_whitespace().nth(1).unwrap().parse().unwrap();
    pages * 4096.0 / (1 << 20) as f64
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(100);
    let platform = v8::new_default_platform(0, false).make_shared();
    v8::V8::initialize_platform(platform);
    v8::V8::initialize();
    match args.get(1).map(String::as_str) {
        Some("fresh") => {
            drop(job());
            let times: Vec<String> = (0..n)
                .map(|_| {
                    let t = Instant::now();
                    drop(job());
                    format!("{:.9}", t.elapsed().as_secs_f64())
                })
                .collect();
            println!("[{}]", times.join(","));
        }
        Some("rss") => {
            drop(job());
            let before = rss_mib();
            let live: Vec<v8::OwnedIsolate> = (0..n).map(|_| job()).collect();
            println!("{:.4}", (rss_mib() - before) / n as f64);
            // Entered isolates must go in the reverse order of their creation.
            live.into_iter().rev().for_each(drop);
        }
        _ => {
            eprintln!("usage: v8_floor fresh N | rss K");
            std::process::exit(2);
        }
    }
}
