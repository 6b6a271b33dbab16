//! Where the secret lives, in order of preference:
//!
//! 1. `ROLO_TOKEN` in the environment: never written anywhere;
//! 2. the OS keyring (Secret Service on Linux, over D-Bus);
//! 3. on Linux without a Secret Service (the SSH case), the kernel keyring
//!    (keyutils), which lasts until reboot or logout;
//! 4. only with `--insecure-storage`, a file in the data dir, mode 0600.
//!
//! rolo says which store it used and why each better one was skipped.
//! `ROLO_SECRET_STORES` (a comma list of `keyring`, `kernel`, `file`)
//! limits the stores tried, e.g. to keep a test off the real keyring.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::api::Token;

const SERVICE: &str = "rolo";

/// What rolo keeps for a profile: the token and the location it is for.
/// With OAuth, `token` is the access token and `oauth` the rest.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credential {
    pub location_id: String,
    pub token: String,
    /// The API it was checked against, when not HighLevel's own (a
    /// sandbox, a proxy): the token is never sent anywhere else.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oauth: Option<StoredOAuth>,
}

/// The OAuth half of a credential.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredOAuth {
    pub client_id: String,
    pub client_secret: String,
    pub refresh_token: String,
    pub expires_at: chrono::DateTime<chrono::Utc>,
}

impl Credential {
    /// The client's OAuth settings, renewing into `persist`.
    pub fn oauth_config(
        &self,
        persist: crate::api::oauth::Persist,
    ) -> Option<crate::api::oauth::OAuthConfig> {
        let o = self.oauth.as_ref()?;
        Some(crate::api::oauth::OAuthConfig {
            client_id: o.client_id.clone(),
            client_secret: Token::new(o.client_secret.clone()),
            tokens: crate::api::oauth::OAuthTokens {
                access_token: Token::new(self.token.clone()),
                refresh_token: Token::new(o.refresh_token.clone()),
                expires_at: o.expires_at,
            },
            persist,
        })
    }
}

/// A `persist` for OAuth renewals that writes the rotated tokens back into
/// the store named `store` under `account`.
pub fn persist_to(
    store: &'static str,
    account: String,
    base: Credential,
) -> crate::api::oauth::Persist {
    std::sync::Arc::new(move |t: &crate::api::oauth::OAuthTokens| {
        let (stores, _) = available_stores(
            std::env::var("ROLO_SECRET_STORES").ok().as_deref(),
            FileStore::default_dir(),
        );
        let target = stores
            .iter()
            .find(|s| s.name() == store)
            .ok_or_else(|| format!("{store} is no longer available"))?;
        let mut c = base.clone();
        c.token = t.access_token.expose().to_string();
        if let Some(o) = &mut c.oauth {
            o.refresh_token = t.refresh_token.expose().to_string();
            o.expires_at = t.expires_at;
        }
        let secret = serde_json::to_string(&c).map_err(|e| e.to_string())?;
        target.set(&account, &secret).map_err(|e| e.to_string())
    })
}

impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credential")
            .field("location_id", &self.location_id)
            .field("token", &Token::new(self.token.clone()).masked())
            .finish()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    #[error("{store}: {message}")]
    Store {
        store: &'static str,
        message: String,
    },
    #[error("no secure store is available here ({}); pass --insecure-storage to keep the token in a 0600 file, or set ROLO_TOKEN", .0.join("; "))]
    NoStore(Vec<String>),
    #[error(
        "no token stored for profile `{profile}`: run `rolo auth login{}`",
        login_flag(profile)
    )]
    NotLoggedIn { profile: String },
}

fn login_flag(profile: &str) -> String {
    if profile == "default" {
        String::new()
    } else {
        format!(" --profile {profile}")
    }
}

/// One place a secret can be kept.
pub trait SecretStore: Send + Sync {
    /// How the user should hear of it: "the OS keyring (Secret Service)".
    fn describe(&self) -> &'static str;
    /// A short name for `ROLO_SECRET_STORES` and `auth status`.
    fn name(&self) -> &'static str;
    fn get(&self, account: &str) -> Result<Option<String>, AuthError>;
    fn set(&self, account: &str, secret: &str) -> Result<(), AuthError>;
    /// Whether there was something to delete.
    fn delete(&self, account: &str) -> Result<bool, AuthError>;
    /// A warning to show whenever it is used.
    fn warning(&self) -> Option<&'static str> {
        None
    }
}

