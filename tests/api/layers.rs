//! Dependencies point down: the shared machinery (GraphQL plumbing, batching, HTTP, connections,
//! auth, limits, observability, region codes, global ids, configuration) names no domain module;
//! only the schema's assembly (`schema.rs`) and the server's start-up name them all. Services sit
//! below the GraphQL layer: they name neither it nor a resolver's `Context`.
use std::path::{Path, PathBuf};

/// Modules that name domains by design, beside the domain folders themselves.
const ASSEMBLY: &[&str] = &["viewer", "schema", "seed", "export", "subscription"];

const SHARED: &[&str] = &[
    "graphql",
    "batch",
    "http/executor.rs",
    "http/pipeline.rs",
    "http/transport.rs",
    "http/response.rs",
    "http/documents.rs",
    "http/cors.rs",
    "http/headers.rs",
    "http/socket.rs",
    "events",
    "connection",
    "auth.rs",
    "db.rs",
    "error.rs",
    "global_id.rs",
    "limits.rs",
    "observability.rs",
    "region_code.rs",
    "write.rs",
    "config.rs",
    "web",
];

/// What a service must not name: the GraphQL layer above it.
const ABOVE_SERVICES: &[&str] = &["crate::graphql", "async_graphql::Context", "Context<'_>"];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(path: &Path, out: &mut Vec<PathBuf>) {
    if path.is_dir() {
        for entry in std::fs::read_dir(path).expect("read the source folder") {
            rust_files(&entry.expect("a folder entry").path(), out);
        }
    } else if path.extension().is_some_and(|e| e == "rs") {
        out.push(path.to_path_buf());
    }
}

/// The domain folders: those with a service (`service.rs` or `service/`).
fn domains(src: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(src).expect("read the source folder") {
        let path = entry.expect("a folder entry").path();
        if path.join("service.rs").exists() || path.join("service").is_dir() {
            let name = path.file_name().expect("a folder name");
            out.push(name.to_string_lossy().into_owned());
        }
    }
    out.sort();
    out
}

/// The code of a file without its unit tests, which may use the assembled schema.
fn code_of(file: &Path) -> String {
    let text = std::fs::read_to_string(file).expect("read a source file");
    text.split("#[cfg(test)]")
        .next()
        .unwrap_or_default()
        .to_string()
}

#[test]
fn the_domains_are_found() {
    let domains = domains(&src());
    for d in ["transfer", "region", "letter", "audit", "dispute", "rollup"] {
        assert!(domains.iter().any(|x| x == d), "{d} in {domains:?}");
    }
    assert!(!domains.iter().any(|x| x == "graphql" || x == "http"));
}

#[test]
fn shared_machinery_names_no_domain() {
    let src = src();
    let names: Vec<String> = domains(&src)
        .into_iter()
        .chain(ASSEMBLY.iter().map(|s| s.to_string()))
        .collect();
    let mut files = Vec::new();
    for shared in SHARED {
        let path = src.join(shared);
        assert!(path.exists(), "{} exists", path.display());
        rust_files(&path, &mut files);
    }
    assert!(files.len() > 15, "{files:?}");
    let mut found = Vec::new();
    for file in &files {
        let code = code_of(file);
        for domain in &names {
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

#[test]
fn services_name_no_graphql() {
    let src = src();
    let mut files = Vec::new();
    for domain in domains(&src) {
        let folder = src.join(&domain);
        for part in ["service.rs", "service"] {
            if folder.join(part).exists() {
                rust_files(&folder.join(part), &mut files);
            }
        }
    }
    assert!(files.len() > 10, "{files:?}");
    let mut found = Vec::new();
    for file in &files {
        let code = code_of(file);
        for needle in ABOVE_SERVICES {
            if code.contains(needle) {
                found.push(format!("{} names {needle}", file.display()));
            }
        }
    }
    assert!(
        found.is_empty(),
        "services import the GraphQL layer:\n{}",
        found.join("\n")
    );
}
