//! GraphQL subscriptions over WebSocket on `/graphql`: the `graphql-transport-ws` protocol and
//! the older `graphql-ws` (subscriptions-transport-ws) one. The token comes in the
//! `connection_init` payload (`{"Authorization": "Bearer …"}`, or `{"token": "…"}`) and is
//! verified like a request's header. Only subscriptions run here (queries and mutations go over
//! HTTP), each checked against the operation limits first; the connection's limits (see
//! `config::SocketArgs`) refuse a subscription beyond the count per connection or per token and
//! cut off a client that sends too much, goes silent, or does not take what it is sent.
use super::Shared;
use crate::auth::{Identity, identify_until};
use crate::batch::Loaders;
use crate::error::{AppError, finalize_error};
use crate::events::Lagging;
use crate::graphql::RequestContext;
use actix_web::http::header::{HeaderValue, SEC_WEBSOCKET_PROTOCOL};
use actix_web::{HttpRequest, HttpResponse, web};
use actix_ws::{AggregatedMessage, CloseCode, CloseReason, Session};
use async_graphql::http::{WebSocketProtocols, WsMessage};
use async_graphql::parser::types::OperationType;
use async_graphql::{Data, Request, Response};
use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use std::collections::{HashMap, HashSet};
use std::str::FromStr;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

const PROTOCOLS: &[&str] = &["graphql-transport-ws", "graphql-ws"];

/// This instance's sockets: subscriptions held per token, and counters for `/metrics`. A token's
/// subscriptions are counted in memory on SQLite (one process) and over all instances through
/// `subscription_leases` on PostgreSQL.
#[derive(Default)]
pub struct Sockets {
    per_token: Mutex<HashMap<String, usize>>,
    leases: Option<super::leases::Leases>,
    pub connections: AtomicI64,
    pub subscriptions: AtomicI64,
    pub refused: AtomicU64,
    pub slow_consumers: AtomicU64,
}

impl Sockets {
    /// Counts subscriptions per token over every instance sharing the leases' database.
    pub fn with_leases(leases: super::leases::Leases) -> Self {
        Sockets {
            leases: Some(leases),
            ..Default::default()
        }
    }

    /// Takes one of the token's subscriptions, if it has one left.
    async fn take(&self, token: &str, limit: usize) -> Result<bool, AppError> {
        match &self.leases {
            Some(leases) => leases.take(token, limit).await,
            None => Ok(self.take_here(token, limit)),
        }
    }

    fn take_here(&self, token: &str, limit: usize) -> bool {
        let mut m = self.per_token.lock().unwrap_or_else(|e| e.into_inner());
        let n = m.entry(token.to_string()).or_default();
        if *n >= limit {
            return false;
        }
        *n += 1;
        true
    }

    fn give_back(&self, token: &str, count: usize) {
        if let Some(leases) = &self.leases {
            let (leases, token) = (leases.clone(), token.to_string());
            // Not awaited by the connection; a lost one is undone when the lease runs out.
            tokio::spawn(async move {
                if let Err(e) = leases.give_back(&token, count).await {
                    tracing::warn!(error = %e, "a subscription lease could not be given back");
                }
            });
            return;
        }
        let mut m = self.per_token.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = m.get_mut(token) {
            *n = n.saturating_sub(count);
            if *n == 0 {
                m.remove(token);
            }
        }
    }

    /// Lines for `/metrics`.
    pub fn render(&self) -> String {
        format!(
            "# TYPE pairing_ws_connections gauge\npairing_ws_connections {}\n\
             # TYPE pairing_ws_subscriptions gauge\npairing_ws_subscriptions {}\n\
             # TYPE pairing_ws_refused_total counter\npairing_ws_refused_total {}\n\
             # TYPE pairing_ws_slow_consumers_total counter\npairing_ws_slow_consumers_total {}\n",
            self.connections.load(Ordering::Relaxed),
            self.subscriptions.load(Ordering::Relaxed),
            self.refused.load(Ordering::Relaxed),
            self.slow_consumers.load(Ordering::Relaxed),
        )
    }
}

/// Whether a request asks to become a WebSocket.
pub fn is_upgrade(ctx: &actix_web::guard::GuardContext<'_>) -> bool {
    ctx.head()
        .headers()
        .get(actix_web::http::header::UPGRADE)
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"websocket"))
}

