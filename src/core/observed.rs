//! Observed data: public figures of the conflict a scenario models, one record
//! per figure, read from a CSV file (`data/observed/`, described in its
//! README), for calibration and backtesting.
//!
//! A record says which series counted it (PICSS, CRSS, PIPS, a government
//! count...), over which period (a label and its inclusive dates), what is
//! counted and in which unit, the engine metric it compares with (if the
//! engine has one), the value, its observation uncertainty (a standard
//! deviation) and the key of its source in `docs/sources.md`.
//!
//! [`Observed::parse`] checks every record and reports every problem at once,
//! each at its `file:line:col`; it never panics, whatever the input.

use std::collections::HashMap;
use std::fmt;
use std::path::Path;

use miette::{Diagnostic, NamedSource, SourceSpan};
use thiserror::Error;

/// The columns of an observed-data file, in the order the shipped file uses
/// (a file may order them differently; each must appear once).
pub const COLUMNS: [&str; 12] = [
    "id", "series", "period", "start", "end", "quantity", "unit", "metric", "value", "sd",
    "source", "note",
];

/// A calendar date (proleptic Gregorian), `YYYY-MM-DD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    /// Year, 1 to 9999.
    pub year: i32,
    /// Month, 1 to 12.
    pub month: u32,
    /// Day of the month, 1 to its length.
    pub day: u32,
}

/// Whether `year` is a leap year.
fn is_leap(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

/// Days in a month of a year (`month` 1 to 12).
fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 0,
    }
}

impl Date {
    /// A date if it is a real calendar date.
    pub fn new(year: i32, month: u32, day: u32) -> Option<Date> {
        ((1..=9999).contains(&year)
            && (1..=12).contains(&month)
            && day >= 1
            && day <= days_in_month(year, month))
        .then_some(Date { year, month, day })
    }

    /// Parses `YYYY-MM-DD` (four, two and two digits), a real calendar date.
    pub fn parse(s: &str) -> Result<Date, String> {
        let b = s.as_bytes();
        let shaped = b.len() == 10
            && b[4] == b'-'
            && b[7] == b'-'
            && b.iter()
                .enumerate()
                .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
        if !shaped {
            return Err(format!("`{s}` is not a date of the form YYYY-MM-DD"));
        }
        let num = |r: std::ops::Range<usize>| -> u32 {
            b[r].iter().fold(0, |n, c| n * 10 + u32::from(c - b'0'))
        };
        let (year, month, day) = (num(0..4) as i32, num(5..7), num(8..10));
        Date::new(year, month, day).ok_or_else(|| {
            if (1..=12).contains(&month) {
                format!(
                    "`{s}` is not a calendar date: {year}-{month:02} has {} days",
                    days_in_month(year, month)
                )
            } else if year == 0 {
                format!("`{s}` is not a calendar date: there is no year 0")
            } else {
                format!("`{s}` is not a calendar date: month {month} is not 1 to 12")
            }
        })
    }

    /// Days since 1970-01-01 (negative before it), by the civil-calendar
    /// arithmetic of eras of 400 years (146,097 days each).
    fn days_from_epoch(self) -> i64 {
        let (m, d) = (i64::from(self.month), i64::from(self.day));
        let y = i64::from(self.year) - i64::from(m <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400; // year of era, 0..=399
        let doy = (153 * ((m + 9) % 12) + 2) / 5 + d - 1; // day of a year starting 1 March
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy; // day of era
        era * 146_097 + doe - 719_468
    }

    /// Days from `origin` to this date: 0 on the origin, negative before it.
    pub fn days_since(&self, origin: Date) -> i64 {
        self.days_from_epoch() - origin.days_from_epoch()
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// One observed figure.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// Unique key of the record in its file.
    pub id: String,
    /// Who counted it: `PICSS`, `CRSS`, `PIPS`, `PK-GOV`, `NEWS`...
    pub series: String,
    /// The period's label: `2022`, `2022-H1`, `2023-Q3`, `2022-11`, `2022-04-16`
    /// or `START..END`; it agrees with [`Record::start`] and [`Record::end`].
    pub period: String,
    /// First day counted.
    pub start: Date,
    /// Last day counted (inclusive).
    pub end: Date,
    /// What is counted, as an identifier: `attacks`, `deaths_civilian`, `closure_days`...
    pub quantity: String,
    /// The value's unit: `attacks`, `people`, `days`, `thousand USD`...
    pub unit: String,
    /// The engine metric it compares with, if the engine has one.
    pub metric: Option<String>,
    /// The figure.
    pub value: f64,
    /// Its observation uncertainty, a standard deviation (> 0).
    pub sd: f64,
    /// Key of its source in `docs/sources.md`.
    pub source: String,
    /// What a reader should know about it.
    pub note: String,
}

impl Record {
    /// The record's inclusive day range in a scenario whose day 0 is
    /// `origin`: `(start - origin, end - origin)`; `None` if it starts before
    /// the origin (or lies beyond the range of `u32` days).
    pub fn window(&self, origin: Date) -> Option<(u32, u32)> {
        let first = u32::try_from(self.start.days_since(origin)).ok()?;
        let last = u32::try_from(self.end.days_since(origin)).ok()?;
        Some((first, last))
    }

    /// Number of days the record covers (`end - start + 1`).
    pub fn days(&self) -> i64 {
        self.end.days_since(self.start) + 1
    }
}

/// An observed-data file, read and checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Observed {
    /// The file's name as given.
    pub name: String,
    /// Lowercase hex SHA-256 of the file's bytes.
    pub sha256: String,
    /// Its records, in file order.
    pub records: Vec<Record>,
}

/// Everything that can be wrong with an observed-data file.
#[derive(Debug, Error, Diagnostic)]
pub enum ObservedError {
    /// The file could not be read.
    #[error("cannot read observed data {path}: {source}")]
    #[diagnostic(
        code(escalate::observed::read),
        help("check the path; the shipped data is data/observed/pak-afghan-2021-2023.csv")
    )]
    Read {
        /// The path given.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file was read but breaks the format: every problem is listed.
    #[error("{name}: {} problem{} found", problems.len(), if problems.len() == 1 { "" } else { "s" })]
    #[diagnostic(
        code(escalate::observed::invalid),
        help("fix each problem listed; data/observed/README.md describes the columns")
    )]
    Invalid {
        /// The file's name.
        name: String,
        /// The file.
        #[source_code]
        src: NamedSource<String>,
        /// Each problem.
        #[related]
        problems: Vec<ObservedProblem>,
    },
}

