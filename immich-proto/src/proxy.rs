//! Which proxy a request goes through, decided once for every transport, the way curl decides
//! it from the environment. The core reads no environment: a transport reads the variables
//! ([`ProxyEnv::from_vars`] takes a lookup function) and asks [`ProxyEnv::proxy_for`] per
//! destination.
//!
//! The variables, as curl reads them:
//!
//! - `http_proxy` for `http://` URLs: lowercase only. Like curl, the uppercase `HTTP_PROXY`
//!   is ignored, since a CGI program gets a client's `Proxy:` request header as `HTTP_PROXY`
//!   ("httpoxy").
//! - `https_proxy` or `HTTPS_PROXY` for `https://` URLs (lowercase wins).
//! - `all_proxy` or `ALL_PROXY` for either, when the scheme's own is not set.
//! - `no_proxy` or `NO_PROXY`: a comma-separated list of hosts that go direct. `*` matches
//!   every host; a name matches itself and its subdomains (`example.com` and `.example.com`
//!   both match `example.com` and `photos.example.com`); an IP address matches itself, and
//!   `10.0.0.0/8` (CIDR) every address in the range. Case and a trailing dot are ignored.
//!
//! An empty variable counts as unset. A proxy is `http://host:port` (a bare `host:port` means
//! `http://`; the port defaults to 1080 as in curl), optionally with `user:password@` for
//! basic proxy authentication. Other proxy schemes (`https://`, `socks5://`) are refused at
//! `build` rather than silently bypassed.

use std::fmt;
use std::net::IpAddr;

use http::Uri;

use crate::Error;

/// The proxy settings read from the environment (see the module doc).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ProxyEnv {
    http: Option<Proxy>,
    https: Option<Proxy>,
    no_proxy: Vec<NoProxyEntry>,
    no_proxy_all: bool,
}

/// One proxy: where it listens, and the credentials for it (never shown by `Debug`).
#[derive(Clone, PartialEq, Eq)]
pub struct Proxy {
    host: String,
    port: u16,
    credentials: Option<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum NoProxyEntry {
    /// A domain (lowercase, no leading or trailing dot): itself and its subdomains.
    Domain(String),
    /// An address, or a range of them (CIDR).
    Network(IpAddr, u8),
}

impl ProxyEnv {
    /// No proxy for anything.
    pub fn none() -> Self {
        Self::default()
    }

    /// Reads the settings through `get` (a variable's value by name, e.g.
    /// `|name| std::env::var(name).ok()`). Fails on a proxy URL that is not usable (not
    /// `http://`, no host, a bad port), naming the variable.
    pub fn from_vars(get: impl Fn(&str) -> Option<String>) -> Result<Self, Error> {
        let value = |names: &[&'static str]| -> Option<(&'static str, String)> {
            names.iter().find_map(|name| {
                get(name)
                    .map(|v| v.trim().to_owned())
                    .filter(|v| !v.is_empty())
                    .map(|v| (*name, v))
            })
        };
        let all = value(&["all_proxy", "ALL_PROXY"]);
        let http = value(&["http_proxy"]).or_else(|| all.clone());
        let https = value(&["https_proxy", "HTTPS_PROXY"]).or(all);
        let parse = |found: Option<(&'static str, String)>| match found {
            Some((name, url)) => Proxy::parse(&url)
                .map(Some)
                .map_err(|reason| Error::InvalidInput { what: name, reason }),
            None => Ok(None),
        };
        let mut env = ProxyEnv {
            http: parse(http)?,
            https: parse(https)?,
            ..Self::default()
        };
        if let Some((_, list)) = value(&["no_proxy", "NO_PROXY"]) {
            for entry in list
                .split([',', ' '])
                .map(str::trim)
                .filter(|e| !e.is_empty())
            {
                if entry == "*" {
                    env.no_proxy_all = true;
                } else if let Some(parsed) = NoProxyEntry::parse(entry) {
                    env.no_proxy.push(parsed);
                }
            }
        }
        Ok(env)
    }

    /// Whether any proxy is set at all.
    pub fn is_empty(&self) -> bool {
        self.http.is_none() && self.https.is_none()
    }

    /// The proxy a request to `uri` goes through, or `None` to go direct: the scheme's proxy,
    /// unless the host is on the no-proxy list.
    pub fn proxy_for(&self, uri: &Uri) -> Option<&Proxy> {
        let proxy = match uri.scheme_str() {
            Some(s) if s.eq_ignore_ascii_case("https") => self.https.as_ref(),
            Some(s) if s.eq_ignore_ascii_case("http") => self.http.as_ref(),
            _ => None,
        }?;
        let host = uri.host()?;
        if self.no_proxy_all || self.no_proxy.iter().any(|entry| entry.matches(host)) {
            return None;
        }
        Some(proxy)
    }
}

impl fmt::Debug for ProxyEnv {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProxyEnv")
            .field("http", &self.http)
            .field("https", &self.https)
            .field("no_proxy", &self.no_proxy)
            .field("no_proxy_all", &self.no_proxy_all)
            .finish()
    }
}

