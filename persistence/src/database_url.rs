//! A database URL as it may be shown to people and logs: never with its password, which may sit
//! in the user part (`postgres://app:PASSWORD@host/db`) or in the query (`?password=...`), and
//! which a driver may repeat in its own error messages (libpq quotes a malformed URL's parts).

/// The URL with every password replaced by `***`.
pub fn redacted(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_owned() };
    let (before_query, query) = rest.split_once('?').map_or((rest, None), |(b, q)| (b, Some(q)));
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

/// `text` with the URL's passwords (as written and percent-decoded) replaced by `***`.
pub fn scrub(url: &str, text: &str) -> String {
    let mut scrubbed = text.to_owned();
    for password in passwords(url) {
        for form in [password.to_owned(), percent_decoded(password)] {
            if !form.is_empty() {
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
    fn a_driver_message_repeating_the_password_is_scrubbed() {
        let url = "postgres://app:pa%zzSECRET@db/tenantry";
        let message = "invalid percent-encoded token: \"pa%zzSECRET\"";
        assert_eq!(scrub(url, message), "invalid percent-encoded token: \"***\"");
        let encoded = "postgres://app:p%40ss%2Fword@db/tenantry";
        assert_eq!(scrub(encoded, "auth failed for p@ss/word"), "auth failed for ***");
        assert_eq!(scrub("sqlite://x.db", "nothing to hide"), "nothing to hide");
    }
}
