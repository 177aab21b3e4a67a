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
                super::outln!("{:<16} {:<26} {}", b.name, b.period, b.summary);
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

/// `escalate params`: every parameter a `--set` can change, with its value
/// and where it comes from; each doctrine rule's parameters under a line that
/// names the rule; the actor parameters nothing reads left out (counted).
pub fn params(name: &str) -> Result<Outcome, Error> {
    let source = Source::open(name)?;
    let v = scenario::load(&source)?;
    let s = v.scenario();
    let (listed, unread) = scenario::paths::listing(s, &source.text);
    let mut rows: Vec<Row> = Vec::new();
    let shown = listed.len();
    let mut rule: Option<String> = None;
    for p in listed {
        if let Some((at, name)) = &p.rule
            && rule.as_ref() != Some(at)
        {
            rows.push(Row::Heading(format!("{at}: rule `{name}`")));
            rule = Some(at.clone());
        }
        rows.push(Row::Param([p.path, p.value, p.source]));
    }
    let mut out = params_table(&rows, 100);
    let mut notes = vec![format!(
        "{shown} parameters of {}; \"default value\": not written in the file.",
        source.name
    )];
    if !unread.is_empty() {
        notes.push(format!(
            "Left out: {} actor parameters that nothing in this scenario reads, such as {} \
             (docs/scenario-format.md, actors, says what reads each); --set still takes them.",
            unread.len(),
            unread[0]
        ));
    }
    notes.push(
        "Change one with --set PATH=VALUE (run, compare), or sweep it: --set 'PATH=LO..HI' (sweep)."
            .into(),
    );
    for note in notes {
        for line in escalate::report::format::wrap(&note, 100, 0) {
            out.push_str(&line);
            out.push('\n');
        }
    }
    let mut stdout = std::io::stdout().lock();
    match std::io::Write::write_all(&mut stdout, out.as_bytes()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(miette::miette!("{e}")),
        _ => Ok(Outcome::Ok),
    }
}

/// A line of the `params` table: a parameter's path, value and source, or a
/// heading line (the rule the parameters below it belong to).
enum Row {
    Param([String; 3]),
    Heading(String),
}

/// Three columns (path, value, source) within `width` columns: a cell too wide
/// for its column pushes what follows to the next line, at its column; long
/// sources wrap at spaces.
fn params_table(rows: &[Row], width: usize) -> String {
    let header = ["PATH".to_string(), "VALUE".into(), "SOURCE".into()];
    let cells: Vec<&[String; 3]> = rows
        .iter()
        .filter_map(|r| match r {
            Row::Param(c) => Some(c),
            Row::Heading(_) => None,
        })
        .collect();
    let longest = |k: usize| {
        cells
            .iter()
            .map(|r| r[k].chars().count())
            .max()
            .unwrap_or(0)
    };
    let path_w = longest(0).clamp(4, 44);
    let value_w = longest(1).clamp(5, 20);
    let note_col = path_w + 2 + value_w + 2;
    let note_w = width.saturating_sub(note_col).max(20);
    let mut out = String::new();
    let header = Row::Param(header);
    for row in std::iter::once(&header).chain(rows) {
        let row = match row {
            Row::Param(cells) => cells,
            Row::Heading(text) => {
                out.push_str(text);
                out.push('\n');
                continue;
            }
        };
        let mut line = String::new();
        let mut col = 0;
        for (k, (cell, start)) in [(&row[0], 0), (&row[1], path_w + 2)]
            .into_iter()
            .enumerate()
        {
            // A cell must end at least one space before the next column.
            if col > 0 && col >= start {
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
