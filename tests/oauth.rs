//! OAuth renewal against the sandbox's POST /oauth/token: on 401, ahead of
//! expiry, once for concurrent 401s, and stored before it is used.

mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use rolo::api::oauth::{OAuthConfig, OAuthTokens, Persist};
use rolo::api::{ApiError, Client, Token};
use rolo::sandbox::{OAuthClient, Sandbox};
use support::{LOCATION, client_config, sandbox};

async fn oauth_sandbox() -> Arc<Sandbox> {
    let mut config = support::config(5);
    config.oauth = Some(OAuthClient {
        client_id: "app-id".into(),
        client_secret: "app-secret-123456".into(),
        refresh_token: "refresh-initial".into(),
        access_ttl: Duration::from_secs(3600),
    });
    Arc::new(sandbox(config).await)
}

/// A client holding `access` (which the sandbox has never issued, so it
/// gets 401) and the sandbox's initial refresh token.
fn client(sb: &Sandbox, access: &str, expires_in: i64, persist: Persist) -> Client {
    let mut c = client_config(sb, "unused");
    c.oauth = Some(OAuthConfig {
        client_id: "app-id".into(),
        client_secret: Token::new("app-secret-123456"),
        tokens: OAuthTokens {
            access_token: Token::new(access),
            refresh_token: Token::new("refresh-initial"),
            expires_at: Utc::now() + chrono::Duration::seconds(expires_in),
        },
        persist,
    });
    Client::new(c).unwrap()
}

fn recorder() -> (Persist, Arc<Mutex<Vec<OAuthTokens>>>) {
    let saved: Arc<Mutex<Vec<OAuthTokens>>> = Arc::default();
    let s = saved.clone();
    (
        Arc::new(move |t: &OAuthTokens| {
            s.lock().unwrap().push(t.clone());
            Ok(())
        }),
        saved,
    )
}

#[tokio::test]
async fn a_401_renews_the_token_and_retries() {
    let sb = oauth_sandbox().await;
    let (persist, saved) = recorder();
    let c = client(&sb, "stale-access-token", 3600, persist);
    let cid = sb.with_store(|s| s.contact_ids()[0].clone());
    c.get_contact(&cid).await.expect("renewed, then answered");
    assert_eq!(sb.oauth_token_calls(), 1);
    let saved = saved.lock().unwrap();
    assert_eq!(saved.len(), 1, "the rotated pair was stored");
    assert_ne!(saved[0].refresh_token.expose(), "refresh-initial");
    assert!(sb.oauth_token_used(saved[0].access_token.expose()));
    let statuses: Vec<_> = sb.requests().iter().map(|r| r.status).collect();
    assert_eq!(
        statuses,
        vec![Some(401), Some(200)],
        "the 401, then the retry with the new token"
    );
}

#[tokio::test]
async fn a_token_about_to_expire_is_renewed_first() {
    let sb = oauth_sandbox().await;
    let (persist, saved) = recorder();
    let c = client(&sb, "stale-access-token", 10, persist);
    let cid = sb.with_store(|s| s.contact_ids()[0].clone());
    c.get_contact(&cid).await.unwrap();
    assert_eq!(sb.oauth_token_calls(), 1);
    assert_eq!(saved.lock().unwrap().len(), 1);
    assert!(
        sb.requests().iter().all(|r| r.status != Some(401)),
        "no request went out with the old token"
    );
}

#[tokio::test]
async fn concurrent_401s_cause_exactly_one_refresh() {
    let sb = oauth_sandbox().await;
    let (persist, saved) = recorder();
    let c = client(&sb, "stale-access-token", 3600, persist);
    let ids = sb.with_store(|s| s.contact_ids());
    let calls = ids.iter().take(4).map(|id| c.get_contact(id));
    let results = futures_util::future::join_all(calls).await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    assert_eq!(sb.oauth_token_calls(), 1, "one refresh for all of them");
    assert_eq!(saved.lock().unwrap().len(), 1);
    // And the renewal sticks: a later expiry renews once more.
    sb.expire_access_tokens();
    c.get_contact(&ids[0]).await.unwrap();
    assert_eq!(sb.oauth_token_calls(), 2);
}

