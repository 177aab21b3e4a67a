//! Doctrine conditions and when they are asked: rules that wake on what they
//! read.
//!
//! [`Rules::new`] flattens every rule's condition tree ([`CondM`]) once per
//! `Trial` (outside the day loop) into nodes that hold the indices and
//! strides they read. Asking a condition ([`Rules::verdict`]) gives its
//! value and, with it, how long that value is sure to last: until a day
//! (a `DayAtLeast` reached, a `LeverUsed` or `Truce` window running out, a
//! trailing window that holds losing enough of its oldest days)
//! unless one of a set of *inputs* changes first (a rung, a tension, an
//! economy, refugees, pressure, a lever's last use, a truce's end, or a
//! trailing window's running total reaching the level that could make it
//! hold). `All` and `Any` keep their file order and short-circuit as before;
//! the child that decided the value is the one whose inputs are watched.
//!
//! [`Rules::decide`] then asks a rule only on the days its answer may have
//! changed: the day its cooldown ends, the day its value could change by time
//! alone, or the day (or later the same day, after another rule fired) one of
//! its watched inputs changed. A rule whose condition holds is asked again
//! the next day (it draws its dice every day it holds off cooldown). The rules
//! are still visited in file order within the day, and a rule's dice come from
//! its own stream and are drawn only when its condition holds off cooldown, so
//! skipping an evaluation whose answer is known moves no draw: the results are
//! those of asking every rule off cooldown every day, which
//! [`Rules::poll_every_rule`] restores for the tests that hold the two equal.
//!
//! Why it is exact: a condition reads only the trial's state, its constant
//! parameters and the day, and changes nothing. While the inputs a verdict
//! names keep the values they had when it was given, the deciding child keeps
//! its value until the verdict's day (each leaf's bound is in
//! [`Rules::verdict`]), and so does the whole condition. The inputs are looked
//! at before the day's first rule and after every rule that fires (the only
//! state changes within the phase), so a change is seen before any later rule
//! is asked.

use super::Trial;
use crate::core::model::{CondM, Model};

/// A day later than any horizon: "no change by time alone".
const NEVER_CHANGES: i64 = i64::MAX;

/// Which prefix-sum series a trailing window reads.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Series {
    /// `Trial::cas`, `4 * actors` entries a day.
    Casualties,
    /// `Trial::attacks_cum`, one entry per group a day.
    Attacks,
}

/// A piece of the trial's state a condition reads, looked at for changes.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Input {
    /// A dyad's rung.
    Rung(usize),
    /// A dyad's tension.
    Tension(usize),
    /// An actor's economy index.
    Economy(usize),
    /// An actor's refugee count.
    Refugees(usize),
    /// An actor's domestic pressure.
    Pressure(usize),
    /// The last day a lever was used by an actor (`actor * levers + lever`).
    LeverUsed(usize),
    /// The day a group's talks end.
    Talks(usize),
    /// The day a group's ceasefire ends.
    Ceasefire(usize),
    /// The running total of one trailing window's series (one input per
    /// window leaf): it changes, as far as the leaf is concerned, when the
    /// total reaches the level its last verdict recorded.
    Total {
        series: Series,
        index: usize,
        stride: usize,
    },
}

/// A condition node with the indices it reads.
#[derive(Debug, Clone, Copy)]
enum Node {
    Always,
    /// Children are `Rules::kids[start..start + len]`.
    All {
        start: u32,
        len: u32,
    },
    Any {
        start: u32,
        len: u32,
    },
    Not(u32),
    /// The sum over the trailing `window` days (including today) of one
    /// series is at least parameter `at_least`.
    Window {
        input: u32,
        series: Series,
        index: usize,
        stride: usize,
        window: u32,
        at_least: usize,
    },
    RungAtLeast {
        input: u32,
        dyad: usize,
        rung: u8,
    },
    TensionAtLeast {
        input: u32,
        dyad: usize,
        value: usize,
    },
    DayAtLeast(i64),
    EconomyBelow {
        input: u32,
        actor: usize,
        value: usize,
    },
    RefugeesAtLeast {
        input: u32,
        actor: usize,
        value: usize,
    },
    PressureAtLeast {
        input: u32,
        actor: usize,
        value: usize,
    },
    LeverUsed {
        input: u32,
        used: usize,
        within: i64,
    },
    Truce {
        talks: u32,
        ceasefire: u32,
        group: usize,
    },
}

