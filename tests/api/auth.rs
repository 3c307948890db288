//! Identity: every way a token can be wrong is UNAUTHENTICATED (HTTP 401); a missing token is
//! anonymous; `viewer` says who the server thinks the caller is.
use crate::harness::{TEST_SECRET, TestApp, error_code, token};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use pairing_api::auth::Role;
use serde_json::{Value, json};

const RSA_PRIVATE: &str = include_str!("keys/rsa_private.pem");
const RSA_PUBLIC: &str = include_str!("keys/rsa_public.pem");
const EC_PRIVATE: &str = include_str!("keys/ec_private.pem");
const EC_PUBLIC: &str = include_str!("keys/ec_public.pem");

const VIEWER: &str = "{ viewer { authenticated subject role organizationCode regionCode } }";

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn claims(extra: Value) -> Value {
    let mut c = json!({ "sub": "someone", "role": "VIEWER", "exp": now() + 600, "iat": now() });
    if let (Some(obj), Some(more)) = (c.as_object_mut(), extra.as_object()) {
        for (k, v) in more {
            if v.is_null() {
                obj.remove(k);
            } else {
                obj.insert(k.clone(), v.clone());
            }
        }
    }
    c
}

fn hs256(secret: &[u8], claims: &Value) -> String {
    encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(secret).expect("HMAC key"),
    )
    .expect("sign HS256")
}

fn rs256(claims: &Value) -> String {
    encode(
        &Header::new(Algorithm::RS256),
        claims,
        &EncodingKey::from_rsa_pem(RSA_PRIVATE.as_bytes()).expect("RSA key"),
    )
    .expect("sign RS256")
}

fn es256(claims: &Value) -> String {
    encode(
        &Header::new(Algorithm::ES256),
        claims,
        &EncodingKey::from_ec_pem(EC_PRIVATE.as_bytes()).expect("EC key"),
    )
    .expect("sign ES256")
}

/// An unsigned token (`alg: none`).
fn unsigned(claims: &Value) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    format!("{header}.{payload}.")
}

/// Sends `{ viewer }` with a raw Authorization header; returns (status, body).
async fn send(app: &TestApp, authorization: &str) -> (u16, Value) {
    let resp = app
        .client
        .post(app.url("/graphql"))
        .header("authorization", authorization)
        .json(&json!({ "query": VIEWER }))
        .send()
        .await
        .expect("request");
    let status = resp.status().as_u16();
    (status, resp.json().await.expect("JSON body"))
}

async fn assert_rejected(app: &TestApp, case: &str, authorization: &str) {
    let (status, body) = send(app, authorization).await;
    assert_eq!(status, 401, "{case}: {body}");
    assert_eq!(error_code(&body), Some("UNAUTHENTICATED"), "{case}: {body}");
    assert!(
        body.get("data").is_none_or(Value::is_null),
        "{case}: {body}"
    );
}