impl ObservedError {
    /// The problems found (none for a read error).
    pub fn problems(&self) -> &[ObservedProblem] {
        match self {
            ObservedError::Read { .. } => &[],
            ObservedError::Invalid { problems, .. } => problems,
        }
    }
}

/// One problem in an observed-data file.
#[derive(Debug, Error, Diagnostic)]
#[error("{location}: {message}")]
#[diagnostic(code(escalate::observed::problem))]
pub struct ObservedProblem {
    /// `file:line:col` of the offending field.
    pub location: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column (characters) of the field's first character.
    pub col: usize,
    /// The column's name, or `header`, `record` or `file`.
    pub field: String,
    /// What is wrong.
    pub message: String,
    /// Where, in the file.
    #[label("{message}")]
    pub span: SourceSpan,
    /// How to fix it.
    #[help]
    pub help: String,
}

/// One CSV field: its text (unquoted) and where it starts and ends (bytes).
#[derive(Debug)]
struct Field {
    text: String,
    start: usize,
    end: usize,
}

/// The problems of a file, with what locates them.
struct Problems<'a> {
    name: &'a str,
    text: &'a str,
    list: Vec<ObservedProblem>,
}

impl Problems<'_> {
    /// 1-based line and character column of a byte offset.
    fn line_col(&self, offset: usize) -> (usize, usize) {
        crate::core::position::line_col(self.text, offset)
    }

    fn push(&mut self, field: &str, start: usize, end: usize, message: String, help: &str) {
        let (line, col) = self.line_col(start);
        self.list.push(ObservedProblem {
            location: format!("{}:{line}:{col}", self.name),
            line,
            col,
            field: field.to_string(),
            message,
            span: SourceSpan::new(start.into(), end.saturating_sub(start)),
            help: help.to_string(),
        });
    }
}

