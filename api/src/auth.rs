//! Identity: JWT verification (HS256 secret, or RS256/ES256 public key) and the caller's role.
use crate::error::{AppError, AppResult};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use serde::{Deserialize, Serialize};
use std::sync::{Arc, Mutex};

/// What a caller is allowed to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, async_graphql::Enum)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[graphql(name = "Role")]
pub enum Role {
    /// Integrators and other read-only callers: everything except personal data.
    Viewer,
    /// A viewer who may also read the audit log.
    Auditor,
    /// An eastern government or central unit, scoped to its organization.
    Helper,
    /// A county government, scoped to its region and everything below it.
    Recipient,
    /// A survey team or spot-check inspector: records inspection findings and closes them.
    Inspector,
    /// The national office.
    Admin,
}

impl Role {
    pub fn as_str(&self) -> &'static str {
        match self {
            Role::Viewer => "VIEWER",
            Role::Auditor => "AUDITOR",
            Role::Helper => "HELPER",
            Role::Recipient => "RECIPIENT",
            Role::Inspector => "INSPECTOR",
            Role::Admin => "ADMIN",
        }
    }
}

/// Claims the platform reads from a token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub role: Role,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    pub exp: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iss: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aud: Option<String>,
}

/// Who is calling. Anonymous when no token was sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Identity {
    Anonymous,
    User {
        subject: String,
        role: Role,
        org: Option<String>,
        region: Option<String>,
    },
}

impl Identity {
    pub fn role(&self) -> Option<Role> {
        match self {
            Identity::Anonymous => None,
            Identity::User { role, .. } => Some(*role),
        }
    }

    pub fn subject(&self) -> &str {
        match self {
            Identity::Anonymous => "anonymous",
            Identity::User { subject, .. } => subject,
        }
    }

    pub fn is_admin(&self) -> bool {
        self.role() == Some(Role::Admin)
    }

    /// The national office or an inspector: they record and close inspection findings.
    pub fn inspects(&self) -> bool {
        matches!(self.role(), Some(Role::Admin | Role::Inspector))
    }

    /// The organization code of a helper.
    pub fn helper_org(&self) -> Option<&str> {
        match self {
            Identity::User {
                role: Role::Helper,
                org: Some(o),
                ..
            } => Some(o),
            _ => None,
        }
    }

    /// The region code of a recipient.
    pub fn recipient_region(&self) -> Option<&str> {
        match self {
            Identity::User {
                role: Role::Recipient,
                region: Some(r),
                ..
            } => Some(r),
            _ => None,
        }
    }

    /// Any authenticated caller may read non-personal data beyond the public subset.
    pub fn is_authenticated(&self) -> bool {
        !matches!(self, Identity::Anonymous)
    }
}

/// The configured way to verify tokens.
#[derive(Clone)]
pub struct JwtVerifier {
    algorithm: Algorithm,
    key: DecodingKey,
    issuer: Option<String>,
    audience: Option<String>,
    leeway: u64,
    verified: VerifiedTokens,
}

/// Tokens that passed verification, with the identity they carry and their `exp`. A portal sends
/// the same token with every request; checking its signature and claims again each time was 4%
/// of the server's work on a province's progress. Only the expiry can change a verified token's
/// answer (`nbf` only moves into the past), so a hit is checked against it and nothing else.
/// Clones of a verifier share it.
#[derive(Clone)]
struct VerifiedTokens(Arc<Mutex<IdentityByToken>>);

/// A verified token's identity and its `exp` (seconds since the Unix epoch).
type IdentityByToken = foldhash::HashMap<Box<str>, (Identity, i64)>;

/// Enough for every token in use at once; past it the cache starts over.
const VERIFIED_TOKENS_MAX: usize = 4096;

impl VerifiedTokens {
    fn new() -> Self {
        VerifiedTokens(Arc::new(Mutex::new(Default::default())))
    }