/// The upgrade of `GET /graphql`.
pub async fn graphql_socket(
    shared: web::Data<Shared>,
    req: HttpRequest,
    body: web::Payload,
) -> HttpResponse {
    let (response, session, stream) = match actix_ws::handle_with_protocols(&req, body, PROTOCOLS) {
        Ok(parts) => parts,
        Err(e) => return e.error_response(),
    };
    let protocol = response
        .headers()
        .get(SEC_WEBSOCKET_PROTOCOL)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| WebSocketProtocols::from_str(v).ok());
    let Some(protocol) = protocol else {
        return super::response::plain_error(
            actix_web::http::StatusCode::BAD_REQUEST,
            &AppError::BadRequest(
                "a WebSocket on /graphql needs the subprotocol graphql-transport-ws or graphql-ws"
                    .into(),
            ),
        );
    };
    let max = shared.settings.http.socket.ws_max_message_bytes;
    let stream = stream
        .max_frame_size(max)
        .aggregate_continuations()
        .max_continuation_size(max);
    actix_web::rt::spawn(serve(shared.into_inner(), session, stream, protocol));
    let mut response = response;
    response.headers_mut().insert(
        SEC_WEBSOCKET_PROTOCOL,
        HeaderValue::from_static(protocol.sec_websocket_protocol()),
    );
    response
}

/// The connection's identity and token key, once `connection_init` was accepted.
#[derive(Clone)]
struct Caller {
    identity: Identity,
    /// The key its subscriptions are counted under (none for anonymous callers, who are held
    /// to the per-connection limit only).
    token: Option<String>,
    /// The last second (since the Unix epoch) its token is accepted: at that moment the
    /// connection is closed with 4403.
    until: Option<i64>,
}

/// Runs the subscriptions of a connection: each gets a request context of its own (identity
/// from the connection, loaders of its own), and its errors are finished as over HTTP.
#[derive(Clone)]
struct SocketExecutor {
    shared: Arc<Shared>,
}

impl async_graphql::Executor for SocketExecutor {
    async fn execute(&self, request: Request) -> Response {
        // Not reached: only subscriptions are let through (see `check`).
        self.shared.schema.execute(request).await
    }

    fn execute_stream(
        &self,
        request: Request,
        session: Option<Arc<Data>>,
    ) -> BoxStream<'static, Response> {
        let identity = session
            .as_ref()
            .and_then(|d| d.get(&std::any::TypeId::of::<Caller>()))
            .and_then(|b| b.downcast_ref::<Caller>())
            .map(|c| c.identity.clone())
            .unwrap_or(Identity::Anonymous);
        let db = crate::db::Db::pooled(&self.shared.db);
        let request_id = uuid::Uuid::new_v4().simple().to_string();
        let ctx = RequestContext {
            identity,
            request_id: request_id.clone(),
            // Subscriptions write nothing; the server's id is the only one.
            server_request_id: request_id.clone(),
            loaders: Loaders::new(
                &db,
                Duration::from_micros(self.shared.settings.limits.batch_delay_us),
            ),
            db,
            direct_items: false,
        };
        self.shared
            .schema
            .execute_stream_with_session_data(request.data(ctx), session.unwrap_or_default())
            .map(move |mut resp| {
                for err in &mut resp.errors {
                    finalize_error(err, &request_id);
                }
                resp
            })
            .boxed()
    }
}

/// A client's `subscribe` (`start`) message checked before it reaches the executor.
fn check(shared: &Shared, payload: &serde_json::Value) -> Result<(), AppError> {
    let query = payload
        .get("query")
        .and_then(|q| q.as_str())
        .ok_or_else(|| AppError::BadRequest("the subscribe message has no query".into()))?;
    crate::limits::check_tokens(query, &shared.limits)?;
    let doc = async_graphql::parser::parse_query(query)
        .map_err(|e| AppError::BadRequest(format!("the query does not parse: {e}")))?;
    let variables = async_graphql::Variables::from_json(
        payload
            .get("variables")
            .cloned()
            .unwrap_or(serde_json::Value::Null),
    );
    crate::limits::analyze(&doc, &shared.types, &variables, &shared.limits)?;
    let name = payload.get("operationName").and_then(|n| n.as_str());
    let op = doc
        .operations
        .iter()
        .find(|(n, _)| name.is_none() || n.map(|n| n.as_str()) == name)
        .map(|(_, op)| op);
    match op {
        Some(op) if op.node.ty == OperationType::Subscription => Ok(()),
        Some(_) => Err(AppError::BadRequest(
            "only subscriptions run over the WebSocket; send queries and mutations over HTTP"
                .into(),
        )),
        None => Err(AppError::BadRequest(
            "the document has no such operation".into(),
        )),
    }
}

