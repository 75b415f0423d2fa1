//! Processes for the replication tests: `nats-server`s (one with `-js`, or
//! a three-node JetStream cluster) and `acd-node`s, on free loopback ports
//! in temporary directories. Every process is killed when its handle is
//! dropped, also when a test panics.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The `nats-server` binary. A missing server fails the test with a clear
/// message: these tests are never skipped silently.
pub fn nats_server_bin() -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/sbin"), PathBuf::from("/usr/local/bin")])
        .map(|dir| dir.join("nats-server"))
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!(
                "nats-server is not installed, so the replication tests cannot run. \
                 Install it with `apt-get install -y nats-server` (.ci/run does this)."
            )
        })
}

/// `n` distinct free loopback TCP ports (all held until all are chosen).
pub fn free_ports(n: usize) -> Vec<u16> {
    let listeners: Vec<TcpListener> = (0..n)
        .map(|_| TcpListener::bind("127.0.0.1:0").expect("no free loopback port"))
        .collect();
    listeners
        .iter()
        .map(|l| l.local_addr().expect("bound").port())
        .collect()
}

/// Whether something listens on `port` within 10 s.
fn wait_for_port(port: u16) -> bool {
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        if Instant::now() > deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    true
}

/// A child process killed on drop.
pub struct Proc {
    pub name: String,
    child: Option<Child>,
    pub log: PathBuf,
}

impl Proc {
    fn spawn(name: &str, mut cmd: Command, log: PathBuf) -> Proc {
        let file = std::fs::File::create(&log).expect("log file");
        cmd.stdout(Stdio::null()).stderr(file);
        let child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {name}: {e}"));
        Proc {
            name: name.to_string(),
            child: Some(child),
            log,
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().map_or(0, Child::id)
    }

    /// `kill -9`, and reap.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    fn signal(&self, sig: &str) {
        let status = Command::new("kill")
            .args([sig, &self.pid().to_string()])
            .status()
            .expect("kill(1)");
        assert!(status.success(), "kill {sig} {} failed", self.pid());
    }

    /// `SIGSTOP`: the process freezes (a paused VM, a long GC...).
    pub fn pause(&self) {
        self.signal("-STOP");
    }

    /// `SIGCONT`.
    pub fn resume(&self) {
        self.signal("-CONT");
    }

    /// Whether the process has not exited.
    pub fn running(&mut self) -> bool {
        self.child
            .as_mut()
            .is_some_and(|c| matches!(c.try_wait(), Ok(None)))
    }

    /// The process's stderr so far.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        if std::thread::panicking() {
            let text = self.log_text();
            let tail: Vec<&str> = text.lines().rev().take(30).collect();
            eprintln!(
                "--- last lines of {} ({}) ---",
                self.name,
                self.log.display()
            );
            tail.iter().rev().for_each(|l| eprintln!("{l}"));
        }
        if let Some(child) = &self.child {
            // A paused process must be resumed to die promptly under SIGKILL's reaping.
            let _ = Command::new("kill")
                .args(["-CONT", &child.id().to_string()])
                .status();
        }
        self.kill();
    }
}

/// One or three `nats-server`s with JetStream.
pub struct Nats {
    pub dir: tempfile::TempDir,
    pub servers: Vec<Proc>,
    pub ports: Vec<u16>,
}

impl Nats {
    /// One server, `-js`: the embedded default (R=1).
    pub fn single() -> Nats {
        Self::start(1)
    }

    /// A three-server JetStream cluster (R=3, the production setup).
    pub fn cluster() -> Nats {
        Self::start(3)
    }

    /// Starts `n` servers; another process may take a chosen port before
    /// the server binds it, so a failed start is retried on new ports.
    fn start(n: usize) -> Nats {
        for _ in 0..3 {
            if let Some(nats) = Self::try_start(n) {
                return nats;
            }
        }
        panic!("could not start {n} nats-server(s) on free loopback ports");
    }

    fn try_start(n: usize) -> Option<Nats> {
        let bin = nats_server_bin();
        let dir = tempfile::tempdir().expect("temp dir");
        let all = free_ports(2 * n);
        let (ports, routes) = all.split_at(n);
        let route_list = routes
            .iter()
            .map(|p| format!("nats://127.0.0.1:{p}"))
            .collect::<Vec<_>>()
            .join(",");
        let servers: Vec<Proc> = (0..n)
            .map(|i| {
                let name = format!("n{i}");
                let mut cmd = Command::new(&bin);
                cmd.args(["-a", "127.0.0.1", "-p", &ports[i].to_string(), "-n", &name])
                    .args(["-js", "-sd"])
                    .arg(dir.path().join(&name));
                if n > 1 {
                    cmd.args(["--cluster_name", "acd"])
                        .args(["--cluster", &format!("nats://127.0.0.1:{}", routes[i])])
                        .args(["--routes", &route_list]);
                }
                Proc::spawn(&name, cmd, dir.path().join(format!("{name}.log")))
            })
            .collect();
        let mut nats = Nats {
            dir,
            servers,
            ports: ports.to_vec(),
        };
        let up = nats.ports.iter().all(|&p| wait_for_port(p))
            && nats.servers.iter_mut().all(Proc::running);
        up.then_some(nats)
    }

    /// Every server's URL, comma-separated (as `acd-node --nats` takes them).
    pub fn urls(&self) -> String {
        self.ports
            .iter()
            .map(|p| format!("nats://127.0.0.1:{p}"))
            .collect::<Vec<_>>()
            .join(",")
    }

    /// Replication factor matching the number of servers.
    pub fn replicas(&self) -> usize {
        self.servers.len()
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }
}

/// The `acd-node` binary: cargo's for the engine's tests; next to the
/// running executable's directory for the benchmark (build it first with
/// `cargo build --release -p acd-engine --features replication --bin acd-node`).
pub fn acd_node_bin() -> PathBuf {
    if let Some(path) = option_env!("CARGO_BIN_EXE_acd-node") {
        return PathBuf::from(path);
    }
    let exe = std::env::current_exe().expect("current exe");
    let path = exe
        .parent()
        .and_then(Path::parent)
        .map(|dir| dir.join("acd-node"))
        .filter(|p| p.is_file());
    path.unwrap_or_else(|| panic!("acd-node is not built next to {}", exe.display()))
}

/// Options of the `acd-node`s a test starts.
#[derive(Clone, Debug)]
pub struct NodeOptions {
    pub shard: String,
    pub snapshot_every: u64,
    pub max_batch: usize,
}

impl Default for NodeOptions {
    fn default() -> Self {
        Self {
            shard: "main".into(),
            snapshot_every: 0,
            max_batch: 64,
        }
    }
}

/// Starts `acd-node --node NAME` against `nats`, with the engine
/// configuration file `config`.
pub fn start_node(nats: &Nats, name: &str, config: &Path, opts: &NodeOptions) -> Proc {
    let mut cmd = Command::new(acd_node_bin());
    cmd.args([
        "--nats",
        &nats.urls(),
        "--shard",
        &opts.shard,
        "--node",
        name,
    ])
    .arg("--config")
    .arg(config)
    .args(["--replicas", &nats.replicas().to_string()])
    .args(["--snapshot-every", &opts.snapshot_every.to_string()])
    .args(["--max-batch", &opts.max_batch.to_string()]);
    let log = nats.path().join(format!("node-{name}-{}.log", unique()));
    Proc::spawn(name, cmd, log)
}

fn unique() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos())
}
