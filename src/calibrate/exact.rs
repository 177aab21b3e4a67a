//! Floats that survive a checkpoint bit for bit.
//!
//! `serde_json` (built without its `float_roundtrip` feature, as here) may
//! parse a printed float back to a neighbouring value, and a resumed
//! calibration must continue from exactly the bits it saved. These helpers
//! write every float as a string holding Rust's shortest round-trip decimal
//! (`"0.1"`, `"1e-7"`, `"inf"`), which `str::parse::<f64>` reads back
//! exactly (it rounds correctly). Use with `#[serde(with = "exact")]` on an
//! `f64` and `#[serde(with = "exact::vec")]` on a `Vec<f64>`.

use serde::{Deserialize, Deserializer, Serializer, de::Error};

/// Writes `x` as its shortest round-trip decimal in a string.
pub fn serialize<S: Serializer>(x: &f64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format!("{x:?}"))
}

/// Reads a float written by [`serialize`] (a plain number is accepted too).
pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    match Repr::deserialize(d)? {
        Repr::Text(t) => t
            .parse::<f64>()
            .map_err(|_| D::Error::custom(format!("not a number: {t:?}"))),
        Repr::Number(x) => Ok(x),
    }
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Repr {
    Text(String),
    Number(f64),
}

/// The same for a vector of floats.
pub mod vec {
    use serde::{Deserialize, Deserializer, Serializer, ser::SerializeSeq};

    /// Writes each element as [`super::serialize`] does.
    pub fn serialize<S: Serializer>(xs: &[f64], s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(xs.len()))?;
        for x in xs {
            seq.serialize_element(&format!("{x:?}"))?;
        }
        seq.end()
    }

    /// Reads what [`serialize`] wrote.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<f64>, D::Error> {
        #[derive(Deserialize)]
        struct One(#[serde(with = "super")] f64);
        Ok(Vec::<One>::deserialize(d)?
            .into_iter()
            .map(|o| o.0)
            .collect())
    }
}

/// The same for an optional float: `null`, or the float as [`serialize`] writes it.
pub mod option {
    use serde::{Deserialize, Deserializer, Serializer};

    /// Writes `None` as `null`, a float as [`super::serialize`] does.
    pub fn serialize<S: Serializer>(x: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
        match x {
            Some(x) => super::serialize(x, s),
            None => s.serialize_none(),
        }
    }

    /// Reads what [`serialize`] wrote.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
        #[derive(Deserialize)]
        struct One(#[serde(with = "super")] f64);
        Ok(Option::<One>::deserialize(d)?.map(|o| o.0))
    }
}

#[cfg(test)]
mod tests {
    use serde::{Deserialize, Serialize};

    #[derive(Serialize, Deserialize, PartialEq, Debug)]
    struct T {
        #[serde(with = "super")]
        x: f64,
        #[serde(with = "super::vec")]
        v: Vec<f64>,
    }

    #[derive(Serialize, Deserialize, PartialEq, Debug)]
    struct O {
        #[serde(with = "super::option")]
        x: Option<f64>,
    }

    #[test]
    fn optional_floats_round_trip() {
        for x in [None, Some(0.1 + 0.2), Some(f64::INFINITY), Some(-0.0)] {
            let json = serde_json::to_string(&O { x }).unwrap();
            let back: O = serde_json::from_str(&json).unwrap();
            assert_eq!(back.x.map(f64::to_bits), x.map(f64::to_bits), "{json}");
        }
        assert_eq!(
            serde_json::to_string(&O { x: None }).unwrap(),
            r#"{"x":null}"#
        );
    }

    #[test]
    fn floats_round_trip_through_json_bit_for_bit() {
        let hard = [
            0.1 + 0.2,
            1.0 / 3.0,
            2.2250738585072014e-308,
            5e-324,
            1.7976931348623157e308,
            -0.0,
            f64::INFINITY,
            123_456_789.123_456_78,
        ];
        let t = T {
            x: f64::INFINITY,
            v: hard.to_vec(),
        };
        let json = serde_json::to_string(&t).unwrap();
        let back: T = serde_json::from_str(&json).unwrap();
        assert_eq!(back.x, f64::INFINITY);
        for (a, b) in hard.iter().zip(&back.v) {
            assert_eq!(a.to_bits(), b.to_bits(), "{a:?}");
        }
        // A pseudo-random sweep of bit patterns.
        let mut z = 0x9E37_79B9_7F4A_7C15u64;
        let v: Vec<f64> = (0..2000)
            .map(|_| {
                z = z
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                f64::from_bits(z >> 2)
            })
            .filter(|x| x.is_finite())
            .collect();
        let t = T { x: 1.0, v };
        let back: T = serde_json::from_str(&serde_json::to_string(&t).unwrap()).unwrap();
        for (a, b) in t.v.iter().zip(&back.v) {
            assert_eq!(a.to_bits(), b.to_bits());
        }
    }
}
