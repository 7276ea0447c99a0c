//! What the audit log records: the actions, by the names written to the log.
//!
//! The wire form `noun.past_participle` is stored and shown to clients reading the log, so a
//! name here never changes once written.

use std::fmt;
use std::str::FromStr;

/// One kind of change the audit log records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuditAction {
    UserCreated,
    UserUpdated,
    UserDeleted,
    UserRolesChanged,
    UserPasswordReset,
    UserPasswordChanged,
    UserPreferencesChanged,
    UserDisabled,
    UserEnabled,
    TenantCreated,
    TenantRenamed,
    SubscriptionOrdered,
    SubscriptionActivated,
    SubscriptionSeatsBought,
    SubscriptionSeatsAdded,
    SubscriptionSeatsActivated,
    SubscriptionSeatsDeactivated,
    SubscriptionSuspended,
    SubscriptionReactivated,
    SubscriptionTerminated,
    SubscriptionPlanChanged,
    LicenseAssigned,
    LicenseRemoved,
    PartnerCreated,
    PartnerPersonCreated,
    PartnerDomainAdded,
    PartnerDomainVerified,
    PartnerDomainRemoved,
    AdminOfferCreated,
    AdminOfferRevoked,
    PartnerRelationshipAccepted,
    PartnerRelationshipEnded,
    PartnerRelationshipExpired,
    DelegatedAccessAssigned,
    ApiClientCreated,
    ApiClientSecretRotated,
    ApiClientDisabled,
    ServiceRequestOpened,
    ServiceRequestStatusChanged,
    ServiceRequestRegraded,
    ServiceRequestTaken,
    ServiceRequestNoteAdded,
    IncidentPublished,
    IncidentUpdated,
    CentreMessagePosted,
    DomainAdded,
    DomainVerified,
    DomainMadeDefault,
    DomainRemoved,
    DomainRegistrationRequested,
    DomainRegistrationActivated,
    DomainRegistrationFailed,
    PersonSignedUp,
    TakeoverStarted,
    TakeoverVerified,
    TakeoverCompleted,
    SigningKeyRotated,
    /// A platform operator added from the command line (`tenantry create-operator`).
    OperatorCreated,
}

impl AuditAction {
    pub const ALL: [AuditAction; 58] = [
        AuditAction::UserCreated,
        AuditAction::UserUpdated,
        AuditAction::UserDeleted,
        AuditAction::UserRolesChanged,
        AuditAction::UserPasswordReset,
        AuditAction::UserPasswordChanged,
        AuditAction::UserPreferencesChanged,
        AuditAction::UserDisabled,
        AuditAction::UserEnabled,
        AuditAction::TenantCreated,
        AuditAction::TenantRenamed,
        AuditAction::SubscriptionOrdered,
        AuditAction::SubscriptionActivated,
        AuditAction::SubscriptionSeatsBought,
        AuditAction::SubscriptionSeatsAdded,
        AuditAction::SubscriptionSeatsActivated,
        AuditAction::SubscriptionSeatsDeactivated,
        AuditAction::SubscriptionSuspended,
        AuditAction::SubscriptionReactivated,
        AuditAction::SubscriptionTerminated,
        AuditAction::SubscriptionPlanChanged,
        AuditAction::LicenseAssigned,
        AuditAction::LicenseRemoved,
        AuditAction::PartnerCreated,
        AuditAction::PartnerPersonCreated,
        AuditAction::PartnerDomainAdded,
        AuditAction::PartnerDomainVerified,
        AuditAction::PartnerDomainRemoved,
        AuditAction::AdminOfferCreated,
        AuditAction::AdminOfferRevoked,
        AuditAction::PartnerRelationshipAccepted,
        AuditAction::PartnerRelationshipEnded,
        AuditAction::PartnerRelationshipExpired,
        AuditAction::DelegatedAccessAssigned,
        AuditAction::ApiClientCreated,
        AuditAction::ApiClientSecretRotated,
        AuditAction::ApiClientDisabled,
        AuditAction::ServiceRequestOpened,
        AuditAction::ServiceRequestStatusChanged,
        AuditAction::ServiceRequestRegraded,
        AuditAction::ServiceRequestTaken,
        AuditAction::ServiceRequestNoteAdded,
        AuditAction::IncidentPublished,
        AuditAction::IncidentUpdated,
        AuditAction::CentreMessagePosted,
        AuditAction::DomainAdded,
        AuditAction::DomainVerified,
        AuditAction::DomainMadeDefault,
        AuditAction::DomainRemoved,
        AuditAction::DomainRegistrationRequested,
        AuditAction::DomainRegistrationActivated,
        AuditAction::DomainRegistrationFailed,
        AuditAction::PersonSignedUp,
        AuditAction::TakeoverStarted,
        AuditAction::TakeoverVerified,
        AuditAction::TakeoverCompleted,
        AuditAction::SigningKeyRotated,
        AuditAction::OperatorCreated,
    ];

