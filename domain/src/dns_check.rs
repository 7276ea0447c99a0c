//! The DNS check: the records a custom domain needs for mail, mail clients and meetings to work,
//! compared with what DNS answers, with what to publish for each one that is missing or wrong.
//!
//! The records mirror what the suite asks its customers to publish: an MX to the platform's mail
//! exchanger, an SPF TXT that lets the platform send for the domain, an `autodiscover` CNAME for
//! mail clients, and the two SRV records meetings clients and federation look up.

use crate::domain_name::DomainName;

/// The kinds of record the check reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordType {
    Mx,
    /// The domain's SPF policy, one of its TXT records.
    SpfTxt,
    Cname,
    Srv,
}

impl RecordType {
    /// The DNS type looked up.
    pub fn dns_type(self) -> &'static str {
        match self {
            RecordType::Mx => "MX",
            RecordType::SpfTxt => "TXT",
            RecordType::Cname => "CNAME",
            RecordType::Srv => "SRV",
        }
    }
}

/// A record the suite needs, as the customer publishes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequiredRecord {
    pub purpose: &'static str,
    pub record_type: RecordType,
    /// The name the record is published at.
    pub host: String,
    /// The record's value as a DNS zone states it (`0 contoso-fr.mail.tenantry.test` for an MX).
    pub value: String,
    /// What must match: the mail exchanger, the SPF include, the CNAME target, the SRV target.
    pub target: String,
    /// The SRV port that must match.
    pub port: Option<u16>,
}

/// The records `domain` needs, given the platform's own domain.
pub fn required_records(domain: &DomainName, platform: &DomainName) -> Vec<RequiredRecord> {
    let exchanger = format!("{}.mail.{platform}", domain.as_str().replace('.', "-"));
    let spf_include = format!("include:spf.{platform}");
    let srv = |purpose, service: &str, port: u16, target: String| RequiredRecord {
        purpose,
        record_type: RecordType::Srv,
        host: format!("{service}.{domain}"),
        value: format!("100 1 {port} {target}"),
        target,
        port: Some(port),
    };
    vec![
        RequiredRecord {
            purpose: "mail delivery",
            record_type: RecordType::Mx,
            host: domain.to_string(),
            value: format!("0 {exchanger}"),
            target: exchanger,
            port: None,
        },
        RequiredRecord {
            purpose: "sending mail for the domain (SPF)",
            record_type: RecordType::SpfTxt,
            host: domain.to_string(),
            value: format!("v=spf1 {spf_include} -all"),
            target: spf_include,
            port: None,
        },
        RequiredRecord {
            purpose: "mail client set-up (autodiscover)",
            record_type: RecordType::Cname,
            host: format!("autodiscover.{domain}"),
            value: format!("autodiscover.{platform}"),
            target: format!("autodiscover.{platform}"),
            port: None,
        },
        srv("meetings sign-in", "_sip._tls", 443, format!("sipdir.{platform}")),
        srv("meetings federation", "_sipfederationtls._tcp", 5061, format!("sipfed.{platform}")),
    ]
}

/// What DNS answered for one record's name and type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// The values found (none when the name or the type does not exist), lower-case, without
    /// trailing dots: `0 host` for MX, the text for TXT, the target for CNAME and
    /// `priority weight port target` for SRV.
    Values(Vec<String>),
    /// The lookup itself failed (timeout, server failure): nothing can be said.
    Failed(String),
}

/// The verdict on one record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Ok,
    Missing,
    Wrong,
    /// DNS did not answer; try again later.
    Unknown,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Ok => "ok",
            Verdict::Missing => "missing",
            Verdict::Wrong => "wrong",
            Verdict::Unknown => "unknown",
        }
    }
}

/// One record checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordCheck {
    pub required: RequiredRecord,
    pub verdict: Verdict,
    /// The relevant values DNS returned.
    pub found: Vec<String>,
    /// What to do, in a sentence; `None` when the record is right.
    pub advice: Option<String>,
}

/// Compares what DNS answered with what the record needs.
pub fn check(required: RequiredRecord, answer: &Answer) -> RecordCheck {
    let values = match answer {
        Answer::Values(values) => values,
        Answer::Failed(reason) => {
            let advice = Some(format!("DNS did not answer ({reason}); check again later"));
            return RecordCheck { required, verdict: Verdict::Unknown, found: Vec::new(), advice };
        }
    };
    let (found, matches): (Vec<String>, bool) = match required.record_type {
        RecordType::Mx => {
            let matches = values.iter().any(|v| last_word(v) == required.target);
            (values.clone(), matches)
        }
        RecordType::SpfTxt => {
            let spf: Vec<String> =
                values.iter().filter(|v| v.to_ascii_lowercase().starts_with("v=spf1")).cloned().collect();
            let matches = spf.len() == 1 && spf[0].split_whitespace().any(|term| term == required.target);
            (spf, matches)
        }
        RecordType::Cname => (values.clone(), values.contains(&required.target)),
        RecordType::Srv => {
            let port = required.port.map(|p| p.to_string());
            let matches = values.iter().any(|v| {
                let words: Vec<&str> = v.split_whitespace().collect();
                words.len() == 4 && Some(words[2].to_owned()) == port && words[3] == required.target
            });
            (values.clone(), matches)
        }
    };
    let (verdict, advice) = if matches {
        (Verdict::Ok, None)
    } else if found.is_empty() {
        let advice =
            format!("publish a {} record at {}: {}", required.record_type.dns_type(), required.host, required.value);
        (Verdict::Missing, Some(advice))
    } else if required.record_type == RecordType::SpfTxt && found.len() > 1 {
        let advice = format!("publish a single SPF record at {}: {}", required.host, required.value);
        (Verdict::Wrong, Some(advice))
    } else if required.record_type == RecordType::SpfTxt {
        let advice = format!("add {} to the SPF record at {}", required.target, required.host);
        (Verdict::Wrong, Some(advice))
    } else {
        let advice = format!(
            "replace the {} record at {} with: {}",
            required.record_type.dns_type(),
            required.host,
            required.value
        );
        (Verdict::Wrong, Some(advice))
    };
    RecordCheck { required, verdict, found, advice }
}

