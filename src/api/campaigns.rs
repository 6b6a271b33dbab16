//! The Campaigns service (`apps/campaigns.json`): the location's
//! campaigns, and taking a contact out of one or of all (paths of the
//! Contacts service).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::client::{Client, endpoint};
use super::error::ApiError;
use super::model::Extra;

/// The `Version` the Campaigns operations declare.
pub const VERSION: &str = "2021-07-28";

endpoint!(
    CAMPAIGNS,
    "get-campaigns",
    GET,
    "campaigns.readonly",
    Idempotent,
    VERSION
);
endpoint!(
    LEAVE,
    "remove-contact-from-campaign",
    DELETE,
    "contacts.write",
    Idempotent,
    super::contacts::VERSION
);
endpoint!(
    LEAVE_ALL,
    "remove-contact-from-every-campaign",
    DELETE,
    "contacts.write",
    Idempotent,
    super::contacts::VERSION
);

/// A campaign (`campaignsSchema`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Campaign {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

impl Client {
    /// GET /campaigns/?locationId=
    pub async fn campaigns(&self) -> Result<Vec<Campaign>, ApiError> {
        let all: Vec<Campaign> = self
            .location_list(&CAMPAIGNS, &["campaigns", ""], "campaigns", &[])
            .await?;
        Ok(all.into_iter().filter(|c| !c.id.is_empty()).collect())
    }

    /// DELETE /contacts/{contactId}/campaigns/{campaignId}, or with
    /// `None`, /contacts/{contactId}/campaigns/removeAll.
    pub async fn remove_from_campaign(
        &self,
        contact_id: &str,
        campaign_id: Option<&str>,
    ) -> Result<(), ApiError> {
        let (ep, last) = match campaign_id {
            Some(id) => (&LEAVE, id),
            None => (&LEAVE_ALL, "removeAll"),
        };
        let _: Value = self
            .call(
                ep,
                self.url(&["contacts", contact_id, "campaigns", last]),
                &[],
                None,
                &|| format!("contact {contact_id} in campaign {last}"),
            )
            .await?;
        Ok(())
    }
}
