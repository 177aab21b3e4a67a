//! The distance between a particle's simulations and the observed records.
//!
//! Each observed record k is a value y_k with an uncertainty sd_k (its
//! standard error or measurement sd, in the record's unit). A particle is
//! simulated for T trials; the record's simulated **summary** s_k is the
//! mean over those T trials of the record's metric. The mean is chosen
//! because the records are counts and totals whose expectation is what the
//! model claims to reproduce, it is sufficient for the rate of a Poisson
//! count and for the mean of a normal (so the closed-form tests are exact
//! ABC targets), and its Monte Carlo noise shrinks as 1/sqrt(T).
//!
//! The distance is the root mean square of the standardised residuals,
//!
//! ```text
//! d = sqrt( (1/K) Σ_k ((s_k - y_k) / sd_k)² )
//! ```
//!
//! so every record counts in units of its own uncertainty (a record known to
//! ±1 weighs as much as one known to ±1,000 in its own units), and d is
//! comparable across calibrations with different numbers of records: d ≈ 1
//! means "typically one standard error away".

use serde::{Deserialize, Serialize};

/// One observed record: its value and its uncertainty.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Observation {
    /// The observed value y_k.
    pub value: f64,
    /// Its uncertainty sd_k (> 0).
    pub sd: f64,
}

/// Checks that every observation is finite with a positive uncertainty.
pub fn check_observations(observed: &[Observation]) -> Result<(), String> {
    if observed.is_empty() {
        return Err("no observed record".into());
    }
    for (k, o) in observed.iter().enumerate() {
        if !o.value.is_finite() {
            return Err(format!("record {k}: value {} is not finite", o.value));
        }
        if !(o.sd > 0.0 && o.sd.is_finite()) {
            return Err(format!("record {k}: uncertainty {} must be > 0", o.sd));
        }
    }
    Ok(())
}

/// The summary of one record: the mean over trials, summed in trial order.
pub fn trial_mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len() as f64
}

/// d = sqrt(mean_k ((s_k - y_k) / sd_k)²), summed in record order.
///
/// `summaries[k]` is the simulated summary of `observed[k]`; the two have the
/// same length (a caller's bug otherwise: it panics).
pub fn standardised_distance(summaries: &[f64], observed: &[Observation]) -> f64 {
    assert_eq!(summaries.len(), observed.len(), "one summary per record");
    let sum: f64 = summaries
        .iter()
        .zip(observed)
        .map(|(s, o)| {
            let z = (s - o.value) / o.sd;
            z * z
        })
        .sum();
    (sum / observed.len() as f64).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distance_is_the_rms_of_standardised_residuals() {
        let obs = [
            Observation {
                value: 10.0,
                sd: 2.0,
            },
            Observation {
                value: 1000.0,
                sd: 100.0,
            },
        ];
        // Residuals 1 and 2 standard errors: sqrt((1 + 4) / 2).
        let d = standardised_distance(&[12.0, 800.0], &obs);
        assert_eq!(d, (2.5f64).sqrt());
        assert_eq!(standardised_distance(&[10.0, 1000.0], &obs), 0.0);
        assert_eq!(trial_mean(&[1.0, 2.0, 6.0]), 3.0);
        assert!(check_observations(&obs).is_ok());
        assert!(
            check_observations(&[Observation {
                value: 1.0,
                sd: 0.0
            }])
            .is_err()
        );
        assert!(check_observations(&[]).is_err());
    }
}
