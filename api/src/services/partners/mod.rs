//! Partners and delegated administration: partner organisations and their people, offers,
//! relationships, who acts for which customer, API clients, and the partner app's lists.

use tenantry_domain::audit::AuditAction;
use tenantry_domain::limits::CapReached;
use tenantry_domain::partner::{AssignmentError, PartnerAction, PartnerRole};
use tenantry_domain::partner_domain::{self, PartnerDomainRefusal, PartnerSignInRefusal, SignInDomain};
use tenantry_domain::relationship::AcceptanceError;
use tenantry_domain::user::{DisplayName, UserKind};
use tenantry_domain::{EmailAddress, Password};
use tenantry_domain::{PartnerId, UserId};
use tenantry_persistence::partner_domains;
use tenantry_persistence::partners::{self as partner_rows, NewPartner};
use tenantry_persistence::tenants;
use tenantry_persistence::users::{self, NewUser};
use tenantry_persistence::StoreError;

pub mod access;
pub mod api_clients;
pub mod customers;
pub mod domains;
pub mod expiry;
pub mod left_behind;
pub mod offers;
pub mod relationships;

use crate::app::state::AppState;
use crate::app::unit_of_work::{Subject, Tx};
use crate::auth::hashing::HashingError;
use crate::auth::{passwords, secrets};
use crate::http::caller::{AccessDenied, SignedIn};
use crate::http::pagination::PageRequest;
use crate::runtime::ids::new_id;
use crate::services::lookup::NotFound;
use crate::services::messages::{self, Recipient};
use crate::services::users::SignInTaken;
use crate::views::partner::{Partner, PartnerPerson};
use crate::views::Page;

