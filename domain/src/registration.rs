//! Buying a domain name: which names can be bought, the alternatives offered when
//! a name is taken, the registrant's administrative data, and a registration's life.
//!
//! A registration holds one seat of a Registrar resource (a subscription of the registrar plan)
//! from the moment it is asked for; a failed one gives its seat back.

use crate::domain_name::DomainName;
use crate::names::stored_names;

/// The extensions the registry sells, in the order alternatives are offered.
pub const OFFERED_EXTENSIONS: [&str; 7] = ["fr", "com", "net", "org", "eu", "be", "ch"];

/// The plan whose subscriptions are Registrar resources.
pub const REGISTRAR_PLAN: &str = "registrar";

/// Why a name cannot be bought here.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotForSale {
    #[error("{name} is not a name a registry sells: give the name right under its extension, such as {registrable}")]
    NotRegistrable { name: String, registrable: String },
    #[error(".{extension} is not offered; the registry sells .fr, .com, .net, .org, .eu, .be and .ch")]
    ExtensionNotOffered { extension: String },
}

/// A name a customer may ask to buy: a second-level name on an offered extension.
pub fn check_for_sale(name: &DomainName) -> Result<(), NotForSale> {
    let extension = name.public_suffix();
    if !name.is_registrable() {
        let registrable = format!("{}.{extension}", name.registrable_label());
        return Err(NotForSale::NotRegistrable { name: name.to_string(), registrable });
    }
    if !OFFERED_EXTENSIONS.contains(&extension) {
        return Err(NotForSale::ExtensionNotOffered { extension: extension.to_owned() });
    }
    Ok(())
}

/// The same label on the other offered extensions, in catalogue order: what is proposed when the
/// name asked for is taken. The caller keeps the ones still free.
pub fn alternatives(name: &DomainName) -> Vec<DomainName> {
    let label = name.registrable_label();
    OFFERED_EXTENSIONS
        .iter()
        .filter(|extension| **extension != name.public_suffix())
        .filter_map(|extension| DomainName::parse(&format!("{label}.{extension}")).ok())
        .collect()
}

/// Where a registration stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegistrationStatus {
    /// Asked for; the registry has not confirmed it yet.
    Pending,
    /// The registry holds the name for the tenant; it is a verified domain of the tenant.
    Active,
    /// The registry refused, or every attempt failed; the seat is free again.
    Failed,
}

impl RegistrationStatus {
    pub const ALL: [RegistrationStatus; 3] =
        [RegistrationStatus::Pending, RegistrationStatus::Active, RegistrationStatus::Failed];

    pub fn as_str(self) -> &'static str {
        match self {
            RegistrationStatus::Pending => "pending",
            RegistrationStatus::Active => "active",
            RegistrationStatus::Failed => "failed",
        }
    }
}

stored_names!(RegistrationStatus, UnknownRegistrationStatus, "a registration status");

/// The registrant's administrative data, as registries ask for it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Registrant {
    pub organisation: String,
    pub contact_name: String,
    pub email: String,
    /// International form, `+33.123456789` as registries write it, or `+33123456789`.
    pub phone: String,
    pub street: String,
    pub postal_code: String,
    pub city: String,
    /// ISO 3166-1 alpha-2, upper case.
    pub country: String,
}

/// The first field of the registrant's data that is not acceptable, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("registrant.{field}: {problem}")]
pub struct RegistrantError {
    pub field: &'static str,
    pub problem: &'static str,
}

impl Registrant {
    /// Trims every field and checks it; the country is upper-cased.
    pub fn parse(raw: Registrant) -> Result<Registrant, RegistrantError> {
        let text = |field: &'static str, value: &str, max: usize| -> Result<String, RegistrantError> {
            crate::text::one_line(value, max).map_err(|_| RegistrantError {
                field,
                problem: "must be 1 to the allowed number of characters, on one line",
            })
        };
        let phone = raw.phone.trim().replace([' ', '.', '-'], "");
        let phone_ok =
            phone.starts_with('+') && (8..=16).contains(&phone.len()) && phone[1..].bytes().all(|b| b.is_ascii_digit());
        if !phone_ok {
            return Err(RegistrantError {
                field: "phone",
                problem: "must be an international number such as +33123456789",
            });
        }
        let country = raw.country.trim().to_ascii_uppercase();
        if country.len() != 2 || !country.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(RegistrantError { field: "country", problem: "must be a two-letter ISO 3166 code such as FR" });
        }
        let email = crate::email::EmailAddress::parse(&raw.email)
            .map_err(|_| RegistrantError { field: "email", problem: "must be an email address" })?;
        Ok(Registrant {
            organisation: text("organisation", &raw.organisation, 200)?,
            contact_name: text("contact_name", &raw.contact_name, 200)?,
            email: email.to_string(),
            phone,
            street: text("street", &raw.street, 200)?,
            postal_code: text("postal_code", &raw.postal_code, 16)?,
            city: text("city", &raw.city, 100)?,
            country,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(raw: &str) -> DomainName {
        DomainName::parse(raw).unwrap()
    }

    pub fn registrant() -> Registrant {
        Registrant {
            organisation: " Contoso SARL ".into(),
            contact_name: "Camille Martin".into(),
            email: "camille@example.com".into(),
            phone: "+33 1 23 45 67 89".into(),
            street: "1 rue de la Paix".into(),
            postal_code: "75002".into(),
            city: "Paris".into(),
            country: "fr".into(),
        }
    }

    #[test]
    fn only_second_level_names_on_offered_extensions_are_for_sale() {
        assert_eq!(check_for_sale(&name("contoso.fr")), Ok(()));
        assert_eq!(check_for_sale(&name("contoso.ch")), Ok(()));
        assert_eq!(
            check_for_sale(&name("mail.contoso.fr")),
            Err(NotForSale::NotRegistrable { name: "mail.contoso.fr".into(), registrable: "contoso.fr".into() })
        );
        assert_eq!(
            check_for_sale(&name("contoso.co.uk")),
            Err(NotForSale::ExtensionNotOffered { extension: "co.uk".into() })
        );
    }

    #[test]
    fn alternatives_are_the_label_on_the_other_extensions() {
        let offered: Vec<String> = alternatives(&name("contoso.fr")).iter().map(ToString::to_string).collect();
        assert_eq!(offered, ["contoso.com", "contoso.net", "contoso.org", "contoso.eu", "contoso.be", "contoso.ch"]);
    }

    #[test]
    fn registrant_data_is_trimmed_and_checked() {
        let parsed = Registrant::parse(registrant()).unwrap();
        assert_eq!(parsed.organisation, "Contoso SARL");
        assert_eq!(parsed.phone, "+33123456789");
        assert_eq!(parsed.country, "FR");
        let bad_phone = Registrant { phone: "01 23 45 67 89".into(), ..registrant() };
        assert_eq!(Registrant::parse(bad_phone).unwrap_err().field, "phone");
        let bad_country = Registrant { country: "France".into(), ..registrant() };
        assert_eq!(Registrant::parse(bad_country).unwrap_err().field, "country");
        let no_city = Registrant { city: "  ".into(), ..registrant() };
        assert_eq!(Registrant::parse(no_city).unwrap_err().field, "city");
    }

    #[test]
    fn statuses_round_trip() {
        for status in RegistrationStatus::ALL {
            assert_eq!(status.as_str().parse::<RegistrationStatus>(), Ok(status));
        }
    }
}
