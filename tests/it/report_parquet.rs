//! `--parquet FILE` (feature `parquet`): every file read back with the
//! `parquet` crate's own reader holds the rows of the CSV of the same command,
//! cell for cell (an empty CSV cell is a null, numbers are equal to the bit),
//! for a run, a sweep's points, a trace's events and a sharded run's parts
//! (read in shard order, they are the whole run's CSV); the schemas are pinned
//! by a snapshot; the same seed gives the same bytes for any thread count; a
//! `--parquet` that names an input, standard output or a directory is refused
//! before anything runs, and nothing is written.

use std::fmt::Write as _;
use std::path::Path;

use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, UInt8Type, UInt16Type, UInt32Type, UInt64Type};
use arrow_array::{Array, RecordBatch};
use arrow_schema::{DataType, Schema};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use crate::harness::{Sandbox, escalate_in};

/// One cell as the Parquet reader gives it back.
#[derive(Debug, Clone, PartialEq)]
enum Cell {
    Null,
    Int(u64),
    Float(f64),
    Text(String),
}

/// A Parquet file read back: its schema and its rows, batch after batch.
struct Table {
    schema: Schema,
    rows: Vec<Vec<Cell>>,
}

fn cell(column: &dyn Array, i: usize) -> Cell {
    if column.is_null(i) {
        return Cell::Null;
    }
    match column.data_type() {
        DataType::UInt64 => Cell::Int(column.as_primitive::<UInt64Type>().value(i)),
        DataType::UInt32 => Cell::Int(column.as_primitive::<UInt32Type>().value(i).into()),
        DataType::UInt8 => Cell::Int(column.as_primitive::<UInt8Type>().value(i).into()),
        DataType::Float64 => Cell::Float(column.as_primitive::<Float64Type>().value(i)),
        DataType::Utf8 => Cell::Text(column.as_string::<i32>().value(i).to_string()),
        DataType::Dictionary(..) => {
            let d = column.as_dictionary::<UInt16Type>();
            let key = d.keys().value(i) as usize;
            Cell::Text(d.values().as_string::<i32>().value(key).to_string())
        }
        other => panic!("unexpected column type {other}"),
    }
}

fn read_parquet(path: &Path) -> Table {
    let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let builder = ParquetRecordBatchReaderBuilder::try_new(file).expect("a Parquet file");
    let schema = builder.schema().as_ref().clone();
    let mut rows = Vec::new();
    for batch in builder.build().expect("a reader") {
        let batch: RecordBatch = batch.expect("a batch");
        for i in 0..batch.num_rows() {
            rows.push(batch.columns().iter().map(|c| cell(c, i)).collect());
        }
    }
    Table { schema, rows }
}

/// The CSV's header and rows, as text.
fn read_csv(bytes: &[u8]) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_reader(bytes);
    let header = r.headers().unwrap().iter().map(String::from).collect();
    let rows = r
        .records()
        .map(|rec| rec.unwrap().iter().map(String::from).collect())
        .collect();
    (header, rows)
}

/// Whether a CSV cell and a Parquet cell say the same: an empty cell is a
/// null, an integer the same integer, a number the same 64-bit float.
fn same(text: &str, c: &Cell) -> bool {
    match c {
        Cell::Null => text.is_empty(),
        Cell::Int(n) => text.parse::<u64>() == Ok(*n),
        Cell::Float(x) => text
            .parse::<f64>()
            .is_ok_and(|y| y.to_bits() == x.to_bits()),
        Cell::Text(s) => text == s,
    }
}

/// Asserts the Parquet file holds the CSV's columns and rows, cell for cell.
fn assert_same_rows(what: &str, csv: &[u8], table: &Table) {
    let (header, rows) = read_csv(csv);
    let names: Vec<&str> = table
        .schema
        .fields()
        .iter()
        .map(|f| f.name().as_str())
        .collect();
    assert_eq!(names, header, "{what}: columns");
    assert_eq!(table.rows.len(), rows.len(), "{what}: rows");
    for (i, (want, got)) in rows.iter().zip(&table.rows).enumerate() {
        for (j, (w, g)) in want.iter().zip(got).enumerate() {
            assert!(
                same(w, g),
                "{what}: row {i} column {}: CSV {w:?}, Parquet {g:?}",
                header[j]
            );
        }
    }
}

