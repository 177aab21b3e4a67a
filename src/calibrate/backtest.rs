//! Backtesting: a run's simulated distributions scored against observed
//! figures it was not fitted on (`escalate backtest`).
//!
//! **The mapping rule.** A record with metric `M` and period label `P` is
//! compared with the run's metric `M@P`: the scenario declares a period named
//! like the record's period (`2022`, `2022-H2`, `2023-Q3`), and every additive
//! metric is reported per period (docs/scenario-format.md, `periods`). The
//! period's days are the scenario author's to align with the record's dates;
//! the label is what is matched. A record without a metric, or whose `M@P` is
//! not in the run (no such period, a metric not reported per period, no such
//! metric) or never had a value, is listed as [`NotScored`] with the reason;
//! nothing is dropped silently.
//!
//! **The scores** come from the run's exact histogram of `M@P` (rebuilt from
//! the run JSON's `metrics[].buckets`) through [`RecordScore::from_histogram`]:
//! the 50% and 90% central bands (quantiles 25-75 and 5-95, the run's own
//! quantiles), whether the observation lies in each (ends included), its
//! mid-point PIT and the CRPS in the record's unit. The observation is scored
//! as given: its `sd` is reported alongside, not folded into the scores.
//!
//! A run is read from the JSON of `escalate run --json` ([`RunMetrics::from_json`])
//! or built from histograms ([`RunMetrics::new`]); this layer sits below
//! `report`, so it reads the report's JSON rather than its type.

use std::collections::BTreeSet;
use std::path::Path;

use miette::Diagnostic;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::score::RecordScore;
use crate::core::observed::{Observed, Record};
use crate::core::stats::Histogram;
use crate::core::stats::histogram::bucket;

/// How to get a run report, for the help of every error about one.
const REPORT_HELP: &str = "pass the JSON file a run writes: `escalate run SCENARIO --json RUN.json` \
                           (or `escalate merge PARTS --json RUN.json`)";

/// Why a run's JSON cannot be backtested.
#[derive(Debug, Error, Diagnostic)]
pub enum BacktestError {
    /// The file could not be read.
    #[error("cannot read the run report {path}: {source}")]
    #[diagnostic(code(escalate::backtest::read), help("{}", REPORT_HELP))]
    Read {
        /// The path given.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not JSON at all.
    #[error("{path} is not a run report: it is not JSON ({message})")]
    #[diagnostic(code(escalate::backtest::not_json), help("{}", REPORT_HELP))]
    NotJson {
        /// The path given.
        path: String,
        /// serde_json's message, with line and column.
        message: String,
    },
    /// The file is JSON but not an escalate run report.
    #[error("{path} is not a run report of escalate: {message}")]
    #[diagnostic(code(escalate::backtest::not_report), help("{}", REPORT_HELP))]
    NotReport {
        /// The path given.
        path: String,
        /// What is missing or wrong, with line and column.
        message: String,
    },
    /// A run report without exact histograms (written before they were added).
    #[error("{path} has no exact histograms (`metrics[].buckets`): an older escalate wrote it")]
    #[diagnostic(
        code(escalate::backtest::no_buckets),
        help("run it again with this escalate: {command} --json RUN.json")
    )]
    NoBuckets {
        /// The path given.
        path: String,
        /// The command that reproduces the run (from the report).
        command: String,
    },
    /// A metric's buckets do not make a histogram.
    #[error("{path}: the buckets of metric `{metric}` are not a run's histogram: {message}")]
    #[diagnostic(code(escalate::backtest::bad_buckets), help("{}", REPORT_HELP))]
    BadBuckets {
        /// The path given.
        path: String,
        /// The metric.
        metric: String,
        /// What is wrong.
        message: String,
    },
}

/// The run a backtest scores: what identifies it (in the backtest's JSON).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunInfo {
    /// The run report's file name as given (empty for a run built in memory).
    pub file: String,
    /// The scenario's name.
    pub scenario: String,
    /// The run's digest.
    pub digest: String,
    /// The run's seed.
    pub seed: u64,
    /// Number of trials.
    pub trials: u64,
    /// `escalate run ...` that reproduces the run.
    pub command: String,
}

