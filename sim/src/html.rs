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