    /// The identity of `token` and its `exp`, if it was verified and has not expired by `now`
    /// (with `leeway`).
    fn get(&self, token: &str, now: i64, leeway: u64) -> Option<(Identity, i64)> {
        let mut tokens = self.0.lock().ok()?;
        let (identity, exp) = tokens.get(token)?;
        if *exp >= now.saturating_sub(leeway as i64) {
            return Some((identity.clone(), *exp));
        }
        tokens.remove(token);
        None
    }

    fn insert(&self, token: &str, identity: &Identity, exp: i64) {
        if let Ok(mut tokens) = self.0.lock() {
            if tokens.len() >= VERIFIED_TOKENS_MAX {
                tokens.clear();
            }
            tokens.insert(token.into(), (identity.clone(), exp));
        }
    }
}

fn unix_now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// The JWT settings of a deployment.
#[derive(Debug, Clone, Default)]
pub struct JwtSettings {
    /// HS256 shared secret.
    pub secret: Option<String>,
    /// RS256/ES256 public key, PEM.
    pub public_key_pem: Option<String>,
    /// `RS256` or `ES256` for a public key.
    pub algorithm: Option<String>,
    pub issuer: Option<String>,
    pub audience: Option<String>,
    pub leeway_secs: u64,
}

impl JwtVerifier {
    /// `None` when no key is configured: the server then runs read-only.
    pub fn from_settings(s: &JwtSettings) -> Result<Option<Self>, String> {
        let (algorithm, key) = if let Some(pem) = &s.public_key_pem {
            let alg = match s.algorithm.as_deref().unwrap_or("RS256") {
                "RS256" => Algorithm::RS256,
                "ES256" => Algorithm::ES256,
                other => {
                    return Err(format!(
                        "unsupported JWT algorithm {other} for a public key (RS256 or ES256)"
                    ));
                }
            };
            let key = match alg {
                Algorithm::ES256 => DecodingKey::from_ec_pem(pem.as_bytes()),
                _ => DecodingKey::from_rsa_pem(pem.as_bytes()),
            }
            .map_err(|e| format!("invalid public key: {e}"))?;
            (alg, key)
        } else if let Some(secret) = &s.secret {
            if secret.len() < 16 {
                return Err("the JWT secret must be at least 16 bytes".into());
            }
            (
                Algorithm::HS256,
                DecodingKey::from_secret(secret.as_bytes()).map_err(|e| e.to_string())?,
            )
        } else {
            return Ok(None);
        };
        Ok(Some(JwtVerifier {
            algorithm,
            key,
            issuer: s.issuer.clone(),
            audience: s.audience.clone(),
            leeway: s.leeway_secs,
            verified: VerifiedTokens::new(),
        }))
    }

    /// Verifies a bearer token: signature with the one configured algorithm, `exp`, `nbf`, `iss`, `aud`.
    /// A token verified before is answered from memory until it expires.
    pub fn verify(&self, token: &str) -> AppResult<Identity> {
        self.verify_until(token).map(|(identity, _)| identity)
    }

    /// Verifies a bearer token like `verify`; also the last second (since the Unix epoch) it is
    /// accepted: its `exp` plus the leeway.
    pub fn verify_until(&self, token: &str) -> AppResult<(Identity, i64)> {
        let leeway = i64::try_from(self.leeway).unwrap_or(i64::MAX);
        if let Some((identity, exp)) = self.verified.get(token, unix_now(), self.leeway) {
            return Ok((identity, exp.saturating_add(leeway)));
        }
        let mut v = Validation::new(self.algorithm);
        v.leeway = self.leeway;
        v.validate_exp = true;
        v.validate_nbf = true;
        // `iss`/`aud` are only checked when present unless required: require what is configured.
        let mut required = vec!["exp", "sub"];
        if self.issuer.is_some() {
            required.push("iss");
        }
        if self.audience.is_some() {
            required.push("aud");
        }
        v.set_required_spec_claims(&required);
        match &self.issuer {
            Some(iss) => v.set_issuer(&[iss]),
            None => v.iss = None,
        }
        match &self.audience {
            Some(aud) => v.set_audience(&[aud]),
            None => v.validate_aud = false,
        }
        let data = decode::<Claims>(token, &self.key, &v)
            .map_err(|e| AppError::Unauthenticated(format!("invalid token ({e})")))?;
        let exp = data.claims.exp;
        let identity = identity_from_claims(data.claims)?;
        self.verified.insert(token, &identity, exp);
        Ok((identity, exp.saturating_add(leeway)))
    }
}

