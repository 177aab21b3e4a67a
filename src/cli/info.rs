//! `escalate validate`, `escalate list` and `escalate params`: reading scenarios
//! without running them.

use super::{Error, Outcome};
use escalate::core::scenario::{self, BUNDLED, Source};

pub fn validate(file: &str) -> Result<Outcome, Error> {
    let source = Source::open(file)?;
    let v = scenario::load(&source)?;
    let s = v.scenario();
    super::outln!(
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
                super::outln!("{:<18} {}", b.name, b.summary);
            }
        }
        Some(name) => {
            let source = Source::open(name)?;
            let v = scenario::load(&source)?;
            if !v.scenario().policies.iter().any(|p| p.name == "baseline") {
                super::outln!(
                    "{:<18} the scenario as written, no policy applied",
                    "baseline"
                );
            }
            for p in &v.scenario().policies {
                super::outln!("{:<18} {}", p.name, p.description);
            }
        }
    }
    Ok(Outcome::Ok)
}

pub fn params(name: &str) -> Result<Outcome, Error> {
    let source = Source::open(name)?;
    let v = scenario::load(&source)?;
    let map = scenario::locate::SourceMap::new(&source.text);
    let rows: Vec<[String; 3]> = scenario::paths::list_params(v.scenario())
        .into_iter()
        .map(|(pp, p)| {
            let note = match map.get(&pp.structural) {
                Some(l) => l.comment.clone().unwrap_or_else(|| "assumption".into()),
                None => "assumption (default value)".into(),
            };
            [pp.path, p.to_string(), note]
        })
        .collect();
    let mut out = params_table(&rows, 100);
    out.push_str(&format!(
        "{} parameters of {}; \"default value\": not written in the file.\n\
         Change one with --set PATH=VALUE (run, compare), or sweep it: --set 'PATH=LO..HI' (sweep).\n",
        rows.len(),
        source.name
    ));
    let mut stdout = std::io::stdout().lock();
    match std::io::Write::write_all(&mut stdout, out.as_bytes()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(miette::miette!("{e}")),
        _ => Ok(Outcome::Ok),
    }
}

/// Three columns (path, value, source) within `width` columns: a cell too wide
/// for its column pushes what follows to the next line, at its column; long
/// sources wrap at spaces.
fn params_table(rows: &[[String; 3]], width: usize) -> String {
    let header = ["PATH".to_string(), "VALUE".into(), "SOURCE".into()];
    let longest = |k: usize| rows.iter().map(|r| r[k].chars().count()).max().unwrap_or(0);
    let path_w = longest(0).clamp(4, 44);
    let value_w = longest(1).clamp(5, 20);
    let note_col = path_w + 2 + value_w + 2;
    let note_w = width.saturating_sub(note_col).max(20);
    let mut out = String::new();
    for row in std::iter::once(&header).chain(rows) {
        let mut line = String::new();
        let mut col = 0;
        for (k, (cell, start)) in [(&row[0], 0), (&row[1], path_w + 2)]
            .into_iter()
            .enumerate()
        {
            if col > start {
                out.push_str(line.trim_end());
                out.push('\n');
                line.clear();
                col = 0;
            }
            line.push_str(&" ".repeat(start - col));
            line.push_str(cell);
            col = start + cell.chars().count();
            if k == 1 && col + 2 > note_col {
                out.push_str(&line);
                out.push('\n');
                line.clear();
                col = 0;
            }
        }
        let mut words = row[2].split(' ').peekable();
        while words.peek().is_some() {
            line.push_str(&" ".repeat(note_col.saturating_sub(col)));
            let mut used = 0;
            while let Some(w) = words.peek() {
                let n = w.chars().count();
                if used > 0 && used + 1 + n > note_w {
                    break;
                }
                if used > 0 {
                    line.push(' ');
                    used += 1;
                }
                line.push_str(w);
                used += n;
                words.next();
            }
            out.push_str(line.trim_end());
            out.push('\n');
            line.clear();
            col = 0;
        }
        if !line.is_empty() {
            out.push_str(line.trim_end());
            out.push('\n');
        }
    }
    out
}
