//! A database URL as it may be shown to people and logs: never with its password, which may sit
//! in the user part (`postgres://app:PASSWORD@host/db`) or in the query (`?password=...`), and
//! which a driver may repeat in its own error messages (libpq quotes a malformed URL's parts).

/// A URL split as libpq splits it: the user part runs to the first `@`, if no `/` comes before
/// it; the password is what follows the user part's first `:`.
struct Parts<'a> {
    scheme: &'a str,
    user: Option<&'a str>,
    password: Option<&'a str>,
    /// Hosts, path and query.
    rest: &'a str,
}

fn parts(url: &str) -> Option<Parts<'_>> {
    let (scheme, after_scheme) = url.split_once("://")?;
    let slash = after_scheme.find('/').unwrap_or(after_scheme.len());
    match after_scheme.find('@').filter(|at| *at < slash) {
        Some(at) => {
            let userinfo = &after_scheme[..at];
            let (user, password) = userinfo.split_once(':').map_or((userinfo, None), |(u, p)| (u, Some(p)));
            Some(Parts { scheme, user: Some(user), password, rest: &after_scheme[at + 1..] })
        }
        None => Some(Parts { scheme, user: None, password: None, rest: after_scheme }),
    }
}

/// The URL with every password replaced by `***`: the user part's, and any `...password=` in
/// its query.
pub fn redacted(url: &str) -> String {
    let Some(parts) = parts(url) else { return url.to_owned() };
    let credentials = match (parts.user, parts.password) {
        (Some(user), Some(_)) => format!("{user}:***@"),
        (Some(user), None) => format!("{user}@"),
        (None, _) => String::new(),
    };
    let rest = match parts.rest.split_once('?') {
        Some((location, query)) => {
            let masked: Vec<String> = query
                .split('&')
                .map(|pair| match pair.split_once('=') {
                    Some((key, _)) if key.to_ascii_lowercase().contains("password") => format!("{key}=***"),
                    _ => pair.to_owned(),
                })
                .collect();
            format!("{location}?{}", masked.join("&"))
        }
        None => parts.rest.to_owned(),
    };
    format!("{}://{credentials}{rest}", parts.scheme)
}

/// Refuses a URL whose password libpq would read as something else and then quote in its error
/// messages: a `/` in it (libpq then sees no user part, and takes the password for a port), an
/// `@` in it (the rest becomes a host name), or a malformed `%` escape. The message never
/// repeats any of it. An `@` in the path is refused too (a password with a `/` looks so); a
/// database name with one is written `%40`.
pub fn check_user_part(url: &str) -> Result<(), String> {
    let Some(parts) = parts(url) else { return Ok(()) };
    let refused = || {
        Err("the user name or password in the URL holds a character that must be percent-encoded \
             (@ as %40, / as %2F, % as %25)"
            .to_owned())
    };
    let hosts_end = parts.rest.find(['/', '?']).unwrap_or(parts.rest.len());
    let path = parts.rest[hosts_end..].split('?').next().unwrap_or_default();
    if parts.rest[..hosts_end].contains('@') || path.contains('@') {
        return refused();
    }
    if parts.user.is_none() {
        // With no user part, an `@` before the query can only be a mangled password.
        let before_query = parts.rest.split('?').next().unwrap_or_default();
        if before_query.contains('@') {
            return refused();
        }
    }
    let escaped_well = [parts.user, parts.password].into_iter().flatten().all(well_escaped);
    if !escaped_well {
        return refused();
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

/// Passwords this short are not replaced wherever they occur (every occurrence of one or two
/// letters would garble the message and, by its gaps, show them); the whole URL and the
/// `user:password@` form still are.
const SHORTEST_SCRUBBED: usize = 4;

/// `text` with the URL's passwords replaced by `***`: the whole URL as written, the
/// `user:password@` form, and the passwords themselves (as written and percent-decoded).
pub fn scrub(url: &str, text: &str) -> String {
    let mut scrubbed = text.replace(url, &redacted(url));
    if let Some(Parts { user: Some(user), password: Some(password), .. }) = parts(url) {
        scrubbed = scrubbed.replace(&format!("{user}:{password}@"), &format!("{user}:***@"));
    }
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
    let Some(parts) = parts(url) else { return Vec::new() };
    let mut found: Vec<&str> = parts.password.into_iter().collect();
    let query = parts.rest.split_once('?').map(|(_, q)| q);
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
        assert_eq!(redacted("postgres://app:pa?x=SECRET@db/tenantry"), "postgres://app:***@db/tenantry");
        assert_eq!(redacted("postgres://app:a:b@db/tenantry"), "postgres://app:***@db/tenantry");
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
            "postgres://app:AbCdEfGh/IjQQ=@db/tenantry",
            "postgres://app:pa%zzSECRET@db/tenantry",
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
        let short = "postgres://app:xyz@[::1/x";
        assert_eq!(scrub(short, &format!("invalid URI: \"{short}\"")), "invalid URI: \"postgres://app:***@[::1/x\"");
    }
}
