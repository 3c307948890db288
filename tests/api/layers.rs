//! Dependencies point down: the shared machinery (GraphQL plumbing, HTTP, connections, auth,
//! limits, observability, region codes, configuration) names no domain module; only the schema's
//! assembly (`schema.rs`) and the server's start-up name them all.
use std::path::{Path, PathBuf};

const DOMAINS: &[&str] = &[
    "audit",
    "letter",
    "organization",
    "pairing",
    "personnel",
    "progress",
    "project",
    "region",
    "rollup",
    "transfer",
    "viewer",
    "schema",
    "seed",
];

const SHARED: &[&str] = &[
    "graphql",
    "http/executor.rs",
    "http/pipeline.rs",
    "http/transport.rs",
    "http/response.rs",
    "http/documents.rs",
    "http/cors.rs",
    "http/headers.rs",
    "http/socket.rs",
    "events",
    "connection.rs",
    "auth.rs",
    "db.rs",
    "error.rs",
    "limits.rs",
    "observability.rs",
    "region_code.rs",
    "write.rs",
    "config.rs",
    "web",
];

fn rust_files(path: &Path, out: &mut Vec<PathBuf>) {
    if path.is_dir() {
        for entry in std::fs::read_dir(path).expect("read the source folder") {
            rust_files(&entry.expect("a folder entry").path(), out);
        }
    } else if path.extension().is_some_and(|e| e == "rs") {
        out.push(path.to_path_buf());
    }
}

#[test]
fn shared_machinery_names_no_domain() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    for shared in SHARED {
        let path = src.join(shared);
        assert!(path.exists(), "{} exists", path.display());
        rust_files(&path, &mut files);
    }
    assert!(files.len() > 15, "{files:?}");
    let mut found = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).expect("read a source file");
        // Unit tests may use the assembled schema.
        let code = text.split("#[cfg(test)]").next().unwrap_or_default();
        for domain in DOMAINS {
            for needle in [format!("crate::{domain}::"), format!("crate::{domain};")] {
                if code.contains(&needle) {
                    found.push(format!("{} names {needle}", file.display()));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "shared modules import domains:\n{}",
        found.join("\n")
    );
}
