//! The runtime GraphQL operations execute on, and the deadline of a request's operations.
use super::Shared;
use super::pipeline::{Finished, error_only, finish, run_operations};
use super::response::Format;
use crate::error::AppError;
use actix_web::web;
use async_graphql::Request;
use std::time::Duration;

/// The runtime GraphQL operations execute on (database I/O included), apart from the HTTP workers.
pub struct Executor {
    runtime: Option<tokio::runtime::Runtime>,
    /// Permits for introspection operations: half the threads (at least one).
    introspection: tokio::sync::Semaphore,
}

impl Executor {
    pub(super) fn new(threads: usize) -> Result<Executor, String> {
        let threads = threads.max(1);
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(threads)
            .thread_name("graphql")
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start the GraphQL executor: {e}"))?;
        Ok(Executor {
            runtime: Some(runtime),
            introspection: tokio::sync::Semaphore::new((threads / 2).max(1)),
        })
    }

    fn handle(&self) -> tokio::runtime::Handle {
        match &self.runtime {
            Some(rt) => rt.handle().clone(),
            None => tokio::runtime::Handle::current(),
        }
    }

    /// Introspection is pure CPU: it runs in a lane narrower than the executor, so that however
    /// many arrive, a thread stays free for everything else. `None` for other operations.
    pub(super) async fn introspection_lane(
        &self,
        introspection: bool,
    ) -> Option<tokio::sync::SemaphorePermit<'_>> {
        match introspection {
            true => self.introspection.acquire().await.ok(),
            false => None,
        }
    }
}

impl Drop for Executor {
    fn drop(&mut self) {
        // Dropped from async code at shutdown: do not block on the runtime's tasks.
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}

/// Aborts a spawned task when dropped (deadline passed, or the client went away).
struct AbortOnDrop(tokio::task::AbortHandle);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Runs a request's operations on the executor, so CPU spent there never holds up the HTTP
/// workers. One deadline covers the whole request: when it passes (or the client goes away),
/// the task is aborted, which cancels whatever it was doing.
pub(super) async fn run_with_deadline(
    shared: &web::Data<Shared>,
    identity: crate::auth::Identity,
    (request_id, server_request_id): (&str, &str),
    requests: Vec<Request>,
    single: bool,
    format: Format,
) -> Finished {
    let count = requests.len();
    let timeout = Duration::from_secs(shared.settings.limits.request_timeout.max(1));
    let task = shared.executor.handle().spawn(run_operations(
        shared.clone(),
        identity,
        (request_id.to_string(), server_request_id.to_string()),
        requests,
        single,
        format,
    ));
    let _abort = AbortOnDrop(task.abort_handle());
    match tokio::time::timeout(timeout, task).await {
        Ok(Ok(done)) => done,
        Ok(Err(_)) => {
            tracing::error!(request_id, "the request's task failed");
            let e = AppError::Internal("the request's task failed".into());
            let r = (0..count).map(|_| error_only(&e)).collect();
            finish(shared, r, Vec::new(), single, format, request_id)
        }
        Err(_) => {
            let e = AppError::Timeout;
            let r = (0..count).map(|_| error_only(&e)).collect();
            finish(shared, r, Vec::new(), single, format, request_id)
        }
    }
}
