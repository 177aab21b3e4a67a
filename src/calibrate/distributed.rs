//! A generation spread over processes (the array tasks of `escalate slurm
//! calibrate`), with the decisions still made by the one [`GenerationRun`].
//!
//! A generation needs an unknown number of proposals (until its N-th
//! acceptance), and each generation depends on the one before, so the work
//! goes in **rounds**: a [`Round`] is proposals `start..end` of one
//! generation split into `tasks` contiguous slices (slice K is
//! `start + floor(K·len/tasks) .. start + floor((K+1)·len/tasks)`, the split of
//! [`Shard::range`]). A task proposes its slice from the checkpoint
//! ([`GenerationRun::propose`]: proposal `j` draws only from its own stream),
//! simulates the proposals inside the priors' support with the study's
//! simulator, and writes a [`ProposalPart`]. The reduce ([`reduce`]) starts
//! the generation again from the checkpoint and feeds the parts to
//! [`GenerationRun::record`] in proposal order from proposal 0, exactly as
//! [`super::abc::step`] feeds a simulator's batches; the generation finishes
//! (or stops at the acceptance floor) with [`GenerationRun::finish`], and the
//! state records it with [`AbcState::apply`]. A generation whose parts end
//! before its N-th acceptance asks for the next round ([`Need`],
//! [`Round::plan`]). Which rounds and slices ran changes nothing but speed.
//!
//! A part file is `DIR/parts/gen-T-proposals-A-B.esc`: the checksummed
//! envelope ([`PART_ENVELOPE`]) around JSON holding the calibration's
//! fingerprint, the generation, the range, and per proposal its parameters
//! and its distance (none when outside the support), every float bit-exact
//! ([`super::exact`]). The reduce checks each part it uses: its envelope, that
//! it belongs to this calibration, build and generation, that its range is its
//! name's, and that its parameters are the ones this checkpoint proposes.

use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::abc::{
    AbcError, AbcState, Begin, GenerationRun, Particle, Progress, Proposal, Simulator,
};
use super::exact;
use super::prior::PriorDensity;
use crate::io::{Envelope, EnvelopeError, WriteError};
use crate::run::identity::VERSION;
use crate::run::shard::Shard;

/// The first word of a calibration part file.
pub const FORMAT: &str = "escalate-calibration-part";

/// The calibration part format this build writes and reads.
pub const FORMAT_VERSION: u32 = 1;

/// A calibration part's checksummed envelope.
pub const PART_ENVELOPE: Envelope = Envelope::new(FORMAT, FORMAT_VERSION);

/// Rounds are sized so that, at the estimated acceptance rate p, they bring
/// the k particles still needed with probability about 98%: the smallest R
/// with R·p − z·√(R·p·(1−p)) ≥ k (the normal approximation to the binomial)
/// at this z. Too few proposals cost another round (a wait in the queue), too
/// many cost simulations past the N-th acceptance.
pub const ROUND_Z: f64 = 2.0;

/// Proposals `start..end` of one generation, split over `tasks` array tasks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Round {
    /// The generation.
    pub generation: u32,
    /// The first proposal of the round.
    pub start: u64,
    /// One past its last proposal.
    pub end: u64,
    /// How many slices (array tasks) share it.
    pub tasks: u64,
}

/// Where a generation's parts end: what the next round must cover.
#[derive(Debug, Clone, PartialEq)]
pub struct Need {
    /// The generation under way.
    pub generation: u32,
    /// The first proposal no part decides (the parts before it are in).
    pub from: u64,
    /// The most proposals the generation may make.
    pub cap: u64,
    /// Particles the generation accepts (N).
    pub particles: usize,
    /// Particles accepted among the proposals before `from`.
    pub accepted: usize,
    /// The previous generation's acceptance rate (None for generation 0).
    pub previous_rate: Option<f64>,
}