fn identity_from_claims(c: Claims) -> AppResult<Identity> {
    let missing = |what: &str| {
        AppError::Unauthenticated(format!(
            "a {} token needs the `{what}` claim",
            c.role.as_str()
        ))
    };
    match c.role {
        Role::Helper if c.org.as_deref().is_none_or(str::is_empty) => return Err(missing("org")),
        Role::Recipient if c.region.as_deref().is_none_or(str::is_empty) => {
            return Err(missing("region"));
        }
        Role::Recipient => {
            let code = c.region.as_deref().unwrap_or_default();
            if crate::region_code::parse(code).is_err() {
                return Err(AppError::Unauthenticated(
                    "the `region` claim must be a GB/T 2260 region code".into(),
                ));
            }
        }
        _ => {}
    }
    if c.sub.is_empty() {
        return Err(AppError::Unauthenticated(
            "the token has an empty `sub`".into(),
        ));
    }
    Ok(Identity::User {
        subject: c.sub,
        role: c.role,
        org: c.org,
        region: c.region,
    })
}

/// Reads the `Authorization` header: none means anonymous; anything malformed is rejected.
pub fn identify(header: Option<&str>, verifier: Option<&JwtVerifier>) -> AppResult<Identity> {
    identify_until(header, verifier).map(|(identity, _)| identity)
}

/// `identify`, with the last second (since the Unix epoch) the token is accepted; none for an
/// anonymous caller.
pub fn identify_until(
    header: Option<&str>,
    verifier: Option<&JwtVerifier>,
) -> AppResult<(Identity, Option<i64>)> {
    let Some(value) = header else {
        return Ok((Identity::Anonymous, None));
    };
    let token = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .ok_or_else(|| {
            AppError::Unauthenticated("the Authorization header must be `Bearer <token>`".into())
        })?;
    let verifier = verifier.ok_or_else(|| {
        AppError::Unauthenticated("this server accepts no tokens (no key configured)".into())
    })?;
    let (identity, until) = verifier.verify_until(token.trim())?;
    Ok((identity, Some(until)))
}

/// The development secret `serve --demo` and `token --demo` use when no key is configured. Never
/// use it for a deployment: anyone can mint tokens with it.
pub const DEMO_SECRET: &str = "pairing-demo-secret-do-not-deploy";

/// Parses a token lifetime: `3600`, `90s`, `30m`, `1h`, `7d`.
pub fn parse_ttl(text: &str) -> Result<i64, String> {
    let text = text.trim();
    let (num, unit) = match text.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, _)) => (&text[..i], &text[i..]),
        None => (text, "s"),
    };
    let n: i64 = num
        .parse()
        .map_err(|_| format!("not a lifetime: {text:?} (e.g. 30m, 1h, 7d)"))?;
    let factor = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(format!("not a lifetime unit: {unit:?} (s, m, h or d)")),
    };
    if n <= 0 {
        return Err("the lifetime must be positive".into());
    }
    match n.checked_mul(factor) {
        Some(secs) if secs <= MAX_TTL_SECS => Ok(secs),
        _ => Err(format!(
            "the lifetime {text:?} is too long: at most 366d (a token outliving a year should be \
             a key rotation instead)"
        )),
    }
}

/// The longest lifetime `pairing token` mints: 366 days.
pub const MAX_TTL_SECS: i64 = 366 * 86_400;

