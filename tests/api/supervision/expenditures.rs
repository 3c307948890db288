//! The expenditure lists (`expenditures`, `Project.expenditures`, `FundTransfer.expenditures`):
//! every filter and both paging directions against the stored rows, per role, and nested pages
//! that cost the same statements however many parents they sit under.
use super::*;
use crate::harness::{TestApp, token};
use entity::{expenditure, fund_transfer, region};
use pairing_api::auth::Role;
use sea_orm::EntityTrait;
use std::collections::HashMap;

const LIST: &str = "query($first: Int, $after: String, $last: Int, $before: String,
    $filter: ExpenditureFilter, $order: ExpenditureOrder) {
  expenditures(first: $first, after: $after, last: $last, before: $before, filter: $filter,
    orderBy: $order) {
    totalCount pageInfo { hasNextPage hasPreviousPage endCursor }
    nodes { id amount spentOn project { id } fundTransfer { id } } } }";

const README_EXAMPLE: &str = r#"{ expenditures(first: 20, filter: { regionCode: "520000", year: 2020 },
    orderBy: { field: SPENT_ON, direction: DESC }) {
    totalCount
    nodes { spentOn amount purpose voucherRef project { name } fundTransfer { referenceNo } } } }"#;

/// Every node of the list, paged forwards seven at a time, with its `totalCount`.
async fn every(app: &TestApp, who: Option<&str>, filter: Value, order: Value) -> (Vec<Value>, i64) {
    let mut out = Vec::new();
    let mut after = Value::Null;
    loop {
        let body = app
            .gql_as(
                who,
                LIST,
                json!({ "first": 7, "after": after, "filter": filter, "order": order }),
            )
            .await;
        let conn = &ok(&body)["expenditures"];
        out.extend(conn["nodes"].as_array().expect("nodes").iter().cloned());
        if conn["pageInfo"]["hasNextPage"] != true {
            return (out, conn["totalCount"].as_i64().expect("total"));
        }
        after = conn["pageInfo"]["endCursor"].clone();
    }
}

fn ids(nodes: &[Value]) -> Vec<String> {
    nodes
        .iter()
        .map(|n| n["id"].as_str().expect("id").to_string())
        .collect()
}

fn fen(v: &Value) -> i64 {
    let s = v.as_str().unwrap_or_else(|| panic!("a decimal: {v}"));
    let (yuan, cents) = s.split_once('.').expect("two decimals");
    yuan.parse::<i64>().expect("yuan") * 100 + cents.parse::<i64>().expect("fen")
}

struct Rows {
    spent: Vec<expenditure::Model>,
    transfers: HashMap<i64, fund_transfer::Model>,
    codes: HashMap<i64, String>,
}

impl Rows {
    async fn read(app: &TestApp) -> Rows {
        let mut spent = expenditure::Entity::find()
            .all(&app.db)
            .await
            .expect("expenditures");
        spent.sort_by_key(|e| e.id);
        let transfers = fund_transfer::Entity::find()
            .all(&app.db)
            .await
            .expect("transfers")
            .into_iter()
            .map(|t| (t.id, t))
            .collect();
        let codes = region::Entity::find()
            .all(&app.db)
            .await
            .expect("regions")
            .into_iter()
            .map(|r| (r.id, r.code))
            .collect();
        Rows {
            spent,
            transfers,
            codes,
        }
    }

    fn ids(&self, keep: impl Fn(&expenditure::Model) -> bool) -> Vec<String> {
        self.spent
            .iter()
            .filter(|e| keep(e))
            .map(|e| gid("Expenditure", e.id))
            .collect()
    }

