//! The cache of parsed documents.
use async_graphql::parser::types::ExecutableDocument;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

/// Parsed documents by query text. Portals send the same few queries over and over with other
/// variables; parsing was a tenth of the server's CPU on a small query. Only documents that
/// passed every check are kept; the limits that depend on variables are still
/// checked on every request. Bounded: at most 64 documents of at most 1 KiB of text each (a
/// parsed document takes some tens of times its text).
pub struct DocumentCache(std::sync::Mutex<lru::LruCache<String, KnownDocument>>);

/// A cached document, and whether it has passed async-graphql's full validation.
#[derive(Clone)]
pub(super) struct KnownDocument {
    pub(super) doc: ExecutableDocument,
    pub(super) validated: Arc<AtomicBool>,
}

impl DocumentCache {
    const CAPACITY: usize = 64;
    const MAX_QUERY_BYTES: usize = 1024;

    pub(super) fn new() -> Self {
        let capacity =
            std::num::NonZeroUsize::new(Self::CAPACITY).unwrap_or(std::num::NonZeroUsize::MIN);
        DocumentCache(std::sync::Mutex::new(lru::LruCache::new(capacity)))
    }

    pub(super) fn get(&self, query: &str) -> Option<KnownDocument> {
        self.0.lock().ok()?.get(query).cloned()
    }

    /// Keeps `doc`; returns its flag to set once it passes the full validation.
    pub(super) fn put(&self, query: &str, doc: &ExecutableDocument) -> Option<Arc<AtomicBool>> {
        if query.len() > Self::MAX_QUERY_BYTES {
            return None;
        }
        let validated = Arc::new(AtomicBool::new(false));
        let known = KnownDocument {
            doc: doc.clone(),
            validated: validated.clone(),
        };
        self.0.lock().ok()?.put(query.to_string(), known);
        Some(validated)
    }
}
