//! Evaluation charts as SVG markup: pure functions from numbers to a string,
//! tested natively, put on the page by the studio (`studio.rs`).
//!
//! Every chart is one `<svg class="chart chart-KIND" role="img"
//! aria-label="…">` with a `<title>`, a `<rect class="plot">` marking the
//! plot area, and `data-` attributes saying what it holds (`data-points`,
//! `data-bars`, …) so a test or a script can read it without parsing
//! geometry. Colours come from `style.css` through classes, except the
//! confusion matrix's shading, which is the data. Values that are not
//! finite are left out (and not counted).

use std::fmt::Write;

use crate::text;

/// One bar of a horizontal bar chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub label: String,
    pub value: f64,
}

/// One class's ROC curve: `points` are `(false positive rate, true positive rate)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Curve {
    pub class: String,
    pub auc: f64,
    pub points: Vec<(f64, f64)>,
}

/// A linear map from data to pixels.
#[derive(Debug, Clone, Copy)]
struct Scale {
    d0: f64,
    d1: f64,
    r0: f64,
    r1: f64,
}

impl Scale {
    fn at(&self, v: f64) -> f64 {
        let span = self.d1 - self.d0;
        let t = if span == 0.0 { 0.5 } else { (v - self.d0) / span };
        self.r0 + t * (self.r1 - self.r0)
    }
}

/// The plot area inside the chart, in pixels.
#[derive(Debug, Clone, Copy)]
struct Area {
    left: f64,
    top: f64,
    right: f64,
    bottom: f64,
}

impl Area {
    fn x(&self, d0: f64, d1: f64) -> Scale {
        Scale { d0, d1, r0: self.left, r1: self.right }
    }
    fn y(&self, d0: f64, d1: f64) -> Scale {
        Scale { d0, d1, r0: self.bottom, r1: self.top }
    }
}

/// A "nice" step (1, 2 or 5 times a power of ten) giving about `target`
/// intervals over `span`.
fn nice_step(span: f64, target: usize) -> f64 {
    let raw = span / target.max(1) as f64;
    if !raw.is_finite() || raw <= 0.0 {
        return 1.0;
    }
    let power = 10f64.powf(raw.log10().floor());
    let m = raw / power;
    let nice = if m <= 1.0 {
        1.0
    } else if m <= 2.0 {
        2.0
    } else if m <= 5.0 {
        5.0
    } else {
        10.0
    };
    nice * power
}

/// Decimals that show a multiple of `step` exactly (at most 6).
fn decimals(step: f64) -> usize {
    if step >= 1.0 { 0 } else { ((-step.log10()).ceil().max(0.0) as usize).min(6) }
}

/// Ticks over `[lo, hi]` widened to whole steps: the domain and the ticks.
fn nice_domain(lo: f64, hi: f64, target: usize) -> ((f64, f64), Vec<f64>, usize) {
    let (lo, hi) = if lo < hi {
        (lo, hi)
    } else if lo == hi {
        let pad = if lo == 0.0 { 1.0 } else { lo.abs() * 0.1 };
        (lo - pad, hi + pad)
    } else {
        (0.0, 1.0)
    };
    let step = nice_step(hi - lo, target);
    let start = (lo / step).floor() * step;
    let end = (hi / step).ceil() * step;
    let n = ((end - start) / step).round() as usize;
    let ticks: Vec<f64> = (0..=n).map(|i| start + i as f64 * step).collect();
    ((start, end), ticks, decimals(step))
}

/// Fixed ticks for a rate axis (0 to 1, shown as percentages).
fn rate_ticks() -> Vec<f64> {
    vec![0.0, 0.25, 0.5, 0.75, 1.0]
}

/// Escapes text for XML (element text and attribute values).
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Pixel coordinates with one decimal.
fn px(v: f64) -> String {
    let r = (v * 10.0).round() / 10.0;
    if r == 0.0 { "0".into() } else { format!("{r}") }
}

/// A chart being written.
struct Svg {
    out: String,
}

