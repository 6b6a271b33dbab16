//! The HighLevel API v2: wire types, the HTTP client, and the actor the UI
//! talks to. Nothing here knows about the terminal.

pub mod actor;
pub mod calendars;
pub mod campaigns;
pub mod client;
pub mod contacts;
pub mod conversations;
pub mod error;
pub mod limiter;
pub mod locations;
pub mod model;
pub mod oauth;
pub mod opportunities;
pub mod paging;
pub mod token;
pub mod users;
pub mod workflows;

pub use actor::{ApiEvent, ApiHandle, ApiOp, ApiRequest, ApiResponse, Priority, RequestId};
pub use client::{Client, ClientConfig, RetryPolicy};
pub use error::ApiError;
pub use limiter::{RateBudget, RateConfig};
pub use token::Token;
