//! The Users service (`apps/users.json`): the location's users, the people
//! that contacts, tasks and notes name by id.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use serde_json::{Value, json};

use super::Shared;
use super::http::{outcome, with_store};
use super::store::*;

/// The `Version` the service's operations declare.
pub const VERSION: &str = "2021-07-28";

/// The service's routes, with the spec's paths.
pub(super) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/users/", get(users_by_location))
        .route("/users", get(users_by_location))
        .route("/users/search", get(search_users))
        .route("/users/{user_id}", get(user))
}

/// The agency the sandbox location belongs to (`companyId`).
pub const COMPANY_ID: &str = "sandboxCompany000001";

const FIRST: &[&str] = &[
    "Maya", "Tomás", "Priya", "Jonas", "Keiko", "Amara", "Luca", "Sofia", "Omar", "Hana", "Diego",
    "Ingrid",
];
const LAST: &[&str] = &[
    "Okafor",
    "Lindqvist",
    "Raman",
    "Weber",
    "Sato",
    "Mensah",
    "Rossi",
    "Novak",
    "Haddad",
    "Kim",
    "Alvarez",
    "Berg",
];

/// The seeded users, one per id: names drawn from their own stream, so
/// that the contacts' seed stays as it was.
pub(super) fn seed(ids: &[String], seed: u64) -> Vec<Obj> {
    let mut rng = fastrand::Rng::with_seed(seed ^ 0x05e7);
    // Steps coprime with the lists' length: no two users share a name.
    let (first0, last0) = (rng.usize(..FIRST.len()), rng.usize(..LAST.len()));
    ids.iter()
        .enumerate()
        .map(|(i, id)| {
            let first = FIRST[(first0 + i * 5) % FIRST.len()];
            let last = LAST[(last0 + i * 7) % LAST.len()];
            let email = format!(
                "{}.{}@agency.example.com",
                first.to_lowercase().replace('á', "a"),
                last.to_lowercase()
            );
            let role = if i == 0 { "admin" } else { "user" };
            let v = json!({
                "id": id,
                "name": format!("{first} {last}"),
                "firstName": first,
                "lastName": last,
                "email": email,
                "phone": format!("+1555010{:04}", 1000 + i),
                "extension": "",
                "roles": {"type": "account", "role": role, "locationIds": []},
                "deleted": false,
            });
            object(v)
        })
        .collect()
}

impl Store {
    /// A body's user ids (`assignedTo`, a note's `userId`) must name users
    /// of this location: 422 otherwise, as a NestJS validator says it.
    pub(super) fn check_user_ids(&self, body: &Obj) -> Result<(), Reply> {
        let known = |id: &str| {
            self.users
                .iter()
                .any(|u| u.get("id").and_then(Value::as_str) == Some(id))
        };
        let bad: Vec<String> = ["assignedTo", "userId"]
            .into_iter()
            .filter(|k| {
                body.get(*k)
                    .and_then(Value::as_str)
                    .is_some_and(|id| !id.is_empty() && !known(id))
            })
            .map(|k| format!("{k} must be the id of a user of this location"))
            .collect();
        if bad.is_empty() {
            Ok(())
        } else {
            Err(unprocessable(bad))
        }
    }

    /// GET /users/?locationId=: the location's users (not the deleted).
    pub fn users_by_location(&self, q: &HashMap<String, String>) -> Outcome {
        // The spec declares 400, not 422, for this operation's bad input.
        match q.get("locationId").map(String::as_str) {
            None | Some("") => return Err(bad_request("locationId should not be empty")),
            loc => self.check_location(loc)?,
        }
        let users: Vec<&Obj> = self
            .users
            .iter()
            .filter(|u| u.get("deleted").and_then(Value::as_bool) != Some(true))
            .collect();
        ok(json!({ "users": users }))
    }
}

