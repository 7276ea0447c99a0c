//! Finding what a request names, and saying so when it is not there.

use tenantry_persistence::{tenants as tenant_rows, DbConnection, StoreError};

/// Something the request names does not exist, or is not visible from where the caller stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{0} not found")]
pub struct NotFound(pub &'static str);

/// Fails with [`NotFound`] unless the tenant exists: operators see every tenant, so for them a
/// missing one must still be a 404.
pub fn require_tenant<E>(conn: &mut DbConnection, tenant_id: &str) -> Result<(), E>
where
    E: From<NotFound> + From<StoreError>,
{
    match tenant_rows::find(conn, tenant_id)? {
        Some(_) => Ok(()),
        None => Err(NotFound("tenant").into()),
    }
}
