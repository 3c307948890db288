//! The one error type of the platform, and its single mapping onto GraphQL errors.

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("authentication required or token rejected: {0}")]
    Unauthenticated(String),
    #[error("not allowed: {0}")]
    Forbidden(String),
    #[error("{entity} {id} not found")]
    NotFound { entity: &'static str, id: String },
    #[error("{field}: {message}")]
    BadInput { field: String, message: String },
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    TooComplex(String),
    #[error("the request took too long and was cancelled")]
    Timeout,
    #[error("the database is unavailable; try again shortly")]
    Unavailable,
    #[error(transparent)]
    Database(#[from] sea_orm::DbErr),
    #[error("internal error: {0}")]
    Internal(String),
    /// One error a DataLoader hands to all the callers of its batch.
    #[error(transparent)]
    Shared(#[from] std::sync::Arc<AppError>),
    /// A request refused as a whole, before any of its operations ran: the message says why.
    #[error("{0}")]
    BadRequest(String),
    /// A path that no route serves.
    #[error("no such resource")]
    NoSuchResource,
    /// A browser's preflight from an origin that is not listed.
    #[error("this origin may not call the API")]
    OriginNotAllowed,
    /// A browser's preflight, from a listed origin, for a method or header that is not allowed.
    #[error(
        "a cross-origin call may use only GET and POST, and only the headers Authorization, \
         Content-Type, Accept and X-Request-Id"
    )]
    PreflightNotAllowed,
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    /// Every code that `code` gives.
    pub const CODES: &[&str] = &[
        "UNAUTHENTICATED",
        "FORBIDDEN",
        "NOT_FOUND",
        "BAD_USER_INPUT",
        "CONFLICT",
        "QUERY_TOO_COMPLEX",
        "TIMEOUT",
        "SERVICE_UNAVAILABLE",
        "INTERNAL",
    ];

    pub fn bad_input(field: impl Into<String>, message: impl Into<String>) -> Self {
        AppError::BadInput {
            field: field.into(),
            message: message.into(),
        }
    }

    pub fn not_found(entity: &'static str, id: impl ToString) -> Self {
        AppError::NotFound {
            entity,
            id: id.to_string(),
        }
    }

    pub fn forbidden(why: impl Into<String>) -> Self {
        AppError::Forbidden(why.into())
    }

    /// The stable `extensions.code` of this error.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Shared(e) => e.code(),
            AppError::Unauthenticated(_) => "UNAUTHENTICATED",
            AppError::Forbidden(_) | AppError::OriginNotAllowed | AppError::PreflightNotAllowed => {
                "FORBIDDEN"
            }
            AppError::NotFound { .. } | AppError::NoSuchResource => "NOT_FOUND",
            AppError::BadInput { .. } | AppError::BadRequest(_) => "BAD_USER_INPUT",
            AppError::Conflict(_) => "CONFLICT",
            AppError::TooComplex(_) => "QUERY_TOO_COMPLEX",
            AppError::Timeout => "TIMEOUT",
            AppError::Unavailable => "SERVICE_UNAVAILABLE",
            AppError::Database(e) if is_connection_error(e) => "SERVICE_UNAVAILABLE",
            AppError::Database(e) if is_conflict(e) => "CONFLICT",
            AppError::Database(_) | AppError::Internal(_) => "INTERNAL",
        }
    }

    /// The message shown to clients: never SQL or internals.
    pub fn public_message(&self) -> String {
        if let AppError::Shared(e) = self {
            return e.public_message();
        }
        match self.code() {
            "SERVICE_UNAVAILABLE" => AppError::Unavailable.to_string(),
            "CONFLICT" if matches!(self, AppError::Database(_)) => {
                "the write conflicts with an existing record".to_string()
            }
            "INTERNAL" => {
                "internal error; the request id identifies it in the server log".to_string()
            }
            _ => self.to_string(),
        }
    }
}

/// `code` as one of [`AppError::CODES`], the `'static` strings the metrics count by; `OTHER` for
/// any other.
pub fn static_code(code: &str) -> &'static str {
    AppError::CODES
        .iter()
        .find(|c| **c == code)
        .copied()
        .unwrap_or("OTHER")
}

/// The operation limits refuse a document as too complex, or (a fragment cycle) as bad input:
/// those are the only two codes they give.
impl From<crate::limits::LimitError> for AppError {
    fn from(e: crate::limits::LimitError) -> Self {
        match e.code {
            "BAD_USER_INPUT" => AppError::BadRequest(e.message),
            _ => AppError::TooComplex(e.message),
        }
    }
}

