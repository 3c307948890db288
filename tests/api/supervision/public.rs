//! The public view: anonymous callers never see an unpublicized transfer or project, however
//! they reach it.
use super::*;
use crate::fixtures::world;
use crate::harness::TestApp;
use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, Set};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_public_view_never_shows_an_unpublicized_record() {
    let app = TestApp::spawn().await;
    let w = world(&app.db).await;
    let r = recipient_yn();
    // An unpublicized project, and a publicized transfer earmarked for it.
    let body = app
        .gql_as(
            Some(&r),
            "mutation { createProject(input: { countyCode: \"532923\", name: \"未公示项目\",
               sector: \"industry\", budget: \"1.00\" }) { project { id } } }",
            json!({}),
        )
        .await;
    let hidden_id = ok(&body)["createProject"]["project"]["id"].clone();
    let hidden = entity::project::Entity::find()
        .all(&app.db)
        .await
        .expect("projects")
        .into_iter()
        .find(|p| p.name == "未公示项目")
        .expect("hidden project");
    let t = entity::fund_transfer::Entity::find_by_id(w.transfers[6])
        .one(&app.db)
        .await
        .expect("read")
        .expect("transfer");
    assert!(t.publicized_on.is_some());
    let mut am = t.into_active_model();
    am.project_id = Set(Some(hidden.id));
    am.update(&app.db).await.expect("link");

    let everything = "{ fundTransfers(first: 100) { totalCount nodes { id publicizedOn project { id publicizedOn } } }
        projects(first: 100) { totalCount nodes { id publicizedOn } }
        publicAnnouncements(regionCode: \"530000\", year: 2019, first: 100) { nodes {
          fundTransfer { id publicizedOn project { id publicizedOn } } project { id publicizedOn } } } }";
    let check = |body: &Value, hidden_now: bool| {
        let data = ok(body);
        let mut seen = 0;
        for n in data["fundTransfers"]["nodes"].as_array().expect("nodes") {
            assert!(n["publicizedOn"].is_string(), "{n}");
            assert!(
                n["project"].is_null() || n["project"]["publicizedOn"].is_string(),
                "{n}"
            );
            seen += 1;
        }
        for n in data["projects"]["nodes"].as_array().expect("nodes") {
            assert!(n["publicizedOn"].is_string(), "{n}");
            assert!(!hidden_now || n["id"] != hidden_id, "{n}");
        }
        for n in data["publicAnnouncements"]["nodes"]
            .as_array()
            .expect("nodes")
        {
            for subject in [&n["fundTransfer"], &n["project"]] {
                assert!(
                    subject.is_null() || subject["publicizedOn"].is_string(),
                    "{n}"
                );
            }
            let p = &n["fundTransfer"]["project"];
            assert!(p.is_null() || p["publicizedOn"].is_string(), "{n}");
        }
        seen
    };
    let anonymous = app.gql(everything, json!({})).await;
    let shown = check(&anonymous, true);
    // Against the rows: exactly the publicized ones.
    let rows = entity::fund_transfer::Entity::find()
        .all(&app.db)
        .await
        .expect("rows");
    assert_eq!(
        shown,
        rows.iter().filter(|t| t.publicized_on.is_some()).count()
    );
    let linked = anonymous["data"]["fundTransfers"]["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .find(|n| n["id"] == gid("FundTransfer", w.transfers[6]))
        .expect("the publicized transfer")
        .clone();
    assert_eq!(linked["project"], Value::Null, "{linked}");
    // Authenticated callers see the link.
    let viewer_body = app.gql_as(Some(&viewer()), everything, json!({})).await;
    assert!(
        viewer_body["data"]["projects"]["nodes"]
            .as_array()
            .expect("nodes")
            .iter()
            .any(|n| n["id"] == hidden_id),
        "{viewer_body}"
    );
    // By id, the project and the link are hidden too.
    let by_id = "query($p: ID!, $t: ID!) { p: node(id: $p) { id } t: node(id: $t) { ... on FundTransfer { project { id } } } }";
    let vars = json!({ "p": hidden_id, "t": gid("FundTransfer", w.transfers[6]) });
    let body = app.gql(by_id, vars.clone()).await;
    assert_eq!(ok(&body)["p"], Value::Null);
    assert_eq!(body["data"]["t"]["project"], Value::Null);
    let body = app.gql_as(Some(&viewer()), by_id, vars).await;
    assert_eq!(ok(&body)["p"]["id"], hidden_id);
    assert_eq!(body["data"]["t"]["project"]["id"], hidden_id);
    // Under a pairing too.
    let nested =
        "query($id: ID!) { node(id: $id) { ... on PairingAgreement { fundTransfers(first: 100) {
        nodes { id publicizedOn project { id publicizedOn } } } } } }";
    let body = app
        .gql(nested, json!({ "id": gid("PairingAgreement", w.sh_yn) }))
        .await;
    for n in ok(&body)["node"]["fundTransfers"]["nodes"]
        .as_array()
        .expect("nodes")
    {
        assert!(n["publicizedOn"].is_string(), "{n}");
        assert!(
            n["project"].is_null() || n["project"]["publicizedOn"].is_string(),
            "{n}"
        );
    }

    // Once the county publicizes the project, the public sees it.
    let body = app
        .gql_as(
            Some(&r),
            PUBLICIZE_PROJECT,
            json!({ "input": { "projectId": hidden_id, "periodStart": "2019-06-01", "periodEnd": "2019-06-10",
                    "channel": "COUNTY_WEBSITE", "documentRef": "公示〔2019〕9号" } }),
        )
        .await;
    ok(&body);
    let body = app.gql(everything, json!({})).await;
    check(&body, false);
    assert!(
        body["data"]["projects"]["nodes"]
            .as_array()
            .expect("nodes")
            .iter()
            .any(|n| n["id"] == hidden_id)
    );
    assert_eq!(
        body["data"]["publicAnnouncements"]["nodes"][0]["project"]["id"],
        hidden_id
    );
}