/// What the `token` command asks for.
#[derive(Debug, Clone)]
pub struct TokenRequest {
    pub subject: String,
    pub role: Role,
    pub org: Option<String>,
    pub region: Option<String>,
    pub ttl_secs: i64,
    pub issuer: Option<String>,
    pub audience: Option<String>,
}

impl TokenRequest {
    /// The claims of the token, checked the way the server will check them.
    pub fn claims(&self) -> Result<Claims, String> {
        let now = unix_now();
        let claims = Claims {
            sub: self.subject.clone(),
            role: self.role,
            org: self.org.clone(),
            region: self.region.clone(),
            exp: now + self.ttl_secs,
            nbf: Some(now),
            iat: Some(now),
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
        };
        identity_from_claims(claims.clone()).map_err(|e| e.to_string())?;
        Ok(claims)
    }
}

/// Mints an HS256 token (development and tests).
pub fn mint_hs256(secret: &str, claims: &Claims) -> Result<String, String> {
    let key = EncodingKey::from_secret(secret.as_bytes()).map_err(|e| e.to_string())?;
    encode(&Header::new(Algorithm::HS256), claims, &key).map_err(|e| e.to_string())
}

/// Mints a token with a PEM private key (RS256 or ES256).
pub fn mint_pem(algorithm: &str, private_pem: &str, claims: &Claims) -> Result<String, String> {
    let (alg, key) = match algorithm {
        "RS256" => (
            Algorithm::RS256,
            EncodingKey::from_rsa_pem(private_pem.as_bytes()),
        ),
        "ES256" => (
            Algorithm::ES256,
            EncodingKey::from_ec_pem(private_pem.as_bytes()),
        ),
        other => return Err(format!("unsupported algorithm {other}")),
    };
    encode(&Header::new(alg), claims, &key.map_err(|e| e.to_string())?).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verifier() -> JwtVerifier {
        let settings = JwtSettings {
            secret: Some("a-secret-of-sixteen-bytes".into()),
            leeway_secs: 5,
            ..Default::default()
        };
        match JwtVerifier::from_settings(&settings) {
            Ok(Some(v)) => v,
            _ => panic!("no verifier"),
        }
    }

    fn token(exp: i64) -> String {
        let claims = Claims {
            sub: "portal".into(),
            role: Role::Viewer,
            org: None,
            region: None,
            exp,
            nbf: None,
            iat: None,
            iss: None,
            aud: None,
        };
        mint_hs256("a-secret-of-sixteen-bytes", &claims).unwrap_or_default()
    }

    #[test]
    fn a_verified_token_is_remembered_until_it_expires() {
        let v = verifier();
        let exp = unix_now() + 60;
        let t = token(exp);
        let first = v.verify(&t);
        assert!(matches!(first, Ok(Identity::User { .. })), "{first:?}");
        assert_eq!(
            v.verified.get(&t, exp, 5).map(|(i, _)| i).as_ref(),
            first.as_ref().ok()
        );
        // The moment it stops being accepted: `exp` plus the verifier's leeway, cached or not.
        assert_eq!(
            v.verify_until(&t).map(|(_, until)| until).ok(),
            Some(exp + v.leeway as i64)
        );
        // Within the leeway after `exp`, still valid; past it, forgotten.
        assert!(v.verified.get(&t, exp + 5, 5).is_some());
        assert!(v.verified.get(&t, exp + 6, 5).is_none());
        assert!(
            v.verified.get(&t, exp, 5).is_none(),
            "an expired entry is dropped"
        );
    }

    #[test]
    fn only_tokens_that_pass_are_remembered() {
        let v = verifier();
        let expired = token(unix_now() - 60);
        assert!(v.verify(&expired).is_err());
        assert!(v.verified.get(&expired, 0, 5).is_none());
        let mut forged = token(unix_now() + 60);
        forged.push('x');
        assert!(v.verify(&forged).is_err());
        assert!(v.verified.get(&forged, 0, 5).is_none());
    }
}
