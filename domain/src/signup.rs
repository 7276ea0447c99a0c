//! Self-service sign-up: a person with a work address signs up, confirms the code
//! mailed to them, and joins the unmanaged tenant of their email domain.
//!
//! The answer to a sign-up never says whether the address already has an account; only the
//! mail to that address does. Sign-ups are throttled per address and per email domain, counted
//! in the store so that every process sees the same counts.

use std::collections::HashSet;
use std::sync::OnceLock;

use chrono::{DateTime, Duration, Utc};

use crate::email::EmailAddress;

/// How long a confirmation code can be used.
pub const CODE_LIFETIME: Duration = Duration::hours(24);
/// Wrong codes tried before the sign-up is void.
pub const MAX_CODE_ATTEMPTS: i32 = 5;
/// The window over which sign-ups are counted for throttling.
pub const THROTTLE_WINDOW: Duration = Duration::hours(1);
/// How many sign-ups the throttle admits per window, key by key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignupLimits {
    /// For one address: enough to ask again for a lost mail.
    pub per_address: i64,
    /// For one email domain: a whole team signing up in an afternoon.
    pub per_domain: i64,
    /// From one caller (client address): a few colleagues behind one office address, not a
    /// script mailing strangers.
    pub per_source: i64,
    /// On the whole platform: a flood from many addresses is stopped before it costs anything.
    pub platform: i64,
}

impl Default for SignupLimits {
    fn default() -> Self {
        Self { per_address: 3, per_domain: 30, per_source: 5, platform: 500 }
    }
}

/// The sign-ups counted within the window, key by key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecentSignups {
    pub for_address: Counted,
    pub for_domain: Counted,
    pub for_source: Counted,
    pub platform: Counted,
}

/// Free and consumer mail domains: a sign-up is for a work address, grouped by its
/// organisation's domain, and these group no organisation. A dated, vendored list (its header
/// names the source, `refresh-consumer-mail-domains.py` regenerates it); operators add theirs.
const CONSUMER_MAIL_DOMAINS: &str = include_str!("../data/consumer-mail-domains.txt");

fn consumer_mail_domains() -> &'static HashSet<&'static str> {
    static DOMAINS: OnceLock<HashSet<&'static str>> = OnceLock::new();
    DOMAINS.get_or_init(|| {
        CONSUMER_MAIL_DOMAINS.lines().map(str::trim).filter(|line| !line.is_empty() && !line.starts_with('#')).collect()
    })
}

/// Whether `domain` is a free or consumer mail provider's, by the list or the operator's additions.
pub fn is_consumer_mail_domain(domain: &str, operator_added: &[String]) -> bool {
    consumer_mail_domains().contains(domain) || operator_added.iter().any(|added| added == domain)
}

/// Why a sign-up is refused outright.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignupRefusal {
    #[error("{0} is a personal mail domain; sign up with your work address")]
    PersonalAddress(String),
    #[error("{0} is the platform's own domain")]
    PlatformDomain(String),
    #[error("the organisation that owns {0} manages its own accounts: ask its administrator to create yours")]
    ManagedDomain(String),
    #[error("too many sign-ups {}; try again later", .limit.describe())]
    Throttled { limit: SignupLimit, retry_after: Duration },
}

/// A work address: not a personal mailbox, not the platform's own domain.
pub fn check_work_address(
    address: &EmailAddress,
    platform_domain: &str,
    operator_added: &[String],
) -> Result<(), SignupRefusal> {
    let domain = address.domain().as_str();
    if is_consumer_mail_domain(domain, operator_added) {
        return Err(SignupRefusal::PersonalAddress(domain.to_owned()));
    }
    if domain == platform_domain || domain.ends_with(&format!(".{platform_domain}")) {
        return Err(SignupRefusal::PlatformDomain(domain.to_owned()));
    }
    Ok(())
}

/// The sign-ups counted within the window (since `now - THROTTLE_WINDOW`) for one key (an
/// address or an email domain), and when the oldest of them was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counted {
    pub count: i64,
    pub oldest: Option<DateTime<Utc>>,
}

/// Which of the throttle's limits a sign-up reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignupLimit {
    Address,
    Domain,
    Source,
    Platform,
}

