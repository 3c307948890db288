//! Item 3: who acted (token subjects) is shown to AUDITOR, ADMIN and the acting party itself;
//! everyone else, anonymous callers included, sees the acting organization or region only.
use super::ok;
use crate::fixtures::world;
use crate::harness::{TestApp, token};
use crate::writes::gid;
use pairing_api::auth::Role;
use sea_orm::{ActiveModelTrait, NotSet, Set};
use serde_json::{Value, json};

const LETTER: &str = "query($id: ID!) { node(id: $id) { ... on ResponsibilityLetter {
  submittedBy submittedByOrganization { code } signedBy
  revisions { actor organization { code } } } } }";
const REPORTS: &str = "{ progressReports(filter: { year: 2019 }) { nodes {
  reportedBy reportedByOrganization { code } verifiedBy verifiedByRegion { code } } } }";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subjects_are_shown_only_to_auditors_admins_and_the_acting_party() {
    let app = TestApp::spawn().await;
    let w = world(&app.db).await;
    entity::letter_revision::ActiveModel {
        id: NotSet,
        letter_id: Set(w.letter_2019),
        version: Set(1),
        commitments: Set("[]".into()),
        rationale: Set(None),
        actor: Set("staff-0042@sh.example".into()),
        created_at: Set(chrono::Utc::now()),
    }
    .insert(&app.db)
    .await
    .expect("insert revision");
    let id = json!({ "id": gid("ResponsibilityLetter", w.letter_2019) });
    let letter = |body: &Value| body["data"]["node"].clone();
    let report = |body: &Value| ok(body)["progressReports"]["nodes"][0].clone();

    let callers: Vec<(&str, Option<String>, bool, bool, bool)> = vec![
        // (who, token, sees the helper's subjects, the signer, the verifier)
        ("anonymous", None, false, false, false),
        (
            "viewer",
            Some(token(Role::Viewer, None, None)),
            false,
            false,
            false,
        ),
        (
            "another helper",
            Some(token(Role::Helper, Some("440000"), None)),
            false,
            false,
            false,
        ),
        (
            "another recipient",
            Some(token(Role::Recipient, None, Some("450000"))),
            false,
            false,
            false,
        ),
        (
            "the helper",
            Some(token(Role::Helper, Some("310000"), None)),
            true,
            false,
            false,
        ),
        (
            "the recipient",
            Some(token(Role::Recipient, None, Some("530000"))),
            false,
            false,
            true,
        ),
        (
            "auditor",
            Some(token(Role::Auditor, None, None)),
            true,
            true,
            true,
        ),
        (
            "admin",
            Some(token(Role::Admin, None, None)),
            true,
            true,
            true,
        ),
    ];
    for (who, t, helper_side, signer, verifier) in callers {
        let body = app.gql_as(t.as_deref(), LETTER, id.clone()).await;
        assert!(body.get("errors").is_none(), "{who}: {body}");
        let l = letter(&body);
        let shown = |v: &str| if helper_side { json!(v) } else { Value::Null };
        assert_eq!(l["submittedBy"], shown("helper"), "{who}: {body}");
        assert_eq!(
            l["revisions"][0]["actor"],
            shown("staff-0042@sh.example"),
            "{who}"
        );
        assert_eq!(
            l["signedBy"],
            if signer { json!("admin") } else { Value::Null },
            "{who}"
        );
        // Everyone sees the acting organization.
        assert_eq!(l["submittedByOrganization"]["code"], "310000", "{who}");
        assert_eq!(l["revisions"][0]["organization"]["code"], "310000", "{who}");

        // Progress reports are not public: anonymous callers see none.
        let body = app.gql_as(t.as_deref(), REPORTS, json!({})).await;
        if t.is_none() {
            assert_eq!(ok(&body)["progressReports"]["nodes"], json!([]), "{body}");
            continue;
        }
        let r = report(&body);
        assert_eq!(r["reportedBy"], shown("test-helper"), "{who}: {body}");
        assert_eq!(
            r["verifiedBy"],
            if verifier {
                json!("test-recipient")
            } else {
                Value::Null
            },
            "{who}: {body}"
        );
        assert_eq!(r["reportedByOrganization"]["code"], "310000", "{who}");
        assert_eq!(r["verifiedByRegion"]["code"], "530000", "{who}");
    }
}
