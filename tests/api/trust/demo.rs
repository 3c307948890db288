//! Item 6: demo mode (the public development secret) listens on loopback only, and runs only over
//! an empty database or the demo data set.
use crate::fixtures::world;
use crate::harness::{TestApp, settings};
use pairing_api::http::Application;

async fn refusal(mut s: pairing_api::config::Settings) -> String {
    s.demo = true;
    match Application::build(s).await {
        Ok(_) => panic!("demo mode must be refused"),
        Err(e) => e,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_mode_listens_on_loopback_only() {
    let app = TestApp::spawn().await;
    for bind in [
        "0.0.0.0:0",
        "[::]:0",
        "192.0.2.1:0",
        "no-such-host.invalid:0",
    ] {
        let mut s = settings(app.database_url.clone());
        s.bind = bind.into();
        let e = refusal(s).await;
        assert!(
            e.contains("--demo") && e.contains("loopback"),
            "{bind}: {e}"
        );
    }
    // Refused before anything was written: the database is as empty as it was.
    assert!(pairing_api::seed::is_empty(&app.db).await.expect("count"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_mode_runs_over_the_demo_set_but_not_over_other_data() {
    // Over other data: refused, and nothing is loaded.
    let app = TestApp::spawn().await;
    world(&app.db).await;
    let orgs = || async {
        use sea_orm::{EntityTrait, PaginatorTrait};
        entity::organization::Entity::find()
            .count(&app.db)
            .await
            .expect("count")
    };
    let before = orgs().await;
    let e = refusal(settings(app.database_url.clone())).await;
    assert!(e.contains("did not load"), "{e}");
    assert_eq!(orgs().await, before, "no demo data loaded over it");

    // Over an empty database it loads the demo set, and starts again over it.
    let demo = TestApp::spawn_with(|s| s.demo = true).await;
    assert!(!pairing_api::seed::is_empty(&demo.db).await.expect("count"));
    let mut again = settings(demo.database_url.clone());
    again.demo = true;
    let app = Application::build(again).await;
    assert!(app.is_ok(), "{:?}", app.err());
}
