//! Policies from files, and what `--policy ARG` means.
//!
//! `--policy` takes a policy's name in the scenario, `baseline` (no policy,
//! unless the scenario defines one by that name), or the path of a RON file
//! holding one `Policy(...)`. A file's policy is checked like the scenario's
//! own policies (actors, rules, levers, conditions, parameter paths and
//! ranges); every problem points into the policy file with file:line:col.

use miette::NamedSource;

use crate::core::scenario::{self, Policy, ScenarioError, Source, Validated, validate};

/// The name meaning "no policy" (unless the scenario defines a policy by that name).
pub const BASELINE: &str = "baseline";

/// What a `--policy` argument resolved to.
#[derive(Debug, Clone)]
pub struct Resolved {
    /// The scenario, with the file's policy added when the argument was a file.
    pub scenario: Validated,
    /// The policy to apply by name (None: the scenario as written).
    pub policy: Option<String>,
    /// The name to show for it: the policy's name (`baseline` for none).
    pub label: String,
}

/// Resolves a `--policy` argument against a loaded scenario (see the module docs).
pub fn resolve(
    base: &Validated,
    src: &Source,
    arg: Option<&str>,
) -> Result<Resolved, ScenarioError> {
    let Some(arg) = arg else {
        return Ok(Resolved {
            scenario: base.clone(),
            policy: None,
            label: BASELINE.to_string(),
        });
    };
    let has = |name: &str| base.scenario().policies.iter().any(|p| p.name == name);
    if !has(arg) && std::path::Path::new(arg).is_file() {
        let (policy, psrc) = read_policy(arg)?;
        let name = policy.name.clone();
        let scenario = add_policy(base, src, policy, &psrc)?;
        return Ok(Resolved {
            scenario,
            policy: Some(name.clone()),
            label: name,
        });
    }
    if arg == BASELINE && !has(arg) {
        return Ok(Resolved {
            scenario: base.clone(),
            policy: None,
            label: BASELINE.to_string(),
        });
    }
    Ok(Resolved {
        scenario: base.clone(),
        policy: Some(arg.to_string()),
        label: arg.to_string(),
    })
}

/// Reads and parses a policy file (syntax errors with file:line:col).
pub fn read_policy(path: &str) -> Result<(Policy, Source), ScenarioError> {
    let bytes =
        crate::io::read_capped(std::path::Path::new(path), crate::io::TEXT_LIMIT).map_err(|e| {
            ScenarioError::Read {
                path: path.to_string(),
                source: e,
            }
        })?;
    let src = Source::from_bytes(path, bytes)?;
    let policy = scenario::ron_options()
        .from_str::<Policy>(&src.text)
        .map_err(|e| {
            scenario::syntax_error(
                &src,
                &e,
                "a policy file holds one `Policy(name: \"...\", description: \"...\", add: [...], \
                 disable: [...], set: [...])`; docs/compare-and-trace.md shows one",
            )
        })?;
    Ok((policy, src))
}

/// Adds a file's policy to a scenario after checking it; problems point into the policy file.
pub fn add_policy(
    base: &Validated,
    src: &Source,
    policy: Policy,
    psrc: &Source,
) -> Result<Validated, ScenarioError> {
    let mut s = base.scenario().clone();
    let k = s.policies.len();
    s.policies.push(policy.clone());
    let prefix = format!("policies[{k}]");
    // (path inside the policy file, message, help)
    let mut raw: Vec<(String, String, String)> = Vec::new();
    for p in validate::check(&s) {
        if let Some(rest) = p.path.strip_prefix(&prefix) {
            raw.push((rest.trim_start_matches('.').to_string(), p.message, p.help));
        }
    }
    // A problem found with the policy applied repeats one found in its parts.
    if raw.iter().any(|(path, ..)| !path.is_empty()) {
        raw.retain(|(path, ..)| !path.is_empty());
    }
    // The rules added, once in place: their numbers in range.
    if raw.is_empty() {
        let mut applied = s.clone();
        scenario::apply_policy(&mut applied, &policy.name)?;
        for p in validate::check(&applied) {
            if let Some(mapped) = scenario::policy::added_rule_path(&applied, &policy, &p.path) {
                raw.push((mapped, p.message, p.help));
            }
        }
    }
    if raw.is_empty() {
        return scenario::validate(s, src);
    }
    let problems = scenario::place_problems(&psrc.name, &psrc.text, raw);
    Err(ScenarioError::Invalid {
        name: psrc.name.clone(),
        src: NamedSource::new(&psrc.name, psrc.text.clone()),
        problems,
    })
}
