//! List items written by the direct path (plain selections) answer exactly as the executor does
//! (the same selections behind fragments, which always take the executor). The field lists come
//! from introspection, so a field added to a type is compared without touching this test.
use crate::harness::{TestApp, token};
use pairing_api::auth::Role;
use serde_json::{Value, json};

/// The argument-free fields of `type_name` whose type is a scalar or an enum.
pub(crate) async fn leaf_fields(app: &TestApp, type_name: &str) -> Vec<String> {
    let q = r#"query($t: String!) { __type(name: $t) { fields {
        name args { name } type { kind ofType { kind ofType { kind } } } } } }"#;
    let body = app.gql(q, json!({ "t": type_name })).await;
    let fields = body["data"]["__type"]["fields"]
        .as_array()
        .unwrap_or_else(|| panic!("introspection of {type_name}: {body}"));
    let mut out = Vec::new();
    for f in fields {
        let mut ty = &f["type"];
        while ty["kind"] == "NON_NULL" || ty["kind"] == "LIST" {
            ty = &ty["ofType"];
        }
        let leaf = ty["kind"] == "SCALAR" || ty["kind"] == "ENUM";
        if leaf && f["args"].as_array().is_some_and(|a| a.is_empty()) {
            out.push(f["name"].as_str().expect("field name").to_string());
        }
    }
    assert!(out.len() >= 3, "{type_name} has leaf fields: {out:?}");
    out
}

/// A selection of `fields`, written plainly or behind a fragment on `on` (forcing the executor).
fn selection(on: &str, fields: &str, fragment: bool) -> String {
    if fragment {
        format!("{{ ... on {on} {{ {fields} }} }}")
    } else {
        format!("{{ {fields} }}")
    }
}

async fn both_paths(app: &TestApp, token: Option<&str>, build: impl Fn(bool) -> String) -> Value {
    let plain = app.gql_as(token, &build(false), json!({})).await;
    let executor = app.gql_as(token, &build(true), json!({})).await;
    assert!(plain.get("errors").is_none(), "{plain}");
    assert_eq!(plain, executor, "plain path differs from the executor");
    plain
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_list_items_answer_as_the_executor_does() {
    let app = TestApp::spawn().await;
    pairing_api::seed::load_demo(&app.db)
        .await
        .expect("load demo");
    let viewer = token(Role::Viewer, None, None);
    let all = |t: &[String]| t.join(" ");
    let transfer = all(&leaf_fields(&app, "FundTransfer").await);
    let organization = all(&leaf_fields(&app, "Organization").await);
    let region = all(&leaf_fields(&app, "Region").await);
    let project = all(&leaf_fields(&app, "Project").await);

    // Transfers with every leaf field and their helper, recipient and project, through edges
    // and nodes, anonymously (publicized only) and as a viewer.
    let transfer_fields = |f: bool| {
        format!(
            "__typename {transfer} helper {} recipient {} project {}",
            selection("Organization", &organization, f),
            selection("Region", &region, f),
            selection("Project", &project, f),
        )
    };
    for caller in [None, Some(viewer.as_str())] {
        let body = both_paths(&app, caller, |f| {
            format!(
                "{{ fundTransfers(first: 100) {{ edges {{ cursor node {} }} nodes {} }} }}",
                selection("FundTransfer", &transfer_fields(f), f),
                selection("FundTransfer", &transfer_fields(f), f),
            )
        })
        .await;
        let edges = body["data"]["fundTransfers"]["edges"]
            .as_array()
            .expect("edges");
        assert!(!edges.is_empty(), "the demo has transfers: {body}");
        if caller.is_some() {
            assert!(
                edges.iter().any(|e| e["node"]["project"].is_null())
                    && edges.iter().any(|e| !e["node"]["project"].is_null()),
                "the page has transfers with and without a project"
            );
        }
    }

    // Aliases, __typename, and a repeated response key (merged by the executor).
    both_paths(&app, Some(&viewer), |f| {
        format!(
            "{{ fundTransfers(first: 30, orderBy: {{ field: AMOUNT, direction: DESC }}) {{ edges {{ c: cursor node {} }} }} }}",
            selection(
                "FundTransfer",
                &format!(
                    "t: __typename r: referenceNo referenceNo h: helper {} helper {} helper {}",
                    selection("Organization", "n: name __typename", f),
                    selection("Organization", "code", f),
                    selection("Organization", "name", f),
                ),
                f
            )
        )
    })
    .await;

    // Pages nested under a parent, and the other lists with a direct path.
    both_paths(&app, Some(&viewer), |f| {
        format!(
            "{{ pairingAgreements(first: 5) {{ nodes {{ fundTransfers(first: 10) {{ edges {{ node {} }} }} }} }} }}",
            selection("FundTransfer", &transfer_fields(f), f)
        )
    })
    .await;
    // Progress indicators, under a page of helpers and under each helper's pairings.
    let indicator = all(&leaf_fields(&app, "IndicatorProgress").await);
    let body = both_paths(&app, Some(&viewer), |f| {
        let indicators = selection("IndicatorProgress", &indicator, f);
        format!(
            "{{ organizations(first: 20) {{ nodes {{ code progress(year: 2019) {{ indicators {indicators} }}
                pairings(first: 5) {{ nodes {{ progress(year: 2018, verifiedOnly: true) {{ indicators {indicators} }} }} }} }} }} }}"
        )
    })
    .await;
    let rates: Vec<&Value> = body["data"]["organizations"]["nodes"]
        .as_array()
        .expect("organizations")
        .iter()
        .flat_map(|o| o["progress"]["indicators"].as_array().expect("indicators"))
        .map(|i| &i["completionRate"])
        .collect();
    assert!(
        rates.iter().any(|r| r.is_f64()),
        "the helpers' indicators have completion rates: {rates:?}"
    );

    for (list, on, fields) in [
        ("regions", "Region", &region),
        ("organizations", "Organization", &organization),
        ("projects", "Project", &project),
    ] {
        both_paths(&app, Some(&viewer), |f| {
            format!(
                "{{ {list}(first: 100) {{ edges {{ cursor node {} }} }} }}",
                selection(on, fields, f)
            )
        })
        .await;
    }
}