impl SignupLimit {
    pub fn describe(self) -> &'static str {
        match self {
            SignupLimit::Address => "for this address",
            SignupLimit::Domain => "for this email domain",
            SignupLimit::Source => "from your network address",
            SignupLimit::Platform => "on the platform at the moment",
        }
    }
}

/// Refuses a sign-up when any key has had as many as its limit within the window, with the
/// wait until that limit frees up (the longest wait when several are reached).
pub fn check_throttle(recent: &RecentSignups, limits: &SignupLimits, now: DateTime<Utc>) -> Result<(), SignupRefusal> {
    let wait = |counted: Counted, limit: i64| {
        (counted.count >= limit).then(|| {
            counted.oldest.map_or(THROTTLE_WINDOW, |oldest| (oldest + THROTTLE_WINDOW - now).max(Duration::seconds(1)))
        })
    };
    let reached = [
        (SignupLimit::Address, wait(recent.for_address, limits.per_address)),
        (SignupLimit::Domain, wait(recent.for_domain, limits.per_domain)),
        (SignupLimit::Source, wait(recent.for_source, limits.per_source)),
        (SignupLimit::Platform, wait(recent.platform, limits.platform)),
    ];
    match reached.into_iter().filter_map(|(limit, wait)| wait.map(|wait| (limit, wait))).max_by_key(|(_, wait)| *wait) {
        None => Ok(()),
        Some((limit, retry_after)) => Err(SignupRefusal::Throttled { limit, retry_after }),
    }
}

/// The longest name a message to an unproved address carries.
pub const GREETING_NAME_MAX_CHARS: usize = 40;
/// The most words such a name may have.
pub const GREETING_NAME_MAX_WORDS: usize = 3;

/// The name a message to an address that has not proved it is its owner's may greet with:
/// the display name only when it is a plain name (letters, spaces, hyphens, apostrophes, and a
/// full stop only after an initial), at most 40 characters and 3 words; `None` otherwise, and
/// the message greets nobody by name. Anyone can sign up with anyone's address, so nothing a
/// caller wrote may read as a link, a number to call or a sentence of their choosing.
pub fn greeting_name(display_name: &str) -> Option<&str> {
    let name = display_name.trim();
    let plain_characters = name.chars().all(|c| c.is_alphabetic() || matches!(c, ' ' | '-' | '\'' | '’' | '.'));
    let words: Vec<&str> = name.split(' ').collect();
    // "J. Martin" has an initial; "evil.example" and "a..b" have no place in a name.
    let full_stops_after_initials = words.iter().all(|word| match word.find('.') {
        None => true,
        Some(at) => at + 1 == word.len() && word.chars().count() == 2,
    });
    let plain = !name.is_empty()
        && name.chars().count() <= GREETING_NAME_MAX_CHARS
        && plain_characters
        && full_stops_after_initials
        && words.len() <= GREETING_NAME_MAX_WORDS
        && words.iter().all(|word| !word.is_empty());
    plain.then_some(name)
}

/// A pending sign-up as confirmation reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingSignup {
    pub attempts: i32,
    pub expires_at: DateTime<Utc>,
    pub confirmed: bool,
}

/// Why a confirmation did not go through. The code's owner learns which; a wrong code is
/// counted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfirmationRefusal {
    #[error("this sign-up is confirmed already; sign in")]
    AlreadyConfirmed,
    #[error("the code has expired; sign up again for a new one")]
    Expired,
    #[error("too many wrong codes; sign up again for a new one")]
    TooManyAttempts,
    #[error("the code is not the one sent; {remaining} attempt(s) left")]
    WrongCode { remaining: i32 },
}

impl PendingSignup {
    /// Decides a confirmation given whether the code matched.
    pub fn confirm(&self, code_matches: bool, now: DateTime<Utc>) -> Result<(), ConfirmationRefusal> {
        if self.confirmed {
            return Err(ConfirmationRefusal::AlreadyConfirmed);
        }
        if now >= self.expires_at {
            return Err(ConfirmationRefusal::Expired);
        }
        if self.attempts >= MAX_CODE_ATTEMPTS {
            return Err(ConfirmationRefusal::TooManyAttempts);
        }
        if !code_matches {
            let remaining = MAX_CODE_ATTEMPTS - self.attempts - 1;
            return Err(if remaining > 0 {
                ConfirmationRefusal::WrongCode { remaining }
            } else {
                ConfirmationRefusal::TooManyAttempts
            });
        }
        Ok(())
    }
}

