//! The JSON exporter: a [`RunReport`](super::RunReport) as pretty JSON with a
//! trailing newline. serde_json prints floats with the shortest round-trip
//! form, so equal reports give equal bytes.

use serde::Serialize;

/// Pretty JSON of any report, newline-terminated.
pub fn to_json<T: Serialize>(report: &T) -> String {
    let mut s = serde_json::to_string_pretty(report).expect("reports serialize");
    s.push('\n');
    s
}
