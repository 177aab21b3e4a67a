//! The skeleton every escalate HTML page shares: the head (charset, viewport,
//! generator, title), one stylesheet ([`BASE_CSS`], then the page's own rules,
//! then the charts' [`svg::CSS`]), the `<main>` column, the page header
//! ([`header`]) and the close ([`close`]). The run, compare and sweep pages
//! differ only in what they put between [`open`] and [`close`].

use std::fmt::Write;

use super::svg::{self, escape};

/// Page rules every escalate HTML report shares (layout, type, tables); each
/// page adds its own after them.
pub const BASE_CSS: &str = r#"
* { box-sizing: border-box; }
body { margin: 0; background: #f6f6f4; color: #1b1b1b;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  font-size: 15px; line-height: 1.45; }
main { max-width: 1080px; margin: 0 auto; padding: 24px 28px 48px; background: #fff; }
h1 { font-size: 26px; margin: 0 0 6px; }
h2 { font-size: 20px; margin: 32px 0 6px; padding-top: 10px; border-top: 2px solid #e4e4e0; }
p { margin: 6px 0 10px; }
.meta { color: #555; font-size: 14px; }
.explain { color: #444; font-size: 14px; max-width: 62em; }
table { border-collapse: collapse; margin: 8px 0 12px; font-size: 13.5px; }
th, td { padding: 3px 9px; border-bottom: 1px solid #e6e6e6; text-align: left; vertical-align: top; }
th { background: #f3f3f1; font-weight: 600; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
code, pre { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 13px; }
pre { background: #f3f3f1; padding: 10px 12px; white-space: pre-wrap; word-break: break-all; }
"#;

/// Starts a page on `o`: doctype, head (generator `escalate VERSION`, `title`,
/// the stylesheet: [`BASE_CSS`], `page_css`, [`svg::CSS`]), and opens `<body>`
/// and `<main>`. `version` and `title` are plain text (escaped here).
pub fn open(o: &mut String, version: &str, title: &str, page_css: &str) {
    let _ = write!(
        o,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"escalate {}\">\n\
         <title>{}</title>\n<style>{BASE_CSS}{page_css}{}</style>\n</head>\n<body>\n<main>\n",
        escape(version),
        escape(title),
        svg::CSS
    );
}

/// The page's header: `title` (plain text, escaped here) as its `<h1>`, then
/// `paragraphs` (HTML, one line each).
pub fn header(o: &mut String, title: &str, paragraphs: &[String]) {
    let _ = writeln!(o, "<header>\n<h1>{}</h1>", escape(title));
    for p in paragraphs {
        let _ = writeln!(o, "{p}");
    }
    let _ = writeln!(o, "</header>");
}

/// Ends a page that [`open`] started.
pub fn close(o: &mut String) {
    o.push_str("</main>\n</body>\n</html>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_is_one_document_with_escaped_title() {
        let mut o = String::new();
        open(&mut o, "1.0", "a<b", ".x { }");
        header(&mut o, "a<b", &["<p>hi</p>".into()]);
        close(&mut o);
        assert!(o.starts_with("<!DOCTYPE html>\n") && o.ends_with("</html>\n"));
        assert!(o.contains("<title>a&lt;b</title>") && o.contains("<h1>a&lt;b</h1>"));
        assert!(o.contains(".x { }"));
        assert_eq!(o.matches("<main>").count(), 1);
    }
}
