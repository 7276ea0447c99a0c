//! Values stored and shown by name (`"full"`, `"in_progress"`, `"A"`): parsing, printing and
//! converting them to and from the stored text, the same way for every such type. Each type
//! gives `ALL` and `as_str`; this writes the rest.

macro_rules! stored_names {
    ($type:ident, $error:ident, $what:literal) => {
        impl std::fmt::Display for $type {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        #[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
        #[error("`{value}` is not {what}", value = .0, what = $what)]
        pub struct $error(pub String);

        impl std::str::FromStr for $type {
            type Err = $error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                $type::ALL.into_iter().find(|value| value.as_str() == s).ok_or_else(|| $error(s.to_owned()))
            }
        }

        /// So that a value is stored as its name.
        impl From<$type> for String {
            fn from(value: $type) -> String {
                value.as_str().to_owned()
            }
        }

        /// So that a stored row converts straight into the value.
        impl TryFrom<String> for $type {
            type Error = $error;
            fn try_from(value: String) -> Result<Self, Self::Error> {
                value.parse()
            }
        }
    };
}

pub(crate) use stored_names;