    /// The name written to the log: `noun.past_participle`.
    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::UserCreated => "user.created",
            AuditAction::UserUpdated => "user.updated",
            AuditAction::UserDeleted => "user.deleted",
            AuditAction::UserRolesChanged => "user.roles_changed",
            AuditAction::UserPasswordReset => "user.password_reset",
            AuditAction::UserPasswordChanged => "user.password_changed",
            AuditAction::UserPreferencesChanged => "user.preferences_changed",
            AuditAction::UserDisabled => "user.disabled",
            AuditAction::UserEnabled => "user.enabled",
            AuditAction::TenantCreated => "tenant.created",
            AuditAction::TenantRenamed => "tenant.renamed",
            AuditAction::SubscriptionOrdered => "subscription.ordered",
            AuditAction::SubscriptionActivated => "subscription.activated",
            AuditAction::SubscriptionSeatsBought => "subscription.seats_bought",
            AuditAction::SubscriptionSeatsAdded => "subscription.seats_added",
            AuditAction::SubscriptionSeatsActivated => "subscription.seats_activated",
            AuditAction::SubscriptionSeatsDeactivated => "subscription.seats_deactivated",
            AuditAction::SubscriptionSuspended => "subscription.suspended",
            AuditAction::SubscriptionReactivated => "subscription.reactivated",
            AuditAction::SubscriptionTerminated => "subscription.terminated",
            AuditAction::SubscriptionPlanChanged => "subscription.plan_changed",
            AuditAction::LicenseAssigned => "licence.assigned",
            AuditAction::LicenseRemoved => "licence.removed",
            AuditAction::PartnerCreated => "partner.created",
            AuditAction::PartnerPersonCreated => "partner_person.created",
            AuditAction::PartnerDomainAdded => "partner_domain.added",
            AuditAction::PartnerDomainVerified => "partner_domain.verified",
            AuditAction::PartnerDomainRemoved => "partner_domain.removed",
            AuditAction::AdminOfferCreated => "admin_offer.created",
            AuditAction::AdminOfferRevoked => "admin_offer.revoked",
            AuditAction::PartnerRelationshipAccepted => "partner_relationship.accepted",
            AuditAction::PartnerRelationshipEnded => "partner_relationship.ended",
            AuditAction::PartnerRelationshipExpired => "partner_relationship.expired",
            AuditAction::DelegatedAccessAssigned => "delegated_access.assigned",
            AuditAction::ApiClientCreated => "api_client.created",
            AuditAction::ApiClientSecretRotated => "api_client.secret_rotated",
            AuditAction::ApiClientDisabled => "api_client.disabled",
            AuditAction::ServiceRequestOpened => "service_request.opened",
            AuditAction::ServiceRequestStatusChanged => "service_request.status_changed",
            AuditAction::ServiceRequestRegraded => "service_request.regraded",
            AuditAction::ServiceRequestTaken => "service_request.taken",
            AuditAction::ServiceRequestNoteAdded => "service_request.note_added",
            AuditAction::IncidentPublished => "incident.published",
            AuditAction::IncidentUpdated => "incident.updated",
            AuditAction::CentreMessagePosted => "centre_message.posted",
            AuditAction::DomainAdded => "domain.added",
            AuditAction::DomainVerified => "domain.verified",
            AuditAction::DomainMadeDefault => "domain.made_default",
            AuditAction::DomainRemoved => "domain.removed",
            AuditAction::DomainRegistrationRequested => "domain_registration.requested",
            AuditAction::DomainRegistrationActivated => "domain_registration.activated",
            AuditAction::DomainRegistrationFailed => "domain_registration.failed",
            AuditAction::PersonSignedUp => "user.signed_up",
            AuditAction::TakeoverStarted => "takeover.started",
            AuditAction::TakeoverVerified => "takeover.verified",
            AuditAction::TakeoverCompleted => "takeover.completed",
            AuditAction::SigningKeyRotated => "signing_key.rotated",
            AuditAction::OperatorCreated => "operator.created",
        }
    }

    /// The kind of thing the action is recorded against. A license is recorded against the
    /// person who holds it, as that is where one looks for it.
    pub fn target_type(self) -> &'static str {
        match self {
            AuditAction::UserCreated
            | AuditAction::UserUpdated
            | AuditAction::UserDeleted
            | AuditAction::UserRolesChanged
            | AuditAction::UserPasswordReset
            | AuditAction::UserPasswordChanged
            | AuditAction::UserPreferencesChanged
            | AuditAction::UserDisabled
            | AuditAction::UserEnabled
            | AuditAction::LicenseAssigned
            | AuditAction::LicenseRemoved => "user",
            AuditAction::TenantCreated | AuditAction::TenantRenamed => "tenant",
            AuditAction::SubscriptionOrdered
            | AuditAction::SubscriptionActivated
            | AuditAction::SubscriptionSeatsBought
            | AuditAction::SubscriptionSeatsAdded
            | AuditAction::SubscriptionSeatsActivated
            | AuditAction::SubscriptionSeatsDeactivated
            | AuditAction::SubscriptionSuspended
            | AuditAction::SubscriptionReactivated
            | AuditAction::SubscriptionTerminated
            | AuditAction::SubscriptionPlanChanged => "subscription",
            AuditAction::PartnerCreated => "partner",
            AuditAction::PartnerPersonCreated => "partner_person",
            AuditAction::PartnerDomainAdded
            | AuditAction::PartnerDomainVerified
            | AuditAction::PartnerDomainRemoved => "partner_domain",
            AuditAction::AdminOfferCreated | AuditAction::AdminOfferRevoked => "admin_offer",
            AuditAction::PartnerRelationshipAccepted
            | AuditAction::PartnerRelationshipEnded
            | AuditAction::PartnerRelationshipExpired => "partner_relationship",
            AuditAction::DelegatedAccessAssigned => "delegated_access",
            AuditAction::ApiClientCreated | AuditAction::ApiClientSecretRotated | AuditAction::ApiClientDisabled => {
                "api_client"
            }
            AuditAction::ServiceRequestOpened
            | AuditAction::ServiceRequestStatusChanged
            | AuditAction::ServiceRequestRegraded
            | AuditAction::ServiceRequestTaken
            | AuditAction::ServiceRequestNoteAdded => "service_request",
            AuditAction::IncidentPublished | AuditAction::IncidentUpdated => "incident",
            AuditAction::CentreMessagePosted => "centre_message",
            AuditAction::DomainAdded
            | AuditAction::DomainVerified
            | AuditAction::DomainMadeDefault
            | AuditAction::DomainRemoved => "domain",
            AuditAction::DomainRegistrationRequested
            | AuditAction::DomainRegistrationActivated
            | AuditAction::DomainRegistrationFailed => "domain_registration",
            AuditAction::PersonSignedUp => "user",
            AuditAction::TakeoverStarted | AuditAction::TakeoverVerified | AuditAction::TakeoverCompleted => "takeover",
            AuditAction::SigningKeyRotated => "signing_key",
            AuditAction::OperatorCreated => "operator",
        }
    }
}