/// One metric's distribution over a run's trials.
#[derive(Debug, Clone, PartialEq)]
pub struct RunMetric {
    /// Metric name (`attacks@2022` for a period's).
    pub name: String,
    /// Its unit.
    pub unit: String,
    /// The run's exact histogram of its values (its total: trials where present).
    pub histogram: Histogram,
}

/// A run's metric distributions, as a backtest needs them.
#[derive(Debug, Clone, PartialEq)]
pub struct RunMetrics {
    /// What identifies the run.
    pub info: RunInfo,
    /// Its metrics, in the report's order.
    pub metrics: Vec<RunMetric>,
}

/// The parts of a run report's JSON a backtest reads (a mirror of
/// `report::RunReport`, which is one layer up).
#[derive(Deserialize)]
struct RawReport {
    digest: String,
    seed: u64,
    trials: u64,
    scenario: RawScenario,
    command: String,
    metrics: Vec<RawMetric>,
}

#[derive(Deserialize)]
struct RawScenario {
    name: String,
}

#[derive(Deserialize)]
struct RawMetric {
    name: String,
    unit: String,
    present: u64,
    min: Option<u64>,
    buckets: Option<Vec<u64>>,
}

/// The histogram whose bucket counts are `counts`, the first being the
/// bucket holding `min` (the run JSON's `metrics[].buckets` and `min`): the
/// first and last counts are positive (they hold the smallest and largest
/// value). No counts: the empty histogram.
pub fn histogram_from_buckets(min: Option<u64>, counts: &[u64]) -> Result<Histogram, String> {
    let (Some(min), Some(first), Some(last)) = (min, counts.first(), counts.last()) else {
        return if counts.is_empty() {
            Ok(Histogram::default())
        } else {
            Err("there are counts but no `min`".into())
        };
    };
    if *first == 0 || *last == 0 {
        return Err("the first and last counts must be positive".into());
    }
    let start = bucket(min);
    let mut dense = vec![0; start];
    dense.extend_from_slice(counts);
    // Histogram keeps its counts private; its serde form is `{"counts": [...]}`.
    serde_json::from_value(serde_json::json!({ "counts": dense })).map_err(|e| e.to_string())
}

impl RunMetrics {
    /// A run built in memory: `info` and `(name, unit, histogram)` per metric.
    pub fn new(info: RunInfo, metrics: Vec<(String, String, Histogram)>) -> RunMetrics {
        RunMetrics {
            info,
            metrics: metrics
                .into_iter()
                .map(|(name, unit, histogram)| RunMetric {
                    name,
                    unit,
                    histogram,
                })
                .collect(),
        }
    }

    /// Reads the JSON of a run report (`escalate run --json`) from `path`.
    pub fn read(path: &Path) -> Result<RunMetrics, BacktestError> {
        let name = path.display().to_string();
        let text = crate::io::read_capped(path, crate::io::DATA_LIMIT)
            .and_then(|bytes| {
                String::from_utf8(bytes)
                    .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))
            })
            .map_err(|source| BacktestError::Read {
                path: name.clone(),
                source,
            })?;
        RunMetrics::from_json(&name, &text)
    }

    /// Parses the JSON of a run report; `name` is the file's name for errors.
    pub fn from_json(name: &str, text: &str) -> Result<RunMetrics, BacktestError> {
        let raw: RawReport = serde_json::from_str(text).map_err(|e| {
            let message = e.to_string();
            if e.is_data() {
                BacktestError::NotReport {
                    path: name.into(),
                    message,
                }
            } else {
                BacktestError::NotJson {
                    path: name.into(),
                    message,
                }
            }
        })?;
        let mut metrics = Vec::with_capacity(raw.metrics.len());
        for m in raw.metrics {
            let Some(buckets) = m.buckets else {
                return Err(BacktestError::NoBuckets {
                    path: name.into(),
                    command: raw.command,
                });
            };
            let bad = |message: String| BacktestError::BadBuckets {
                path: name.into(),
                metric: m.name.clone(),
                message,
            };
            let histogram = histogram_from_buckets(m.min, &buckets).map_err(bad)?;
            if histogram.total() != m.present {
                return Err(bad(format!(
                    "they count {} trials, `present` says {}",
                    histogram.total(),
                    m.present
                )));
            }
            metrics.push(RunMetric {
                name: m.name,
                unit: m.unit,
                histogram,
            });
        }
        Ok(RunMetrics {
            info: RunInfo {
                file: name.into(),
                scenario: raw.scenario.name,
                digest: raw.digest,
                seed: raw.seed,
                trials: raw.trials,
                command: raw.command,
            },
            metrics,
        })
    }

    /// The metric named `name`.
    pub fn get(&self, name: &str) -> Option<&RunMetric> {
        self.metrics.iter().find(|m| m.name == name)
    }

    /// The names of the run's periods: what follows `@` in its metric names.
    pub fn periods(&self) -> BTreeSet<&str> {
        self.metrics
            .iter()
            .filter_map(|m| m.name.split_once('@').map(|(_, p)| p))
            .collect()
    }
}

