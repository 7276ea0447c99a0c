//! The messages' templates: files under `api/templates/<language>/` that a translator edits
//! (see the README there), compiled into the binary. A template gives the subject and the text;
//! the HTML part is the same text laid out in `layout.html`.

use tenantry_domain::language::Language;

/// Every message the service sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Template {
    AccountCreated,
    RolesDesignated,
    PasswordReset,
    WelcomeToService,
    PartnerAccountCreated,
    RelationshipAccepted,
    RelationshipEnded,
    RelationshipLeftBehind,
    ServiceRequestChanged,
    DomainActive,
    SignupCode,
    SignupAccountExists,
    TakeoverCompleted,
    WebhookDisabled,
}

impl Template {
    pub const ALL: [Template; 14] = [
        Template::AccountCreated,
        Template::RolesDesignated,
        Template::PasswordReset,
        Template::WelcomeToService,
        Template::PartnerAccountCreated,
        Template::RelationshipAccepted,
        Template::RelationshipEnded,
        Template::RelationshipLeftBehind,
        Template::ServiceRequestChanged,
        Template::DomainActive,
        Template::SignupCode,
        Template::SignupAccountExists,
        Template::TakeoverCompleted,
        Template::WebhookDisabled,
    ];

    /// The template file's text in `language`.
    fn source(self, language: Language) -> &'static str {
        macro_rules! files {
            ($($variant:ident => $file:literal),* $(,)?) => {
                match (self, language) {
                    $(
                        (Template::$variant, Language::French) => include_str!(concat!("../../templates/fr/", $file, ".txt")),
                        (Template::$variant, Language::English) => include_str!(concat!("../../templates/en/", $file, ".txt")),
                    )*
                }
            };
        }
        files! {
            AccountCreated => "account_created",
            RolesDesignated => "roles_designated",
            PasswordReset => "password_reset",
            WelcomeToService => "welcome_to_service",
            PartnerAccountCreated => "partner_account_created",
            RelationshipAccepted => "relationship_accepted",
            RelationshipEnded => "relationship_ended",
            RelationshipLeftBehind => "relationship_left_behind",
            ServiceRequestChanged => "service_request_changed",
            DomainActive => "domain_active",
            SignupCode => "signup_code",
            SignupAccountExists => "signup_account_exists",
            TakeoverCompleted => "takeover_completed",
            WebhookDisabled => "webhook_disabled",
        }
    }
}

fn phrases(language: Language) -> &'static str {
    match language {
        Language::French => include_str!("../../templates/fr/phrases.txt"),
        Language::English => include_str!("../../templates/en/phrases.txt"),
    }
}

const LAYOUT: &str = include_str!("../../templates/layout.html");

/// A message in one language: its subject, its text and its HTML.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Fills `{{key}}` placeholders with `values`; unknown placeholders are left as they are, so a
/// missing value shows in the message instead of silently vanishing (tests check there is none).
fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = template.to_owned();
    for (key, value) in values {
        out = out.replace(&format!("{{{{{key}}}}}"), value);
    }
    out
}

/// A short phrase of `language` (`phrases.txt`), filled with `values`.
pub fn phrase(language: Language, key: &str, values: &[(&str, &str)]) -> String {
    let found = phrases(language)
        .lines()
        .filter(|line| !line.trim_start().starts_with('#'))
        .find_map(|line| line.split_once(" = ").filter(|(k, _)| k.trim() == key).map(|(_, v)| v.trim()));
    fill(found.unwrap_or(key), values)
}

