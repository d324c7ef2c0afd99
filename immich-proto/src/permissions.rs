//! API-key permissions, and what a given key may do.
//!
//! Immich API keys carry a list of permissions (`x-immich-permission` in the OpenAPI document
//! names the one each operation needs); `all` grants every permission, including ones added by
//! later server versions. [`Permission`] names each value of the v3 document and keeps unknown
//! ones; [`Capabilities`] answers "can this key do X?" before the app tries, and
//! [`Capabilities::missing_for`] lists exactly which permissions to grant.
//!
//! Read a key's permissions with [`GetMyApiKey`](crate::api_keys::GetMyApiKey) (Immich v1.139+),
//! then `key.capabilities()`. A login session (not an API key) may do everything:
//! [`Capabilities::everything`].

use std::collections::HashSet;
use std::fmt;

use crate::catalogue::{self, Operation};
use crate::{Endpoint, Error, MediaEndpoint, Server, ServerVersion};

/// Defines [`Permission`] with [`string_enum!`](crate::string_enum) plus the list of its known
/// values, so the list cannot drift from the enum.
macro_rules! permissions {
    ($($(#[$vmeta:meta])* $variant:ident => $wire:literal,)*) => {
        crate::string_enum! {
            /// One API-key permission (`Permission` in the OpenAPI document), e.g. `asset.read`.
            ///
            /// Values a newer server adds decode to `Unknown` and are sent back unchanged.
            pub enum Permission {
                $($(#[$vmeta])* $variant => $wire,)*
            }
        }

        impl Permission {
            /// Every permission this client knows, in the order of the v3 document.
            pub const KNOWN: &'static [Permission] = &[$(Permission::$variant,)*];
        }
    };
}

permissions! {
        /// Every permission, present and future (`all`).
        All => "all",
        /// `activity.create`.
        ActivityCreate => "activity.create",
        /// `activity.read`.
        ActivityRead => "activity.read",
        /// `activity.update`.
        ActivityUpdate => "activity.update",
        /// `activity.delete`.
        ActivityDelete => "activity.delete",
        /// `activity.statistics`.
        ActivityStatistics => "activity.statistics",
        /// `apiKey.create`.
        ApiKeyCreate => "apiKey.create",
        /// `apiKey.read`.
        ApiKeyRead => "apiKey.read",
        /// `apiKey.update`.
        ApiKeyUpdate => "apiKey.update",
        /// `apiKey.delete`.
        ApiKeyDelete => "apiKey.delete",
        /// `asset.read`.
        AssetRead => "asset.read",
        /// `asset.update`.
        AssetUpdate => "asset.update",
        /// `asset.delete`.
        AssetDelete => "asset.delete",
        /// `asset.statistics`.
        AssetStatistics => "asset.statistics",
        /// `asset.share`.
        AssetShare => "asset.share",
        /// `asset.view`.
        AssetView => "asset.view",
        /// `asset.download`.
        AssetDownload => "asset.download",
        /// `asset.upload`.
        AssetUpload => "asset.upload",
        /// `asset.copy`.
        AssetCopy => "asset.copy",
        /// `asset.derive`.
        AssetDerive => "asset.derive",
        /// `asset.edit.get`.
        AssetEditGet => "asset.edit.get",
        /// `asset.edit.create`.
        AssetEditCreate => "asset.edit.create",
        /// `asset.edit.delete`.
        AssetEditDelete => "asset.edit.delete",
        /// `album.create`.
        AlbumCreate => "album.create",
        /// `album.read`.
        AlbumRead => "album.read",
        /// `album.update`.
        AlbumUpdate => "album.update",
        /// `album.delete`.
        AlbumDelete => "album.delete",
        /// `album.statistics`.
        AlbumStatistics => "album.statistics",
        /// `album.share`.
        AlbumShare => "album.share",
        /// `album.download`.
        AlbumDownload => "album.download",
        /// `albumAsset.create`.
        AlbumAssetCreate => "albumAsset.create",
        /// `albumAsset.delete`.
        AlbumAssetDelete => "albumAsset.delete",
        /// `albumUser.create`.
        AlbumUserCreate => "albumUser.create",
        /// `albumUser.update`.
        AlbumUserUpdate => "albumUser.update",
        /// `albumUser.delete`.
        AlbumUserDelete => "albumUser.delete",
        /// `auth.changePassword`.
        AuthChangePassword => "auth.changePassword",
        /// `authDevice.delete`.
        AuthDeviceDelete => "authDevice.delete",
        /// `archive.read`.
        ArchiveRead => "archive.read",
        /// `backup.list`.
        BackupList => "backup.list",
        /// `backup.download`.
        BackupDownload => "backup.download",
        /// `backup.upload`.
        BackupUpload => "backup.upload",
        /// `backup.delete`.
        BackupDelete => "backup.delete",
        /// `duplicate.read`.
        DuplicateRead => "duplicate.read",
        /// `duplicate.delete`.
        DuplicateDelete => "duplicate.delete",
        /// `face.create`.
        FaceCreate => "face.create",
        /// `face.read`.
        FaceRead => "face.read",
        /// `face.update`.
        FaceUpdate => "face.update",
        /// `face.delete`.
        FaceDelete => "face.delete",
        /// `folder.read`.
        FolderRead => "folder.read",
        /// `job.create`.
        JobCreate => "job.create",
        /// `job.read`.
        JobRead => "job.read",
        /// `library.create`.
        LibraryCreate => "library.create",
        /// `library.read`.
        LibraryRead => "library.read",
        /// `library.update`.
        LibraryUpdate => "library.update",
        /// `library.delete`.
        LibraryDelete => "library.delete",
        /// `library.statistics`.
        LibraryStatistics => "library.statistics",
        /// `timeline.read`.
        TimelineRead => "timeline.read",
        /// `timeline.download`.
        TimelineDownload => "timeline.download",
        /// `maintenance`.
        Maintenance => "maintenance",
        /// `map.read`.
        MapRead => "map.read",
        /// `map.search`.
        MapSearch => "map.search",
        /// `memory.create`.
        MemoryCreate => "memory.create",
        /// `memory.read`.
        MemoryRead => "memory.read",
        /// `memory.update`.
        MemoryUpdate => "memory.update",
        /// `memory.delete`.
        MemoryDelete => "memory.delete",
        /// `memory.statistics`.
        MemoryStatistics => "memory.statistics",
        /// `memoryAsset.create`.
        MemoryAssetCreate => "memoryAsset.create",
        /// `memoryAsset.delete`.
        MemoryAssetDelete => "memoryAsset.delete",
        /// `notification.create`.
        NotificationCreate => "notification.create",
        /// `notification.read`.
        NotificationRead => "notification.read",
        /// `notification.update`.
        NotificationUpdate => "notification.update",
        /// `notification.delete`.
        NotificationDelete => "notification.delete",
        /// `partner.create`.
        PartnerCreate => "partner.create",
        /// `partner.read`.
        PartnerRead => "partner.read",
        /// `partner.update`.
        PartnerUpdate => "partner.update",
        /// `partner.delete`.
        PartnerDelete => "partner.delete",
        /// `person.create`.
        PersonCreate => "person.create",
        /// `person.read`.
        PersonRead => "person.read",
        /// `person.update`.
        PersonUpdate => "person.update",
        /// `person.delete`.
        PersonDelete => "person.delete",
        /// `person.statistics`.
        PersonStatistics => "person.statistics",
        /// `person.merge`.
        PersonMerge => "person.merge",
        /// `person.reassign`.
        PersonReassign => "person.reassign",
        /// `pinCode.create`.
        PinCodeCreate => "pinCode.create",
        /// `pinCode.update`.
        PinCodeUpdate => "pinCode.update",
        /// `pinCode.delete`.
        PinCodeDelete => "pinCode.delete",
        /// `plugin.create`.
        PluginCreate => "plugin.create",
        /// `plugin.read`.
        PluginRead => "plugin.read",
        /// `plugin.update`.
        PluginUpdate => "plugin.update",
        /// `plugin.delete`.
        PluginDelete => "plugin.delete",
        /// `server.about`.
        ServerAbout => "server.about",
        /// `server.apkLinks`.
        ServerApkLinks => "server.apkLinks",
        /// `server.storage`.
        ServerStorage => "server.storage",
        /// `server.statistics`.
        ServerStatistics => "server.statistics",
        /// `server.versionCheck`.
        ServerVersionCheck => "server.versionCheck",
        /// `serverLicense.read`.
        ServerLicenseRead => "serverLicense.read",
        /// `serverLicense.update`.
        ServerLicenseUpdate => "serverLicense.update",
        /// `serverLicense.delete`.
        ServerLicenseDelete => "serverLicense.delete",
        /// `session.create`.
        SessionCreate => "session.create",
        /// `session.read`.
        SessionRead => "session.read",
        /// `session.update`.
        SessionUpdate => "session.update",
        /// `session.delete`.
        SessionDelete => "session.delete",
        /// `session.lock`.
        SessionLock => "session.lock",
        /// `sharedLink.create`.
        SharedLinkCreate => "sharedLink.create",
        /// `sharedLink.read`.
        SharedLinkRead => "sharedLink.read",
        /// `sharedLink.update`.
        SharedLinkUpdate => "sharedLink.update",
        /// `sharedLink.delete`.
        SharedLinkDelete => "sharedLink.delete",
        /// `stack.create`.
        StackCreate => "stack.create",
        /// `stack.read`.
        StackRead => "stack.read",
        /// `stack.update`.
        StackUpdate => "stack.update",
        /// `stack.delete`.
        StackDelete => "stack.delete",
        /// `sync.stream`.
        SyncStream => "sync.stream",
        /// `syncCheckpoint.read`.
        SyncCheckpointRead => "syncCheckpoint.read",
        /// `syncCheckpoint.update`.
        SyncCheckpointUpdate => "syncCheckpoint.update",
        /// `syncCheckpoint.delete`.
        SyncCheckpointDelete => "syncCheckpoint.delete",
        /// `systemConfig.read`.
        SystemConfigRead => "systemConfig.read",
        /// `systemConfig.update`.
        SystemConfigUpdate => "systemConfig.update",
        /// `systemMetadata.read`.
        SystemMetadataRead => "systemMetadata.read",
        /// `systemMetadata.update`.
        SystemMetadataUpdate => "systemMetadata.update",
        /// `tag.create`.
        TagCreate => "tag.create",
        /// `tag.read`.
        TagRead => "tag.read",
        /// `tag.update`.
        TagUpdate => "tag.update",
        /// `tag.delete`.
        TagDelete => "tag.delete",
        /// `tag.asset`.
        TagAsset => "tag.asset",
        /// `user.read`.
        UserRead => "user.read",
        /// `user.update`.
        UserUpdate => "user.update",
        /// `userLicense.create`.
        UserLicenseCreate => "userLicense.create",
        /// `userLicense.read`.
        UserLicenseRead => "userLicense.read",
        /// `userLicense.update`.
        UserLicenseUpdate => "userLicense.update",
        /// `userLicense.delete`.
        UserLicenseDelete => "userLicense.delete",
        /// `userOnboarding.read`.
        UserOnboardingRead => "userOnboarding.read",
        /// `userOnboarding.update`.
        UserOnboardingUpdate => "userOnboarding.update",
        /// `userOnboarding.delete`.
        UserOnboardingDelete => "userOnboarding.delete",
        /// `userPreference.read`.
        UserPreferenceRead => "userPreference.read",
        /// `userPreference.update`.
        UserPreferenceUpdate => "userPreference.update",
        /// `userProfileImage.create`.
        UserProfileImageCreate => "userProfileImage.create",
        /// `userProfileImage.read`.
        UserProfileImageRead => "userProfileImage.read",
        /// `userProfileImage.update`.
        UserProfileImageUpdate => "userProfileImage.update",
        /// `userProfileImage.delete`.
        UserProfileImageDelete => "userProfileImage.delete",
        /// `queue.read`.
        QueueRead => "queue.read",
        /// `queue.update`.
        QueueUpdate => "queue.update",
        /// `queueJob.create`.
        QueueJobCreate => "queueJob.create",
        /// `queueJob.read`.
        QueueJobRead => "queueJob.read",
        /// `queueJob.update`.
        QueueJobUpdate => "queueJob.update",
        /// `queueJob.delete`.
        QueueJobDelete => "queueJob.delete",
        /// `workflow.create`.
        WorkflowCreate => "workflow.create",
        /// `workflow.read`.
        WorkflowRead => "workflow.read",
        /// `workflow.update`.
        WorkflowUpdate => "workflow.update",
        /// `workflow.delete`.
        WorkflowDelete => "workflow.delete",
        /// `adminUser.create`.
        AdminUserCreate => "adminUser.create",
        /// `adminUser.read`.
        AdminUserRead => "adminUser.read",
        /// `adminUser.update`.
        AdminUserUpdate => "adminUser.update",
        /// `adminUser.delete`.
        AdminUserDelete => "adminUser.delete",
        /// `adminSession.read`.
        AdminSessionRead => "adminSession.read",
        /// `adminAuth.unlinkAll`.
        AdminAuthUnlinkAll => "adminAuth.unlinkAll",
}

impl Permission {
    /// Whether this is a value of the v3 document (not `Unknown`).
    pub fn is_known(&self) -> bool {
        !matches!(self, Permission::Unknown(_))
    }

    /// The permission an operation needs, from its `PERMISSION` (`None`: no permission, e.g. a
    /// public endpoint or one any key may call).
    pub fn required_by<E: Endpoint + ?Sized>() -> Option<Permission> {
        E::PERMISSION.map(Permission::from)
    }

    /// The permission a streaming operation needs (thumbnails, video).
    pub fn required_by_media<M: MediaEndpoint + ?Sized>() -> Option<Permission> {
        M::PERMISSION.map(Permission::from)
    }

    /// The permission a `403` "Missing required permission: X" answer names, typed.
    pub fn missing_in(error: &Error) -> Option<Permission> {
        error
            .api()
            .and_then(|api| api.missing_permission())
            .map(Permission::from)
    }
}

/// What one API key may do: its permissions, with `all` granting everything.
///
/// ```
/// use immich_proto::permissions::{Capabilities, Permission};
/// use immich_proto::tags::GetAllTags;
///
/// let key = Capabilities::new([Permission::TagRead, Permission::AssetRead]);
/// assert!(key.can(&Permission::TagRead));
/// assert!(key.can_run::<GetAllTags>());
/// assert_eq!(
///     key.missing_for(&[Permission::AssetRead, Permission::AssetUpload]),
///     vec![Permission::AssetUpload]
/// );
/// assert!(Capabilities::new([Permission::All]).can(&Permission::AssetUpload));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Capabilities {
    everything: bool,
    granted: HashSet<Permission>,
}

impl Capabilities {
    /// The capabilities of a key with these permissions.
    pub fn new(permissions: impl IntoIterator<Item = Permission>) -> Self {
        let granted: HashSet<Permission> = permissions.into_iter().collect();
        Capabilities {
            everything: granted.contains(&Permission::All),
            granted,
        }
    }

    /// Everything allowed: a login session, or a key with `all`.
    pub fn everything() -> Self {
        Self::new([Permission::All])
    }

    /// Whether the key has `all` (every permission, including ones added later).
    pub fn has_all(&self) -> bool {
        self.everything
    }

    /// The permissions the key lists, in no particular order.
    pub fn granted(&self) -> impl Iterator<Item = &Permission> {
        self.granted.iter()
    }

    /// Whether the key may do what `permission` guards.
    pub fn can(&self, permission: &Permission) -> bool {
        self.everything || self.granted.contains(permission)
    }

    /// Whether the key may call an operation that needs `permission` (as in an operation's
    /// `PERMISSION`; `None` needs nothing). An unknown permission name is only granted by `all`
    /// or by the key listing that same name.
    pub fn allows(&self, permission: Option<&str>) -> bool {
        permission.is_none_or(|name| self.can(&Permission::from(name)))
    }

    /// Whether the key may call the operation `E`.
    pub fn can_run<E: Endpoint + ?Sized>(&self) -> bool {
        self.allows(E::PERMISSION)
    }

    /// Whether the key may call the streaming operation `M` (thumbnails, video).
    pub fn can_stream<M: MediaEndpoint + ?Sized>(&self) -> bool {
        self.allows(M::PERMISSION)
    }

    /// The permissions of `needed` the key lacks, each once, in the order given: what to ask
    /// the user to grant. Empty when the key may do all of it.
    pub fn missing_for(&self, needed: &[Permission]) -> Vec<Permission> {
        let mut missing: Vec<Permission> = Vec::new();
        for permission in needed {
            if !self.can(permission) && !missing.contains(permission) {
                missing.push(permission.clone());
            }
        }
        missing
    }

    /// Whether the key's permissions allow the operation `operation_id`, by the
    /// [catalogue](mod@crate::catalogue): `None` when the catalogue has no such operation.
    ///
    /// `all` allows every operation, and an operation that names no permission (a public one
    /// such as `pingServer`, or one any key may call such as `getMyApiKey`) is always allowed.
    /// A key's permissions are not the whole answer for an
    /// [`admin_only`](crate::catalogue::Operation::admin_only) operation: the key's user must
    /// also be an admin, which the permissions cannot tell (`may_call` answers for the
    /// permissions alone; check [`Operation::admin_only`](crate::catalogue::Operation) against
    /// the user, e.g. `isAdmin` of `getMyUser`). Nor does it check the server's version
    /// ([`Operation::since`](crate::catalogue::Operation)).
    ///
    /// ```
    /// use immich_proto::permissions::{Capabilities, Permission};
    ///
    /// let frame = Capabilities::new([Permission::AssetRead, Permission::AssetView]);
    /// assert_eq!(frame.may_call("searchAssets"), Some(true));
    /// assert_eq!(frame.may_call("uploadAsset"), Some(false));
    /// assert_eq!(frame.may_call("pingServer"), Some(true)); // needs no permission
    /// assert_eq!(frame.may_call("noSuchOperation"), None);
    /// assert_eq!(Capabilities::everything().may_call("deleteUserAdmin"), Some(true));
    /// ```
    pub fn may_call(&self, operation_id: &str) -> Option<bool> {
        catalogue::find(operation_id).map(|operation| self.allows(operation.permission))
    }

    /// Every operation of the [catalogue](mod@crate::catalogue) the key's permissions allow
    /// (see [`may_call`](Self::may_call)), sorted by operationId: with `all`, every one. Those
    /// marked [`admin_only`](crate::catalogue::Operation::admin_only) are included when the
    /// permissions allow them; they still need the key's user to be an admin.
    ///
    /// ```
    /// use immich_proto::catalogue::OPERATIONS;
    /// use immich_proto::permissions::{Capabilities, Permission};
    ///
    /// let tagger = Capabilities::new([Permission::TagRead, Permission::TagAsset]);
    /// let ids: Vec<&str> = tagger.callable().map(|op| op.id).collect();
    /// assert!(ids.contains(&"getAllTags") && ids.contains(&"tagAssets"));
    /// assert!(ids.contains(&"getServerVersion") && !ids.contains(&"createTag"));
    /// // What a user without admin rights may call of these:
    /// let as_user = tagger.callable().filter(|op| !op.admin_only).count();
    /// assert!(as_user < ids.len());
    /// assert_eq!(Capabilities::everything().callable().count(), OPERATIONS.len());
    /// ```
    pub fn callable(&self) -> impl Iterator<Item = &'static Operation> + '_ {
        catalogue::OPERATIONS
            .iter()
            .filter(move |operation| self.allows(operation.permission))
    }
}

impl fmt::Debug for Capabilities {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut names: Vec<&str> = self.granted.iter().map(Permission::as_str).collect();
        names.sort_unstable();
        f.debug_struct("Capabilities")
            .field("all", &self.everything)
            .field("granted", &names)
            .finish()
    }
}

/// Fails before a request exists when the server is known to be older than `minimum`, for
/// operations (or options) a server only has from that version on. An unknown version passes:
/// the server's own answer then says whether it knows the operation.
pub(crate) fn require_server_at_least(
    server: &Server,
    operation: &'static str,
    minimum: (u64, u64, u64),
) -> Result<(), Error> {
    let (major, minor, patch) = minimum;
    match server.version() {
        Some(version) if !version.at_least(major, minor, patch) => Err(Error::Unsupported {
            operation,
            minimum: ServerVersion::new(major, minor, patch),
            found: version,
        }),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values_round_trip() {
        assert_eq!(Permission::KNOWN.len(), 155);
        let mut seen = HashSet::new();
        for permission in Permission::KNOWN {
            assert!(permission.is_known());
            assert!(seen.insert(permission.as_str()), "{permission} twice");
            assert_eq!(&Permission::from(permission.as_str()), permission);
        }
        assert_eq!(Permission::from("asset.edit.get"), Permission::AssetEditGet);
        assert_eq!(
            Permission::from("photo.teleport"),
            Permission::Unknown("photo.teleport".into())
        );
    }

    #[test]
    fn version_gate_names_the_minimum() {
        let old = Server::new("http://h")
            .unwrap()
            .with_version(ServerVersion::new(1, 118, 2));
        let err = require_server_at_least(&old, "getMyApiKey", (1, 139, 0)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "getMyApiKey needs Immich v1.139.0 or newer; this server is v1.118.2"
        );
        let new = Server::new("http://h")
            .unwrap()
            .with_version(ServerVersion::new(1, 139, 0));
        assert!(require_server_at_least(&new, "getMyApiKey", (1, 139, 0)).is_ok());
        let unknown = Server::new("http://h").unwrap();
        assert!(require_server_at_least(&unknown, "getMyApiKey", (1, 139, 0)).is_ok());
    }
}