/// A condition's value on a day and how long it is sure to last.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Verdict {
    /// Whether the condition holds.
    pub holds: bool,
    /// The first day the value may change with every watched input unchanged.
    pub until: i64,
    /// The inputs (bit `i` for input `i`, bit 63 for input 63 and above)
    /// whose change may change the value.
    pub watch: u64,
}

impl Verdict {
    /// A value that lasts while `watch` does not change.
    fn lasting(holds: bool, watch: u64) -> Self {
        Verdict {
            holds,
            until: NEVER_CHANGES,
            watch,
        }
    }
}

/// The bit standing for input `i` in a watch set (inputs 63 and above share
/// the last bit: a change to any of them wakes every rule watching one).
#[inline(always)]
fn bit(i: u32) -> u64 {
    1 << i.min(63)
}

/// Sum over the trailing `window` days (including today) of a prefix-sum
/// series laid out day-major with `stride` entries a day, and the running
/// total it ends at.
#[inline(always)]
fn window(series: &[u64], stride: usize, s: usize, t: usize, window: u32) -> (u64, u64) {
    let end = t + 1;
    let start = end.saturating_sub(window as usize);
    let total = series[end * stride + s];
    (total - series[start * stride + s], total)
}

/// How many more deaths (or attacks) a trailing window whose sum is `sum`,
/// short of `at_least`, needs before it could hold: a `d >= 1` such that
/// `(sum + e) as f64 < at_least` for every `e < d`. While the series' running
/// total has grown by less than `d`, the window's sum is at most `sum` plus
/// that growth (its oldest days only drop out), so it stays short.
///
/// Exact bound: with `sum` and the gap below 2^52 the integers involved are
/// exact in `f64` and the subtraction errs by at most half a unit, so one
/// unit of margin (and a second for the strict comparison) is rigorous;
/// anything else (NaN, huge or infinite levels) gets the safe answer 1.
pub(super) fn window_gap(sum: u64, at_least: f64) -> u64 {
    const EXACT: f64 = (1u64 << 52) as f64;
    let need = at_least - sum as f64;
    // `(3.0..EXACT).contains` is false for NaN as well.
    if sum >= 1 << 52 || !(3.0..EXACT).contains(&need) || need == 3.0 {
        return 1;
    }
    need as u64 - 1
}

/// Every rule's condition, flattened, and what each rule waits for.
#[derive(Default)]
pub(super) struct Rules {
    /// Every rule's nodes, each tree's children before it.
    nodes: Vec<Node>,
    /// Children of `All` and `Any` nodes, in file order.
    kids: Vec<u32>,
    /// Each rule's root node.
    roots: Vec<u32>,
    /// What the leaves read: one entry per distinct piece of state, one per
    /// window leaf.
    inputs: Vec<Input>,
    /// Per input: the bits it had when last looked at, or for a window's
    /// total, the total at which its leaf may change.
    seen: Vec<u64>,
    /// Per rule: the first day it must be asked again, whatever its inputs do
    /// (never before its cooldown ends).
    next: Vec<i64>,
    /// Per rule: the inputs whose change wakes it earlier.
    watch: Vec<u64>,
    /// Per rule whose condition held when last asked: the day before which
    /// it is sure to hold still unless woken (`i64::MIN` otherwise), so its
    /// dice are drawn without asking again.
    held_until: Vec<i64>,
    /// The union of every rule's watch set (what is looked at).
    watched: u64,
    /// Ask every rule off cooldown every day (the reference the tests hold
    /// the waking equal to).
    poll_every_rule: bool,
}

