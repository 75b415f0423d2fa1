//! Small inline SVG charts for the HTML report: line charts of interval
//! series and a bar chart for the occupancy histogram. Hand-written (a few
//! dozen lines) rather than pulling a plotting library into the build: the
//! report needs only polylines, bars and axis labels.

use std::fmt::Write;

const W: f64 = 640.0;
const H: f64 = 220.0;
const LEFT: f64 = 48.0;
const BOTTOM: f64 = 28.0;
const TOP: f64 = 24.0;

/// A named series of values, one per x position; `None` leaves a gap.
pub struct Series<'a> {
    /// Legend label.
    pub name: &'a str,
    /// CSS colour.
    pub colour: &'a str,
    /// Values.
    pub values: Vec<Option<f64>>,
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn frame(title: &str, y_max: f64, y_label: &dyn Fn(f64) -> String) -> String {
    let mut s = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" width="{W}" height="{H}" role="img"><title>{t}</title><text x="{LEFT}" y="16" font-size="13" font-weight="bold">{t}</text>"#,
        t = escape(title)
    );
    let plot_h = H - TOP - BOTTOM;
    for k in 0..=4 {
        let v = y_max * f64::from(k) / 4.0;
        let y = TOP + plot_h * (1.0 - f64::from(k) / 4.0);
        let _ = write!(
            s,
            r##"<line x1="{LEFT}" x2="{x2}" y1="{y:.1}" y2="{y:.1}" stroke="#ddd"/><text x="{tx}" y="{ty:.1}" font-size="10" text-anchor="end">{l}</text>"##,
            x2 = W - 8.0,
            tx = LEFT - 4.0,
            ty = y + 3.0,
            l = escape(&y_label(v))
        );
    }
    s
}

fn x_labels(s: &mut String, labels: &[String], x_of: &dyn Fn(usize) -> f64) {
    let step = labels.len().div_ceil(8).max(1);
    for (i, l) in labels.iter().enumerate().step_by(step) {
        let _ = write!(
            s,
            r#"<text x="{:.1}" y="{:.1}" font-size="10" text-anchor="middle">{}</text>"#,
            x_of(i),
            H - 10.0,
            escape(l)
        );
    }
}

/// A line chart; `y_max` fixes the scale (e.g. 1.0 for fractions), or the
/// largest value is used.
pub fn line_chart(
    title: &str,
    labels: &[String],
    series: &[Series],
    y_max: Option<f64>,
    y_label: &dyn Fn(f64) -> String,
) -> String {
    let data_max = series
        .iter()
        .flat_map(|s| s.values.iter().flatten())
        .fold(0.0_f64, |a, &b| a.max(b));
    let y_max = y_max.unwrap_or(if data_max > 0.0 { data_max * 1.1 } else { 1.0 });
    let mut s = frame(title, y_max, y_label);
    let n = labels.len().max(2);
    let plot_w = W - LEFT - 16.0;
    let plot_h = H - TOP - BOTTOM;
    let x_of = |i: usize| LEFT + plot_w * i as f64 / (n - 1) as f64;
    let y_of = |v: f64| TOP + plot_h * (1.0 - (v / y_max).clamp(0.0, 1.0));
    for (k, ser) in series.iter().enumerate() {
        let mut path = String::new();
        let mut pen_up = true;
        for (i, v) in ser.values.iter().enumerate() {
            match v {
                Some(v) => {
                    let _ = write!(
                        path,
                        "{}{:.1},{:.1} ",
                        if pen_up { "M" } else { "L" },
                        x_of(i),
                        y_of(*v)
                    );
                    pen_up = false;
                }
                None => pen_up = true,
            }
        }
        let _ = write!(
            s,
            r#"<path d="{path}" fill="none" stroke="{c}" stroke-width="2"/><text x="{x:.1}" y="16" font-size="11" fill="{c}">{name}</text>"#,
            c = ser.colour,
            x = W - 200.0 + 100.0 * k as f64,
            name = escape(ser.name)
        );
    }
    x_labels(&mut s, labels, &x_of);
    s.push_str("</svg>");
    s
}