/// The pool could not reach the database (refused, timed out, closed, or the server is shutting
/// down or restarting: SQLSTATE classes 08 and 57P).
pub fn is_connection_error(e: &sea_orm::DbErr) -> bool {
    use sea_orm::{DbErr, RuntimeErr};
    match e {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => true,
        DbErr::Exec(RuntimeErr::SqlxError(s)) | DbErr::Query(RuntimeErr::SqlxError(s)) => {
            match s.as_ref() {
                sea_orm::sqlx::Error::Io(_)
                | sea_orm::sqlx::Error::PoolTimedOut
                | sea_orm::sqlx::Error::PoolClosed
                | sea_orm::sqlx::Error::Tls(_)
                | sea_orm::sqlx::Error::Protocol(_)
                | sea_orm::sqlx::Error::WorkerCrashed => true,
                sea_orm::sqlx::Error::Database(d) => d
                    .code()
                    .is_some_and(|c| c.starts_with("08") || c.starts_with("57P")),
                _ => false,
            }
        }
        _ => false,
    }
}

/// Messages async-graphql gives when one of its own limits refuses a document.
const LIMIT_MESSAGES: &[&str] = &[
    "too complex",
    "nested too deep",
    "too deep",
    "cannot be greater than",
    "recursion limit exceeded",
    "too many",
];

/// A unique-key violation or a serialization failure: a conflicting concurrent write.
pub fn is_conflict(e: &sea_orm::DbErr) -> bool {
    if matches!(
        e.sql_err(),
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
    ) {
        return true;
    }
    let text = e.to_string();
    // PostgreSQL serialization failure / SQLite busy-locked under contention.
    text.contains("40001")
        || text.contains("could not serialize")
        || text.contains("database is locked")
}

/// The one place where errors become GraphQL errors: every error of a response gets its stable
/// `extensions.code`, and internal errors lose their text (it goes to the log with the request id).
pub fn finalize_error(err: &mut async_graphql::ServerError, request_id: &str) {
    // Loader errors arrive wrapped in an `Arc` (DataLoader shares one error among its callers).
    let app = err
        .source::<AppError>()
        .or_else(|| err.source::<std::sync::Arc<AppError>>().map(|a| a.as_ref()));
    if let Some(app) = app {
        let app = match app {
            AppError::Shared(e) => e.as_ref(),
            other => other,
        };
        let code = app.code();
        if matches!(code, "INTERNAL" | "SERVICE_UNAVAILABLE") {
            tracing::error!(request_id, error = %app, code, "request failed");
        }
        let message = app.public_message();
        let field = match app {
            AppError::BadInput { field, .. } => Some(field.clone()),
            _ => None,
        };
        err.message = message;
        let ext = err.extensions.get_or_insert_with(Default::default);
        ext.set("code", code);
        if let Some(field) = field {
            ext.set("field", field);
        }
        return;
    }
    let has_code = err
        .extensions
        .as_ref()
        .map(|e| e.get("code").is_some())
        .unwrap_or(false);
    if has_code {
        return;
    }
    let lower = err.message.to_ascii_lowercase();
    let code = if LIMIT_MESSAGES.iter().any(|m| lower.contains(m)) {
        "QUERY_TOO_COMPLEX"
    } else if let Some(field) = invalid_argument(&err.message) {
        // A scalar refused during validation: name the argument, and say what fits.
        let field = field.to_string();
        if let Some(rule) = scalar_rule(&err.message) {
            err.message = format!("{}: {rule}", err.message);
        }
        err.extensions
            .get_or_insert_with(Default::default)
            .set("field", field);
        "BAD_USER_INPUT"
    } else if err.message.starts_with("Failed to parse \"") {
        // A value coerced only when its field resolves (e.g. a DateTime): still the input's fault.
        tracing::info!(request_id, error = %err.message, "input value refused");
        "BAD_USER_INPUT"
    } else if err.path.is_empty() {
        // parse, validation and variable-coercion failures
        "BAD_USER_INPUT"
    } else {
        tracing::error!(request_id, error = %err.message, "unclassified resolver error");
        err.message = "internal error; the request id identifies it in the server log".to_string();
        "INTERNAL"
    };
    err.extensions
        .get_or_insert_with(Default::default)
        .set("code", code);
}

/// The argument (path) named by async-graphql's "Invalid value for argument" validation message.
fn invalid_argument(message: &str) -> Option<&str> {
    let rest = message.strip_prefix("Invalid value for argument \"")?;
    rest.split_once('"').map(|(name, _)| name)
}

/// What a value of the platform's own scalar named at the end of `message` must look like.
fn scalar_rule(message: &str) -> Option<&'static str> {
    use crate::graphql::scalars::{DATE_RULE, DATE_TIME_RULE, DECIMAL_RULE};
    if message.ends_with("expected type \"Decimal\"") {
        Some(DECIMAL_RULE)
    } else if message.ends_with("expected type \"DateTime\"") {
        Some(DATE_TIME_RULE)
    } else if message.ends_with("expected type \"Date\"") {
        Some(DATE_RULE)
    } else {
        None
    }
}
