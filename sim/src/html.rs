//! `report.html`: the report as a self-contained page with inline SVG
//! charts — queue length and service level per interval for each group,
//! agent occupancy per interval and its distribution over agents.

use crate::report::Report;
use crate::svg::{bar_chart, line_chart, Series};
use std::fmt::Write;

fn pct(v: f64) -> String {
    format!("{:.0}%", v * 100.0)
}

fn clock_label(start_s: u64) -> String {
    format!("{}:{:02}", start_s / 3600, start_s % 3600 / 60)
}

/// Renders the page.
pub fn render(report: &Report) -> String {
    let mut h = String::from(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>ACD simulation report</title>\
         <style>body{font-family:sans-serif;margin:2em;max-width:1000px}\
         table{border-collapse:collapse}td,th{padding:4px 10px;border-bottom:1px solid #ccc;text-align:right}\
         th:first-child,td:first-child{text-align:left}svg{display:block;margin:1em 0}</style></head><body>",
    );
    let _ = write!(
        h,
        "<h1>Simulation: {}</h1><p>{} replication(s) of {} s measured after {} s warm-up; seed {}; \
         {} calls, {} events in {:.2} s ({:.0} events/s).</p>",
        escape(&report.scenario),
        report.replications,
        report.duration_s,
        report.warmup_s,
        report.seed,
        report.calls,
        report.sim_events,
        report.wall_s,
        report.events_per_s
    );
    summary(&mut h, report);
    let labels: Vec<String> = report
        .agents
        .interval_occupancy
        .iter()
        .enumerate()
        .map(|(i, _)| clock_label(i as u64 * report.interval_s))
        .collect();
    for g in &report.groups {
        let _ = write!(h, "<h2>Group {}</h2>", escape(&g.id));
        let mean = g.intervals.iter().map(|i| Some(i.mean_queue)).collect();
        let max = g
            .intervals
            .iter()
            .map(|i| Some(f64::from(i.max_queue)))
            .collect();
        h += &line_chart(
            "Calls waiting per interval",
            &labels,
            &[
                Series {
                    name: "mean",
                    colour: "#1f77b4",
                    values: mean,
                },
                Series {
                    name: "max",
                    colour: "#ff7f0e",
                    values: max,
                },
            ],
            None,
            &|v| format!("{v:.1}"),
        );
        let sl = g.intervals.iter().map(|i| i.service_level).collect();
        let target: Vec<Option<f64>> = g.intervals.iter().map(|_| Some(g.service_level)).collect();
        h += &line_chart(
            &format!("Service level ({} s) per interval", g.service_level_s),
            &labels,
            &[
                Series {
                    name: "interval",
                    colour: "#2ca02c",
                    values: sl,
                },
                Series {
                    name: "day",
                    colour: "#999",
                    values: target,
                },
            ],
            Some(1.0),
            &pct,
        );
    }
    h += "<h2>Agents</h2>";
    let occ = report
        .agents
        .interval_occupancy
        .iter()
        .map(|&v| Some(v))
        .collect();
    h += &line_chart(
        "Agent occupancy per interval",
        &labels,
        &[Series {
            name: "occupancy",
            colour: "#d62728",
            values: occ,
        }],
        Some(1.0),
        &pct,
    );
    let on = report
        .agents
        .interval_logged_on
        .iter()
        .map(|&v| Some(v))
        .collect();
    h += &line_chart(
        "Agents logged on per interval (mean)",
        &labels,
        &[Series {
            name: "logged on",
            colour: "#8c564b",
            values: on,
        }],
        None,
        &|v| format!("{v:.0}"),
    );
    let deciles: Vec<String> = (0..10).map(|d| format!("{}%", d * 10)).collect();
    let hist: Vec<f64> = report
        .agents
        .occupancy_histogram
        .iter()
        .map(|&c| c as f64)
        .collect();
    h += &bar_chart("Agents by occupancy (decile)", &deciles, &hist, "#9467bd");
    h += "</body></html>\n";
    h
}

fn summary(h: &mut String, report: &Report) {
    h.push_str(
        "<table><tr><th>group</th><th>offered</th><th>overflow in</th><th>overflow out</th>\
         <th>answered</th><th>abandoned</th><th>service level</th><th>ASA s</th><th>P(wait)</th>\
         <th>max queue</th><th>occupancy</th><th>agents</th></tr>",
    );
    for g in &report.groups {
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:.1}%</td>\
             <td>{:.1}</td><td>{:.3}</td><td>{}</td><td>{:.1}%</td><td>{}</td></tr>",
            escape(&g.id),
            g.offered,
            g.overflow_in,
            g.overflow_out + g.overflowed,
            g.answered,
            g.abandoned,
            g.service_level * 100.0,
            g.asa_s,
            g.prob_wait,
            g.max_queue,
            g.mean_occupancy * 100.0,
            g.agents
        );
        if let Some(e) = &g.erlang {
            let _ = write!(
                h,
                "<tr><td>&nbsp;&nbsp;Erlang {}</td><td></td><td></td><td></td><td></td><td>{:.1}%</td>\
                 <td>{:.1}%</td><td>{:.1}</td><td>{:.3}</td><td></td><td>{:.1}%</td><td></td></tr>",
                e.model,
                e.abandon_rate * 100.0,
                e.service_level * 100.0,
                e.asa_s,
                e.prob_wait,
                e.mean_occupancy * 100.0
            );
        }
    }
    h.push_str("</table>");
    for note in &report.notes {
        let _ = write!(h, "<p><strong>Note:</strong> {}</p>", escape(note));
    }
    let _ = write!(
        h,
        "<p>All agents: {} agents, mean occupancy {:.1}%.</p>",
        report.agents.count,
        report.agents.mean_occupancy * 100.0
    );
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Renders a policy comparison (`sim compare`): for each group and figure,
/// the policies' estimates side by side as bars with 95 % whiskers, and a
/// table of the paired differences to the first policy.
pub fn render_comparison(c: &crate::compare::Comparison) -> String {
    use crate::compare::Figure;
    let mut h = String::from(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>ACD policy comparison</title>\
         <style>body{font-family:sans-serif;margin:2em;max-width:1300px}\
         table{border-collapse:collapse;margin:1em 0}td,th{padding:4px 10px;border-bottom:1px solid #ccc;text-align:right}\
         th:first-child,td:first-child{text-align:left}.row{display:flex;flex-wrap:wrap;gap:8px}\
         .row svg{width:320px;height:auto}.sig{font-weight:bold}</style></head><body>",
    );
    let _ = write!(
        h,
        "<h1>Policy comparison: {}</h1><p>{} policies × {} replications with common random \
         numbers (replication k of every policy uses seed {} + k and faces the same callers). \
         Whiskers: 95 % intervals of each estimate. Table: mean difference to <b>{}</b> with \
         its 95 % paired Student-t interval; bold = significant. {} runs in {:.1} s.</p>",
        escape(&c.scenario),
        c.policies.len(),
        c.replications,
        c.seed,
        escape(c.policies.first().map_or("-", String::as_str)),
        c.runs,
        c.wall_s
    );
    let labels = &c.policies;
    let section = |h: &mut String, title: &str, rows: &[(&str, &[Figure], f64, &str)]| {
        let _ = write!(h, "<h2>{}</h2><div class=\"row\">", escape(title));
        for (name, figs, scale, unit) in rows {
            let means: Vec<f64> = figs.iter().map(|f| f.mean * scale).collect();
            let hws: Vec<f64> = figs.iter().map(|f| f.half_width * scale).collect();
            let unit = unit.to_string();
            *h += &crate::svg::estimate_bars(name, labels, &means, &hws, &|v| {
                format!("{v:.1}{unit}")
            });
        }
        h.push_str("</div><table><tr><th>figure</th>");
        for p in labels {
            let _ = write!(h, "<th>{}</th>", escape(p));
        }
        h.push_str("</tr>");
        for (name, figs, scale, unit) in rows {
            let _ = write!(h, "<tr><td>{}</td>", escape(name));
            for f in figs.iter() {
                let cell = match f.vs_first {
                    None => format!("{:.2}{unit}", f.mean * scale),
                    Some(d) => format!(
                        "<span class=\"{}\">{:+.2}{unit} ± {:.2}</span>",
                        if d.significant { "sig" } else { "" },
                        d.mean * scale,
                        d.half_width * scale
                    ),
                };
                let _ = write!(h, "<td>{cell}</td>");
            }
            h.push_str("</tr>");
        }
        h.push_str("</table>");
    };
    for g in &c.groups {
        section(
            &mut h,
            &format!("Group {}", g.id),
            &[
                ("service level", &g.service_level, 100.0, "%"),
                ("ASA", &g.asa_s, 1.0, " s"),
                ("abandoned", &g.abandon_rate, 100.0, "%"),
                ("occupancy", &g.occupancy, 100.0, "%"),
            ],
        );
    }
    section(
        &mut h,
        "Whole centre",
        &[
            (
                "occupancy spread over agents (sd)",
                &c.occupancy_spread,
                100.0,
                " pt",
            ),
            (
                "service-level spread over groups",
                &c.service_level_spread,
                100.0,
                " pt",
            ),
        ],
    );
    h += "</body></html>\n";
    h
}
