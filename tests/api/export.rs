//! Downloads against the API: the CSV exports hold exactly what the API lists for the same filter
//! and the same caller, the IATI export validates against the official schemas, bad parameters
//! are a 400 naming the parameter; the pages and their assets are served by the binary itself.
use crate::harness::{TestApp, token};
use pairing_api::auth::Role;
use serde_json::{Value, json};
use std::collections::BTreeMap;

const BOM: &str = "\u{feff}";

/// Every transfer the API lists for `filter` to this caller, page by page, as CSV-like rows.
async fn api_transfers(app: &TestApp, token: Option<&str>, filter: Value) -> Vec<Vec<String>> {
    let query = "query($f: FundTransferFilter, $after: String) {
        fundTransfers(first: 100, after: $after, filter: $f) {
          pageInfo { hasNextPage endCursor }
          nodes { referenceNo year category status amount helper { code } recipient { code name }
                  allocatedOn receivedOn publicizedOn }
        } }";
    let mut out = Vec::new();
    let mut after = Value::Null;
    loop {
        let r = app
            .gql_as(token, query, json!({ "f": filter, "after": after }))
            .await;
        assert!(r.get("errors").is_none(), "{r}");
        let list = &r["data"]["fundTransfers"];
        for n in list["nodes"].as_array().expect("nodes") {
            let s = |v: &Value| v.as_str().unwrap_or_default().to_string();
            out.push(vec![
                s(&n["referenceNo"]),
                n["year"].to_string(),
                s(&n["category"]),
                s(&n["status"]),
                s(&n["amount"]),
                s(&n["helper"]["code"]),
                s(&n["recipient"]["code"]),
                s(&n["recipient"]["name"]),
                s(&n["allocatedOn"]),
                s(&n["receivedOn"]),
                s(&n["publicizedOn"]),
            ]);
        }
        if list["pageInfo"]["hasNextPage"] != json!(true) {
            return out;
        }
        after = list["pageInfo"]["endCursor"].clone();
    }
}

struct Download {
    status: u16,
    content_type: String,
    disposition: String,
    length: Option<u64>,
    body: String,
}

async fn get(app: &TestApp, path: &str, token: Option<&str>) -> Download {
    let mut req = app.client.get(app.url(path));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let r = req.send().await.expect("request");
    let header = |name: &str| {
        r.headers()
            .get(name)
            .map(|v| v.to_str().unwrap_or_default().to_string())
            .unwrap_or_default()
    };
    Download {
        status: r.status().as_u16(),
        content_type: header("content-type"),
        disposition: header("content-disposition"),
        length: r.content_length(),
        body: r.text().await.expect("body"),
    }
}

/// The CSV's header and rows (the body must start with the BOM).
fn parse_csv(body: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let text = body.strip_prefix(BOM).expect("UTF-8 BOM first");
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header = reader
        .headers()
        .expect("header")
        .iter()
        .map(str::to_string)
        .collect();
    let rows = reader
        .records()
        .map(|r| r.expect("record").iter().map(str::to_string).collect())
        .collect();
    (header, rows)
}