impl Round {
    /// The next round after `need`: `from` on, sized by [`ROUND_Z`] at the
    /// acceptance rate estimated from the proposals decided so far (add-one
    /// smoothed, so that a round without acceptances asks for more, not for
    /// everything), or for a generation's first round the previous
    /// generation's rate (1 for generation 0, whose proposals from the prior
    /// are all accepted); at least one proposal per task, never past the cap;
    /// `tasks` slices, fewer when the round is shorter.
    pub fn plan(need: &Need, tasks: u64) -> Round {
        let k = need.particles.saturating_sub(need.accepted).max(1) as f64;
        let p = if need.from == 0 {
            need.previous_rate.unwrap_or(1.0)
        } else {
            (need.accepted as f64 + 1.0) / (need.from as f64 + 2.0)
        }
        .clamp(1e-9, 1.0);
        // √R is the positive root of p·x² − b·x − k = 0, b = z·√(p(1−p));
        // R = x², expanded (exactly k/p when p = 1, where b = 0).
        let b = ROUND_Z * (p * (1.0 - p)).sqrt();
        let r = (b * b + 2.0 * p * k + b * (b * b + 4.0 * p * k).sqrt()) / (2.0 * p * p);
        let tasks = tasks.max(1);
        let size = (r.ceil().min(u64::MAX as f64) as u64).max(tasks);
        let end = need.from.saturating_add(size).min(need.cap);
        Round {
            generation: need.generation,
            start: need.from,
            end,
            tasks: tasks.min(end - need.from).max(1),
        }
    }

    /// The round's proposals.
    pub fn proposals(&self) -> Range<u64> {
        self.start..self.end
    }

    /// Task `task`'s slice of the round's proposals.
    pub fn slice(&self, task: u64) -> Range<u64> {
        let r = Shard {
            index: task,
            count: self.tasks,
        }
        .range(self.end - self.start);
        self.start + r.start..self.start + r.end
    }

    /// `--generation T --proposals A..B`: what every task of the round adds
    /// to the calibration's command line (each then adds its `--shard K/N`).
    pub fn push_args(&self, args: &mut Vec<String>) {
        crate::run::command::push_flag(args, "--generation", self.generation);
        crate::run::command::push_flag(
            args,
            "--proposals",
            format!("{}..{}", self.start, self.end),
        );
    }

    /// The round of `--generation T --proposals A..B --shard K/N`, and K;
    /// refused when the shard has no proposals.
    pub fn of_task(
        generation: u32,
        proposals: Range<u64>,
        shard: Shard,
    ) -> Result<(Round, u64), String> {
        if shard.count > proposals.end - proposals.start {
            return Err(format!(
                "--shard {shard}: {} proposals cannot be split into {} slices",
                proposals.end - proposals.start,
                shard.count
            ));
        }
        Ok((
            Round {
                generation,
                start: proposals.start,
                end: proposals.end,
                tasks: shard.count,
            },
            shard.index,
        ))
    }

    /// The tasks whose part is not in `parts` (no file of its name; the
    /// reduce checks contents).
    pub fn missing(&self, parts: &Path) -> Vec<u64> {
        (0..self.tasks)
            .filter(|&k| !part_path(parts, self.generation, &self.slice(k)).is_file())
            .collect()
    }
}

/// Reads `A..B` (A < B): a range of proposal numbers.
pub fn parse_proposals(text: &str) -> Result<Range<u64>, String> {
    let bad = || format!("{text:?}: write A..B, proposal numbers with A < B (e.g. 0..200)");
    let (a, b) = text.split_once("..").ok_or_else(bad)?;
    let a: u64 = a.trim().parse().map_err(|_| bad())?;
    let b: u64 = b.trim().parse().map_err(|_| bad())?;
    if a >= b {
        return Err(bad());
    }
    Ok(a..b)
}

/// `DIR/gen-T-proposals-A-B.esc`: the part of proposals `range` of generation `generation`.
pub fn part_path(parts: &Path, generation: u32, range: &Range<u64>) -> PathBuf {
    parts.join(format!(
        "gen-{generation}-proposals-{}-{}.esc",
        range.start, range.end
    ))
}

/// The generation and range a part file's name says, if it is one.
fn parse_part_name(name: &str) -> Option<(u32, Range<u64>)> {
    let rest = name.strip_prefix("gen-")?.strip_suffix(".esc")?;
    let (generation, rest) = rest.split_once("-proposals-")?;
    let (a, b) = rest.split_once('-')?;
    let (a, b): (u64, u64) = (a.parse().ok()?, b.parse().ok()?);
    (a < b).then_some((generation.parse().ok()?, a..b))
}

/// One proposal's result in a part.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Simulated {
    /// Its parameters.
    #[serde(with = "exact::vec")]
    pub theta: Vec<f64>,
    /// Its distance; None when it lies outside the priors' support (not simulated).
    #[serde(with = "exact::option")]
    pub distance: Option<f64>,
}

/// A slice of a generation's proposals, simulated: one array task's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProposalPart {
    /// Always [`FORMAT`].
    pub format: String,
    /// [`FORMAT_VERSION`] when written by this build.
    pub format_version: u32,
    /// The escalate version that wrote it.
    pub escalate_version: String,
    /// The calibration's fingerprint (SHA-256 of its identity).
    pub fingerprint: String,
    /// The generation.
    pub generation: u32,
    /// The first proposal.
    pub start: u64,
    /// One past the last.
    pub end: u64,
    /// One result per proposal, in order.
    pub proposals: Vec<Simulated>,
}

