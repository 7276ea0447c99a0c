//! A small blocking HTTP client over ureq that never treats a status as an error, so tests can
//! assert on 4xx answers.

use std::time::Duration;

use serde_json::Value;
use ureq::http::{self, Request};

#[derive(Clone)]
pub struct Client {
    agent: ureq::Agent,
    pub base_url: String,
}

/// A response, read whole.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: http::HeaderMap,
    pub text: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned)
    }

    pub fn content_type(&self) -> String {
        self.header("content-type").unwrap_or_default()
    }

    /// Asserts an RFC 9457 problem with the status and machine code given.
    pub fn assert_problem(&self, status: u16, code: &str) -> &Self {
        assert_eq!(self.status, status, "expected {status} {code}, got: {self:?}");
        assert_eq!(self.content_type(), "application/problem+json", "not a problem: {self:?}");
        let body = self.json();
        assert_eq!(body["code"], code, "wrong code: {body}");
        assert_eq!(body["status"], status);
        assert!(body["title"].is_string() && body["detail"].is_string() && body["type"].is_string(), "{body}");
        self
    }

    pub fn assert_status(&self, status: u16) -> &Self {
        assert_eq!(self.status, status, "unexpected answer: {self:?}");
        self
    }
}

/// One request to send: method, path, optional token, headers and body.
pub struct Call<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub token: Option<&'a str>,
    pub headers: Vec<(&'a str, String)>,
    pub body: Option<(String, Vec<u8>)>,
}

impl<'a> Call<'a> {
    pub fn new(method: &'a str, path: &'a str) -> Self {
        Self { method, path, token: None, headers: Vec::new(), body: None }
    }

    pub fn token(mut self, token: &'a str) -> Self {
        self.token = Some(token);
        self
    }

    pub fn header(mut self, name: &'a str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    pub fn json(mut self, body: &Value) -> Self {
        self.body = Some(("application/json".to_owned(), body.to_string().into_bytes()));
        self
    }

    pub fn raw(mut self, content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        self.body = Some((content_type.to_owned(), body.into()));
        self
    }
}

impl Client {
    pub fn new(base_url: &str) -> Self {
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(60)))
            .build();
        Self { agent: ureq::Agent::new_with_config(config), base_url: base_url.to_owned() }
    }

    pub fn send(&self, call: Call<'_>) -> Reply {
        let mut request = Request::builder().method(call.method).uri(format!("{}{}", self.base_url, call.path));
        if let Some(token) = call.token {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        for (name, value) in &call.headers {
            request = request.header(*name, value.as_str());
        }
        let (content_type, body) = call.body.unwrap_or_default();
        if !content_type.is_empty() {
            request = request.header("content-type", content_type);
        }
        let request = request.body(body).expect("a well-formed test request");
        let mut response = self.agent.run(request).unwrap_or_else(|e| panic!("{} {}: {e}", call.method, call.path));
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.body_mut().with_config().limit(50_000_000).read_to_string().unwrap_or_default();
        Reply { status, headers, text }
    }

    pub fn get(&self, path: &str, token: &str) -> Reply {
        self.send(Call::new("GET", path).token(token))
    }

    pub fn post(&self, path: &str, token: &str, body: &Value) -> Reply {
        self.send(Call::new("POST", path).token(token).json(body))
    }

    pub fn patch(&self, path: &str, token: &str, body: &Value) -> Reply {
        self.send(Call::new("PATCH", path).token(token).json(body))
    }

    pub fn put(&self, path: &str, token: &str, body: &Value) -> Reply {
        self.send(Call::new("PUT", path).token(token).json(body))
    }

    pub fn delete(&self, path: &str, token: &str) -> Reply {
        self.send(Call::new("DELETE", path).token(token))
    }

    /// Signs in with the password grant (form-encoded, as OAuth clients do).
    pub fn sign_in(&self, username: &str, password: &str) -> Reply {
        let form = format!("grant_type=password&username={}&password={}", form_encode(username), form_encode(password));
        self.send(Call::new("POST", "/v1/auth/token").raw("application/x-www-form-urlencoded", form))
    }

    /// Signs in and returns the access token, failing the test if sign-in fails.
    pub fn token(&self, username: &str, password: &str) -> String {
        let reply = self.sign_in(username, password);
        assert_eq!(reply.status, 200, "sign-in of {username} failed: {reply:?}");
        reply.json()["access_token"].as_str().expect("an access token").to_owned()
    }
}

/// `application/x-www-form-urlencoded` encoding of one value.
pub fn form_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            b' ' => "+".to_owned(),
            other => format!("%{other:02X}"),
        })
        .collect()
}
