//! The actix application: GraphQL over HTTP, GraphiQL, health, readiness and metrics; request
//! bodies read under a size limit and a deadline; operation limits checked off the async workers;
//! CORS and security headers.
//!
//! - `startup`: the server, its shared state and its routes;
//! - `transport`: the GraphQL handlers, from the HTTP request to the operations;
//! - `response`: media types, serialization and request-level error answers;
//! - `socket`: subscriptions over WebSocket, with the connection limits;
//! - `leases`: the per-token subscription limit across instances (PostgreSQL);
//! - `pipeline`: each operation's checks, execution and error finishing;
//! - `documents`: the cache of parsed documents;
//! - `executor`: the runtime operations run on, apart from the HTTP workers;
//! - `cors` and `headers`: what browsers are told.
mod cors;
mod documents;
mod executor;
mod headers;
mod leases;
mod pipeline;
mod response;
mod socket;
mod startup;
mod transport;

pub use documents::DocumentCache;
pub use executor::Executor;
pub use socket::Sockets;
pub use startup::{Application, Shared, routes};
