//! JSON text of GraphQL answers, written straight into one buffer. Parts of an answer may already
//! be JSON text (list pages written by the plain path): they travel through the value tree as
//! raw values and are copied as they are. Strings are escaped exactly as `serde_json` does.
use async_graphql::indexmap::IndexMap;
use async_graphql::{Name, Response, Value};
use async_graphql_value::RAW_VALUE_TOKEN;
use std::fmt::Write;

/// The answer outgrew the response size limit.
#[derive(Debug)]
pub struct TooLarge;

/// JSON text being written.
pub struct Json(String);

impl Json {
    pub fn with_capacity(bytes: usize) -> Self {
        Json(String::with_capacity(bytes))
    }

    /// A JSON string.
    pub fn string(&mut self, s: &str) {
        escape_into(&mut self.0, s);
    }

    /// A GraphQL name (a response key, an enum value) as a JSON string: names are letters,
    /// digits and `_`, so nothing needs escaping.
    pub fn name(&mut self, name: &str) {
        debug_assert!(!needs_escape(name.as_bytes()));
        self.0.push('"');
        self.0.push_str(name);
        self.0.push('"');
    }

    /// A JSON string holding `v`'s text, which needs no escaping (numbers, dates).
    pub fn quoted(&mut self, v: impl std::fmt::Display) {
        self.0.push('"');
        let _ = write!(self.0, "{v}");
        self.0.push('"');
    }

    /// A JSON number.
    pub fn int(&mut self, v: i64) {
        let _ = write!(self.0, "{v}");
    }

    pub fn null(&mut self) {
        self.0.push_str("null");
    }

    /// Punctuation: `{`, `}`, `[`, `]`, `,`, `:`.
    pub fn punct(&mut self, c: char) {
        self.0.push(c);
    }

    /// Any GraphQL value.
    pub fn value(&mut self, v: &Value) {
        // Without a limit, writing cannot fail.
        let _ = write_value(&mut self.0, v, usize::MAX);
    }

    /// The text written, as a value the response writer copies verbatim.
    pub fn into_value(self) -> Value {
        let mut map = IndexMap::with_capacity(1);
        map.insert(Name::new(RAW_VALUE_TOKEN), Value::String(self.0));
        Value::Object(map)
    }
}

/// The JSON text a raw value carries, if `map` is one.
fn raw_text(map: &IndexMap<Name, Value>) -> Option<&str> {
    match map.get_index(0) {
        Some((key, Value::String(text))) if map.len() == 1 && key.as_str() == RAW_VALUE_TOKEN => {
            Some(text)
        }
        _ => None,
    }
}

/// Writes `v` into `out`; stops with `TooLarge` once `out` is longer than `limit` bytes.
pub fn write_value(out: &mut String, v: &Value, limit: usize) -> Result<(), TooLarge> {
    match v {
        Value::Null => out.push_str("null"),
        Value::Boolean(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) if n.is_f64() => {
            // serde_json writes floats its own way (1e21, not 1000000000000000000000).
            out.push_str(&serde_json::to_string(n).unwrap_or_else(|_| "null".into()));
        }
        Value::Number(n) => {
            let _ = write!(out, "{n}");
        }
        Value::String(s) => escape_into(out, s),
        Value::Enum(name) => escape_into(out, name),
        Value::Binary(bytes) => {
            // As serde_json writes bytes: an array of numbers.
            out.push('[');
            for (i, b) in bytes.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                let _ = write!(out, "{b}");
            }
            out.push(']');
        }
        Value::List(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(out, item, limit)?;
            }
            out.push(']');
        }
        Value::Object(map) => match raw_text(map) {
            Some(text) => out.push_str(text),
            None => {
                out.push('{');
                for (i, (key, item)) in map.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    escape_into(out, key);
                    out.push(':');
                    write_value(out, item, limit)?;
                }
                out.push('}');
            }
        },
    }
    if out.len() > limit {
        return Err(TooLarge);
    }
    Ok(())
}

/// The bytes of JSON text already written into `v`'s raw parts, to size a buffer for it.
pub fn raw_len(v: &Value) -> usize {
    match v {
        Value::List(items) => items.iter().map(raw_len).sum(),
        Value::Object(map) => match raw_text(map) {
            Some(text) => text.len(),
            None => map.values().map(raw_len).sum(),
        },
        _ => 0,
    }
}

/// Writes a response as async-graphql's `Response` serializes: `data`, then `extensions` and
/// `errors` when there are any.
pub fn write_response(out: &mut String, r: &Response, limit: usize) -> Result<(), TooLarge> {
    out.reserve((raw_len(&r.data) + 256).min(limit));
    out.push_str("{\"data\":");
    write_value(out, &r.data, limit)?;
    if !r.extensions.is_empty() {
        out.push_str(",\"extensions\":");
        out.push_str(&serde_json::to_string(&r.extensions).map_err(|_| TooLarge)?);
    }
    if !r.errors.is_empty() {
        out.push_str(",\"errors\":");
        out.push_str(&serde_json::to_string(&r.errors).map_err(|_| TooLarge)?);
    }
    out.push('}');
    if out.len() > limit {
        return Err(TooLarge);
    }
    Ok(())
}