async fn assert_accepted(app: &TestApp, case: &str, authorization: &str) -> Value {
    let (status, body) = send(app, authorization).await;
    assert_eq!(status, 200, "{case}: {body}");
    assert!(body.get("errors").is_none(), "{case}: {body}");
    body["data"]["viewer"].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_bad_hs256_token_is_unauthenticated() {
    let app = TestApp::spawn_with(|s| {
        s.jwt.issuer = Some("pairing-idp".into());
        s.jwt.audience = Some("pairing-api".into());
    })
    .await;
    let good = |extra: Value| {
        let mut c = claims(json!({ "iss": "pairing-idp", "aud": "pairing-api" }));
        if let (Some(obj), Some(more)) = (c.as_object_mut(), extra.as_object()) {
            for (k, v) in more {
                if v.is_null() {
                    obj.remove(k);
                } else {
                    obj.insert(k.clone(), v.clone());
                }
            }
        }
        c
    };
    let secret = TEST_SECRET.as_bytes();

    // The control: a well-formed token passes.
    let v = assert_accepted(
        &app,
        "valid",
        &format!("Bearer {}", hs256(secret, &good(json!({})))),
    )
    .await;
    assert_eq!(v["role"], "VIEWER");

    let cases: Vec<(&str, String)> = vec![
        (
            "bad signature",
            hs256(b"another-secret-of-enough-length", &good(json!({}))),
        ),
        ("alg none", unsigned(&good(json!({})))),
        ("RS256 where HS256 is configured", rs256(&good(json!({})))),
        ("ES256 where HS256 is configured", es256(&good(json!({})))),
        (
            "expired",
            hs256(secret, &good(json!({ "exp": now() - 120 }))),
        ),
        (
            "not yet valid",
            hs256(secret, &good(json!({ "nbf": now() + 600 }))),
        ),
        (
            "wrong issuer",
            hs256(secret, &good(json!({ "iss": "someone-else" }))),
        ),
        (
            "missing issuer",
            hs256(secret, &good(json!({ "iss": null }))),
        ),
        (
            "wrong audience",
            hs256(secret, &good(json!({ "aud": "another-api" }))),
        ),
        (
            "missing audience",
            hs256(secret, &good(json!({ "aud": null }))),
        ),
        ("missing exp", hs256(secret, &good(json!({ "exp": null })))),
        ("missing sub", hs256(secret, &good(json!({ "sub": null })))),
        (
            "missing role",
            hs256(secret, &good(json!({ "role": null }))),
        ),
        (
            "unknown role",
            hs256(secret, &good(json!({ "role": "SUPERUSER" }))),
        ),
        (
            "helper without org",
            hs256(secret, &good(json!({ "role": "HELPER" }))),
        ),
        (
            "recipient without region",
            hs256(secret, &good(json!({ "role": "RECIPIENT" }))),
        ),
        (
            "recipient with a malformed region",
            hs256(
                secret,
                &good(json!({ "role": "RECIPIENT", "region": "yunnan" })),
            ),
        ),
        ("garbage", "not-a-token".into()),
        ("three garbage parts", "a.b.c".into()),
        ("empty", String::new()),
    ];
    for (case, t) in &cases {
        assert_rejected(&app, case, &format!("Bearer {t}")).await;
    }
    assert_rejected(&app, "not a bearer header", "Basic dXNlcjpwYXNz").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn public_key_servers_refuse_algorithm_confusion() {
    for (alg, public, sign) in [
        ("RS256", RSA_PUBLIC, rs256 as fn(&Value) -> String),
        ("ES256", EC_PUBLIC, es256 as fn(&Value) -> String),
    ] {
        let app = TestApp::spawn_with(|s| {
            s.jwt.secret = None;
            s.jwt.public_key_pem = Some(public.to_string());
            s.jwt.algorithm = Some(alg.to_string());
        })
        .await;
        let c = claims(json!({ "role": "ADMIN" }));
        let v = assert_accepted(&app, alg, &format!("Bearer {}", sign(&c))).await;
        assert_eq!(v["role"], "ADMIN", "{alg}");
        // The classic confusion: an HS256 token whose "secret" is the server's public key.
        let forged = hs256(public.as_bytes(), &c);
        assert_rejected(
            &app,
            &format!("{alg}: HS256 signed with the public key"),
            &format!("Bearer {forged}"),
        )
        .await;
        // A token signed with the suite's shared secret means nothing to a public-key server.
        let hs = hs256(TEST_SECRET.as_bytes(), &c);
        assert_rejected(
            &app,
            &format!("{alg}: HS256 token"),
            &format!("Bearer {hs}"),
        )
        .await;
        assert_rejected(
            &app,
            &format!("{alg}: alg none"),
            &format!("Bearer {}", unsigned(&c)),
        )
        .await;
        let other = if alg == "RS256" { es256(&c) } else { rs256(&c) };
        assert_rejected(
            &app,
            &format!("{alg}: the other asymmetric algorithm"),
            &format!("Bearer {other}"),
        )
        .await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_key_every_token_is_refused_and_the_api_is_read_only() {
    let app = TestApp::spawn_with(|s| s.jwt = Default::default()).await;
    assert_rejected(
        &app,
        "any token",
        &format!("Bearer {}", token(Role::Admin, None, None)),
    )
    .await;
    let body = app
        .gql(
            "mutation { createOrganization(input: { code: \"X\", name: \"X\", kind: ENTERPRISE }) { organization { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&body), Some("UNAUTHENTICATED"), "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn viewer_reports_the_callers_identity() {
    let app = TestApp::spawn().await;
    let anon = app.gql(VIEWER, json!({})).await;
    assert_eq!(
        anon["data"]["viewer"],
        json!({ "authenticated": false, "subject": null, "role": null, "organizationCode": null, "regionCode": null })
    );
    let helper = token(Role::Helper, Some("310000"), None);
    let body = app.gql_as(Some(&helper), VIEWER, json!({})).await;
    assert_eq!(body["data"]["viewer"]["role"], "HELPER", "{body}");
    assert_eq!(body["data"]["viewer"]["organizationCode"], "310000");
    assert_eq!(body["data"]["viewer"]["regionCode"], Value::Null);
    let recipient = token(Role::Recipient, None, Some("533301"));
    let body = app.gql_as(Some(&recipient), VIEWER, json!({})).await;
    assert_eq!(body["data"]["viewer"]["role"], "RECIPIENT");
    assert_eq!(body["data"]["viewer"]["regionCode"], "533301");
    assert_eq!(body["data"]["viewer"]["authenticated"], true);
}

#[test]
fn token_lifetimes_parse() {
    use pairing_api::auth::parse_ttl;
    assert_eq!(parse_ttl("1h"), Ok(3600));
    assert_eq!(parse_ttl("30m"), Ok(1800));
    assert_eq!(parse_ttl("90"), Ok(90));
    assert_eq!(parse_ttl("7d"), Ok(7 * 86_400));
    assert!(parse_ttl("0s").is_err());
    assert!(parse_ttl("1w").is_err());
    assert!(parse_ttl("soon").is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_from_the_token_command_are_accepted() {
    let app = TestApp::spawn().await;
    let request = pairing_api::auth::TokenRequest {
        subject: "county-clerk".into(),
        role: Role::Recipient,
        org: None,
        region: Some("533301".into()),
        ttl_secs: pairing_api::auth::parse_ttl("1h").expect("ttl"),
        issuer: None,
        audience: None,
    };
    let claims = request.claims().expect("claims");
    let t = pairing_api::auth::mint_hs256(TEST_SECRET, &claims).expect("mint");
    let v = assert_accepted(&app, "token command", &format!("Bearer {t}")).await;
    assert_eq!(v["subject"], "county-clerk");
    assert_eq!(v["regionCode"], "533301");
    // The command refuses to mint what the server would reject.
    let helper_without_org = pairing_api::auth::TokenRequest {
        role: Role::Helper,
        region: None,
        ..request
    };
    assert!(helper_without_org.claims().is_err());
}
