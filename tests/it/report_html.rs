//! The HTML report: structure (well-formed tags, one `<svg>` per chart,
//! nothing from the network, no script, digest and command present, scenario
//! text escaped), determinism, and a headless-Chromium check (no console
//! errors, a screenshot that is not blank).
//!
//! The browser test needs Debian's `chromium` (/usr/bin/chromium, or the path
//! in ESCALATE_CHROMIUM). Without it the test fails with instructions unless
//! ESCALATE_SKIP_BROWSER=1 is set.

use std::path::{Path, PathBuf};
use std::process::Command;

use escalate::report::svg::escape;
use serde_json::Value;

use crate::harness::{command, scenario};

/// Runs a scenario; returns the HTML and the JSON report.
fn render(dir: &Path, args: &[&str]) -> (String, Value) {
    let out = command()
        .args(args)
        .arg("--html")
        .arg(dir.join("r.html"))
        .arg("--json")
        .arg(dir.join("r.json"))
        .run();
    out.assert_success();
    let html = std::fs::read_to_string(dir.join("r.html")).unwrap();
    let json = serde_json::from_slice(&std::fs::read(dir.join("r.json")).unwrap()).unwrap();
    (html, json)
}

const VOID: [&str; 4] = ["meta", "wbr", "br", "hr"];

/// Checks that every tag is closed in order (a small HTML/SVG tokenizer:
/// comments and the doctype skipped, `/>` and void elements self-closing) and
/// that no `<` or `>` is left unescaped in text. Returns the tag names seen.
fn check_well_formed(html: &str) -> Vec<String> {
    let mut stack: Vec<String> = Vec::new();
    let mut seen = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find(['<', '>']) {
        assert_eq!(
            &rest[i..i + 1],
            "<",
            "stray '>' near {:?}",
            &rest[i.saturating_sub(40)..i + 1]
        );
        let after = &rest[i + 1..];
        let end = after.find('>').expect("unclosed tag");
        let tag = &after[..end];
        assert!(!tag.contains('<'), "'<' inside tag {tag:?}");
        rest = &after[end + 1..];
        if tag.starts_with('!') {
            continue;
        }
        if let Some(name) = tag.strip_prefix('/') {
            let open = stack
                .pop()
                .unwrap_or_else(|| panic!("</{name}> closes nothing"));
            assert_eq!(open, name, "</{name}> closes <{open}>");
            continue;
        }
        let name: String = tag
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        assert!(!name.is_empty(), "bad tag {tag:?}");
        seen.push(name.clone());
        if tag.ends_with('/') || VOID.contains(&name.as_str()) {
            continue;
        }
        if name == "style" {
            // CSS is raw text up to </style>.
            let close = rest.find("</style>").expect("</style>");
            rest = &rest[close + "</style>".len()..];
            continue;
        }
        stack.push(name);
    }
    assert!(stack.is_empty(), "unclosed: {stack:?}");
    seen
}