impl Proxy {
    fn parse(text: &str) -> Result<Self, String> {
        let rest = match text.split_once("://") {
            Some((scheme, rest)) if scheme.eq_ignore_ascii_case("http") => rest,
            Some((scheme, _)) => {
                return Err(format!(
                    "only http:// proxies are supported, not {}://",
                    scheme.chars().take(16).collect::<String>()
                ))
            }
            None => text,
        };
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        let (credentials, host_port) = match authority.rsplit_once('@') {
            Some((userinfo, host_port)) => {
                let (user, password) = userinfo.split_once(':').unwrap_or((userinfo, ""));
                let decode = |s: &str| {
                    percent_encoding::percent_decode_str(s)
                        .decode_utf8_lossy()
                        .into_owned()
                };
                (Some((decode(user), decode(password))), host_port)
            }
            None => (None, authority),
        };
        let parsed: http::uri::Authority = host_port
            .parse()
            .map_err(|_| "the proxy's host and port are not valid".to_owned())?;
        let host = parsed.host();
        if host.is_empty() {
            return Err("the proxy URL has no host".to_owned());
        }
        // `Authority` takes any digits as a port; a proxy's must fit in 16 bits.
        let port_text = match host_port.rsplit_once(':') {
            Some((before, port)) if !host_port.ends_with(']') && !before.is_empty() => Some(port),
            _ => None,
        };
        let port = match port_text {
            Some(port) => port
                .parse::<u16>()
                .map_err(|_| "the proxy's port is not valid".to_owned())?,
            None => 1080,
        };
        Ok(Proxy {
            host: host.to_owned(),
            port,
            credentials,
        })
    }

    /// The proxy's host (an IPv6 address in brackets, as in a URL).
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The proxy's port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `http://host:port`, without credentials: where a transport connects.
    pub fn uri(&self) -> String {
        format!("http://{}:{}", self.host, self.port)
    }

    /// The `Proxy-Authorization` value (`Basic ...`) when the proxy URL held credentials.
    pub fn authorization(&self) -> Option<String> {
        let (user, password) = self.credentials.as_ref()?;
        Some(format!(
            "Basic {}",
            base64_encode(format!("{user}:{password}").as_bytes())
        ))
    }

    /// The proxy URL with its credentials (`http://user:password@host:port`), for an HTTP
    /// library that takes one string. Keep it out of logs.
    pub fn url_with_credentials(&self) -> String {
        let encode = |s: &str| {
            percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
        };
        match &self.credentials {
            Some((user, password)) => format!(
                "http://{}:{}@{}:{}",
                encode(user),
                encode(password),
                self.host,
                self.port
            ),
            None => self.uri(),
        }
    }
}

impl fmt::Debug for Proxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Proxy")
            .field("host", &self.host)
            .field("port", &self.port)
            .field(
                "credentials",
                &self.credentials.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

impl NoProxyEntry {
    fn parse(entry: &str) -> Option<Self> {
        if let Some((addr, bits)) = entry.split_once('/') {
            let addr: IpAddr = strip_brackets(addr).parse().ok()?;
            let max = if addr.is_ipv4() { 32 } else { 128 };
            let bits: u8 = bits.parse().ok().filter(|b| *b <= max)?;
            return Some(NoProxyEntry::Network(addr, bits));
        }
        if let Ok(addr) = strip_brackets(entry).parse::<IpAddr>() {
            let bits = if addr.is_ipv4() { 32 } else { 128 };
            return Some(NoProxyEntry::Network(addr, bits));
        }
        let domain = entry
            .trim_start_matches('.')
            .trim_end_matches('.')
            .to_ascii_lowercase();
        (!domain.is_empty()).then_some(NoProxyEntry::Domain(domain))
    }

    fn matches(&self, host: &str) -> bool {
        let bare = strip_brackets(host);
        match self {
            NoProxyEntry::Domain(domain) => {
                let host = bare.trim_end_matches('.').to_ascii_lowercase();
                host == *domain
                    || host
                        .strip_suffix(domain.as_str())
                        .is_some_and(|prefix| prefix.ends_with('.'))
            }
            NoProxyEntry::Network(network, bits) => match bare.parse::<IpAddr>() {
                Ok(addr) => in_network(addr, *network, *bits),
                Err(_) => false,
            },
        }
    }
}

fn strip_brackets(host: &str) -> &str {
    host.strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host)
}

fn in_network(addr: IpAddr, network: IpAddr, bits: u8) -> bool {
    match (addr, network) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(bits)).unwrap_or(0);
            u32::from(a) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(bits)).unwrap_or(0);
            u128::from(a) & mask == u128::from(n) & mask
        }
        _ => false,
    }
}