/// Proposes and simulates proposals `range` of the generation under way:
/// the work of one array task.
pub fn simulate<P: PriorDensity, S: Simulator>(
    g: &GenerationRun,
    priors: &[P],
    sim: &S,
    range: Range<u64>,
    fingerprint: &str,
) -> Result<ProposalPart, AbcError> {
    let proposals = g.propose(priors, range.clone());
    let inside: Vec<Particle> = proposals
        .iter()
        .filter(|p| p.inside)
        .map(|p| Particle {
            index: p.index,
            theta: p.theta.clone(),
        })
        .collect();
    let distances = if inside.is_empty() {
        Vec::new()
    } else {
        sim.distances(g.generation(), &inside)
    };
    if distances.len() != inside.len() {
        return Err(AbcError::Distances {
            expected: inside.len(),
            got: distances.len(),
        });
    }
    let mut d = distances.into_iter();
    Ok(ProposalPart {
        format: FORMAT.into(),
        format_version: FORMAT_VERSION,
        escalate_version: VERSION.into(),
        fingerprint: fingerprint.into(),
        generation: g.generation(),
        start: range.start,
        end: range.end,
        proposals: proposals
            .into_iter()
            .map(|p| Simulated {
                distance: if p.inside { d.next() } else { None },
                theta: p.theta,
            })
            .collect(),
    })
}

impl ProposalPart {
    /// The file's bytes: the envelope's header line, then the JSON payload.
    pub fn encode(&self) -> Vec<u8> {
        let mut payload = serde_json::to_vec(self).expect("parts serialize");
        payload.push(b'\n');
        PART_ENVELOPE.seal(&payload)
    }

    /// Writes the part into `parts` under its name, atomically and durably.
    pub fn write(&self, parts: &Path) -> Result<PathBuf, WriteError> {
        let path = part_path(parts, self.generation, &(self.start..self.end));
        crate::io::write_durable(&path, &self.encode())?;
        Ok(path)
    }

    /// Reads and checks a part file (its envelope and that its fields agree).
    pub fn read(path: &Path) -> Result<ProposalPart, PartError> {
        let bytes = crate::io::read_capped(path, crate::io::DATA_LIMIT).map_err(|source| {
            PartError::Read {
                path: path.to_path_buf(),
                source,
            }
        })?;
        let corrupt = |reason: String| PartError::Corrupt {
            path: path.to_path_buf(),
            reason,
        };
        let payload = PART_ENVELOPE.open(&bytes).map_err(|e| match e {
            EnvelopeError::OtherKind { .. } => corrupt(format!("it is not an {FORMAT} file")),
            e => corrupt(e.to_string()),
        })?;
        let part: ProposalPart = serde_json::from_slice(payload)
            .map_err(|e| corrupt(format!("its data cannot be read: {e}")))?;
        if part.format != FORMAT || part.format_version != FORMAT_VERSION {
            return Err(corrupt(format!(
                "its data says format `{} v{}`, its header `{FORMAT} v{FORMAT_VERSION}`",
                part.format, part.format_version
            )));
        }
        if part.start >= part.end || part.proposals.len() as u64 != part.end - part.start {
            return Err(corrupt(format!(
                "it covers proposals {}..{} but holds {} results",
                part.start,
                part.end,
                part.proposals.len()
            )));
        }
        Ok(part)
    }
}

/// Why a generation's parts cannot be reduced.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum PartError {
    /// The parts directory or a part cannot be read.
    #[error("cannot read {}: {source}", path.display())]
    #[diagnostic(
        code(escalate::calibrate::part_read),
        help("check that the study directory is there and readable")
    )]
    Read {
        /// The file or directory.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A damaged part, or one that does not belong to this calibration.
    #[error("{} is corrupt: {reason}; nothing was written", path.display())]
    #[diagnostic(
        code(escalate::calibrate::part_corrupt),
        help(
            "delete it and run the same command again: its task runs again (with --submit) or the command prints the sbatch line that runs it"
        )
    )]
    Corrupt {
        /// The part.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// Two parts of one generation cover the same proposals.
    #[error(
        "{} and {} overlap (both hold proposal {proposal} of generation {generation}); nothing was written",
        path.display(),
        other.display()
    )]
    #[diagnostic(
        code(escalate::calibrate::part_overlap),
        help("the parts come from two different round plans: delete one of them")
    )]
    Overlap {
        /// The later part.
        path: PathBuf,
        /// The part it overlaps.
        other: PathBuf,
        /// The generation.
        generation: u32,
        /// The first proposal both hold.
        proposal: u64,
    },
    /// The algorithm refused the parts' results.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Abc(#[from] AbcError),
}