/// The observed-data file a backtest scores against.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ObservedInfo {
    /// Its file name as given.
    pub file: String,
    /// Lowercase hex SHA-256 of its bytes.
    pub sha256: String,
    /// Records in it.
    pub records: usize,
}

/// A record scored against the run's distribution of its metric over its period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoredRecord {
    /// The record's id.
    pub id: String,
    /// Who counted it (`PICSS`, `CRSS`...).
    pub series: String,
    /// Its period's label (`2022`, `2022-H2`...).
    pub period: String,
    /// The run's metric compared: `METRIC@PERIOD`.
    pub metric: String,
    /// The record's unit (`attacks`, `people`...): the unit of the value, the
    /// bands and the CRPS.
    pub unit: String,
    /// The observed value.
    pub observed: f64,
    /// Its observation uncertainty, a standard deviation (shown, not used in the scores).
    pub sd: f64,
    /// Trials in which the run's metric had a value (the distribution's size).
    pub trials: u64,
    /// The simulated median.
    pub median: f64,
    /// The simulated central 50% band: the 25% and 75% quantiles.
    pub band50: [f64; 2],
    /// The simulated central 90% band: the 5% and 95% quantiles.
    pub band90: [f64; 2],
    /// The observation lies in the 50% band (ends included).
    pub inside50: bool,
    /// The observation lies in the 90% band (ends included).
    pub inside90: bool,
    /// The observation's mid-point PIT, P(X < y) + ½ P(X = y): 0 below every
    /// trial, 1 above every trial.
    pub pit: f64,
    /// The CRPS of the simulated distribution at the observation, in `unit`
    /// (lower is better; 0 only for a point forecast hitting it).
    pub crps: f64,
}

/// Why a record was not scored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Why {
    /// The record names no engine metric.
    NoMetric,
    /// The run has no period named like the record's period.
    NoPeriod,
    /// The metric exists but is not reported per period (not additive).
    NotPerPeriod,
    /// The run has no metric of that name at all.
    NoSuchMetric,
    /// The run's `METRIC@PERIOD` never had a value.
    NeverPresent,
}

/// A record the backtest could not score, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NotScored {
    /// The record's id.
    pub id: String,
    /// Who counted it.
    pub series: String,
    /// Its period's label.
    pub period: String,
    /// The run's metric it would be compared with (`METRIC@PERIOD`), none
    /// without a metric.
    pub metric: Option<String>,
    /// Why, as a code.
    pub why: Why,
    /// Why, in words, with how to make it scorable.
    pub reason: String,
}

/// One record's result, in the observed file's order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum RecordResult {
    /// Scored: bands, PIT, CRPS.
    Scored(ScoredRecord),
    /// Not scored, with the reason.
    NotScored(NotScored),
}

