//! A database URL as it may be shown to people and logs: never with its password, which may sit
//! in the user part (`postgres://app:PASSWORD@host/db`) or in the query (`?password=...`), and
//! which a driver may repeat in its own error messages (libpq quotes a malformed URL's parts).

/// The URL with every password replaced by `***`.
pub fn redacted(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_owned() };
    let (before_query, query) = rest.split_once('?').map_or((rest, None), |(b, q)| (b, Some(q)));
    // A URL that `check_user_part` refuses is shown without anything before its last `@`.
    let location = match before_query.rfind('@') {
        Some(at) => {
            let (userinfo, host_and_path) = (&before_query[..at], &before_query[at + 1..]);
            match userinfo.split_once(':') {
                Some((user, _password)) => format!("{user}:***@{host_and_path}"),
                None => format!("{userinfo}@{host_and_path}"),
            }
        }
        None => before_query.to_owned(),
    };
    match query {
        Some(query) => {
            let masked: Vec<String> = query
                .split('&')
                .map(|pair| match pair.split_once('=') {
                    Some((key, _)) if key.to_ascii_lowercase().contains("password") => format!("{key}=***"),
                    _ => pair.to_owned(),
                })
                .collect();
            format!("{scheme}://{location}?{}", masked.join("&"))
        }
        None => format!("{scheme}://{location}"),
    }
}

/// Refuses a URL whose user part libpq would read differently from us, or quote back in its
/// error message: characters that must be percent-encoded there (`@ / ? #` and a `:` in the
/// password) or a malformed escape. The message never repeats the user part.
pub fn check_user_part(url: &str) -> Result<(), String> {
    let Some((_, rest)) = url.split_once("://") else { return Ok(()) };
    // The authority ends at the first `/`, `?` or `#` (RFC 3986); libpq splits it at its first `@`.
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    let after = &rest[authority_end..];
    let refused = || {
        Err("the user name or password in the URL holds a character that must be percent-encoded \
             (@ as %40, / as %2F, ? as %3F, # as %23, : as %3A, % as %25)"
            .to_owned())
    };
    // An `@` past the authority that is not in a query value (`?user=a@b`) ends a user part
    // that held a `/`, `?` or `#`.
    let misplaced_at = after.split_once('@').is_some_and(|(before, _)| !before.contains('='));
    if misplaced_at || authority.matches('@').count() > 1 {
        return refused();
    }
    if let Some((userinfo, _)) = authority.split_once('@') {
        let password = userinfo.split_once(':').map(|(_, p)| p).unwrap_or_default();
        if password.contains(':') || !well_escaped(userinfo) {
            return refused();
        }
    }
    Ok(())
}

/// Every `%` starts a two-digit hexadecimal escape.
fn well_escaped(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.iter().enumerate().all(|(i, b)| {
        *b != b'%'
            || (bytes.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                && bytes.get(i + 2).is_some_and(u8::is_ascii_hexdigit))
    })
}

/// Passwords this short are left in place: replacing every occurrence of one or two letters
/// would garble the message and, by its gaps, show them. URLs with such passwords are refused
/// anyway where libpq would quote them ([`check_user_part`]).
const SHORTEST_SCRUBBED: usize = 4;

/// `text` with the URL's passwords (as written and percent-decoded) replaced by `***`.
pub fn scrub(url: &str, text: &str) -> String {
    let mut scrubbed = text.to_owned();
    for password in passwords(url) {
        for form in [password.to_owned(), percent_decoded(password)] {
            if form.len() >= SHORTEST_SCRUBBED {
                scrubbed = scrubbed.replace(&form, "***");
            }
        }
    }
    scrubbed
}

/// The passwords a URL carries: the user part's, and any `...password=` in its query.
fn passwords(url: &str) -> Vec<&str> {
    let Some((_, rest)) = url.split_once("://") else { return Vec::new() };
    let (before_query, query) = rest.split_once('?').map_or((rest, None), |(b, q)| (b, Some(q)));
    let mut found = Vec::new();
    if let Some(at) = before_query.rfind('@') {
        if let Some((_, password)) = before_query[..at].split_once(':') {
            found.push(password);
        }
    }
    for pair in query.into_iter().flat_map(|q| q.split('&')) {
        if let Some((key, value)) = pair.split_once('=') {
            if key.to_ascii_lowercase().contains("password") {
                found.push(value);
            }
        }
    }
    found
}

/// Percent-decoding that keeps malformed escapes as they are.
fn percent_decoded(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escape = (bytes[i] == b'%')
            .then(|| text.get(i + 1..i + 3))
            .flatten()
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match escape {
            Some(byte) => {
                decoded.push(byte);
                i += 3;
            }
            None => {
                decoded.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&decoded).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_show() {
        assert_eq!(redacted("postgres://app:s3cret@db:5432/tenantry"), "postgres://app:***@db:5432/tenantry");
        assert_eq!(redacted("postgres://app:SEC/RET@db/tenantry"), "postgres://app:***@db/tenantry");
        assert_eq!(
            redacted("postgres://app@db/tenantry?sslmode=require&password=s3cret"),
            "postgres://app@db/tenantry?sslmode=require&password=***"
        );
        assert_eq!(
            redacted("postgresql:///tenantry?host=/run/postgresql"),
            "postgresql:///tenantry?host=/run/postgresql"
        );
        assert_eq!(redacted("sqlite://./data/tenantry.db"), "sqlite://./data/tenantry.db");
    }

    #[test]
    fn user_parts_libpq_would_misread_are_refused_without_being_repeated() {
        for url in [
            "postgres://app:p@QQ@db/tenantry",
            "postgres://app:SEC/RET@db/tenantry",
            "postgres://app:pa?QQ@db/tenantry",
            "postgres://app:pa#QQ@db/tenantry",
            "postgres://app:pa%zzSECRET@db/tenantry",
            "postgres://app:a:QQ@db/tenantry",
        ] {
            let refused = check_user_part(url).expect_err(url);
            assert!(!refused.contains("QQ") && !refused.contains("SEC"), "{refused}");
        }
        for url in [
            "postgres://app:p%40ss%2Fword@db:5432/tenantry?sslmode=require",
            "postgres://app@db/tenantry",
            "postgres:///tenantry?host=/run/postgresql&user=app",
            "postgres://db/tenantry?user=app@corp",
            "postgresql://db/tenantry",
        ] {
            assert_eq!(check_user_part(url), Ok(()), "{url}");
        }
    }

    #[test]
    fn a_driver_message_repeating_the_password_is_scrubbed() {
        let url = "postgres://app:pa%zzSECRET@db/tenantry";
        let message = "invalid percent-encoded token: \"pa%zzSECRET\"";
        assert_eq!(scrub(url, message), "invalid percent-encoded token: \"***\"");
        let encoded = "postgres://app:p%40ss%2Fword@db/tenantry";
        assert_eq!(scrub(encoded, "auth failed for p@ss/word"), "auth failed for ***");
        assert_eq!(scrub("sqlite://x.db", "nothing to hide"), "nothing to hide");
        assert_eq!(scrub("postgres://app:e@db/x", "cannot open the database"), "cannot open the database");
    }
}
