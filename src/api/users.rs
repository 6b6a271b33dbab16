//! The Users service (`apps/users.json`): the people of a location, so that
//! rolo can show a name wherever the API gives a user's id.

use serde::{Deserialize, Serialize};

use crate::api::client::{Client, endpoint};
use crate::api::error::ApiError;
use crate::api::model::Extra;

/// The `Version` every Users operation declares.
pub const VERSION: &str = "2021-07-28";

endpoint!(
    USERS_BY_LOCATION,
    "get-user-by-location",
    GET,
    "users.readonly",
    Idempotent,
    VERSION
);

impl Client {
    /// GET /users/?locationId=: every user of the location.
    pub async fn location_users(&self) -> Result<Vec<User>, ApiError> {
        #[derive(Deserialize)]
        struct Resp {
            #[serde(default)]
            users: Vec<User>,
        }
        let loc = self.location_id().to_string();
        let r: Resp = self
            .call(
                &USERS_BY_LOCATION,
                self.url(&["users", ""]),
                &[self.location_query()],
                None,
                &|| format!("the users of location {loc}"),
            )
            .await?;
        Ok(r.users
            .into_iter()
            .filter(|u| !u.id.is_empty() && u.deleted != Some(true))
            .collect())
    }
}

/// A user of the location (`UserSchema`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    /// The spec requires no field; a user without an id is left out.
    #[serde(default)]
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted: Option<bool>,
    /// Permissions, roles, scopes and whatever else the server sends.
    #[serde(flatten)]
    pub extra: Extra,
}

impl User {
    /// The name to show: `name`, else first and last, else the email, else
    /// the id.
    pub fn display_name(&self) -> String {
        fn nonblank(s: &Option<String>) -> Option<&str> {
            s.as_deref().map(str::trim).filter(|s| !s.is_empty())
        }
        if let Some(n) = nonblank(&self.name) {
            return n.to_string();
        }
        let parts: Vec<&str> = [nonblank(&self.first_name), nonblank(&self.last_name)]
            .into_iter()
            .flatten()
            .collect();
        if !parts.is_empty() {
            return parts.join(" ");
        }
        nonblank(&self.email).unwrap_or(&self.id).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_user_keeps_what_rolo_does_not_model() {
        let v = json!({
            "id": "u1", "name": "Ana Ruiz", "email": "ana@example.com",
            "roles": {"type": "account", "role": "admin"}, "deleted": false
        });
        let u: User = serde_json::from_value(v.clone()).unwrap();
        assert_eq!(u.display_name(), "Ana Ruiz");
        assert_eq!(serde_json::to_value(&u).unwrap(), v);
        // What was absent stays absent.
        let bare = json!({"id": "u3"});
        let u: User = serde_json::from_value(bare.clone()).unwrap();
        assert_eq!(serde_json::to_value(&u).unwrap(), bare);
    }

    #[test]
    fn the_shown_name_falls_back() {
        let mut u = User {
            id: "u2".into(),
            name: Some("  ".into()),
            first_name: Some("Ben".into()),
            last_name: Some("Ito".into()),
            ..User::default()
        };
        assert_eq!(u.display_name(), "Ben Ito");
        u.first_name = None;
        u.last_name = None;
        u.email = Some("ben@example.com".into());
        assert_eq!(u.display_name(), "ben@example.com");
        u.email = None;
        assert_eq!(u.display_name(), "u2");
    }
}