impl Store {
    /// GET /users/search?companyId=…: the users matching `query` (name or
    /// email), of `locationId` if given, paged by `skip` and `limit`.
    pub fn search_users(&self, q: &HashMap<String, String>) -> Outcome {
        match q.get("companyId").map(String::as_str) {
            None | Some("") => {
                return Err(unprocessable(vec!["companyId should not be empty".into()]));
            }
            Some(c) if c != COMPANY_ID => return Ok(ok_users(Vec::new())),
            _ => {}
        }
        let number = |k: &str, default: usize| match q.get(k) {
            None => Ok(default),
            Some(v) => v
                .parse::<usize>()
                .map_err(|_| unprocessable(vec![format!("{k} must be a number string")])),
        };
        let (skip, limit) = (number("skip", 0)?, number("limit", 25)?);
        if let Some(loc) = q.get("locationId").filter(|l| !l.is_empty())
            && *loc != self.location_id
        {
            return Ok(ok_users(Vec::new()));
        }
        let words = q.get("query").map(|s| s.to_lowercase()).unwrap_or_default();
        let found: Vec<Obj> = self
            .users
            .iter()
            .filter(|u| u.get("deleted").and_then(Value::as_bool) != Some(true))
            .filter(|u| {
                let text = |k: &str| {
                    u.get(k)
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_lowercase()
                };
                words.is_empty() || text("name").contains(&words) || text("email").contains(&words)
            })
            .cloned()
            .collect();
        let count = found.len();
        let page: Vec<Obj> = found.into_iter().skip(skip).take(limit).collect();
        let mut r = ok_users(page);
        r.body["count"] = json!(count);
        Ok(r)
    }

    /// GET /users/{userId}: one user. The spec declares 400 (not 404)
    /// for an id it does not know.
    pub fn user(&self, id: &str) -> Outcome {
        match self
            .users
            .iter()
            .find(|u| u.get("id").and_then(Value::as_str) == Some(id))
        {
            Some(u) => ok(Value::Object(u.clone())),
            None => Err(bad_request("User not found")),
        }
    }
}

fn ok_users(users: Vec<Obj>) -> Reply {
    Reply {
        status: 200,
        body: json!({ "users": users, "count": users.len() }),
    }
}

async fn search_users(
    State(s): State<Arc<Shared>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    outcome(with_store!(s, |st| st.search_users(&q)))
}

async fn user(
    State(s): State<Arc<Shared>>,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> Response {
    outcome(with_store!(s, |st| st.user(&id)))
}

async fn users_by_location(
    State(s): State<Arc<Shared>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    outcome(with_store!(s, |st| st.users_by_location(&q)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_user_named_in_the_seed_exists_and_the_location_is_checked() {
        let st = Store::seeded("loc", 60, 7);
        let q = |loc: &str| HashMap::from([("locationId".to_string(), loc.to_string())]);
        let r = st.users_by_location(&q("loc")).unwrap();
        let users = r.body["users"].as_array().unwrap();
        assert!(!users.is_empty());
        let ids: Vec<&str> = users.iter().filter_map(|u| u["id"].as_str()).collect();
        for t in st.tasks.values().flatten() {
            if let Some(a) = t.get("assignedTo").and_then(Value::as_str) {
                assert!(ids.contains(&a), "task assignee {a} is not a user");
            }
        }
        for c in st.contacts.iter() {
            if let Some(a) = c.get("assignedTo").and_then(Value::as_str) {
                assert!(ids.contains(&a), "contact owner {a} is not a user");
            }
        }
        let mut names: Vec<&str> = users.iter().filter_map(|u| u["name"].as_str()).collect();
        names.sort();
        names.dedup();
        assert_eq!(
            names.len(),
            users.len(),
            "every user has a name of their own"
        );
        assert_eq!(st.users_by_location(&q("other")).unwrap_err().status, 403);
        // Writes that name a user must name one of these.
        let mut st = st;
        let cid = st.contact_ids()[0].clone();
        let r = st
            .update_contact(&cid, &json!({"assignedTo": "nobody0000000000000"}))
            .unwrap_err();
        assert_eq!(r.status, 422);
        assert!(
            r.body.to_string().contains("assignedTo must be the id"),
            "{}",
            r.body
        );
        assert!(
            st.update_contact(&cid, &json!({"assignedTo": ids[0]}))
                .is_ok()
        );
        assert!(
            st.update_contact(&cid, &json!({"assignedTo": null}))
                .is_ok()
        );
        assert_eq!(
            st.users_by_location(&HashMap::new()).unwrap_err().status,
            400
        );
    }
}