impl Rules {
    /// Flattens every rule's condition of `model`.
    pub(super) fn new(model: &Model) -> Self {
        let mut rules = Rules::default();
        for r in &model.rules {
            let root = rules.compile(model, r.cond);
            rules.roots.push(root);
        }
        rules.seen = vec![0; rules.inputs.len()];
        rules.next = vec![0; model.rules.len()];
        rules.watch = vec![0; model.rules.len()];
        rules.held_until = vec![i64::MIN; model.rules.len()];
        rules
    }

    /// Asks every rule off cooldown every day from now on (`true`), or only
    /// on the days its answer may have changed (`false`, the default): the
    /// results are the same, which tests hold.
    pub(super) fn poll_every_rule(&mut self, on: bool) {
        self.poll_every_rule = on;
    }

    /// The index of input `input`: the existing one for the same state,
    /// except for windows (each window leaf waits for a level of its own).
    fn input(&mut self, input: Input) -> u32 {
        let shared = !matches!(input, Input::Total { .. });
        let at = match self.inputs.iter().position(|&i| shared && i == input) {
            Some(at) => at,
            None => {
                self.inputs.push(input);
                self.inputs.len() - 1
            }
        };
        // At most one input per condition node, and the model indexes those by u32.
        at as u32
    }

    /// Flattens condition node `c` of `model` (and its subtree); returns its
    /// node index.
    fn compile(&mut self, model: &Model, c: u32) -> u32 {
        let children = |rules: &mut Self, start: u32, len: u32| -> (u32, u32) {
            let kids: Vec<u32> = model.cond_children[start as usize..(start + len) as usize]
                .iter()
                .map(|&k| rules.compile(model, k))
                .collect();
            let at = rules.kids.len() as u32;
            rules.kids.extend(kids);
            (at, len)
        };
        let cas_stride = 4 * model.actors.len();
        let groups = model.groups.len();
        let levers = model.levers.len();
        let node = match model.conds[c as usize] {
            CondM::Always => Node::Always,
            CondM::All { start, len } => {
                let (start, len) = children(self, start, len);
                Node::All { start, len }
            }
            CondM::Any { start, len } => {
                let (start, len) = children(self, start, len);
                Node::Any { start, len }
            }
            CondM::Not(k) => Node::Not(self.compile(model, k)),
            CondM::Casualties {
                actor,
                cat,
                window,
                at_least,
            } => {
                let (series, index, stride) = (
                    Series::Casualties,
                    actor as usize * 4 + cat as usize,
                    cas_stride,
                );
                Node::Window {
                    input: self.input(Input::Total {
                        series,
                        index,
                        stride,
                    }),
                    series,
                    index,
                    stride,
                    window,
                    at_least: at_least as usize,
                }
            }
            CondM::Attacks {
                group,
                window,
                at_least,
            } => {
                let (series, index, stride) = (Series::Attacks, group as usize, groups);
                Node::Window {
                    input: self.input(Input::Total {
                        series,
                        index,
                        stride,
                    }),
                    series,
                    index,
                    stride,
                    window,
                    at_least: at_least as usize,
                }
            }
            CondM::RungAtLeast { dyad, rung } => Node::RungAtLeast {
                input: self.input(Input::Rung(dyad as usize)),
                dyad: dyad as usize,
                rung,
            },
            CondM::TensionAtLeast { dyad, value } => Node::TensionAtLeast {
                input: self.input(Input::Tension(dyad as usize)),
                dyad: dyad as usize,
                value: value as usize,
            },
            CondM::DayAtLeast(d) => Node::DayAtLeast(d as i64),
            CondM::EconomyBelow { actor, value } => Node::EconomyBelow {
                input: self.input(Input::Economy(actor as usize)),
                actor: actor as usize,
                value: value as usize,
            },
            CondM::RefugeesAtLeast { actor, value } => Node::RefugeesAtLeast {
                input: self.input(Input::Refugees(actor as usize)),
                actor: actor as usize,
                value: value as usize,
            },
            CondM::PressureAtLeast { actor, value } => Node::PressureAtLeast {
                input: self.input(Input::Pressure(actor as usize)),
                actor: actor as usize,
                value: value as usize,
            },
            CondM::LeverUsed {
                actor,
                lever,
                within,
            } => {
                let used = actor as usize * levers + lever as usize;
                Node::LeverUsed {
                    input: self.input(Input::LeverUsed(used)),
                    used,
                    within: within as i64,
                }
            }
            CondM::Truce(g) => Node::Truce {
                talks: self.input(Input::Talks(g as usize)),
                ceasefire: self.input(Input::Ceasefire(g as usize)),
                group: g as usize,
            },
        };
        self.nodes.push(node);
        (self.nodes.len() - 1) as u32
    }

