//! The one checksummed file format, for files that are read back (part files,
//! sweep point files): one header line
//!
//! ```text
//! MAGIC vVERSION sha256=<hex of the payload> bytes=<payload length>
//! ```
//!
//! then the payload. The length catches a truncated file, the checksum any
//! other damage; the magic word and version say what the file is. Part files
//! use `escalate-part v1`, sweep point files `escalate-point v1`.

use super::hex::sha256_hex;

/// The longest header line read: a file without a newline in its first this
/// many bytes is not an envelope.
pub const MAX_HEADER: usize = 256;

/// A kind of checksummed file: its magic word and the version this build writes and reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Envelope {
    /// The first word of the header, e.g. `escalate-part`.
    pub magic: &'static str,
    /// The format version.
    pub version: u32,
}

/// Why bytes are not an intact envelope of the expected kind.
///
/// The messages complete a sentence "FILE: ...", and say what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, miette::Diagnostic)]
pub enum EnvelopeError {
    /// No bytes at all.
    #[error("the file is empty")]
    #[diagnostic(code(escalate::envelope::empty))]
    Empty,
    /// The bytes end inside what starts like this kind's header line.
    #[error("the file ends inside its header line")]
    #[diagnostic(code(escalate::envelope::truncated_header))]
    TruncatedHeader,
    /// The bytes do not start with this kind's magic word.
    #[error("it is not an {magic} file")]
    #[diagnostic(code(escalate::envelope::kind))]
    OtherKind {
        /// The magic word expected.
        magic: &'static str,
    },
    /// The header has no readable version.
    #[error("its header line has no format version")]
    #[diagnostic(code(escalate::envelope::no_version))]
    NoVersion,
    /// Another version of the format.
    #[error("it is format version {found}; this build reads version {expected}")]
    #[diagnostic(code(escalate::envelope::version))]
    Version {
        /// The file's version.
        found: u32,
        /// This build's version.
        expected: u32,
    },
    /// A header field is missing.
    #[error("its header line has no `{field}`")]
    #[diagnostic(code(escalate::envelope::field))]
    MissingField {
        /// The field, e.g. `sha256=`.
        field: &'static str,
    },
    /// The length field is not a number.
    #[error("its header's `bytes=` is not a number")]
    #[diagnostic(code(escalate::envelope::length))]
    BadLength,
    /// Fewer payload bytes than the header promises.
    #[error("its header promises {promised} bytes of data and the file holds only {found}")]
    #[diagnostic(code(escalate::envelope::truncated))]
    Truncated {
        /// Bytes promised.
        promised: usize,
        /// Bytes there.
        found: usize,
    },
    /// More payload bytes than the header promises.
    #[error("{extra} bytes follow the end of its data")]
    #[diagnostic(code(escalate::envelope::trailing))]
    Trailing {
        /// Extra bytes.
        extra: usize,
    },
    /// The payload's checksum differs from the header's.
    #[error(
        "its checksum does not match its contents: the file was changed or damaged after it was written"
    )]
    #[diagnostic(code(escalate::envelope::checksum))]
    Checksum,
}

impl EnvelopeError {
    /// Whether the file looks cut short (empty, or ending early), as opposed
    /// to damaged or of another kind.
    pub fn is_truncation(&self) -> bool {
        matches!(
            self,
            EnvelopeError::Empty | EnvelopeError::TruncatedHeader | EnvelopeError::Truncated { .. }
        )
    }
}

impl Envelope {
    /// An envelope kind.
    pub const fn new(magic: &'static str, version: u32) -> Envelope {
        Envelope { magic, version }
    }

    /// The file bytes: header line, then `payload`.
    pub fn seal(&self, payload: &[u8]) -> Vec<u8> {
        let mut out = format!(
            "{} v{} sha256={} bytes={}\n",
            self.magic,
            self.version,
            sha256_hex(payload),
            payload.len()
        )
        .into_bytes();
        out.extend_from_slice(payload);
        out
    }

