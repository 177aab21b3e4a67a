//! Reusable SVG chart primitives for the HTML reports: a linear [`Scale`],
//! round [`nice_ticks`], axes ([`x_axis`], [`y_axis`]), bars with interval
//! whiskers ([`bar_with_whisker`], [`interval_bars`]), a [`histogram`] and a
//! [`fan_chart`] (median with 50% and 90% bands over time).
//!
//! Every chart function returns one complete, self-contained `<svg>` element
//! (no script, no external reference, no `xmlns` needed inside HTML5), sized
//! by its `viewBox` so it scales to the page width. Colours and fonts come
//! from CSS classes; a page includes [`CSS`] in its `<style>` once. All text
//! passed in is escaped here with [`escape`], so scenario text cannot inject
//! markup.
//!
//! The functions are deterministic: equal inputs give equal bytes.

use std::fmt::Write;

use super::format::group;

/// The chart styles every page that uses these charts includes once in its `<style>`.
///
/// Tones: `t-bad` (escalation, red), `t-mid` (amber), `t-good` (calm, green),
/// `t-neutral` (blue); `t-up` (orange) and `t-down` (purple), a diverging pair
/// for a direction that is neither good nor bad (an effect's sign); series
/// `s0`..`s7` for comparisons (colour-blind-safe palette).
pub const CSS: &str = r#"
svg.chart { display: block; width: 100%; height: auto; font-family: inherit; }
svg.chart text { font-size: 12px; fill: #222; }
svg.chart .title { font-size: 13px; font-weight: 600; }
svg.chart .axis-label { font-size: 11px; fill: #555; }
svg.chart .tick text { font-size: 11px; fill: #444; }
svg.chart .tick line, svg.chart .axis-line { stroke: #888; stroke-width: 1; }
svg.chart .grid { stroke: #e3e3e3; stroke-width: 1; }
svg.chart .whisker { stroke: #111; stroke-width: 1.5; fill: none; }
svg.chart .whisker-open { fill: #111; stroke: none; }
svg.chart .note { font-size: 12px; fill: #333; }
svg.chart .hist { fill: #4a78b5; }
svg.chart .band90 { fill: #4a78b5; fill-opacity: 0.18; stroke: none; }
svg.chart .band50 { fill: #4a78b5; fill-opacity: 0.38; stroke: none; }
svg.chart .median { fill: none; stroke: #1d3f73; stroke-width: 2; }
svg.chart .t-bad { fill: #c0392b; }
svg.chart .t-mid { fill: #d68910; }
svg.chart .t-good { fill: #239b56; }
svg.chart .t-neutral { fill: #4a78b5; }
svg.chart .t-up { fill: #b35806; }
svg.chart .t-down { fill: #542788; }
svg.chart .s0 { fill: #0072b2; } svg.chart .s1 { fill: #e69f00; }
svg.chart .s2 { fill: #009e73; } svg.chart .s3 { fill: #cc79a7; }
svg.chart .s4 { fill: #56b4e9; } svg.chart .s5 { fill: #d55e00; }
svg.chart .s6 { fill: #7f7f7f; } svg.chart .s7 { fill: #f0e442; }
@media print { svg.chart { print-color-adjust: exact; -webkit-print-color-adjust: exact; } }
"#;

/// Escapes text for HTML/SVG text content and attribute values (`& < > " '`).
pub fn escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

/// A linear map from a data interval (domain) to a pixel interval (range).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scale {
    /// Domain start.
    pub d0: f64,
    /// Domain end.
    pub d1: f64,
    /// Pixel position of `d0`.
    pub r0: f64,
    /// Pixel position of `d1`.
    pub r1: f64,
}

impl Scale {
    /// A scale from `domain` to `range`; an empty domain is widened by one unit.
    pub fn new(domain: (f64, f64), range: (f64, f64)) -> Self {
        let (d0, mut d1) = domain;
        if d1.partial_cmp(&d0) != Some(std::cmp::Ordering::Greater) {
            d1 = d0 + 1.0;
        }
        Scale {
            d0,
            d1,
            r0: range.0,
            r1: range.1,
        }
    }

    /// The pixel position of a data value (not clamped).
    pub fn map(&self, v: f64) -> f64 {
        self.r0 + (v - self.d0) / (self.d1 - self.d0) * (self.r1 - self.r0)
    }
}

/// Where a chart's plot area sits inside its `width` x `height` box.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Frame {
    /// Total width in pixels (the `viewBox` width).
    pub width: f64,
    /// Total height in pixels.
    pub height: f64,
    /// Margin left of the plot area (y tick labels go here).
    pub left: f64,
    /// Margin right of the plot area.
    pub right: f64,
    /// Margin above the plot area (title, legend).
    pub top: f64,
    /// Margin below the plot area (x tick labels, axis label).
    pub bottom: f64,
}

impl Frame {
    /// Left and right pixel edges of the plot area.
    pub fn x_range(&self) -> (f64, f64) {
        (self.left, self.width - self.right)
    }

    /// Bottom and top pixel edges of the plot area (bottom first: y grows upward in data).
    pub fn y_range(&self) -> (f64, f64) {
        (self.height - self.bottom, self.top)
    }
}

/// About `n` round tick values (1, 2 or 5 times a power of ten apart, never
/// closer than `min_step`) inside [lo, hi]. Use `min_step` 1 for integer data.
pub fn nice_ticks(lo: f64, hi: f64, n: usize, min_step: f64) -> Vec<f64> {
    if !lo.is_finite() || !hi.is_finite() || hi <= lo {
        return vec![lo];
    }
    let raw = ((hi - lo) / n.max(1) as f64).max(min_step);
    let mag = 10f64.powf(raw.log10().floor());
    // The round step nearest to the raw one (by ratio), never below min_step.
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .filter(|s| *s >= min_step * (1.0 - 1e-9))
        .min_by(|a, b| (a / raw).ln().abs().total_cmp(&(b / raw).ln().abs()))
        .unwrap_or(10.0 * mag);
    let first = (lo / step - 1e-9).ceil() as i64;
    let last = (hi / step + 1e-9).floor() as i64;
    (first..=last).map(|k| k as f64 * step).collect()
}

/// A tick label: integers with thousands separators, others with the fewest
/// decimals that tell neighbouring ticks apart (`step` is the tick spacing).
pub fn tick_label(v: f64, step: f64) -> String {
    let decimals = if step >= 1.0 || step <= 0.0 {
        0
    } else {
        (-step.log10().floor()) as usize
    };
    if decimals == 0 {
        group(v.round() as i64)
    } else {
        format!("{v:.decimals$}")
    }
}

/// Ticks with labels from [`nice_ticks`] and [`tick_label`].
pub fn labelled_ticks(lo: f64, hi: f64, n: usize, min_step: f64) -> Vec<(f64, String)> {
    label_ticks(&nice_ticks(lo, hi, n, min_step), 1.0, "")
}

/// Labels evenly spaced tick `values`: each is `factor * value` by
/// [`tick_label`] at the scaled spacing, then `suffix` (`100.0, "%"` shows
/// shares as percentages with the decimals the spacing needs: a 0.2% axis
/// reads 0.1%, 0.2%, not 0%, 0%).
pub fn label_ticks(values: &[f64], factor: f64, suffix: &str) -> Vec<(f64, String)> {
    let step = match values {
        [a, b, ..] => factor * (b - a),
        _ => 1.0,
    };
    values
        .iter()
        .map(|&v| (v, format!("{}{suffix}", tick_label(factor * v, step))))
        .collect()
}

/// Like [`labelled_ticks`], but with fewer ticks while their labels (about
/// 6.5 pixels a character plus a gap) would not fit side by side in `pixels`.
pub fn fitted_ticks(lo: f64, hi: f64, n: usize, min_step: f64, pixels: f64) -> Vec<(f64, String)> {
    let mut n = n.max(1);
    loop {
        let t = labelled_ticks(lo, hi, n, min_step);
        let need: f64 = t
            .iter()
            .map(|(_, l)| l.chars().count() as f64 * 6.5 + 12.0)
            .sum();
        if need <= pixels || n == 1 {
            return t;
        }
        n -= 1;
    }
}

/// Opens a chart: `<svg class="chart" viewBox=...>` with an accessible `<title>`.
/// Close it with `</svg>`.
pub fn svg_open(width: f64, height: f64, title: &str) -> String {
    format!(
        "<svg class=\"chart\" viewBox=\"0 0 {width:.0} {height:.0}\" role=\"img\" \
         preserveAspectRatio=\"xMinYMin meet\" style=\"max-width:{width:.0}px\">\
         <title>{}</title>",
        escape(title)
    )
}

/// A `<line>` from `a` to `b`, with `class` unless it is empty.
fn line(o: &mut String, class: &str, a: (f64, f64), b: (f64, f64)) {
    let class = if class.is_empty() {
        String::new()
    } else {
        format!(" class=\"{class}\"")
    };
    let _ = write!(
        o,
        "<line{class} x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\"/>",
        a.0, a.1, b.0, b.1
    );
}

/// Which side of the plot area an axis runs along.
#[derive(Clone, Copy)]
enum Side {
    Bottom,
    Left,
}

/// An axis along `side` of `frame`: per tick (value, label) placed by `scale`
/// a mark and its label (with `grid`, first a faint line across the plot
/// area), then the axis line and `label` (if any).
fn axis(
    side: Side,
    frame: &Frame,
    scale: &Scale,
    ticks: &[(f64, String)],
    label: &str,
    grid: bool,
) -> String {
    let (x0, x1) = frame.x_range();
    let (y0, y1) = frame.y_range();
    let mut o = String::new();
    for (v, t) in ticks {
        let p = scale.map(*v);
        // The grid line, the tick mark, and where its label goes.
        let (across, mark, at, anchor) = match side {
            Side::Bottom => (
                ((p, y0), (p, y1)),
                ((p, y0), (p, y0 + 4.0)),
                (p, y0 + 16.0),
                "middle",
            ),
            Side::Left => (
                ((x0, p), (x1, p)),
                ((x0 - 4.0, p), (x0, p)),
                (x0 - 7.0, p + 4.0),
                "end",
            ),
        };
        if grid {
            line(&mut o, "grid", across.0, across.1);
        }
        o.push_str("<g class=\"tick\">");
        line(&mut o, "", mark.0, mark.1);
        let _ = write!(
            o,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"{anchor}\">{}</text></g>",
            at.0,
            at.1,
            escape(t)
        );
    }
    match side {
        Side::Bottom => {
            line(&mut o, "axis-line", (x0, y0), (x1, y0));
            if !label.is_empty() {
                let _ = write!(
                    o,
                    "<text class=\"axis-label\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
                    (x0 + x1) / 2.0,
                    y0 + 31.0,
                    escape(label)
                );
            }
        }
        Side::Left => {
            line(&mut o, "axis-line", (x0, y0), (x0, y1));
            if !label.is_empty() {
                let cx = 12.0;
                let cy = (y0 + y1) / 2.0;
                let _ = write!(
                    o,
                    "<text class=\"axis-label\" x=\"{cx:.1}\" y=\"{cy:.1}\" text-anchor=\"middle\" \
                     transform=\"rotate(-90 {cx:.1} {cy:.1})\">{}</text>",
                    escape(label)
                );
            }
        }
    }
    o
}

/// A horizontal axis along the bottom of `frame`: a baseline, ticks at
/// `ticks` (value, label) placed by `x`, and `label` centred below.
/// With `grid`, faint vertical lines cross the plot area at each tick.
pub fn x_axis(
    frame: &Frame,
    x: &Scale,
    ticks: &[(f64, String)],
    label: &str,
    grid: bool,
) -> String {
    axis(Side::Bottom, frame, x, ticks, label, grid)
}

/// A vertical axis along the left of `frame`: ticks at `ticks` placed by `y`,
/// labels right-aligned left of the axis, `label` (if any) rotated alongside.
/// With `grid`, faint horizontal lines cross the plot area at each tick.
pub fn y_axis(
    frame: &Frame,
    y: &Scale,
    ticks: &[(f64, String)],
    label: &str,
    grid: bool,
) -> String {
    axis(Side::Left, frame, y, ticks, label, grid)
}

/// Appends path data through pixel `points`: a move to the first when
/// `start` (else a line to it), lines to the others.
fn path_through(d: &mut String, points: impl Iterator<Item = (f64, f64)>, start: bool) {
    for (i, (px, py)) in points.enumerate() {
        let cmd = if i == 0 && start { "M" } else { "L" };
        let _ = write!(d, "{cmd}{px:.1} {py:.1}");
    }
}

/// A chart's title at the top left, baseline at `y`.
pub fn title(o: &mut String, y: f64, text: &str) {
    let _ = write!(
        o,
        "<text class=\"title\" x=\"0\" y=\"{y}\">{}</text>",
        escape(text)
    );
}

/// A row's label, right-aligned to end at `x`, on the row centred at `cy`.
pub fn row_label(o: &mut String, x: f64, cy: f64, text: &str) {
    row_label_lines(o, x, cy, &[text.to_string()]);
}

/// A row's label in several lines (from [`break_label`]), right-aligned to
/// end at `x`, 13 pixels apart, centred as a block on the row at `cy`.
pub fn row_label_lines(o: &mut String, x: f64, cy: f64, lines: &[String]) {
    let first = cy + 4.0 - 6.5 * (lines.len().max(1) - 1) as f64;
    let _ = write!(
        o,
        "<text x=\"{x:.1}\" y=\"{first:.1}\" text-anchor=\"end\">"
    );
    for (i, l) in lines.iter().enumerate() {
        if i == 0 {
            let _ = write!(o, "<tspan x=\"{x:.1}\">{}</tspan>", escape(l));
        } else {
            let _ = write!(o, "<tspan x=\"{x:.1}\" dy=\"13\">{}</tspan>", escape(l));
        }
    }
    o.push_str("</text>");
}

/// A note starting at `x` on the row centred at `cy` (right of a plot).
pub fn row_note(o: &mut String, x: f64, cy: f64, text: &str) {
    let _ = write!(
        o,
        "<text class=\"note\" x=\"{x:.1}\" y=\"{:.1}\">{}</text>",
        cy + 4.0,
        escape(text)
    );
}

/// An interval whisker from pixel `xl` to `xh` on row `y`, with end caps
/// reaching `cap` pixels up and down (an SVG fragment).
pub fn whisker(xl: f64, xh: f64, y: f64, cap: f64) -> String {
    format!(
        "<path class=\"whisker\" d=\"M{xl:.1} {y:.1}H{xh:.1}M{xl:.1} {:.1}V{:.1}M{xh:.1} {:.1}V{:.1}\"/>",
        y - cap,
        y + cap,
        y - cap,
        y + cap,
    )
}

/// Colour of a bar, as a CSS class of [`CSS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    /// Escalation (red).
    Bad,
    /// In between (amber).
    Mid,
    /// Calm (green).
    Good,
    /// No judgement (blue).
    Neutral,
    /// The i-th series of a comparison (cycles through 8 colours).
    Series(usize),
}

impl Tone {
    /// The CSS class.
    pub fn class(self) -> String {
        match self {
            Tone::Bad => "t-bad".into(),
            Tone::Mid => "t-mid".into(),
            Tone::Good => "t-good".into(),
            Tone::Neutral => "t-neutral".into(),
            Tone::Series(i) => format!("s{}", i % 8),
        }
    }
}

/// One horizontal bar from the domain start to `value`, with a whisker from
/// `low` to `high`, centred on pixel row `y` with thickness `h` (an SVG fragment).
///
/// Values outside the scale's domain are drawn to its edge, and that end of
/// the whisker is left open with an arrowhead (class `whisker-open`) instead
/// of a cap, so an interval that goes on past the axis does not look as if it
/// ended there; a bar cut at the edge gets the same arrowhead.
pub fn bar_with_whisker(
    x: &Scale,
    y: f64,
    h: f64,
    value: f64,
    low: f64,
    high: f64,
    tone: Tone,
) -> String {
    let (lo, hi) = (x.d0.min(x.d1), x.d0.max(x.d1));
    let clamp = |v: f64| v.clamp(lo, hi);
    let x0 = x.map(x.d0);
    let xv = x.map(clamp(value));
    let (xl, xh) = (x.map(clamp(low)), x.map(clamp(high)));
    let open_low = low < lo;
    let open_high = high > hi || value > hi;
    let mut o = format!(
        "<rect class=\"{}\" x=\"{x0:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{h:.1}\"/>",
        tone.class(),
        y - h / 2.0,
        (xv - x0).max(0.0),
    );
    let cap = h * 0.35;
    let _ = write!(o, "<path class=\"whisker\" d=\"M{xl:.1} {y:.1}H{xh:.1}");
    for (end, open) in [(xl, open_low), (xh, open_high)] {
        if !open {
            let _ = write!(o, "M{end:.1} {:.1}V{:.1}", y - cap, y + cap);
        }
    }
    o.push_str("\"/>");
    if open_low {
        o.push_str(&arrowhead(x.map(lo), y, -1.0));
    }
    if open_high {
        o.push_str(&arrowhead(x.map(hi), y, 1.0));
    }
    o
}

/// An arrowhead (class `whisker-open`) whose tip is 6 pixels past `x`, on
/// row `y`, pointing right (`dir` 1) or left (-1): "the interval goes on".
pub fn arrowhead(x: f64, y: f64, dir: f64) -> String {
    format!(
        "<path class=\"whisker-open\" d=\"M{:.1} {y:.1}L{x:.1} {:.1}V{:.1}Z\"/>",
        x + 6.0 * dir,
        y - 4.0,
        y + 4.0
    )
}

/// About how many pixels `text` takes at the charts' 12-pixel font: 7 a
/// character, a little more than the average of DejaVu Sans and Liberation
/// Sans, so a margin sized with it holds the text.
pub fn text_width(text: &str) -> f64 {
    text.chars().count() as f64 * 7.0
}

/// `text` cut into lines of at most `pixels` ([`text_width`]), after a `.`,
/// `_` or `[` where it can be (a long parameter path keeps its pieces whole);
/// a piece longer than a line is cut anywhere. Never loses a character.
pub fn break_label(text: &str, pixels: f64) -> Vec<String> {
    let max = ((pixels / 7.0).floor() as usize).max(4);
    let mut lines = Vec::new();
    let mut rest: Vec<char> = text.chars().collect();
    while rest.len() > max {
        let window = &rest[..max];
        let cut = window
            .iter()
            .rposition(|c| matches!(c, '.' | '_'))
            .map(|i| i + 1)
            .or_else(|| window.iter().rposition(|&c| c == '[').filter(|&i| i > 0))
            .filter(|&i| i > 0)
            .unwrap_or(max);
        lines.push(rest[..cut].iter().collect());
        rest.drain(..cut);
    }
    lines.push(rest.into_iter().collect());
    lines
}

/// One row of [`interval_bars`].
#[derive(Debug, Clone, PartialEq)]
pub struct IntervalBar {
    /// Row label, left of the bar.
    pub label: String,
    /// Bar length (data units).
    pub value: f64,
    /// Whisker start.
    pub low: f64,
    /// Whisker end.
    pub high: f64,
    /// Colour.
    pub tone: Tone,
    /// Text right of the plot (e.g. `42.0% (40.1–44.0%)`).
    pub note: String,
}

/// Options of [`interval_bars`].
#[derive(Debug, Clone, PartialEq)]
pub struct BarOptions {
    /// Chart title (accessible title, drawn at the top when non-empty).
    pub title: String,
    /// Total width in pixels.
    pub width: f64,
    /// Domain end (1 for probabilities); the domain starts at 0.
    pub max: f64,
    /// Tick labels as percentages of 1.
    pub percent: bool,
    /// Width reserved for row labels.
    pub label_width: f64,
    /// Width reserved for notes right of the plot.
    pub note_width: f64,
}

/// Horizontal bars with interval whiskers, one row per bar, gridlines and an
/// x axis (a complete `<svg>`). Used for outcome-class probabilities.
pub fn interval_bars(bars: &[IntervalBar], opt: &BarOptions) -> String {
    let row = 30.0;
    let top = if opt.title.is_empty() { 8.0 } else { 28.0 };
    let frame = Frame {
        width: opt.width,
        height: top + row * bars.len() as f64 + 40.0,
        left: opt.label_width,
        right: opt.note_width,
        top,
        bottom: 40.0,
    };
    let x = Scale::new((0.0, opt.max), frame.x_range());
    let values = nice_ticks(0.0, opt.max, 4, 0.0);
    let ticks = if opt.percent {
        label_ticks(&values, 100.0, "%")
    } else {
        label_ticks(&values, 1.0, "")
    };
    let mut o = svg_open(frame.width, frame.height, &opt.title);
    if !opt.title.is_empty() {
        title(&mut o, 16.0, &opt.title);
    }
    o.push_str(&x_axis(&frame, &x, &ticks, "", true));
    for (i, b) in bars.iter().enumerate() {
        let cy = top + row * (i as f64 + 0.5);
        row_label(&mut o, opt.label_width - 8.0, cy, &b.label);
        o.push_str(&bar_with_whisker(
            &x,
            cy,
            row * 0.6,
            b.value,
            b.low,
            b.high,
            b.tone,
        ));
        row_note(&mut o, opt.width - opt.note_width + 10.0, cy, &b.note);
    }
    o.push_str("</svg>");
    o
}

/// Points with 95% intervals around a dashed zero line, one row per policy
/// (a complete `<svg>`): each row's `value` is the point, `low` to `high` its
/// interval. `percent`: values are probabilities, ticks in points. Pages
/// using it style `.diff-point` and `.zero` themselves.
pub fn difference_chart(
    rows: &[IntervalBar],
    title_text: &str,
    percent: bool,
    width: f64,
) -> String {
    let row = 26.0;
    let top = 26.0;
    let frame = Frame {
        width,
        height: top + row * rows.len() as f64 + 40.0,
        left: 90.0,
        right: 235.0,
        top,
        bottom: 40.0,
    };
    let mut lo = rows.iter().map(|r| r.low).fold(0.0, f64::min);
    let mut hi = rows.iter().map(|r| r.high).fold(0.0, f64::max);
    let pad = (hi - lo).max(if percent { 0.01 } else { 1e-9 }) * 0.08;
    lo -= pad;
    hi += pad;
    if hi.partial_cmp(&lo) != Some(std::cmp::Ordering::Greater) {
        (lo, hi) = (-1.0, 1.0);
    }
    let x = Scale::new((lo, hi), frame.x_range());
    let ticks: Vec<(f64, String)> = if percent {
        labelled_ticks(100.0 * lo, 100.0 * hi, 4, 0.0)
            .into_iter()
            .map(|(v, l)| (v / 100.0, l))
            .collect()
    } else {
        labelled_ticks(lo, hi, 4, 0.0)
    };
    let mut o = svg_open(frame.width, frame.height, title_text);
    title(&mut o, 16.0, title_text);
    o.push_str(&x_axis(&frame, &x, &ticks, "", true));
    let (y0, y1) = frame.y_range();
    let zx = x.map(0.0);
    let _ = write!(
        o,
        "<line class=\"zero\" x1=\"{zx:.1}\" y1=\"{y0:.1}\" x2=\"{zx:.1}\" y2=\"{y1:.1}\"/>"
    );
    for (i, r) in rows.iter().enumerate() {
        let cy = top + row * (i as f64 + 0.5);
        let (xl, xh, xv) = (x.map(r.low), x.map(r.high), x.map(r.value));
        row_label(&mut o, frame.left - 8.0, cy, &r.label);
        o.push_str(&whisker(xl, xh, cy, row * 0.22));
        let _ = write!(
            o,
            "<circle class=\"{} diff-point\" cx=\"{xv:.1}\" cy=\"{cy:.1}\" r=\"5\"/>",
            r.tone.class()
        );
        row_note(&mut o, frame.width - frame.right + 10.0, cy, &r.note);
    }
    o.push_str("</svg>");
    o
}

/// Options of [`histogram`].
#[derive(Debug, Clone, PartialEq)]
pub struct HistOptions {
    /// Chart title, drawn at the top.
    pub title: String,
    /// Label of the x axis (the quantity and its unit).
    pub x_label: String,
    /// Total width in pixels.
    pub width: f64,
    /// Total height in pixels.
    pub height: f64,
    /// The data are integers (ticks at whole numbers only).
    pub integer: bool,
    /// Small multiple: fewer ticks, no y axis label.
    pub compact: bool,
}

/// A histogram of `counts` in equal-width bins spanning [lo, hi] (a complete
/// `<svg>`). Bar heights are shares of all counted trials, in percent.
pub fn histogram(counts: &[u64], lo: f64, hi: f64, opt: &HistOptions) -> String {
    let total: u64 = counts.iter().sum();
    let top = if opt.title.is_empty() { 8.0 } else { 24.0 };
    let frame = Frame {
        width: opt.width,
        height: opt.height,
        left: if opt.compact { 34.0 } else { 48.0 },
        right: 12.0,
        top,
        bottom: if opt.x_label.is_empty() { 24.0 } else { 38.0 },
    };
    let share = |c: u64| 100.0 * c as f64 / total.max(1) as f64;
    let peak = counts.iter().map(|&c| share(c)).fold(0.0, f64::max);
    let y_max = nice_ticks(0.0, peak.max(1e-9), 3, 0.0)
        .last()
        .copied()
        .filter(|&t| t >= peak)
        .unwrap_or(peak)
        .max(peak);
    let x = Scale::new((lo, hi), frame.x_range());
    let y = Scale::new((0.0, y_max.max(1e-9)), frame.y_range());
    let n_x = if opt.compact { 3 } else { 5 };
    let x_ticks = fitted_ticks(
        x.d0,
        x.d1,
        n_x,
        if opt.integer { 1.0 } else { 0.0 },
        frame.x_range().1 - frame.x_range().0,
    );
    let y_ticks = label_ticks(
        &nice_ticks(0.0, y_max, if opt.compact { 2 } else { 3 }, 0.0),
        1.0,
        "%",
    );
    let mut o = svg_open(frame.width, frame.height, &opt.title);
    if !opt.title.is_empty() {
        title(&mut o, 15.0, &opt.title);
    }
    o.push_str(&y_axis(&frame, &y, &y_ticks, "", true));
    let n = counts.len().max(1) as f64;
    let w = (x.d1 - x.d0) / n;
    let (_, base) = (0, y.map(0.0));
    for (k, &c) in counts.iter().enumerate() {
        if c == 0 {
            continue;
        }
        let a = x.map(x.d0 + w * k as f64);
        let b = x.map(x.d0 + w * (k as f64 + 1.0));
        let top_px = y.map(share(c));
        let _ = write!(
            o,
            "<rect class=\"hist\" x=\"{:.1}\" y=\"{top_px:.1}\" width=\"{:.1}\" height=\"{:.1}\"/>",
            a + 0.5,
            (b - a - 1.0).max(0.8),
            (base - top_px).max(0.5)
        );
    }
    o.push_str(&x_axis(&frame, &x, &x_ticks, &opt.x_label, false));
    o.push_str("</svg>");
    o
}

/// One point of a [`fan_chart`]: an x value and the quantiles 5, 25, 50, 75, 95 there.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FanPoint {
    /// Position on the x axis (e.g. the day).
    pub x: f64,
    /// Quantiles 5, 25, 50, 75 and 95 of the quantity at `x`.
    pub q: [f64; 5],
}

/// Options of [`fan_chart`].
#[derive(Debug, Clone, PartialEq)]
pub struct FanOptions {
    /// Chart title, drawn at the top.
    pub title: String,
    /// Label of the x axis.
    pub x_label: String,
    /// Label of the y axis.
    pub y_label: String,
    /// Total width in pixels.
    pub width: f64,
    /// Total height in pixels.
    pub height: f64,
    /// Left margin (room for long y tick labels such as rung names).
    pub left: f64,
    /// Fixed y domain; `None` spans 0 to the largest 95th percentile.
    pub y_domain: Option<(f64, f64)>,
    /// Fixed y ticks (value, label), e.g. rung names; `None` picks round numbers.
    pub y_ticks: Option<Vec<(f64, String)>>,
}

/// A fan chart (a complete `<svg>`): the 90% band (5th to 95th percentile),
/// the 50% band (25th to 75th) and the median line over x, with a legend.
pub fn fan_chart(points: &[FanPoint], opt: &FanOptions) -> String {
    let frame = Frame {
        width: opt.width,
        height: opt.height,
        left: opt.left,
        right: 16.0,
        top: 44.0,
        bottom: 40.0,
    };
    let x_lo = points.first().map_or(0.0, |p| p.x);
    let x_hi = points.last().map_or(1.0, |p| p.x);
    let (y_lo, y_hi) = opt.y_domain.unwrap_or_else(|| {
        let m = points.iter().map(|p| p.q[4]).fold(0.0, f64::max);
        let t = nice_ticks(0.0, m.max(1.0), 4, 1.0);
        (
            0.0,
            t.last().copied().filter(|&v| v >= m).unwrap_or(m).max(1.0),
        )
    });
    let x = Scale::new((x_lo, x_hi), frame.x_range());
    let y = Scale::new((y_lo, y_hi), frame.y_range());
    let y_ticks = opt
        .y_ticks
        .clone()
        .unwrap_or_else(|| labelled_ticks(y_lo, y_hi, 4, 1.0));
    let x_ticks = fitted_ticks(x_lo, x_hi, 6, 1.0, frame.x_range().1 - frame.x_range().0);
    let mut o = svg_open(frame.width, frame.height, &opt.title);
    title(&mut o, 15.0, &opt.title);
    // Legend.
    let lx = frame.left;
    let _ = write!(
        o,
        "<rect class=\"band90\" x=\"{lx:.1}\" y=\"24\" width=\"18\" height=\"10\"/>\
         <text class=\"axis-label\" x=\"{:.1}\" y=\"33\">90% of trials</text>\
         <rect class=\"band50\" x=\"{:.1}\" y=\"24\" width=\"18\" height=\"10\"/>\
         <text class=\"axis-label\" x=\"{:.1}\" y=\"33\">50% of trials</text>\
         <path class=\"median\" d=\"M{:.1} 29h18\"/>\
         <text class=\"axis-label\" x=\"{:.1}\" y=\"33\">median</text>",
        lx + 24.0,
        lx + 112.0,
        lx + 136.0,
        lx + 224.0,
        lx + 248.0,
    );
    o.push_str(&y_axis(&frame, &y, &y_ticks, &opt.y_label, true));
    if !points.is_empty() {
        // Quantile k of every point, as pixels.
        let at = |p: &FanPoint, k: usize| (x.map(p.x), y.map(p.q[k]));
        let band = |lo: usize, hi: usize| {
            let mut d = String::new();
            path_through(&mut d, points.iter().map(|p| at(p, hi)), true);
            path_through(&mut d, points.iter().rev().map(|p| at(p, lo)), false);
            d.push('Z');
            d
        };
        let _ = write!(o, "<path class=\"band90\" d=\"{}\"/>", band(0, 4));
        let _ = write!(o, "<path class=\"band50\" d=\"{}\"/>", band(1, 3));
        let mut d = String::new();
        path_through(&mut d, points.iter().map(|p| at(p, 2)), true);
        let _ = write!(o, "<path class=\"median\" d=\"{d}\"/>");
    }
    o.push_str(&x_axis(&frame, &x, &x_ticks, &opt.x_label, false));
    o.push_str("</svg>");
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_neutralises_markup() {
        assert_eq!(
            escape("<script>alert('x') & \"y\"</script>"),
            "&lt;script&gt;alert(&#39;x&#39;) &amp; &quot;y&quot;&lt;/script&gt;"
        );
    }

    #[test]
    fn nice_ticks_are_round_and_inside() {
        let t = nice_ticks(0.0, 1.0, 4, 0.0);
        assert_eq!(t.len(), 6);
        for (a, b) in t.iter().zip([0.0, 0.2, 0.4, 0.6, 0.8, 1.0]) {
            assert!((a - b).abs() < 1e-12, "{t:?}");
        }
        assert_eq!(
            nice_ticks(1.0, 365.0, 6, 1.0),
            vec![50.0, 100.0, 150.0, 200.0, 250.0, 300.0, 350.0]
        );
        assert_eq!(nice_ticks(0.0, 3.0, 5, 1.0), vec![0.0, 1.0, 2.0, 3.0]);
        assert_eq!(nice_ticks(5.0, 5.0, 5, 1.0), vec![5.0]);
    }

    #[test]
    fn tick_labels_group_thousands_and_keep_needed_decimals() {
        assert_eq!(tick_label(12_000.0, 2000.0), "12,000");
        assert_eq!(tick_label(0.25, 0.05), "0.25");
        assert_eq!(tick_label(0.4, 0.2), "0.4");
    }

    #[test]
    fn fitted_ticks_thin_out_wide_labels() {
        let t = fitted_ticks(0.0, 140_000.0, 5, 1.0, 200.0);
        let need: f64 = t.iter().map(|(_, l)| l.len() as f64 * 6.5 + 12.0).sum();
        assert!(need <= 200.0 && t.len() >= 2, "{t:?}");
        assert!(fitted_ticks(0.0, 100.0, 5, 1.0, 1000.0).len() >= 5);
    }

    #[test]
    fn whiskers_inside_the_axis_have_two_caps_and_no_arrow() {
        let x = Scale::new((0.0, 1.0), (100.0, 300.0));
        let b = bar_with_whisker(&x, 50.0, 10.0, 0.5, 0.25, 0.75, Tone::Neutral);
        assert_eq!(
            b,
            "<rect class=\"t-neutral\" x=\"100.0\" y=\"45.0\" width=\"100.0\" height=\"10.0\"/>\
             <path class=\"whisker\" d=\"M150.0 50.0H250.0M150.0 46.5V53.5M250.0 46.5V53.5\"/>"
        );
    }

    #[test]
    fn whiskers_cut_at_the_axis_end_open_with_an_arrow_not_a_cap() {
        let x = Scale::new((0.0, 1.0), (100.0, 300.0));
        // Interval [0.5, 2.5] on a 0..1 axis: the whisker stops at the axis
        // end (300), has a cap only at 0.5 (200), and an arrow past 300.
        let b = bar_with_whisker(&x, 50.0, 10.0, 0.8, 0.5, 2.5, Tone::Neutral);
        assert!(
            b.contains("<path class=\"whisker\" d=\"M200.0 50.0H300.0M200.0 46.5V53.5\"/>"),
            "{b}"
        );
        assert!(!b.contains("M300.0 46.5V53.5"), "{b}");
        assert!(
            b.contains("<path class=\"whisker-open\" d=\"M306.0 50.0L300.0 46.0V54.0Z\"/>"),
            "{b}"
        );
        // Cut below: the arrow points left from the axis start.
        let b = bar_with_whisker(&x, 50.0, 10.0, 0.1, -0.4, 0.3, Tone::Neutral);
        assert!(b.contains("M94.0 50.0L100.0 46.0V54.0Z"), "{b}");
        assert!(
            b.contains("M160.0 46.5V53.5") && !b.contains("M100.0 46.5V53.5"),
            "{b}"
        );
        // A bar cut at the end is marked even when its whisker is not.
        let b = bar_with_whisker(&x, 50.0, 10.0, 1.7, 0.9, 1.0, Tone::Neutral);
        assert!(
            b.contains("width=\"200.0\"") && b.contains("whisker-open"),
            "{b}"
        );
    }

    #[test]
    fn long_labels_break_after_separators_and_keep_every_character() {
        let label = "doctrines.Pakistan.rules[1].probability";
        let lines = break_label(label, 150.0);
        assert_eq!(lines, vec!["doctrines.Pakistan.", "rules[1].probability"]);
        assert_eq!(lines.concat(), label);
        assert!(lines.iter().all(|l| text_width(l) <= 150.0));
        assert_eq!(break_label("short", 150.0), vec!["short"]);
        let unbroken = "x".repeat(50);
        let lines = break_label(&unbroken, 70.0);
        assert_eq!(lines.concat(), unbroken);
        assert!(lines.iter().all(|l| l.len() <= 10));
    }

    #[test]
    fn scale_maps_ends_and_widens_empty_domains() {
        let s = Scale::new((0.0, 10.0), (100.0, 200.0));
        assert_eq!(s.map(0.0), 100.0);
        assert_eq!(s.map(5.0), 150.0);
        let e = Scale::new((3.0, 3.0), (0.0, 10.0));
        assert_eq!(e.map(4.0), 10.0);
    }

    #[test]
    fn charts_are_single_svg_elements_with_escaped_text() {
        let h = histogram(
            &[1, 2, 3],
            0.0,
            3.0,
            &HistOptions {
                title: "a<b".into(),
                x_label: "days".into(),
                width: 300.0,
                height: 150.0,
                integer: true,
                compact: false,
            },
        );
        assert!(h.starts_with("<svg") && h.ends_with("</svg>"));
        assert_eq!(h.matches("<svg").count(), 1);
        assert_eq!(h.matches("class=\"hist\"").count(), 3);
        assert!(h.contains("a&lt;b") && !h.contains("a<b"));
        let f = fan_chart(
            &[
                FanPoint {
                    x: 1.0,
                    q: [0.0, 1.0, 2.0, 3.0, 4.0],
                },
                FanPoint {
                    x: 2.0,
                    q: [1.0, 2.0, 3.0, 4.0, 5.0],
                },
            ],
            &FanOptions {
                title: "t".into(),
                x_label: "day".into(),
                y_label: "deaths".into(),
                width: 600.0,
                height: 300.0,
                left: 60.0,
                y_domain: None,
                y_ticks: None,
            },
        );
        assert_eq!(f.matches("<svg").count(), 1);
        assert_eq!(f.matches("class=\"band90\"").count(), 2); // legend + band
        assert_eq!(f.matches("class=\"median\"").count(), 2);
    }
}
