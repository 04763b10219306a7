//! `v8_floor fresh N`: prints the seconds of N jobs as a JSON list. A job is what the benchmark
//! asks of every peer: a fresh isolate and context, the ES module evaluated, `double(21)` called
//! and checked, the isolate disposed.
//! `v8_floor throughput N T`: T threads doing N/T jobs each; prints jobs per second on all of
//! them, as a JSON number. workerbox's sandboxes per second on all cores is measured against it.
//! Both keep one more isolate alive while the jobs run (see `with_one_alive`).
//! `v8_floor rss K`: prints the MiB each of K live isolates (each with its module) adds to RSS.
//! `v8_floor migrate N`: what moving an isolate between threads costs (V8 archives and restores
//! its per-thread state under `v8::Locker`): prints µs per trivial call of one shared isolate
//! locked N times on one thread, N times alternating between two threads, and the bare hand-off
//! between those two threads, as JSON.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
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
        let origin =
            v8::ScriptOrigin::new(scope, name.into(), 0, 0, false, -1, None, false, false, true, None);
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

/// Runs `work` on a thread of its own while one more isolate stays alive on this one.
/// workerbox's pool always holds blank isolates, so its jobs never dispose the last isolate of the
/// process; when one does, V8 frees the state its isolates share (the read-only heap among it) and
/// the next `Isolate::new` builds it again, a cost a pooled embedder never pays and the floor must
/// not either. The jobs run on a thread made after V8's initialisation, as workerbox's run on
/// threads of its own, so the kept isolate (entered on this thread) never has to be exited out of
/// the reverse-creation order rusty_v8 asserts.
fn with_one_alive<R: Send + 'static>(work: impl FnOnce() -> R + Send + 'static) -> R {
    let keep = v8::Isolate::new(Default::default());
    let out = std::thread::spawn(work).join().unwrap();
    drop(keep);
    out
}

/// Jobs per second with `threads` threads each doing `per` jobs, all started together once each
/// has done one job of its own (the first on a thread is dearer, and workerbox's threads are
/// long-lived).
fn throughput(per: usize, threads: usize) -> f64 {
    let start = Arc::new(Barrier::new(threads + 1));
    let workers: Vec<_> = (0..threads)
        .map(|_| {
            let start = start.clone();
            std::thread::spawn(move || {
                drop(job());
                start.wait();
                for _ in 0..per {
                    drop(job());
                }
            })
        })
        .collect();
    start.wait();
    let t = Instant::now();
    workers.into_iter().for_each(|w| w.join().unwrap());
    (per * threads) as f64 / t.elapsed().as_secs_f64()
}

fn rss_mib() -> f64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap();
    let pages: f64 = statm.split_whitespace().nth(1).unwrap().parse().unwrap();
    pages * 4096.0 / (1 << 20) as f64
}

/// What `migrate` calls: a context and a function made once, kept in an isolate slot.
struct Probe {
    context: v8::Global<v8::Context>,
    function: v8::Global<v8::Function>,
}

fn shared_probe() -> Arc<v8::SharedIsolate> {
    let mut isolate = v8::Isolate::new(Default::default());
    let probe = {
        v8::scope!(let scope, &mut isolate);
        let context = v8::Context::new(scope, Default::default());
        let scope = &mut v8::ContextScope::new(scope, context);
        let code = v8::String::new(scope, "(function (x) { return x + 1 })").unwrap();
        let script = v8::Script::compile(scope, code, None).unwrap();
        let function: v8::Local<v8::Function> = script.run(scope).unwrap().try_into().unwrap();
        Probe { context: v8::Global::new(scope, context), function: v8::Global::new(scope, function) }
    };
    isolate.set_slot(probe);
    // SAFETY: the only slot is `Probe` (Globals, which are Send); no weak handles, no cppgc.
    Arc::new(unsafe { isolate.try_into_shared() }.expect("a plain isolate can be shared"))
}