impl fmt::Display for AuditAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not an audited action")]
pub struct UnknownAuditAction(pub String);

impl FromStr for AuditAction {
    type Err = UnknownAuditAction;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        AuditAction::ALL.into_iter().find(|action| action.as_str() == s).ok_or_else(|| UnknownAuditAction(s.to_owned()))
    }
}

/// Written as its wire form, `noun.past_participle`.
impl serde::Serialize for AuditAction {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl TryFrom<String> for AuditAction {
    type Error = UnknownAuditAction;
    fn try_from(name: String) -> Result<Self, Self::Error> {
        name.parse()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn action_names_round_trip() {
        for action in AuditAction::ALL {
            assert_eq!(action.as_str().parse::<AuditAction>(), Ok(action));
            assert_eq!(action.to_string(), action.as_str());
        }
        assert_eq!("user.teleported".parse::<AuditAction>(), Err(UnknownAuditAction("user.teleported".to_owned())));
    }

    #[test]
    fn every_name_is_a_noun_dot_past_participle() {
        for action in AuditAction::ALL {
            let name = action.as_str();
            let (noun, verb) = name.split_once('.').unwrap_or_default();
            assert!(!noun.is_empty() && noun.chars().all(|c| c.is_ascii_lowercase() || c == '_'), "{name}");
            assert!(!verb.is_empty() && verb.chars().all(|c| c.is_ascii_lowercase() || c == '_'), "{name}");
        }
    }

    #[test]
    fn every_name_is_unique_and_listed_once() {
        let names: HashSet<&str> = AuditAction::ALL.iter().map(|action| action.as_str()).collect();
        assert_eq!(names.len(), AuditAction::ALL.len());
        let actions: HashSet<AuditAction> = AuditAction::ALL.into_iter().collect();
        assert_eq!(actions.len(), AuditAction::ALL.len());
    }

    #[test]
    fn each_action_is_recorded_against_what_it_changes() {
        let cases = [
            (AuditAction::UserCreated, "user"),
            (AuditAction::UserPreferencesChanged, "user"),
            (AuditAction::LicenseAssigned, "user"),
            (AuditAction::LicenseRemoved, "user"),
            (AuditAction::TenantCreated, "tenant"),
            (AuditAction::TenantRenamed, "tenant"),
            (AuditAction::SubscriptionOrdered, "subscription"),
            (AuditAction::SubscriptionPlanChanged, "subscription"),
        ];
        for (action, target_type) in cases {
            assert_eq!(action.target_type(), target_type, "{action}");
        }
        // Outside licenses, the target is the noun of the name.
        for action in AuditAction::ALL {
            let noun = action.as_str().split('.').next().unwrap_or_default();
            if noun != "licence" {
                assert_eq!(action.target_type(), noun, "{action}");
            }
        }
    }
}
