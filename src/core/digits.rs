//! Integers as people read them, with thousands separators: the one
//! implementation, below every layer that prints a count (reports,
//! `report::format::group`; merge errors naming missing shards).

/// An integer with thousands separators: `-1,234,567`, `18,446,744,073,709,551,615`.
pub fn group(v: impl Into<i128>) -> String {
    let v: i128 = v.into();
    let s = v.unsigned_abs().to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3 + 1);
    if v < 0 {
        out.push('-');
    }
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_are_separated_for_every_width_and_sign() {
        assert_eq!(group(0), "0");
        assert_eq!(group(999), "999");
        assert_eq!(group(1000), "1,000");
        assert_eq!(group(-1_234_567i64), "-1,234,567");
        assert_eq!(group(u64::MAX), "18,446,744,073,709,551,615");
        assert_eq!(group(999_999_999_999u64), "999,999,999,999");
    }
}
