//! Checks a parsed scenario: every reference resolves, every number is in range.
//! Collects all problems rather than stopping at the first.

use std::collections::{BTreeMap, BTreeSet};

use super::limits;
use super::paths::for_each_param;
use super::types::*;
use crate::core::suggest;

/// The most periods a scenario may name.
pub const MAX_PERIODS: usize = 64;

/// A problem before it is placed in the file: the structural path, what, how to fix.
#[derive(Debug, Clone)]
pub struct RawProblem {
    /// Structural path of the offending value.
    pub path: String,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub help: String,
}

struct Checker<'s> {
    s: &'s Scenario,
    actors: BTreeMap<&'s str, &'s Actor>,
    levers: BTreeMap<&'s str, &'s Lever>,
    rungs: BTreeSet<&'s str>,
    dyads: BTreeSet<(&'s str, &'s str)>,
    out: Vec<RawProblem>,
}

/// Every problem in `s`, in file order.
pub fn check(s: &Scenario) -> Vec<RawProblem> {
    let mut c = Checker {
        s,
        actors: BTreeMap::new(),
        levers: BTreeMap::new(),
        rungs: s.ladder.iter().map(String::as_str).collect(),
        dyads: BTreeSet::new(),
        out: Vec::new(),
    };
    c.run();
    c.out
}

impl<'s> Checker<'s> {
    fn problem(
        &mut self,
        path: impl Into<String>,
        message: impl Into<String>,
        help: impl Into<String>,
    ) {
        self.out.push(RawProblem {
            path: path.into(),
            message: message.into(),
            help: help.into(),
        });
    }