/// Every column's name, type and nullability, one per line.
fn describe(schema: &Schema) -> String {
    let mut s = String::new();
    for f in schema.fields() {
        let null = if f.is_nullable() { " (nullable)" } else { "" };
        let _ = writeln!(s, "{}: {}{null}", f.name(), f.data_type());
    }
    s
}

fn ok(dir: &Path, args: &[&str]) -> String {
    let r = escalate_in(dir, args);
    r.assert_success();
    r.stdout_text()
}

/// 70,000 trials: nine batches of rows and two row groups.
const TRIALS: &str = "70000";

#[test]
fn a_run_parquet_file_has_the_rows_of_its_csv() {
    let sb = Sandbox::new();
    let args = [
        "run", "minimal", "--seed", "5", "--trials", TRIALS, "--quiet",
    ];
    let mut a = args.to_vec();
    a.extend(["--csv", "t.csv", "--parquet", "t.parquet", "--threads", "2"]);
    ok(sb.path(), &a);
    let table = read_parquet(&sb.join("t.parquet"));
    assert_eq!(table.rows.len(), 70_000);
    assert_same_rows("run", &std::fs::read(sb.join("t.csv")).unwrap(), &table);
    // minimal.ron's optional metric is absent in some trials and present in others.
    let optional: Vec<usize> = (0..table.schema.fields().len())
        .filter(|&j| table.schema.field(j).is_nullable())
        .collect();
    assert!(!optional.is_empty(), "minimal.ron has an optional metric");
    for j in optional {
        let nulls = table.rows.iter().filter(|r| r[j] == Cell::Null).count();
        assert!(
            nulls > 0 && nulls < table.rows.len(),
            "column {j}: {nulls} nulls"
        );
    }

    // The same seed, other threads: the same bytes.
    let mut b = args.to_vec();
    b.extend(["--parquet", "u.parquet", "--threads", "1"]);
    ok(sb.path(), &b);
    assert_eq!(
        std::fs::read(sb.join("t.parquet")).unwrap(),
        std::fs::read(sb.join("u.parquet")).unwrap(),
        "same seed, different bytes"
    );
}

#[test]
fn the_parts_of_a_sharded_run_are_the_rows_of_the_whole_run() {
    let sb = Sandbox::new();
    let run = [
        "run", "minimal", "--seed", "9", "--trials", "25000", "--quiet",
    ];
    let mut whole = run.to_vec();
    whole.extend(["--csv", "whole.csv"]);
    ok(sb.path(), &whole);
    std::fs::create_dir(sb.join("trials")).unwrap();
    let mut rows = Vec::new();
    let mut schema = None;
    for k in 0..3 {
        let (shard, part, table) = (
            format!("{k}/3"),
            format!("part-{k}.esc"),
            format!("trials/part-{k}.parquet"),
        );
        let mut a = run.to_vec();
        a.extend(["--shard", &shard, "--out", &part, "--parquet", &table]);
        let said = ok(sb.path(), &a);
        assert!(said.contains(&table), "{said}");
        let t = read_parquet(&sb.join(&table));
        assert!(!t.rows.is_empty());
        if let Some(s) = &schema {
            assert_eq!(&t.schema, s, "part {k}: another schema");
        }
        schema = Some(t.schema);
        rows.extend(t.rows);
    }
    let table = Table {
        schema: schema.unwrap(),
        rows,
    };
    assert_same_rows(
        "shards",
        &std::fs::read(sb.join("whole.csv")).unwrap(),
        &table,
    );
    // The parts merge as usual.
    ok(
        sb.path(),
        &[
            "merge",
            "part-0.esc",
            "part-1.esc",
            "part-2.esc",
            "--json",
            "m.json",
        ],
    );
}

