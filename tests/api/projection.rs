//! A page at the query's root reads only the columns its selection shows (for its rows and for
//! the related rows it hands its items). Every field, alone and together with others, answers as
//! the same object does when it is fetched whole by id.
use crate::harness::{TestApp, token};
use crate::plain::leaf_fields;
use pairing_api::auth::Role;
use serde_json::{Value, json};

/// The transfers of the first page under `selection` (with its `fragments`), and the same
/// transfers fetched by id.
async fn page_and_nodes(
    app: &TestApp,
    token: &str,
    selection: &str,
    fragments: &str,
) -> (Vec<Value>, Vec<Value>) {
    let page = app
        .gql_as(
            Some(token),
            &format!(
                "{{ fundTransfers(first: 100) {{ nodes {{ id {selection} }} }} }} {fragments}"
            ),
            json!({}),
        )
        .await;
    assert!(page.get("errors").is_none(), "{selection}: {page}");
    let items = page["data"]["fundTransfers"]["nodes"]
        .as_array()
        .expect("nodes")
        .clone();
    assert!(items.len() > 10, "the demo has transfers: {page}");
    let ids: Vec<&Value> = items.iter().map(|t| &t["id"]).collect();
    let whole = app
        .gql_as(
            Some(token),
            &format!(
                "query($ids: [ID!]!) {{ nodes(ids: $ids) {{ ... on FundTransfer {{ id {selection} }} }} }} {fragments}"
            ),
            json!({ "ids": ids }),
        )
        .await;
    assert!(whole.get("errors").is_none(), "{selection}: {whole}");
    let whole = whole["data"]["nodes"].as_array().expect("nodes").clone();
    (items, whole)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn root_pages_reading_some_columns_answer_as_whole_rows_do() {
    let app = TestApp::spawn().await;
    pairing_api::seed::load_demo(&app.db)
        .await
        .expect("load demo");
    let viewer = token(Role::Viewer, None, None);

    let mut selections: Vec<String> = leaf_fields(&app, "FundTransfer").await;
    for (relation, type_name) in [
        ("helper", "Organization"),
        ("recipient", "Region"),
        ("project", "Project"),
    ] {
        let fields = leaf_fields(&app, type_name).await;
        selections.extend(fields.iter().map(|f| format!("{relation} {{ {f} }}")));
        selections.push(format!("{relation} {{ {} }}", fields.join(" ")));
    }
    selections.extend([
        // Fields whose resolvers follow a key of the row.
        "pairingAgreement { id }".to_string(),
        "recipient { parent { code } province { name } }".to_string(),
        "helper { region { code } }".to_string(),
        "project { county { name } }".to_string(),
        // A field read whole (not mapped to columns), fragments and __typename.
        "recipient { code poverty { poor exitYear } }".to_string(),
        "__typename ... on FundTransfer { amount ...T }".to_string(),
    ]);
    let fragments = "fragment T on FundTransfer { status helper { __typename name } }";
    let mut compared = 0;
    for selection in &selections {
        let used = if selection.contains("...T") {
            fragments
        } else {
            ""
        };
        let (page, whole) = page_and_nodes(&app, &viewer, selection, used).await;
        assert_eq!(
            page, whole,
            "the page differs from whole rows under {selection}"
        );
        compared += page.len();
    }
    assert!(compared > 100 * 20, "{compared} items compared");

    // Cursors of a partial page (sorted by a column not selected) page on correctly.
    let list = |args: &str| {
        format!(
            "{{ fundTransfers({args}orderBy: {{ field: AMOUNT, direction: DESC }}) {{ edges {{ cursor node {{ referenceNo }} }} }} }}"
        )
    };
    let refs = |body: &Value| -> Vec<Value> {
        body["data"]["fundTransfers"]["edges"]
            .as_array()
            .expect("edges")
            .iter()
            .map(|e| e["node"]["referenceNo"].clone())
            .collect()
    };
    let ten = app
        .gql_as(Some(&viewer), &list("first: 10, "), json!({}))
        .await;
    let first = app
        .gql_as(Some(&viewer), &list("first: 5, "), json!({}))
        .await;
    let cursor = first["data"]["fundTransfers"]["edges"][4]["cursor"]
        .as_str()
        .expect("cursor")
        .to_string();
    let next = app
        .gql_as(
            Some(&viewer),
            &list(&format!("first: 5, after: \"{cursor}\", ")),
            json!({}),
        )
        .await;
    let mut paged = refs(&first);
    paged.extend(refs(&next));
    assert_eq!(paged, refs(&ten), "{first} {next}");
}