    fn actor(&mut self, path: String, id: &str) -> Option<&'s Actor> {
        let found = self.actors.get(id).copied();
        if found.is_none() {
            let ids: Vec<&str> = self.actors.keys().copied().collect();
            let help = suggest::help(id, &ids, "the actor ids");
            self.problem(path, format!("unknown actor `{id}`"), help);
        }
        found
    }

    fn rung(&mut self, path: String, name: &str) {
        if !self.rungs.contains(name) {
            let help = suggest::help(name, &self.s.ladder, "the ladder's rungs");
            self.problem(path, format!("unknown rung `{name}`"), help);
        }
    }

    fn dyad(&mut self, path: String, (a, b): &(String, String)) {
        let key = ordered(a, b);
        if !self.dyads.contains(&key) {
            let known: Vec<String> = self
                .dyads
                .iter()
                .map(|(a, b)| format!("(\"{a}\", \"{b}\")"))
                .collect();
            let given = format!("(\"{}\", \"{}\")", key.0, key.1);
            let help = match suggest::did_you_mean(&given, &known) {
                Some(s) => format!("{s} (or add the pair under `dyads`)"),
                None => format!(
                    "add it under `dyads`, or use one of: {}",
                    suggest::listing(&known)
                ),
            };
            self.problem(path, format!("no dyad between `{a}` and `{b}`"), help);
        }
    }

    fn lever(&mut self, path: String, id: &str) -> Option<&'s Lever> {
        let found = self.levers.get(id).copied();
        if found.is_none() {
            let ids: Vec<&str> = self.levers.keys().copied().collect();
            let help = suggest::help(id, &ids, "the lever ids");
            self.problem(path, format!("unknown lever `{id}`"), help);
        }
        found
    }

    fn run(&mut self) {
        let s = self.s;
        if !(1..=36_500).contains(&s.horizon) {
            self.problem(
                "horizon",
                format!("horizon of {} days is out of range", s.horizon),
                "use 1 to 36500 days",
            );
        }
        if s.ladder.len() < 2 || s.ladder.len() > 64 {
            self.problem(
                "ladder",
                "the ladder needs 2 to 64 rungs",
                "list rung names from calm upward",
            );
        }
        let mut seen = BTreeSet::new();
        for (i, r) in s.ladder.iter().enumerate() {
            if !seen.insert(r.as_str()) {
                self.problem(
                    format!("ladder[{i}]"),
                    format!("rung `{r}` appears twice"),
                    "give each rung a distinct name",
                );
            }
        }
        for (i, a) in s.actors.iter().enumerate() {
            if a.id.is_empty() || a.id.contains(['.', '/', '[', ']', ' ', '-', ',']) {
                self.problem(
                    format!("actors[{i}].id"),
                    format!(
                        "actor id `{}` is empty or holds one of . / [ ] - , or a space",
                        a.id
                    ),
                    "use letters, digits and underscores, e.g. \"TTP\"",
                );
            }
            if self.actors.insert(&a.id, a).is_some() {
                self.problem(
                    format!("actors[{i}].id"),
                    format!("actor id `{}` is used twice", a.id),
                    "give each actor a distinct id",
                );
            }
        }
        for (i, l) in s.levers.iter().enumerate() {
            self.path_safe(format!("levers[{i}].id"), &l.id);
            if self.levers.insert(&l.id, l).is_some() {
                self.problem(
                    format!("levers[{i}].id"),
                    format!("lever id `{}` is used twice", l.id),
                    "give each lever a distinct id",
                );
            }
        }
        self.check_counts();
        self.check_actors();
        self.check_dyads();
        self.check_levers();
        self.check_doctrines();
        self.check_events();
        self.check_outcomes();
        self.check_policies();
        self.check_periods();
        self.check_start_date();
        self.check_ranges();
    }

    /// The rules and events a day can fire, within [`limits::ACTING`]: the
    /// doctrines' rules with those the largest policy adds, and the events.
    fn check_counts(&mut self) {
        let s = self.s;
        let rules: usize = s.doctrines.iter().map(|d| d.rules.len()).sum();
        let added = s.policies.iter().map(|p| p.add.len()).max().unwrap_or(0);
        let acting = rules + added + s.events.len();
        if acting > limits::ACTING {
            self.problem(
                "doctrines",
                format!(
                    "{rules} doctrine rules, {added} added by a policy and {} events make {acting}; \
                     at most {} are allowed",
                    s.events.len(),
                    limits::ACTING
                ),
                "keep the rules and events under the limit: it bounds the lever uses of a day, \
                 which keeps every count exact (docs/scenario-format.md, Ranges)",
            );
        }
    }

    fn check_start_date(&mut self) {
        if let Some(d) = &self.s.start_date
            && let Err(why) = crate::core::observed::Date::parse(d)
        {
            self.problem(
                "start_date",
                format!("start_date \"{d}\": {why}"),
                "write the calendar date of day 0 as \"YYYY-MM-DD\", e.g. \"2021-08-15\"",
            );
        }
    }

    fn check_periods(&mut self) {
        let s = self.s;
        if s.periods.len() > MAX_PERIODS {
            self.problem(
                "periods",
                format!(
                    "{} periods; at most {MAX_PERIODS} are allowed",
                    s.periods.len()
                ),
                "keep the periods you compare against (each adds a set of metrics)",
            );
        }
        let mut names = BTreeSet::new();
        for (i, p) in s.periods.iter().enumerate() {
            let name = &p.name;
            if name.is_empty()
                || !name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            {
                self.problem(
                    format!("periods[{i}].name"),
                    format!("period name `{name}` is empty or holds a character other than A-Z a-z 0-9 _ -"),
                    "use letters, digits, `_` and `-`, e.g. \"2023-Q3\": the name is part of metric names",
                );
            }
            if !names.insert(name.as_str()) {
                self.problem(
                    format!("periods[{i}].name"),
                    format!("period name `{name}` is used twice"),
                    "give each period a distinct name",
                );
            }
            if p.first_day > p.last_day {
                self.problem(
                    format!("periods[{i}].first_day"),
                    format!(
                        "period `{name}` starts on day {} after its last day {}",
                        p.first_day, p.last_day
                    ),
                    "days are 0-based and inclusive: first_day <= last_day",
                );
            }
            if p.last_day >= s.horizon {
                self.problem(
                    format!("periods[{i}].last_day"),
                    format!(
                        "period `{name}` ends on day {}, past the horizon of {} days (days 0 to {})",
                        p.last_day,
                        s.horizon,
                        s.horizon.saturating_sub(1)
                    ),
                    format!(
                        "use a last_day below {} (days are 0-based), or a longer horizon",
                        s.horizon
                    ),
                );
            }
        }
    }

    fn check_actors(&mut self) {
        for (i, a) in self.s.actors.iter().enumerate() {
            if let ActorKind::ArmedGroup(g) = &a.kind {
                if let Some(h) = &g.host {
                    if h == &a.id {
                        self.problem(
                            format!("actors[{i}].kind.host"),
                            "a group cannot host itself",
                            "name the actor that gives it sanctuary, or remove `host`",
                        );
                    } else {
                        self.actor(format!("actors[{i}].kind.host"), h);
                    }
                }
                if let Some(t) = self.actor(format!("actors[{i}].kind.targets"), &g.targets)
                    && !matches!(t.kind, ActorKind::State)
                {
                    self.problem(
                        format!("actors[{i}].kind.targets"),
                        format!("`{}` is not a state", g.targets),
                        "an armed group attacks a State actor",
                    );
                }
            }
        }
    }

    fn check_dyads(&mut self) {
        for (i, d) in self.s.dyads.iter().enumerate() {
            let (a, b) = &d.between;
            self.actor(format!("dyads[{i}].between[0]"), a);
            self.actor(format!("dyads[{i}].between[1]"), b);
            if a == b {
                self.problem(
                    format!("dyads[{i}].between"),
                    "a dyad joins two different actors",
                    "name two actors",
                );
            }
            if !self.dyads.insert(ordered(a, b)) {
                self.problem(
                    format!("dyads[{i}].between"),
                    format!("dyad `{a}`-`{b}` is listed twice"),
                    "keep one entry per pair",
                );
            }
            self.rung(format!("dyads[{i}].rung"), &d.rung);
        }
    }

    fn check_levers(&mut self) {
        for (i, l) in self.s.levers.iter().enumerate() {
            if let Some(r) = &l.min_rung {
                self.rung(format!("levers[{i}].min_rung"), r);
            }
            match &l.effect {
                Effect::Mediation {
                    between,
                    steps_down,
                    pressed,
                    ..
                } => {
                    self.dyad(format!("levers[{i}].effect.between"), between);
                    if let Some(x) = pressed
                        && x != &between.0
                        && x != &between.1
                    {
                        self.problem(
                            format!("levers[{i}].effect.pressed"),
                            format!(
                                "`{x}` is not a side of the mediated dyad `{}`-`{}`",
                                between.0, between.1
                            ),
                            "press one of the two actors named in `between`",
                        );
                    }
                    if *steps_down as usize >= self.s.ladder.len() {
                        self.problem(
                            format!("levers[{i}].effect.steps_down"),
                            "more steps than the ladder has rungs",
                            "use a smaller number",
                        );
                    }
                }
                Effect::Talks {
                    ceasefire: Some(c), ..
                } => {
                    if let Some(cl) = self.lever(format!("levers[{i}].effect.ceasefire"), c)
                        && !matches!(cl.effect, Effect::Ceasefire { .. })
                    {
                        self.problem(
                            format!("levers[{i}].effect.ceasefire"),
                            format!("lever `{c}` is not a Ceasefire"),
                            "name a lever whose effect is Ceasefire(...)",
                        );
                    }
                }
                _ => {}
            }
        }
    }

    fn check_rule(&mut self, path: &str, actor: &str, r: &Rule) {
        if let Some(l) = self.lever(format!("{path}.then"), &r.then) {
            self.check_target(path, actor, l, r.on.as_deref());
        }
        self.check_condition(&format!("{path}.when"), &r.when);
    }

    /// Whether a lever's target fits its kind.
    fn check_target(&mut self, path: &str, user: &str, l: &Lever, on: Option<&str>) {
        let needs_group = matches!(
            l.effect,
            Effect::Talks { .. }
                | Effect::Ceasefire { .. }
                | Effect::Sanctuary { .. }
                | Effect::Crackdown { .. }
                | Effect::ProxySupport { .. }
        );
        let needs_state = matches!(l.effect, Effect::Alignment { .. });
        let needs_target = !matches!(
            l.effect,
            Effect::Mediation { .. } | Effect::TradeDiversification { .. }
        );
        let Some(on) = on else {
            if needs_target {
                self.problem(
                    format!("{path}.then"),
                    format!("lever `{}` needs a target", l.id),
                    "add `on: \"ACTOR\"` to say whom it is used on",
                );
            }
            return;
        };
        if on == user {
            self.problem(
                format!("{path}.on"),
                "an actor cannot use a lever on itself",
                "name another actor",
            );
        }
        let kind = self.actor(format!("{path}.on"), on).map(|t| &t.kind);
        if let Some(kind) = kind
            && needs_group
            && !matches!(kind, ActorKind::ArmedGroup(_))
        {
            self.problem(
                format!("{path}.on"),
                format!("lever `{}` acts on an armed group; `{on}` is not one", l.id),
                "target an ArmedGroup actor",
            );
        }
        if let Some(kind) = kind
            && needs_state
            && !matches!(kind, ActorKind::State)
        {
            self.problem(
                format!("{path}.on"),
                format!("lever `{}` aligns with a state; `{on}` is not one", l.id),
                "target a State actor",
            );
        }
    }

    fn check_condition(&mut self, path: &str, c: &Condition) {
        match c {
            Condition::Always | Condition::DayAtLeast(_) => {}
            Condition::All(cs) | Condition::Any(cs) => {
                for (k, c) in cs.iter().enumerate() {
                    self.check_condition(&format!("{path}[0][{k}]"), c);
                }
            }
            Condition::Not(c) => self.check_condition(&format!("{path}[0]"), c),
            Condition::Casualties { of, window, .. } => {
                self.actor(format!("{path}.of"), of);
                self.window(path, *window);
            }
            Condition::Attacks { by, window, .. } => {
                self.group(format!("{path}.by"), by);
                self.window(path, *window);
            }
            Condition::RungAtLeast { between, rung } => {
                self.dyad(format!("{path}.between"), between);
                self.rung(format!("{path}.rung"), rung);
            }
            Condition::TensionAtLeast { between, .. } => {
                self.dyad(format!("{path}.between"), between)
            }
            Condition::EconomyBelow { of, .. }
            | Condition::RefugeesAtLeast { of, .. }
            | Condition::PressureAtLeast { of, .. } => {
                self.actor(format!("{path}.of"), of);
            }
            Condition::LeverUsed { by, lever, within } => {
                self.actor(format!("{path}.by"), by);
                self.lever(format!("{path}.lever"), lever);
                if *within == 0 {
                    self.problem(
                        format!("{path}.within"),
                        "a window of 0 days is always empty",
                        "use 1 or more days",
                    );
                }
            }
            Condition::Truce(g) => {
                self.group(format!("{path}[0]"), g);
            }
        }
    }

    /// Ids that appear inside override paths must not hold path punctuation.
    fn path_safe(&mut self, path: String, id: &str) {
        if id.is_empty() || id.contains(['.', '[', ']', ' ', '=']) {
            self.problem(
                path,
                format!("`{id}` is empty or holds one of . [ ] = or a space"),
                "use letters, digits, `_` and `-`: the name appears in override paths",
            );
        }
    }

    fn window(&mut self, path: &str, w: u32) {
        if w == 0 || w > self.s.horizon.max(1) {
            self.problem(
                format!("{path}.window"),
                format!("window of {w} days"),
                format!("use 1 to {} days (the horizon)", self.s.horizon),
            );
        }
    }

    fn group(&mut self, path: String, id: &str) {
        if let Some(a) = self.actor(path.clone(), id)
            && !matches!(a.kind, ActorKind::ArmedGroup(_))
        {
            self.problem(
                path,
                format!("`{id}` is not an armed group"),
                "name an ArmedGroup actor",
            );
        }
    }

    fn check_doctrines(&mut self) {
        let mut seen = BTreeSet::new();
        for (i, d) in self.s.doctrines.iter().enumerate() {
            self.actor(format!("doctrines[{i}].actor"), &d.actor);
            if !seen.insert(d.actor.as_str()) {
                self.problem(
                    format!("doctrines[{i}].actor"),
                    format!("`{}` has two doctrines", d.actor),
                    "merge its rules into one doctrine",
                );
            }
            let mut names = BTreeSet::new();
            for (j, r) in d.rules.iter().enumerate() {
                if !names.insert(r.name.as_str()) {
                    self.problem(
                        format!("doctrines[{i}].rules[{j}].name"),
                        format!("rule name `{}` is used twice", r.name),
                        "give each rule of an actor a distinct name",
                    );
                }
                self.check_rule(&format!("doctrines[{i}].rules[{j}]"), &d.actor, r);
            }
        }
    }

    fn check_events(&mut self) {
        let mut names = BTreeSet::new();
        for (i, e) in self.s.events.iter().enumerate() {
            if !names.insert(e.name.as_str()) {
                self.problem(
                    format!("events[{i}].name"),
                    format!("event name `{}` is used twice", e.name),
                    "give each event a distinct name (it names the event's parameters)",
                );
            }
            self.path_safe(format!("events[{i}].name"), &e.name);
            match &e.trigger {
                Trigger::Day { day, .. } if *day >= self.s.horizon => {
                    self.problem(
                        format!("events[{i}].trigger.day"),
                        format!("day {day} is past the horizon"),
                        format!("use a day below {}", self.s.horizon),
                    );
                }
                Trigger::Hazard { from, to, .. } if to.is_some_and(|t| t <= *from) => {
                    self.problem(
                        format!("events[{i}].trigger.to"),
                        "`to` must be after `from`",
                        "make the window non-empty",
                    );
                }
                _ => {}
            }
            match &e.action {
                Action::Lever { actor, lever, on } => {
                    self.actor(format!("events[{i}].action.actor"), actor);
                    if let Some(l) = self.lever(format!("events[{i}].action.lever"), lever) {
                        self.check_target(&format!("events[{i}].action"), actor, l, on.as_deref());
                    }
                }
                Action::Attack { by, .. } => self.group(format!("events[{i}].action.by"), by),
            }
        }
    }

    fn check_outcomes(&mut self) {
        let metrics: BTreeSet<String> = super::metrics::metric_names(self.s).into_iter().collect();
        let mut names = BTreeSet::new();
        for (i, c) in self.s.outcomes.classes.iter().enumerate() {
            if !names.insert(c.name.as_str()) || c.name == self.s.outcomes.default {
                self.problem(
                    format!("outcomes.classes[{i}].name"),
                    format!("class `{}` is defined twice", c.name),
                    "give each class a distinct name",
                );
            }
            self.check_outcome_rule(&format!("outcomes.classes[{i}].when"), &c.when, &metrics);
        }
    }

    fn check_outcome_rule(&mut self, path: &str, r: &OutcomeRule, metrics: &BTreeSet<String>) {
        match r {
            OutcomeRule::All(rs) | OutcomeRule::Any(rs) => {
                for (k, r) in rs.iter().enumerate() {
                    self.check_outcome_rule(&format!("{path}[0][{k}]"), r, metrics);
                }
            }
            OutcomeRule::Not(r) => self.check_outcome_rule(&format!("{path}[0]"), r, metrics),
            OutcomeRule::PeakAtLeast { between, rung }
            | OutcomeRule::FinalAtMost { between, rung } => {
                self.dyad(format!("{path}.between"), between);
                self.rung(format!("{path}.rung"), rung);
            }
            OutcomeRule::MetricAtLeast(m, x) | OutcomeRule::MetricAtMost(m, x) => {
                if !x.is_finite() {
                    self.problem(
                        format!("{path}[1]"),
                        format!("the threshold of `{m}` is {x}, not a finite number"),
                        "write a finite number: a metric is a count, which no NaN or infinity compares with",
                    );
                }
                if !metrics.contains(m) {
                    let all: Vec<String> = metrics.iter().cloned().collect();
                    let help = suggest::did_you_mean(m, &all).unwrap_or_else(|| {
                        format!(
                            "the nearest metrics: {}",
                            super::paths::nearest(m, &all).join(", ")
                        )
                    });
                    self.problem(format!("{path}[0]"), format!("unknown metric `{m}`"), help);
                }
            }
        }
    }

    fn check_policies(&mut self) {
        let mut names = BTreeSet::new();
        let rules: Vec<String> = self
            .s
            .doctrines
            .iter()
            .flat_map(|d| d.rules.iter().map(|r| format!("{}/{}", d.actor, r.name)))
            .collect();
        if self.s.policies.is_empty() {
            return;
        }
        // The scenario without its policies and its own problems, made once:
        // each policy is applied to a copy of it, so checking P policies
        // costs P checks of the scenario, not P copies of all P policies.
        let mut bare = self.s.clone();
        bare.policies.clear();
        let base: BTreeSet<String> = check(&bare).into_iter().map(|p| p.message).collect();
        for (i, p) in self.s.policies.iter().enumerate() {
            let first = self.out.len();
            if !names.insert(p.name.as_str()) {
                self.problem(
                    format!("policies[{i}].name"),
                    format!("policy `{}` is defined twice", p.name),
                    "give each policy a distinct name",
                );
            }
            for (k, (actor, rule)) in p.add.iter().enumerate() {
                if self
                    .actor(format!("policies[{i}].add[{k}][0]"), actor)
                    .is_some()
                {
                    self.check_rule(&format!("policies[{i}].add[{k}][1]"), actor, rule);
                }
            }
            for (k, d) in p.disable.iter().enumerate() {
                if !rules.contains(d) {
                    let help = suggest::did_you_mean(d, &rules).unwrap_or_else(|| {
                        "write \"Actor/rule-name\" of a rule in `doctrines`".into()
                    });
                    self.problem(
                        format!("policies[{i}].disable[{k}]"),
                        format!("no rule `{d}`"),
                        help,
                    );
                }
            }
            self.check_policy_as_applied(i, p, first, &bare, &base);
        }
    }

    /// Checks policy `i` as it will run: its `set` values in range on that
    /// scenario, and the scenario with its rules added and removed and its
    /// values set valid. A problem already reported at the policy's own line
    /// (from `first` on in `self.out`: a typo in a rule it adds, a value it
    /// sets out of range) is not reported again for the scenario as applied:
    /// one problem, one report. `bare` is the scenario without its policies
    /// and `base` the messages of its own problems (not the policy's).
    fn check_policy_as_applied(
        &mut self,
        i: usize,
        p: &Policy,
        first: usize,
        bare: &Scenario,
        base: &BTreeSet<String>,
    ) {
        let mut with = bare.clone();
        super::policy::apply_policy_rules(&mut with, p);
        // The structural paths of the values the policy sets.
        let mut set_at = BTreeSet::new();
        for (k, (path, value)) in p.set.iter().enumerate() {
            match super::paths::set_param(&mut with, path, value.clone()) {
                Err(near) => self.problem(
                    format!("policies[{i}].set[{k}][0]"),
                    format!("no parameter at `{path}`"),
                    format!("nearest valid paths: {}", near.join(", ")),
                ),
                Ok(pp) => {
                    if let Err(e) = value.check() {
                        self.problem(format!("policies[{i}].set[{k}][1]"), e, value.help());
                    } else if !pp.range.admits_param(value) {
                        self.problem(
                            format!("policies[{i}].set[{k}][1]"),
                            pp.range.refusal(value, path),
                            pp.range.help(value),
                        );
                    }
                    set_at.insert(pp.structural);
                }
            }
        }
        let reported: BTreeSet<String> = self.out[first..]
            .iter()
            .map(|p| p.message.clone())
            .collect();
        for problem in check(&with) {
            if base.contains(&problem.message)
                || reported.contains(&problem.message)
                || set_at.contains(&problem.path)
            {
                continue;
            }
            // A value of a rule the policy adds is pointed at in the policy.
            let at = match super::policy::added_rule_path(&with, p, &problem.path) {
                Some(rest) => format!("policies[{i}].{rest}"),
                None => format!("policies[{i}]"),
            };
            self.problem(
                at,
                format!("with policy `{}` applied: {}", p.name, problem.message),
                problem.help,
            );
        }
    }

    fn check_ranges(&mut self) {
        let mut copy = self.s.clone();
        let mut found = Vec::new();
        for_each_param(&mut copy, &mut |pp, p| {
            if let Err(e) = p.check() {
                found.push(RawProblem {
                    path: pp.structural,
                    message: e,
                    help: p.help(),
                });
            } else if !pp.range.admits_param(p) {
                found.push(RawProblem {
                    path: pp.structural,
                    message: if p.is_uncertain() {
                        format!("`{}` is {p}, which can fall outside its range", pp.path)
                    } else {
                        format!("`{}` is {p}, outside its range", pp.path)
                    },
                    help: pp.range.help(p),
                });
            }
        });
        self.out.extend(found);
    }
}

