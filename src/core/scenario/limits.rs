//! The arithmetic limits of a scenario: the largest value of each kind of
//! parameter, and of the counts of rules and events, within which every
//! count, sum and duration the engine computes fits its type exactly.
//!
//! Validation refuses a value past its limit, naming it
//! ([`super::paths::Range`]); docs/scenario-format.md (Ranges) has the table.
//! The bound they add up to, for the largest metric (total deaths):
//!
//! - a group's fighters are at most [`FIGHTERS`] (the engine caps them there:
//!   growth saturates at the cap, which `fighters_end` then reads), so its
//!   daily Poisson mean of attacks is at most `FIGHTERS * ATTACK_RATE / 1000 =
//!   1e8` (every other factor is at most 1), and of deaths per category at
//!   most `1e8 * DEATHS_PER_ATTACK = 1e12`;
//! - a lever use kills at most three Poisson draws of mean at most
//!   [`DEATHS_PER_USE`]; a day has at most [`ACTING`] rule firings and events,
//!   plus one ceasefire per group;
//! - over at most 36,500 days that is under `36,500 * (3 * 1.01e12 + 65,535 *
//!   3.1e6) < 1.2e17` deaths, a hundredth of `u64::MAX` (1.8e19), and every
//!   Poisson mean stays far below the 1.8e19 `rand_distr` can draw.
//!
//! Trade lost is at most `36,500 * 65,535 dyads * TRADE_PER_DAY < 2.4e18`;
//! deportations at most the refugees hosted; durations are at most [`DAYS`],
//! so a programme's end day fits an `i64` exactly.

/// The most fighters an armed group has: its `fighters`, a proxy's
/// `fighters`, and the engine's cap on a group's strength as it grows.
pub const FIGHTERS: f64 = 1e8;

/// The most attacks per day per 1,000 fighters (`attack_rate`): one attack
/// per fighter per day.
pub const ATTACK_RATE: f64 = 1000.0;

/// The largest mean of deaths per attack (`casualties.*`, an event attack's
/// `civilian` and `security`).
pub const DEATHS_PER_ATTACK: f64 = 1e4;

/// The largest mean of deaths per use of a lever (`militants_killed`,
/// `civilians_killed`, `security_lost`, `security_killed`, `own_losses`).
pub const DEATHS_PER_USE: f64 = 1e6;

/// The most people in a refugee stock or deported per day (`refugees`,
/// `per_day` of a deportation): above the world's population.
pub const PEOPLE: f64 = 1e10;

/// The longest duration of a programme, in days (talks, ceasefires,
/// deportations, closures): longer than any horizon (36,500 days).
pub const DAYS: f64 = 1e6;

/// The most trade a closure loses per day, thousands of US dollars
/// (`trade_per_day`): 10^12 dollars a day, above the world's output.
pub const TRADE_PER_DAY: f64 = 1e9;

/// The largest economy index, and the largest change of it one lever use or
/// day of closure makes (1 is the pre-crisis level).
pub const ECONOMY: f64 = 1e6;

/// The most doctrine rules (with those any one policy adds) and events
/// together: what a day's lever uses are bounded by, and what the trace's
/// 16-bit rule and event numbers hold.
pub const ACTING: usize = u16::MAX as usize;
