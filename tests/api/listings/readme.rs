//! The README's listed-supervision examples, run as printed on the demo.
use super::*;

/// The README's listed-supervision examples: each query with the answer printed after it.
fn readme_examples() -> Vec<(String, Value)> {
    let readme = include_str!("../../../README.md");
    let start = readme
        .find("### Listed supervision: counties and villages")
        .expect("the section");
    let section = &readme[start..];
    let section = &section[..section.find("\n## ").expect("the section's end")];
    let mut out = Vec::new();
    let mut rest = section;
    while let Some(i) = rest.find("```graphql\n") {
        let after = &rest[i + "```graphql\n".len()..];
        let end = after.find("```").expect("the query's end");
        let query = after[..end].to_string();
        let after = &after[end + 3..];
        let j = after.find("```json\n").expect("the printed answer");
        let answer = &after[j + "```json\n".len()..];
        let k = answer.find("```").expect("the answer's end");
        let printed: Value = serde_json::from_str(&answer[..k]).expect("printed JSON");
        out.push((query, printed));
        rest = &answer[k + 3..];
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_readme_examples_answer_as_printed_on_the_demo() {
    let app = TestApp::spawn().await;
    pairing_api::seed::load_demo(&app.db)
        .await
        .expect("load demo");
    let callers = [
        None,
        Some(admin()),
        Some(admin()),
        Some(token(Role::Recipient, None, Some("530000"))),
        Some(token(Role::Recipient, None, Some("533301"))),
    ];
    let examples = readme_examples();
    assert_eq!(examples.len(), callers.len());
    for ((query, printed), caller) in examples.into_iter().zip(callers) {
        let body = app.gql_as(caller.as_deref(), &query, json!({})).await;
        assert_eq!(body, printed, "{query}");
    }
}