#[tokio::test]
async fn the_new_token_is_stored_before_it_is_used() {
    let sb = oauth_sandbox().await;
    let seen_unused = Arc::new(Mutex::new(None));
    let (sb2, seen) = (sb.clone(), seen_unused.clone());
    let persist: Persist = Arc::new(move |t: &OAuthTokens| {
        // At the moment of storing, the server must not have seen it yet.
        *seen.lock().unwrap() = Some(!sb2.oauth_token_used(t.access_token.expose()));
        Ok(())
    });
    let c = client(&sb, "stale-access-token", 3600, persist);
    let cid = sb.with_store(|s| s.contact_ids()[0].clone());
    c.get_contact(&cid).await.unwrap();
    assert_eq!(*seen_unused.lock().unwrap(), Some(true));
}

#[tokio::test]
async fn a_failed_store_stops_the_new_token_from_being_used() {
    let sb = oauth_sandbox().await;
    let issued = Arc::new(Mutex::new(None));
    let i = issued.clone();
    // A crash between the refresh and the store, as the client sees it.
    let persist: Persist = Arc::new(move |t: &OAuthTokens| {
        *i.lock().unwrap() = Some(t.access_token.expose().to_string());
        Err("disk full".into())
    });
    let c = client(&sb, "stale-access-token", 3600, persist);
    let cid = sb.with_store(|s| s.contact_ids()[0].clone());
    let e = c.get_contact(&cid).await.unwrap_err();
    assert!(
        matches!(&e, ApiError::InvalidRequest(m) if m.contains("could not be stored")),
        "{e:?}"
    );
    let new = issued.lock().unwrap().clone().expect("a token was issued");
    assert!(
        !sb.oauth_token_used(&new),
        "the unstored token was never used"
    );
    assert!(
        !format!("{e} {e:?}").contains(&new),
        "the token is not in the error"
    );
}

#[tokio::test]
async fn a_spent_refresh_token_is_a_clear_error() {
    let sb = oauth_sandbox().await;
    let (persist, _) = recorder();
    let first = client(&sb, "stale-access-token", 3600, persist.clone());
    let cid = sb.with_store(|s| s.contact_ids()[0].clone());
    first.get_contact(&cid).await.unwrap();
    // A second client still holding the spent refresh token.
    let second = client(&sb, "another-stale-token", 3600, persist);
    let e = second.get_contact(&cid).await.unwrap_err();
    assert!(
        matches!(&e, ApiError::Unauthorized { message } if message.contains("already used")),
        "{e:?}"
    );
    assert!(e.to_string().contains("rolo auth login"));
    let _ = LOCATION;
}

#[tokio::test]
async fn after_a_crash_the_stored_pair_is_the_live_one() {
    let sb = oauth_sandbox().await;
    let (persist, saved) = recorder();
    let first = client(&sb, "stale-access-token", 3600, persist.clone());
    let cid = sb.with_store(|s| s.contact_ids()[0].clone());
    first.get_contact(&cid).await.unwrap();
    drop(first); // the process dies after the renewal
    // A restart reads what was stored.
    let stored = saved
        .lock()
        .unwrap()
        .last()
        .cloned()
        .expect("stored before use");
    let mut c = client_config(&sb, "unused");
    c.oauth = Some(OAuthConfig {
        client_id: "app-id".into(),
        client_secret: Token::new("app-secret-123456"),
        tokens: stored,
        persist,
    });
    let restarted = Client::new(c).unwrap();
    restarted
        .get_contact(&cid)
        .await
        .expect("the stored access token works");
    assert_eq!(sb.oauth_token_calls(), 1, "no renewal was needed");
    sb.expire_access_tokens();
    restarted
        .get_contact(&cid)
        .await
        .expect("the stored refresh token is the live one");
    assert_eq!(sb.oauth_token_calls(), 2);
}