/// Charts the page must have: outcome bars, a fan per dyad, the deaths fan,
/// and a histogram per metric whose values vary.
fn expected_charts(r: &Value) -> usize {
    let varying = r["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["present"].as_u64().unwrap() > 0 && m["min"] != m["max"])
        .count();
    let deaths = usize::from(!r["bands"]["deaths"].as_array().unwrap().is_empty());
    1 + r["bands"]["rungs"].as_array().unwrap().len() + deaths + varying
}

#[test]
fn structure_of_the_minimal_report() {
    let dir = tempfile::tempdir().unwrap();
    let (html, r) = render(
        dir.path(),
        &[
            "run",
            "scenarios/minimal.ron",
            "--trials",
            "1500",
            "--seed",
            "5",
            "--set",
            "actors.A.resolve=0.7",
        ],
    );
    assert!(html.starts_with("<!DOCTYPE html>\n"));
    assert!(html.trim_end().ends_with("</html>"));
    let tags = check_well_formed(&html);
    let svgs = tags.iter().filter(|t| *t == "svg").count();
    assert_eq!(svgs, expected_charts(&r), "one <svg> per chart");
    assert!(svgs >= 10, "only {svgs} charts");
    for t in [
        "script", "link", "img", "iframe", "object", "embed", "use", "image",
    ] {
        assert!(!tags.iter().any(|x| x == t), "<{t}> in the page");
    }
    let lower = html.to_ascii_lowercase();
    for bad in [
        "http",
        "<script",
        "url(",
        "@import",
        "src=",
        "href=",
        "@font-face",
    ] {
        assert!(!lower.contains(bad), "page contains {bad:?}");
    }
    // What reproduces it.
    let digest = r["digest"].as_str().unwrap();
    assert_eq!(digest.len(), 64);
    assert!(html.contains(digest), "digest missing");
    let command = r["command"].as_str().unwrap();
    assert!(command.contains("--set actors.A.resolve=0.7"), "{command}");
    assert!(html.contains(&escape(command)), "command missing");
    assert!(html.contains(r["run"]["escalate_version"].as_str().unwrap()));
    assert!(html.contains(">5<"), "seed missing");
    assert!(html.contains("1,500"), "trial count missing");
    // The scenario and its uncertain parameters.
    assert!(html.contains(&escape(r["scenario"]["name"].as_str().unwrap())));
    assert!(html.contains(&escape(r["scenario"]["description"].as_str().unwrap())));
    for p in r["parameters"].as_array().unwrap() {
        assert!(html.contains(&escape(p["path"].as_str().unwrap())));
        assert!(html.contains(&escape(p["distribution"].as_str().unwrap())));
    }
    // Every class and metric appears; print styles exist.
    for c in r["outcomes"].as_array().unwrap() {
        assert!(html.contains(&escape(c["name"].as_str().unwrap())));
    }
    assert!(html.contains("@media print"));
    // Rendering is deterministic.
    let again = tempfile::tempdir().unwrap();
    let (html2, _) = render(
        again.path(),
        &[
            "run",
            "scenarios/minimal.ron",
            "--trials",
            "1500",
            "--seed",
            "5",
            "--set",
            "actors.A.resolve=0.7",
        ],
    );
    assert_eq!(html, html2);
}

/// The flagship's "At a glance" quotes civilians and security forces killed
/// (`deaths.victims`) and militants killed (`deaths.militant`) apart, each
/// with the JSON's median and 90% range, and never the total of both
/// (`deaths`, which counts the attackers too).
#[test]
fn the_headline_separates_victims_and_militants() {
    let dir = tempfile::tempdir().unwrap();
    let (html, r) = render(dir.path(), &["run", "--trials", "2000", "--quiet"]);
    let start = html.find("<div class=\"glance\">").expect("At a glance");
    let glance = &html[start..start + html[start..].find("</ul>").unwrap()];
    let items: Vec<&str> = glance.split("<li>").skip(1).collect();
    let metric = |name: &str| {
        r["metrics"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["name"] == name)
            .unwrap_or_else(|| panic!("no metric {name}"))
            .clone()
    };
    let q = |m: &Value, k: &str| {
        let v = m["quantiles"][k].as_f64().unwrap();
        escalate::report::format::num(v)
    };
    for (name, who) in [
        ("deaths.victims", "Civilians and security forces killed"),
        ("deaths.militant", "Militants killed"),
    ] {
        let m = metric(name);
        let item = items
            .iter()
            .find(|i| i.contains(&format!("<code>{name}</code>")))
            .unwrap_or_else(|| panic!("no headline item for {name}: {glance}"));
        assert!(item.starts_with(who), "{item}");
        assert!(
            item.contains(&format!(
                "median {}; 90% of trials between {} and {}",
                q(&m, "p50"),
                q(&m, "p5"),
                q(&m, "p95")
            )),
            "{item}"
        );
    }
    // The victims are civilians plus security forces, militants apart.
    let mean = |name: &str| metric(name)["mean"].as_f64().unwrap();
    let victims = mean("deaths.victims");
    assert!((victims - mean("deaths.civilian") - mean("deaths.security")).abs() < 1e-9);
    assert!((victims + mean("deaths.militant") - mean("deaths")).abs() < 1e-9);
    // No item quotes the all-deaths total.
    let all = metric("deaths");
    assert!(
        !glance.contains(&format!("median {};", q(&all, "p50"))) && !glance.contains("Deaths over"),
        "the total of victims and militants in the headline: {glance}"
    );
}

#[test]
fn scenario_text_is_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let src = std::fs::read_to_string(scenario("minimal.ron")).unwrap();
    let name = "name: \"Minimal: a sheltered insurgency\",";
    assert!(src.contains(name), "fixture anchor moved");
    let evil = src.replace(name, "name: \"<script>alert('x')</script> & <b>bold</b>\",");
    let file = dir.path().join("evil.ron");
    std::fs::write(&file, evil).unwrap();
    let (html, _) = render(
        dir.path(),
        &["run", file.to_str().unwrap(), "--trials", "100"],
    );
    check_well_formed(&html);
    assert!(!html.to_ascii_lowercase().contains("<script"));
    assert!(!html.contains("<b>bold</b>"));
    assert!(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &lt;b&gt;bold"));
}

// ---- The browser check ----------------------------------------------------

fn chromium() -> Option<PathBuf> {
    let candidates: Vec<PathBuf> = match std::env::var_os("ESCALATE_CHROMIUM") {
        Some(p) => vec![PathBuf::from(p)],
        None => vec![
            "/usr/bin/chromium".into(),
            "/usr/bin/chromium-browser".into(),
        ],
    };
    candidates.into_iter().find(|p| p.exists())
}

/// Renders `page` headless; returns (console lines, screenshot path).
fn screenshot(chrome: &Path, page: &Path, dir: &Path, height: u32) -> (Vec<String>, PathBuf) {
    let png = dir.join(format!(
        "{}.png",
        page.file_stem().unwrap().to_string_lossy()
    ));
    let profile = tempfile::tempdir().unwrap();
    let out = Command::new(chrome)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--hide-scrollbars",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("--screenshot={}", png.display()))
        .arg(format!("--window-size=1280,{height}"))
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium starts");
    assert!(
        out.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Console messages (errors, uncaught exceptions, console.* calls) are
    // logged as `...:CONSOLE...` lines; the report has no script, so any is a fault.
    let console = String::from_utf8_lossy(&out.stderr)
        .lines()
        .filter(|l| l.contains(":CONSOLE") || l.contains("Uncaught"))
        .map(str::to_string)
        .collect();
    (console, png)
}

/// (distinct colours, share of pixels that are not near-white, pixels in the chart blue).
fn pixels(png: &Path) -> (usize, f64, usize) {
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(png).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let channels = info.color_type.samples();
    assert!(
        channels >= 3,
        "unexpected colour type {:?}",
        info.color_type
    );
    let data = &buf[..info.buffer_size()];
    let mut colours = std::collections::BTreeSet::new();
    let (mut dark, mut blue, mut total) = (0usize, 0usize, 0usize);
    for px in data.chunks(channels) {
        let (r, g, b) = (px[0], px[1], px[2]);
        total += 1;
        colours.insert((r, g, b));
        if r < 235 || g < 235 || b < 235 {
            dark += 1;
        }
        // #4a78b5, the histogram and bar colour.
        if r.abs_diff(0x4a) < 12 && g.abs_diff(0x78) < 12 && b.abs_diff(0xb5) < 12 {
            blue += 1;
        }
    }
    (colours.len(), dark as f64 / total as f64, blue)
}

#[test]
fn renders_in_headless_chromium() {
    let Some(chrome) = chromium() else {
        if std::env::var("ESCALATE_SKIP_BROWSER").as_deref() == Ok("1") {
            eprintln!("chromium not found; browser check skipped (ESCALATE_SKIP_BROWSER=1)");
            return;
        }
        panic!(
            "chromium not found (/usr/bin/chromium, or $ESCALATE_CHROMIUM): install it with \
             `apt-get install -y --no-install-recommends chromium`, point ESCALATE_CHROMIUM at \
             it, or set ESCALATE_SKIP_BROWSER=1 to skip this check"
        );
    };
    let dir = tempfile::tempdir().unwrap();
    // The detector must see a console error on a page that has one.
    let bad = dir.path().join("bad.html");
    std::fs::write(
        &bad,
        "<!DOCTYPE html><html><body><p>x</p><script>throw new Error('boom')</script></body></html>",
    )
    .unwrap();
    let (console, _) = screenshot(&chrome, &bad, dir.path(), 600);
    assert!(
        console.iter().any(|l| l.contains("boom")),
        "console detection does not work with this chromium: no error seen for a throwing page"
    );
    // The report: no console message, and a screenshot with charts in it.
    let (_, _) = render(
        dir.path(),
        &[
            "run",
            "scenarios/minimal.ron",
            "--trials",
            "1000",
            "--seed",
            "9",
        ],
    );
    let page = dir.path().join("r.html");
    let (console, png) = screenshot(&chrome, &page, dir.path(), 2000);
    assert!(console.is_empty(), "console messages: {console:#?}");
    let (colours, ink, blue) = pixels(&png);
    assert!(
        colours >= 16,
        "only {colours} distinct colours: blank page?"
    );
    assert!(
        ink > 0.05,
        "only {:.1}% of pixels are not white",
        100.0 * ink
    );
    assert!(
        blue > 2_000,
        "only {blue} pixels in the chart colour: charts not drawn?"
    );
}

/// Regression: the sweep page drew an effect's direction in red (the output
/// rises with the input) and green (it falls), the colours the run pages use
/// for escalation and calm, so a red bar on `prob_de_escalation` read as bad
/// news. Every tornado bar with a direction is now orange or purple, and the
/// legend says which is which; the page's stylesheet defines both.
#[test]
fn regression_sweep_tornado_direction_is_not_red_and_green() {
    for design in ["lhs", "morris"] {
        let s = crate::harness::Sandbox::new();
        s.run(&[
            "sweep",
            "minimal",
            "--design",
            design,
            "--points",
            "8",
            "--set",
            "actors.G.attack_rate=0.1..0.5",
            "--set",
            "actors.G.fighters=1000..3000",
            "--trials",
            "100",
            "--quiet",
            "--out",
            "sw",
        ])
        .assert_success();
        let page = std::fs::read_to_string(s.join("sw/sweep.html")).unwrap();
        assert!(
            page.contains(".t-up {") && page.contains(".t-down {"),
            "{design}"
        );
        let (up, down) = (
            page.matches("class=\"t-up\"").count(),
            page.matches("class=\"t-down\"").count(),
        );
        assert!(
            up > 0 && down > 0,
            "{design}: {up} orange, {down} purple marks"
        );
        for red_or_green in ["class=\"t-bad\"", "class=\"t-good\""] {
            assert!(
                !page.contains(red_or_green),
                "{design}: the page still draws {red_or_green}"
            );
        }
        assert!(
            page.contains("0: the output rises with the input"),
            "{design}"
        );
    }
}
