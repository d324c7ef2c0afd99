//! String enums that keep values a newer server may add.
//!
//! [`string_enum!`](crate::string_enum) defines an enum with the known wire values plus
//! `Unknown(String)`: decoding never fails on a new value, and encoding sends it back unchanged.

/// Defines a wire enum with an `Unknown(String)` catch-all.
///
/// ```
/// immich_proto::string_enum! {
///     /// Where an asset lives.
///     pub enum Shelf {
///         /// On the timeline.
///         Timeline => "timeline",
///         /// Hidden.
///         Hidden => "hidden",
///     }
/// }
/// let shelf: Shelf = serde_json::from_str("\"attic\"").unwrap();
/// assert_eq!(shelf, Shelf::Unknown("attic".into()));
/// assert_eq!(Shelf::Hidden.as_str(), "hidden");
/// ```
#[macro_export]
macro_rules! string_enum {
    ($(#[$meta:meta])* pub enum $name:ident { $($(#[$vmeta:meta])* $variant:ident => $wire:literal,)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)*
            /// A value this version of the client does not know, kept as sent.
            Unknown(String),
        }

        impl $name {
            /// The value as sent on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    $($name::$variant => $wire,)*
                    $name::Unknown(other) => other,
                }
            }
        }

        impl ::std::convert::From<&str> for $name {
            fn from(value: &str) -> Self {
                match value {
                    $($wire => $name::$variant,)*
                    other => $name::Unknown(other.to_owned()),
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl $crate::__private::serde::Serialize for $name {
            fn serialize<S: $crate::__private::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> $crate::__private::serde::Deserialize<'de> for $name {
            fn deserialize<D: $crate::__private::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = <::std::borrow::Cow<'de, str> as $crate::__private::serde::Deserialize>::deserialize(deserializer)?;
                Ok($name::from(text.as_ref()))
            }
        }
    };
}