/// What [`reduce`] did.
#[derive(Debug, Clone, PartialEq)]
pub enum Reduced {
    /// A generation finished, or the calibration stopped (recorded in the state).
    Progress(Progress),
    /// The generation under way needs proposals from `Need::from` on.
    Need(Need),
}

/// Reduces the next generation of `state` from the parts in `parts`: the
/// generation is started again from the state and fed every part from
/// proposal 0, in order, until its N-th acceptance, its cap, or the first
/// proposal no part holds. A finished generation (or a stop) is recorded in
/// `state`, as [`super::abc::step`] records it; otherwise the state is left
/// as it was and the answer says where the next round starts.
pub fn reduce<P: PriorDensity>(
    state: &mut AbcState,
    priors: &[P],
    parts: &Path,
    fingerprint: &str,
) -> Result<Reduced, PartError> {
    let finished = match GenerationRun::begin(state, priors)? {
        Begin::Stop(s) => return Ok(Reduced::Progress(state.stop(s))),
        Begin::Run(mut g) => {
            feed(&mut g, priors, parts, fingerprint)?;
            if !g.is_done() && g.decided() < g.cap() {
                return Ok(Reduced::Need(Need {
                    generation: g.generation(),
                    from: g.decided(),
                    cap: g.cap(),
                    particles: g.particles(),
                    accepted: g.accepted(),
                    previous_rate: g.previous().map(|p| p.acceptance_rate),
                }));
            }
            g.finish(priors)?
        }
    };
    Ok(Reduced::Progress(state.apply(finished)))
}

/// The part files of `generation` in `parts`, by their names' ranges in order
/// (files only: a directory in a part's place is no part).
fn parts_of(parts: &Path, generation: u32) -> Result<Vec<(Range<u64>, PathBuf)>, PartError> {
    let entries = match std::fs::read_dir(parts) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => {
            return Err(PartError::Read {
                path: parts.to_path_buf(),
                source,
            });
        }
    };
    let mut found = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|source| PartError::Read {
            path: parts.to_path_buf(),
            source,
        })?;
        let name = entry.file_name();
        if let Some((g, range)) = name.to_str().and_then(parse_part_name)
            && g == generation
            && entry.path().is_file()
        {
            found.push((range, entry.path()));
        }
    }
    found.sort_by_key(|(r, _)| (r.start, r.end));
    Ok(found)
}