    /// The series a window reads.
    #[inline(always)]
    fn series<'a>(s: &'a Trial<'_>, series: Series) -> &'a [u64] {
        match series {
            Series::Casualties => &s.cas,
            Series::Attacks => &s.attacks_cum,
        }
    }

    /// Input `i`'s state now, as bits (a window's total on day `t`).
    #[inline(always)]
    fn bits(&self, s: &Trial<'_>, i: usize, t: usize) -> u64 {
        match self.inputs[i] {
            Input::Rung(d) => s.rung[d] as u64,
            Input::Tension(d) => s.tension[d].to_bits(),
            Input::Economy(a) => s.economy[a].to_bits(),
            Input::Refugees(a) => s.refugees[a].to_bits(),
            Input::Pressure(a) => s.pressure[a].to_bits(),
            Input::LeverUsed(u) => s.lever_used[u] as u64,
            Input::Talks(g) => s.talks_until[g] as u64,
            Input::Ceasefire(g) => s.cf_until[g] as u64,
            Input::Total {
                series,
                index,
                stride,
            } => Self::series(s, series)[(t + 1) * stride + index],
        }
    }

    /// Condition node `n` on day `t` of trial `s`, with how long its value
    /// lasts; records what each leaf it asks reads, to look for changes.
    fn verdict(&mut self, s: &Trial<'_>, n: u32, t: usize) -> Verdict {
        let ti = t as i64;
        let node = self.nodes[n as usize];
        match node {
            Node::Always => Verdict::lasting(true, 0),
            Node::All { start, len } => {
                // All hold: true until the first child may change. One does
                // not: false while that one stays false.
                let mut all = Verdict::lasting(true, 0);
                for k in start..start + len {
                    let v = self.verdict(s, self.kids[k as usize], t);
                    if !v.holds {
                        return v;
                    }
                    all.until = all.until.min(v.until);
                    all.watch |= v.watch;
                }
                all
            }
            Node::Any { start, len } => {
                let mut none = Verdict::lasting(false, 0);
                for k in start..start + len {
                    let v = self.verdict(s, self.kids[k as usize], t);
                    if v.holds {
                        return v;
                    }
                    none.until = none.until.min(v.until);
                    none.watch |= v.watch;
                }
                none
            }
            Node::Not(k) => {
                let v = self.verdict(s, k, t);
                Verdict {
                    holds: !v.holds,
                    ..v
                }
            }
            Node::Window {
                input,
                series,
                index,
                stride,
                window: w,
                at_least,
            } => {
                let rows = Self::series(s, series);
                let (sum, total) = window(rows, stride, index, t, w);
                let level = s.v[at_least];
                let holds = sum as f64 >= level;
                if holds {
                    // More deaths only raise the sum: it holds until its
                    // oldest days drop out far enough, whatever happens, so
                    // nothing is watched. On day t + d its sum is at least
                    // today's total less the row its window starts at (past
                    // rows for d < w; the bound is 0 at d = w).
                    let mut until = NEVER_CHANGES;
                    for d in 1..=w as usize {
                        let start = (t + d + 1).saturating_sub(w as usize);
                        if ((total - rows[start * stride + index]) as f64) < level {
                            until = ti + d as i64;
                            break;
                        }
                    }
                    Verdict {
                        holds,
                        until,
                        watch: 0,
                    }
                } else {
                    // Short while the total grows by less than the gap.
                    self.seen[input as usize] = total.saturating_add(window_gap(sum, level));
                    Verdict::lasting(holds, bit(input))
                }
            }
            Node::RungAtLeast { input, dyad, rung } => {
                self.seen[input as usize] = s.rung[dyad] as u64;
                Verdict::lasting(s.rung[dyad] >= rung, bit(input))
            }
            Node::TensionAtLeast { input, dyad, value } => {
                self.seen[input as usize] = s.tension[dyad].to_bits();
                Verdict::lasting(s.tension[dyad] >= s.v[value], bit(input))
            }
            Node::DayAtLeast(d) => Verdict {
                holds: ti >= d,
                until: if ti < d { d } else { NEVER_CHANGES },
                watch: 0,
            },
            Node::EconomyBelow {
                input,
                actor,
                value,
            } => {
                self.seen[input as usize] = s.economy[actor].to_bits();
                Verdict::lasting(s.economy[actor] < s.v[value], bit(input))
            }
            Node::RefugeesAtLeast {
                input,
                actor,
                value,
            } => {
                self.seen[input as usize] = s.refugees[actor].to_bits();
                Verdict::lasting(s.refugees[actor] >= s.v[value], bit(input))
            }
            Node::PressureAtLeast {
                input,
                actor,
                value,
            } => {
                self.seen[input as usize] = s.pressure[actor].to_bits();
                Verdict::lasting(s.pressure[actor] >= s.v[value], bit(input))
            }
            Node::LeverUsed {
                input,
                used,
                within,
            } => {
                let last = s.lever_used[used];
                self.seen[input as usize] = last as u64;
                let holds = ti - last < within;
                Verdict {
                    holds,
                    // Holds until the window runs out; else until it is used.
                    until: if holds { last + within } else { NEVER_CHANGES },
                    watch: bit(input),
                }
            }
            Node::Truce {
                talks,
                ceasefire,
                group,
            } => {
                let (a, b) = (s.talks_until[group], s.cf_until[group]);
                self.seen[talks as usize] = a as u64;
                self.seen[ceasefire as usize] = b as u64;
                let holds = a > ti || b > ti;
                Verdict {
                    holds,
                    // Holds until the later of the two ends.
                    until: if holds { a.max(b) } else { NEVER_CHANGES },
                    watch: bit(talks) | bit(ceasefire),
                }
            }
        }
    }

