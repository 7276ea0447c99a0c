//! Buying a domain: availability with alternatives, a registration that holds a
//! Registrar seat from the moment it is asked for, and the durable job that asks the registry.
//!
//! The registry is a port: [`Registry`] here, with the embedded implementation in
//! `persistence::registry` (a table of registered names). A real registrar plugs in behind the
//! same two calls; see the README.

use tenantry_domain::audit::AuditAction;
use tenantry_domain::custom_domain::DomainOrigin;
use tenantry_domain::license_pool::PoolError;
use tenantry_domain::permissions::{Action, Target};
use tenantry_domain::registration::{self, NotForSale, Registrant, RegistrationStatus, REGISTRAR_PLAN};
use tenantry_domain::TenantId;
use tenantry_domain::{AdminRole, DomainName};
use tenantry_persistence::registrations::{self, NewRegistration, RegistrationRow};
use tenantry_persistence::seats::{self, SeatError};
use tenantry_persistence::subscriptions::{self, SubscriptionRow};
use tenantry_persistence::{domains as domain_rows, jobs, registry, tenants, time, users, DbConnection, StoreError};

use super::lookup::{require_tenant, NotFound};
use super::messages::{self, Recipient};
use crate::app::state::AppState;
use crate::app::unit_of_work::{Subject, Tx};
use crate::http::caller::{AccessDenied, SignedIn};
use crate::http::idempotency::Idempotent;
use crate::http::idempotency::{self, KeyReused, Outcome, Replayable};
use crate::http::pagination::PageRequest;
use crate::runtime::ids::new_id;
use crate::views::domain::{DomainAvailability, DomainRegistration};
use crate::views::Page;