fn sweep_args<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    let mut a = vec![
        "sweep",
        "minimal",
        "--design",
        "lhs",
        "--points",
        "6",
        "--set",
        "actors.G.attack_rate=0.1..0.5",
        "--policy",
        "baseline",
        "--policy",
        "talks",
        "--trials",
        "200",
        "--seed",
        "3",
        "--quiet",
    ];
    a.extend_from_slice(extra);
    a
}

#[test]
fn a_sweep_parquet_file_has_the_rows_of_points_csv() {
    let sb = Sandbox::new();
    let said = ok(
        sb.path(),
        &sweep_args(&["--out", "sw", "--parquet", "points.parquet"]),
    );
    assert!(said.contains("points.parquet"), "{said}");
    let table = read_parquet(&sb.join("points.parquet"));
    assert_eq!(table.rows.len(), 6);
    let csv = std::fs::read(sb.join("sw/points.csv")).unwrap();
    assert_same_rows("sweep", &csv, &table);
    // The policy factor is text, the numeric one a number.
    let policy = table.schema.field_with_name("policy").unwrap();
    assert_eq!(policy.data_type(), &DataType::Utf8);
    let rate = table
        .schema
        .field_with_name("actors.G.attack_rate")
        .unwrap();
    assert_eq!(rate.data_type(), &DataType::Float64);
}

#[test]
fn a_trace_parquet_file_has_the_rows_of_its_csv() {
    let sb = Sandbox::new();
    for (scenario, trial) in [("minimal", "3"), ("pak-afghan-2024", "11")] {
        let trace = ["trace", scenario, "--seed", "7", "--trial", trial];
        let mut a = trace.to_vec();
        a.extend(["--format", "csv", "--parquet", "events.parquet"]);
        let csv = ok(sb.path(), &a);
        let table = read_parquet(&sb.join("events.parquet"));
        assert!(
            table.rows.len() > 3,
            "{scenario}: {} events",
            table.rows.len()
        );
        assert_same_rows(scenario, csv.as_bytes(), &table);
        assert!(
            table.rows.iter().flatten().any(|c| *c == Cell::Null),
            "{scenario}: no empty cell became a null"
        );
    }
}

#[test]
fn the_parquet_schemas_are_pinned() {
    let sb = Sandbox::new();
    ok(
        sb.path(),
        &[
            "run",
            "minimal",
            "--trials",
            "10",
            "--quiet",
            "--parquet",
            "t.parquet",
        ],
    );
    ok(
        sb.path(),
        &["trace", "minimal", "--trial", "3", "--parquet", "e.parquet"],
    );
    ok(
        sb.path(),
        &sweep_args(&["--out", "sw", "--parquet", "p.parquet"]),
    );
    let mut pinned = String::new();
    for (what, file) in [
        ("run minimal --parquet", "t.parquet"),
        ("trace minimal --parquet", "e.parquet"),
        ("sweep minimal --parquet", "p.parquet"),
    ] {
        let _ = writeln!(pinned, "# {what}");
        pinned.push_str(&describe(&read_parquet(&sb.join(file)).schema));
    }
    insta::assert_snapshot!("parquet_schemas", pinned);
}

#[test]
fn a_parquet_output_that_is_an_input_stdout_or_a_directory_is_refused() {
    // A sandbox of its own copy (Sandbox::new links the project's scenarios/, which this
    // test must not write through).
    let sb = Sandbox::empty();
    sb.copy("scenarios/minimal.ron");
    std::fs::create_dir(sb.join("adir")).unwrap();
    let before = std::fs::read(sb.join("scenarios/minimal.ron")).unwrap();
    for (args, says) in [
        (
            vec![
                "run",
                "scenarios/minimal.ron",
                "--parquet",
                "scenarios/minimal.ron",
            ],
            "reads that file as the scenario",
        ),
        (
            vec![
                "trace",
                "scenarios/minimal.ron",
                "--parquet",
                "scenarios/minimal.ron",
            ],
            "reads that file as the scenario",
        ),
        (
            vec!["run", "minimal", "--parquet", "-"],
            "cannot go to standard output",
        ),
        (
            vec!["run", "minimal", "--csv", "t.csv", "--parquet", "adir"],
            "not a regular file",
        ),
        (
            vec![
                "run",
                "minimal",
                "--shard",
                "0/2",
                "--out",
                "p.esc",
                "--parquet",
                "p.esc",
            ],
            "both name",
        ),
    ] {
        let r = escalate_in(sb.path(), &args);
        r.assert_code(2);
        assert!(
            r.stderr_text().contains(says),
            "{args:?}: {}",
            r.stderr_text()
        );
        assert!(r.stdout.is_empty(), "{args:?} printed {}", r.stdout_text());
    }
    assert_eq!(
        std::fs::read(sb.join("scenarios/minimal.ron")).unwrap(),
        before
    );
    for gone in ["t.csv", "p.esc"] {
        assert!(!sb.join(gone).exists(), "{gone} was written");
    }
}

