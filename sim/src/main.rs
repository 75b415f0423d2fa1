//! `sim`: command-line front end of the load simulator.
//!
//! ```text
//! sim run SCENARIO.toml --out DIR [--seed N] [--replications K] [--jobs J] [--journal DIR]
//! sim run --example --out DIR
//! sim compare SCENARIO.toml --policy longest_idle --policy weighted_hol:sales=2 --out DIR
//!             [--seed N] [--replications K] [--jobs J]
//! sim staff --per-hour 600 --aht 180 --target 0.8/20 [--patience 120]
//! sim staff --scenario SCENARIO.toml --target "sales: sl 0.8 in 20s" --target ...
//!           [--replications K] [--seed N] [--jobs J] [--max-steps M] [--out DIR]
//! ```

use acd_sim::compare::{compare, CompareRequest};
use acd_sim::html;
use acd_sim::policy::Policy;
use acd_sim::replications::run_replications;
use acd_sim::report::Report;
use acd_sim::scenario::{Scenario, MAX_PER_HOUR};
use acd_sim::staff::{staffing_table, StaffRequest, Target};
use acd_sim::staffing_search::{search, GroupTarget, SearchRequest};
use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "sim",
    version,
    about = "Load simulator for the ACD routing engine"
)]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Simulate a scenario; writes DIR/report.json and DIR/report.html.
    Run {
        /// Scenario file (TOML).
        #[arg(required_unless_present = "example")]
        scenario: Option<PathBuf>,
        /// Use the built-in example scenario instead of a file.
        #[arg(long, conflicts_with = "scenario")]
        example: bool,
        /// Output directory.
        #[arg(long)]
        out: PathBuf,
        /// Seed (overrides the scenario's); replication k uses seed + k.
        #[arg(long)]
        seed: Option<u64>,
        /// Independent replications, for confidence intervals.
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
        replications: u32,
        /// Threads running replications in parallel (figures are unchanged).
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
        jobs: u32,
        /// No progress bar.
        #[arg(long)]
        quiet: bool,
        /// Run the engine with its durable journal on, in DIR/rep-<k> (must
        /// not hold an earlier run's journal); shows the journal's cost.
        #[arg(long, value_name = "DIR")]
        journal: Option<PathBuf>,
    },
    /// Compare routing policies on one scenario with common random numbers;
    /// writes DIR/report.json and DIR/report.html.
    Compare {
        /// Scenario file (TOML).
        scenario: PathBuf,
        /// A policy (repeat; the first is the baseline): a strategy such as
        /// longest_idle, or weighted_hol:GROUP=WEIGHT,...
        #[arg(long = "policy", required = true)]
        policies: Vec<Policy>,
        /// Output directory.
        #[arg(long)]
        out: PathBuf,
        /// Seed of replication 0 (default: the scenario's).
        #[arg(long)]
        seed: Option<u64>,
        /// Replications per policy.
        #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(2..))]
        replications: u32,
        /// Threads.
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
        jobs: u32,
    },
    /// Staffing: the Erlang C/A calculator for one queue, or with
    /// --scenario the simulation-based optimizer of agents per pool.
    Staff {
        /// Calls per hour (calculator). Negative values parse, to be
        /// refused as out of range rather than as unknown arguments.
        #[arg(
            long,
            required_unless_present = "scenario",
            allow_negative_numbers = true
        )]
        per_hour: Option<f64>,
        /// Average handle time, seconds (calculator).
        #[arg(
            long,
            required_unless_present = "scenario",
            allow_negative_numbers = true
        )]
        aht: Option<f64>,
        /// Calculator: FRACTION/SECONDS, e.g. 0.8/20. Optimizer (repeat, one
        /// per group): "GROUP: sl FRACTION in SECONDSs", e.g. "sales: sl 0.8 in 20s".
        #[arg(long = "target", required = true)]
        targets: Vec<String>,
        /// Mean caller patience, seconds (calculator; switches to Erlang A).
        #[arg(long, conflicts_with = "scenario", allow_negative_numbers = true)]
        patience: Option<f64>,
        /// Scenario whose agents per pool to optimize.
        #[arg(long)]
        scenario: Option<PathBuf>,
        /// Replications per candidate staffing (optimizer).
        #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(2..))]
        replications: u32,
        /// Seed of replication 0 (optimizer; default: the scenario's).
        #[arg(long)]
        seed: Option<u64>,
        /// Threads (optimizer).
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
        jobs: u32,
        /// Most candidate staffings simulated (optimizer).
        #[arg(long, default_value_t = 200)]
        max_steps: u32,
        /// Also write DIR/staffing.json (optimizer).
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Cmd::Run {
            scenario,
            example,
            out,
            seed,
            replications,
            jobs,
            quiet,
            journal,
        } => {
            let source = if example { None } else { scenario };
            let plan = Plan {
                seed,
                replications,
                jobs,
                quiet,
                journal,
            };
            match run(source.as_deref(), &out, &plan) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::from(2)
                }
            }
        }
        Cmd::Compare {
            scenario,
            policies,
            out,
            seed,
            replications,
            jobs,
        } => match lab(&scenario, &policies, &out, seed, replications, jobs) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::from(2)
            }
        },
        Cmd::Staff {
            per_hour,
            aht,
            targets,
            patience,
            scenario,
            replications,
            seed,
            jobs,
            max_steps,
            out,
        } => {
            let outcome = match scenario {
                Some(path) => optimize(&path, &targets, replications, seed, jobs, max_steps, out),
                None => calculate(per_hour, aht, &targets, patience),
            };
            match outcome {
                Ok(text) => say(&text),
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::from(2)
                }
            }
        }
    }
}

