//! "Did you mean ...?": the one way every error that names an unknown word
//! (a subcommand, an actor, a lever, a rung, a policy, a rule, a metric, a
//! field, a parameter path) finds what was probably meant.
//!
//! Closeness is the optimal-string-alignment distance (edits, with a swap of
//! two neighbouring characters counted as one edit, so `rnu` is one edit from
//! `run`) between the lower-cased words, from `strsim`. A candidate is close
//! enough to suggest when at most a third of the longer word's characters
//! have to change (and a difference of case alone always is).

/// The distance between two words: edits between their lower-case forms.
fn distance(a: &str, b: &str) -> usize {
    strsim::osa_distance(&a.to_lowercase(), &b.to_lowercase())
}

/// Whether `candidate` is close enough to `given` to be what was meant.
fn close(given: &str, candidate: &str, d: usize) -> bool {
    let longer = given.chars().count().max(candidate.chars().count());
    3 * d <= longer
}

/// The candidates close enough to `given` to be what was meant, the closest
/// first (all of those at the smallest distance, in the order given); empty
/// when none is close. A candidate equal to `given` is never suggested.
pub fn close_matches<'a, S: AsRef<str>>(given: &str, candidates: &'a [S]) -> Vec<&'a str> {
    let scored: Vec<(usize, &str)> = candidates
        .iter()
        .map(AsRef::as_ref)
        .filter(|c| *c != given)
        .map(|c| (distance(given, c), c))
        .filter(|&(d, c)| close(given, c, d))
        .collect();
    let Some(best) = scored.iter().map(|&(d, _)| d).min() else {
        return Vec::new();
    };
    scored
        .into_iter()
        .filter(|&(d, _)| d == best)
        .map(|(_, c)| c)
        .collect()
}

/// `did you mean `X`?` (or `X` or `Y`) for the close matches, if any.
pub fn did_you_mean<S: AsRef<str>>(given: &str, candidates: &[S]) -> Option<String> {
    let near = close_matches(given, candidates);
    if near.is_empty() {
        return None;
    }
    let quoted: Vec<String> = near.iter().map(|c| format!("`{c}`")).collect();
    Some(format!("did you mean {}?", quoted.join(" or ")))
}

/// The help line for an unknown word among `candidates` (`what` names them,
/// e.g. "the actor ids"): `did you mean `X`?` when one is close, else
/// `use one of the actor ids: A, B, C` (or `... none here` when there are none).
pub fn help<S: AsRef<str>>(given: &str, candidates: &[S], what: &str) -> String {
    if let Some(s) = did_you_mean(given, candidates) {
        return s;
    }
    if candidates.is_empty() {
        return format!("there are no {what} here");
    }
    format!("use one of {what}: {}", listing(candidates))
}

/// At most this many names are listed in a help line ([`listing`]).
pub const LISTED: usize = 20;

/// `names` joined by commas, the first [`LISTED`] of them and then a count
/// of the rest (`A, B, ... T and 3,980 more`): a help line stays short
/// however many names a file defines.
pub fn listing<S: AsRef<str>>(names: &[S]) -> String {
    let shown: Vec<&str> = names.iter().take(LISTED).map(AsRef::as_ref).collect();
    match names.len().saturating_sub(LISTED) {
        0 => shown.join(", "),
        rest => format!(
            "{} and {} more",
            shown.join(", "),
            crate::core::digits::group(rest as u64)
        ),
    }
}

/// Up to `n` candidates nearest to `given`, the nearest first (ties in the
/// order given), however far: for long lists, such as parameter paths, where
/// the nearest few are worth showing even when none is close.
pub fn nearest<S: AsRef<str>>(given: &str, candidates: &[S], n: usize) -> Vec<String> {
    let mut scored: Vec<(usize, usize, &str)> = candidates
        .iter()
        .map(AsRef::as_ref)
        .enumerate()
        .map(|(i, c)| (distance(given, c), i, c))
        .collect();
    scored.sort_unstable();
    scored
        .into_iter()
        .take(n)
        .map(|(_, _, c)| c.to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_edit_or_a_swap_is_close() {
        let cmds = ["run", "sweep", "compare", "trace"];
        assert_eq!(close_matches("rnu", &cmds), ["run"]);
        assert_eq!(close_matches("swep", &cmds), ["sweep"]);
        let actors = ["Pakistan", "Taliban", "TTP", "ISKP", "US"];
        assert_eq!(close_matches("Talibn", &actors), ["Taliban"]);
        assert_eq!(close_matches("taliban", &actors), ["Taliban"]);
        assert_eq!(
            did_you_mean("Talibn", &actors).as_deref(),
            Some("did you mean `Taliban`?")
        );
    }

    #[test]
    fn far_words_and_short_ids_are_not_guessed() {
        // One letter changed in a one- or two-letter id is a different id.
        assert!(close_matches("Q", &["A", "B", "G"]).is_empty());
        assert!(close_matches("UK", &["US"]).is_empty());
        assert!(close_matches("bombing", &["run", "sweep"]).is_empty());
        assert_eq!(
            help("Q", &["A", "B", "G"], "the actor ids"),
            "use one of the actor ids: A, B, G"
        );
        assert_eq!(
            help("x", &[] as &[&str], "policies"),
            "there are no policies here"
        );
    }

    #[test]
    fn long_lists_are_cut_with_a_count() {
        let many: Vec<String> = (0..4000).map(|i| format!("X{i}")).collect();
        let help = help("Q", &many, "the actor ids");
        assert!(
            help.starts_with("use one of the actor ids: X0, X1, "),
            "{help}"
        );
        assert!(help.ends_with("X19 and 3,980 more"), "{help}");
        assert_eq!(listing(&["A", "B"]), "A, B");
    }

    #[test]
    fn ties_are_all_named_and_nearest_is_ordered() {
        assert_eq!(
            did_you_mean("cat", &["bat", "cut", "dog"]).as_deref(),
            Some("did you mean `bat` or `cut`?")
        );
        assert_eq!(
            nearest(
                "actors.G.fighter",
                &["x.y", "actors.G.fighters", "actors.G.sanctuary"],
                2
            ),
            ["actors.G.fighters", "actors.G.sanctuary"]
        );
    }
}
