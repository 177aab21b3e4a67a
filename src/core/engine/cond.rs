//! Doctrine conditions compiled to closures: what [`Trial`] asks every day
//! of every rule off cooldown.
//!
//! The model keeps a condition as a flat tree ([`CondM`]); walking it each
//! day meant a match per node, a look-up of the node and of its children
//! and of the model's sizes. [`compile`] turns each rule's tree into nested
//! closures once per `Trial` (outside the day loop), each capturing the
//! indices and strides it reads, so a day's evaluation is straight calls.
//! Conditions read the trial's state and never change it, so the value is the
//! tree's; `All` and `Any` keep their file order and short-circuit as before.

use super::Trial;
use crate::core::model::{CondM, Model};

/// A compiled condition: whether it holds on day `t` of a trial.
pub(super) type Cond = Box<dyn Fn(&Trial<'_>, usize) -> bool + Send + Sync>;

/// Sum over the trailing `window` days (including today) of a prefix-sum
/// series laid out day-major with `stride` entries a day.
#[inline(always)]
fn window(series: &[u64], stride: usize, s: usize, t: usize, window: u32) -> u64 {
    let end = t + 1;
    let start = end.saturating_sub(window as usize);
    series[end * stride + s] - series[start * stride + s]
}

/// Compiles condition node `c` of `model` (and its subtree).
pub(super) fn compile(model: &Model, c: u32) -> Cond {
    let children = |start: u32, len: u32| -> Vec<Cond> {
        model.cond_children[start as usize..(start + len) as usize]
            .iter()
            .map(|&k| compile(model, k))
            .collect()
    };
    let cas_stride = 4 * model.actors.len();
    let groups = model.groups.len();
    let levers = model.levers.len();
    match model.conds[c as usize] {
        CondM::Always => Box::new(|_, _| true),
        CondM::All { start, len } => match <[Cond; 2]>::try_from(children(start, len)) {
            Ok([a, b]) => Box::new(move |s, t| a(s, t) && b(s, t)),
            Err(kids) => Box::new(move |s, t| kids.iter().all(|k| k(s, t))),
        },
        CondM::Any { start, len } => match <[Cond; 2]>::try_from(children(start, len)) {
            Ok([a, b]) => Box::new(move |s, t| a(s, t) || b(s, t)),
            Err(kids) => Box::new(move |s, t| kids.iter().any(|k| k(s, t))),
        },
        CondM::Not(k) => {
            let inner = compile(model, k);
            Box::new(move |s, t| !inner(s, t))
        }
        CondM::Casualties {
            actor,
            cat,
            window: w,
            at_least,
        } => {
            let series = actor as usize * 4 + cat as usize;
            let at_least = at_least as usize;
            Box::new(move |s, t| window(&s.cas, cas_stride, series, t, w) as f64 >= s.v[at_least])
        }
        CondM::Attacks {
            group,
            window: w,
            at_least,
        } => {
            let (group, at_least) = (group as usize, at_least as usize);
            Box::new(move |s, t| {
                window(&s.attacks_cum, groups, group, t, w) as f64 >= s.v[at_least]
            })
        }
        CondM::RungAtLeast { dyad, rung } => {
            let dyad = dyad as usize;
            Box::new(move |s, _| s.rung[dyad] >= rung)
        }
        CondM::TensionAtLeast { dyad, value } => {
            let (dyad, value) = (dyad as usize, value as usize);
            Box::new(move |s, _| s.tension[dyad] >= s.v[value])
        }
        CondM::DayAtLeast(d) => {
            let d = d as usize;
            Box::new(move |_, t| t >= d)
        }
        CondM::EconomyBelow { actor, value } => {
            let (actor, value) = (actor as usize, value as usize);
            Box::new(move |s, _| s.economy[actor] < s.v[value])
        }
        CondM::RefugeesAtLeast { actor, value } => {
            let (actor, value) = (actor as usize, value as usize);
            Box::new(move |s, _| s.refugees[actor] >= s.v[value])
        }
        CondM::PressureAtLeast { actor, value } => {
            let (actor, value) = (actor as usize, value as usize);
            Box::new(move |s, _| s.pressure[actor] >= s.v[value])
        }
        CondM::LeverUsed {
            actor,
            lever,
            within,
        } => {
            let used = actor as usize * levers + lever as usize;
            Box::new(move |s, t| t as i64 - s.lever_used[used] < within as i64)
        }
        CondM::Truce(g) => {
            let g = g as usize;
            Box::new(move |s, t| s.talks_until[g] > t as i64 || s.cf_until[g] > t as i64)
        }
    }
}
