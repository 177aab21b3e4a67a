//! The table scenario discovery works on: one row per trial (or design point,
//! or particle), its inputs column by column, its weight and how much of that
//! weight is a case of interest.
//!
//! Memory is the inputs and the outcome: 8 bytes per row and real input, 1 per
//! row and categorical input, 8 per row for the outcome (`hits`), 8 more only
//! when rows have weights. Nothing else of a source is kept (no metric, no
//! class name, no text).
//!
//! What the searches need beyond it are lists of row indices (4 bytes a row)
//! and one scratch buffer per thread ([`with_scratch`], 8 bytes a row of the
//! largest list it held), reused by every peel (the box's values as sortable
//! integers) and every CART split (the node's row indices, sorted by value).

use std::cell::RefCell;

/// The most levels a categorical input may have (its limits are a 64-bit set).
pub const MAX_LEVELS: usize = 64;

/// One input's values, one per row.
#[derive(Debug, Clone, PartialEq)]
pub enum Column {
    /// A number per row (every value finite).
    Real(Vec<f64>),
    /// A level per row: `codes[r]` indexes `levels`.
    Categorical {
        /// The level names, in the order they first appear.
        levels: Vec<String>,
        /// Each row's level.
        codes: Vec<u8>,
    },
}

impl Column {
    /// Number of rows.
    pub fn len(&self) -> usize {
        match self {
            Column::Real(v) => v.len(),
            Column::Categorical { codes, .. } => codes.len(),
        }
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A named input.
#[derive(Debug, Clone, PartialEq)]
pub struct Input {
    /// Its name: an override path, or `policy`.
    pub name: String,
    /// Its values.
    pub column: Column,
}

/// Every row's inputs and outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    /// The inputs, in the order they are reported.
    pub inputs: Vec<Input>,
    /// Each row's weight; `None`: every row weighs 1 (a run's trials).
    pub weight: Option<Vec<f64>>,
    /// How much of each row's weight is a case of interest: 0 or 1 for a
    /// trial, the trials of a design point in the class, a particle's weight
    /// when its condition holds.
    pub hits: Vec<f64>,
}

/// The weight of a set of rows and the part of it that is of interest.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Sums {
    /// Summed weight (rows, when rows weigh 1).
    pub weight: f64,
    /// Summed hits.
    pub hits: f64,
}

impl Sums {
    /// Adds one row.
    #[inline]
    pub fn add(&mut self, weight: f64, hits: f64) {
        self.weight += weight;
        self.hits += hits;
    }

    /// The share of the weight that is of interest (0 for no weight).
    pub fn density(&self) -> f64 {
        if self.weight > 0.0 {
            self.hits / self.weight
        } else {
            0.0
        }
    }
}