    /// Rule `r`'s condition on day `t`.
    pub(super) fn ask(&mut self, s: &Trial<'_>, r: usize, t: usize) -> Verdict {
        self.verdict(s, self.roots[r], t)
    }

    /// Whether input `i` changed since it was last looked at (for a window,
    /// whether its total reached its level), recording what it is now.
    #[inline(always)]
    fn changed(&mut self, s: &Trial<'_>, i: usize, t: usize) -> bool {
        let now = self.bits(s, i, t);
        match self.inputs[i] {
            Input::Total { .. } if now >= self.seen[i] => {
                // Its rule is woken and will set a new level when asked.
                self.seen[i] = u64::MAX;
                true
            }
            Input::Total { .. } => false,
            _ if now != self.seen[i] => {
                self.seen[i] = now;
                true
            }
            _ => false,
        }
    }

    /// Looks at every watched input on day `t` and wakes the rules watching
    /// one that changed: each is asked on its next day off cooldown (today
    /// if its turn has not come yet). `cooldown_end(r)` is the first day rule
    /// `r` is off cooldown.
    fn look(&mut self, s: &Trial<'_>, t: usize, cooldown_end: impl Fn(usize) -> i64) {
        let mut changed = 0u64;
        let mut w = self.watched;
        while w != 0 {
            let b = w.trailing_zeros() as usize;
            w &= w - 1;
            if b < 63 {
                if self.changed(s, b, t) {
                    changed |= 1 << b;
                }
            } else {
                for i in 63..self.inputs.len() {
                    if self.changed(s, i, t) {
                        changed |= 1 << 63;
                    }
                }
            }
        }
        if changed == 0 {
            return;
        }
        let ti = t as i64;
        let mut watched = 0;
        for r in 0..self.next.len() {
            if self.watch[r] & changed != 0 {
                self.next[r] = self.next[r].min(ti.max(cooldown_end(r)));
                // Woken: it is asked then whatever else changes.
                self.watch[r] = 0;
                self.held_until[r] = i64::MIN;
            }
            watched |= self.watch[r];
        }
        self.watched = watched;
    }

