//! One design point's result, as saved in `DIR/points/NNNNN.json`: the
//! point's trials reduced to what the sweep's outputs need (class counts, each
//! metric's mean and quantiles, the run digest), and the file format that
//! makes a half-written or altered record detectable.
//!
//! A record file is the checksummed envelope of [`crate::io::envelope`]: a
//! header line `escalate-point v1 sha256=HEX bytes=LEN`, then the record's
//! JSON on one line. A file that is cut short, whose checksum does not match,
//! or that is not such a file is never used: the point runs again.

use serde::{Deserialize, Serialize};

use crate::core::stats::QUANTILES;
use crate::core::stats::Summary;
use crate::io::Envelope;

/// A point file's envelope: `escalate-point v1 sha256=... bytes=...`.
pub const POINT_ENVELOPE: Envelope = Envelope::new("escalate-point", 1);

/// One metric at one point.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricPoint {
    /// Trials in which the metric had a value.
    pub present: u64,
    /// Mean over those trials (null when never present).
    pub mean: Option<f64>,
    /// Quantiles 5, 25, 50, 75, 95 ([`QUANTILES`]).
    pub quantiles: [Option<f64>; 5],
}

/// One design point's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PointRecord {
    /// The sweep's fingerprint: a record of another sweep is never used.
    pub sweep: String,
    /// Design point index (design row).
    pub point: usize,
    /// Trials run.
    pub trials: u64,
    /// The point's run digest (as `escalate run` prints it for the same settings).
    pub digest: String,
    /// Trials per outcome class, model order.
    pub classes: Vec<u64>,
    /// Per metric, model order.
    pub metrics: Vec<MetricPoint>,
}

impl PointRecord {
    /// Reduces a point's summary.
    pub fn from_summary(sweep: &str, point: usize, s: &Summary) -> Self {
        PointRecord {
            sweep: sweep.to_string(),
            point,
            trials: s.trials,
            digest: s.digest(),
            classes: s.classes.clone(),
            metrics: s
                .metrics
                .iter()
                .map(|m| MetricPoint {
                    present: m.present,
                    mean: m.mean(),
                    quantiles: QUANTILES.map(|q| m.quantile(q)),
                })
                .collect(),
        }
    }

    /// Probability of class `c`.
    pub fn probability(&self, c: usize) -> f64 {
        self.classes[c] as f64 / self.trials.max(1) as f64
    }

    /// The file bytes: the envelope of the JSON line ([`POINT_ENVELOPE`]).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut json = serde_json::to_vec(self).expect("serializable");
        json.push(b'\n');
        POINT_ENVELOPE.seal(&json)
    }

    /// Reads file bytes, verifying the envelope; `Err` says what is wrong.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, String> {
        let json = POINT_ENVELOPE.open(bytes).map_err(|e| e.to_string())?;
        serde_json::from_slice(json).map_err(|e| format!("unreadable record: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> PointRecord {
        PointRecord {
            sweep: "abc".into(),
            point: 7,
            trials: 10,
            digest: "d".into(),
            classes: vec![3, 7],
            metrics: vec![MetricPoint {
                present: 10,
                mean: Some(0.1 + 0.2),
                quantiles: [Some(1.0), None, Some(2.5), None, Some(1e300)],
            }],
        }
    }

    #[test]
    fn a_record_round_trips_exactly() {
        let r = record();
        let back = PointRecord::from_bytes(&r.to_bytes()).unwrap();
        assert_eq!(back, r);
        assert_eq!(
            back.metrics[0].mean.unwrap().to_bits(),
            (0.1f64 + 0.2).to_bits()
        );
        assert_eq!(back.probability(1), 0.7);
    }

    #[test]
    fn truncated_or_altered_records_are_refused() {
        let bytes = record().to_bytes();
        for cut in [0, 1, bytes.len() / 2, bytes.len() - 1] {
            assert!(
                PointRecord::from_bytes(&bytes[..cut]).is_err(),
                "cut at {cut}"
            );
        }
        // A digit of the payload (after the header line) changed.
        let mut altered = bytes.clone();
        let start = altered.iter().position(|&b| b == b'\n').unwrap();
        let i = start + altered[start..].iter().position(|&b| b == b'3').unwrap();
        altered[i] = b'4';
        assert!(
            PointRecord::from_bytes(&altered)
                .unwrap_err()
                .contains("checksum does not match"),
        );
        // A file in the format of earlier builds (JSON line, `sha256` line) is not used.
        assert!(PointRecord::from_bytes(b"{}\nsha256 00\n").is_err());
    }
}