/// A bar chart of counts.
pub fn bar_chart(title: &str, labels: &[String], values: &[f64], colour: &str) -> String {
    let y_max = values.iter().fold(0.0_f64, |a, &b| a.max(b)).max(1.0) * 1.1;
    let mut s = frame(title, y_max, &|v| format!("{v:.0}"));
    let n = values.len().max(1) as f64;
    let plot_w = W - LEFT - 16.0;
    let plot_h = H - TOP - BOTTOM;
    let slot = plot_w / n;
    for (i, v) in values.iter().enumerate() {
        let h = plot_h * v / y_max;
        let _ = write!(
            s,
            r#"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="{colour}"/>"#,
            LEFT + slot * i as f64 + 2.0,
            TOP + plot_h - h,
            slot - 4.0,
            h
        );
    }
    x_labels(&mut s, labels, &|i| LEFT + slot * (i as f64 + 0.5));
    s.push_str("</svg>");
    s
}

/// Bars with 95 % whiskers: one bar per label (`means[i] ± half_widths[i]`),
/// for estimates side by side. The scale starts at zero and fits the
/// highest whisker; `y_label` formats the axis.
pub fn estimate_bars(
    title: &str,
    labels: &[String],
    means: &[f64],
    half_widths: &[f64],
    y_label: &dyn Fn(f64) -> String,
) -> String {
    let finite = |v: f64| if v.is_finite() { v } else { 0.0 };
    let top = means
        .iter()
        .zip(half_widths)
        .fold(0.0_f64, |a, (m, h)| a.max(finite(*m) + finite(*h)));
    let y_max = if top > 0.0 { top * 1.1 } else { 1.0 };
    let mut s = frame(title, y_max, y_label);
    let n = means.len().max(1) as f64;
    let plot_h = H - TOP - BOTTOM;
    let slot = (W - LEFT - 16.0) / n;
    let y_of = |v: f64| TOP + plot_h * (1.0 - (finite(v) / y_max).clamp(0.0, 1.0));
    for (i, (&m, &h)) in means.iter().zip(half_widths).enumerate() {
        let (x, mid) = (LEFT + slot * i as f64, LEFT + slot * (i as f64 + 0.5));
        let _ = write!(
            s,
            r##"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="{}"/><line x1="{mid:.1}" x2="{mid:.1}" y1="{:.1}" y2="{:.1}" stroke="#000"/>"##,
            x + slot * 0.15,
            y_of(m),
            slot * 0.7,
            TOP + plot_h - y_of(m),
            PALETTE[i % PALETTE.len()],
            y_of(m - finite(h)),
            y_of(m + finite(h)),
        );
    }
    x_labels(&mut s, labels, &|i| LEFT + slot * (i as f64 + 0.5));
    s.push_str("</svg>");
    s
}

/// Colours of successive bars (one per policy).
const PALETTE: [&str; 6] = [
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_chart_draws_each_series_and_gaps() {
        let labels: Vec<String> = (0..4).map(|i| i.to_string()).collect();
        let svg = line_chart(
            "Queue <g>",
            &labels,
            &[Series {
                name: "mean",
                colour: "red",
                values: vec![Some(1.0), None, Some(2.0), Some(0.0)],
            }],
            None,
            &|v| format!("{v:.1}"),
        );
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains("Queue &lt;g&gt;"));
        // The gap restarts the path: two "M" commands.
        let path = svg.split("d=\"").nth(1).unwrap();
        assert_eq!(path.split('"').next().unwrap().matches('M').count(), 2);
    }

    #[test]
    fn bar_chart_has_one_bar_per_value() {
        let labels: Vec<String> = vec!["a".into(), "b".into(), "c".into()];
        let svg = bar_chart("h", &labels, &[1.0, 0.0, 3.0], "blue");
        assert_eq!(svg.matches("<rect").count(), 3);
    }

    #[test]
    fn estimate_bars_draw_a_whisker_per_bar() {
        let labels: Vec<String> = vec!["a".into(), "b".into()];
        let svg = estimate_bars("sl", &labels, &[0.8, f64::NAN], &[0.05, 0.0], &|v| {
            format!("{v:.2}")
        });
        assert_eq!(svg.matches("<rect").count(), 2);
        assert_eq!(svg.matches("stroke=\"#000\"").count(), 2);
        assert!(!svg.contains("NaN"));
    }
}
