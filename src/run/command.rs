//! The one encoder of command lines: a request's `to_args()` words, quoted
//! for a POSIX shell. Every reproduce command in a report, every Slurm script
//! line and every resume hint is built here, so they quote alike.

/// The program name every reproduce command starts with.
pub const PROGRAM: &str = "escalate";

/// A word for a POSIX shell: as is when it holds only safe characters, else in
/// single quotes (with any single quote written as `'\''`).
pub fn shell_quote(word: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "_-./:@%+,=".contains(c);
    if !word.is_empty() && word.chars().all(safe) {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

/// `escalate` followed by `args`, each quoted: a line a user can paste.
pub fn command_line<S: AsRef<str>>(args: &[S]) -> String {
    let mut line = PROGRAM.to_string();
    for a in args {
        line.push(' ');
        line.push_str(&shell_quote(a.as_ref()));
    }
    line
}

/// Pushes `--flag value` onto `args`.
pub fn push_flag(args: &mut Vec<String>, flag: &str, value: impl ToString) {
    args.push(flag.to_string());
    args.push(value.to_string());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_only_what_the_shell_would_split_or_expand() {
        assert_eq!(shell_quote("a/b.ron"), "a/b.ron");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(shell_quote(""), "''");
        assert_eq!(shell_quote("my file.ron"), "'my file.ron'");
        assert_eq!(shell_quote("$HOME"), "'$HOME'");
        assert_eq!(
            command_line(&["run", "a b", "--seed", "7"]),
            "escalate run 'a b' --seed 7"
        );
    }
}