    /// Forgets what every rule waited for: each is asked on day 0.
    fn start(&mut self) {
        self.next.fill(0);
        self.watch.fill(0);
        self.held_until.fill(i64::MIN);
        self.watched = 0;
    }

    /// Decides on day `t` of trial `s`: every rule in file order that is off
    /// cooldown and whose condition holds (the only rules whose dice are
    /// drawn), calling `fire(s, r)` for each, which draws the rule's dice and
    /// uses its lever if they fall; `fire` returns whether it did.
    #[inline]
    pub(super) fn decide<'m>(
        &mut self,
        s: &mut Trial<'m>,
        t: usize,
        mut fire: impl FnMut(&mut Trial<'m>, usize) -> bool,
    ) {
        let model = s.model;
        let ti = t as i64;
        let cooldown = |r: usize| model.rules[r].cooldown.max(1) as i64;
        if self.poll_every_rule {
            for r in 0..model.rules.len() {
                if ti - s.fired[r] < cooldown(r) || !self.ask(s, r, t).holds {
                    continue;
                }
                fire(s, r);
            }
            return;
        }
        if t == 0 {
            self.start();
        }
        self.look(s, t, |r| s.fired[r] + cooldown(r));
        for r in 0..model.rules.len() {
            if self.next[r] > ti {
                continue;
            }
            debug_assert!(ti - s.fired[r] >= cooldown(r), "asked on cooldown");
            if ti >= self.held_until[r] {
                let v = self.ask(s, r, t);
                self.watch[r] = v.watch;
                self.watched |= v.watch;
                if !v.holds {
                    self.held_until[r] = i64::MIN;
                    self.next[r] = v.until.max(ti + 1);
                    continue;
                }
                self.held_until[r] = v.until;
            }
            // Holds: its dice are drawn today and again tomorrow, or on the day
            // its cooldown ends if they fall (still holding then unless its
            // watched inputs change or its `held_until` passes).
            self.next[r] = ti + 1;
            if fire(s, r) {
                self.next[r] = ti + cooldown(r);
                self.look(s, t, |r| s.fired[r] + cooldown(r));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `window_gap`'s promise, checked directly: every sum below the gap
    /// stays short of the level.
    fn gap_is_safe(sum: u64, at_least: f64) {
        if sum as f64 >= at_least || at_least.is_nan() {
            return;
        }
        let d = window_gap(sum, at_least);
        assert!(d >= 1);
        for e in [0, d / 2, d.saturating_sub(2), d - 1] {
            assert!(
                (sum.saturating_add(e) as f64) < at_least,
                "sum {sum} + {e} reaches {at_least} (gap {d})"
            );
        }
    }

    #[test]
    fn window_gaps_never_step_over_the_level() {
        // Levels crowding integers, fractions, and the edge of exact f64 integers.
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for _ in 0..20_000 {
            let sum = next() % 1000;
            let level = (next() % 2000) as f64;
            for l in [
                level,
                level + 0.5,
                f64::from_bits(level.to_bits() - 1),
                f64::from_bits(level.to_bits() + 1),
            ] {
                gap_is_safe(sum, l);
            }
        }
        for sum in [0, 1, (1 << 52) - 5, 1 << 52, (1 << 53) - 1, u64::MAX - 3] {
            for l in [
                3.0,
                4.0,
                4.5,
                (1u64 << 52) as f64,
                (1u64 << 53) as f64,
                1e300,
                f64::INFINITY,
            ] {
                gap_is_safe(sum, sum as f64 + l);
            }
        }
        assert_eq!(window_gap(3, 12.0), 8, "a deadly few days: 9 short, 8 safe");
        assert_eq!(window_gap(0, f64::NAN), 1);
    }
}