fn ordered<'a>(a: &'a str, b: &'a str) -> (&'a str, &'a str) {
    if a <= b { (a, b) } else { (b, a) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::scenario::{Param, Source, parse};

    #[test]
    fn regression_too_many_rules_and_events_are_refused_with_the_limit() {
        // The trace numbers rules and events in 16 bits, and a day's lever
        // uses (at most one per rule and event) bound every count.
        let mut s = parse(&Source::bundled(
            crate::core::scenario::BUNDLED
                .iter()
                .find(|b| b.name == "minimal")
                .unwrap(),
        ))
        .unwrap();
        assert!(check(&s).is_empty());
        let rules: usize = s.doctrines.iter().map(|d| d.rules.len()).sum();
        let added = s.policies.iter().map(|p| p.add.len()).max().unwrap_or(0);
        let first = s.events.first().cloned().unwrap_or_else(|| Event {
            name: String::new(),
            trigger: Trigger::Day {
                day: 1,
                probability: Param::Fixed(0.0),
            },
            action: Action::Attack {
                by: "G".into(),
                civilian: Param::Fixed(1.0),
                security: Param::Fixed(1.0),
            },
        });
        let fill = |s: &mut Scenario, n: usize| {
            s.events = (0..n)
                .map(|i| Event {
                    name: format!("e{i}"),
                    ..first.clone()
                })
                .collect();
        };
        fill(&mut s, limits::ACTING - rules - added);
        assert!(check(&s).is_empty(), "{:?}", check(&s).first());
        fill(&mut s, limits::ACTING - rules - added + 1);
        let p = check(&s);
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(
            p[0].message.ends_with(&format!(
                "make {}; at most 65535 are allowed",
                limits::ACTING + 1
            )),
            "{}",
            p[0].message
        );
    }
}
