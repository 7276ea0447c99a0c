//! The languages messages are written in. French first: this market's people read French, and
//! someone who never chose gets it.

use crate::names::stored_names;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize)]
pub enum Language {
    #[default]
    #[serde(rename = "fr")]
    French,
    #[serde(rename = "en")]
    English,
}

impl Language {
    pub const ALL: [Language; 2] = [Language::French, Language::English];

    /// The BCP 47 tag, as `Content-Language` and the preference carry it.
    pub fn as_str(self) -> &'static str {
        match self {
            Language::French => "fr",
            Language::English => "en",
        }
    }
}

stored_names!(Language, UnknownLanguage, "a language (fr or en)");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn french_unless_chosen_and_tags_round_trip() {
        assert_eq!(Language::default(), Language::French);
        for language in Language::ALL {
            assert_eq!(language.as_str().parse::<Language>(), Ok(language));
        }
        assert!("de".parse::<Language>().is_err());
    }
}