/// `sim staff --per-hour --aht --target`: the Erlang calculator.
fn calculate(
    per_hour: Option<f64>,
    aht: Option<f64>,
    targets: &[String],
    patience: Option<f64>,
) -> Result<String, String> {
    let [target] = targets else {
        return Err("the calculator takes exactly one --target FRACTION/SECONDS".into());
    };
    let per_hour = per_hour.ok_or("--per-hour is needed")?;
    if !(per_hour > 0.0 && per_hour <= MAX_PER_HOUR) {
        return Err(format!(
            "--per-hour {per_hour} is out of range: calls per hour must be above 0 and at most \
             {MAX_PER_HOUR}"
        ));
    }
    let req = StaffRequest {
        per_hour,
        aht_s: aht.ok_or("--aht is needed")?,
        patience_s: patience,
        target: target.parse::<Target>()?,
    };
    staffing_table(&req).map_err(|e| e.to_string())
}

/// `sim staff --scenario --target ...`: the simulation-based optimizer.
fn optimize(
    path: &Path,
    targets: &[String],
    replications: u32,
    seed: Option<u64>,
    jobs: u32,
    max_steps: u32,
    out: Option<PathBuf>,
) -> Result<String, String> {
    let (_, scenario) = load(Some(path))?;
    let targets = targets
        .iter()
        .map(|t| t.parse::<GroupTarget>())
        .collect::<Result<Vec<_>, _>>()?;
    let req = SearchRequest {
        scenario: &scenario,
        targets: &targets,
        replications,
        seed: seed.unwrap_or(scenario.seed),
        jobs,
        max_steps,
    };
    let result = search(&req).map_err(|e| e.to_string())?;
    if let Some(dir) = out {
        std::fs::create_dir_all(&dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let json = serde_json::to_string_pretty(&result).map_err(|e| e.to_string())?;
        write(&dir.join("staffing.json"), &json)?;
    }
    Ok(result.table(&targets))
}

fn load(path: Option<&Path>) -> Result<(String, Scenario), String> {
    let Some(path) = path else {
        let s = Scenario::parse(Scenario::example_text()).map_err(|e| format!("example: {e}"))?;
        return Ok(("example".into(), s));
    };
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let scenario = Scenario::parse(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let name = path.file_stem().map_or_else(
        || path.display().to_string(),
        |s| s.to_string_lossy().into_owned(),
    );
    Ok((name, scenario))
}

/// How to run a scenario.
struct Plan {
    seed: Option<u64>,
    replications: u32,
    jobs: u32,
    quiet: bool,
    journal: Option<PathBuf>,
}

fn run(path: Option<&Path>, out: &Path, plan: &Plan) -> Result<(), String> {
    let (name, scenario) = load(path)?;
    let seed = plan.seed.unwrap_or(scenario.seed);
    let bar = if plan.quiet {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(1000)
    };
    bar.set_style(
        ProgressStyle::with_template("{spinner} [{bar:40}] {percent}% simulated, {elapsed} {msg}")
            .map_err(|e| e.to_string())?,
    );
    bar.set_message(format!("{} replication(s)", plan.replications));
    let progress = |f: f64| bar.set_position((f * 1000.0) as u64);
    let runs = run_replications(
        &scenario,
        seed,
        plan.replications,
        plan.jobs,
        plan.journal.as_deref(),
        &progress,
    )
    .map_err(|e| e.to_string())?;
    bar.finish_and_clear();
    let report = Report::build(&name, &scenario, &runs);
    std::fs::create_dir_all(out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    let json = serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?;
    write(&out.join("report.json"), &json)?;
    write(&out.join("report.html"), &html::render(&report))?;
    let done = format!(
        "wrote {} and report.html\n",
        out.join("report.json").display()
    );
    say(&(report.summary_table() + &done));
    Ok(())
}

fn lab(
    path: &Path,
    policies: &[Policy],
    out: &Path,
    seed: Option<u64>,
    replications: u32,
    jobs: u32,
) -> Result<(), String> {
    let (name, scenario) = load(Some(path))?;
    let req = CompareRequest {
        name: &name,
        scenario: &scenario,
        policies,
        seed: seed.unwrap_or(scenario.seed),
        replications,
        jobs,
    };
    let comparison = compare(&req, &|_| {}).map_err(|e| e.to_string())?;
    std::fs::create_dir_all(out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    let json = serde_json::to_string_pretty(&comparison).map_err(|e| e.to_string())?;
    write(&out.join("report.json"), &json)?;
    write(
        &out.join("report.html"),
        &html::render_comparison(&comparison),
    )?;
    let done = format!(
        "wrote {} and report.html\n",
        out.join("report.json").display()
    );
    say(&(comparison.summary_table() + &done));
    Ok(())
}

/// Prints to stdout; a closed pipe (`sim ... | head`) is not an error.
fn say(text: &str) -> ExitCode {
    use std::io::Write;
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
    ExitCode::SUCCESS
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}
