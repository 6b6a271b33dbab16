//! OAuth access tokens that renew themselves: on a 401, or shortly before
//! `expires_in` runs out, the client trades the refresh token at
//! POST /oauth/token (see the spec's `oauth.json`).
//!
//! A refresh token works once, so the rotated pair is handed to `persist`
//! and stored *before* the new access token is used: if storing fails,
//! the new token is not used and the error says so. Requests that hit a
//! 401 while a refresh is under way wait for it and retry once; they never
//! start a second refresh.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::error::ApiError;
use super::token::Token;

/// Refresh this long before the access token expires.
pub const REFRESH_MARGIN_SECS: i64 = 60;

#[derive(Clone, PartialEq, Eq)]
pub struct OAuthTokens {
    pub access_token: Token,
    pub refresh_token: Token,
    pub expires_at: DateTime<Utc>,
}

impl std::fmt::Debug for OAuthTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuthTokens")
            .field("access_token", &self.access_token.masked())
            .field("refresh_token", &self.refresh_token.masked())
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// Stores a rotated token pair durably; an `Err` stops the new pair from
/// being used.
pub type Persist = Arc<dyn Fn(&OAuthTokens) -> Result<(), String> + Send + Sync>;

#[derive(Clone)]
pub struct OAuthConfig {
    pub client_id: String,
    pub client_secret: Token,
    pub tokens: OAuthTokens,
    pub persist: Persist,
}

impl std::fmt::Debug for OAuthConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuthConfig")
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .field("tokens", &self.tokens)
            .finish()
    }
}

pub(crate) struct OAuthState {
    client_id: String,
    client_secret: Token,
    persist: Persist,
    /// Held while refreshing: one refresh at a time.
    tokens: tokio::sync::Mutex<OAuthTokens>,
    /// Bumped by every refresh, so a request knows whether the token it
    /// used is still the current one.
    generation: AtomicU64,
    current: std::sync::RwLock<(Token, DateTime<Utc>)>,
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
    refresh_token: String,
    #[serde(default)]
    expires_in: Option<f64>,
}

impl OAuthState {
    pub(crate) fn new(c: OAuthConfig) -> Self {
        Self {
            current: std::sync::RwLock::new((c.tokens.access_token.clone(), c.tokens.expires_at)),
            client_id: c.client_id,
            client_secret: c.client_secret,
            persist: c.persist,
            tokens: tokio::sync::Mutex::new(c.tokens),
            generation: AtomicU64::new(0),
        }
    }

    /// The access token to send, and the generation it belongs to.
    pub(crate) fn current(&self) -> (Token, u64) {
        let g = self.generation.load(Ordering::SeqCst);
        let t = self
            .current
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .0
            .clone();
        (t, g)
    }

    pub(crate) fn expires_soon(&self) -> bool {
        let exp = self.current.read().unwrap_or_else(|p| p.into_inner()).1;
        exp - Utc::now() < chrono::Duration::seconds(REFRESH_MARGIN_SECS)
    }

    /// Refreshes unless a refresh newer than `seen` already happened.
    pub(crate) async fn refresh(
        &self,
        http: &reqwest::Client,
        url: reqwest::Url,
        seen: u64,
    ) -> Result<(), ApiError> {
        let mut tokens = self.tokens.lock().await;
        if self.generation.load(Ordering::SeqCst) != seen {
            return Ok(());
        }
        let form = [
            ("client_id", self.client_id.as_str()),
            ("client_secret", self.client_secret.expose()),
            ("grant_type", "refresh_token"),
            ("refresh_token", tokens.refresh_token.expose()),
            ("user_type", "Location"),
        ];
        let failed = |m: String| ApiError::Unauthorized {
            message: format!("renewing the OAuth token failed: {m}"),
        };
        let resp = http
            .post(url)
            .header(reqwest::header::ACCEPT, "application/json")
            .form(&form)
            .send()
            .await
            .map_err(|e| failed(crate::text::snippet(&e.to_string(), 120)))?;
        let status = resp.status();
        if status.is_redirection() {
            return Err(failed(
                super::client::redirected("oauth-token", &resp).to_string(),
            ));
        }
        let body = super::client::read_capped(resp, 1024 * 1024)
            .await
            .map_err(|e| match e {
                Some(e) => failed(e.to_string()),
                None => failed("the answer is larger than 1 MiB".into()),
            })?;
        if !status.is_success() {
            let msg = serde_json::from_slice::<super::model::ErrorBody>(&body)
                .map(|b| b.messages().join("; "))
                .unwrap_or_else(|_| crate::text::snippet(&String::from_utf8_lossy(&body), 120));
            return Err(failed(format!("HTTP {}: {msg}", status.as_u16())));
        }
        let answer: TokenAnswer =
            serde_json::from_slice(&body).map_err(|e| failed(format!("unexpected answer: {e}")))?;
        let secs = answer.expires_in.unwrap_or(86_399.0).clamp(0.0, 1e9) as i64;
        let next = OAuthTokens {
            access_token: Token::new(answer.access_token),
            refresh_token: Token::new(answer.refresh_token),
            expires_at: Utc::now() + chrono::Duration::seconds(secs),
        };
        // Stored first: the old refresh token is spent now, so the new one
        // must be safe before anything relies on it.
        (self.persist)(&next).map_err(|e| ApiError::InvalidRequest(format!(
            "HighLevel issued a new token, but it could not be stored ({e}); it was not used. Fix the store and run `rolo auth login` again"
        )))?;
        *self.current.write().unwrap_or_else(|p| p.into_inner()) =
            (next.access_token.clone(), next.expires_at);
        *tokens = next;
        self.generation.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}