/// A store of the keyring ecosystem (Secret Service, keyutils).
pub struct KeyringStore {
    store: std::sync::Arc<keyring_core::CredentialStore>,
    name: &'static str,
    describe: &'static str,
    warning: Option<&'static str>,
}

impl KeyringStore {
    fn err(&self, e: keyring_core::Error) -> AuthError {
        AuthError::Store {
            store: self.describe,
            message: e.to_string(),
        }
    }

    fn entry(&self, account: &str) -> Result<keyring_core::Entry, AuthError> {
        self.store
            .build(SERVICE, account, None)
            .map_err(|e| self.err(e))
    }

    /// The OS keyring, if one answers here: Secret Service on Linux,
    /// the login Keychain on macOS, the Credential Manager on Windows.
    pub fn os() -> Result<Self, String> {
        #[cfg(target_os = "linux")]
        let (store, describe) = (
            zbus_secret_service_keyring_store::Store::new()
                .map_err(|e| format!("no Secret Service ({e})"))?,
            "the OS keyring (Secret Service)",
        );
        #[cfg(target_os = "macos")]
        let (store, describe) = (
            apple_native_keyring_store::keychain::Store::new()
                .map_err(|e| format!("no Keychain ({e})"))?,
            "the macOS Keychain",
        );
        #[cfg(target_os = "windows")]
        let (store, describe) = (
            windows_native_keyring_store::Store::new()
                .map_err(|e| format!("no Credential Manager ({e})"))?,
            "the Windows Credential Manager",
        );
        #[cfg(any(target_os = "linux", target_os = "macos", target_os = "windows"))]
        {
            let s = KeyringStore {
                store,
                name: "keyring",
                describe,
                warning: None,
            };
            s.probe()?;
            Ok(s)
        }
        #[cfg(not(any(target_os = "linux", target_os = "macos", target_os = "windows")))]
        {
            Err("no OS keyring is supported on this platform".into())
        }
    }

    /// The Linux kernel keyring: no daemon needed, gone at reboot or logout.
    pub fn kernel() -> Result<Self, String> {
        #[cfg(target_os = "linux")]
        {
            let store = linux_keyutils_keyring_store::Store::new()
                .map_err(|e| format!("no kernel keyring ({e})"))?;
            let s = KeyringStore {
                store,
                name: "kernel",
                describe: "the kernel keyring (keyutils)",
                warning: Some(
                    "the kernel keyring keeps it until reboot or logout; run `rolo auth login` again after that",
                ),
            };
            s.probe()?;
            Ok(s)
        }
        #[cfg(not(target_os = "linux"))]
        {
            Err("the kernel keyring exists only on Linux".into())
        }
    }

    /// Reading a missing entry tells whether the store answers at all.
    fn probe(&self) -> Result<(), String> {
        match self
            .entry("rolo-probe")
            .map_err(|e| e.to_string())?
            .get_password()
        {
            Ok(_) | Err(keyring_core::Error::NoEntry) => Ok(()),
            Err(e) => Err(format!("{} does not answer ({e})", self.describe)),
        }
    }
}

impl SecretStore for KeyringStore {
    fn describe(&self) -> &'static str {
        self.describe
    }
    fn name(&self) -> &'static str {
        self.name
    }
    fn get(&self, account: &str) -> Result<Option<String>, AuthError> {
        match self.entry(account)?.get_password() {
            Ok(s) => Ok(Some(s)),
            Err(keyring_core::Error::NoEntry) => Ok(None),
            Err(e) => Err(self.err(e)),
        }
    }
    fn set(&self, account: &str, secret: &str) -> Result<(), AuthError> {
        self.entry(account)?
            .set_password(secret)
            .map_err(|e| self.err(e))
    }
    fn delete(&self, account: &str) -> Result<bool, AuthError> {
        match self.entry(account)?.delete_credential() {
            Ok(()) => Ok(true),
            Err(keyring_core::Error::NoEntry) => Ok(false),
            Err(e) => Err(self.err(e)),
        }
    }
    fn warning(&self) -> Option<&'static str> {
        self.warning
    }
}

