//! The Locations service (`apps/locations.json`): the location itself,
//! its tags, and the search of tasks across contacts.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::client::{Client, endpoint};
use super::error::ApiError;
use super::model::*;

/// The `Version` every Locations operation declares.
pub const VERSION: &str = "2021-07-28";

endpoint!(
    GET_LOCATION,
    "get-location",
    GET,
    "locations.readonly",
    Idempotent,
    VERSION
);
endpoint!(
    LOCATION_TAGS,
    "get-location-tags",
    GET,
    "locations/tags.readonly",
    Idempotent,
    VERSION
);
endpoint!(
    SEARCH_TASKS,
    "task-search",
    POST,
    "locations/tasks.readonly",
    Idempotent,
    VERSION
);

impl Client {
    /// POST /locations/{locationId}/tasks/search: tasks across contacts.
    pub async fn search_tasks(&self, q: &TaskSearch) -> Result<Vec<Task>, ApiError> {
        #[derive(serde::Deserialize)]
        struct Resp {
            #[serde(default)]
            tasks: Vec<Value>,
        }
        let body = serde_json::to_value(q).map_err(|e| ApiError::InvalidRequest(e.to_string()))?;
        let loc = self.location_id().to_string();
        let r: Resp = self
            .call(
                &SEARCH_TASKS,
                self.url(&["locations", &loc, "tasks", "search"]),
                &[],
                Some(body),
                &|| format!("location {loc}"),
            )
            .await?;
        r.tasks
            .into_iter()
            .enumerate()
            .map(|(i, mut row)| {
                // The live service keys rows `_id`; the spec's TaskSchema `id`.
                if let Some(o) = row.as_object_mut()
                    && !o.contains_key("id")
                    && let Some(id) = o.remove("_id")
                {
                    o.insert("id".into(), id);
                }
                serde_json::from_value::<Task>(row)
                    .map_err(|e| e.to_string())
                    .map_err(|cause| ApiError::Decode {
                        endpoint: SEARCH_TASKS.name,
                        path: format!("tasks[{i}]"),
                        cause,
                        snippet: String::new(),
                    })
            })
            .collect()
    }

    /// Every task a search finds: pages of 500 (the most HighLevel is
    /// known to give) by `skip`, until a short page. A page with no new
    /// task ends it with an error rather than looping.
    pub async fn search_tasks_all(&self, q: &TaskSearch) -> Result<Vec<Task>, ApiError> {
        const PAGE: u32 = 500;
        let mut all: Vec<Task> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for n in 0u32.. {
            let page = self
                .search_tasks(&TaskSearch {
                    limit: Some(PAGE),
                    skip: Some(n.saturating_mul(PAGE)),
                    ..q.clone()
                })
                .await?;
            let got = page.len();
            let before = all.len();
            all.extend(page.into_iter().filter(|t| seen.insert(t.id.clone())));
            if got < PAGE as usize {
                break;
            }
            if all.len() == before {
                return Err(crate::api::paging::PagingError::Repeated { page: n + 1 }.into());
            }
        }
        Ok(all)
    }

    /// GET /locations/{locationId}: the location's name and settings.
    pub async fn location(&self) -> Result<Location, ApiError> {
        #[derive(serde::Deserialize)]
        struct Resp {
            location: Location,
        }
        let loc = self.location_id().to_string();
        let r: Resp = self
            .call(
                &GET_LOCATION,
                self.url(&["locations", &loc]),
                &[],
                None,
                &|| format!("location {loc}"),
            )
            .await?;
        Ok(r.location)
    }

    /// GET /locations/{locationId}/tags, for tag completion.
    pub async fn location_tags(&self) -> Result<Vec<LocationTag>, ApiError> {
        #[derive(serde::Deserialize)]
        struct Resp {
            #[serde(default)]
            tags: Vec<LocationTag>,
        }
        let loc = self.location_id().to_string();
        let r: Resp = self
            .call(
                &LOCATION_TAGS,
                self.url(&["locations", &loc, "tags"]),
                &[],
                None,
                &|| format!("location {loc}"),
            )
            .await?;
        Ok(r.tags)
    }
}

// ------------------------------------------------------------ wire types

/// A location (sub-account), as GET /locations/{id} returns it
/// (`GetLocationByIdSchema`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Location {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// A tag defined on the location (`LocationTagsSchema`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LocationTag {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location_id: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// Body of POST /locations/{locationId}/tasks/search (`TaskSearchParamsDto`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskSearch {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_id: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completed: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assigned_to: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skip: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub business_id: Option<String>,
}