/// Feeds `g` the parts of its generation, in proposal order from its first
/// undecided proposal, checking each; stops at the first gap.
fn feed<P: PriorDensity>(
    g: &mut GenerationRun,
    priors: &[P],
    parts: &Path,
    fingerprint: &str,
) -> Result<(), PartError> {
    let mut previous: Option<PathBuf> = None;
    for (range, path) in parts_of(parts, g.generation())? {
        if g.is_done() || g.decided() >= g.cap() || range.start > g.decided() {
            break;
        }
        if range.start < g.decided() {
            return Err(PartError::Overlap {
                path,
                other: previous.unwrap_or_default(),
                generation: g.generation(),
                proposal: range.start,
            });
        }
        let part = ProposalPart::read(&path)?;
        let corrupt = |reason: String| PartError::Corrupt {
            path: path.clone(),
            reason,
        };
        if part.escalate_version != VERSION {
            return Err(corrupt(format!(
                "it was written by escalate {}; this is escalate {VERSION}",
                part.escalate_version
            )));
        }
        if part.fingerprint != fingerprint {
            return Err(corrupt(
                "it is a part of another calibration (its fingerprint differs)".into(),
            ));
        }
        if (part.generation, part.start..part.end) != (g.generation(), range.clone()) {
            return Err(corrupt(format!(
                "it holds proposals {}..{} of generation {}, not what its name says",
                part.start, part.end, part.generation
            )));
        }
        if range.end > g.cap() {
            return Err(corrupt(format!(
                "it reaches proposal {}, past the generation's cap of {}",
                range.end - 1,
                g.cap()
            )));
        }
        let proposals: Vec<Proposal> = g.propose(priors, range.clone());
        let mut distances = Vec::with_capacity(proposals.len());
        for (p, s) in proposals.iter().zip(&part.proposals) {
            let same = p.theta.len() == s.theta.len()
                && p.theta
                    .iter()
                    .zip(&s.theta)
                    .all(|(a, b)| a.to_bits() == b.to_bits());
            if !same || p.inside != s.distance.is_some() {
                return Err(corrupt(format!(
                    "proposal {} is not the one this checkpoint makes",
                    p.index
                )));
            }
            distances.extend(s.distance);
        }
        g.record(&proposals, &distances)?;
        previous = Some(path);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn need(from: u64, accepted: usize, rate: Option<f64>) -> Need {
        Need {
            generation: 1,
            from,
            cap: 10_000,
            particles: 100,
            accepted,
            previous_rate: rate,
        }
    }

    /// P(Binomial(r, p) >= k), summed exactly.
    fn at_least(k: u64, r: u64, p: f64) -> f64 {
        let mut below = 0.0;
        let mut term = (1.0 - p).powi(r as i32); // P(X = 0)
        for j in 0..k {
            below += term;
            term *= (r - j) as f64 / (j + 1) as f64 * p / (1.0 - p);
        }
        1.0 - below
    }

    #[test]
    fn rounds_bring_the_particles_needed_with_high_probability_and_split_like_shards() {
        // Generation 0: a rate of 1, exactly the particles needed.
        let r = Round::plan(&need(0, 0, None), 3);
        assert_eq!((r.start, r.end, r.tasks), (0, 100, 3));
        for particles in [30, 200, 1000, 4096] {
            let n = Need {
                particles,
                ..need(0, 0, None)
            };
            assert_eq!(Round::plan(&n, 3).end, particles as u64);
        }
        assert_eq!(
            [r.slice(0), r.slice(1), r.slice(2)],
            [0..33, 33..66, 66..100]
        );
        // At the estimated rate, the round is the smallest that brings the
        // particles still needed with probability about 98% (z = 2), checked
        // against the exact binomial tail.
        for (from, accepted, rate) in [(0, 0, 0.25), (400, 60, 0.25), (0, 99, 0.3), (50, 1, 0.5)] {
            let n = need(from, accepted, Some(rate));
            let r = Round::plan(&n, 1);
            let p = if from == 0 {
                rate
            } else {
                (accepted as f64 + 1.0) / (from as f64 + 2.0)
            };
            let k = (100 - accepted) as u64;
            let len = r.end - r.start;
            assert_eq!(r.start, from);
            let got = at_least(k, len, p);
            assert!(
                (0.97..0.999).contains(&got),
                "{n:?}: {len} proposals bring {k} with probability {got}"
            );
            assert!(len as f64 > k as f64 / p, "{n:?}: {len} is under the mean");
        }
        // Never past the cap, never an empty slice.
        let mut n = need(9_998, 99, Some(0.01));
        let r = Round::plan(&n, 8);
        assert_eq!((r.end, r.tasks), (10_000, 2));
        // One particle short at a rate of 1: one proposal, raised to one per task.
        n.from = 0;
        n.previous_rate = Some(1.0);
        let r = Round::plan(&n, 8);
        assert_eq!((r.start, r.end, r.tasks), (0, 8, 8));
    }

    #[test]
    fn part_names_and_proposal_ranges_read_back() {
        let p = part_path(Path::new("d"), 3, &(10..25));
        assert_eq!(p, Path::new("d/gen-3-proposals-10-25.esc"));
        assert_eq!(
            parse_part_name("gen-3-proposals-10-25.esc"),
            Some((3, 10..25))
        );
        for bad in [
            "gen-3-proposals-25-10.esc",
            "gen-3-proposals-10-25.esc.tmp",
            ".gen-3-proposals-10-25.esc.x.tmp",
            "gen-x-proposals-1-2.esc",
        ] {
            assert_eq!(parse_part_name(bad), None, "{bad}");
        }
        assert_eq!(parse_proposals("0..200"), Ok(0..200));
        assert!(parse_proposals("5..5").is_err());
        assert!(parse_proposals("5-9").is_err());
        let r = Round {
            generation: 2,
            start: 7,
            end: 19,
            tasks: 3,
        };
        let mut a = Vec::new();
        r.push_args(&mut a);
        assert_eq!(a, ["--generation", "2", "--proposals", "7..19"]);
        let (back, k) = Round::of_task(2, 7..19, Shard::new(1, 3).unwrap()).unwrap();
        assert_eq!((back, k), (r, 1));
        assert!(Round::of_task(2, 7..9, Shard::new(0, 3).unwrap()).is_err());
    }
}
