//! A GraphQL-over-WebSocket client for the tests: either subprotocol, token in `connection_init`.
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;

pub type Stream =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// The newer protocol (the `graphql-ws` npm package).
pub const TRANSPORT_WS: &str = "graphql-transport-ws";
/// The older one (subscriptions-transport-ws).
pub const GRAPHQL_WS: &str = "graphql-ws";

pub struct Ws {
    pub stream: Stream,
    pub protocol: &'static str,
}

/// What one message read from the server turned out to be.
#[derive(Debug)]
pub enum Got {
    Message(Value),
    Closed(Option<u16>),
    Nothing,
}

fn request(
    base: &str,
    protocol: &str,
) -> tokio_tungstenite::tungstenite::handshake::client::Request {
    let url = format!("{}/graphql", base.replacen("http://", "ws://", 1));
    let mut req = url.into_client_request().expect("a WebSocket request");
    req.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        HeaderValue::from_str(protocol).expect("a header value"),
    );
    req
}

impl Ws {
    /// Opens the socket without `connection_init`.
    pub async fn open(base: &str, protocol: &'static str) -> Ws {
        let (stream, resp) = tokio_tungstenite::connect_async(request(base, protocol))
            .await
            .expect("the WebSocket handshake");
        assert_eq!(
            resp.headers()
                .get("Sec-WebSocket-Protocol")
                .and_then(|v| v.to_str().ok()),
            Some(protocol),
            "the server speaks the protocol asked for"
        );
        Ws { stream, protocol }
    }

    /// Opens over a TCP socket with a tiny receive buffer (for clients that do not read).
    pub async fn open_small(base: &str, protocol: &'static str) -> Ws {
        let addr: std::net::SocketAddr = base
            .trim_start_matches("http://")
            .parse()
            .expect("host:port");
        let socket = tokio::net::TcpSocket::new_v4().expect("a socket");
        socket.set_recv_buffer_size(2048).expect("SO_RCVBUF");
        let tcp = socket.connect(addr).await.expect("connect");
        let (stream, _) = tokio_tungstenite::client_async(
            request(base, protocol),
            tokio_tungstenite::MaybeTlsStream::Plain(tcp),
        )
        .await
        .expect("the WebSocket handshake");
        Ws { stream, protocol }
    }

    /// Opens, sends `connection_init` with the token and waits for the acknowledgement.
    pub async fn connect(base: &str, protocol: &'static str, token: Option<&str>) -> Ws {
        let mut ws = Ws::open(base, protocol).await;
        ws.init(token).await;
        match ws.next(Duration::from_secs(5)).await {
            Got::Message(m) if m["type"] == "connection_ack" => {}
            other => panic!("expected connection_ack, got {other:?}"),
        }
        ws
    }

    pub async fn init(&mut self, token: Option<&str>) {
        let payload = match token {
            Some(t) => json!({ "Authorization": format!("Bearer {t}") }),
            None => json!({}),
        };
        self.send(json!({ "type": "connection_init", "payload": payload }))
            .await;
    }

    pub async fn send(&mut self, v: Value) {
        self.stream
            .send(Message::text(v.to_string()))
            .await
            .expect("send");
    }

    pub async fn subscribe(&mut self, id: &str, query: &str, variables: Value) {
        let kind = if self.protocol == TRANSPORT_WS {
            "subscribe"
        } else {
            "start"
        };
        self.send(json!({ "type": kind, "id": id,
            "payload": { "query": query, "variables": variables } }))
            .await;
    }

    /// The next protocol message (keep-alives and pings skipped), a close, or nothing in time.
    pub async fn next(&mut self, wait: Duration) -> Got {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            let msg = match tokio::time::timeout(left, self.stream.next()).await {
                Err(_) => return Got::Nothing,
                Ok(None) => return Got::Closed(None),
                Ok(Some(Err(_))) => return Got::Closed(None),
                Ok(Some(Ok(m))) => m,
            };
            match msg {
                Message::Text(t) => {
                    let v: Value = serde_json::from_str(&t).expect("JSON from the server");
                    match v["type"].as_str() {
                        Some("ka" | "ping" | "pong") => continue,
                        _ => return Got::Message(v),
                    }
                }
                Message::Close(frame) => return Got::Closed(frame.map(|f| u16::from(f.code))),
                _ => continue,
            }
        }
    }

    /// The data of the next event for subscription `id` (`next` or `data` messages); panics on
    /// anything else.
    pub async fn data(&mut self, id: &str, wait: Duration) -> Value {
        match self.next(wait).await {
            Got::Message(m) if m["id"] == id && (m["type"] == "next" || m["type"] == "data") => {
                assert!(m["payload"]["errors"].is_null(), "errors: {m}");
                m["payload"]["data"].clone()
            }
            other => panic!("expected an event for {id}, got {other:?}"),
        }
    }

    /// Asserts that nothing arrives for a while.
    pub async fn quiet(&mut self, wait: Duration) {
        match self.next(wait).await {
            Got::Nothing => {}
            other => panic!("expected nothing, got {other:?}"),
        }
    }
}