/// Standard base64 with padding (for `Proxy-Authorization: Basic`).
fn base64_encode(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i)) as usize & 63]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(vars: &[(&str, &str)]) -> ProxyEnv {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        ProxyEnv::from_vars(|name| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()))
            .unwrap()
    }

    fn via(env: &ProxyEnv, url: &str) -> Option<String> {
        env.proxy_for(&url.parse().unwrap()).map(Proxy::uri)
    }

    #[test]
    fn the_scheme_picks_the_variable_as_curl_does() {
        let e = env(&[
            ("http_proxy", "http://h:1"),
            ("HTTPS_PROXY", "s:2"),
            ("https_proxy", ""),
        ]);
        assert_eq!(via(&e, "http://photos"), Some("http://h:1".into()));
        // An empty lowercase value counts as unset; the uppercase one applies.
        assert_eq!(via(&e, "https://photos"), Some("http://s:2".into()));
        // Uppercase HTTP_PROXY is ignored (httpoxy), as curl does.
        let e = env(&[("HTTP_PROXY", "http://h:1")]);
        assert_eq!(via(&e, "http://photos"), None);
        assert!(e.is_empty());
        // Lowercase wins; ALL_PROXY fills in.
        let e = env(&[
            ("https_proxy", "http://low:1"),
            ("HTTPS_PROXY", "http://up:2"),
            ("ALL_PROXY", "http://all:3"),
        ]);
        assert_eq!(via(&e, "https://photos"), Some("http://low:1".into()));
        assert_eq!(via(&e, "http://photos"), Some("http://all:3".into()));
        assert_eq!(
            via(&env(&[("http_proxy", "p")]), "http://x"),
            Some("http://p:1080".into())
        );
    }

    #[test]
    fn no_proxy_matches_hosts_domains_and_networks() {
        let e = env(&[
            ("https_proxy", "http://p:8080"),
            ("http_proxy", "http://p:8080"),
            (
                "NO_PROXY",
                "example.com, .internal.lan,10.0.0.0/8,::1,192.168.1.5,LOCALHOST",
            ),
        ]);
        for direct in [
            "https://example.com",
            "https://photos.example.com",
            "https://Photos.Example.COM.",
            "https://internal.lan",
            "https://a.b.internal.lan",
            "http://10.1.2.3:2283",
            "http://[::1]:2283",
            "http://192.168.1.5",
            "http://localhost:2283",
        ] {
            assert_eq!(via(&e, direct), None, "{direct}");
        }
        for proxied in [
            "https://notexample.com",
            "https://example.com.evil.net",
            "http://11.0.0.1",
            "http://192.168.1.6",
            "http://[::2]",
        ] {
            assert_eq!(via(&e, proxied), Some("http://p:8080".into()), "{proxied}");
        }
        let all = env(&[("https_proxy", "http://p:1"), ("no_proxy", "*")]);
        assert_eq!(via(&all, "https://anything"), None);
        // Lowercase no_proxy wins over NO_PROXY.
        let e = env(&[
            ("https_proxy", "http://p:1"),
            ("no_proxy", "a.com"),
            ("NO_PROXY", "b.com"),
        ]);
        assert_eq!(via(&e, "https://a.com"), None);
        assert!(via(&e, "https://b.com").is_some());
    }

    #[test]
    fn proxy_urls_are_checked_and_credentials_kept_out_of_debug() {
        let e = env(&[("https_proxy", "http://us%40r:p%3Ass@proxy.lan:3128/")]);
        let proxy = e.proxy_for(&"https://x".parse().unwrap()).unwrap();
        assert_eq!((proxy.host(), proxy.port()), ("proxy.lan", 3128));
        assert_eq!(proxy.uri(), "http://proxy.lan:3128");
        assert_eq!(
            proxy.authorization().as_deref(),
            Some("Basic dXNAcjpwOnNz") // base64("us@r:p:ss")
        );
        assert_eq!(
            proxy.url_with_credentials(),
            "http://us%40r:p%3Ass@proxy.lan:3128"
        );
        let shown = format!("{e:?}");
        assert!(
            !shown.contains("p:ss") && !shown.contains("p%3Ass"),
            "{shown}"
        );
        for bad in ["socks5://p:1", "https://p:1", "http://:1", "http://p:99999"] {
            let error = ProxyEnv::from_vars(|name| (name == "HTTPS_PROXY").then(|| bad.into()));
            assert!(
                matches!(
                    error,
                    Err(Error::InvalidInput {
                        what: "HTTPS_PROXY",
                        ..
                    })
                ),
                "{bad}: {error:?}"
            );
        }
        assert_eq!(base64_encode(b""), "");
        assert_eq!(base64_encode(b"a"), "YQ==");
        assert_eq!(base64_encode(b"ab"), "YWI=");
        assert_eq!(base64_encode(b"abc"), "YWJj");
    }
}
