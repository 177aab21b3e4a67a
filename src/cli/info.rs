//! `escalate validate`, `escalate list` and `escalate params`: reading scenarios
//! without running them.

use super::{Error, Outcome};
use escalate::scenario::{self, BUNDLED, Source};

pub fn validate(file: &str) -> Result<Outcome, Error> {
    let source = Source::open(file)?;
    let v = scenario::load(&source)?;
    let s = v.scenario();
    println!(
        "{}: valid · {} actors, {} dyads, {} levers, {} rules, {} events, {} outcome classes, {} policies",
        source.name,
        s.actors.len(),
        s.dyads.len(),
        s.levers.len(),
        s.doctrines.iter().map(|d| d.rules.len()).sum::<usize>(),
        s.events.len(),
        s.outcomes.classes.len() + 1,
        s.policies.len()
    );
    Ok(Outcome::Ok)
}

pub fn list(scenario: Option<&str>) -> Result<Outcome, Error> {
    match scenario {
        None => {
            for b in BUNDLED {
                println!("{:<18} {}", b.name, b.summary);
            }
        }
        Some(name) => {
            let source = Source::open(name)?;
            let v = scenario::load(&source)?;
            println!(
                "{:<18} the scenario as written, no policy applied",
                "baseline"
            );
            for p in &v.scenario().policies {
                println!("{:<18} {}", p.name, p.description);
            }
        }
    }
    Ok(Outcome::Ok)
}

pub fn params(name: &str) -> Result<Outcome, Error> {
    let source = Source::open(name)?;
    let v = scenario::load(&source)?;
    let map = scenario::locate::SourceMap::new(&source.text);
    for (pp, p) in scenario::paths::list_params(v.scenario()) {
        let note = map
            .get(&pp.structural)
            .and_then(|l| l.comment.clone())
            .unwrap_or_else(|| "assumption".into());
        println!("{:<52} {:<24} {}", pp.path, p.to_string(), note);
    }
    Ok(Outcome::Ok)
}
