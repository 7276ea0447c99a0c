use super::*;

fn config(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
    all_problems(pairs).map_err(|errors| errors.0[0].clone())
}

fn all_problems(pairs: &[(&str, &str)]) -> Result<Config, ConfigErrors> {
    let pairs: Vec<(String, String)> = pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    Config::from_lookup(move |name| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()))
}

#[test]
fn nothing_set_gives_the_embedded_default() {
    let config = config(&[]).unwrap();
    assert_eq!(config.listen.to_string(), "127.0.0.1:8080");
    assert_eq!(config.database_url, "sqlite://./data/tenantry.db");
    assert_eq!(config.platform_domain.as_str(), "tenantry.test");
    assert!(config.cors_origins.is_empty());
}

#[test]
fn a_bad_value_names_its_variable() {
    let error = config(&[("TENANTRY_LISTEN", "nowhere")]).unwrap_err();
    assert_eq!(error.variable, "TENANTRY_LISTEN");
    let error = config(&[("TENANTRY_TOKEN_TTL_SECONDS", "5")]).unwrap_err();
    assert_eq!(error.variable, "TENANTRY_TOKEN_TTL_SECONDS");
    let error = config(&[("TENANTRY_PLATFORM_DOMAIN", "localhost")]).unwrap_err();
    assert_eq!(error.variable, "TENANTRY_PLATFORM_DOMAIN");
}

#[test]
fn every_bad_value_is_named_at_once_and_database_passwords_are_not_repeated() {
    let errors = all_problems(&[
        ("TENANTRY_LISTEN", "nowhere"),
        ("DATABASE_URL", "mysql://app:s3cret@db/tenantry"),
        ("TENANTRY_LOG_FORMAT", "xml"),
        ("TENANTRY_SHUTDOWN_DRAIN_SECONDS", "-1"),
    ])
    .unwrap_err();
    for variable in ["TENANTRY_LISTEN", "DATABASE_URL", "TENANTRY_LOG_FORMAT", "TENANTRY_SHUTDOWN_DRAIN_SECONDS"] {
        assert!(errors.names(variable), "{variable} is named in {errors}");
    }
    assert_eq!(errors.0.len(), 4);
    assert!(!errors.to_string().contains("s3cret"));
}

#[test]
fn operations_settings_have_production_defaults() {
    let defaults = config(&[]).unwrap();
    assert!(defaults.auto_migrate);
    assert_eq!(defaults.shutdown_drain.as_secs(), 5);
    assert_eq!(defaults.log_format, LogFormat::Text);
    let set = config(&[("TENANTRY_AUTO_MIGRATE", "false"), ("TENANTRY_LOG_FORMAT", "json")]).unwrap();
    assert!(!set.auto_migrate);
    assert_eq!(set.log_format, LogFormat::Json);
}

#[test]
fn hashing_threads_default_to_the_cores_and_can_be_set() {
    assert!(config(&[]).unwrap().hashing_threads >= 1);
    assert_eq!(config(&[("TENANTRY_HASHING_THREADS", "3")]).unwrap().hashing_threads, 3);
    assert_eq!(config(&[("TENANTRY_HASHING_THREADS", "0")]).unwrap_err().variable, "TENANTRY_HASHING_THREADS");
}

#[test]
fn smtp_is_off_by_default_and_read_with_its_security() {
    assert!(config(&[]).unwrap().smtp.is_none(), "the .eml drop by default");
    let smtp =
        config(&[("TENANTRY_SMTP_HOST", "smtp.example"), ("TENANTRY_SMTP_SECURITY", "tls")]).unwrap().smtp.unwrap();
    assert_eq!((smtp.port, smtp.security), (465, SmtpSecurity::Tls));
    let plain = config(&[
        ("TENANTRY_SMTP_HOST", "127.0.0.1"),
        ("TENANTRY_SMTP_SECURITY", "none"),
        ("TENANTRY_SMTP_PORT", "2525"),
        ("TENANTRY_SMTP_PASSWORD", "hunter2-hunter2"),
    ])
    .unwrap()
    .smtp
    .unwrap();
    assert_eq!(plain.port, 2525);
    assert!(!format!("{plain:?}").contains("hunter2"), "the password stays out of Debug");
    assert_eq!(
        config(&[("TENANTRY_SMTP_HOST", "x"), ("TENANTRY_SMTP_SECURITY", "ssl")]).unwrap_err().variable,
        "TENANTRY_SMTP_SECURITY"
    );
}

#[test]
fn dns_servers_are_a_comma_separated_list() {
    assert!(config(&[]).unwrap().dns_servers.is_empty(), "the system's resolver by default");
    let config_with = config(&[("TENANTRY_DNS_SERVERS", "127.0.0.1:5353, tcp://127.0.0.1:5354")]).unwrap();
    assert_eq!(config_with.dns_servers.len(), 2);
    assert_eq!(config(&[("TENANTRY_DNS_SERVERS", "nowhere")]).unwrap_err().variable, "TENANTRY_DNS_SERVERS");
}

#[test]
fn cors_origins_are_a_comma_separated_list() {
    let config = config(&[("TENANTRY_CORS_ORIGINS", "https://a.example, https://b.example,")]).unwrap();
    assert_eq!(config.cors_origins, vec!["https://a.example", "https://b.example"]);
}
