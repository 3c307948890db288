//! The real binary as a child process: graceful shutdown on SIGTERM with requests in flight.
//! Runs in both passes, on a fresh database of the pass: shutting down closes that database's pool.
use serde_json::Value;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// `pairing serve` running as a child process.
pub struct Server {
    pub child: Child,
    pub port: u16,
    pub log: PathBuf,
    db_file: Option<PathBuf>,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Server {
    /// Starts the binary on a free port (a fresh SQLite file unless `database_url` is given) and
    /// waits until `/health` answers.
    pub fn start(database_url: Option<&str>, extra: &[&str]) -> Server {
        let id = uuid::Uuid::new_v4().simple().to_string();
        let (url, db_file) = match database_url {
            Some(u) => (u.to_string(), None),
            None => {
                let path = std::env::temp_dir().join(format!("pairing-proc-{id}.db"));
                (format!("sqlite://{}?mode=rwc", path.display()), Some(path))
            }
        };
        let log = std::env::temp_dir().join(format!("pairing-proc-{id}.log"));
        let port = free_port();
        let child = Command::new(env!("CARGO_BIN_EXE_pairing"))
            .args([
                "serve",
                "--bind",
                &format!("127.0.0.1:{port}"),
                "--workers",
                "2",
            ])
            .args(["--database-url", &url])
            .args(extra)
            .env("RUST_LOG", "info,sqlx=warn,sea_orm=warn")
            .env_remove("DATABASE_URL")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .expect("start the pairing binary");
        let server = Server {
            child,
            port,
            log,
            db_file,
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok((200, _)) =
                server.raw("GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            {
                return server;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("the server did not start: {}", server.log_text());
    }

    pub fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Sends raw bytes on a new connection; returns the status and the whole answer.
    pub fn raw(&self, request: &str) -> std::io::Result<(u16, String)> {
        let mut s = TcpStream::connect(self.addr())?;
        s.set_read_timeout(Some(Duration::from_secs(10)))?;
        s.write_all(request.as_bytes())?;
        read_response(&mut s)
    }

    /// (VmRSS, VmHWM) of the server process in KiB.
    pub fn memory_kib(&self) -> (u64, u64) {
        let status =
            std::fs::read_to_string(format!("/proc/{}/status", self.pid())).unwrap_or_default();
        let field = |name: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
                .unwrap_or(0)
        };
        (field("VmRSS:"), field("VmHWM:"))
    }

    pub fn signal(&self, sig: &str) {
        let ok = Command::new("kill")
            .args([&format!("-{sig}"), &self.pid().to_string()])
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        assert!(ok, "kill -{sig}");
    }

    /// Waits for the process to exit; its exit code.
    pub fn wait(&mut self, within: Duration) -> Option<i32> {
        let deadline = Instant::now() + within;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status.code();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.log);
        if let Some(db) = &self.db_file {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
            }
        }
    }
}

/// Reads one HTTP/1.1 response (by Content-Length, else to the end of the connection).
pub fn read_response(s: &mut TcpStream) -> std::io::Result<(u16, String)> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        let n = s.read(&mut chunk)?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
        let text = String::from_utf8_lossy(&buf);
        if let Some(end) = text.find("\r\n\r\n") {
            let len = text[..end]
                .lines()
                .find_map(|l| {
                    let (k, v) = l.split_once(':')?;
                    k.eq_ignore_ascii_case("content-length")
                        .then(|| v.trim().parse::<usize>().ok())?
                })
                .unwrap_or(usize::MAX);
            if buf.len() >= end + 4 + len.min(buf.len()) && len != usize::MAX {
                break;
            }
        }
    }
    let text = String::from_utf8_lossy(&buf).to_string();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    Ok((status, text))
}

fn body_json(response: &str) -> Value {
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b)
        .unwrap_or("");
    serde_json::from_str(body).unwrap_or(Value::Null)
}

#[test]
fn sigterm_finishes_in_flight_requests_and_exits_zero() {
    // Both databases: the process drains its requests and closes either database's pool.
    let db = crate::harness::TestDatabase::create();
    let mut server = Server::start(
        Some(&db.url),
        &["--shutdown-timeout", "3", "--body-timeout", "60"],
    );
    let query = r#"{"query":"{ regions(first: 3) { totalCount } }"}"#;
    // Requests in flight: headers and half the body sent, the rest after the signal.
    let mut in_flight: Vec<TcpStream> = (0..4)
        .map(|_| {
            let mut s = TcpStream::connect(server.addr()).unwrap();
            s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
            write!(
                s,
                "POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{}",
                query.len(),
                &query[..10]
            )
            .unwrap();
            s
        })
        .collect();
    // And one that will never finish: the shutdown timeout bounds the wait for it.
    let mut stalled = TcpStream::connect(server.addr()).unwrap();
    write!(
        stalled,
        "POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{"
    )
    .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let signalled = Instant::now();
    server.signal("TERM");
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        server.child.try_wait().unwrap().is_none(),
        "the process waits for its in-flight requests"
    );
    // New connections are no longer served.
    let refused = match TcpStream::connect(server.addr()) {
        Err(_) => true,
        Ok(mut s) => {
            s.set_read_timeout(Some(Duration::from_secs(1))).unwrap();
            let _ = s.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
            !matches!(read_response(&mut s), Ok((200, _)))
        }
    };
    assert!(refused, "a new request was served after SIGTERM");
    for s in &mut in_flight {
        s.write_all(&query.as_bytes()[10..]).unwrap();
    }
    for s in &mut in_flight {
        let (status, text) = read_response(s).unwrap();
        assert_eq!(status, 200, "{text}");
        let body = body_json(&text);
        assert!(body["data"]["regions"]["totalCount"].is_number(), "{text}");
    }
    let code = server.wait(Duration::from_secs(10));
    assert_eq!(code, Some(0), "{}", server.log_text());
    let took = signalled.elapsed();
    assert!(
        took >= Duration::from_secs(2) && took < Duration::from_secs(6),
        "exit {took:?} after SIGTERM with a stalled request and a 3 s shutdown timeout"
    );
    drop(stalled);
    let log = server.log_text();
    assert!(log.contains("shutting down"), "{log}");
    assert!(log.contains("stopped"), "{log}");
}

#[test]
fn sigint_with_an_idle_server_exits_at_once_and_json_logs_are_json() {
    // Both databases: an idle server's pool of either closes at once.
    let db = crate::harness::TestDatabase::create();
    let mut server = Server::start(Some(&db.url), &["--log-format", "json"]);
    let body = r#"{"query":"query Probe { __typename }"}"#;
    let (status, text) = server
        .raw(&format!("POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-Request-Id: trace-me-42\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len()))
        .unwrap();
    assert_eq!(status, 200, "{text}");
    assert!(
        text.to_ascii_lowercase()
            .contains("x-request-id: trace-me-42"),
        "{text}"
    );
    let started = Instant::now();
    server.signal("INT");
    assert_eq!(server.wait(Duration::from_secs(5)), Some(0));
    assert!(started.elapsed() < Duration::from_secs(3));
    let log = server.log_text();
    let line = log
        .lines()
        .find(|l| l.contains("trace-me-42"))
        .unwrap_or_else(|| panic!("no log line with the request id: {log}"));
    let entry: Value = serde_json::from_str(line).expect("a JSON log line");
    assert_eq!(entry["request_id"], "trace-me-42");
    assert_eq!(entry["operation"], "Probe");
    assert_eq!(entry["outcome"], "ok");
    assert_eq!(entry["status"], 200);
    assert!(entry["duration_ms"].is_number());
}