impl Svg {
    fn new(kind: &str, label: &str, width: f64, height: f64, data: &[(&str, String)]) -> Svg {
        let mut out = format!(
            r#"<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-{kind}" role="img" aria-label="{}" viewBox="0 0 {} {}" width="{}" height="{}""#,
            escape(label),
            px(width),
            px(height),
            px(width),
            px(height)
        );
        for (k, v) in data {
            let _ = write!(out, r#" data-{k}="{}""#, escape(v));
        }
        let _ = write!(out, "><title>{}</title>", escape(label));
        Svg { out }
    }

    fn plot(&mut self, a: &Area) {
        let _ = write!(
            self.out,
            r#"<rect class="plot" x="{}" y="{}" width="{}" height="{}"/>"#,
            px(a.left),
            px(a.top),
            px(a.right - a.left),
            px(a.bottom - a.top)
        );
    }

    fn text(&mut self, class: &str, x: f64, y: f64, anchor: &str, s: &str) {
        let _ = write!(
            self.out,
            r#"<text class="{class}" x="{}" y="{}" text-anchor="{anchor}">{}</text>"#,
            px(x),
            px(y),
            escape(s)
        );
    }

    fn line(&mut self, class: &str, x1: f64, y1: f64, x2: f64, y2: f64) {
        let _ = write!(
            self.out,
            r#"<line class="{class}" x1="{}" y1="{}" x2="{}" y2="{}"/>"#,
            px(x1),
            px(y1),
            px(x2),
            px(y2)
        );
    }

    /// Grid lines and labels on both axes, and the axes' names.
    #[allow(clippy::too_many_arguments)]
    fn axes(
        &mut self,
        a: &Area,
        x: Scale,
        xt: &[f64],
        xfmt: &dyn Fn(f64) -> String,
        y: Scale,
        yt: &[f64],
        yfmt: &dyn Fn(f64) -> String,
        names: (&str, &str),
    ) {
        self.out.push_str(r#"<g class="axis x">"#);
        for &t in xt {
            let p = x.at(t);
            self.line("grid", p, a.top, p, a.bottom);
            self.text("tick", p, a.bottom + 16.0, "middle", &xfmt(t));
        }
        self.text("name", (a.left + a.right) / 2.0, a.bottom + 34.0, "middle", names.0);
        self.out.push_str(r#"</g><g class="axis y">"#);
        for &t in yt {
            let p = y.at(t);
            self.line("grid", a.left, p, a.right, p);
            self.text("tick", a.left - 6.0, p + 4.0, "end", &yfmt(t));
        }
        let (cx, cy) = (14.0, (a.top + a.bottom) / 2.0);
        let _ = write!(
            self.out,
            r#"<text class="name" x="{}" y="{}" text-anchor="middle" transform="rotate(-90 {} {})">{}</text>"#,
            px(cx),
            px(cy),
            px(cx),
            px(cy),
            escape(names.1)
        );
        self.out.push_str("</g>");
    }

    fn finish(mut self) -> String {
        self.out.push_str("</svg>");
        self.out
    }
}

fn finite(points: &[(f64, f64)]) -> Vec<(f64, f64)> {
    points.iter().copied().filter(|(a, b)| a.is_finite() && b.is_finite()).collect()
}

fn range(values: impl Iterator<Item = f64>) -> (f64, f64) {
    values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)))
}

fn number_fmt(d: usize) -> impl Fn(f64) -> String {
    move |v| text::number(v, d)
}

/// Horizontal bars, longest first as given (feature importance): the label
/// on the left, the bar's length proportional to its value (negative values
/// count as zero), the value as `value_text` writes it at the bar's end.
pub fn bars(label: &str, items: &[Bar], value_text: &dyn Fn(f64) -> String) -> String {
    let items: Vec<&Bar> = items.iter().filter(|b| b.value.is_finite()).collect();
    const ROW: f64 = 24.0;
    let width = 440.0;
    let a = Area { left: 150.0, top: 8.0, right: width - 50.0, bottom: 8.0 + ROW * items.len().max(1) as f64 };
    let height = a.bottom + 8.0;
    let max = items.iter().map(|b| b.value.max(0.0)).fold(0.0, f64::max);
    let mut svg = Svg::new("bars", label, width, height, &[("bars", items.len().to_string())]);
    svg.plot(&a);
    for (i, b) in items.iter().enumerate() {
        let y = a.top + i as f64 * ROW;
        let length = if max > 0.0 { b.value.max(0.0) / max * (a.right - a.left) } else { 0.0 };
        let name = if b.label.chars().count() > 22 {
            format!("{}…", b.label.chars().take(21).collect::<String>())
        } else {
            b.label.clone()
        };
        svg.text("label", a.left - 8.0, y + ROW / 2.0 + 4.0, "end", &name);
        let _ = write!(
            svg.out,
            r#"<rect class="bar" x="{}" y="{}" width="{}" height="{}" data-label="{}" data-value="{}"><title>{}: {}</title></rect>"#,
            px(a.left),
            px(y + 4.0),
            px(length),
            px(ROW - 8.0),
            escape(&b.label),
            b.value,
            escape(&b.label),
            escape(&value_text(b.value))
        );
        svg.text("value", a.left + length + 6.0, y + ROW / 2.0 + 4.0, "start", &value_text(b.value));
    }
    svg.finish()
}