/// A file per profile in the data dir, readable by the user alone. Used
/// only when the user asks for it.
pub struct FileStore {
    pub dir: PathBuf,
}

impl FileStore {
    pub fn default_dir() -> Option<PathBuf> {
        directories::ProjectDirs::from("", "", "rolo")
            .map(|d| d.data_local_dir().join("credentials"))
    }

    fn path(&self, account: &str) -> PathBuf {
        let safe = if account.is_empty() {
            String::new()
        } else {
            crate::cache::file_safe(account)
        };
        self.dir.join(format!("{safe}.json"))
    }

    fn err(e: impl std::fmt::Display) -> AuthError {
        AuthError::Store {
            store: "the credentials file",
            message: e.to_string(),
        }
    }
}

impl SecretStore for FileStore {
    fn describe(&self) -> &'static str {
        "a plain file (mode 0600)"
    }
    fn name(&self) -> &'static str {
        "file"
    }
    fn get(&self, account: &str) -> Result<Option<String>, AuthError> {
        match std::fs::read_to_string(self.path(account)) {
            Ok(s) => Ok(Some(s)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Self::err(e)),
        }
    }
    fn set(&self, account: &str, secret: &str) -> Result<(), AuthError> {
        use std::io::Write;
        // Readable by the user alone, like the file in it.
        crate::cache::private_dir(&self.dir).map_err(Self::err)?;
        let path = self.path(account);
        let tmp = path.with_extension("tmp");
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let mut f = opts.open(&tmp).map_err(Self::err)?;
        f.write_all(secret.as_bytes()).map_err(Self::err)?;
        f.sync_all().map_err(Self::err)?;
        // Written whole, then renamed: never half a secret on disk.
        std::fs::rename(&tmp, &path).map_err(Self::err)
    }
    fn delete(&self, account: &str) -> Result<bool, AuthError> {
        match std::fs::remove_file(self.path(account)) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(Self::err(e)),
        }
    }
    fn warning(&self) -> Option<&'static str> {
        Some(
            "the token is stored UNENCRYPTED in a file only you can read (mode 0600); anyone with your account or a backup of it can read it",
        )
    }
}

/// Opens one kind of keyring store, or says why it cannot.
type Opener = fn() -> Result<KeyringStore, String>;

/// The stores this machine offers, best first, and why the missing ones
/// are missing. `allowed` is `ROLO_SECRET_STORES` (None: all).
pub fn available_stores(
    allowed: Option<&str>,
    file_dir: Option<PathBuf>,
) -> (Vec<Box<dyn SecretStore>>, Vec<String>) {
    let allow = |name: &str| allowed.is_none_or(|a| a.split(',').any(|x| x.trim() == name));
    let mut stores: Vec<Box<dyn SecretStore>> = Vec::new();
    let mut skipped = Vec::new();
    let candidates: [(&str, Opener); 2] = [
        ("keyring", KeyringStore::os),
        ("kernel", KeyringStore::kernel),
    ];
    for (name, make) in candidates {
        if !allow(name) {
            skipped.push(format!("{name}: not in ROLO_SECRET_STORES"));
            continue;
        }
        match make() {
            Ok(s) => stores.push(Box::new(s)),
            Err(why) => skipped.push(why),
        }
    }
    match file_dir {
        Some(dir) if allow("file") => stores.push(Box::new(FileStore { dir })),
        Some(_) => skipped.push("file: not in ROLO_SECRET_STORES".into()),
        None => skipped.push("file: no data directory".into()),
    }
    (stores, skipped)
}

/// The account name for a profile.
pub fn account(profile: Option<&str>) -> String {
    profile.unwrap_or("default").to_string()
}