/// The error message refusing subscription `id`, in the connection's protocol.
fn refusal(protocol: WebSocketProtocols, id: &str, e: &AppError) -> String {
    let error = serde_json::json!({
        "message": e.public_message(),
        "extensions": { "code": e.code() },
    });
    let payload = match protocol {
        WebSocketProtocols::GraphQLWS => serde_json::json!([error]),
        WebSocketProtocols::SubscriptionsTransportWS => error,
    };
    serde_json::json!({ "type": "error", "id": id, "payload": payload }).to_string()
}

/// Verifies the token of `connection_init`.
fn caller(shared: &Shared, payload: &serde_json::Value) -> Result<Caller, AppError> {
    let field = |k: &str| payload.get(k).and_then(|v| v.as_str()).map(str::to_string);
    let header = field("Authorization")
        .or_else(|| field("authorization"))
        .or_else(|| field("token").map(|t| format!("Bearer {t}")))
        .or_else(|| {
            payload
                .get("headers")
                .and_then(|h| h.get("Authorization").or_else(|| h.get("authorization")))
                .and_then(|v| v.as_str())
                .map(str::to_string)
        });
    let (identity, until) = identify_until(header.as_deref(), shared.verifier.as_ref())?;
    let token = match &identity {
        Identity::Anonymous => None,
        _ => header.map(|h| crate::write::request_hash(&serde_json::Value::String(h))),
    };
    Ok(Caller {
        identity,
        token,
        until,
    })
}

/// What ends a connection.
enum End {
    /// The client closed or went away.
    Gone,
    /// Closed by the server with a code and reason.
    Close(CloseCode, String),
    /// The client did not take what it was sent in time.
    Slow,
    /// The token of `connection_init` expired: closed with 4403 at once, whatever was queued.
    Expired,
}

/// The close code of a connection whose token expired or was refused at `connection_init`
/// (graphql-transport-ws's 4403 Forbidden: do not retry with the same token).
pub const TOKEN_EXPIRED: u16 = 4403;

/// Whether a token accepted until second `until` has expired by now.
fn expired(until: i64) -> bool {
    chrono::Utc::now().timestamp_millis() > until.saturating_mul(1000)
}

/// When, on the runtime's clock, a token accepted until second `until` expires.
fn expiry_instant(until: i64) -> tokio::time::Instant {
    let left = until
        .saturating_mul(1000)
        .saturating_sub(chrono::Utc::now().timestamp_millis());
    tokio::time::Instant::now() + Duration::from_millis(u64::try_from(left.max(0)).unwrap_or(0))
}

/// What the writer sends.
enum Out {
    Text(String),
    Ping,
    Pong(web::Bytes),
}

