//! The Workflows service (`apps/workflows.json`): the location's
//! workflows, and putting a contact in one or taking them out (paths of
//! the Contacts service).

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::client::{Client, endpoint};
use super::error::ApiError;
use super::model::Extra;

/// The `Version` the Workflows operations declare.
pub const VERSION: &str = "2021-07-28";

endpoint!(
    WORKFLOWS,
    "get-workflow",
    GET,
    "workflows.readonly",
    Idempotent,
    VERSION
);
// Entering a workflow twice may send its messages twice: not repeated
// unless it cannot have arrived.
endpoint!(
    ENROLL,
    "add-contact-to-workflow",
    POST,
    "contacts.write",
    OnlyIfUnprocessed,
    super::contacts::VERSION
);
endpoint!(
    UNENROLL,
    "delete-contact-from-workflow",
    DELETE,
    "contacts.write",
    Idempotent,
    super::contacts::VERSION
);

/// A workflow (`WorkflowSchema`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Workflow {
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
    /// GET /workflows/?locationId=
    pub async fn workflows(&self) -> Result<Vec<Workflow>, ApiError> {
        let all: Vec<Workflow> = self
            .location_list(&WORKFLOWS, &["workflows", ""], "workflows", &[])
            .await?;
        Ok(all.into_iter().filter(|w| !w.id.is_empty()).collect())
    }

    /// POST /contacts/{contactId}/workflow/{workflowId}
    pub async fn add_to_workflow(
        &self,
        contact_id: &str,
        workflow_id: &str,
    ) -> Result<(), ApiError> {
        self.workflow_call(&ENROLL, contact_id, workflow_id).await
    }

    /// DELETE /contacts/{contactId}/workflow/{workflowId}
    pub async fn remove_from_workflow(
        &self,
        contact_id: &str,
        workflow_id: &str,
    ) -> Result<(), ApiError> {
        self.workflow_call(&UNENROLL, contact_id, workflow_id).await
    }

    async fn workflow_call(
        &self,
        ep: &'static super::client::Endpoint,
        contact_id: &str,
        workflow_id: &str,
    ) -> Result<(), ApiError> {
        let _: Value = self
            .call(
                ep,
                self.url(&["contacts", contact_id, "workflow", workflow_id]),
                &[],
                Some(json!({})),
                &|| format!("contact {contact_id} in workflow {workflow_id}"),
            )
            .await?;
        Ok(())
    }
}