/// Runs a study's job script as Slurm would run task `task` of it (or the
/// finishing job, `None`), here, without a cluster.
fn run_job_script(script: &Path, task: Option<u64>) -> std::process::Output {
    let mut c = std::process::Command::new("bash");
    c.arg(script)
        .current_dir(script.parent().unwrap())
        .env("NO_COLOR", "1");
    if let Some(k) = task {
        c.env("SLURM_ARRAY_TASK_ID", k.to_string());
    }
    c.output().expect("bash runs")
}

/// Regression: `escalate slurm sweep` had no `--parquet` (plain `slurm` and
/// `sweep` have it). With it, the tasks and the finishing job run the sweep
/// with `--parquet DIR/sweep/points.parquet`: run here task by task (last
/// first, as Slurm may) and then the finishing job, the study's sweep
/// directory holds the bytes of `escalate sweep --parquet` on one machine.
#[test]
fn regression_slurm_sweep_parquet_writes_the_points_table_of_sweep_parquet() {
    let sb = Sandbox::new();
    ok(
        sb.path(),
        &sweep_args(&["--out", "single", "--parquet", "single.parquet"]),
    );
    let sweep = sweep_args(&[]);
    let mut args = vec!["slurm", "sweep"];
    // The sweep's words, without `sweep` and `--quiet` (not a flag of slurm sweep).
    args.extend(sweep[1..].iter().filter(|a| **a != "--quiet"));
    args.extend(["--shards", "3", "--dir", "study", "--parquet"]);
    let r = escalate_in(sb.path(), &args);
    r.assert_success();
    let study = sb.join("study").canonicalize().unwrap();
    let table = study.join("sweep/points.parquet");
    let said = r.stderr_text();
    assert!(
        said.contains(&format!(
            "and the points as Parquet into {}",
            table.display()
        )),
        "{said}"
    );
    for script in ["job.sbatch", "merge.sbatch"] {
        let text = std::fs::read_to_string(study.join(script)).unwrap();
        assert!(
            text.contains(&format!("--parquet {}", table.display())),
            "{script} does not pass --parquet:\n{text}"
        );
    }
    for k in (0..3).rev() {
        let t = run_job_script(&study.join("job.sbatch"), Some(k));
        assert!(t.status.success(), "task {k}: {t:?}");
    }
    let t = run_job_script(&study.join("merge.sbatch"), None);
    assert!(t.status.success(), "finishing job: {t:?}");
    assert_eq!(
        std::fs::read(&table).unwrap(),
        std::fs::read(sb.join("single.parquet")).unwrap(),
        "points.parquet differs from the single machine's"
    );
    crate::harness::assert_same_sweep(&sb.join("single"), &study.join("sweep"));
    assert_same_rows(
        "slurm sweep",
        &std::fs::read(study.join("sweep/points.csv")).unwrap(),
        &read_parquet(&table),
    );
    // Without --parquet, neither script names one and no table is written.
    let mut args = vec!["slurm", "sweep"];
    args.extend(sweep[1..].iter().filter(|a| **a != "--quiet"));
    args.extend(["--shards", "3", "--dir", "plain"]);
    escalate_in(sb.path(), &args).assert_success();
    for script in ["job.sbatch", "merge.sbatch"] {
        let text = std::fs::read_to_string(sb.join("plain").join(script)).unwrap();
        assert!(!text.contains("--parquet"), "{script}:\n{text}");
    }
}
