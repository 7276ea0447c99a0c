//! Self-service sign-up: a person with a work address asks, confirms the code mailed
//! to them, and joins the unmanaged tenant of their email domain with the free Meetings tier.
//!
//! The answer to a sign-up is the same whether or not the address already has an account; only
//! the mail to the address differs. Throttling counts sign-ups in the database, so every
//! process sees the same counts.

use chrono::{DateTime, Utc};
use tenantry_domain::audit::AuditAction;
use tenantry_domain::custom_domain::DomainOrigin;
use tenantry_domain::free_meetings::FREE_MEETINGS_PLAN;
use tenantry_domain::language::Language;
use tenantry_domain::license_pool::SubscriptionStatus;
use tenantry_domain::preferences::Preferences;
use tenantry_domain::signup::{self, ConfirmationRefusal, Counted, PendingSignup, RecentSignups, SignupRefusal};
use tenantry_domain::user::{DisplayName, UserKind};
use tenantry_domain::{EmailAddress, Password};
use tenantry_persistence::domains::{self, NewDomain};
use tenantry_persistence::seats;
use tenantry_persistence::signups::{self, NewSignup, SignupRow};
use tenantry_persistence::subscriptions::{self, NewAssignment, NewSubscription};
use tenantry_persistence::tenants::{self, NewTenant, TenantRow};
use tenantry_persistence::users::{self, NewUser};
use tenantry_persistence::{time, DbConnection, StoreError};

use super::lookup::NotFound;
use super::messages;
use crate::app::state::AppState;
use crate::app::unit_of_work::{Subject, Tx};
use crate::auth::hashing::HashingError;
use crate::auth::permit::Permit;
use crate::auth::secrets;
use crate::runtime::ids::new_id;
use crate::views::signup::{SignupAccepted, SignupConfirmed};

/// How long a sign-up waits for a place before it is answered 503.
const SIGNUP_WAIT: std::time::Duration = std::time::Duration::from_secs(3);

