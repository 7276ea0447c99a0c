//! Reading the environment: values trimmed, defaults for what is unset, and every problem noted
//! (with its variable) rather than the first one stopping the reading.

#[derive(Debug, Clone, thiserror::Error)]
#[error("configuration variable {variable}: {problem}")]
pub struct ConfigError {
    pub variable: &'static str,
    pub problem: String,
}

/// Every problem found in the configuration, one per variable.
#[derive(Debug, Clone)]
pub struct ConfigErrors(pub Vec<ConfigError>);

impl std::fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let lines: Vec<String> = self.0.iter().map(ToString::to_string).collect();
        f.write_str(&lines.join("; "))
    }
}

impl std::error::Error for ConfigErrors {}

impl ConfigErrors {
    /// Whether `variable` is among the problems (tests and `check-config` ask).
    pub fn names(&self, variable: &str) -> bool {
        self.0.iter().any(|p| p.variable == variable)
    }
}

/// The variables, read through a lookup, and the problems found so far.
pub(super) struct Environment<F> {
    lookup: F,
    problems: Vec<ConfigError>,
}

impl<F: Fn(&str) -> Option<String>> Environment<F> {
    pub(super) fn new(lookup: F) -> Self {
        Self { lookup, problems: Vec::new() }
    }

    /// The value, trimmed; `None` when unset or blank.
    pub(super) fn get(&self, name: &str) -> Option<String> {
        (self.lookup)(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
    }

    /// The value as given (a password may begin or end with a space); `None` when unset or empty.
    pub(super) fn secret(&self, name: &str) -> Option<String> {
        (self.lookup)(name).filter(|v| !v.is_empty())
    }

    /// The value, or `None` with its problem noted.
    pub(super) fn keep<T>(&mut self, result: Result<T, ConfigError>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(problem) => {
                self.problems.push(problem);
                None
            }
        }
    }

    /// `variable` parsed as a `T`, `default` when unset; `None` (noted) when it does not parse.
    pub(super) fn parsed<T: std::str::FromStr>(&mut self, variable: &'static str, default: &str) -> Option<T>
    where
        T::Err: std::fmt::Display,
    {
        let raw = self.get(variable).unwrap_or_else(|| default.to_owned());
        let parsed =
            raw.parse().map_err(|e: T::Err| ConfigError { variable, problem: format!("`{raw}` is not valid: {e}") });
        self.keep(parsed)
    }

    /// A number in `range`, `default` when unset (and when wrong, the problem noted: the
    /// configuration is then refused as a whole).
    pub(super) fn number<T>(&mut self, variable: &'static str, default: T, range: std::ops::RangeInclusive<T>) -> T
    where
        T: std::str::FromStr + PartialOrd + std::fmt::Display + Copy,
        T::Err: std::fmt::Display,
    {
        let read = number_in(variable, self.get(variable), default, range);
        self.keep(read).unwrap_or(default)
    }

    /// `true`/`1` or `false`/`0`, `default` when unset (and when wrong, the problem noted).
    pub(super) fn flag(&mut self, variable: &'static str, default: bool) -> bool {
        let read = match self.get(variable).as_deref() {
            None => Ok(default),
            Some("true") | Some("1") => Ok(true),
            Some("false") | Some("0") => Ok(false),
            Some(other) => Err(ConfigError { variable, problem: format!("`{other}` is not true or false") }),
        };
        self.keep(read).unwrap_or(default)
    }

    /// Every problem noted.
    pub(super) fn into_errors(self) -> ConfigErrors {
        ConfigErrors(self.problems)
    }

    /// `Ok` when nothing was wrong.
    pub(super) fn finish(self) -> Result<(), ConfigErrors> {
        if self.problems.is_empty() {
            Ok(())
        } else {
            Err(self.into_errors())
        }
    }
}

fn number_in<T>(
    variable: &'static str,
    value: Option<String>,
    default: T,
    range: std::ops::RangeInclusive<T>,
) -> Result<T, ConfigError>
where
    T: std::str::FromStr + PartialOrd + std::fmt::Display + Copy,
    T::Err: std::fmt::Display,
{
    let Some(raw) = value else { return Ok(default) };
    let parsed: T =
        raw.parse().map_err(|e: T::Err| ConfigError { variable, problem: format!("`{raw}` is not a number: {e}") })?;
    if !range.contains(&parsed) {
        return Err(ConfigError {
            variable,
            problem: format!("{parsed} is outside {}..={}", range.start(), range.end()),
        });
    }
    Ok(parsed)
}
