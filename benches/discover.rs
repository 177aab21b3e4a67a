//! Scenario discovery speed on 10^6 trials of 20 inputs (in memory): one PRIM
//! search, one resample's search (half the rows), and CART, on the thread
//! counts 1 and 2. The whole command on a real 10^6-trial CSV, with its peak
//! memory, is measured with `/usr/bin/time -v` in docs/discovery.md.
//!
//! Run: `cargo bench --bench discover -- --warm-up-time 1 --measurement-time 30`.
//!
//! `ESCALATE_DISCOVER_CSV=FILE cargo bench --bench discover` writes the same
//! data as a run's per-trial CSV instead (`trial,outcome,actors.G.x0,...`, the
//! outcome `case` or `other`) and runs no bench, so the whole command can be
//! measured on it: `/usr/bin/time -v escalate discover FILE --where 'class =
//! case' --out DIR` (docs/discovery.md has the figures).
//!
//! The data: 20 inputs uniform on [0, 1]; a trial is a case with probability
//! 0.85 where x0 >= 0.6 and x1 <= 0.45, 0.05 elsewhere (a box PRIM has to
//! peel about 40 steps to reach, as on real runs).

use std::hint::black_box;

use std::io::Write;

use criterion::{Criterion, criterion_group};
use escalate::discover::boxes::full_limits;
use escalate::discover::cart::{MAX_DEPTH, leaves};
use escalate::discover::data::{Column, Dataset, Input};
use escalate::discover::prim::{PrimOptions, find_box};
use escalate::run::Executor;

const ROWS: usize = 1_000_000;
const INPUTS: usize = 20;

/// xorshift64*: deterministic uniforms for the synthetic trials.
fn uniforms(seed: u64) -> impl FnMut() -> f64 {
    let mut x = seed;
    move || {
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        (x.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn data() -> Dataset {
    let mut u = uniforms(20240318);
    let mut cols: Vec<Vec<f64>> = (0..INPUTS).map(|_| Vec::with_capacity(ROWS)).collect();
    let mut hits = Vec::with_capacity(ROWS);
    for _ in 0..ROWS {
        for c in cols.iter_mut() {
            c.push(u());
        }
        let inside = cols[0][cols[0].len() - 1] >= 0.6 && cols[1][cols[1].len() - 1] <= 0.45;
        hits.push(if u() < if inside { 0.85 } else { 0.05 } {
            1.0
        } else {
            0.0
        });
    }
    let inputs = cols
        .into_iter()
        .enumerate()
        .map(|(j, v)| Input {
            name: format!("actors.G.x{j}"),
            column: Column::Real(v),
        })
        .collect();
    Dataset::new(inputs, None, hits).unwrap()
}

fn bench(c: &mut Criterion) {
    let d = data();
    let rows = d.all_rows();
    let half: Vec<u32> = rows.iter().copied().filter(|r| r % 2 == 0).collect();
    let init = full_limits(&d, &rows);
    let totals = d.sums(&rows);
    let opts = PrimOptions {
        peel_alpha: 0.05,
        paste_alpha: 0.05,
        min_mass: 0.05,
    };
    let mut g = c.benchmark_group("discover");
    g.sample_size(10);
    for threads in [1, 2] {
        let exec = Executor::new(Some(threads)).unwrap();
        g.bench_function(format!("prim/1e6x20-{threads}threads"), |b| {
            b.iter(|| exec.install(|| black_box(find_box(&d, &rows, &init, totals, &opts))))
        });
        g.bench_function(format!("prim-resample/5e5x20-{threads}threads"), |b| {
            b.iter(|| {
                exec.install(|| {
                    let init = full_limits(&d, &half);
                    black_box(find_box(&d, &half, &init, d.sums(&half), &opts))
                })
            })
        });
        g.bench_function(format!("cart/1e6x20-{threads}threads"), |b| {
            b.iter(|| {
                exec.install(|| black_box(leaves(&d, &rows, &init, totals, ROWS / 20, MAX_DEPTH)))
            })
        });
    }
    g.finish();
}

/// Writes `d` as a run's per-trial CSV: `trial,outcome,` then the inputs,
/// each value in Rust's shortest round-trip form (as `escalate run --csv`).
fn write_csv(d: &Dataset, path: &str) -> std::io::Result<()> {
    let mut w = std::io::BufWriter::new(std::fs::File::create(path)?);
    write!(w, "trial,outcome")?;
    for i in &d.inputs {
        write!(w, ",{}", i.name)?;
    }
    writeln!(w)?;
    for r in 0..d.rows() {
        let outcome = if d.hits[r] > 0.0 { "case" } else { "other" };
        write!(w, "{r},{outcome}")?;
        for i in &d.inputs {
            let Column::Real(v) = &i.column else {
                unreachable!("the bench's inputs are real")
            };
            write!(w, ",{}", v[r])?;
        }
        writeln!(w)?;
    }
    w.flush()
}

criterion_group!(benches, bench);

fn main() {
    if let Ok(path) = std::env::var("ESCALATE_DISCOVER_CSV") {
        write_csv(&data(), &path).expect("the CSV is written");
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