/// Predicted against actual values, one circle per row, with the line
/// y = x where a perfect model's points lie. Both axes share one domain.
pub fn scatter(label: &str, points: &[(f64, f64)], target: &str) -> String {
    let points = finite(points);
    let (lo, hi) = range(points.iter().flat_map(|&(a, p)| [a, p]));
    let (lo, hi) = if points.is_empty() { (0.0, 1.0) } else { (lo, hi) };
    let ((d0, d1), ticks, dec) = nice_domain(lo, hi, 6);
    let (width, height) = (460.0, 420.0);
    let a = Area { left: 64.0, top: 12.0, right: width - 16.0, bottom: height - 48.0 };
    let (x, y) = (a.x(d0, d1), a.y(d0, d1));
    let mut svg = Svg::new("scatter", label, width, height, &[("points", points.len().to_string())]);
    svg.plot(&a);
    let f = number_fmt(dec);
    svg.axes(&a, x, &ticks, &f, y, &ticks, &f, (&format!("Actual {target}"), &format!("Predicted {target}")));
    svg.line("ideal", x.at(d0), y.at(d0), x.at(d1), y.at(d1));
    svg.out.push_str(r#"<g class="points">"#);
    for (actual, predicted) in &points {
        let _ = write!(svg.out, r#"<circle cx="{}" cy="{}" r="3"/>"#, px(x.at(*actual)), px(y.at(*predicted)));
    }
    svg.out.push_str("</g>");
    svg.finish()
}

/// Residuals: the error (actual − predicted) against the prediction, with
/// the zero line where a perfect model's points lie.
pub fn residuals(label: &str, points: &[(f64, f64)], target: &str) -> String {
    let points: Vec<(f64, f64)> = finite(points).into_iter().map(|(a, p)| (p, a - p)).collect();
    let (xlo, xhi) = if points.is_empty() { (0.0, 1.0) } else { range(points.iter().map(|p| p.0)) };
    let (ylo, yhi) = if points.is_empty() { (-1.0, 1.0) } else { range(points.iter().map(|p| p.1)) };
    // The zero line is always in view, in the middle when errors go both ways.
    let m = ylo.abs().max(yhi.abs());
    let m = if m == 0.0 { 1.0 } else { m };
    let ((xd0, xd1), xt, xdec) = nice_domain(xlo, xhi, 6);
    let ((yd0, yd1), yt, ydec) = nice_domain(-m, m, 6);
    let (width, height) = (460.0, 320.0);
    let a = Area { left: 64.0, top: 12.0, right: width - 16.0, bottom: height - 48.0 };
    let (x, y) = (a.x(xd0, xd1), a.y(yd0, yd1));
    let mut svg = Svg::new("residuals", label, width, height, &[("points", points.len().to_string())]);
    svg.plot(&a);
    svg.axes(
        &a,
        x,
        &xt,
        &number_fmt(xdec),
        y,
        &yt,
        &number_fmt(ydec),
        (&format!("Predicted {target}"), "Actual − predicted"),
    );
    svg.line("ideal", a.left, y.at(0.0), a.right, y.at(0.0));
    svg.out.push_str(r#"<g class="points">"#);
    for (p, r) in &points {
        let _ = write!(svg.out, r#"<circle cx="{}" cy="{}" r="3"/>"#, px(x.at(*p)), px(y.at(*r)));
    }
    svg.out.push_str("</g>");
    svg.finish()
}

/// The confusion matrix: a row per actual class, a column per predicted
/// class, each cell with its count, shaded by its share of its row (so a
/// rare class's errors show as clearly as a common one's). Correct cells
/// (the diagonal) are marked `class="cell hit"`.
pub fn confusion(label: &str, classes: &[String], matrix: &[Vec<f64>]) -> String {
    let n = classes.len();
    let cell = (300.0 / n.max(1) as f64).clamp(28.0, 64.0);
    let left = 130.0;
    let top = 40.0;
    let a = Area { left, top, right: left + cell * n as f64, bottom: top + cell * n as f64 };
    let (width, height) = (a.right + 16.0, a.bottom + 44.0);
    let total: f64 = matrix.iter().flatten().filter(|v| v.is_finite()).sum();
    let mut svg = Svg::new(
        "confusion",
        label,
        width,
        height,
        &[("classes", n.to_string()), ("cells", (n * n).to_string()), ("total", text::plain(total))],
    );
    svg.plot(&a);
    let short = |s: &str| {
        if s.chars().count() > 14 { format!("{}…", s.chars().take(13).collect::<String>()) } else { s.to_string() }
    };
    svg.text("name", (a.left + a.right) / 2.0, 14.0, "middle", "Predicted");
    for (j, c) in classes.iter().enumerate() {
        svg.text("tick", a.left + (j as f64 + 0.5) * cell, top - 8.0, "middle", &short(c));
    }
    svg.text("name", a.left - 8.0, 14.0, "end", "Actual");
    for (i, c) in classes.iter().enumerate() {
        let row: f64 = matrix.get(i).map(|r| r.iter().filter(|v| v.is_finite()).sum()).unwrap_or(0.0);
        svg.text("tick", a.left - 8.0, top + (i as f64 + 0.5) * cell + 4.0, "end", &short(c));
        for j in 0..n {
            let v = matrix.get(i).and_then(|r| r.get(j)).copied().filter(|v| v.is_finite()).unwrap_or(0.0);
            let share = if row > 0.0 { v / row } else { 0.0 };
            // From white to the accent colour (#1f4e79).
            let mix = |full: f64| (255.0 + (full - 255.0) * share).round() as u8;
            let fill = format!("rgb({},{},{})", mix(31.0), mix(78.0), mix(121.0));
            let (x, y) = (a.left + j as f64 * cell, top + i as f64 * cell);
            let kind = if i == j { "cell hit" } else { "cell" };
            let _ = write!(
                svg.out,
                r#"<rect class="{kind}" x="{}" y="{}" width="{}" height="{}" fill="{fill}" data-actual="{}" data-predicted="{}" data-count="{}"><title>actual {}, predicted {}: {}</title></rect>"#,
                px(x),
                px(y),
                px(cell),
                px(cell),
                escape(&classes[i]),
                escape(&classes[j]),
                text::plain(v),
                escape(&classes[i]),
                escape(&classes[j]),
                text::plain(v)
            );
            let ink = if share > 0.5 { "count dark" } else { "count" };
            svg.text(ink, x + cell / 2.0, y + cell / 2.0 + 4.0, "middle", &text::number(v, 0));
        }
    }
    svg.finish()
}

/// ROC curves, one polyline per class (true positive rate against false
/// positive rate), the diagonal of a model that guesses, and a legend with
/// each class's area under the curve.
pub fn roc(label: &str, curves: &[Curve]) -> String {
    let (width, height) = (460.0, 400.0);
    let legend = 20.0 * curves.len() as f64;
    let a = Area { left: 64.0, top: 12.0, right: width - 16.0, bottom: height - 48.0 - legend };
    let (x, y) = (a.x(0.0, 1.0), a.y(0.0, 1.0));
    let mut svg = Svg::new("roc", label, width, height, &[("curves", curves.len().to_string())]);
    svg.plot(&a);
    let pct = |v: f64| text::percent(v).replace(".0%", "%");
    svg.axes(&a, x, &rate_ticks(), &pct, y, &rate_ticks(), &pct, ("False positive rate", "True positive rate"));
    svg.line("ideal", x.at(0.0), y.at(0.0), x.at(1.0), y.at(1.0));
    for (k, c) in curves.iter().enumerate() {
        let pts: Vec<String> = finite(&c.points)
            .iter()
            .map(|&(f, t)| format!("{},{}", px(x.at(f.clamp(0.0, 1.0))), px(y.at(t.clamp(0.0, 1.0)))))
            .collect();
        let _ = write!(
            svg.out,
            r#"<polyline class="curve c{}" points="{}" data-class="{}" data-auc="{}" data-points="{}"/>"#,
            k % 6,
            pts.join(" "),
            escape(&c.class),
            c.auc,
            pts.len()
        );
        let ly = height - legend - 8.0 + 20.0 * k as f64 + 10.0;
        let _ = write!(
            svg.out,
            r#"<line class="curve c{}" x1="{}" y1="{}" x2="{}" y2="{}"/>"#,
            k % 6,
            px(a.left),
            px(ly - 4.0),
            px(a.left + 24.0),
            px(ly - 4.0)
        );
        svg.text("legend", a.left + 30.0, ly, "start", &format!("{}: AUC {}", c.class, text::number(c.auc, 3)));
    }
    svg.finish()
}

/// A histogram from bin edges (one more than the counts) and counts: a bar
/// per bin, its height proportional to its count.
pub fn histogram(label: &str, edges: &[f64], counts: &[f64], field: &str) -> String {
    let bins = counts.len().min(edges.len().saturating_sub(1));
    let ok = bins > 0 && edges[..=bins].iter().all(|e| e.is_finite());
    let (lo, hi) = if ok { (edges[0], edges[bins]) } else { (0.0, 1.0) };
    let ((xd0, xd1), xt, xdec) = nice_domain(lo, hi, 6);
    let max = counts.iter().take(bins).copied().filter(|c| c.is_finite()).fold(0.0, f64::max);
    let ((_, yd1), yt, _) = nice_domain(0.0, max.max(1.0), 4);
    let yt: Vec<f64> = yt.into_iter().filter(|t| t.fract() == 0.0).collect();
    let (width, height) = (460.0, 260.0);
    let a = Area { left: 56.0, top: 12.0, right: width - 16.0, bottom: height - 48.0 };
    let (x, y) = (a.x(xd0, xd1), a.y(0.0, yd1));
    let shown = if ok { bins } else { 0 };
    let mut svg = Svg::new("histogram", label, width, height, &[("bins", shown.to_string())]);
    svg.plot(&a);
    svg.axes(&a, x, &xt, &number_fmt(xdec), y, &yt, &number_fmt(0), (field, "Rows"));
    svg.out.push_str(r#"<g class="bins">"#);
    for i in 0..shown {
        let c = if counts[i].is_finite() { counts[i].max(0.0) } else { 0.0 };
        let (x0, x1) = (x.at(edges[i]), x.at(edges[i + 1]));
        let top = y.at(c);
        let _ = write!(
            svg.out,
            r#"<rect class="bin" x="{}" y="{}" width="{}" height="{}" data-count="{}"><title>{} to {}: {} rows</title></rect>"#,
            px(x0.min(x1)),
            px(top),
            px((x1 - x0).abs().max(0.5)),
            px(a.bottom - top),
            text::plain(c),
            text::value(edges[i]),
            text::value(edges[i + 1]),
            text::plain(c)
        );
    }
    svg.out.push_str("</g>");
    svg.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The elements with this tag, each as its attributes.
    fn elements(svg: &str, tag: &str) -> Vec<Vec<(String, String)>> {
        let open = format!("<{tag} ");
        svg.match_indices(&open)
            .map(|(i, _)| {
                let rest = &svg[i + open.len()..];
                let end = rest.find('>').unwrap();
                attributes(&rest[..end])
            })
            .collect()
    }

    fn attributes(s: &str) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let mut rest = s;
        while let Some(eq) = rest.find("=\"") {
            let name = rest[..eq].trim().to_string();
            let after = &rest[eq + 2..];
            let close = after.find('"').unwrap();
            out.push((name, after[..close].to_string()));
            rest = &after[close + 1..];
        }
        out
    }

    fn attr(e: &[(String, String)], name: &str) -> String {
        e.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_else(|| panic!("no {name} in {e:?}"))
    }

    fn num(e: &[(String, String)], name: &str) -> f64 {
        attr(e, name).parse().unwrap()
    }

    fn with_class(svg: &str, tag: &str, class: &str) -> Vec<Vec<(String, String)>> {
        elements(svg, tag).into_iter().filter(|e| attr(e, "class").split(' ').any(|c| c == class)).collect()
    }

    /// The plot area: left, top, right, bottom.
    fn plot(svg: &str) -> (f64, f64, f64, f64) {
        let p = &with_class(svg, "rect", "plot")[0];
        let (x, y) = (num(p, "x"), num(p, "y"));
        (x, y, x + num(p, "width"), y + num(p, "height"))
    }

    fn root(svg: &str) -> Vec<(String, String)> {
        elements(svg, "svg").remove(0)
    }

    /// Every chart: one svg, role img, a label and a title, balanced tags.
    fn well_formed(svg: &str, kind: &str) {
        let r = root(svg);
        assert_eq!(attr(&r, "class"), format!("chart chart-{kind}"));
        assert_eq!(attr(&r, "role"), "img");
        assert!(!attr(&r, "aria-label").is_empty());
        assert!(svg.contains("<title>"));
        assert!(svg.ends_with("</svg>"));
        assert_eq!(svg.matches("<g").count(), svg.matches("</g>").count());
        assert_eq!(svg.matches("<text").count(), svg.matches("</text>").count());
    }

    fn ticks_of(svg: &str, axis: &str) -> Vec<String> {
        let start = svg.find(&format!(r#"<g class="axis {axis}">"#)).unwrap();
        let end = start + svg[start..].find("</g>").unwrap();
        let part = &svg[start..end];
        part.match_indices(r#"<text class="tick""#)
            .map(|(i, _)| {
                let s = &part[i..];
                let open = s.find('>').unwrap() + 1;
                s[open..open + s[open..].find('<').unwrap()].to_string()
            })
            .collect()
    }

    #[test]
    fn ticks_are_round_numbers_covering_the_data() {
        let ((lo, hi), t, d) = nice_domain(7.4, 61.9, 6);
        assert_eq!((lo, hi, d), (0.0, 70.0, 0));
        assert_eq!(t, vec![0.0, 10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0]);
        let ((lo, hi), t, d) = nice_domain(0.12, 0.93, 5);
        assert_eq!((lo, hi, d, t.len()), (0.0, 1.0, 1, 6));
        let ((lo, hi), _, _) = nice_domain(5.0, 5.0, 5);
        assert!(lo < 5.0 && hi > 5.0);
        let ((lo, hi), t, _) = nice_domain(1200.0, 98000.0, 5);
        assert_eq!((lo, hi), (0.0, 100000.0));
        assert_eq!(t.len(), 6);
        assert_eq!(nice_step(0.0, 5), 1.0);
    }

    #[test]
    fn a_perfect_models_points_lie_on_the_diagonal() {
        let points: Vec<(f64, f64)> = (0..93).map(|i| (7.4 + i as f64 * 0.5, 7.4 + i as f64 * 0.5)).collect();
        let svg = scatter("Predicted against actual Price", &points, "Price");
        well_formed(&svg, "scatter");
        assert_eq!(attr(&root(&svg), "data-points"), "93");
        let circles = elements(&svg, "circle");
        assert_eq!(circles.len(), 93);
        let ideal = &with_class(&svg, "line", "ideal")[0];
        let (x1, y1, x2, y2) = (num(ideal, "x1"), num(ideal, "y1"), num(ideal, "x2"), num(ideal, "y2"));
        let (l, t, r, b) = plot(&svg);
        assert_eq!((x1, y1, x2, y2), (l, b, r, t), "the y = x line spans the plot corner to corner");
        for c in &circles {
            let (cx, cy) = (num(c, "cx"), num(c, "cy"));
            assert!((l..=r).contains(&cx) && (t..=b).contains(&cy), "{cx},{cy} outside");
            // On the line from (x1, y1) to (x2, y2), within rounding.
            let cross = (x2 - x1) * (cy - y1) - (y2 - y1) * (cx - x1);
            let dist = cross.abs() / ((x2 - x1).hypot(y2 - y1));
            assert!(dist < 0.2, "{cx},{cy} is {dist} px off the diagonal");
        }
        // Readable ticks, shared by both axes.
        assert_eq!(ticks_of(&svg, "x"), ["0", "10", "20", "30", "40", "50", "60"]);
        assert_eq!(ticks_of(&svg, "x"), ticks_of(&svg, "y"));
    }

    #[test]
    fn scatter_points_stay_inside_and_order_is_kept() {
        let points = vec![(1.0, 3.0), (2.0, 1.0), (f64::NAN, 2.0), (40000.0, 41000.0), (-5.0, 0.0)];
        let svg = scatter("s", &points, "y");
        assert_eq!(attr(&root(&svg), "data-points"), "4", "not finite points are left out");
        let (l, t, r, b) = plot(&svg);
        let circles = elements(&svg, "circle");
        for c in &circles {
            assert!((l..=r).contains(&num(c, "cx")) && (t..=b).contains(&num(c, "cy")));
        }
        // A higher prediction is higher on the page (smaller y).
        let near = elements(&scatter("s", &points[..2], "y"), "circle");
        assert!(num(&near[0], "cy") < num(&near[1], "cy"));
        assert!(num(&near[0], "cx") < num(&near[1], "cx"));
        assert!(
            ticks_of(&svg, "x").iter().any(|t| t.contains(',')),
            "thousands are grouped: {:?}",
            ticks_of(&svg, "x")
        );
        let empty = scatter("nothing", &[], "y");
        assert_eq!(attr(&root(&empty), "data-points"), "0");
        assert!(elements(&empty, "circle").is_empty());
    }

    #[test]
    fn residuals_of_a_perfect_model_lie_on_the_zero_line() {
        let points: Vec<(f64, f64)> = (0..20).map(|i| (i as f64, i as f64)).collect();
        let svg = residuals("r", &points, "y");
        well_formed(&svg, "residuals");
        let zero = &with_class(&svg, "line", "ideal")[0];
        assert_eq!(num(zero, "y1"), num(zero, "y2"));
        for c in elements(&svg, "circle") {
            assert!((num(&c, "cy") - num(zero, "y1")).abs() < 0.1);
        }
        // Over- and under-predictions fall on either side of the line.
        let svg = residuals("r", &[(10.0, 8.0), (10.0, 12.0)], "y");
        let zero = num(&with_class(&svg, "line", "ideal")[0], "y1");
        let c = elements(&svg, "circle");
        assert!(num(&c[0], "cy") < zero, "actual above prediction: a positive residual, above the line");
        assert!(num(&c[1], "cy") > zero);
        let (_, t, _, b) = plot(&svg);
        assert!((zero - (t + b) / 2.0).abs() < 0.1, "zero in the middle when errors go both ways");
    }

    #[test]
    fn bar_lengths_are_proportional_to_the_values() {
        let items: Vec<Bar> = [("Horsepower", 0.4), ("EngineSize", 0.2), ("Weight", 0.1), ("Type <&>", 0.0)]
            .iter()
            .map(|(l, v)| Bar { label: l.to_string(), value: *v })
            .collect();
        let svg = bars("Importance", &items, &|v| text::percent(v));
        well_formed(&svg, "bars");
        assert_eq!(attr(&root(&svg), "data-bars"), "4");
        let rects = with_class(&svg, "rect", "bar");
        assert_eq!(rects.len(), 4);
        let w: Vec<f64> = rects.iter().map(|r| num(r, "width")).collect();
        let (l, _, r, _) = plot(&svg);
        assert_eq!(w[0], r - l, "the largest fills the plot");
        assert!((w[1] / w[0] - 0.5).abs() < 0.01 && (w[2] / w[0] - 0.25).abs() < 0.01);
        assert_eq!(w[3], 0.0);
        assert!(rects.windows(2).all(|p| num(&p[0], "y") < num(&p[1], "y")), "in the given order, top down");
        assert!(svg.contains("Type &lt;&amp;&gt;"), "labels are escaped");
        assert!(svg.contains(">40%<"));
    }

    #[test]
    fn confusion_cells_hold_counts_shaded_by_row_share() {
        let classes: Vec<String> = ["setosa", "versicolor", "virginica"].iter().map(|s| s.to_string()).collect();
        let m = vec![vec![50.0, 0.0, 0.0], vec![0.0, 47.0, 3.0], vec![0.0, 2.0, 48.0]];
        let svg = confusion("Confusion", &classes, &m);
        well_formed(&svg, "confusion");
        assert_eq!(attr(&root(&svg), "data-cells"), "9");
        assert_eq!(attr(&root(&svg), "data-total"), "150");
        let cells = with_class(&svg, "rect", "cell");
        assert_eq!(cells.len(), 9);
        let hits = with_class(&svg, "rect", "hit");
        assert_eq!(hits.iter().map(|c| num(c, "data-count")).sum::<f64>(), 145.0);
        let cell = |a: &str, p: &str| {
            cells.iter().find(|c| attr(c, "data-actual") == a && attr(c, "data-predicted") == p).unwrap().clone()
        };
        assert_eq!(num(&cell("versicolor", "virginica"), "data-count"), 3.0);
        assert_eq!(attr(&cell("setosa", "setosa"), "fill"), "rgb(31,78,121)", "a full row share is the accent");
        assert_eq!(attr(&cell("setosa", "virginica"), "fill"), "rgb(255,255,255)");
        // Rows are actual classes (down), columns predicted (across).
        let (a, b) = (cell("versicolor", "virginica"), cell("virginica", "versicolor"));
        assert!(num(&a, "y") < num(&b, "y") && num(&a, "x") > num(&b, "x"));
        let (l, t, r, bo) = plot(&svg);
        for c in &cells {
            assert!(num(c, "x") >= l && num(c, "x") + num(c, "width") <= r + 0.1);
            assert!(num(c, "y") >= t && num(c, "y") + num(c, "height") <= bo + 0.1);
        }
    }

    #[test]
    fn roc_has_a_curve_per_class_the_diagonal_and_auc_in_the_legend() {
        let curves = vec![
            Curve { class: "yes".into(), auc: 0.91234, points: vec![(0.0, 0.0), (0.1, 0.7), (0.3, 0.9), (1.0, 1.0)] },
            Curve { class: "no".into(), auc: 0.5, points: vec![(0.0, 0.0), (1.0, 1.0)] },
        ];
        let svg = roc("ROC", &curves);
        well_formed(&svg, "roc");
        assert_eq!(attr(&root(&svg), "data-curves"), "2");
        let lines = elements(&svg, "polyline");
        assert_eq!(lines.len(), 2);
        assert_eq!(attr(&lines[0], "data-points"), "4");
        let (l, t, r, b) = plot(&svg);
        let first: Vec<(f64, f64)> = attr(&lines[0], "points")
            .split(' ')
            .map(|p| {
                let (x, y) = p.split_once(',').unwrap();
                (x.parse().unwrap(), y.parse().unwrap())
            })
            .collect();
        assert_eq!(first[0], (l, b));
        assert_eq!(first[3], (r, t));
        assert!(first.iter().all(|(x, y)| (l..=r).contains(x) && (t..=b).contains(y)));
        let ideal = &with_class(&svg, "line", "ideal")[0];
        assert_eq!((num(ideal, "x1"), num(ideal, "y1"), num(ideal, "x2"), num(ideal, "y2")), (l, b, r, t));
        assert!(svg.contains(">yes: AUC 0.912<") && svg.contains(">no: AUC 0.5<"));
        assert_eq!(ticks_of(&svg, "x"), ["0%", "25%", "50%", "75%", "100%"]);
    }

    #[test]
    fn histogram_bars_follow_the_edges_and_counts() {
        let edges: Vec<f64> = (0..=20).map(|i| 7.4 + i as f64 * 2.725).collect();
        let counts: Vec<f64> = (0..20).map(|i| ((i * 7) % 11) as f64).collect();
        let svg = histogram("Price", &edges, &counts, "Price");
        well_formed(&svg, "histogram");
        assert_eq!(attr(&root(&svg), "data-bins"), "20");
        let bins = with_class(&svg, "rect", "bin");
        assert_eq!(bins.len(), 20);
        let (l, t, r, b) = plot(&svg);
        let max = counts.iter().cloned().fold(0.0, f64::max);
        let tallest = bins.iter().map(|r| num(r, "height")).fold(0.0, f64::max);
        for (bin, c) in bins.iter().zip(&counts) {
            assert!((num(bin, "height") / tallest - c / max).abs() < 0.01, "heights follow counts");
            assert!(num(bin, "x") >= l && num(bin, "x") + num(bin, "width") <= r + 0.1);
            assert!(num(bin, "y") >= t - 0.1 && (num(bin, "y") + num(bin, "height") - b).abs() < 0.2);
        }
        // Bins are side by side, left to right.
        for p in bins.windows(2) {
            assert!((num(&p[0], "x") + num(&p[0], "width") - num(&p[1], "x")).abs() < 0.2);
        }
        assert_eq!(ticks_of(&svg, "y").last().map(String::as_str), Some("10"));
        // Mismatched input draws an empty chart, not a panic.
        let bad = histogram("x", &[1.0], &[3.0, 4.0], "x");
        assert_eq!(attr(&root(&bad), "data-bins"), "0");
    }
}
