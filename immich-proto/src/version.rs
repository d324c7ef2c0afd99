//! The server's version, and the decisions that depend on it.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A server version as `GET /server/version` reports it, e.g. `1.118.2` or `3.0.0-rc.1`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
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
    }
}
