//! The stable codes of problems and the one HTTP status each answers with. Clients match on
//! these, never on `title` or `detail`; a code, once published, keeps its name.

use actix_web::http::StatusCode;
use serde::Serialize;
use utoipa::ToSchema;

/// Stable, machine-readable error codes. Clients match on these, never on `title` or `detail`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    ValidationFailed,
    InvalidBody,
    MalformedBody,
    InvalidPath,
    InvalidQuery,
    InvalidCursor,
    InvalidHeader,
    UnsupportedGrantType,
    InvalidGrant,
    InvalidClient,
    Unauthenticated,
    InvalidToken,
    Forbidden,
    PasswordChangeRequired,
    NotFound,
    MethodNotAllowed,
    NotAcceptable,
    SlugTaken,
    SignInTaken,
    LastGlobalAdmin,
    PreconditionFailed,
    LicensePoolExhausted,
    ConcurrentUpdate,
    /// Published before the code took the wire's spelling; kept so clients keep matching it.
    #[serde(rename = "licence_held_for_plan")]
    LicenseHeldForPlan,
    SubscriptionNotActive,
    ActivationBeyondPurchased,
    DeactivationBelowAssigned,
    /// Published before the code took the wire's spelling; kept so clients keep matching it.
    #[serde(rename = "licences_still_assigned")]
    LicensesStillAssigned,
    InvalidTransition,
    IdempotencyKeyReused,
    UnknownPlan,
    PlanNotOrderable,
    PlanNotAssignable,
    SeatLimitExceeded,
    GlobalAdminRequired,
    PlanChangeRefused,
    ZeroDelta,
    AccessBeyondRelationship,
    NotACustomer,
    NotAnAgent,
    AdminOfferRevoked,
    PartnerRelationshipExists,
    ApiClientDisabled,
    DomainExists,
    DomainHeldElsewhere,
    DomainInUse,
    DomainNotRemovable,
    DomainAlreadyVerified,
    VerificationFailed,
    DnsUnavailable,
    DomainTaken,
    DomainNotForSale,
    RegistrarSeatRequired,
    SignupRefused,
    DomainManagedByTenant,
    TooManySignups,
    ConfirmationFailed,
    TakeoverRefused,
    /// Published before the code took the wire's spelling; kept so clients keep matching it.
    #[serde(rename = "too_few_licences")]
    TooFewLicenses,
    TemporaryPasswordExpired,

    PayloadTooLarge,
    UnsupportedMediaType,
    DomainNotVerified,
    ContactEmailRequired,
    CurrentPasswordIncorrect,
    TooManySignInAttempts,
    /// An owner's cap (API clients, open offers, domains, webhook endpoints) is reached.
    LimitReached,
    /// An owner's rate (service requests, feedback, DNS lookups) is reached for now.
    RateLimited,
    InternalError,
    ServiceUnavailable,
    /// The database's disk is full: nothing was written; reads go on.
    InsufficientStorage,
}

impl ErrorCode {
    pub fn status(self) -> StatusCode {
        use ErrorCode::*;
        match self {
            InvalidBody
            | MalformedBody
            | InvalidPath
            | InvalidQuery
            | InvalidHeader
            | UnsupportedGrantType
            | InvalidGrant
            | TemporaryPasswordExpired => StatusCode::BAD_REQUEST,
            Unauthenticated | InvalidToken | InvalidClient => StatusCode::UNAUTHORIZED,
            Forbidden | PasswordChangeRequired => StatusCode::FORBIDDEN,
            NotFound => StatusCode::NOT_FOUND,
            MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            NotAcceptable => StatusCode::NOT_ACCEPTABLE,
            SlugTaken
            | SignInTaken
            | LastGlobalAdmin
            | LicensePoolExhausted
            | LicenseHeldForPlan
            | SubscriptionNotActive
            | ActivationBeyondPurchased
            | DeactivationBelowAssigned
            | LicensesStillAssigned
            | InvalidTransition
            | AdminOfferRevoked
            | PartnerRelationshipExists
            | ApiClientDisabled
            | DomainExists
            | DomainHeldElsewhere
            | DomainInUse
            | DomainNotRemovable
            | DomainAlreadyVerified
            | DomainTaken
            | RegistrarSeatRequired
            | DomainManagedByTenant
            | TakeoverRefused
            | LimitReached
            | ConcurrentUpdate => StatusCode::CONFLICT,
            PreconditionFailed => StatusCode::PRECONDITION_FAILED,
            PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            // Well-formed by the schema, but a value the rules refuse.
            ValidationFailed
            | InvalidCursor
            | DomainNotVerified
            | ContactEmailRequired
            | CurrentPasswordIncorrect
            | IdempotencyKeyReused
            | UnknownPlan
            | PlanNotOrderable
            | PlanNotAssignable
            | SeatLimitExceeded
            | GlobalAdminRequired
            | PlanChangeRefused
            | AccessBeyondRelationship
            | NotACustomer
            | NotAnAgent
            | VerificationFailed
            | DomainNotForSale
            | SignupRefused
            | ConfirmationFailed
            | TooFewLicenses
            | ZeroDelta => StatusCode::UNPROCESSABLE_ENTITY,
            TooManySignInAttempts | TooManySignups | RateLimited => StatusCode::TOO_MANY_REQUESTS,
            InternalError => StatusCode::INTERNAL_SERVER_ERROR,
            ServiceUnavailable | DnsUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            InsufficientStorage => StatusCode::INSUFFICIENT_STORAGE,
        }
    }

    pub fn as_str(self) -> String {
        match serde_json::to_value(self) {
            Ok(serde_json::Value::String(code)) => code,
            // Unreachable for a unit enum serialised as snake_case strings.
            _ => "internal_error".to_owned(),
        }
    }

    /// The code for a status that reached the client without one (a route that does not exist,
    /// a method the route does not have).
    pub(crate) fn for_status(status: StatusCode) -> ErrorCode {
        match status {
            StatusCode::NOT_FOUND => ErrorCode::NotFound,
            StatusCode::METHOD_NOT_ALLOWED => ErrorCode::MethodNotAllowed,
            StatusCode::UNAUTHORIZED => ErrorCode::Unauthenticated,
            StatusCode::FORBIDDEN => ErrorCode::Forbidden,
            StatusCode::PAYLOAD_TOO_LARGE => ErrorCode::PayloadTooLarge,
            StatusCode::UNSUPPORTED_MEDIA_TYPE => ErrorCode::UnsupportedMediaType,
            StatusCode::NOT_ACCEPTABLE => ErrorCode::NotAcceptable,
            StatusCode::SERVICE_UNAVAILABLE => ErrorCode::ServiceUnavailable,
            s if s.is_server_error() => ErrorCode::InternalError,
            _ => ErrorCode::MalformedBody,
        }
    }
}
