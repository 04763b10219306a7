//! `ops.log`: console output, buffered per isolate until the host collects it with the next
//! reply (the isolate thread never waits for Python to log).

/// Console output kept per isolate before the host drains it; bounds memory a log flood can use.
const MAX_BUFFERED_BYTES: usize = 1 << 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Debug,
    Log,
    Info,
    Warn,
    Error,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Debug => "debug",
            Level::Log => "log",
            Level::Info => "info",
            Level::Warn => "warn",
            Level::Error => "error",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    pub level: Level,
    pub message: String,
}

pub fn op_log(
    scope: &mut v8::PinScope,
    args: v8::FunctionCallbackArguments,
    _rv: v8::ReturnValue<v8::Value>,
) {
    let level = match args.get(0).to_rust_string_lossy(scope).as_str() {
        "debug" => Level::Debug,
        "info" => Level::Info,
        "warn" => Level::Warn,
        "error" => Level::Error,
        _ => Level::Log,
    };
    let message = args.get(1).to_rust_string_lossy(scope);
    let state = super::state(scope);
    let used: usize = state.logs.iter().map(|l| l.message.len()).sum();
    if used + message.len() > MAX_BUFFERED_BYTES {
        if !state.logs.last().is_some_and(|l| l.message.starts_with("[workerbox] console output truncated")) {
            state
                .logs
                .push(LogLine { level: Level::Warn, message: "[workerbox] console output truncated".into() });
        }
        return;
    }
    state.logs.push(LogLine { level, message });
}
