//! The identifiers of the things the business names, each its own type, so that a tenant's id
//! cannot be passed where a person's is expected. An id is opaque: one that names nothing is
//! not found, never malformed.

use std::fmt;
use std::ops::Deref;

macro_rules! identifier {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }

            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl From<String> for $name {
            fn from(id: String) -> Self {
                Self(id)
            }
        }

        impl From<&str> for $name {
            fn from(id: &str) -> Self {
                Self(id.to_owned())
            }
        }

        /// Read as the text it is, where storage and messages want text.
        impl Deref for $name {
            type Target = str;
            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<String> for $name {
            fn eq(&self, other: &String) -> bool {
                &self.0 == other
            }
        }

        impl PartialEq<$name> for String {
            fn eq(&self, other: &$name) -> bool {
                *self == other.0
            }
        }
    };
}

identifier!(
    /// A customer organisation (a tenant).
    TenantId
);
identifier!(
    /// A person: someone in a tenant, a partner's person, or an operator.
    UserId
);
identifier!(
    /// A subscription, that is a license pool.
    SubscriptionId
);
identifier!(
    /// A partner organisation.
    PartnerId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_reads_as_its_text_and_compares_with_text() {
        let tenant = TenantId::from("0193-tenant");
        assert_eq!(tenant.as_str(), "0193-tenant");
        assert_eq!(&*tenant, "0193-tenant");
        assert_eq!(tenant, "0193-tenant".to_owned());
        assert_eq!(tenant.to_string(), "0193-tenant");
        assert_eq!(serde_json::to_string(&tenant).unwrap(), "\"0193-tenant\"");
        assert_eq!(serde_json::from_str::<UserId>("\"u-1\"").unwrap(), UserId::from("u-1"));
    }
}