    /// Whether the expenditure's transfer counts toward `year` and went to a region within
    /// `code`.
    fn of(&self, e: &expenditure::Model, code: &str, year: i32) -> bool {
        let t = &self.transfers[&e.fund_transfer_id];
        t.year == year && pairing_api::region_code::covers(code, &self.codes[&t.recipient_id])
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expenditure_lists_match_the_rows_for_every_filter_role_and_direction() {
    let app = TestApp::spawn().await;
    pairing_api::seed::load_demo(&app.db)
        .await
        .expect("load demo");
    let rows = Rows::read(&app).await;
    assert!(
        rows.spent.len() > 10,
        "the demo spends: {}",
        rows.spent.len()
    );
    let everything = rows.ids(|_| true);

    // Every authenticated role reads every expenditure, as `node(id:)` does; anonymous callers
    // read none.
    let viewer = viewer();
    for who in [
        viewer.clone(),
        token(Role::Admin, None, None),
        token(Role::Helper, Some("310000"), None),
        token(Role::Recipient, None, Some("520325")),
        token(Role::Recipient, None, Some("450000")),
    ] {
        let (nodes, total) = every(&app, Some(&who), Value::Null, Value::Null).await;
        assert_eq!(ids(&nodes), everything);
        assert_eq!(total, everything.len() as i64);
    }
    let body = app.gql_as(None, LIST, json!({ "first": 5 })).await;
    let conn = &ok(&body)["expenditures"];
    assert_eq!(conn["totalCount"], 0, "{body}");
    assert_eq!(conn["nodes"], json!([]), "{body}");

    // Each filter against the rows.
    let v = Some(viewer.as_str());
    let busiest = |key: fn(&expenditure::Model) -> i64| {
        let mut n: HashMap<i64, usize> = HashMap::new();
        for e in &rows.spent {
            *n.entry(key(e)).or_default() += 1;
        }
        n.into_iter()
            .max_by_key(|(id, c)| (*c, -id))
            .map(|(id, _)| id)
            .expect("some")
    };
    let project = busiest(|e| e.project_id);
    let transfer = busiest(|e| e.fund_transfer_id);
    let after = chrono::NaiveDate::from_ymd_opt(2020, 3, 1).expect("date");
    let before = chrono::NaiveDate::from_ymd_opt(2020, 9, 30).expect("date");
    let cases: Vec<(Value, Vec<String>)> = vec![
        (
            json!({ "projectId": gid("Project", project) }),
            rows.ids(|e| e.project_id == project),
        ),
        (
            json!({ "fundTransferId": gid("FundTransfer", transfer) }),
            rows.ids(|e| e.fund_transfer_id == transfer),
        ),
        (
            json!({ "regionCode": "520000", "year": 2020 }),
            rows.ids(|e| rows.of(e, "520000", 2020)),
        ),
        (
            json!({ "regionCode": "520325" }),
            rows.ids(|e| {
                let t = &rows.transfers[&e.fund_transfer_id];
                pairing_api::region_code::covers("520325", &rows.codes[&t.recipient_id])
            }),
        ),
        (
            json!({ "year": 2019 }),
            rows.ids(|e| rows.transfers[&e.fund_transfer_id].year == 2019),
        ),
        (
            json!({ "spentAfter": "2020-03-01", "spentBefore": "2020-09-30" }),
            rows.ids(|e| e.spent_on >= after && e.spent_on <= before),
        ),
    ];
    for (filter, expected) in cases {
        assert!(!expected.is_empty(), "{filter}: the demo has some");
        let (nodes, total) = every(&app, v, filter.clone(), Value::Null).await;
        assert_eq!(ids(&nodes), expected, "{filter}");
        assert_eq!(total, expected.len() as i64, "{filter}");
    }

    // A region's year of spending sums to its `assistance(year).spent`.
    let (nodes, _) = every(
        &app,
        v,
        json!({ "regionCode": "520000", "year": 2020 }),
        Value::Null,
    )
    .await;
    let listed: i64 = nodes.iter().map(|n| fen(&n["amount"])).sum();
    let body = app
        .gql(
            "{ region(code: \"520000\") { assistance(year: 2020) { spent } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        fen(&ok(&body)["region"]["assistance"]["spent"]),
        listed,
        "{body}"
    );
    // `spent` is read only when selected, however it is selected: directly, through a named or
    // inline fragment, or beside another selection of the same key.
    let statements = |q: &'static str| {
        let app = &app;
        async move {
            let before = app.sql_statements().await;
            let body = app.gql(q, json!({})).await;
            let a = ok(&body)["region"]["assistance"].clone();
            (app.sql_statements().await - before, a)
        }
    };
    let (without, plain) =
        statements("{ region(code: \"520000\") { assistance(year: 2020) { received } } }").await;
    assert!(plain.get("spent").is_none(), "{plain}");
    for q in [
        "{ region(code: \"520000\") { assistance(year: 2020) { received spent } } }",
        "{ region(code: \"520000\") { assistance(year: 2020) { received ...S } } }
         fragment S on RegionAssistance { spent }",
        "{ region(code: \"520000\") { assistance(year: 2020) { received ... on RegionAssistance { spent } } } }",
        "{ region(code: \"520000\") { assistance(year: 2020) { received } assistance(year: 2020) { spent } } }",
    ] {
        let (with, a) = statements(q).await;
        assert_eq!(fen(&a["spent"]), listed, "{q}: {a}");
        assert_eq!(a["received"], plain["received"], "{q}: {a}");
        assert!(
            with > without,
            "{q}: {with} statements, {without} without spent"
        );
    }

    // The README's example, as printed, on the demo: Guizhou's 2020 spending, latest first.
    let readme = include_str!("../../../README.md");
    assert!(
        readme.contains(README_EXAMPLE),
        "the README shows the example"
    );
    let body = app
        .gql_as(
            Some(&token(Role::Recipient, None, Some("520325"))),
            README_EXAMPLE,
            json!({}),
        )
        .await;
    let conn = &ok(&body)["expenditures"];
    let mut guizhou: Vec<&expenditure::Model> = rows
        .spent
        .iter()
        .filter(|e| rows.of(e, "520000", 2020))
        .collect();
    guizhou.sort_by_key(|e| std::cmp::Reverse((e.spent_on, e.id)));
    assert!(!guizhou.is_empty());
    assert_eq!(conn["totalCount"], guizhou.len(), "{body}");
    let dates: Vec<String> = guizhou
        .iter()
        .take(20)
        .map(|e| e.spent_on.to_string())
        .collect();
    let shown: Vec<String> = conn["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| n["spentOn"].as_str().expect("date").to_string())
        .collect();
    assert_eq!(shown, dates);

    // Ordered by date, latest first (ties by id), forwards and backwards.
    let mut by_date = rows.spent.clone();
    by_date.sort_by_key(|e| std::cmp::Reverse((e.spent_on, e.id)));
    let by_date: Vec<String> = by_date.iter().map(|e| gid("Expenditure", e.id)).collect();
    let order = json!({ "field": "SPENT_ON", "direction": "DESC" });
    let (nodes, _) = every(&app, v, Value::Null, order.clone()).await;
    assert_eq!(ids(&nodes), by_date);
    let body = app
        .gql_as(v, LIST, json!({ "last": 4, "order": order }))
        .await;
    let conn = &ok(&body)["expenditures"];
    assert_eq!(
        ids(conn["nodes"].as_array().expect("nodes")),
        by_date[by_date.len() - 4..].to_vec()
    );
    assert_eq!(conn["pageInfo"]["hasPreviousPage"], true);

    // Bad input names the argument.
    for (filter, field) in [
        (json!({ "projectId": "bogus" }), "filter.projectId"),
        (
            json!({ "fundTransferId": gid("Project", project) }),
            "filter.fundTransferId",
        ),
        (json!({ "regionCode": "52" }), "filter.regionCode"),
        (
            json!({ "spentAfter": "2020-05-01", "spentBefore": "2020-04-01" }),
            "filter.spentBefore",
        ),
    ] {
        let body = app
            .gql_as(v, LIST, json!({ "first": 1, "filter": filter }))
            .await;
        assert_error(&body, "BAD_USER_INPUT", Some(field));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nested_expenditure_pages_match_the_rows_and_are_batched() {
    let app = TestApp::spawn().await;
    pairing_api::seed::load_demo(&app.db)
        .await
        .expect("load demo");
    let rows = Rows::read(&app).await;
    let v = viewer();

    // Under transfers: each transfer's first two by id, with its count.
    let q = |n: usize| {
        format!(
            "{{ fundTransfers(first: {n}, filter: {{ year: 2020, status: RECEIVED }}) {{ nodes {{ id
                expenditures(first: 2) {{ totalCount pageInfo {{ hasNextPage }} nodes {{ id amount }} }} }} }} }}"
        )
    };
    let body = app.gql_as(Some(&v), &q(100), json!({})).await;
    let mut with_spending = 0;
    for t in ok(&body)["fundTransfers"]["nodes"]
        .as_array()
        .expect("nodes")
    {
        let id = t["id"].as_str().expect("id");
        let expected = rows.ids(|e| gid("FundTransfer", e.fund_transfer_id) == id);
        let page = &t["expenditures"];
        assert_eq!(page["totalCount"], expected.len(), "{t}");
        assert_eq!(
            ids(page["nodes"].as_array().expect("nodes")),
            expected.iter().take(2).cloned().collect::<Vec<_>>(),
            "{t}"
        );
        assert_eq!(page["pageInfo"]["hasNextPage"], expected.len() > 2, "{t}");
        with_spending += usize::from(!expected.is_empty());
    }
    assert!(with_spending > 1, "{with_spending}");

    // Under projects: the largest two first.
    let body = app
        .gql_as(
            Some(&v),
            "{ projects(first: 100) { nodes { id expenditures(first: 2,
                 orderBy: { field: AMOUNT, direction: DESC }) { totalCount nodes { id } } } } }",
            json!({}),
        )
        .await;
    for p in ok(&body)["projects"]["nodes"].as_array().expect("nodes") {
        let id = p["id"].as_str().expect("id");
        let mut mine: Vec<&expenditure::Model> = rows
            .spent
            .iter()
            .filter(|e| gid("Project", e.project_id) == id)
            .collect();
        mine.sort_by_key(|e| std::cmp::Reverse((e.amount_fen, e.id)));
        let expected: Vec<String> = mine
            .iter()
            .take(2)
            .map(|e| gid("Expenditure", e.id))
            .collect();
        assert_eq!(p["expenditures"]["totalCount"], mine.len(), "{p}");
        assert_eq!(
            ids(p["expenditures"]["nodes"].as_array().expect("nodes")),
            expected,
            "{p}"
        );
    }

    // Anonymous callers read the spent figures of publicized transfers, never the records.
    let body = app
        .gql(
            "{ fundTransfers(first: 20, filter: { publicizedOnly: true }) { nodes { spent
                 expenditures(first: 5) { totalCount nodes { id } } } } }",
            json!({}),
        )
        .await;
    let nodes = ok(&body)["fundTransfers"]["nodes"]
        .as_array()
        .expect("nodes");
    assert!(nodes.iter().any(|n| fen(&n["spent"]) > 0), "{body}");
    for n in nodes {
        assert_eq!(n["expenditures"]["totalCount"], 0, "{n}");
        assert_eq!(n["expenditures"]["nodes"], json!([]), "{n}");
    }

    // A page of 3 transfers and a page of 100 cost the same statements.
    let mut counts = Vec::new();
    for n in [3, 100] {
        let before = app.sql_statements().await;
        ok(&app.gql_as(Some(&v), &q(n), json!({})).await);
        counts.push(app.sql_statements().await - before);
    }
    assert_eq!(counts[0], counts[1], "{counts:?}");
}