/// The backtest's summary over the scored records.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Records in the observed file.
    pub records: usize,
    /// Records scored.
    pub scored: usize,
    /// Records not scored.
    pub not_scored: usize,
    /// Scored records inside their 50% band.
    pub inside50: usize,
    /// Scored records inside their 90% band.
    pub inside90: usize,
    /// inside50 / scored: near 0.5 for a calibrated model (null when none scored).
    pub coverage50: Option<f64>,
    /// inside90 / scored: near 0.9 for a calibrated model (null when none scored).
    pub coverage90: Option<f64>,
    /// Mean CRPS of the scored records (null when none scored). It adds up
    /// records' own units, so compare it between runs on the same records only.
    pub mean_crps: Option<f64>,
    /// Mean PIT of the scored records: near 0.5 when unbiased; below, the run
    /// overshoots; above, it undershoots (null when none scored).
    pub mean_pit: Option<f64>,
}

/// A run scored against observed records: the JSON of `escalate backtest --json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Backtest {
    /// The run scored.
    pub run: RunInfo,
    /// The observed data.
    pub observed: ObservedInfo,
    /// One entry per record, in the file's order: `status` `scored` or `not_scored`.
    pub records: Vec<RecordResult>,
    /// Coverage and mean scores.
    pub summary: Summary,
}

impl Backtest {
    /// Scores every record of `observed` against `run` (see the module docs
    /// for which metric a record is compared with).
    pub fn new(run: &RunMetrics, observed: &Observed) -> Backtest {
        let records: Vec<RecordResult> = observed.records.iter().map(|r| score(run, r)).collect();
        let scored: Vec<&ScoredRecord> = records
            .iter()
            .filter_map(|r| match r {
                RecordResult::Scored(s) => Some(s),
                RecordResult::NotScored(_) => None,
            })
            .collect();
        let n = scored.len();
        let inside50 = scored.iter().filter(|s| s.inside50).count();
        let inside90 = scored.iter().filter(|s| s.inside90).count();
        let mean = |f: fn(&ScoredRecord) -> f64| {
            (n > 0).then(|| scored.iter().map(|s| f(s)).sum::<f64>() / n as f64)
        };
        let summary = Summary {
            records: records.len(),
            scored: n,
            not_scored: records.len() - n,
            inside50,
            inside90,
            coverage50: (n > 0).then(|| inside50 as f64 / n as f64),
            coverage90: (n > 0).then(|| inside90 as f64 / n as f64),
            mean_crps: mean(|s| s.crps),
            mean_pit: mean(|s| s.pit),
        };
        Backtest {
            run: run.info.clone(),
            observed: ObservedInfo {
                file: observed.name.clone(),
                sha256: observed.sha256.clone(),
                records: observed.records.len(),
            },
            records,
            summary,
        }
    }

    /// The scored records, in file order.
    pub fn scored(&self) -> impl Iterator<Item = &ScoredRecord> {
        self.records.iter().filter_map(|r| match r {
            RecordResult::Scored(s) => Some(s),
            RecordResult::NotScored(_) => None,
        })
    }

    /// The records not scored, in file order.
    pub fn not_scored(&self) -> impl Iterator<Item = &NotScored> {
        self.records.iter().filter_map(|r| match r {
            RecordResult::NotScored(s) => Some(s),
            RecordResult::Scored(_) => None,
        })
    }
}

