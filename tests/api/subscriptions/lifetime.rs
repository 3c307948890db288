//! How long a connection lives: its token's expiry and the ping timeout.
use super::{Got, TRANSFERS, TRANSPORT_WS, Ws, record};
use crate::fixtures::world;
use crate::harness::{TEST_SECRET, TestApp, token};
use crate::writes::gid;
use pairing_api::auth::{Claims, Role, mint_hs256};
use serde_json::json;
use std::time::{Duration, Instant};

/// An ADMIN token of the suite's secret that expires at `exp` (seconds since the Unix epoch).
fn expiring_token(exp: i64) -> String {
    let claims = Claims {
        sub: "test-short-lived".into(),
        role: Role::Admin,
        org: None,
        region: None,
        exp,
        nbf: None,
        iat: Some(chrono::Utc::now().timestamp()),
        iss: None,
        aud: None,
    };
    mint_hs256(TEST_SECRET, &claims).expect("mint token")
}

#[tokio::test]
async fn a_connection_is_closed_with_4403_when_its_token_expires_and_gets_no_event_after() {
    let app = TestApp::spawn().await;
    let w = world(&app.db).await;
    let helper = token(Role::Helper, Some("310000"), None);
    let pairing = gid("PairingAgreement", w.sh_yn);
    // The suite's verifier has no leeway: the token is refused from `exp` on.
    let exp = chrono::Utc::now().timestamp() + 3;
    let short = expiring_token(exp);
    let mut ws = Ws::connect(&app.base, TRANSPORT_WS, Some(&short)).await;
    ws.subscribe("t", TRANSFERS, json!({})).await;
    ws.quiet(Duration::from_millis(300)).await;

    // Writes go on every 100 ms from before the expiry until well after it, while the
    // subscriber reads.
    let writes = async {
        let mut stored = 0;
        for i in 0..60 {
            let body = record(
                &app,
                &helper,
                &pairing,
                &format!("EXP-{i}"),
                "532923",
                "FISCAL_AID",
                true,
            )
            .await;
            assert!(
                body["data"]["recordFundTransfer"]["fundTransfer"]["id"].is_string(),
                "{body}"
            );
            stored += 1;
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        stored
    };
    let reads = async {
        let mut events = Vec::new();
        loop {
            match ws.next(Duration::from_secs(10)).await {
                Got::Message(m) if m["type"] == "next" => {
                    events.push((m, chrono::Utc::now().timestamp_millis()))
                }
                Got::Message(m) => panic!("unexpected {m}"),
                Got::Closed(code) => {
                    break (events, (code, chrono::Utc::now().timestamp_millis()));
                }
                Got::Nothing => panic!("the connection outlived its token"),
            }
        }
    };
    let (stored, (events, closed)) = tokio::join!(writes, reads);
    assert_eq!(closed.0, Some(4403), "closed as forbidden");
    assert!(closed.1 >= exp * 1000, "not before the expiry");
    assert!(
        closed.1 < exp * 1000 + 1500,
        "closed {} ms after the expiry",
        closed.1 - exp * 1000
    );
    assert!(
        events.len() >= 3,
        "events arrived while the token was valid: {}",
        events.len()
    );
    // Nothing was delivered after the expiry (a little slack for the way to the client).
    let last = events.last().map(|(_, at)| *at).unwrap_or_default();
    assert!(
        last < exp * 1000 + 250,
        "an event {} ms after the expiry",
        last - exp * 1000
    );
    assert_eq!(stored, 60, "the writes went on");

    // The same token cannot open a new connection.
    let mut again = Ws::open(&app.base, TRANSPORT_WS).await;
    again.init(Some(&short)).await;
    match again.next(Duration::from_secs(5)).await {
        Got::Closed(Some(4403)) => {}
        other => panic!("an expired token was accepted: {other:?}"),
    }
}

/// A client that never answers a ping: the WebSocket handshake and its messages written by hand
/// over a plain TCP socket, which is then only read (a WebSocket library would answer pings as
/// soon as it reads).
struct Mute(tokio::net::TcpStream);

impl Mute {
    async fn connect(base: &str) -> Mute {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let host = base.trim_start_matches("http://");
        let mut tcp = tokio::net::TcpStream::connect(host).await.expect("connect");
        let request = format!(
            "GET /graphql HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\n\
             Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
             Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: {TRANSPORT_WS}\r\n\r\n"
        );
        tcp.write_all(request.as_bytes()).await.expect("handshake");
        let mut head = Vec::new();
        while !head.ends_with(b"\r\n\r\n") {
            let mut byte = [0u8; 1];
            tcp.read_exact(&mut byte)
                .await
                .expect("the handshake's answer");
            head.push(byte[0]);
        }
        let head = String::from_utf8_lossy(&head).to_string();
        assert!(head.starts_with("HTTP/1.1 101"), "{head}");
        Mute(tcp)
    }

    /// Sends a text message (masked with a zero key, as a client must mask).
    async fn send(&mut self, v: serde_json::Value) {
        use tokio::io::AsyncWriteExt;
        let payload = v.to_string().into_bytes();
        let mut frame = vec![0x81];
        match u16::try_from(payload.len()) {
            Ok(n) if n < 126 => frame.push(0x80 | n as u8),
            Ok(n) => {
                frame.push(0x80 | 126);
                frame.extend(n.to_be_bytes());
            }
            Err(_) => panic!("a message this long is not needed here"),
        }
        frame.extend([0, 0, 0, 0]);
        frame.extend(payload);
        self.0.write_all(&frame).await.expect("send");
    }

    /// Reads frames until a close frame (its code) or the end of the stream (none).
    async fn close_code(&mut self, wait: Duration) -> Option<u16> {
        use tokio::io::AsyncReadExt;
        let read = async {
            loop {
                let mut h = [0u8; 2];
                self.0.read_exact(&mut h).await.ok()?;
                let len = match h[1] & 0x7f {
                    126 => {
                        let mut l = [0u8; 2];
                        self.0.read_exact(&mut l).await.ok()?;
                        u16::from_be_bytes(l) as usize
                    }
                    127 => {
                        let mut l = [0u8; 8];
                        self.0.read_exact(&mut l).await.ok()?;
                        u64::from_be_bytes(l) as usize
                    }
                    n => n as usize,
                };
                let mut body = vec![0u8; len];
                self.0.read_exact(&mut body).await.ok()?;
                if h[0] & 0x0f == 0x8 {
                    return body.get(..2).map(|c| u16::from_be_bytes([c[0], c[1]]));
                }
            }
        };
        tokio::time::timeout(wait, read)
            .await
            .expect("the connection was neither closed nor ended in time")
    }
}

#[tokio::test]
async fn a_client_that_stops_answering_pings_is_disconnected_after_the_timeout() {
    let app = TestApp::spawn_with(|s| {
        s.http.socket.ws_ping_interval = 1;
        s.http.socket.ws_ping_timeout = 2;
        s.http.socket.ws_idle_timeout = 300;
    })
    .await;
    let admin = token(Role::Admin, None, None);
    // Both subscribe, so neither is idle; one never answers a ping, the other keeps reading, its
    // client answering each ping.
    let mut mute = Mute::connect(&app.base).await;
    mute.send(json!({ "type": "connection_init", "payload": { "token": admin } }))
        .await;
    mute.send(json!({ "type": "subscribe", "id": "t",
        "payload": { "query": "subscription { fundTransferChanged { action } }" } }))
        .await;
    let started = Instant::now();
    let mut alive = Ws::connect(&app.base, TRANSPORT_WS, Some(&admin)).await;
    alive.subscribe("t", TRANSFERS, json!({})).await;

    // The mute one is closed with 1008 (policy) after the timeout (checked on the next ping),
    // while the other, read meanwhile, stays through several more timeouts.
    let (mute_end, alive_end) = tokio::join!(
        async {
            let code = mute.close_code(Duration::from_secs(6)).await;
            (code, started.elapsed())
        },
        alive.next(Duration::from_secs(8))
    );
    let (code, after) = mute_end;
    assert_eq!(code, Some(1008), "after {after:?}");
    assert!(after >= Duration::from_secs(2), "closed after {after:?}");
    match alive_end {
        Got::Nothing => {}
        other => panic!("the client answering pings was closed: {other:?}"),
    }
}

#[tokio::test]
async fn a_client_silent_after_connection_init_is_disconnected_after_the_timeout() {
    let app = TestApp::spawn_with(|s| {
        s.http.socket.ws_ping_interval = 1;
        s.http.socket.ws_ping_timeout = 2;
        s.http.socket.ws_idle_timeout = 300;
    })
    .await;
    let mut mute = Mute::connect(&app.base).await;
    mute.send(json!({ "type": "connection_init", "payload": {} }))
        .await;
    let started = Instant::now();
    let code = mute.close_code(Duration::from_secs(6)).await;
    let after = started.elapsed();
    assert_eq!(code, Some(1008), "after {after:?}");
    assert!(after >= Duration::from_secs(2), "closed after {after:?}");
}
