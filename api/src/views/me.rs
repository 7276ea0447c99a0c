//! The signed-in person as they see themselves.

use serde::{Deserialize, Serialize};
use tenantry_domain::language::Language;
use tenantry_domain::preferences::{Preferences as DomainPreferences, SyncFrequency as DomainSyncFrequency};
use tenantry_domain::user::UserKind;
use tenantry_domain::RoleSet;
use tenantry_persistence::users::UserRow;
use tenantry_persistence::StoreError;
use utoipa::ToSchema;

use super::partner::{Partner, PartnerRoleName};
use super::tenant::Tenant;
use super::user::Role;

/// Who the token belongs to.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"kind": "member", "id": "019a5f3e-7c1a-7d2e-9b1f-3c4d5e6f7a8b", "display_name": "Ada Lovelace",
    "sign_in": "ada@contoso.tenantry.test", "contact_email": "ada@example.com", "roles": ["global_admin"],
    "must_change_password": false, "tenant": {"id": "019a5f3e-6b00-7a00-8000-000000000001", "name": "Contoso SARL",
    "slug": "contoso", "initial_domain": "contoso.tenantry.test", "verified_domains": ["contoso.tenantry.test"],
    "managed": true, "email_domain": null, "created_at": "2026-11-21T10:00:00Z", "updated_at": "2026-11-21T10:00:00Z"}, "partner": null, "partner_role": null}))]
pub struct Me {
    /// `operator` (platform staff), `member` (a person in a customer tenant) or `partner` (a
    /// partner admin or agent).
    #[schema(value_type = String, example = "member")]
    pub kind: UserKind,
    pub id: String,
    pub display_name: String,
    pub sign_in: String,
    pub contact_email: Option<String>,
    /// Administrator roles in their tenant.
    pub roles: Vec<Role>,
    /// True until a temporary password is replaced; until then only `/v1/me` routes answer.
    pub must_change_password: bool,
    /// Their tenant; absent for operators and partner people.
    pub tenant: Option<Tenant>,
    /// Their partner organisation, for partner people.
    pub partner: Option<Partner>,
    /// `partner_admin` or `partner_agent`, for partner people.
    pub partner_role: Option<PartnerRoleName>,
}

impl Me {
    pub fn new(
        row: &UserRow,
        roles: &RoleSet,
        tenant: Option<Tenant>,
        partner: Option<Partner>,
    ) -> Result<Self, StoreError> {
        Ok(Self {
            kind: row.kind,
            id: row.id.clone(),
            display_name: row.display_name.clone(),
            sign_in: row.sign_in.clone(),
            contact_email: row.contact_email.clone(),
            roles: roles.iter().map(Role::from).collect(),
            must_change_password: row.must_change_password,
            tenant,
            partner,
            partner_role: row.partner_role()?.map(PartnerRoleName::from),
        })
    }
}

/// How often the person's devices synchronise.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
pub enum SyncFrequency {
    #[serde(rename = "15m")]
    Every15Minutes,
    #[serde(rename = "30m")]
    Every30Minutes,
    #[serde(rename = "manual")]
    Manual,
}

/// The language of the messages a person receives.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub enum LanguageName {
    #[serde(rename = "fr")]
    French,
    #[serde(rename = "en")]
    English,
}

impl From<Language> for LanguageName {
    fn from(language: Language) -> Self {
        match language {
            Language::French => LanguageName::French,
            Language::English => LanguageName::English,
        }
    }
}

impl From<LanguageName> for Language {
    fn from(language: LanguageName) -> Self {
        match language {
            LanguageName::French => Language::French,
            LanguageName::English => Language::English,
        }
    }
}

/// The person's own settings.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"sync_frequency": "30m", "language": "fr"}))]
pub struct Preferences {
    pub sync_frequency: SyncFrequency,
    /// The language of the messages one receives: `fr` (the default) or `en`. Optional when
    /// saving: left out, it stays as it is.
    pub language: Option<LanguageName>,
}

impl From<DomainPreferences> for Preferences {
    fn from(p: DomainPreferences) -> Self {
        let sync_frequency = match p.sync_frequency {
            DomainSyncFrequency::Every15Minutes => SyncFrequency::Every15Minutes,
            DomainSyncFrequency::Every30Minutes => SyncFrequency::Every30Minutes,
            DomainSyncFrequency::Manual => SyncFrequency::Manual,
        };
        Self { sync_frequency, language: Some(p.language.into()) }
    }
}

/// Saved preferences: what was sent, with the language kept as it was when left out.
impl Preferences {
    pub fn applied_to(self, current: DomainPreferences) -> DomainPreferences {
        let sync_frequency = match self.sync_frequency {
            SyncFrequency::Every15Minutes => DomainSyncFrequency::Every15Minutes,
            SyncFrequency::Every30Minutes => DomainSyncFrequency::Every30Minutes,
            SyncFrequency::Manual => DomainSyncFrequency::Manual,
        };
        DomainPreferences { sync_frequency, language: self.language.map_or(current.language, Language::from) }
    }
}
