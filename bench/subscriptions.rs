//! Subscription benchmark: two server processes on one PostgreSQL database (demo data), N
//! WebSocket subscribers spread over both, a steady write rate through both; delivery latency
//! from the write to each client, events lost, and server memory per subscriber.
//!
//!   cargo build --profile production --bin pairing         # the servers it starts
//!   cargo run --release --example subscriptions            # 1,000 subscribers, 2 writes/s, 30 s
//!   SUBSCRIBERS=200 RATE=5 DURATION=10 BENCH_BIN=target/debug/pairing cargo run --example subscriptions
//!
//! Latency is measured from just before the mutation is sent (the commit happens before its
//! answer) to the client's receipt: an upper bound of commit → client; the mutation's own round
//! trip is reported beside it.
use futures_util::{SinkExt, StreamExt};
use pairing_api::auth::{Claims, Role, mint_hs256};
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

const SECRET: &str = "bench-secret-0123456789abcdef";

fn env<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

async fn start(bin: &str, url: &str, port: u16) -> Server {
    let mut child = Command::new(bin)
        .args([
            "serve",
            "--bind",
            &format!("127.0.0.1:{port}"),
            "--workers",
            "1",
        ])
        .args(["--database-url", url, "--jwt-secret", SECRET])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()
        .expect("start the server");
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    for _ in 0..300 {
        if client.get(format!("{base}/health")).send().await.is_ok() {
            return Server { child, base };
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("the server on {port} did not start");
}

fn token(role: Role, org: Option<&str>) -> String {
    let now = chrono::Utc::now().timestamp();
    let claims = Claims {
        sub: format!("bench-{}", role.as_str().to_lowercase()),
        role,
        org: org.map(str::to_string),
        region: None,
        exp: now + 24 * 3600,
        nbf: None,
        iat: Some(now),
        iss: None,
        aud: None,
    };
    mint_hs256(SECRET, &claims).expect("a token")
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

/// One subscriber: connects, subscribes, then reports every transfer it is told of.
async fn subscriber(
    base: String,
    index: usize,
    t0: Instant,
    ready: mpsc::UnboundedSender<usize>,
    seen: mpsc::UnboundedSender<(usize, String, u64)>,
) {
    let url = format!("{}/graphql", base.replacen("http://", "ws://", 1));
    let mut req = url.into_client_request().expect("a request");
    req.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        "graphql-transport-ws".parse().expect("a header"),
    );
    let (mut ws, _) = tokio_tungstenite::connect_async(req)
        .await
        .expect("connect");
    let send = |v: Value| Message::text(v.to_string());
    ws.send(send(json!({ "type": "connection_init", "payload": {} })))
        .await
        .expect("init");
    ws.send(send(json!({ "type": "subscribe", "id": "1", "payload": {
        "query": "subscription { fundTransferChanged { action fundTransfer { referenceNo } } }" } })))
        .await
        .expect("subscribe");
    while let Some(Ok(msg)) = ws.next().await {
        let Message::Text(t) = msg else { continue };
        let at = t0.elapsed().as_micros() as u64;
        let v: Value = serde_json::from_str(&t).unwrap_or_default();
        match v["type"].as_str() {
            Some("connection_ack") => {
                let _ = ready.send(index);
            }
            Some("next") => {
                let r = &v["payload"]["data"]["fundTransferChanged"]["fundTransfer"]["referenceNo"];
                if let Some(r) = r.as_str() {
                    let _ = seen.send((index, r.to_string(), at));
                }
            }
            Some("ping") => {
                let _ = ws.send(send(json!({ "type": "pong" }))).await;
            }
            _ => {}
        }
    }
}

#[tokio::main]
async fn main() {
    let subscribers: usize = env("SUBSCRIBERS", 1000);
    let rate: f64 = env("RATE", 2.0);
    let duration: u64 = env("DURATION", 30);
    let pg: String = env("BENCH_PG", "postgres://postgres@127.0.0.1:5432".to_string());
    let bin: String = env("BENCH_BIN", "target/production/pairing".to_string());
    let name = "bench_subscriptions";
    let url = format!("{pg}/{name}?sslmode=disable");

    let admin = sea_orm::Database::connect(format!("{pg}/postgres"))
        .await
        .expect("connect to PostgreSQL");
    admin
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .await
        .expect("drop");
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .expect("create");
    let seeded = Command::new(&bin)
        .args(["seed", "--demo", "--database-url", &url])
        .stdout(Stdio::null())
        .status()
        .expect("seed");
    assert!(seeded.success(), "seed --demo");

    let a = start(&bin, &url, 18581).await;
    let b = start(&bin, &url, 18582).await;
    let http = reqwest::Client::new();
    let body: Value = http
        .post(format!("{}/graphql", a.base))
        .json(&json!({ "query": "{ pairingAgreements(first: 1, filter: { program: EAST_WEST, year: 2020 }) { nodes { id helper { code } recipient { code } } } }" }))
        .send()
        .await
        .expect("pairings")
        .json()
        .await
        .expect("JSON");
    let p = &body["data"]["pairingAgreements"]["nodes"][0];
    let pairing = p["id"].as_str().expect("a pairing").to_string();
    let recipient = p["recipient"]["code"]
        .as_str()
        .expect("a recipient")
        .to_string();
    let helper = token(Role::Helper, p["helper"]["code"].as_str());

    // Warm both servers up before the memory baseline.
    for s in [&a, &b] {
        let _ = http.get(format!("{}/ready", s.base)).send().await;
    }
    let base_rss = (rss_kib(a.child.id()), rss_kib(b.child.id()));

    let t0 = Instant::now();
    let (ready_tx, mut ready_rx) = mpsc::unbounded_channel();
    let (seen_tx, mut seen_rx) = mpsc::unbounded_channel();
    for i in 0..subscribers {
        let base = if i % 2 == 0 { &a.base } else { &b.base };
        tokio::spawn(subscriber(
            base.clone(),
            i,
            t0,
            ready_tx.clone(),
            seen_tx.clone(),
        ));
    }
    drop(seen_tx);
    for _ in 0..subscribers {
        ready_rx.recv().await.expect("a subscriber acknowledged");
    }
    // Acknowledged connections have their subscription registered once the server read it.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let subscribed_rss = (rss_kib(a.child.id()), rss_kib(b.child.id()));

    // The writes: alternately through each instance, at a steady rate.
    let writes = (rate * duration as f64).round() as usize;
    let interval = Duration::from_secs_f64(1.0 / rate);
    let sent: Arc<std::sync::Mutex<Vec<(String, u64, u64)>>> = Default::default();
    let mut tick = tokio::time::interval(interval);
    let mut handles = Vec::new();
    for i in 0..writes {
        tick.tick().await;
        let base = if i % 2 == 0 {
            a.base.clone()
        } else {
            b.base.clone()
        };
        let (http, helper, pairing, recipient, sent) = (
            http.clone(),
            helper.clone(),
            pairing.clone(),
            recipient.clone(),
            sent.clone(),
        );
        handles.push(tokio::spawn(async move {
            let reference = format!("BENCH-{i}");
            let q = "mutation($input: RecordFundTransferInput!) { recordFundTransfer(input: $input) { fundTransfer { id } } }";
            let input = json!({ "input": {
                "pairingAgreementId": pairing, "referenceNo": reference, "recipientCode": recipient,
                "category": "FISCAL_AID", "amount": "100.00", "year": 2020,
                "allocatedOn": "2020-03-20", "publicizedOn": "2020-03-21" } });
            let start = t0.elapsed().as_micros() as u64;
            let body: Value = http
                .post(format!("{base}/graphql"))
                .bearer_auth(&helper)
                .json(&json!({ "query": q, "variables": input }))
                .send()
                .await
                .expect("write")
                .json()
                .await
                .expect("JSON");
            let done = t0.elapsed().as_micros() as u64;
            if body["data"]["recordFundTransfer"]["fundTransfer"]["id"].is_string() {
                sent.lock().expect("lock").push((reference, start, done));
            } else {
                eprintln!("write failed: {body}");
            }
        }));
    }
    for h in handles {
        h.await.expect("a write");
    }
    tokio::time::sleep(Duration::from_secs(5)).await;
    let peak_rss = (rss_kib(a.child.id()), rss_kib(b.child.id()));

    let sent = sent.lock().expect("lock").clone();
    let started: std::collections::HashMap<&str, u64> =
        sent.iter().map(|(r, s, _)| (r.as_str(), *s)).collect();
    let mut delivered = std::collections::HashSet::new();
    let mut latencies = Vec::new();
    while let Ok((who, reference, at)) = seen_rx.try_recv() {
        if let Some(s) = started.get(reference.as_str())
            && delivered.insert((who, reference.clone()))
        {
            latencies.push((at.saturating_sub(*s)) as f64 / 1000.0);
        }
    }
    latencies.sort_by(|x, y| x.total_cmp(y));
    let mut round_trips: Vec<f64> = sent
        .iter()
        .map(|(_, s, d)| (d - s) as f64 / 1000.0)
        .collect();
    round_trips.sort_by(|x, y| x.total_cmp(y));
    let expected = sent.len() * subscribers;
    let per_sub =
        |base: u64, now: u64| (now.saturating_sub(base)) as f64 / (subscribers as f64 / 2.0);
    println!(
        "subscribers: {subscribers} (half on each instance), writes: {} acknowledged of {writes} at {rate}/s",
        sent.len()
    );
    println!(
        "deliveries: {} of {expected}; lost: {}",
        delivered.len(),
        expected - delivered.len()
    );
    println!(
        "latency write→client ms: p50 {:.1}, p99 {:.1}, max {:.1}",
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99),
        latencies.last().copied().unwrap_or(f64::NAN)
    );
    println!(
        "mutation round trip ms: p50 {:.1}, p99 {:.1}",
        percentile(&round_trips, 0.5),
        percentile(&round_trips, 0.99)
    );
    println!(
        "server RSS KiB: before {:?}, subscribed {:?}, after the writes {:?}",
        base_rss, subscribed_rss, peak_rss
    );
    println!(
        "memory per subscriber KiB: {:.1} / {:.1} (instance 1 / 2, at subscription); {:.1} / {:.1} after the writes",
        per_sub(base_rss.0, subscribed_rss.0),
        per_sub(base_rss.1, subscribed_rss.1),
        per_sub(base_rss.0, peak_rss.0),
        per_sub(base_rss.1, peak_rss.1)
    );
    drop(a);
    drop(b);
    admin
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .await
        .ok();
}
