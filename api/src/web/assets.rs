//! The files the pages load, embedded in the binary so that the server needs no network.

/// An embedded file: its name under `/assets/`, media type and bytes.
pub struct Asset {
    pub name: &'static str,
    pub media_type: &'static str,
    pub bytes: &'static [u8],
}

macro_rules! asset {
    ($name:literal, $media_type:literal) => {
        Asset {
            name: $name,
            media_type: $media_type,
            bytes: include_bytes!(concat!("../../assets/", $name)),
        }
    };
}

/// Every file served under `/assets/` (origins and licences: `api/assets/SOURCES.md`).
pub static ASSETS: &[Asset] = &[
    asset!("dashboard.js", "text/javascript; charset=utf-8"),
    asset!("dashboard.css", "text/css; charset=utf-8"),
    asset!("graphiql.js", "text/javascript; charset=utf-8"),
    asset!("vendor/echarts.min.js", "text/javascript; charset=utf-8"),
    asset!("vendor/graphiql.min.js", "text/javascript; charset=utf-8"),
    asset!("vendor/graphiql.min.css", "text/css; charset=utf-8"),
    asset!(
        "vendor/react.production.min.js",
        "text/javascript; charset=utf-8"
    ),
    asset!(
        "vendor/react-dom.production.min.js",
        "text/javascript; charset=utf-8"
    ),
];

/// The embedded file with this name.
pub fn find(name: &str) -> Option<&'static Asset> {
    ASSETS.iter().find(|a| a.name == name)
}

/// The dashboard page.
pub const DASHBOARD_HTML: &str = include_str!("../../assets/dashboard.html");
/// The GraphiQL page.
pub const GRAPHIQL_HTML: &str = include_str!("../../assets/graphiql.html");