/// Why a use case about partners did not happen.
#[derive(Debug, thiserror::Error)]
pub enum PartnerError {
    #[error(transparent)]
    Access(#[from] AccessDenied),
    #[error(transparent)]
    NotFound(#[from] NotFound),
    #[error(transparent)]
    SignInTaken(#[from] SignInTaken),
    #[error(transparent)]
    Acceptance(#[from] AcceptanceError),
    #[error(transparent)]
    Assignment(#[from] AssignmentError),
    /// Access can only be given for a customer with a live relationship.
    #[error("this tenant has no active relationship with your partner organisation")]
    NotACustomer,
    #[error("this API client is disabled")]
    ClientDisabled,
    #[error(transparent)]
    SignInDomain(#[from] PartnerSignInRefusal),
    #[error(transparent)]
    ProvableDomain(#[from] PartnerDomainRefusal),
    #[error("{0} is a domain of this partner already")]
    DomainAlreadyAdded(String),
    #[error("{0} is proved by a customer or another partner: a proved domain has one holder")]
    DomainHeldElsewhere(String),
    #[error("people of this partner sign in at {0}: give them other addresses first")]
    DomainInUse(String),
    #[error(transparent)]
    Proof(#[from] crate::services::domains::DomainError),
    #[error(transparent)]
    Cap(#[from] CapReached),
    #[error(transparent)]
    Rate(#[from] tenantry_domain::limits::RateReached),
    #[error(transparent)]
    AdminNotAssignable(access::NotAnAgent),
    #[error(transparent)]
    Hashing(#[from] HashingError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Where the partner's people may sign in without proving a domain: `<slug>.partners.<platform>`.
pub fn platform_domain_of(partner: &partner_rows::PartnerRow, platform_domain: &str) -> String {
    let label = partner.slug.clone().unwrap_or_else(|| partner_domain::platform_label(&partner.id, None));
    partner_domain::platform_domain_of(&label, platform_domain)
}

/// The partner as clients see it.
pub fn view(row: partner_rows::PartnerRow, platform_domain: &str) -> Partner {
    let platform = platform_domain_of(&row, platform_domain);
    Partner::new(row, platform)
}

/// Takes the partner's row lock for the transaction (its caps are counted one change at a
/// time): 404 when it does not exist.
fn lock_partner(conn: &mut tenantry_persistence::DbConnection, partner_id: &str) -> Result<(), PartnerError> {
    if partner_rows::lock(conn, partner_id)? {
        Ok(())
    } else {
        Err(PartnerError::NotFound(NotFound("partner")))
    }
}

/// A partner as a use case finds it: 404 when it does not exist.
fn require_partner(
    tx_conn: &mut tenantry_persistence::DbConnection,
    partner_id: &str,
) -> Result<partner_rows::PartnerRow, PartnerError> {
    partner_rows::find(tx_conn, partner_id)?.ok_or(PartnerError::NotFound(NotFound("partner")))
}

/// Creates a partner organisation (operators only); its people are added next.
pub async fn create(state: &AppState, caller: &SignedIn, name: String) -> Result<Partner, PartnerError> {
    let permit = caller.require_operator()?;
    state
        .transact(&permit, move |tx| {
            let now = tx.stamp();
            let id = new_id();
            let mut slug = partner_domain::platform_label(&name, None);
            if partner_rows::slug_taken(tx.conn(), &slug)? {
                let suffix: String = secrets::new_verification_code().chars().take(6).collect();
                slug = partner_domain::platform_label(&name, Some(&suffix));
            }
            let partner = NewPartner { id: &id, name: &name, slug: &slug, created_at: now, updated_at: now };
            partner_rows::insert(tx.conn(), &partner)?;
            tx.audit(AuditAction::PartnerCreated, Subject::platform(&id), serde_json::json!({"name": name}))?;
            Ok(view(require_partner(tx.conn(), &id)?, tx.platform_domain().as_str()))
        })
        .await
}

/// Operators list every partner; a partner's people and clients see their own only.
pub async fn list(state: &AppState, caller: &SignedIn, page: PageRequest) -> Result<Page<Partner>, PartnerError> {
    let platform = state.config.platform_domain.to_string();
    if !caller.is_operator {
        let own = caller.partner.as_ref().ok_or(AccessDenied::PartnerPeopleOnly)?;
        let partner_id = own.partner_id.clone();
        let permit = caller.authorize_partner(&partner_id, PartnerAction::ReadPartner)?;
        return state
            .read(&permit, move |conn, _| {
                let items =
                    partner_rows::find(conn, &partner_id)?.map(|row| view(row, &platform)).into_iter().collect();
                Ok(Page { items, next_cursor: None })
            })
            .await;
    }
    let permit = caller.require_operator()?;
    state
        .read(&permit, move |conn, _| {
            let rows = partner_rows::list(conn, page.after.as_deref(), page.fetch_limit())?;
            let (rows, next_cursor) = page.finish(rows, |row| row.id.as_str());
            Ok(Page { items: rows.into_iter().map(|row| view(row, &platform)).collect(), next_cursor })
        })
        .await
}

pub async fn get(state: &AppState, caller: &SignedIn, partner_id: PartnerId) -> Result<Partner, PartnerError> {
    let permit = caller.authorize_partner(&partner_id, PartnerAction::ReadPartner)?;
    let platform = state.config.platform_domain.to_string();
    state.read(&permit, move |conn, _| Ok(view(require_partner(conn, &partner_id)?, &platform))).await
}

pub struct NewPartnerPerson {
    pub display_name: DisplayName,
    pub sign_in: EmailAddress,
    pub contact_email: Option<EmailAddress>,
    pub role: PartnerRole,
    /// Without one, a temporary password is sent to the contact email.
    pub password: Option<Password>,
}

/// Adds a partner admin or agent (operators set up a partner's first admin; its admins add
/// the rest). They sign in like anyone else.
pub async fn create_person(
    state: &AppState,
    caller: &SignedIn,
    partner_id: PartnerId,
    input: NewPartnerPerson,
) -> Result<PartnerPerson, PartnerError> {
    let permit = caller.authorize_partner(&partner_id, PartnerAction::ManageStaff)?;
    let (secret, temporary) = match &input.password {
        Some(password) => (password.expose().to_owned(), None),
        None => {
            let temporary = passwords::temporary();
            (temporary.clone(), Some(temporary))
        }
    };
    let domain = input.sign_in.domain().as_str().to_owned();
    let platform_domain = state.config.platform_domain.as_str().to_owned();
    let vouched_by_operator = caller.is_operator;
    let partner_id_for_check = partner_id.clone();
    // Decided before the password is hashed, and again in the transaction that creates them.
    let check = move |conn: &mut tenantry_persistence::DbConnection| -> Result<(), PartnerError> {
        let partner = require_partner(conn, &partner_id_for_check)?;
        let partners_platform_domain = platform_domain_of(&partner, &platform_domain);
        let proved_by_this_partner = partner_domains::is_proved_by(conn, &partner.id, &domain)?;
        SignInDomain {
            domain: &domain,
            platform_domain: &platform_domain,
            partners_platform_domain: &partners_platform_domain,
            held_by_a_customer: tenants::domain_is_held(conn, &domain)?,
            proved_by_this_partner,
            proved_by_another_partner: !proved_by_this_partner && partner_domains::is_proved(conn, &domain)?,
            vouched_by_operator,
        }
        .check()?;
        Ok(())
    };
    let check_again = check.clone();
    state.read(&permit, move |conn, _| check(conn)).await?;
    let hash = state.hasher.hash(secret).await?;
    state
        .transact(&permit, move |tx| {
            let now = tx.stamp();
            // Serialised with the partner's domains being removed.
            lock_partner(tx.conn(), &partner_id)?;
            check_again(tx.conn())?;
            let id = new_id();
            let sign_in = input.sign_in.to_string();
            let contact = input.contact_email.as_ref().map(ToString::to_string);
            let person = NewUser {
                id: &id,
                tenant_id: None,
                kind: UserKind::Partner.as_str(),
                sign_in: &sign_in,
                display_name: input.display_name.as_str(),
                contact_email: contact.as_deref(),
                password_hash: &hash,
                must_change_password: temporary.is_some(),
                created_at: now,
                updated_at: now,
                partner_id: Some(&partner_id),
                partner_role: Some(input.role.as_str()),
                temporary_password_expires_at: temporary.is_some().then(|| tx.temporary_password_until()),
                created_by_relationship: None,
            };
            users::insert(tx.conn(), &person).map_err(SignInTaken::or_store::<PartnerError>(&sign_in))?;
            if let (Some(contact), Some(temporary)) = (contact.as_deref(), temporary.as_deref()) {
                // A new person has chosen no language yet: the market's.
                let to = Recipient {
                    contact_email: contact,
                    display_name: input.display_name.as_str(),
                    sign_in: &sign_in,
                    language: Default::default(),
                };
                tx.send(messages::partner_account_created(&to, temporary, input.role, tx.public_url()))?;
            }
            tx.audit(
                AuditAction::PartnerPersonCreated,
                Subject::platform(&id),
                serde_json::json!({"partner_id": partner_id, "sign_in": sign_in, "role": input.role.as_str()}),
            )?;
            find_person(tx, &partner_id, &id)
        })
        .await
}

fn find_person(tx: &mut Tx<'_>, partner_id: &str, id: &str) -> Result<PartnerPerson, PartnerError> {
    let row = partner_rows::find_person(tx.conn(), partner_id, id)?.ok_or(NotFound("partner person"))?;
    Ok(PartnerPerson::try_from(row)?)
}

pub async fn list_people(
    state: &AppState,
    caller: &SignedIn,
    partner_id: PartnerId,
    page: PageRequest,
) -> Result<Page<PartnerPerson>, PartnerError> {
    let permit = caller.authorize_partner(&partner_id, PartnerAction::ReadPartner)?;
    state
        .read(&permit, move |conn, _| {
            require_partner(conn, &partner_id)?;
            let rows = partner_rows::list_people(conn, &partner_id, page.after.as_deref(), page.fetch_limit())?;
            let (rows, next_cursor) = page.finish(rows, |row| row.id.as_str());
            let items = rows.into_iter().map(PartnerPerson::try_from).collect::<Result<_, _>>()?;
            Ok(Page { items, next_cursor })
        })
        .await
}

pub async fn get_person(
    state: &AppState,
    caller: &SignedIn,
    partner_id: PartnerId,
    person_id: UserId,
) -> Result<PartnerPerson, PartnerError> {
    let permit = caller.authorize_partner(&partner_id, PartnerAction::ReadPartner)?;
    state
        .read(&permit, move |conn, _| {
            let row = partner_rows::find_person(conn, &partner_id, &person_id)?.ok_or(NotFound("partner person"))?;
            Ok(PartnerPerson::try_from(row)?)
        })
        .await
}