/// `s` as a JSON string: `"`, `\` and control characters escaped as serde_json escapes them,
/// everything else (non-ASCII included) as it is.
pub fn escape_into(out: &mut String, s: &str) {
    out.reserve(s.len() + 2);
    out.push('"');
    if needs_escape(s.as_bytes()) {
        escape_each(out, s);
    } else {
        out.push_str(s);
    }
    out.push('"');
}

/// Whether some byte of `bytes` must be escaped; most text has none, and is checked eight bytes
/// at a time.
fn needs_escape(bytes: &[u8]) -> bool {
    let (chunks, rest) = bytes.as_chunks::<8>();
    chunks
        .iter()
        .any(|chunk| any_needs_escape(u64::from_le_bytes(*chunk)))
        || rest.iter().any(|&b| b < 0x20 || b == b'"' || b == b'\\')
}

fn escape_each(out: &mut String, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut start = 0;
    for (i, &b) in s.as_bytes().iter().enumerate() {
        if b >= 0x20 && b != b'"' && b != b'\\' {
            continue;
        }
        // Escapes sit on ASCII bytes, so these slices cut at character boundaries.
        out.push_str(&s[start..i]);
        match b {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            0x08 => out.push_str("\\b"),
            0x0c => out.push_str("\\f"),
            _ => {
                out.push_str("\\u00");
                out.push(HEX[(b >> 4) as usize] as char);
                out.push(HEX[(b & 0xf) as usize] as char);
            }
        }
        start = i + 1;
    }
    out.push_str(&s[start..]);
}

/// Whether any of the eight bytes in `w` is below 0x20, `"` or `\` (the bit tricks find a byte
/// below a bound, or a zero byte after XOR, in all lanes at once; they never miss one).
fn any_needs_escape(w: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let below = |v: u64, n: u64| v.wrapping_sub(ONES * n) & !v & HIGH;
    let below_space = below(w, 0x20);
    let quote = below(w ^ (ONES * u64::from(b'"')), 1);
    let backslash = below(w ^ (ONES * u64::from(b'\\')), 1);
    (below_space | quote | backslash) != 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_escaped_as_serde_json_escapes_them() {
        let mut all_ascii: String = (0u8..0x80).map(char::from).collect();
        all_ascii.push_str("中央定点帮扶单位 \u{2028} \u{1F600} \"quoted\" back\\slash");
        for s in [
            "",
            "plain",
            "泸定县",
            "a\"b",
            "\\",
            "\u{7f}",
            all_ascii.as_str(),
        ] {
            let mut out = String::new();
            escape_into(&mut out, s);
            assert_eq!(out, serde_json::to_string(s).unwrap(), "{s:?}");
        }
    }

    #[test]
    fn escapes_are_found_at_every_position_of_the_eight_byte_steps() {
        for len in 0..40 {
            for at in 0..len {
                for special in ['"', '\\', '\n', '\u{1}', '\u{1f}', '中', ' ', '~', '\u{7f}'] {
                    let s: String = (0..len)
                        .map(|i| if i == at { special } else { 'a' })
                        .collect();
                    let mut out = String::new();
                    escape_into(&mut out, &s);
                    assert_eq!(out, serde_json::to_string(&s).unwrap(), "{s:?}");
                }
            }
        }
    }

    #[test]
    fn values_are_written_as_serde_json_writes_them() {
        let v = async_graphql::value!({
            "a": [1, -2, 3.5, 1e21, 0.1, true, false, null, "x\ny"],
            "b": { "nested": { "deep": [] }, "empty": {} },
            "c": 18446744073709551615u64,
        });
        let mut out = String::new();
        write_value(&mut out, &v, usize::MAX).unwrap();
        assert_eq!(out, serde_json::to_string(&v).unwrap());
    }

    #[test]
    fn raw_values_are_copied_and_also_serialize_through_serde() {
        let mut page = Json::with_capacity(16);
        page.punct('[');
        page.string("a\"b");
        page.punct(',');
        page.int(7);
        page.punct(']');
        let mut map = IndexMap::new();
        map.insert(Name::new("items"), page.into_value());
        let v = Value::Object(map);
        let mut out = String::new();
        write_value(&mut out, &v, usize::MAX).unwrap();
        assert_eq!(out, r#"{"items":["a\"b",7]}"#);
        assert_eq!(serde_json::to_string(&v).unwrap(), out);
    }

    #[test]
    fn writing_stops_past_the_limit() {
        let v = Value::List(
            (0..1000)
                .map(|i| Value::from(format!("item {i}")))
                .collect(),
        );
        let mut out = String::new();
        assert!(write_value(&mut out, &v, 100).is_err());
        assert!(
            out.len() < 200,
            "stopped soon after the limit: {}",
            out.len()
        );
    }
}
