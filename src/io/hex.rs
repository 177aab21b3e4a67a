//! The one lowercase hex encoder, for every digest and checksum escalate
//! prints or stores (scenario hashes, run digests, sweep fingerprints,
//! envelope checksums).

use sha2::{Digest, Sha256};

/// Lowercase hex of `bytes`, two digits per byte.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        s.push(DIGITS[usize::from(b >> 4)] as char);
        s.push(DIGITS[usize::from(b & 0xf)] as char);
    }
    s
}

/// Lowercase hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// Hex digits in a SHA-256 digest.
pub const SHA256_HEX_DIGITS: usize = 64;

/// Reads a digest as a user types it (`--expect-digest HEX`): 64 hex digits,
/// either case, surrounding spaces ignored; returned in lowercase. The error
/// says what a digest looks like and what is wrong with this one.
pub fn parse_digest(s: &str) -> Result<String, String> {
    let t = s.trim();
    let shape = "a digest is 64 hexadecimal digits (0-9, a-f), as `escalate run` prints it \
                 after `digest`, e.g. e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    if let Some((i, c)) = t.char_indices().find(|(_, c)| !c.is_ascii_hexdigit()) {
        return Err(format!(
            "`{c}` (character {}) is not a hexadecimal digit; {shape}",
            t[..i].chars().count() + 1
        ));
    }
    if t.len() != SHA256_HEX_DIGITS {
        return Err(format!(
            "{} digits, not {SHA256_HEX_DIGITS}; {shape}",
            t.len()
        ));
    }
    Ok(t.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_digest_is_sixty_four_hex_digits_of_either_case() {
        let d = sha256_hex(b"");
        assert_eq!(parse_digest(&d), Ok(d.clone()));
        assert_eq!(
            parse_digest(&format!(" {} ", d.to_uppercase())),
            Ok(d.clone())
        );
        let e = parse_digest("zzz").unwrap_err();
        assert!(
            e.contains("`z` (character 1)") && e.contains("64 hexadecimal digits"),
            "{e}"
        );
        let e = parse_digest(&d[..63]).unwrap_err();
        assert!(e.starts_with("63 digits, not 64"), "{e}");
        assert!(parse_digest("").is_err());
    }

    #[test]
    fn hex_matches_the_format_macro_for_every_byte() {
        let all: Vec<u8> = (0..=255).collect();
        let expected: String = all.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex(&all), expected);
        assert_eq!(hex(&[]), "");
    }

    #[test]
    fn sha256_hex_of_the_empty_string_is_the_known_value() {
        assert_eq!(
            sha256_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }
}