/// Saves a credential in the best store allowed: the file only when
/// `insecure` is set. Returns the store used and the reasons better ones
/// were skipped.
pub fn save<'a>(
    stores: &'a [Box<dyn SecretStore>],
    skipped: &[String],
    account: &str,
    credential: &Credential,
    insecure: bool,
) -> Result<(&'a dyn SecretStore, Vec<String>), AuthError> {
    let secret = serde_json::to_string(credential).map_err(FileStore::err)?;
    let mut reasons = skipped.to_vec();
    for s in stores {
        if s.name() == "file" && !insecure {
            reasons.push("file: only with --insecure-storage".into());
            continue;
        }
        match s.set(account, &secret) {
            Ok(()) => return Ok((s.as_ref(), reasons)),
            Err(e) => reasons.push(e.to_string()),
        }
    }
    Err(AuthError::NoStore(reasons))
}

/// The credential for `account` from the first store that has it.
pub fn load<'a>(
    stores: &'a [Box<dyn SecretStore>],
    account: &str,
) -> Result<Option<(Credential, &'a dyn SecretStore)>, AuthError> {
    for s in stores {
        if let Some(secret) = s.get(account)? {
            let cred: Credential = serde_json::from_str(&secret).map_err(|e| AuthError::Store {
                store: s.describe(),
                message: format!(
                    "the stored credential is unreadable ({e}); run `rolo auth login` again"
                ),
            })?;
            return Ok(Some((cred, s.as_ref())));
        }
    }
    Ok(None)
}

/// What a token may do, as the API answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Access {
    pub read: bool,
    pub write: Write,
}

/// Whether a token may write, as far as the probe could tell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Write {
    Yes,
    No,
    /// The probe failed for another reason (a timeout, a 5xx): no verdict.
    Unknown(String),
}

impl Write {
    pub fn is_yes(&self) -> bool {
        *self == Write::Yes
    }
}

impl std::fmt::Display for Write {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Write::Yes => write!(f, "yes"),
            Write::No => write!(f, "NO (read-only: changes will be refused)"),
            Write::Unknown(why) => write!(
                f,
                "unknown (the write check failed: {}; run `rolo auth status` later)",
                crate::text::sanitize(why)
            ),
        }
    }
}

/// What `verify` learned: the access, and the location's name when the
/// token may read it (`locations.readonly`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub access: Access,
    pub location_name: Option<String>,
}

/// Checks a token with two cheap calls: a one-contact search (read), and a
/// tag change on a contact that does not exist (write): a token without
/// the write scope is refused before the contact is even looked up, and
/// one with it gets "not found". Nothing is changed either way.
pub async fn verify(client: &crate::api::Client) -> Result<Verified, crate::api::ApiError> {
    use crate::api::ApiError;
    use crate::api::model::SearchContacts;
    client
        .search_contacts(&SearchContacts {
            page_limit: 1,
            ..SearchContacts::default()
        })
        .await?;
    let write = match client
        .add_tags("rolo-scope-check-0000", &["rolo-scope-check".to_string()])
        .await
    {
        Err(
            ApiError::MissingScope { .. }
            | ApiError::Forbidden { .. }
            | ApiError::Unauthorized { .. },
        ) => Write::No,
        // The contact does not exist: the scope let the request through.
        Ok(_) | Err(ApiError::NotFound { .. }) => Write::Yes,
        // Some services say "not found" with a 400 or 422; any other
        // refusal says nothing about the scope.
        Err(ApiError::Validation { messages, .. })
            if messages
                .iter()
                .any(|m| m.to_lowercase().contains("not found")) =>
        {
            Write::Yes
        }
        Err(e) => Write::Unknown(e.to_string()),
    };
    let location_name = client.location().await.ok().and_then(|l| l.name);
    Ok(Verified {
        access: Access { read: true, write },
        location_name,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credential_debug_masks_the_token() {
        let c = Credential {
            location_id: "loc".into(),
            base_url: None,
            token: "pit-0123456789abcdef".into(),
            oauth: None,
        };
        let shown = format!("{c:?}");
        assert!(!shown.contains("0123456789"), "{shown}");
        assert!(shown.contains("****cdef"));
    }
}