/// Why a registration use case did not happen.
#[derive(Debug, thiserror::Error)]
pub enum RegistrationError {
    #[error(transparent)]
    Access(#[from] AccessDenied),
    #[error(transparent)]
    NotFound(#[from] NotFound),
    #[error(transparent)]
    NotForSale(#[from] NotForSale),
    #[error("{name} is taken")]
    Taken { name: String, alternatives: Vec<String> },
    #[error("{0}")]
    NoRegistrarSeat(String),
    #[error(transparent)]
    PlatformOwned(#[from] tenantry_domain::custom_domain::PlatformOwned),
    #[error(transparent)]
    KeyReused(#[from] KeyReused),
    #[error("cannot render the response: {0}")]
    Render(#[from] serde_json::Error),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The registry the names are bought from.
pub trait Registry {
    /// Which of `names` someone holds already.
    fn taken_among(&self, conn: &mut DbConnection, names: &[String]) -> Result<Vec<String>, StoreError>;
    /// Registers `name` for `holder`; false when the registry refuses because it is held.
    fn register(
        &self,
        conn: &mut DbConnection,
        name: &str,
        holder: &str,
        now: chrono::NaiveDateTime,
    ) -> Result<bool, StoreError>;
}

/// The registry embedded in the service's own database.
pub struct EmbeddedRegistry;

impl Registry for EmbeddedRegistry {
    fn taken_among(&self, conn: &mut DbConnection, names: &[String]) -> Result<Vec<String>, StoreError> {
        registry::taken_among(conn, names)
    }

    fn register(
        &self,
        conn: &mut DbConnection,
        name: &str,
        holder: &str,
        now: chrono::NaiveDateTime,
    ) -> Result<bool, StoreError> {
        registry::register(conn, name, holder, now)
    }
}

/// Names that cannot be bought: held at the registry, or being bought through Tenantry.
fn taken(conn: &mut DbConnection, names: &[String]) -> Result<Vec<String>, StoreError> {
    let mut taken = EmbeddedRegistry.taken_among(conn, names)?;
    for name in names {
        if !taken.contains(name) && registrations::name_is_live(conn, name)? {
            taken.push(name.clone());
        }
    }
    Ok(taken)
}

/// Whether `name` can be bought and, when it cannot, the same name on the other extensions
/// that are still free.
fn availability_of(conn: &mut DbConnection, name: &DomainName) -> Result<DomainAvailability, StoreError> {
    let alternatives: Vec<String> = registration::alternatives(name).iter().map(ToString::to_string).collect();
    let mut asked: Vec<String> = vec![name.to_string()];
    asked.extend(alternatives.iter().cloned());
    let held = taken(conn, &asked)?;
    let available = !held.contains(&name.to_string());
    let alternatives =
        if available { Vec::new() } else { alternatives.into_iter().filter(|alt| !held.contains(alt)).collect() };
    Ok(DomainAvailability { name: name.to_string(), available, alternatives })
}

/// Availability, for anyone signed in.
pub async fn availability(
    state: &AppState,
    caller: &SignedIn,
    name: DomainName,
) -> Result<DomainAvailability, RegistrationError> {
    registration::check_for_sale(&name)?;
    let permit = caller.anyone_signed_in();
    state.read(&permit, move |conn, _| Ok(availability_of(conn, &name)?)).await
}

pub struct RegistrationInput {
    pub name: DomainName,
    pub registrant: Registrant,
    /// The Registrar resource to use; the one with most free seats when absent.
    pub subscription_id: Option<String>,
}

/// The Registrar resource the registration takes a seat of.
fn registrar_for(tx: &mut Tx<'_>, tenant_id: &str, chosen: Option<&str>) -> Result<SubscriptionRow, RegistrationError> {
    let no_seat = |why: &str| RegistrationError::NoRegistrarSeat(why.to_owned());
    match chosen {
        Some(id) => {
            let row = subscriptions::find_in_tenant(tx.conn(), tenant_id, id)?.ok_or(NotFound("subscription"))?;
            if row.plan_code != REGISTRAR_PLAN {
                return Err(no_seat("that subscription is not a Registrar resource: order the `registrar` plan"));
            }
            Ok(row)
        }
        None => {
            subscriptions::active_of_plan(tx.conn(), tenant_id, REGISTRAR_PLAN)?.into_iter().next().ok_or_else(|| {
                no_seat("buying a domain needs a Registrar resource: order the `registrar` plan, then register")
            })
        }
    }
}

/// Asks for a name: the registration is `pending`, holds a Registrar seat, and a job asks the
/// registry.
pub async fn register(
    state: &AppState,
    caller: &SignedIn,
    tenant_id: TenantId,
    input: RegistrationInput,
    request: Idempotent,
) -> Result<Replayable, RegistrationError> {
    let permit = caller.authorize(&tenant_id, Action::ManageDomains, Target::Tenant)?;
    registration::check_for_sale(&input.name)?;
    // Bought or added, the platform's own domain and the names under it are no tenant's.
    tenantry_domain::custom_domain::check_addable(&input.name, &state.config.platform_domain)?;
    let registrant = serde_json::to_string(&input.registrant)
        .map_err(|e| StoreError::Corrupt(format!("cannot store the registrant: {e}")))?;
    let delay = chrono::Duration::milliseconds(state.config.provisioning_delay_millis);
    idempotency::run_once(state, &permit, request.key, request.fingerprint, move |tx| {
        require_tenant::<RegistrationError>(tx.conn(), &tenant_id)?;
        let name = input.name.to_string();
        let available = availability_of(tx.conn(), &input.name)?;
        if !available.available {
            return Err(RegistrationError::Taken { name, alternatives: available.alternatives });
        }
        let registrar = registrar_for(tx, &tenant_id, input.subscription_id.as_deref())?;
        let stamp = tx.stamp();
        match seats::hold_for_resource(tx.conn(), &registrar.id, stamp) {
            Ok(()) => {}
            Err(SeatError::Store(error)) => return Err(error.into()),
            Err(SeatError::Refused(PoolError::NotActive { .. })) => {
                return Err(RegistrationError::NoRegistrarSeat("the Registrar resource is not active".to_owned()));
            }
            Err(_) => {
                let why = "every seat of the Registrar resource holds a domain: activate or buy a seat first";
                return Err(RegistrationError::NoRegistrarSeat(why.to_owned()));
            }
        }
        let id = new_id();
        let row = NewRegistration {
            id: &id,
            tenant_id: &tenant_id,
            subscription_id: &registrar.id,
            name: &name,
            status: RegistrationStatus::Pending.as_str(),
            registrant: &registrant,
            created_at: stamp,
            updated_at: stamp,
        };
        registrations::insert(tx.conn(), &row).map_err(|e| match e {
            // Someone asked for the same name at the same moment and won.
            StoreError::UniqueViolation { .. } => RegistrationError::Taken { name: name.clone(), alternatives: vec![] },
            other => other.into(),
        })?;
        let run_at = time::to_db(tx.now() + delay);
        jobs::enqueue(tx.conn(), &new_id(), jobs::REGISTER_DOMAIN, &id, stamp, run_at)?;
        tx.audit(
            AuditAction::DomainRegistrationRequested,
            Subject::in_tenant(&tenant_id, &id),
            serde_json::json!({"name": name, "subscription_id": registrar.id}),
        )?;
        let registered = view(tx.conn(), &tenant_id, &id)?;
        Ok(Replayable {
            outcome: Outcome::Accepted,
            body: serde_json::to_value(&registered)?,
            location: Some(format!("/v1/tenants/{tenant_id}/domain-registrations/{id}")),
            etag: None,
            replayed: false,
        })
    })
    .await
}

fn view(conn: &mut DbConnection, tenant_id: &str, id: &str) -> Result<DomainRegistration, RegistrationError> {
    let row = registrations::find_in_tenant(conn, tenant_id, id)?.ok_or(NotFound("domain registration"))?;
    Ok(DomainRegistration::try_from(&row)?)
}

pub async fn list(
    state: &AppState,
    caller: &SignedIn,
    tenant_id: TenantId,
    page: PageRequest,
) -> Result<Page<DomainRegistration>, RegistrationError> {
    let permit = caller.authorize(&tenant_id, Action::ReadTenant, Target::Tenant)?;
    state
        .read(&permit, move |conn, _| {
            require_tenant::<RegistrationError>(conn, &tenant_id)?;
            let rows = registrations::list_in_tenant(conn, &tenant_id, page.after.as_deref(), page.fetch_limit())?;
            let (rows, next_cursor) = page.finish(rows, |row| row.id.as_str());
            let items = rows.iter().map(DomainRegistration::try_from).collect::<Result<_, _>>()?;
            Ok(Page { items, next_cursor })
        })
        .await
}

pub async fn get(
    state: &AppState,
    caller: &SignedIn,
    tenant_id: TenantId,
    id: String,
) -> Result<DomainRegistration, RegistrationError> {
    let permit = caller.authorize(&tenant_id, Action::ReadTenant, Target::Tenant)?;
    state.read(&permit, move |conn, _| view(conn, &tenant_id, &id)).await
}

/// The job: asks the registry for the name. Bought, it becomes a verified domain of the tenant
/// and its admins are told; refused, the registration fails and its seat is free again.
pub fn complete(tx: &mut Tx<'_>, registration_id: &str) -> Result<(), StoreError> {
    let Some(row) = registrations::find(tx.conn(), registration_id)? else {
        return Err(StoreError::Corrupt(format!("registering a domain that was never asked for: {registration_id}")));
    };
    if row.status != RegistrationStatus::Pending {
        return Ok(());
    }
    let holder = tenants::find(tx.conn(), &row.tenant_id)?.map_or_else(|| row.tenant_id.clone(), |t| t.name);
    let stamp = tx.stamp();
    let held_elsewhere = domain_rows::verified_holder(tx.conn(), &row.name)?.is_some_and(|(t, _)| t != row.tenant_id);
    if held_elsewhere || !EmbeddedRegistry.register(tx.conn(), &row.name, &holder, stamp)? {
        return fail(tx, &row, "the registry refused: the name is held by someone else");
    }
    registrations::complete(tx.conn(), &row.id, RegistrationStatus::Active, None, stamp)?;
    super::domains::add_verified(tx, &row.tenant_id, &row.name, DomainOrigin::Registered)?;
    for admin in users::with_role(tx.conn(), &row.tenant_id, AdminRole::GlobalAdmin)? {
        if let Some(to) = Recipient::of(&admin) {
            tx.send(messages::domain_active(&to, &row.name, tx.public_url()))?;
        }
    }
    tx.audit(
        AuditAction::DomainRegistrationActivated,
        Subject::in_tenant(&row.tenant_id, &row.id),
        serde_json::json!({"name": row.name}),
    )
}

/// The registration failed for good: recorded with why, and its Registrar seat given back.
pub fn fail(tx: &mut Tx<'_>, row: &RegistrationRow, why: &str) -> Result<(), StoreError> {
    let stamp = tx.stamp();
    if !registrations::complete(tx.conn(), &row.id, RegistrationStatus::Failed, Some(why), stamp)? {
        return Ok(());
    }
    seats::release_from_resource(tx.conn(), &row.subscription_id, stamp)
        .map_err(|e| e.unexpected(&format!("registration {} giving back its seat", row.id)))?;
    tx.audit(
        AuditAction::DomainRegistrationFailed,
        Subject::in_tenant(&row.tenant_id, &row.id),
        serde_json::json!({"name": row.name, "reason": why}),
    )
}

/// After the job's last attempt failed: the registration fails with the job's error.
pub fn give_up(tx: &mut Tx<'_>, registration_id: &str, error: &str) -> Result<(), StoreError> {
    match registrations::find(tx.conn(), registration_id)? {
        Some(row) => {
            // The job's error stays in the log and on the job; the client reads a sentence.
            log::warn!("registration {registration_id} given up: {error}");
            fail(tx, &row, "the registry could not be reached after every attempt; ask again later")
        }
        None => Ok(()),
    }
}
