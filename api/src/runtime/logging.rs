//! The log: `RUST_LOG` chooses what is written (`info` by default), `TENANTRY_LOG_FORMAT` how.
//!
//! - `text`: one line per record for people: time, level, target, message, then `key=value`
//!   fields.
//! - `json`: one JSON object per line for log pipelines: `time`, `level`, `target`, `message`
//!   and every field of the record (an access record has `request_id`, `method`, `route`,
//!   `path`, `status`, `latency_ms`, and `tenant_id` and `caller_id` where known).
//!
//! A field without a value (an empty text) is left out in both formats.
//!
//! Nothing here writes secrets: records carry ids, never passwords, tokens or headers, and the
//! access record masks the secret segments of paths (see [`crate::http::access_log`]).

use std::io::Write;

use chrono::SecondsFormat;
use log::kv::{self, VisitSource};
use serde_json::Value;

use crate::runtime::config::LogFormat;

/// Installs the logger for the process; later calls do nothing (tests build several apps).
pub fn init(format: LogFormat) {
    let mut builder = env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info"));
    match format {
        LogFormat::Text => builder.format(write_text),
        LogFormat::Json => builder.format(write_json),
    };
    let _ = builder.try_init();
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn write_text(buf: &mut env_logger::fmt::Formatter, record: &log::Record<'_>) -> std::io::Result<()> {
    let mut fields = String::new();
    let _ = record.key_values().visit(&mut TextFields(&mut fields));
    // A database driver's message may span lines: a record stays one line.
    let message = record.args().to_string().replace(['\n', '\r'], " ");
    writeln!(buf, "{} {:<5} {}: {message}{fields}", now(), record.level(), record.target())
}

fn write_json(buf: &mut env_logger::fmt::Formatter, record: &log::Record<'_>) -> std::io::Result<()> {
    // Written in this order (time first, as people scanning the raw lines expect), each key and
    // value escaped by serde_json: control characters and newlines never break the line.
    let mut line = String::from("{");
    push_field(&mut line, "time", &Value::String(now()));
    push_field(&mut line, "level", &Value::String(record.level().as_str().to_lowercase()));
    push_field(&mut line, "target", &Value::String(record.target().to_owned()));
    push_field(&mut line, "message", &Value::String(record.args().to_string()));
    let _ = record.key_values().visit(&mut JsonFields(&mut line));
    line.push('}');
    writeln!(buf, "{line}")
}

fn push_field(line: &mut String, key: &str, value: &Value) {
    if line.len() > 1 {
        line.push(',');
    }
    line.push_str(&Value::String(key.to_owned()).to_string());
    line.push(':');
    line.push_str(&value.to_string());
}

struct TextFields<'a>(&'a mut String);

impl<'kvs> VisitSource<'kvs> for TextFields<'_> {
    fn visit_pair(&mut self, key: kv::Key<'kvs>, value: kv::Value<'kvs>) -> Result<(), kv::Error> {
        let text = value.to_string();
        if text.is_empty() {
            return Ok(());
        }
        // Quoted when it holds a space, so that `key=value` stays one token for grep and awk.
        if text.contains([' ', '"', '=']) {
            self.0.push_str(&format!(" {key}={text:?}"));
        } else {
            self.0.push_str(&format!(" {key}={text}"));
        }
        Ok(())
    }
}

struct JsonFields<'a>(&'a mut String);

impl<'kvs> VisitSource<'kvs> for JsonFields<'_> {
    fn visit_pair(&mut self, key: kv::Key<'kvs>, value: kv::Value<'kvs>) -> Result<(), kv::Error> {
        let json = if let Some(n) = value.to_u64() {
            Value::from(n)
        } else if let Some(n) = value.to_i64() {
            Value::from(n)
        } else if let Some(x) = value.to_f64() {
            Value::from(x)
        } else if let Some(b) = value.to_bool() {
            Value::from(b)
        } else {
            let text = value.to_string();
            if text.is_empty() {
                return Ok(());
            }
            Value::String(text)
        };
        push_field(self.0, key.as_str(), &json);
        Ok(())
    }
}