fn call_probe(shared: &v8::SharedIsolate) {
    let mut locker = shared.lock();
    let (context, function) = {
        let probe = locker.get_slot::<Probe>().unwrap();
        (probe.context.clone(), probe.function.clone())
    };
    v8::scope!(let scope, &mut *locker);
    let context = v8::Local::new(scope, context);
    let scope = &mut v8::ContextScope::new(scope, context);
    let function = v8::Local::new(scope, function);
    let arg = v8::Number::new(scope, 1.0);
    let recv = v8::undefined(scope);
    assert_eq!(function.call(scope, recv.into(), &[arg.into()]).unwrap().number_value(scope), Some(2.0));
}

/// µs per call of `n` calls of `work` alternating between two threads. The token passes by
/// spinning on an atomic, so the hand-off costs next to nothing and what is left is the work and,
/// for a shared isolate, its move between threads.
fn ping_pong(n: usize, work: Arc<dyn Fn() + Send + Sync>) -> f64 {
    let turn = Arc::new(AtomicUsize::new(0));
    let (b_turn, b_work) = (turn.clone(), work.clone());
    let b = std::thread::spawn(move || {
        for i in (1..n).step_by(2) {
            while b_turn.load(Ordering::Acquire) != i {
                std::hint::spin_loop();
            }
            b_work();
            b_turn.store(i + 1, Ordering::Release);
        }
    });
    let t = Instant::now();
    for i in (0..n).step_by(2) {
        while turn.load(Ordering::Acquire) != i {
            std::hint::spin_loop();
        }
        work();
        turn.store(i + 1, Ordering::Release);
    }
    while turn.load(Ordering::Acquire) < n {
        std::hint::spin_loop();
    }
    let per = t.elapsed().as_secs_f64() * 1e6 / n as f64;
    b.join().unwrap();
    per
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(100);
    let platform = v8::new_default_platform(0, false).make_shared();
    v8::V8::initialize_platform(platform);
    v8::V8::initialize();
    match args.get(1).map(String::as_str) {
        Some("fresh") => {
            let times = with_one_alive(move || {
                drop(job());
                (0..n)
                    .map(|_| {
                        let t = Instant::now();
                        drop(job());
                        format!("{:.9}", t.elapsed().as_secs_f64())
                    })
                    .collect::<Vec<String>>()
            });
            println!("[{}]", times.join(","));
        }
        Some("throughput") => {
            let threads: usize = args.get(3).and_then(|a| a.parse().ok()).unwrap_or(1).max(1);
            let per = (n / threads).max(1);
            println!("{:.1}", with_one_alive(move || throughput(per, threads)));
        }
        Some("rss") => {
            drop(job());
            let before = rss_mib();
            let live: Vec<v8::OwnedIsolate> = (0..n).map(|_| job()).collect();
            println!("{:.4}", (rss_mib() - before) / n as f64);
            // Entered isolates must go in the reverse order of their creation.
            live.into_iter().rev().for_each(drop);
        }
        // On threads made after V8's initialisation, as every thread that locks must be.
        Some("migrate") => std::thread::spawn(move || {
            let shared = shared_probe();
            call_probe(&shared);
            let t = Instant::now();
            for _ in 0..n {
                call_probe(&shared);
            }
            let same = t.elapsed().as_secs_f64() * 1e6 / n as f64;
            let probe = shared.clone();
            let alternating = ping_pong(n, Arc::new(move || call_probe(&probe)));
            let hand_off = ping_pong(n, Arc::new(|| {}));
            println!(
                "{{\"same_thread_us\": {same:.3}, \"alternating_us\": {alternating:.3}, \"hand_off_us\": {hand_off:.3}}}"
            );
        })
        .join()
        .unwrap(),
        _ => {
            eprintln!("usage: v8_floor fresh N | throughput N T | rss K | migrate N");
            std::process::exit(2);
        }
    }
}