/// Why a sign-up or its confirmation did not happen.
#[derive(Debug, thiserror::Error)]
pub enum SignupError {
    #[error(transparent)]
    NotFound(#[from] NotFound),
    #[error(transparent)]
    Refused(#[from] SignupRefusal),
    #[error(transparent)]
    Confirmation(#[from] ConfirmationRefusal),
    #[error("an account with this address was created meanwhile; sign in")]
    AccountExists,
    #[error(transparent)]
    Hashing(#[from] HashingError),
    /// Every sign-up place of this process stayed taken for `SIGNUP_WAIT`.
    #[error("sign-ups are busy; try again in a moment")]
    Busy,
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub struct SignupInput {
    pub email: EmailAddress,
    pub display_name: DisplayName,
    pub password: Password,
    /// The language of their messages, this one included.
    pub language: Language,
    /// Where the request came from (see `client_address`), for the per-caller throttle.
    pub client_address: String,
}

/// Refuses an email domain that a managed tenant has verified: its people are created by that
/// tenant's admins.
fn check_not_managed(conn: &mut DbConnection, email_domain: &str) -> Result<(), SignupError> {
    match domains::verified_holder(conn, email_domain)? {
        Some((_, true)) => Err(SignupRefusal::ManagedDomain(email_domain.to_owned()).into()),
        _ => Ok(()),
    }
}

/// Refuses a sign-up the throttle does not admit now: too many for the address, its domain,
/// the caller or the platform.
fn check_throttle(
    conn: &mut DbConnection,
    limits: &signup::SignupLimits,
    address: &EmailAddress,
    client_address: &str,
    now: DateTime<Utc>,
) -> Result<(), SignupError> {
    let since = time::to_db(now - signup::THROTTLE_WINDOW);
    let recent = signups::recent(conn, &address.to_string(), address.domain().as_str(), client_address, since)?;
    let counted = |count: signups::Count| Counted { count: count.count, oldest: count.oldest.map(time::from_db) };
    let recent = RecentSignups {
        for_address: counted(recent.for_address),
        for_domain: counted(recent.for_domain),
        for_source: counted(recent.for_source),
        platform: counted(recent.platform),
    };
    Ok(signup::check_throttle(&recent, limits, now)?)
}

/// Records a sign-up and mails its code (or, for an address that has an account, says so to
/// that address only).
pub async fn sign_up(state: &AppState, permit: Permit, input: SignupInput) -> Result<SignupAccepted, SignupError> {
    signup::check_work_address(
        &input.email,
        state.config.platform_domain.as_str(),
        &state.config.consumer_mail_domains,
    )?;
    // A few sign-ups at a time, however many arrive: the rest of the pool stays for sign-ins.
    let _place = match tokio::time::timeout(SIGNUP_WAIT, state.signup_gate.acquire()).await {
        Ok(Ok(place)) => place,
        Ok(Err(_)) | Err(_) => return Err(SignupError::Busy),
    };
    // Refused and throttled sign-ups are answered before any password is hashed or any mail
    // is written. Checked again below, in the transaction that records it.
    let limits = state.config.signup_limits;
    let (address, source) = (input.email.clone(), input.client_address.clone());
    state
        .read(&permit, move |conn, _| {
            check_not_managed(conn, address.domain().as_str())?;
            check_throttle(conn, &limits, &address, &source, crate::runtime::clock::now())
        })
        .await?;
    // On sign-ups' own hashing thread: never in the way of sign-ins.
    let hash = state.signup_hasher.hash(input.password.expose().to_owned()).await?;
    state
        .transact(&permit, move |tx| {
            let email = input.email.to_string();
            let email_domain = input.email.domain().to_string();
            check_not_managed(tx.conn(), &email_domain)?;
            let now = tx.now();
            check_throttle(tx.conn(), &limits, &input.email, &input.client_address, now)?;

            let id = new_id();
            let code = secrets::new_confirmation_code();
            let has_account = users::find_by_sign_in(tx.conn(), &email)?.is_some();
            // For an existing account the code is never sent: the sign-up cannot be confirmed.
            let stored_code = if has_account { secrets::new_verification_code() } else { code.clone() };
            let expires_at = tx.now() + signup::CODE_LIFETIME;
            let row = NewSignup {
                id: &id,
                email: &email,
                email_domain: &email_domain,
                display_name: input.display_name.as_str(),
                password_hash: &hash,
                code_digest: &secrets::digest(&stored_code),
                created_at: tx.stamp(),
                expires_at: time::to_db(expires_at),
                language: input.language.as_str(),
                client_address: &input.client_address,
            };
            signups::insert(tx.conn(), &row)?;
            let message = if has_account {
                messages::signup_account_exists(&email, input.language, tx.public_url())
            } else {
                // The address has proved nothing yet: the mail greets by name only a plain one.
                let name = signup::greeting_name(input.display_name.as_str());
                messages::signup_code(&email, input.language, name, &code, &id, tx.public_url())
            };
            tx.send(message)?;
            Ok(SignupAccepted::new(id, email, expires_at))
        })
        .await
}

/// What a confirmation attempt came to: a wrong code is counted (and committed) before the
/// refusal is answered.
enum Outcome {
    Confirmed(SignupConfirmed),
    Refused(ConfirmationRefusal),
}

/// Confirms a sign-up with its code: the person's account in the unmanaged tenant of their email
/// domain (created with the first sign-up), with a free Meetings license.
pub async fn confirm(
    state: &AppState,
    permit: Permit,
    id: String,
    code: String,
) -> Result<SignupConfirmed, SignupError> {
    match confirm_once(state, permit.clone(), id.clone(), code.clone()).await {
        // Two first sign-ups of a domain at once: one created its tenant; the other joins it now.
        Err(SignupError::Store(StoreError::LostRace(_))) => confirm_once(state, permit, id, code).await,
        other => other,
    }
}

async fn confirm_once(
    state: &AppState,
    permit: Permit,
    id: String,
    code: String,
) -> Result<SignupConfirmed, SignupError> {
    let outcome = state
        .transact(&permit, move |tx| {
            // Guesses at one sign-up's code queue here, so each is counted against those left.
            if !signups::lock(tx.conn(), &id)? {
                return Err(NotFound("sign-up").into());
            }
            let row = signups::find(tx.conn(), &id)?.ok_or(NotFound("sign-up"))?;
            let pending = PendingSignup {
                attempts: row.attempts,
                expires_at: time::from_db(row.expires_at),
                confirmed: row.confirmed_at.is_some(),
            };
            if let Err(refusal) = pending.confirm(secrets::matches(&code, &row.code_digest), tx.now()) {
                if matches!(refusal, ConfirmationRefusal::WrongCode { .. } | ConfirmationRefusal::TooManyAttempts) {
                    signups::count_attempt(tx.conn(), &row.id)?;
                }
                return Ok::<_, SignupError>(Outcome::Refused(refusal));
            }
            check_not_managed(tx.conn(), &row.email_domain)?;
            Ok(Outcome::Confirmed(join_unmanaged_tenant(tx, &row)?))
        })
        .await?;
    match outcome {
        Outcome::Confirmed(confirmed) => Ok(confirmed),
        Outcome::Refused(refusal) => Err(refusal.into()),
    }
}

/// The person joins the tenant of their email domain with a free Meetings license.
fn join_unmanaged_tenant(tx: &mut Tx<'_>, row: &SignupRow) -> Result<SignupConfirmed, SignupError> {
    let tenant = match tenants::unmanaged_for(tx.conn(), &row.email_domain)? {
        Some(tenant) => tenant,
        None => create_unmanaged_tenant(tx, &row.email_domain)?,
    };
    // Serialises joiners of one tenant, so its free pool counts each of them once; a takeover
    // completed while this waited makes the domain the managed tenant's.
    tenants::lock(tx.conn(), &tenant.id)?;
    if tenants::find(tx.conn(), &tenant.id)?.is_none_or(|fresh| fresh.managed) {
        return Err(SignupRefusal::ManagedDomain(row.email_domain.clone()).into());
    }
    let user_id = new_id();
    let stamp = tx.stamp();
    let person = NewUser {
        id: &user_id,
        tenant_id: Some(&tenant.id),
        kind: UserKind::Member.as_str(),
        sign_in: &row.email,
        display_name: &row.display_name,
        contact_email: Some(&row.email),
        password_hash: &row.password_hash,
        must_change_password: false,
        created_at: stamp,
        updated_at: stamp,
        partner_id: None,
        partner_role: None,
        temporary_password_expires_at: None,
        created_by_relationship: None,
    };
    users::insert(tx.conn(), &person).map_err(|e| match e {
        StoreError::UniqueViolation { .. } => SignupError::AccountExists,
        other => other.into(),
    })?;
    // They read their messages in the language they signed up in.
    let language = row.language.parse::<Language>().unwrap_or_default();
    let preferences = Preferences { language, ..Preferences::default() };
    let preferences =
        serde_json::to_string(&preferences).map_err(|e| StoreError::Corrupt(format!("preferences: {e}")))?;
    users::set_preferences(tx.conn(), &user_id, &preferences, stamp)?;
    let free_pool = free_pool_of(tx, &tenant.id)?;
    let seat_limit = tx.catalogue().plan(FREE_MEETINGS_PLAN).map_or(10_000, |plan| plan.seat_limit);
    let license = NewAssignment {
        subscription_id: &free_pool,
        user_id: &user_id,
        tenant_id: &tenant.id,
        plan_code: FREE_MEETINGS_PLAN,
        assigned_at: stamp,
    };
    seats::join_free_pool(tx.conn(), &license, seat_limit, stamp)
        .map_err(|e| e.unexpected(&format!("the free Meetings pool of {}", tenant.id)))?;
    signups::mark_confirmed(tx.conn(), &row.id, &user_id, stamp)?;
    tx.audit(
        AuditAction::PersonSignedUp,
        Subject::in_tenant(&tenant.id, &user_id),
        serde_json::json!({"sign_in": row.email, "email_domain": row.email_domain}),
    )?;
    Ok(SignupConfirmed::new(user_id, tenant.id, row.email.clone(), tx.now()))
}

/// The tenant of people who signed up with `email_domain`, made on the first confirmation. Its
/// slug comes from the domain (with a random suffix if taken); its name is the domain.
fn create_unmanaged_tenant(tx: &mut Tx<'_>, email_domain: &str) -> Result<TenantRow, SignupError> {
    let mut slug = signup::unmanaged_slug(email_domain, None);
    if tenants::slug_taken(tx.conn(), &slug)? {
        let suffix: String = secrets::new_verification_code().chars().take(6).collect();
        slug = signup::unmanaged_slug(email_domain, Some(&suffix));
    }
    let initial_domain = tx
        .platform_domain()
        .with_subdomain(&slug)
        .map_err(|e| StoreError::Corrupt(format!("initial domain for {slug}: {e}")))?;
    let id = new_id();
    let stamp = tx.stamp();
    let tenant = NewTenant {
        id: &id,
        name: email_domain,
        slug: &slug,
        initial_domain: initial_domain.as_str(),
        created_at: stamp,
        updated_at: stamp,
        managed: false,
        email_domain: Some(email_domain),
    };
    tenants::insert(tx.conn(), &tenant, &new_id()).map_err(|e| match e {
        // Another first sign-up of the same domain created it at the same moment.
        StoreError::UniqueViolation { constraint } => StoreError::LostRace(constraint),
        other => other,
    })?;
    // The tenant claims its email domain until a takeover proves it: a tenant verifying the
    // same name at the same moment and this claim exclude each other.
    let claim_id = new_id();
    let claim = NewDomain {
        verified: false,
        verified_at: None,
        ..NewDomain::verified(&claim_id, &id, email_domain, DomainOrigin::Takeover, stamp)
    };
    domains::insert(tx.conn(), &claim).map_err(|e| match e {
        StoreError::UniqueViolation { .. } => SignupRefusal::ManagedDomain(email_domain.to_owned()).into(),
        other => SignupError::from(other),
    })?;
    let free_pool = NewSubscription {
        id: &new_id(),
        tenant_id: &id,
        plan_code: FREE_MEETINGS_PLAN,
        status: SubscriptionStatus::Active.as_str(),
        purchased: 0,
        active: 0,
        assigned: 0,
        activate_on_provisioning: 0,
        created_at: stamp,
        updated_at: stamp,
        activated_at: Some(stamp),
    };
    seats::open(tx.conn(), &free_pool)?;
    tx.audit(
        AuditAction::TenantCreated,
        Subject::in_tenant(&id, &id),
        serde_json::json!({"name": email_domain, "slug": slug, "managed": false}),
    )?;
    tenants::find(tx.conn(), &id)?.ok_or_else(|| StoreError::Corrupt("a tenant just made is missing".to_owned()).into())
}

/// The tenant's free Meetings pool (suspended or not).
fn free_pool_of(tx: &mut Tx<'_>, tenant_id: &str) -> Result<String, StoreError> {
    subscriptions::live_in_tenant(tx.conn(), tenant_id)?
        .into_iter()
        .find(|row| row.plan_code == FREE_MEETINGS_PLAN)
        .map(|row| row.id)
        .ok_or_else(|| StoreError::Corrupt(format!("unmanaged tenant {tenant_id} has no free Meetings pool")))
}

/// How long until the oldest counted sign-up leaves the throttle window, for `Retry-After`.
pub fn retry_after_seconds(refusal: &SignupRefusal) -> u64 {
    match refusal {
        SignupRefusal::Throttled { retry_after, .. } => u64::try_from(retry_after.num_seconds()).unwrap_or(1),
        _ => 0,
    }
}