/// The columns of the transfers CSV that `api_transfers` reads.
fn comparable(header: &[String], rows: &[Vec<String>]) -> Vec<Vec<String>> {
    let cols = [
        "referenceNo",
        "year",
        "category",
        "status",
        "amount",
        "helperCode",
        "recipientCode",
        "recipientName",
        "allocatedOn",
        "receivedOn",
        "publicizedOn",
    ]
    .map(|c| header.iter().position(|h| h == c).expect(c));
    rows.iter()
        .map(|r| cols.iter().map(|&i| r[i].clone()).collect())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn csv_exports_hold_what_the_api_lists_for_the_caller() {
    let app = TestApp::spawn().await;
    pairing_api::seed::load_demo(&app.db)
        .await
        .expect("load demo");
    let viewer = token(Role::Viewer, None, None);

    // Transfers: the same rows in the same order as the API's list, for each caller.
    let path = "/export/fund-transfers.csv?helperCode=310000";
    let filter = json!({ "helperCode": "310000" });
    let mut counts = Vec::new();
    for caller in [None, Some(viewer.as_str())] {
        let d = get(&app, path, caller).await;
        assert_eq!(d.status, 200, "{}", d.body);
        assert_eq!(d.content_type, "text/csv; charset=utf-8");
        assert!(
            d.disposition.contains("fund-transfers.csv"),
            "{}",
            d.disposition
        );
        assert_eq!(d.length, None, "the body is streamed, not sized up front");
        let (header, rows) = parse_csv(&d.body);
        let expected = api_transfers(&app, caller, filter.clone()).await;
        assert!(
            expected.len() > 100,
            "more than one page: {}",
            expected.len()
        );
        assert_eq!(comparable(&header, &rows), expected);
        counts.push(rows.len());
        // Amounts in yuan with two decimals.
        let amount = header.iter().position(|h| h == "amount").expect("amount");
        assert!(rows.iter().all(|r| {
            let (yuan, fen) = r[amount].split_once('.').expect("a decimal point");
            !yuan.is_empty() && fen.len() == 2
        }));
    }
    // Anonymous callers see publicized transfers only, as in the API.
    assert!(counts[0] < counts[1], "{counts:?}");

    // Every filter of the API is a parameter: status and category narrow the same way.
    let d = get(
        &app,
        "/export/fund-transfers.csv?year=2020&provinceCode=530000&status=RECEIVED&category=FISCAL_AID&publicizedOnly=true",
        Some(&viewer),
    )
    .await;
    let (header, rows) = parse_csv(&d.body);
    let expected = api_transfers(
        &app,
        Some(&viewer),
        json!({ "year": 2020, "provinceCode": "530000", "status": "RECEIVED",
                "category": "FISCAL_AID", "publicizedOnly": true }),
    )
    .await;
    assert!(!expected.is_empty());
    assert_eq!(comparable(&header, &rows), expected);

    // A rejected token is refused, as by the API.
    let d = get(&app, path, Some("not-a-token")).await;
    assert_eq!(d.status, 401, "{}", d.body);

    // Fund flows: the groups and sums of `fundFlows`.
    let d = get(
        &app,
        "/export/fund-flows.csv?years=2020&helperCode=310000&groupBy=QUARTER,RECIPIENT_COUNTY",
        None,
    )
    .await;
    assert_eq!(d.status, 200, "{}", d.body);
    let (header, rows) = parse_csv(&d.body);
    assert_eq!(
        header,
        [
            "quarter",
            "recipientCountyCode",
            "recipientCountyName",
            "amount",
            "count"
        ]
    );
    let r = app
        .gql(
            r#"{ fundFlows(filter: { years: [2020], helperCode: "310000" },
                           groupBy: [QUARTER, RECIPIENT_COUNTY]) {
                   quarter recipientCounty { code name } amount count } }"#,
            json!({}),
        )
        .await;
    let expected: Vec<Vec<String>> = r["data"]["fundFlows"]
        .as_array()
        .expect("groups")
        .iter()
        .map(|g| {
            vec![
                g["quarter"].to_string(),
                g["recipientCounty"]["code"]
                    .as_str()
                    .unwrap_or_default()
                    .into(),
                g["recipientCounty"]["name"]
                    .as_str()
                    .unwrap_or_default()
                    .into(),
                g["amount"].as_str().unwrap_or_default().into(),
                g["count"].to_string(),
            ]
        })
        .collect();
    assert!(expected.len() > 4, "{r}");
    assert_eq!(rows, expected);

    // Without groupBy: one row with the grand total, as the API answers.
    let d = get(&app, "/export/fund-flows.csv?years=2020", None).await;
    let (header, rows) = parse_csv(&d.body);
    let r = app
        .gql(
            "{ fundFlows(filter: { years: [2020] }) { amount count } }",
            json!({}),
        )
        .await;
    assert_eq!(header, ["amount", "count"]);
    assert_eq!(
        rows,
        [[
            r["data"]["fundFlows"][0]["amount"]
                .as_str()
                .expect("amount")
                .to_string(),
            r["data"]["fundFlows"][0]["count"].to_string()
        ]]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_export_parameters_are_a_400_naming_the_parameter() {
    let app = TestApp::spawn().await;
    for (path, parameter) in [
        ("/export/fund-transfers.csv?year=abc", "year"),
        ("/export/fund-transfers.csv?year=2020&year=2019", "year"),
        ("/export/fund-transfers.csv?status=PAID", "status"),
        (
            "/export/fund-transfers.csv?publicizedOnly=yes",
            "publicizedOnly",
        ),
        (
            "/export/fund-transfers.csv?recipientCode=12",
            "recipientCode",
        ),
        ("/export/fund-transfers.csv?helper=310000", "helper"),
        ("/export/fund-flows.csv?years=2020,x", "years"),
        ("/export/fund-flows.csv?groupBy=QUARTER,QUARTER", "groupBy"),
        ("/export/fund-flows.csv?groupBy=COUNTY", "groupBy"),
        ("/export/fund-flows.csv?fromYear=1800", "fromYear"),
        ("/export/fund-flows.csv?provinceCode=5300", "provinceCode"),
        ("/export/iati/activities.xml?year=2020", "helper"),
        ("/export/iati/activities.xml?helper=310000", "year"),
        ("/export/iati/activities.xml?helper=310000&year=20x", "year"),
        (
            "/export/iati/activities.xml?helper=NOPE&year=2020",
            "helper",
        ),
        (
            "/export/iati/activities.xml?helper=310000&year=2020&format=csv",
            "format",
        ),
    ] {
        let d = get(&app, path, None).await;
        assert_eq!(d.status, 400, "{path}: {}", d.body);
        assert!(d.content_type.starts_with("text/plain"), "{path}");
        assert!(
            d.body.starts_with(&format!("{parameter}: ")),
            "{path}: {}",
            d.body
        );
    }
}

/// Runs `xmllint --schema` on a document; the report on failure.
fn validate_iati(xml: &str) -> Result<(), String> {
    let dir = std::env::temp_dir().join(format!("iati-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("activities.xml");
    std::fs::write(&file, xml).expect("write");
    let schema = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../data/iati/iati-activities-schema.xsd");
    let out = std::process::Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(&schema)
        .arg(&file)
        .output()
        .expect("xmllint runs (Debian package libxml2-utils)");
    let _ = std::fs::remove_dir_all(&dir);
    match out.status.success() {
        true => Ok(()),
        false => Err(String::from_utf8_lossy(&out.stderr).into_owned()),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn iati_export_validates_and_holds_the_publicized_disbursements() {
    let app = TestApp::spawn().await;
    pairing_api::seed::load_demo(&app.db)
        .await
        .expect("load demo");
    // The checker itself rejects a document that breaks the schema.
    let broken = "<?xml version=\"1.0\"?><iati-activities version=\"2.03\"><iati-activity/></iati-activities>";
    assert!(validate_iati(broken).is_err());

    for (helper, year) in [("310000", 2020), ("CU-MOE", 2019)] {
        let d = get(
            &app,
            &format!("/export/iati/activities.xml?helper={helper}&year={year}"),
            None,
        )
        .await;
        assert_eq!(d.status, 200, "{}", d.body);
        assert_eq!(d.content_type, "application/xml; charset=utf-8");
        validate_iati(&d.body).unwrap_or_else(|e| panic!("{helper} {year}: {e}"));

        // One activity per pairing with publicized, paid-out transfers; each such transfer a
        // disbursement of its amount.
        let r = app
            .gql(
                "query($f: FundTransferFilter) { fundTransfers(first: 100, filter: $f) {
                    pageInfo { hasNextPage }
                    nodes { referenceNo amount status allocatedOn pairingAgreement { id } } } }",
                json!({ "f": { "helperCode": helper, "year": year, "publicizedOnly": true } }),
            )
            .await;
        let list = &r["data"]["fundTransfers"];
        assert_eq!(
            list["pageInfo"]["hasNextPage"],
            json!(false),
            "one page: {r}"
        );
        let paid: Vec<&Value> = list["nodes"]
            .as_array()
            .expect("nodes")
            .iter()
            .filter(|n| n["status"] == "ALLOCATED" || n["status"] == "RECEIVED")
            .collect();
        assert!(!paid.is_empty(), "{helper} {year}");
        let mut pairings = BTreeMap::new();
        for n in &paid {
            *pairings
                .entry(n["pairingAgreement"]["id"].to_string())
                .or_insert(0) += 1;
            let reference = n["referenceNo"].as_str().expect("ref");
            let transaction = format!(
                "<transaction ref=\"{reference}\">\n      <transaction-type code=\"3\"/>\n      <transaction-date iso-date=\"{d}\"/>\n      <value value-date=\"{d}\">{a}</value>",
                d = n["allocatedOn"].as_str().expect("allocated"),
                a = n["amount"].as_str().expect("amount"),
            );
            assert!(d.body.contains(&transaction), "{transaction}");
        }
        assert_eq!(d.body.matches("<transaction ").count(), paid.len());
        assert_eq!(d.body.matches("<iati-activity ").count(), pairings.len());
    }

    // The schema wants at least one activity: a year without publicized transfers is a 404.
    let d = get(
        &app,
        "/export/iati/activities.xml?helper=310000&year=2010",
        None,
    )
    .await;
    assert_eq!(d.status, 404, "{}", d.body);
    assert!(
        d.body
            .contains("publicized transfers of helper 310000 in 2010 not found"),
        "{}",
        d.body
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_and_their_assets_are_served_by_the_binary() {
    let app = TestApp::spawn().await;
    let html = |path: &'static str| {
        let app = &app;
        async move {
            let r = app
                .client
                .get(app.url(path))
                .header("accept", "text/html")
                .send()
                .await
                .expect("page");
            assert_eq!(r.status(), 200, "{path}");
            let csp = r.headers()["content-security-policy"]
                .to_str()
                .expect("csp")
                .to_string();
            // Scripts only from this server.
            assert!(csp.contains("script-src 'self';"), "{csp}");
            r.text().await.expect("html")
        }
    };
    let dashboard = html("/").await;
    let graphiql = html("/graphql").await;
    assert!(dashboard.contains("/assets/vendor/echarts.min.js"));
    assert!(
        dashboard.contains("href=\"/graphql\"") && dashboard.contains("href=\"/schema.graphql\"")
    );
    assert!(graphiql.contains("/assets/vendor/graphiql.min.js"));
    for page in [&dashboard, &graphiql] {
        assert!(
            !page.contains("https://") && !page.contains("http://"),
            "{page}"
        );
        // Every file a page loads is served, with its media type.
        for part in page.split("=\"/assets/").skip(1) {
            let name = part.split('"').next().expect("a quoted path");
            let r = app
                .client
                .get(app.url(&format!("/assets/{name}")))
                .send()
                .await
                .expect("asset");
            assert_eq!(r.status(), 200, "{name}");
            let ty = r.headers()["content-type"]
                .to_str()
                .expect("type")
                .to_string();
            let expected = if name.ends_with(".css") {
                "text/css"
            } else {
                "text/javascript"
            };
            assert!(ty.starts_with(expected), "{name}: {ty}");
            assert!(r.bytes().await.expect("bytes").len() > 100, "{name}");
        }
    }
    let r = app
        .client
        .get(app.url("/assets/../Cargo.toml"))
        .send()
        .await
        .expect("request");
    assert_eq!(r.status(), 404);

    // The SDL is the checked-in schema.
    let sdl = app
        .client
        .get(app.url("/schema.graphql"))
        .send()
        .await
        .expect("sdl")
        .text()
        .await
        .expect("text");
    let checked_in = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../schema.graphql"),
    )
    .expect("schema.graphql");
    assert_eq!(sdl, checked_in);
}