/// Splits CSV text (RFC 4180: `"` quotes, `""` a quote inside quotes, CRLF or
/// LF) into records of fields, skipping blank lines. A quote opened and never
/// closed, or a stray character after a closing quote, is a problem.
fn split_csv(text: &str, from: usize, problems: &mut Problems<'_>) -> Vec<Vec<Field>> {
    let mut records = Vec::new();
    let mut record: Vec<Field> = Vec::new();
    let mut chars = text[from..]
        .char_indices()
        .map(|(i, c)| (i + from, c))
        .peekable();
    let mut field = String::new();
    let mut start = from;
    let mut quoted = false; // inside quotes
    let mut was_quoted = false; // the field began with a quote
    let mut after_quote = false; // the closing quote has passed
    let mut blank = true; // the record so far is one empty field
    let end_field = |record: &mut Vec<Field>, field: &mut String, start: usize, end: usize| {
        record.push(Field {
            text: std::mem::take(field),
            start,
            end,
        });
    };
    while let Some((i, c)) = chars.next() {
        if quoted {
            if c == '"' {
                if chars.peek().is_some_and(|&(_, n)| n == '"') {
                    chars.next();
                    field.push('"');
                } else {
                    quoted = false;
                    after_quote = true;
                }
            } else {
                field.push(c);
            }
            continue;
        }
        match c {
            ',' => {
                end_field(&mut record, &mut field, start, i);
                start = i + 1;
                (was_quoted, after_quote, blank) = (false, false, false);
            }
            '\r' if chars.peek().is_some_and(|&(_, n)| n == '\n') => {}
            '\n' => {
                let end = if text[..i].ends_with('\r') { i - 1 } else { i };
                if blank && field.is_empty() && !was_quoted {
                    record.clear();
                } else {
                    end_field(&mut record, &mut field, start, end);
                    records.push(std::mem::take(&mut record));
                }
                start = i + 1;
                (was_quoted, after_quote, blank) = (false, false, true);
            }
            '"' if field.is_empty() && !was_quoted && start == i => {
                quoted = true;
                was_quoted = true;
            }
            _ => {
                if after_quote {
                    problems.push(
                        "record",
                        i,
                        i + c.len_utf8(),
                        format!("`{c}` after the closing quote of a field"),
                        "a quoted field ends at its closing quote; put the whole field in quotes and write a quote inside as `\"\"`",
                    );
                    after_quote = false;
                }
                if c == '"' {
                    problems.push(
                        "record",
                        i,
                        i + 1,
                        "a quote inside an unquoted field".into(),
                        "put the field in quotes and write the quote as `\"\"`",
                    );
                }
                field.push(c);
                blank = false;
            }
        }
    }
    if quoted {
        problems.push(
            "record",
            start,
            text.len(),
            "a quoted field is never closed".into(),
            "add the closing `\"`",
        );
    }
    if !(blank && field.is_empty() && !was_quoted) {
        end_field(&mut record, &mut field, start, text.len());
        records.push(record);
    }
    records
}

/// Whether `s` is a non-empty identifier of lowercase ASCII letters, digits and `extra`.
fn is_key(s: &str, extra: &[char]) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || extra.contains(&c))
}