/// The message `template` in `language`, filled with `values`.
pub fn render(template: Template, language: Language, values: &[(&str, &str)]) -> Rendered {
    let source = template.source(language);
    let (head, body) = source.split_once("\n---\n").unwrap_or(("", source));
    let subject = fill(head.trim().strip_prefix("Subject:").unwrap_or(head).trim(), values);
    // An empty optional line (a role line for someone without roles) leaves no gap.
    let text = fill(body, values).replace("\n\n\n", "\n\n").trim_end().to_owned() + "\n";
    let html = layout(language, &subject, &text);
    Rendered { subject, text, html }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// The text as HTML: its paragraphs (separated by blank lines) in the layout, every value
/// escaped.
fn layout(language: Language, subject: &str, text: &str) -> String {
    let content: Vec<String> = text
        .split("\n\n")
        .map(str::trim)
        .filter(|paragraph| !paragraph.is_empty())
        .map(|paragraph| format!("<p>{}</p>", paragraph.lines().map(escape).collect::<Vec<_>>().join("<br>\n")))
        .collect();
    fill(LAYOUT, &[("lang", language.as_str()), ("subject", &escape(subject)), ("content", &content.join("\n"))])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every placeholder any template uses, with a value.
    const VALUES: [(&str, &str); 30] = [
        ("endpoint", "https://hooks.example/tenantry"),
        ("name", "Ada <Lovelace>"),
        ("sign_in", "ada@contoso.fr"),
        ("temporary_password", "Tmp-Password-123"),
        ("url", "https://portal.example"),
        ("role_line", "Designated."),
        ("roles", "global_admin"),
        ("plan", "Business Premium"),
        ("seats", "5"),
        ("role", "partner agent"),
        ("customer", "Contoso"),
        ("access", "full"),
        ("partner", "Fabrikam"),
        ("title", "Slow mail"),
        ("change", "is now in progress"),
        ("id", "019a"),
        ("domain", "contoso.fr"),
        ("email", "ada@contoso.fr"),
        ("code", "12345678"),
        ("signup_id", "019b"),
        ("accounts", "- helpdesk@contoso.fr (created)"),
        ("relationship_id", "019c"),
        ("tenant_id", "019d"),
        ("greeting", "Bonjour Ada,"),
        ("admin", "Rob"),
        ("severity", "A"),
        ("lang", "fr"),
        ("subject", "s"),
        ("content", "c"),
        ("unused", "u"),
    ];

    #[test]
    fn every_template_renders_fully_in_both_languages() {
        for template in Template::ALL {
            for language in Language::ALL {
                let rendered = render(template, language, &VALUES);
                for part in [&rendered.subject, &rendered.text, &rendered.html] {
                    assert!(!part.contains("{{"), "{template:?} in {language:?} leaves a placeholder: {part}");
                }
                assert!(!rendered.subject.is_empty() && !rendered.subject.contains('\n'), "{template:?} {language:?}");
                assert!(rendered.html.contains(&format!("<html lang=\"{}\">", language.as_str())));
            }
            assert_ne!(
                render(template, Language::French, &VALUES).text,
                render(template, Language::English, &VALUES).text
            );
        }
    }

    #[test]
    fn html_escapes_values_and_keeps_paragraphs() {
        let rendered = render(Template::DomainActive, Language::English, &VALUES);
        assert!(rendered.text.starts_with("Hello Ada <Lovelace>,\n\n"));
        assert!(rendered.html.contains("<p>Hello Ada &lt;Lovelace&gt;,</p>"), "{}", rendered.html);
        assert!(!rendered.html.contains("<Lovelace>"));
    }

    #[test]
    fn phrases_are_found_and_filled() {
        assert_eq!(phrase(Language::French, "regraded", &[("severity", "A")]), "a été reclassée en sévérité A");
        assert_eq!(phrase(Language::English, "partner_agent", &[]), "partner agent");
        assert_eq!(phrase(Language::English, "no_such_phrase", &[]), "no_such_phrase");
        for key in [
            "designated_admin",
            "partner_admin",
            "access_full",
            "access_limited",
            "status_in_progress",
            "status_open",
            "status_waiting_on_customer",
            "status_resolved",
            "status_closed",
            "regraded",
        ] {
            for language in Language::ALL {
                assert_ne!(phrase(language, key, &[]), key, "{key} in {language:?}");
            }
        }
    }

    #[test]
    fn an_empty_optional_line_leaves_no_gap() {
        let rendered = render(Template::AccountCreated, Language::English, &[("role_line", "")]);
        assert!(!rendered.text.contains("\n\n\n"));
    }
}
