//! Fields of an update that tell "leave as is" from "clear".

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A field of an update body the server may leave alone, clear (`null`) or set.
///
/// Generated request models hold optional, nullable fields as `Patch`: `Unchanged` is left out
/// of the JSON (the server keeps the value), `Clear` sends `null`, `Set(v)` sends the value.
///
/// ```
/// use immich_proto::Patch;
/// let keep: Patch<String> = Patch::Unchanged;
/// assert!(keep.is_unchanged());
/// assert_eq!(serde_json::to_string(&Patch::<String>::Clear).unwrap(), "null");
/// assert_eq!(serde_json::to_string(&Patch::Set("x".to_owned())).unwrap(), "\"x\"");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Patch<T> {
    /// Not sent: the server keeps what it has.
    #[default]
    Unchanged,
    /// Sent as `null`: the server clears the value.
    Clear,
    /// Sent as this value.
    Set(T),
}

impl<T> Patch<T> {
    /// Whether the field is left out of the body (for `skip_serializing_if`).
    pub fn is_unchanged(&self) -> bool {
        matches!(self, Patch::Unchanged)
    }

    /// The value to set, if any.
    pub fn as_set(&self) -> Option<&T> {
        match self {
            Patch::Set(value) => Some(value),
            _ => None,
        }
    }
}

impl<T> From<T> for Patch<T> {
    fn from(value: T) -> Self {
        Patch::Set(value)
    }
}

impl<T: Serialize> Serialize for Patch<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Patch::Set(value) => value.serialize(serializer),
            // `Unchanged` is skipped by the field's attribute; written alone it means nothing
            // to set, which `null` would not say, so it is written as `null` only as a last
            // resort of a body built by hand.
            Patch::Clear | Patch::Unchanged => serializer.serialize_none(),
        }
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Patch<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(match Option::<T>::deserialize(deserializer)? {
            Some(value) => Patch::Set(value),
            None => Patch::Clear,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct Body {
        #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
        description: Patch<String>,
    }

    #[test]
    fn three_states_on_the_wire() {
        let json = |p| serde_json::to_string(&Body { description: p }).unwrap();
        assert_eq!(json(Patch::Unchanged), "{}");
        assert_eq!(json(Patch::Clear), r#"{"description":null}"#);
        assert_eq!(json(Patch::Set("x".into())), r#"{"description":"x"}"#);
        let read = |s: &str| serde_json::from_str::<Body>(s).unwrap().description;
        assert_eq!(read("{}"), Patch::Unchanged);
        assert_eq!(read(r#"{"description":null}"#), Patch::Clear);
        assert_eq!(read(r#"{"description":"x"}"#), Patch::Set("x".into()));
    }
}