/// The dates a period label stands for, or why it is not one.
///
/// `YYYY` (a calendar year), `YYYY-H1`/`H2`, `YYYY-Q1`..`Q4`, `YYYY-MM` (a
/// month), `YYYY-MM-DD` (a day) and `YYYY-MM-DD..YYYY-MM-DD` (a range).
pub fn period_dates(label: &str) -> Result<(Date, Date), String> {
    let year = |s: &str| -> Option<i32> {
        (s.len() == 4 && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
            .filter(|y| (1..=9999).contains(y))
    };
    let months = |y: i32, first: u32, last: u32| -> Option<(Date, Date)> {
        Some((
            Date::new(y, first, 1)?,
            Date::new(y, last, days_in_month(y, last))?,
        ))
    };
    let unknown = || {
        format!(
            "period `{label}` is none of YYYY, YYYY-H1, YYYY-H2, YYYY-Q1..Q4, YYYY-MM, YYYY-MM-DD or YYYY-MM-DD..YYYY-MM-DD"
        )
    };
    if let Some((a, b)) = label.split_once("..") {
        return Ok((Date::parse(a)?, Date::parse(b)?));
    }
    if let Some(y) = year(label) {
        return months(y, 1, 12).ok_or_else(unknown);
    }
    if label.len() == 10 {
        return Date::parse(label).map(|d| (d, d));
    }
    let (Some(y), Some(rest)) = (
        label.get(..4).and_then(year),
        label.get(4..).and_then(|r| r.strip_prefix('-')),
    ) else {
        return Err(unknown());
    };
    let range = match rest {
        "H1" => months(y, 1, 6),
        "H2" => months(y, 7, 12),
        "Q1" => months(y, 1, 3),
        "Q2" => months(y, 4, 6),
        "Q3" => months(y, 7, 9),
        "Q4" => months(y, 10, 12),
        m if m.len() == 2 && m.bytes().all(|b| b.is_ascii_digit()) => {
            let m: u32 = m.parse().unwrap_or(0);
            if (1..=12).contains(&m) {
                months(y, m, m)
            } else {
                None
            }
        }
        _ => None,
    };
    range.ok_or_else(unknown)
}

impl Observed {
    /// Reads and checks a file.
    pub fn read(path: &Path) -> Result<Observed, ObservedError> {
        let bytes = crate::io::read_capped(path, crate::io::TEXT_LIMIT).map_err(|source| {
            ObservedError::Read {
                path: path.display().to_string(),
                source,
            }
        })?;
        let name = path.display().to_string();
        match std::str::from_utf8(&bytes) {
            Ok(text) => Observed::parse_bytes(&name, text, &bytes),
            Err(e) => {
                let text = String::from_utf8_lossy(&bytes).into_owned();
                let mut problems = Problems {
                    name: &name,
                    text: &text,
                    list: Vec::new(),
                };
                let at = e.valid_up_to();
                problems.push(
                    "file",
                    at,
                    at + 1,
                    "the file is not UTF-8 text".into(),
                    "save the file as UTF-8",
                );
                let problems = problems.list;
                Err(ObservedError::Invalid {
                    name: name.clone(),
                    src: NamedSource::new(name, text),
                    problems,
                })
            }
        }
    }

    /// Parses and checks the text of a file called `name`.
    pub fn parse(name: &str, text: &str) -> Result<Observed, ObservedError> {
        Observed::parse_bytes(name, text, text.as_bytes())
    }

    fn parse_bytes(name: &str, text: &str, bytes: &[u8]) -> Result<Observed, ObservedError> {
        let mut p = Problems {
            name,
            text,
            list: Vec::new(),
        };
        let from = if text.starts_with('\u{feff}') { 3 } else { 0 };
        let rows = split_csv(text, from, &mut p);
        let records = check(&rows, &mut p);
        // In reading order, whatever order the checks ran in.
        p.list.sort_by_key(|q| (q.line, q.col));
        if p.list.is_empty() {
            Ok(Observed {
                name: name.to_string(),
                sha256: crate::io::sha256_hex(bytes),
                records,
            })
        } else {
            Err(ObservedError::Invalid {
                name: name.to_string(),
                src: NamedSource::new(name, text.to_string()),
                problems: p.list,
            })
        }
    }

    /// The record with this id.
    pub fn get(&self, id: &str) -> Option<&Record> {
        self.records.iter().find(|r| r.id == id)
    }
}

/// Checks the header and every record, pushing every problem; returns the
/// records that are whole.
fn check(rows: &[Vec<Field>], p: &mut Problems<'_>) -> Vec<Record> {
    let Some((header, body)) = rows.split_first() else {
        p.push(
            "header",
            0,
            0,
            "the file is empty".into(),
            &format!("start with the header line `{}`", COLUMNS.join(",")),
        );
        return Vec::new();
    };
    // Column index of each known column.
    let mut index: [Option<usize>; COLUMNS.len()] = [None; COLUMNS.len()];
    for (i, f) in header.iter().enumerate() {
        let name = f.text.trim();
        match COLUMNS.iter().position(|&c| c == name) {
            Some(k) if index[k].is_some() => p.push(
                "header",
                f.start,
                f.end,
                format!("column `{name}` appears twice"),
                "keep one column of each name",
            ),
            Some(k) => index[k] = Some(i),
            None => {
                let near = crate::core::suggest::did_you_mean(name, &COLUMNS)
                    .map(|s| format!("{s} "))
                    .unwrap_or_default();
                p.push(
                    "header",
                    f.start,
                    f.end,
                    format!("unknown column `{name}`"),
                    &format!("{near}the columns are {}", COLUMNS.join(", ")),
                );
            }
        }
    }
    let header_start = header.first().map_or(0, |f| f.start);
    let header_end = header.last().map_or(0, |f| f.end);
    for (k, col) in COLUMNS.iter().enumerate() {
        if index[k].is_none() {
            p.push(
                "header",
                header_start,
                header_end,
                format!("column `{col}` is missing"),
                &format!("add `{col}` to the header (and a field to every record); data/observed/README.md says what it holds"),
            );
        }
    }

    let mut records = Vec::new();
    let mut ids: HashMap<String, usize> = HashMap::new();
    for row in body {
        let row_start = row.first().map_or(0, |f| f.start);
        let row_end = row.last().map_or(row_start, |f| f.end);
        if row.len() != header.len() {
            p.push(
                "record",
                row_start,
                row_end,
                format!(
                    "{} field{} where the header has {}",
                    row.len(),
                    if row.len() == 1 { "" } else { "s" },
                    header.len()
                ),
                "give every record one field per column; put a field holding a comma in quotes",
            );
        }
        // A missing field is located at the end of the record.
        let field = |k: usize| -> (&str, usize, usize) {
            match index[k].and_then(|i| row.get(i)) {
                Some(f) => (f.text.as_str(), f.start, f.end),
                None => ("", row_end, row_end),
            }
        };
        let has = |k: usize| index[k].is_some_and(|i| i < row.len());
        let mut whole = true;

        // Text fields that must be keys.
        let mut key = |k: usize, extra: &[char], what: &str, p: &mut Problems<'_>| -> String {
            let (t, s, e) = field(k);
            if has(k) && !is_key(t, extra) {
                let message = if t.is_empty() {
                    format!("{} is empty", COLUMNS[k])
                } else {
                    format!("{} `{t}` is not {what}", COLUMNS[k])
                };
                p.push(COLUMNS[k], s, e, message, &format!("write {what}"));
                whole = false;
            }
            t.to_string()
        };
        let id = key(
            0,
            &['-', '_', '.'],
            "a key of lowercase letters, digits, `-`, `_` and `.`",
            p,
        );
        let quantity = key(
            5,
            &['_'],
            "an identifier of lowercase letters, digits and `_`",
            p,
        );
        let source = key(
            10,
            &['-'],
            "a key of docs/sources.md (lowercase letters, digits and `-`)",
            p,
        );
        let (series, s, e) = field(1);
        if has(1) && (series.trim().is_empty() || series.trim() != series) {
            p.push(
                "series",
                s,
                e,
                if series.trim().is_empty() {
                    "series is empty".into()
                } else {
                    format!("series `{series}` has spaces around it")
                },
                "name who counted the figure: PICSS, CRSS, PIPS, PK-GOV, IOM, NEWS...",
            );
            whole = false;
        }
        let (unit, s, e) = field(6);
        if has(6) && unit.trim().is_empty() {
            p.push(
                "unit",
                s,
                e,
                "unit is empty".into(),
                "give the value's unit: attacks, people, strikes, days, ceasefires, operations, thousand USD",
            );
            whole = false;
        }
        let (metric, s, e) = field(7);
        if metric.chars().any(char::is_whitespace) {
            p.push(
                "metric",
                s,
                e,
                format!("metric `{metric}` contains a space"),
                "name one engine metric (as `escalate run --json` lists them), or leave the field empty",
            );
            whole = false;
        }

        // Dates and the period.
        let mut date = |k: usize, p: &mut Problems<'_>| -> Option<Date> {
            let (t, s, e) = field(k);
            if !has(k) {
                whole = false;
                return None;
            }
            match Date::parse(t) {
                Ok(d) => Some(d),
                Err(m) => {
                    p.push(
                        COLUMNS[k],
                        s,
                        e,
                        m,
                        "write the date as YYYY-MM-DD, a real calendar day",
                    );
                    whole = false;
                    None
                }
            }
        };
        let start = date(3, p);
        let end = date(4, p);
        if let (Some(a), Some(b)) = (start, end)
            && b < a
        {
            let (_, s, e) = field(4);
            p.push(
                "end",
                s,
                e,
                format!("end {b} is before start {a}"),
                "the period runs from start to end, both included; swap them or fix the one that is wrong",
            );
            whole = false;
        }
        let (period, s, e) = field(2);
        if has(2) {
            match period_dates(period) {
                Err(m) => {
                    p.push(
                        "period",
                        s,
                        e,
                        m,
                        "label the period as a year (2022), half (2022-H1), quarter (2023-Q3), month (2022-11), day (2022-04-16) or range (2023-02-19..2023-02-25)",
                    );
                    whole = false;
                }
                Ok((a, b)) => {
                    if let (Some(start), Some(end)) = (start, end)
                        && (a, b) != (start, end)
                    {
                        p.push(
                            "period",
                            s,
                            e,
                            format!(
                                "period `{period}` is {a}..{b} but start and end say {start}..{end}"
                            ),
                            "make the label and the dates agree (a range label is START..END)",
                        );
                        whole = false;
                    }
                }
            }
        } else {
            whole = false;
        }

        // Numbers.
        let mut number = |k: usize, p: &mut Problems<'_>| -> Option<f64> {
            let (t, s, e) = field(k);
            if !has(k) {
                whole = false;
                return None;
            }
            let v = t.trim().parse::<f64>();
            let bad = |m: String, p: &mut Problems<'_>| {
                p.push(
                    COLUMNS[k],
                    s,
                    e,
                    m,
                    if k == 8 {
                        "write the figure as a plain non-negative number (no thousands separators)"
                    } else {
                        "write the standard deviation as a plain number above 0; data/observed/README.md gives the rule"
                    },
                );
            };
            match v {
                Err(_) => {
                    bad(format!("{} `{t}` is not a number", COLUMNS[k]), p);
                    whole = false;
                    None
                }
                Ok(v) if !v.is_finite() => {
                    bad(format!("{} `{t}` is not finite", COLUMNS[k]), p);
                    whole = false;
                    None
                }
                Ok(v) if k == 8 && v < 0.0 => {
                    bad(format!("value {t} is negative"), p);
                    whole = false;
                    None
                }
                Ok(v) if k == 9 && v <= 0.0 => {
                    bad(format!("sd {t} is not above 0"), p);
                    whole = false;
                    None
                }
                Ok(v) => Some(v),
            }
        };
        let value = number(8, p);
        let sd = number(9, p);

        // Duplicate ids.
        let (_, s, e) = field(0);
        if has(0) && !id.is_empty() {
            let (line, _) = p.line_col(s);
            if let Some(&first) = ids.get(&id) {
                p.push(
                    "id",
                    s,
                    e,
                    format!("id `{id}` is already used on line {first}"),
                    "give every record its own id",
                );
                whole = false;
            } else {
                ids.insert(id.clone(), line);
            }
        }

        if !(whole && row.len() == header.len()) {
            continue;
        }
        if let (Some(start), Some(end), Some(value), Some(sd)) = (start, end, value, sd) {
            records.push(Record {
                id,
                series: series.to_string(),
                period: period.to_string(),
                start,
                end,
                quantity,
                unit: unit.to_string(),
                metric: (!metric.is_empty()).then(|| metric.to_string()),
                value,
                sd,
                source,
                note: field(11).0.to_string(),
            });
        }
    }
    records
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "id,series,period,start,end,quantity,unit,metric,value,sd,source,note\n";

    fn d(s: &str) -> Date {
        Date::parse(s).expect(s)
    }

    #[test]
    fn days_since_matches_known_differences() {
        assert_eq!(d("2023-12-31").days_since(d("2021-08-15")), 868);
        assert_eq!(d("2021-08-15").days_since(d("2023-12-31")), -868);
        assert_eq!(d("2024-03-16").days_since(d("2024-03-16")), 0);
        assert_eq!(d("1970-01-01").days_from_epoch(), 0);
        assert_eq!(d("2000-03-01").days_since(d("2000-02-28")), 2); // 2000 is a leap year
        assert_eq!(d("1900-03-01").days_since(d("1900-02-28")), 1); // 1900 is not
        assert_eq!(d("2024-01-01").days_since(d("2023-01-01")), 365);
        assert_eq!(d("2025-01-01").days_since(d("2024-01-01")), 366);
        assert_eq!(d("2401-01-01").days_since(d("2001-01-01")), 146_097);
        assert_eq!(d("0001-01-01").days_from_epoch(), -719_162);
        assert_eq!(d("9999-12-31").days_from_epoch(), 2_932_896);
        // The flagship's day 0 (16 March 2024) from the Taliban takeover.
        assert_eq!(d("2024-03-16").days_since(d("2021-08-15")), 944);
    }

    #[test]
    fn days_since_agrees_with_counting_day_by_day() {
        let mut day = d("1999-12-25");
        let origin = day;
        for n in 0..2000 {
            assert_eq!(day.days_since(origin), n, "{day}");
            day = if day.day < days_in_month(day.year, day.month) {
                Date {
                    day: day.day + 1,
                    ..day
                }
            } else if day.month < 12 {
                Date::new(day.year, day.month + 1, 1).expect("month")
            } else {
                Date::new(day.year + 1, 1, 1).expect("year")
            };
        }
    }

    #[test]
    fn dates_must_be_real_calendar_days() {
        assert_eq!(d("2024-02-29").to_string(), "2024-02-29");
        for bad in [
            "2023-02-29",
            "2021-04-31",
            "2021-13-01",
            "2021-00-10",
            "2021-01-00",
            "0000-01-01",
            "2021-1-01",
            "21-01-01",
            "2021/01/01",
            "2021-01-01 ",
            "",
            "２０２１-01-01",
            "2021-01-0x",
        ] {
            assert!(Date::parse(bad).is_err(), "{bad:?}");
        }
        assert!(
            Date::parse("2023-02-29")
                .unwrap_err()
                .contains("has 28 days")
        );
    }

    #[test]
    fn period_labels_stand_for_their_dates() {
        let p = |s: &str| period_dates(s).map(|(a, b)| format!("{a}..{b}"));
        assert_eq!(p("2022").unwrap(), "2022-01-01..2022-12-31");
        assert_eq!(p("2022-H1").unwrap(), "2022-01-01..2022-06-30");
        assert_eq!(p("2022-H2").unwrap(), "2022-07-01..2022-12-31");
        assert_eq!(p("2023-Q3").unwrap(), "2023-07-01..2023-09-30");
        assert_eq!(p("2024-02").unwrap(), "2024-02-01..2024-02-29");
        assert_eq!(p("2022-04-16").unwrap(), "2022-04-16..2022-04-16");
        assert_eq!(
            p("2023-02-19..2023-02-25").unwrap(),
            "2023-02-19..2023-02-25"
        );
        for bad in [
            "",
            "22",
            "2022-H3",
            "2022-Q5",
            "2022-13",
            "FY2023",
            "2022-",
            "..",
            "2022-ÿÿ",
        ] {
            assert!(period_dates(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn windows_are_inclusive_days_from_the_origin() {
        let text = format!(
            "{HEADER}a,PICSS,2022,2022-01-01,2022-12-31,attacks,attacks,attacks,380,38,picss-2022,\n\
             b,PICSS,2021,2021-01-01,2021-12-31,attacks,attacks,,294,29.4,picss-2021,\"a note, with a comma and \"\"quotes\"\"\"\n"
        );
        let o = Observed::parse("t.csv", &text).expect("valid");
        assert_eq!(o.records.len(), 2);
        assert_eq!(o.sha256, crate::io::sha256_hex(text.as_bytes()));
        let origin = d("2021-08-15");
        assert_eq!(o.records[0].window(origin), Some((139, 503)));
        assert_eq!(o.records[0].days(), 365);
        assert_eq!(o.records[0].metric.as_deref(), Some("attacks"));
        assert_eq!(o.records[1].window(origin), None);
        assert_eq!(o.records[1].metric, None);
        assert_eq!(o.records[1].note, "a note, with a comma and \"quotes\"");
        assert_eq!(o.get("b").map(|r| r.value), Some(294.0));
    }

    #[test]
    fn crlf_a_byte_order_mark_blank_lines_and_column_order_are_accepted() {
        let text = "\u{feff}note,source,sd,value,metric,unit,quantity,end,start,period,series,id\r\n\
                    \r\n\
                    x,crss-2023,1,0,,days,closure_days,2023-02-25,2023-02-19,2023-02-19..2023-02-25,NEWS,r1\r\n";
        let o = Observed::parse("t.csv", text).expect("valid");
        assert_eq!(o.records[0].id, "r1");
        assert_eq!(o.records[0].note, "x");
        assert_eq!(o.records[0].days(), 7);
    }

    fn problems(text: &str) -> Vec<(String, String)> {
        match Observed::parse("t.csv", text) {
            Ok(_) => panic!("expected problems in {text}"),
            Err(e) => e
                .problems()
                .iter()
                .map(|p| (p.location.clone(), p.message.clone()))
                .collect(),
        }
    }

    #[test]
    fn every_problem_is_reported_at_once_with_its_position() {
        let text = format!(
            "{HEADER}\
             ok,PICSS,2022,2022-01-01,2022-12-31,attacks,attacks,attacks,380,38,picss-2022,\n\
             bad-date,PICSS,2022,2022-01-01,2022-02-30,attacks,attacks,,1,1,picss-2022,\n\
             backwards,PICSS,2022-04-16..2022-04-01,2022-04-16,2022-04-01,attacks,attacks,,1,1,s,\n\
             ok,PICSS,2022,2022-01-01,2022-12-31,attacks,attacks,,-3,0,,\n\
             nan,PICSS,2022,2022-01-01,2022-12-31,attacks,attacks,,NaN,inf,s,\n\
             label,PICSS,2022-H1,2022-01-01,2022-12-31,attacks,attacks,,1,1,s,\n"
        );
        let got = problems(&text);
        let want = [
            (
                "t.csv:3:32",
                "`2022-02-30` is not a calendar date: 2022-02 has 28 days",
            ),
            ("t.csv:4:51", "end 2022-04-01 is before start 2022-04-16"),
            ("t.csv:5:1", "id `ok` is already used on line 2"),
            ("t.csv:5:54", "value -3 is negative"),
            ("t.csv:5:57", "sd 0 is not above 0"),
            ("t.csv:5:59", "source is empty"),
            ("t.csv:6:55", "value `NaN` is not finite"),
            ("t.csv:6:59", "sd `inf` is not finite"),
            (
                "t.csv:7:13",
                "period `2022-H1` is 2022-01-01..2022-06-30 but start and end say 2022-01-01..2022-12-31",
            ),
        ];
        let mut got_sorted = got.clone();
        got_sorted.sort();
        let mut want_sorted: Vec<(String, String)> = want
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
        want_sorted.sort();
        assert_eq!(got_sorted, want_sorted, "{got:#?}");
    }

    #[test]
    fn header_problems_name_the_column() {
        let got =
            problems("id,series,period,start,end,quantity,unit,metrc,value,sd,source,note,extra\n");
        assert!(
            got.contains(&("t.csv:1:42".into(), "unknown column `metrc`".into())),
            "{got:?}"
        );
        assert!(
            got.contains(&("t.csv:1:69".into(), "unknown column `extra`".into())),
            "{got:?}"
        );
        assert!(
            got.contains(&("t.csv:1:1".into(), "column `metric` is missing".into())),
            "{got:?}"
        );
        let e = Observed::parse("t.csv", "id,id\n").unwrap_err();
        assert!(
            e.problems()
                .iter()
                .any(|p| p.message == "column `id` appears twice")
        );
        assert!(
            Observed::parse(
                "t.csv",
                "id,series,period,start,end,quantity,unit,metrc,value,sd,source,note\n"
            )
            .unwrap_err()
            .problems()
            .iter()
            .any(|p| p.help.contains("did you mean `metric`?"))
        );
        assert_eq!(
            problems(""),
            [("t.csv:1:1".into(), "the file is empty".into())]
        );
    }

    #[test]
    fn columns_count_characters_and_records_count_fields() {
        // `é` is two bytes but one column.
        let text = format!(
            "{HEADER}a,NEWS,2022,2022-01-01,2022-12-31,attacks,attacks,,1,1,news,é\"x\n\
             b,NEWS,2022,2022-01-01,2022-12-31,attacks,attacks,,1,1\n\
             c,NEWS,2022,2022-01-01,2022-12-31,attacks,attacks,,1,1,news,\"open\n"
        );
        let got = problems(&text);
        assert!(
            got.contains(&(
                "t.csv:2:62".into(),
                "a quote inside an unquoted field".into()
            )),
            "{got:?}"
        );
        assert!(
            got.contains(&(
                "t.csv:3:1".into(),
                "10 fields where the header has 12".into()
            )),
            "{got:?}"
        );
        assert!(
            got.contains(&("t.csv:4:61".into(), "a quoted field is never closed".into())),
            "{got:?}"
        );
    }

    #[test]
    fn the_diagnostic_names_every_problem() {
        let text = format!("{HEADER}a,NEWS,2022,2022-01-01,2021-01-01,x,days,,1,0,news,\n");
        let e = Observed::parse("t.csv", &text).unwrap_err();
        assert_eq!(e.to_string(), "t.csv: 3 problems found");
        assert_eq!(
            e.code().map(|c| c.to_string()).as_deref(),
            Some("escalate::observed::invalid")
        );
        let related: Vec<String> = e
            .related()
            .expect("related")
            .map(|p| p.to_string())
            .collect();
        assert_eq!(related.len(), 3);
        assert!(
            related.iter().all(|r| r.starts_with("t.csv:2:")),
            "{related:?}"
        );
        assert!(e.problems().iter().all(|p| !p.help.is_empty()));
    }

    #[test]
    fn garbage_never_panics() {
        let samples = [
            "\"",
            "\"\"",
            ",,,\n,,",
            "\r",
            "\r\n\r\n",
            "id\n\"a\"b",
            "é,é\né",
            "\u{feff}",
            "\u{feff}\"",
            "id,series\n\"x",
            "\n\n\nid",
            "a\"\"b,\"c\"\"d\"",
            ",\n,\n,",
            "\"\u{feff}\"\r\r\n",
        ];
        for s in samples {
            let _ = Observed::parse("t.csv", s);
        }
        // Every prefix of a valid file.
        let text = format!(
            "{HEADER}a,PICSS,2022,2022-01-01,2022-12-31,attacks,attacks,,1,1,s,\"é, \"\"q\"\"\"\n"
        );
        for (i, _) in text.char_indices() {
            let _ = Observed::parse("t.csv", &text[..i]);
        }
    }

    #[test]
    fn read_reports_a_missing_file_and_bytes_that_are_not_utf8() {
        let e = Observed::read(Path::new("/nonexistent/observed.csv")).unwrap_err();
        assert!(matches!(e, ObservedError::Read { .. }));
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("x.csv");
        std::fs::write(&path, b"id,\xff\n").expect("write");
        let e = Observed::read(&path).unwrap_err();
        assert_eq!(e.problems().len(), 1);
        assert!(
            e.problems()[0].location.ends_with("x.csv:1:4"),
            "{:?}",
            e.problems()[0]
        );
    }

    proptest::proptest! {
        #[test]
        fn any_text_parses_or_reports_problems_inside_it(s in "[a-z0-9,\"\r\n.\\- é]{0,200}") {
            let text = format!("{HEADER}{s}");
            if let Err(e) = Observed::parse("t.csv", &text) {
                let lines = text.split('\n').count();
                for p in e.problems() {
                    proptest::prop_assert!(p.line >= 1 && p.line <= lines, "{p:?}");
                    proptest::prop_assert!(p.col >= 1, "{p:?}");
                    proptest::prop_assert!(p.span.offset() + p.span.len() <= text.len(), "{p:?}");
                }
            }
        }

        #[test]
        fn days_since_is_antisymmetric_and_a_new_year_is_365_or_366_days(
            y in 1i32..9999, m in 1u32..=12, d in 1u32..=28, y2 in 1i32..9999
        ) {
            let a = Date::new(y, m, d).expect("date");
            let b = Date::new(y2, 1, 1).expect("date");
            proptest::prop_assert_eq!(a.days_since(b), -b.days_since(a));
            if y < 9999 {
                let next = Date::new(y + 1, 1, 1).expect("date");
                let this = Date::new(y, 1, 1).expect("date");
                let len = if is_leap(y) { 366 } else { 365 };
                proptest::prop_assert_eq!(next.days_since(this), len);
            }
            proptest::prop_assert_eq!(Date::parse(&a.to_string()), Ok(a));
        }
    }
}
