//! A policy's rule changes applied to a scenario: below validation (which
//! checks every policy by applying it) and the policy's parameter settings
//! (applied as overrides in `scenario::apply_policy`).

use super::types::{Doctrine, Policy, Scenario};

/// Applies a policy's rule changes: rules disabled first, then rules added.
pub fn apply_policy_rules(s: &mut Scenario, p: &Policy) {
    for d in &p.disable {
        if let Some((actor, rule)) = d.split_once('/') {
            for doc in s.doctrines.iter_mut().filter(|doc| doc.actor == actor) {
                doc.rules.retain(|r| r.name != rule);
            }
        }
    }
    for (actor, rule) in &p.add {
        match s.doctrines.iter_mut().find(|d| &d.actor == actor) {
            Some(d) => d.rules.push(rule.clone()),
            None => s.doctrines.push(Doctrine {
                actor: actor.clone(),
                rules: vec![rule.clone()],
            }),
        }
    }
}

/// Maps the structural path `doctrines[i].rules[j]...` of a rule that
/// `policy` added to `applied` (the scenario with its rules applied) to the
/// path of that rule inside the policy, `add[k][1]...`.
pub fn added_rule_path(applied: &Scenario, policy: &Policy, path: &str) -> Option<String> {
    for (k, (actor, rule)) in policy.add.iter().enumerate() {
        let i = applied.doctrines.iter().position(|d| &d.actor == actor)?;
        let j = applied.doctrines[i]
            .rules
            .iter()
            .rposition(|r| r.name == rule.name)?;
        let prefix = format!("doctrines[{i}].rules[{j}]");
        if let Some(rest) = path.strip_prefix(&prefix)
            && (rest.is_empty() || rest.starts_with(['.', '[']))
        {
            return Some(format!("add[{k}][1]{rest}"));
        }
    }
    None
}
