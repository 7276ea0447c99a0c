//! What clients see: the response bodies, built from domain values and stored rows. Services
//! return these; routes turn them into HTTP responses. Nothing here knows HTTP.

/// A page type for one kind of item, as lists answer.
macro_rules! page_of {
    ($page:ident, $item:ty, $what:literal) => {
        #[doc = concat!("One page of ", $what, ".")]
        #[derive(serde::Serialize, utoipa::ToSchema)]
        pub struct $page {
            pub items: Vec<$item>,
            /// Pass as `cursor` to get the next page; `null` on the last page.
            pub next_cursor: Option<String>,
        }

        impl From<$crate::views::Page<$item>> for $page {
            fn from(page: $crate::views::Page<$item>) -> Self {
                Self { items: page.items, next_cursor: page.next_cursor }
            }
        }
    };
}

pub mod audit;
pub mod domain;
pub mod left_behind;
pub mod me;
pub mod message_centre;
pub mod outbox;
pub mod partner;
pub mod partner_domain;
pub mod plan;
pub mod plan_change;
pub mod service_health;
pub mod service_request;
pub mod signing_key;
pub mod signup;
pub mod subscription;
pub mod tenant;
pub mod user;
pub mod webhook;

/// A view of a mutable resource, with the version its `ETag` names.
pub struct Versioned<T> {
    pub view: T,
    pub version: i64,
}

/// One page of a list, and the cursor of the next one.
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}