fn last_word(value: &str) -> &str {
    value.split_whitespace().last().unwrap_or(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records() -> Vec<RequiredRecord> {
        let domain = DomainName::parse("contoso.fr").unwrap();
        required_records(&domain, &DomainName::parse("tenantry.test").unwrap())
    }

    fn of(kind: RecordType) -> RequiredRecord {
        records().into_iter().find(|r| r.record_type == kind).unwrap()
    }

    fn values(values: &[&str]) -> Answer {
        Answer::Values(values.iter().map(|v| (*v).to_owned()).collect())
    }

    #[test]
    fn the_suite_needs_mx_spf_autodiscover_and_two_srv_records() {
        let hosts: Vec<(RecordType, String, String)> =
            records().into_iter().map(|r| (r.record_type, r.host, r.value)).collect();
        assert_eq!(
            hosts,
            vec![
                (RecordType::Mx, "contoso.fr".into(), "0 contoso-fr.mail.tenantry.test".into()),
                (RecordType::SpfTxt, "contoso.fr".into(), "v=spf1 include:spf.tenantry.test -all".into()),
                (RecordType::Cname, "autodiscover.contoso.fr".into(), "autodiscover.tenantry.test".into()),
                (RecordType::Srv, "_sip._tls.contoso.fr".into(), "100 1 443 sipdir.tenantry.test".into()),
                (RecordType::Srv, "_sipfederationtls._tcp.contoso.fr".into(), "100 1 5061 sipfed.tenantry.test".into()),
            ]
        );
    }

    #[test]
    fn an_mx_is_right_when_one_exchanger_is_the_platform() {
        let right = check(of(RecordType::Mx), &values(&["10 backup.example.net", "0 contoso-fr.mail.tenantry.test"]));
        assert_eq!(right.verdict, Verdict::Ok);
        assert_eq!(right.advice, None);
        let missing = check(of(RecordType::Mx), &values(&[]));
        assert_eq!(missing.verdict, Verdict::Missing);
        assert_eq!(
            missing.advice.as_deref(),
            Some("publish a MX record at contoso.fr: 0 contoso-fr.mail.tenantry.test")
        );
        assert_eq!(check(of(RecordType::Mx), &values(&["10 mx.other.example"])).verdict, Verdict::Wrong);
    }

    #[test]
    fn spf_is_read_among_other_txt_records() {
        let ok = check(
            of(RecordType::SpfTxt),
            &values(&["tenantry-verification=abc", "v=spf1 include:spf.tenantry.test include:other.example ~all"]),
        );
        assert_eq!(ok.verdict, Verdict::Ok);
        assert_eq!(ok.found.len(), 1, "only the SPF record is shown");
        let wrong = check(of(RecordType::SpfTxt), &values(&["v=spf1 include:other.example -all"]));
        assert_eq!(wrong.verdict, Verdict::Wrong);
        assert_eq!(wrong.advice.as_deref(), Some("add include:spf.tenantry.test to the SPF record at contoso.fr"));
        let two = check(of(RecordType::SpfTxt), &values(&["v=spf1 include:spf.tenantry.test -all", "v=spf1 -all"]));
        assert_eq!(two.verdict, Verdict::Wrong, "two SPF records are invalid");
        assert_eq!(check(of(RecordType::SpfTxt), &values(&["tenantry-verification=abc"])).verdict, Verdict::Missing);
    }

    #[test]
    fn cname_and_srv_must_point_at_the_platform() {
        assert_eq!(check(of(RecordType::Cname), &values(&["autodiscover.tenantry.test"])).verdict, Verdict::Ok);
        assert_eq!(check(of(RecordType::Cname), &values(&["autodiscover.other.example"])).verdict, Verdict::Wrong);
        assert_eq!(check(of(RecordType::Srv), &values(&["100 1 443 sipdir.tenantry.test"])).verdict, Verdict::Ok);
        assert_eq!(check(of(RecordType::Srv), &values(&["100 1 5061 sipdir.tenantry.test"])).verdict, Verdict::Wrong);
    }

    #[test]
    fn a_failed_lookup_says_nothing_about_the_record() {
        let unknown = check(of(RecordType::Mx), &Answer::Failed("timed out".to_owned()));
        assert_eq!(unknown.verdict, Verdict::Unknown);
        assert!(unknown.advice.unwrap().contains("timed out"));
    }
}