/// One record against the run.
fn score(run: &RunMetrics, r: &Record) -> RecordResult {
    let not = |metric: Option<String>, why: Why, reason: String| {
        RecordResult::NotScored(NotScored {
            id: r.id.clone(),
            series: r.series.clone(),
            period: r.period.clone(),
            metric,
            why,
            reason,
        })
    };
    let Some(base) = &r.metric else {
        return not(
            None,
            Why::NoMetric,
            "no engine metric: the record's `metric` column is empty".into(),
        );
    };
    let name = format!("{base}@{}", r.period);
    let Some(m) = run.get(&name) else {
        let periods = run.periods();
        let nameable = r
            .period
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        let (why, reason) = if !periods.contains(r.period.as_str()) && !nameable {
            (
                Why::NoPeriod,
                format!(
                    "the run has no period `{}`, and no scenario can name one so (period names \
                     use A-Z a-z 0-9 _ -); the record covers {} to {}",
                    r.period, r.start, r.end
                ),
            )
        } else if !periods.contains(r.period.as_str()) {
            let have = if periods.is_empty() {
                "the scenario declares no periods".to_string()
            } else {
                let list: Vec<&str> = periods.iter().copied().collect();
                format!("its periods: {}", list.join(", "))
            };
            (
                Why::NoPeriod,
                format!(
                    "the run has no period `{}` ({have}); declare \
                     Period(name: \"{}\", ...) for {} to {} in the scenario",
                    r.period, r.period, r.start, r.end
                ),
            )
        } else if run.get(base).is_some() {
            (
                Why::NotPerPeriod,
                format!(
                    "`{base}` is not reported per period (only additive metrics are: \
                     docs/scenario-format.md, periods)"
                ),
            )
        } else {
            (Why::NoSuchMetric, format!("the run has no metric `{base}`"))
        };
        return not(Some(name), why, reason);
    };
    let Some(s) = RecordScore::from_histogram(&m.histogram, r.value) else {
        return not(
            Some(name.clone()),
            Why::NeverPresent,
            format!("`{name}` never had a value in the run"),
        );
    };
    RecordResult::Scored(ScoredRecord {
        id: r.id.clone(),
        series: r.series.clone(),
        period: r.period.clone(),
        metric: name,
        unit: r.unit.clone(),
        observed: r.value,
        sd: r.sd,
        trials: m.histogram.total(),
        median: m.histogram.quantile(0.5).unwrap_or(f64::NAN),
        band50: [s.band50.0, s.band50.1],
        band90: [s.band90.0, s.band90.1],
        inside50: s.inside50,
        inside90: s.inside90,
        pit: s.pit,
        crps: s.crps,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calibrate::score::{crps_histogram, pit_histogram};

    /// The values 1..=100 once each (exact quantiles: p5 = 5, p25 = 25, p75 = 75, p95 = 95).
    fn one_to_hundred() -> Histogram {
        let mut h = Histogram::default();
        for v in 1..=100 {
            h.add(v);
        }
        h
    }

    fn run() -> RunMetrics {
        let mut wide = Histogram::default();
        for v in [2000, 2100, 2500, 3000, 40_000] {
            wide.add(v);
        }
        RunMetrics::new(
            RunInfo {
                file: String::new(),
                scenario: "test".into(),
                digest: "00".into(),
                seed: 7,
                trials: 100,
                command: "escalate run test.ron".into(),
            },
            vec![
                ("attacks".into(), "attacks".into(), one_to_hundred()),
                ("attacks@2022".into(), "attacks".into(), one_to_hundred()),
                ("trade_lost@2022".into(), "thousand USD".into(), wide),
                ("fighters_end.G".into(), "people".into(), one_to_hundred()),
                (
                    "strikes@2022".into(),
                    "strikes".into(),
                    Histogram::default(),
                ),
            ],
        )
    }

    const CSV: &str = "\
id,series,period,start,end,quantity,unit,metric,value,sd,source,note
in50,S,2022,2022-01-01,2022-12-31,attacks,attacks,attacks,50,5,k,inside both
in90,S,2022,2022-01-01,2022-12-31,attacks,attacks,attacks,10,1,k,inside the 90% band only
low,S,2022,2022-01-01,2022-12-31,attacks,attacks,attacks,0,1,k,below every trial
high,S,2022,2022-01-01,2022-12-31,attacks,attacks,attacks,1000,100,k,above every trial
wide,S,2022,2022-01-01,2022-12-31,trade,thousand USD,trade_lost,2600,260,k,wide buckets
nometric,S,2022,2022-01-01,2022-12-31,total,people,,5,1,k,no metric
noperiod,S,2023,2023-01-01,2023-12-31,attacks,attacks,attacks,5,1,k,no such period
state,S,2022,2022-01-01,2022-12-31,fighters,people,fighters_end.G,5,1,k,not per period
unknown,S,2022,2022-01-01,2022-12-31,x,people,deported,5,1,k,no such metric
range,S,2022-02-01..2022-02-10,2022-02-01,2022-02-10,attacks,attacks,attacks,5,1,k,unnameable period
never,S,2022,2022-01-01,2022-12-31,strikes,strikes,strikes,1,1,k,never present
";

    fn backtest() -> Backtest {
        let obs = Observed::parse("obs.csv", CSV).expect("valid fixture");
        Backtest::new(&run(), &obs)
    }

    fn scored<'a>(b: &'a Backtest, id: &str) -> &'a ScoredRecord {
        b.scored().find(|s| s.id == id).expect(id)
    }

    #[test]
    fn bands_and_inside_follow_the_run_quantiles() {
        let b = backtest();
        let s = scored(&b, "in50");
        assert_eq!(s.metric, "attacks@2022");
        assert_eq!((s.band50, s.band90), ([25.0, 75.0], [5.0, 95.0]));
        assert_eq!(s.median, 50.0);
        assert!(s.inside50 && s.inside90);
        let s = scored(&b, "in90");
        assert!(!s.inside50 && s.inside90);
        for id in ["low", "high"] {
            let s = scored(&b, id);
            assert!(!s.inside50 && !s.inside90, "{id}");
        }
    }

    #[test]
    fn pit_is_zero_below_every_trial_and_one_above() {
        let b = backtest();
        assert_eq!(scored(&b, "low").pit, 0.0);
        assert_eq!(scored(&b, "high").pit, 1.0);
        // Mid-point PIT at 50 among 1..=100: (49 + ½) / 100.
        assert_eq!(scored(&b, "in50").pit, 0.495);
    }

    #[test]
    fn crps_is_the_histogram_crps_of_score_rs() {
        let b = backtest();
        let h = one_to_hundred();
        for id in ["in50", "in90", "low", "high"] {
            let s = scored(&b, id);
            assert_eq!(s.crps, crps_histogram(&h, s.observed).unwrap(), "{id}");
            assert_eq!(s.pit, pit_histogram(&h, s.observed).unwrap(), "{id}");
        }
        // Below every trial, CRPS = E|X - y| - ½E|X - X'| with y = 0: the mean
        // 50.5 minus half the mean absolute difference of 1..=100, (n² - 1) / 3n.
        let low = scored(&b, "low").crps;
        assert!((low - (50.5 - 0.5 * 9999.0 / 300.0)).abs() < 1e-9, "{low}");
        let wide = scored(&b, "wide");
        let r = run();
        let w = &r.get("trade_lost@2022").unwrap().histogram;
        assert_eq!(wide.crps, crps_histogram(w, 2600.0).unwrap());
        assert_eq!(wide.unit, "thousand USD");
    }

    #[test]
    fn unscorable_records_are_listed_with_their_reasons() {
        let b = backtest();
        let why: Vec<(&str, Why)> = b.not_scored().map(|n| (n.id.as_str(), n.why)).collect();
        assert_eq!(
            why,
            [
                ("nometric", Why::NoMetric),
                ("noperiod", Why::NoPeriod),
                ("state", Why::NotPerPeriod),
                ("unknown", Why::NoSuchMetric),
                ("range", Why::NoPeriod),
                ("never", Why::NeverPresent),
            ]
        );
        let noperiod = b.not_scored().find(|n| n.id == "noperiod").unwrap();
        assert!(
            noperiod.reason.contains("no period `2023`")
                && noperiod.reason.contains("its periods: 2022")
                && noperiod.reason.contains("2023-01-01 to 2023-12-31"),
            "{}",
            noperiod.reason
        );
        assert_eq!(noperiod.metric.as_deref(), Some("attacks@2023"));
        assert_eq!(b.not_scored().next().unwrap().metric, None);
        // Every record is in the result, in file order.
        let range = b.not_scored().find(|n| n.id == "range").unwrap();
        assert!(
            range.reason.contains("no scenario can name one"),
            "{}",
            range.reason
        );
        assert_eq!(b.records.len(), 11);
        let ids: Vec<&str> = b
            .records
            .iter()
            .map(|r| match r {
                RecordResult::Scored(s) => s.id.as_str(),
                RecordResult::NotScored(n) => n.id.as_str(),
            })
            .collect();
        assert_eq!(ids[..3], ["in50", "in90", "low"]);
    }

    #[test]
    fn the_summary_counts_the_scored_records() {
        let s = backtest().summary;
        assert_eq!((s.records, s.scored, s.not_scored), (11, 5, 6));
        // Inside the 90% band: in50, in90 and wide; inside the 50%: in50 and wide.
        let b = backtest();
        let inside90 = b.scored().filter(|r| r.inside90).count();
        let inside50 = b.scored().filter(|r| r.inside50).count();
        assert_eq!((inside50, inside90), (2, 3));
        assert_eq!((s.inside50, s.inside90), (inside50, inside90));
        assert_eq!(s.coverage90, Some(inside90 as f64 / 5.0));
        assert_eq!(s.coverage50, Some(inside50 as f64 / 5.0));
        let crps: f64 = b.scored().map(|r| r.crps).sum();
        assert_eq!(s.mean_crps, Some(crps / 5.0));
        let empty = Backtest::new(
            &run(),
            &Observed::parse("e.csv", CSV.lines().next().unwrap()).unwrap(),
        );
        assert_eq!(
            (empty.summary.coverage90, empty.summary.mean_crps),
            (None, None)
        );
    }

    #[test]
    fn histograms_rebuild_from_their_buckets_and_bad_buckets_are_refused() {
        let mut h = Histogram::default();
        for v in [0, 3, 3, 1023, 1024, 5000, 5001, 1 << 40] {
            h.add(v);
        }
        // The counts from the bucket of the minimum (0) to that of the maximum.
        let top = bucket(1 << 40);
        let mut dense = vec![0u64; top + 1];
        for (lo, _, c) in h.buckets() {
            dense[bucket(lo)] = c;
        }
        assert_eq!(histogram_from_buckets(Some(0), &dense).unwrap(), h);
        // Starting further up: the values 5000 and 5001 share a bucket.
        let mut g = Histogram::default();
        g.add(5000);
        g.add(5001);
        g.add(7000);
        let mut counts = vec![0u64; bucket(7000) - bucket(5000) + 1];
        counts[0] = 2;
        counts[bucket(7000) - bucket(5000)] = 1;
        assert_eq!(histogram_from_buckets(Some(5000), &counts).unwrap(), g);
        assert_eq!(
            histogram_from_buckets(None, &[]).unwrap(),
            Histogram::default()
        );
        assert!(histogram_from_buckets(None, &[1]).is_err());
        assert!(histogram_from_buckets(Some(3), &[0, 1]).is_err());
        assert!(histogram_from_buckets(Some(3), &[1, 0]).is_err());
    }

    #[test]
    fn a_file_that_is_not_a_run_report_is_refused_clearly() {
        let e = RunMetrics::from_json("r.json", "id,series\n").unwrap_err();
        assert!(matches!(e, BacktestError::NotJson { .. }), "{e}");
        let e = RunMetrics::from_json("r.json", "{\"records\": []}").unwrap_err();
        assert!(matches!(e, BacktestError::NotReport { .. }), "{e}");
        assert!(e.to_string().contains("missing field"), "{e}");
        let old = r#"{"digest": "ab", "seed": 1, "trials": 1, "scenario": {"name": "s"},
            "command": "escalate run s.ron --trials 1",
            "metrics": [{"name": "attacks", "unit": "attacks", "present": 1, "min": 4}]}"#;
        let e = RunMetrics::from_json("r.json", old).unwrap_err();
        assert!(matches!(e, BacktestError::NoBuckets { .. }), "{e}");
        let ok = old.replace("\"present\": 1", "\"present\": 1, \"buckets\": [1]");
        let r = RunMetrics::from_json("r.json", &ok).unwrap();
        assert_eq!(r.get("attacks").unwrap().histogram.quantile(0.5), Some(4.0));
        let bad = old.replace("\"present\": 1", "\"present\": 2, \"buckets\": [1]");
        let e = RunMetrics::from_json("r.json", &bad).unwrap_err();
        assert!(matches!(e, BacktestError::BadBuckets { .. }), "{e}");
    }
}