    /// Checks file bytes and returns the payload.
    pub fn open<'a>(&self, bytes: &'a [u8]) -> Result<&'a [u8], EnvelopeError> {
        if bytes.is_empty() {
            return Err(EnvelopeError::Empty);
        }
        let other = EnvelopeError::OtherKind { magic: self.magic };
        let head_len = bytes.len().min(MAX_HEADER);
        let Some(nl) = bytes[..head_len].iter().position(|&b| b == b'\n') else {
            let prefix = &bytes[..head_len.min(self.magic.len())];
            return Err(
                if self.magic.as_bytes().starts_with(prefix) && head_len < MAX_HEADER {
                    EnvelopeError::TruncatedHeader
                } else {
                    other
                },
            );
        };
        let header = std::str::from_utf8(&bytes[..nl]).map_err(|_| other.clone())?;
        let mut words = header.split(' ');
        if words.next() != Some(self.magic) {
            return Err(other);
        }
        let found = words
            .next()
            .and_then(|w| w.strip_prefix('v'))
            .and_then(|v| v.parse::<u32>().ok())
            .ok_or(EnvelopeError::NoVersion)?;
        if found != self.version {
            return Err(EnvelopeError::Version {
                found,
                expected: self.version,
            });
        }
        let field = |w: Option<&'a str>, field: &'static str| {
            w.and_then(|w| w.strip_prefix(field))
                .ok_or(EnvelopeError::MissingField { field })
        };
        let sum = field(words.next(), "sha256=")?;
        let len: usize = field(words.next(), "bytes=")?
            .parse()
            .map_err(|_| EnvelopeError::BadLength)?;
        let payload = &bytes[nl + 1..];
        if payload.len() < len {
            return Err(EnvelopeError::Truncated {
                promised: len,
                found: payload.len(),
            });
        }
        if payload.len() > len {
            return Err(EnvelopeError::Trailing {
                extra: payload.len() - len,
            });
        }
        if sha256_hex(payload) != sum {
            return Err(EnvelopeError::Checksum);
        }
        Ok(payload)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KIND: Envelope = Envelope::new("escalate-test", 3);

    #[test]
    fn a_sealed_payload_opens_to_the_same_bytes() {
        for payload in [&b""[..], b"x", b"{\"a\":1}\n", &[0u8, 255, 10, 13]] {
            let sealed = KIND.seal(payload);
            assert_eq!(KIND.open(&sealed).unwrap(), payload);
        }
    }

    #[test]
    fn the_header_is_magic_version_checksum_and_length() {
        let sealed = KIND.seal(b"hi\n");
        let text = String::from_utf8(sealed).unwrap();
        assert_eq!(
            text,
            format!(
                "escalate-test v3 sha256={} bytes=3\nhi\n",
                sha256_hex(b"hi\n")
            )
        );
    }

    #[test]
    fn every_truncation_is_detected_as_one() {
        let sealed = KIND.seal(b"some payload\n");
        for cut in 0..sealed.len() {
            let e = KIND.open(&sealed[..cut]).unwrap_err();
            assert!(e.is_truncation(), "cut at {cut}: {e}");
        }
    }

    #[test]
    fn damage_other_versions_and_other_kinds_are_refused() {
        let sealed = KIND.seal(b"payload\n");
        let mut altered = sealed.clone();
        *altered.last_mut().unwrap() = b'!';
        assert_eq!(KIND.open(&altered), Err(EnvelopeError::Checksum));
        let mut longer = sealed.clone();
        longer.push(b'x');
        assert_eq!(
            KIND.open(&longer),
            Err(EnvelopeError::Trailing { extra: 1 })
        );
        let v4 = Envelope::new("escalate-test", 4).seal(b"payload\n");
        assert_eq!(
            KIND.open(&v4),
            Err(EnvelopeError::Version {
                found: 4,
                expected: 3
            })
        );
        let other = Envelope::new("escalate-other", 3).seal(b"payload\n");
        assert!(matches!(
            KIND.open(&other),
            Err(EnvelopeError::OtherKind { .. })
        ));
        assert!(matches!(
            KIND.open(&[b'x'; 300]),
            Err(EnvelopeError::OtherKind { .. })
        ));
    }
}