impl Dataset {
    /// A dataset, checked: every column as long as `hits`, at least one row,
    /// rows indexable by `u32`, every value finite, weights at least 0, hits
    /// between 0 and the row's weight, at most [`MAX_LEVELS`] levels.
    pub fn new(
        inputs: Vec<Input>,
        weight: Option<Vec<f64>>,
        hits: Vec<f64>,
    ) -> Result<Dataset, String> {
        let n = hits.len();
        if n == 0 {
            return Err("no rows".into());
        }
        if u32::try_from(n).is_err() {
            return Err(format!("{n} rows: at most {} are supported", u32::MAX));
        }
        for i in &inputs {
            if i.column.len() != n {
                return Err(format!(
                    "input `{}` has {} values for {n} rows",
                    i.name,
                    i.column.len()
                ));
            }
            match &i.column {
                Column::Real(v) => {
                    if let Some(r) = v.iter().position(|x| !x.is_finite()) {
                        return Err(format!("input `{}` is {} in row {r}", i.name, v[r]));
                    }
                }
                Column::Categorical { levels, codes } => {
                    if levels.len() > MAX_LEVELS {
                        return Err(format!(
                            "input `{}` has {} levels: at most {MAX_LEVELS} are supported",
                            i.name,
                            levels.len()
                        ));
                    }
                    if codes.iter().any(|&c| c as usize >= levels.len()) {
                        return Err(format!("input `{}` has a code without a level", i.name));
                    }
                }
            }
        }
        if let Some(w) = &weight {
            if w.len() != n {
                return Err(format!("{} weights for {n} rows", w.len()));
            }
            if let Some(r) = w.iter().position(|x| !(x.is_finite() && *x >= 0.0)) {
                return Err(format!("row {r} weighs {}", w[r]));
            }
        }
        for (r, &h) in hits.iter().enumerate() {
            let w = weight.as_ref().map_or(1.0, |w| w[r]);
            if !(h.is_finite() && (0.0..=w).contains(&h)) {
                return Err(format!("row {r} has {h} hits for a weight of {w}"));
            }
        }
        Ok(Dataset {
            inputs,
            weight,
            hits,
        })
    }

    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.hits.len()
    }

    /// Row `r`'s weight.
    #[inline]
    pub fn weight_of(&self, r: u32) -> f64 {
        self.weight.as_ref().map_or(1.0, |w| w[r as usize])
    }

    /// Adds row `r` to `sums`.
    #[inline]
    pub fn add(&self, sums: &mut Sums, r: u32) {
        sums.add(self.weight_of(r), self.hits[r as usize]);
    }

    /// The sums over `rows`, in their order.
    pub fn sums(&self, rows: &[u32]) -> Sums {
        let mut s = Sums::default();
        for &r in rows {
            self.add(&mut s, r);
        }
        s
    }

    /// Every row, in order.
    pub fn all_rows(&self) -> Vec<u32> {
        (0..self.rows() as u32).collect()
    }

    /// The index of the input called `name`.
    pub fn input(&self, name: &str) -> Option<usize> {
        self.inputs.iter().position(|i| i.name == name)
    }
}

thread_local! {
    /// Each thread's scratch buffer (see [`with_scratch`]).
    static SCRATCH: RefCell<Vec<u64>> = const { RefCell::new(Vec::new()) };
}

/// Runs `f` with this thread's scratch buffer, emptied: the one buffer a peel
/// selects its quantiles in and a CART split sorts its rows in, reused from
/// call to call, so that a search holds one buffer per thread (as long as the
/// largest list it held), not one per input, step and node. `f` must not run parallel work (another task
/// on this thread would find the buffer taken); if it does, that task gets a
/// buffer of its own.
pub fn with_scratch<R>(f: impl FnOnce(&mut Vec<u64>) -> R) -> R {
    SCRATCH.with(|cell| match cell.try_borrow_mut() {
        Ok(mut buf) => {
            buf.clear();
            f(&mut buf)
        }
        Err(_) => f(&mut Vec::new()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn real(name: &str, v: &[f64]) -> Input {
        Input {
            name: name.into(),
            column: Column::Real(v.to_vec()),
        }
    }

    #[test]
    fn a_dataset_is_checked_and_sums_in_row_order() {
        let d = Dataset::new(
            vec![real("a", &[1.0, 2.0, 3.0])],
            Some(vec![2.0, 1.0, 3.0]),
            vec![1.0, 0.0, 3.0],
        )
        .unwrap();
        assert_eq!(d.rows(), 3);
        let s = d.sums(&d.all_rows());
        assert_eq!((s.weight, s.hits), (6.0, 4.0));
        assert_eq!(s.density(), 4.0 / 6.0);
        assert_eq!(d.input("a"), Some(0));
        let bad = |inputs, weight, hits| Dataset::new(inputs, weight, hits).unwrap_err();
        assert!(bad(vec![], None, vec![]).contains("no rows"));
        assert!(bad(vec![real("a", &[1.0])], None, vec![1.0, 0.0]).contains("1 values for 2"));
        assert!(bad(vec![real("a", &[f64::NAN])], None, vec![1.0]).contains("NaN"));
        assert!(bad(vec![], Some(vec![-1.0]), vec![0.0]).contains("weighs -1"));
        assert!(bad(vec![], None, vec![2.0]).contains("2 hits for a weight of 1"));
        let many = Input {
            name: "p".into(),
            column: Column::Categorical {
                levels: (0..65).map(|i| i.to_string()).collect(),
                codes: vec![0],
            },
        };
        assert!(bad(vec![many], None, vec![0.0]).contains("65 levels"));
    }
}