async fn serve(
    shared: Arc<Shared>,
    session: Session,
    mut incoming: actix_ws::AggregatedMessageStream,
    protocol: WebSocketProtocols,
) {
    let cfg = shared.settings.http.socket.clone();
    let sockets = &shared.sockets;
    sockets.connections.fetch_add(1, Ordering::Relaxed);

    let caller: Arc<Mutex<Option<Caller>>> = Default::default();
    let lagging = Lagging::default();
    let mut data = Data::default();
    data.insert(lagging.clone());
    let (to_graphql, from_client) = mpsc::channel::<String>(64);
    // Set when `connection_init` was refused (a bad or expired token).
    let refused_init = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let init = {
        let shared = shared.clone();
        let caller = caller.clone();
        let refused_init = refused_init.clone();
        move |payload: serde_json::Value| async move {
            let c = caller_of(&shared, &payload).inspect_err(|_| {
                refused_init.store(true, Ordering::Relaxed);
            })?;
            *caller.lock().unwrap_or_else(|e| e.into_inner()) = Some(c.clone());
            let mut data = Data::default();
            data.insert(c);
            Ok(data)
        }
    };
    let graphql = async_graphql::http::WebSocket::new(
        SocketExecutor {
            shared: shared.clone(),
        },
        tokio_stream::wrappers::ReceiverStream::new(from_client),
        protocol,
    )
    .connection_data(data)
    .on_connection_init(init);
    let mut graphql = std::pin::pin!(graphql);

    // The writer owns the session; a full queue or a send that does not finish in time means
    // the client is not reading.
    let (out, mut queue) = mpsc::channel::<Out>(cfg.ws_send_buffer.max(1));
    let send_timeout = Duration::from_secs(cfg.ws_send_timeout.max(1));
    let mut writer_session = session.clone();
    let mut writer = actix_web::rt::spawn(async move {
        while let Some(m) = queue.recv().await {
            let sent = match m {
                Out::Text(t) => tokio::time::timeout(send_timeout, writer_session.text(t)).await,
                Out::Ping => tokio::time::timeout(send_timeout, writer_session.ping(b"")).await,
                Out::Pong(b) => tokio::time::timeout(send_timeout, writer_session.pong(&b)).await,
            };
            match sent {
                Ok(Ok(())) => {}
                Ok(Err(_)) => return false,
                Err(_) => return true,
            }
        }
        false
    });

    let mut active: HashSet<String> = HashSet::new();
    let mut heard = Instant::now();
    let mut idle_since = Some(Instant::now());
    let mut ticks = tokio::time::interval(Duration::from_secs(cfg.ws_ping_interval.max(1)));
    ticks.tick().await;
    // Armed once `connection_init` named a token with an expiry.
    let expiry = tokio::time::sleep(Duration::from_secs(86_400));
    let mut expiry = std::pin::pin!(expiry);
    let mut armed = false;
    let release = |active: &mut HashSet<String>, id: &str| {
        if active.remove(id) {
            sockets.subscriptions.fetch_sub(1, Ordering::Relaxed);
            if let Some(token) = caller_token(&caller) {
                sockets.give_back(&token, 1);
            }
        }
    };

    let end = loop {
        tokio::select! {
            msg = incoming.next(), if to_graphql.capacity() > 0 => {
                let text = match msg {
                    None => break End::Gone,
                    Some(Err(e)) => {
                        break End::Close(CloseCode::Size, format!("unreadable message: {e}"));
                    }
                    Some(Ok(AggregatedMessage::Text(t))) => t.to_string(),
                    Some(Ok(AggregatedMessage::Binary(b))) => match String::from_utf8(b.to_vec()) {
                        Ok(t) => t,
                        Err(_) => break End::Close(CloseCode::Invalid, "messages are UTF-8 JSON".into()),
                    },
                    Some(Ok(AggregatedMessage::Ping(b))) => {
                        heard = Instant::now();
                        if out.try_send(Out::Pong(b)).is_err() {
                            break End::Slow;
                        }
                        continue;
                    }
                    Some(Ok(AggregatedMessage::Pong(_))) => {
                        heard = Instant::now();
                        continue;
                    }
                    Some(Ok(AggregatedMessage::Close(_))) => break End::Gone,
                };
                heard = Instant::now();
                let parsed: Option<serde_json::Value> = serde_json::from_str(&text).ok();
                let kind = parsed.as_ref().and_then(|m| m.get("type")).and_then(|t| t.as_str());
                let id = parsed.as_ref().and_then(|m| m.get("id")).and_then(|t| t.as_str());
                match (kind, id) {
                    (Some("subscribe" | "start"), Some(id)) if !active.contains(id) => {
                        let refused = if active.len() >= cfg.ws_max_subscriptions {
                            Some(AppError::TooComplex(format!(
                                "at most {} subscriptions per connection", cfg.ws_max_subscriptions
                            )))
                        } else if let Err(e) = check(&shared, parsed.as_ref().and_then(|m| m.get("payload")).unwrap_or(&serde_json::Value::Null)) {
                            Some(e)
                        } else if let Some(token) = caller_token(&caller) {
                            match sockets.take(&token, cfg.ws_max_subscriptions_per_token).await {
                                Ok(true) => None,
                                Ok(false) => Some(AppError::TooComplex(format!(
                                    "at most {} subscriptions per token", cfg.ws_max_subscriptions_per_token
                                ))),
                                Err(e) => Some(e),
                            }
                        } else {
                            None
                        };
                        if let Some(e) = refused {
                            sockets.refused.fetch_add(1, Ordering::Relaxed);
                            // An answer to the client's own request waits for room (reading no
                            // more of its requests meanwhile), within the send timeout.
                            let answer = out.send(Out::Text(refusal(protocol, id, &e)));
                            if !matches!(tokio::time::timeout(send_timeout, answer).await, Ok(Ok(()))) {
                                break End::Slow;
                            }
                            continue;
                        }
                        active.insert(id.to_string());
                        idle_since = None;
                        sockets.subscriptions.fetch_add(1, Ordering::Relaxed);
                    }
                    (Some("complete" | "stop"), Some(id)) => {
                        release(&mut active, id);
                    }
                    _ => {}
                }
                if to_graphql.try_send(text).is_err() {
                    break End::Gone;
                }
            }
            sent = graphql.next() => match sent {
                None => break End::Close(CloseCode::Normal, String::new()),
                // graphql-transport-ws: a refused `connection_init` closes with 4403 Forbidden.
                Some(WsMessage::Close(_, reason))
                    if refused_init.load(Ordering::Relaxed)
                        && protocol == WebSocketProtocols::GraphQLWS =>
                {
                    break End::Close(CloseCode::Other(TOKEN_EXPIRED), reason);
                }
                Some(WsMessage::Close(code, reason)) => break End::Close(code.into(), reason),
                Some(WsMessage::Text(t)) => {
                    // Nothing goes out once the token has expired.
                    if let Some(until) = caller_until(&caller) {
                        if expired(until) {
                            break End::Expired;
                        }
                        if !armed {
                            expiry.as_mut().reset(expiry_instant(until));
                            armed = true;
                        }
                    }
                    // A subscription the server ended (or refused) no longer counts.
                    if (t.contains("\"complete\"") || t.contains("\"error\""))
                        && let Ok(m) = serde_json::from_str::<serde_json::Value>(&t)
                        && let Some(id) = m.get("id").and_then(|i| i.as_str())
                        && matches!(m.get("type").and_then(|k| k.as_str()), Some("complete" | "error"))
                    {
                        release(&mut active, id);
                    }
                    if out.try_send(Out::Text(t)).is_err() {
                        break End::Slow;
                    }
                }
            },
            _ = &mut expiry, if armed => break End::Expired,
            _ = lagging.tripped() => break End::Slow,
            slow = &mut writer => break if slow.unwrap_or(false) { End::Slow } else { End::Gone },
            _ = ticks.tick() => {
                if heard.elapsed() > Duration::from_secs(cfg.ws_ping_timeout.max(1)) {
                    break End::Close(CloseCode::Policy, "no answer to pings".into());
                }
                if active.is_empty() {
                    let since = *idle_since.get_or_insert_with(Instant::now);
                    if since.elapsed() > Duration::from_secs(cfg.ws_idle_timeout.max(1)) {
                        break End::Close(CloseCode::Normal, "idle: no subscription".into());
                    }
                }
                if out.try_send(Out::Ping).is_err() {
                    break End::Slow;
                }
            }
        }
    };

    for id in active.clone() {
        release(&mut active, &id);
    }
    sockets.connections.fetch_sub(1, Ordering::Relaxed);
    drop(out);
    match end {
        End::Slow => {
            sockets.slow_consumers.fetch_add(1, Ordering::Relaxed);
            tracing::warn!("a WebSocket client did not take its messages; disconnected");
            writer.abort();
        }
        End::Gone => writer.abort(),
        End::Expired => {
            // Queued events are dropped, not sent after the expiry.
            writer.abort();
            let _ = (&mut writer).await;
            let reason = CloseReason {
                code: CloseCode::Other(TOKEN_EXPIRED),
                description: Some("Forbidden: the token expired".into()),
            };
            let _ = tokio::time::timeout(send_timeout, session.close(Some(reason))).await;
        }
        End::Close(code, reason) => {
            // Whatever was queued goes first, then the close frame, unless the client stalls.
            let _ = tokio::time::timeout(send_timeout, &mut writer).await;
            let reason = CloseReason {
                code,
                description: (!reason.is_empty()).then_some(reason),
            };
            let _ = tokio::time::timeout(send_timeout, session.close(Some(reason))).await;
        }
    }
}

fn caller_of(shared: &Shared, payload: &serde_json::Value) -> async_graphql::Result<Caller> {
    caller(shared, payload).map_err(|e| async_graphql::Error::new(e.public_message()))
}

fn caller_until(caller: &Mutex<Option<Caller>>) -> Option<i64> {
    caller
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .as_ref()
        .and_then(|c| c.until)
}

fn caller_token(caller: &Mutex<Option<Caller>>) -> Option<String> {
    caller
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .as_ref()
        .and_then(|c| c.token.clone())
}