/// The unmanaged tenant's slug for an email domain: `example-org` for `example.org`, cut to fit
/// and made unique by the caller with `suffix` when taken.
pub fn unmanaged_slug(email_domain: &str, suffix: Option<&str>) -> String {
    // Runs of hyphens collapse to one: `xn--bcher-kva.fr` must not give a label holding `--`,
    // which IDNA reserves for its own encodings.
    let mut base = String::new();
    for c in email_domain.chars() {
        let c = if c.is_ascii_lowercase() || c.is_ascii_digit() { c } else { '-' };
        if !(c == '-' && base.ends_with('-')) {
            base.push(c);
        }
    }
    let base = base.trim_matches('-').to_owned();
    let base = if base.starts_with(|c: char| c.is_ascii_lowercase()) { base } else { format!("d-{base}") };
    let room = 40 - suffix.map_or(0, |s| s.len() + 1);
    let mut slug: String = base.chars().take(room).collect::<String>().trim_end_matches('-').to_owned();
    if let Some(suffix) = suffix {
        slug = format!("{slug}-{suffix}");
    }
    slug
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn address(raw: &str) -> EmailAddress {
        EmailAddress::parse(raw).unwrap()
    }

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap()
    }

    #[test]
    fn work_addresses_only() {
        assert_eq!(check_work_address(&address("rob@contoso.com"), "tenantry.test", &[]), Ok(()));
        assert!(matches!(
            check_work_address(&address("rob@gmail.com"), "tenantry.test", &[]),
            Err(SignupRefusal::PersonalAddress(_))
        ));
        assert!(matches!(
            check_work_address(&address("rob@acme.tenantry.test"), "tenantry.test", &[]),
            Err(SignupRefusal::PlatformDomain(_))
        ));
    }

    #[test]
    fn sign_ups_are_throttled_per_address_domain_source_and_platform() {
        let counted = |count, minutes_ago: i64| Counted { count, oldest: Some(now() - Duration::minutes(minutes_ago)) };
        let none = Counted { count: 0, oldest: None };
        let limits = SignupLimits::default();
        let recent = |for_address, for_domain, for_source, platform| RecentSignups {
            for_address,
            for_domain,
            for_source,
            platform,
        };
        assert_eq!(
            check_throttle(&recent(counted(2, 10), counted(29, 50), counted(4, 5), counted(499, 59)), &limits, now()),
            Ok(())
        );
        // The address's own oldest sign-up decides its wait, not another address of the domain's.
        assert_eq!(
            check_throttle(&recent(counted(3, 1), counted(4, 50), none, none), &limits, now()),
            Err(SignupRefusal::Throttled { limit: SignupLimit::Address, retry_after: Duration::minutes(59) })
        );
        assert_eq!(
            check_throttle(&recent(none, counted(30, 50), none, none), &limits, now()),
            Err(SignupRefusal::Throttled { limit: SignupLimit::Domain, retry_after: Duration::minutes(10) })
        );
        // One caller signing up forty strangers in forty domains is stopped at the fifth.
        assert_eq!(
            check_throttle(&recent(none, counted(1, 1), counted(5, 2), counted(5, 2)), &limits, now()),
            Err(SignupRefusal::Throttled { limit: SignupLimit::Source, retry_after: Duration::minutes(58) })
        );
        assert_eq!(
            check_throttle(&recent(none, none, counted(1, 1), counted(500, 30)), &limits, now()),
            Err(SignupRefusal::Throttled { limit: SignupLimit::Platform, retry_after: Duration::minutes(30) })
        );
        // Several limits reached: the longest wait is the one that tells the truth.
        assert_eq!(
            check_throttle(&recent(counted(3, 50), none, counted(5, 20), none), &limits, now()),
            Err(SignupRefusal::Throttled { limit: SignupLimit::Source, retry_after: Duration::minutes(40) })
        );
    }

    #[test]
    fn only_a_plain_name_greets_an_unproved_address() {
        for plain in [
            "Rob Martin",
            "Jean-Pierre O'Neil",
            "J. Martin",
            "Zoë Ångström",
            "María del Carmen",
            "李小龙",
            "Anne-Marie d’Arc",
        ] {
            assert_eq!(greeting_name(plain), Some(plain), "{plain}");
        }
        assert_eq!(greeting_name("  Rob Martin "), Some("Rob Martin"));
        let refused = [
            "You won a prize, claim it at http://evil.example",
            "evil.example",
            "Call 0800 123 456",
            "Rob <b>Martin</b>",
            "Rob\u{202e}Martin",
            "Rob\tMartin",
            "a..b",
            "Rob  Martin",
            "Your account is locked",
            "María del Carmen García López",
            "",
            "   ",
        ];
        for name in refused {
            assert_eq!(greeting_name(name), None, "{name:?}");
        }
        assert_eq!(greeting_name(&"a".repeat(GREETING_NAME_MAX_CHARS)).map(str::len), Some(GREETING_NAME_MAX_CHARS));
        assert_eq!(greeting_name(&"a".repeat(GREETING_NAME_MAX_CHARS + 1)), None);
    }

    #[test]
    fn a_code_confirms_once_before_it_expires_and_wrong_codes_run_out() {
        let pending = PendingSignup { attempts: 0, expires_at: now() + CODE_LIFETIME, confirmed: false };
        assert_eq!(pending.confirm(true, now()), Ok(()));
        assert_eq!(pending.confirm(false, now()), Err(ConfirmationRefusal::WrongCode { remaining: 4 }));
        let last = PendingSignup { attempts: 4, ..pending.clone() };
        assert_eq!(last.confirm(false, now()), Err(ConfirmationRefusal::TooManyAttempts));
        let spent = PendingSignup { attempts: 5, ..pending.clone() };
        assert_eq!(spent.confirm(true, now()), Err(ConfirmationRefusal::TooManyAttempts));
        assert_eq!(pending.confirm(true, now() + CODE_LIFETIME), Err(ConfirmationRefusal::Expired));
        let done = PendingSignup { confirmed: true, ..pending };
        assert_eq!(done.confirm(true, now()), Err(ConfirmationRefusal::AlreadyConfirmed));
    }

    #[test]
    fn the_unmanaged_tenant_slug_comes_from_the_domain() {
        assert_eq!(unmanaged_slug("example.org", None), "example-org");
        assert_eq!(unmanaged_slug("example.org", Some("x7k2")), "example-org-x7k2");
        assert_eq!(unmanaged_slug("42.fr", None), "d-42-fr");
        // An internationalised domain's ASCII form makes a slug that is a valid label.
        let idn = unmanaged_slug("xn--bcher-kva.fr", None);
        assert_eq!(idn, "xn-bcher-kva-fr");
        let platform = crate::DomainName::parse("tenantry.test").unwrap();
        assert!(platform.with_subdomain(&idn).is_ok());
        let long = format!("{}.fr", "a".repeat(60));
        assert!(unmanaged_slug(&long, Some("x7k2")).len() <= 40);
    }

    #[test]
    fn consumer_mail_providers_are_not_work_domains_and_operators_add_theirs() {
        for provider in
            ["gmail.com", "orange.fr", "sfr.fr", "neuf.fr", "laposte.net", "gmx.de", "yandex.ru", "proton.me"]
        {
            assert!(is_consumer_mail_domain(provider, &[]), "{provider}");
            let who = address(&format!("rob@{provider}"));
            assert!(matches!(check_work_address(&who, "tenantry.test", &[]), Err(SignupRefusal::PersonalAddress(_))));
        }
        assert!(!is_consumer_mail_domain("contoso.com", &[]));
        let added = ["mail.example-isp.fr".to_owned()];
        assert!(is_consumer_mail_domain("mail.example-isp.fr", &added));
        assert!(check_work_address(&address("rob@mail.example-isp.fr"), "tenantry.test", &added).is_err());
        assert!(consumer_mail_domains().len() > 10_000, "the vendored list is read, its header left out");
        assert!(!consumer_mail_domains().iter().any(|domain| domain.starts_with('#')));
    }
}
