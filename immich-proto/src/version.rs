//! The server's version, and the decisions that depend on it.

use std::cmp::Ordering;
use std::fmt;

use serde::{Deserialize, Serialize};

/// A server version as `GET /server/version` reports it, e.g. `1.118.2` or `3.0.0-rc.1`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ServerVersion {
    /// Major version.
    pub major: u64,
    /// Minor version.
    pub minor: u64,
    /// Patch version.
    pub patch: u64,
    /// Pre-release label such as `rc.1`, when the server sends one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prerelease: Option<String>,
}

impl ServerVersion {
    /// A release version.
    pub const fn new(major: u64, minor: u64, patch: u64) -> Self {
        ServerVersion {
            major,
            minor,
            patch,
            prerelease: None,
        }
    }

    /// Parses `1.118.2`, `v1.118.2` or `3.0.0-rc.1`.
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        let text = text.strip_prefix('v').unwrap_or(text);
        let (core, prerelease) = match text.split_once('-') {
            Some((core, pre)) => (core, Some(pre.to_owned())),
            None => (text, None),
        };
        let mut parts = core.split('.').map(|p| p.parse::<u64>().ok());
        let (major, minor, patch) = (parts.next()??, parts.next()??, parts.next()??);
        if parts.next().is_some() {
            return None;
        }
        Some(ServerVersion {
            major,
            minor,
            patch,
            prerelease,
        })
    }

    /// Whether this is Immich v3 or newer: albums without assets, no `shared` filter, uploads
    /// without `deviceAssetId`/`deviceId`.
    pub fn is_v3_or_newer(&self) -> bool {
        self.major >= 3
    }

    /// Whether the version is at least `major.minor.patch` (pre-releases count as the release).
    pub fn at_least(&self, major: u64, minor: u64, patch: u64) -> bool {
        (self.major, self.minor, self.patch) >= (major, minor, patch)
    }
}

impl PartialOrd for ServerVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for ServerVersion {
    /// Semantic-version order: a release sorts after its pre-releases (`3.0.0-rc.1 < 3.0.0`),
    /// and pre-release identifiers compare numerically where both are numbers (`rc.2 < rc.10`).
    fn cmp(&self, other: &Self) -> Ordering {
        (self.major, self.minor, self.patch)
            .cmp(&(other.major, other.minor, other.patch))
            .then_with(|| match (&self.prerelease, &other.prerelease) {
                (None, None) => Ordering::Equal,
                (None, Some(_)) => Ordering::Greater,
                (Some(_), None) => Ordering::Less,
                (Some(a), Some(b)) => compare_prerelease(a, b),
            })
    }
}

fn compare_prerelease(a: &str, b: &str) -> Ordering {
    let mut left = a.split('.');
    let mut right = b.split('.');
    loop {
        match (left.next(), right.next()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) => {
                let order = match (x.parse::<u64>(), y.parse::<u64>()) {
                    (Ok(x), Ok(y)) => x.cmp(&y),
                    (Ok(_), Err(_)) => Ordering::Less,
                    (Err(_), Ok(_)) => Ordering::Greater,
                    (Err(_), Err(_)) => x.cmp(y),
                };
                if order != Ordering::Equal {
                    return order;
                }
            }
        }
    }
}

impl fmt::Display for ServerVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)?;
        if let Some(pre) = &self.prerelease {
            write!(f, "-{pre}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_orders() {
        let old = ServerVersion::parse("v1.118.2").unwrap();
        let new = ServerVersion::parse("3.0.0-rc.1").unwrap();
        assert_eq!(old, ServerVersion::new(1, 118, 2));
        assert_eq!(new.prerelease.as_deref(), Some("rc.1"));
        assert!(!old.is_v3_or_newer());
        assert!(new.is_v3_or_newer());
        assert!(old.at_least(1, 118, 0) && !old.at_least(1, 119, 0));
        assert_eq!(new.to_string(), "3.0.0-rc.1");
        assert_eq!(ServerVersion::parse("1.2"), None);
        assert_eq!(ServerVersion::parse("1.2.x"), None);
        let release = ServerVersion::new(3, 0, 0);
        let rc1 = ServerVersion::parse("3.0.0-rc.1").unwrap();
        let rc2 = ServerVersion::parse("3.0.0-rc.2").unwrap();
        let rc10 = ServerVersion::parse("3.0.0-rc.10").unwrap();
        assert!(rc1 < rc2 && rc2 < rc10 && rc10 < release);
        assert!(ServerVersion::new(2, 9, 9) < rc1);
    }
}
