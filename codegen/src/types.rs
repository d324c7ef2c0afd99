//! Schemas to Rust types, and the generated models file.

use std::collections::{BTreeMap, BTreeSet};

use indexmap::IndexMap;
use openapiv3::{
    AdditionalProperties, OpenAPI, ReferenceOr, Schema, SchemaKind, StringFormat, Type,
    VariantOrUnknownOrEmpty,
};

use crate::names;
use crate::overrides::{
    HandSchema, AREA_ID_TYPES, HAND_SCHEMAS, ID_FIXUPS, ID_TYPES, SECRET_FIELD_NAMES,
};

/// Where a type is used: what it must encode and decode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dir {
    /// Sent to the server: `Serialize`.
    Request,
    /// Read from the server: `Deserialize`.
    Response,
}

/// A Rust type for a schema, with what the generator needs to format it in a query or path and
/// to make a sample of it.
#[derive(Debug, Clone, PartialEq)]
pub struct Ty {
    /// The type as written in generated code (`Vec<crate::models::TagCreate>`).
    pub rust: String,
    /// Its shape.
    pub kind: Kind,
}

/// The shape of a [`Ty`].
#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    /// `String`; the pattern and the format (`uri`, `email`), when the schema has them.
    Text(Option<String>, Option<String>),
    /// `crate::Secret`.
    Secret(Option<String>),
    /// `crate::DateTime`.
    DateTime,
    /// `crate::Date`.
    Date,
    /// A typed id from `crate::id`.
    Id,
    /// `bool`.
    Bool,
    /// `i64`, with the schema's minimum.
    Int(Option<i64>),
    /// `f64`, with the schema's minimum.
    Float(Option<f64>),
    /// A string enum (generated, or a hand-written `string_enum!`); its first known wire value.
    Enum(String),
    /// A generated struct: its generated name.
    Struct(String),
    /// A hand-written model.
    Hand,
    /// A generated `anyOf` enum: its generated name.
    OneOf(String),
    /// `Vec<T>`, with the schema's `minItems`.
    List(Box<Ty>, usize),
    /// Any JSON object.
    JsonObject,
    /// Any JSON value.
    Json,
}

impl Ty {
    fn new(rust: impl Into<String>, kind: Kind) -> Ty {
        Ty {
            rust: rust.into(),
            kind,
        }
    }
}

/// One field of a generated struct.
#[derive(Debug, Clone)]
pub struct Field {
    /// The name on the wire.
    pub json: String,
    /// The Rust name.
    pub rust: String,
    /// Its type (without the `Option` or `Patch` around it).
    pub ty: Ty,
    /// Whether the schema requires it.
    pub required: bool,
    /// Whether the schema allows `null`.
    pub nullable: bool,
    /// The schema's description.
    pub doc: Option<String>,
    /// Whether the schema marks it deprecated.
    pub deprecated: bool,
}

/// How a field is held in a generated struct.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holding {
    /// Always there: `T`.
    Plain,
    /// May be absent or null: `Option<T>`.
    Optional,
    /// In a request, absent ("leave as is"), null ("clear") or a value: `Patch<T>`.
    Patch,
}

impl Field {
    /// How the field is held, given whether its struct is sent to the server.
    pub fn holding(&self, sent: bool) -> Holding {
        match (self.required, self.nullable) {
            (true, false) => Holding::Plain,
            (false, true) if sent => Holding::Patch,
            _ => Holding::Optional,
        }
    }

    /// The field's full Rust type.
    pub fn rust_type(&self, sent: bool) -> String {
        match self.holding(sent) {
            Holding::Plain => self.ty.rust.clone(),
            Holding::Optional => format!("Option<{}>", self.ty.rust),
            Holding::Patch => format!("crate::Patch<{}>", self.ty.rust),
        }
    }
}

/// A generated model.
#[derive(Debug, Clone)]
pub enum Model {
    /// An object.
    Struct {
        /// The schema's name.
        schema: String,
        /// Its description.
        doc: Option<String>,
        /// Its properties, in the document's order.
        fields: Vec<Field>,
    },
    /// A string enum.
    Enum {
        /// The schema's name.
        schema: String,
        /// Its description.
        doc: Option<String>,
        /// The wire values.
        values: Vec<String>,
    },
    /// One of several object schemas (`anyOf`), told apart by their fields.
    OneOf {
        /// Where it appears (`Schema.property`).
        origin: String,
        /// Its description.
        doc: Option<String>,
        /// Variant name and type.
        variants: Vec<(String, Ty)>,
    },
    /// Another name for a schema.
    Alias {
        /// The schema's name.
        schema: String,
        /// What it stands for.
        target: Ty,
    },
}

/// Resolves schemas to types, generating a model for each schema reached.
pub struct Types<'a> {
    doc: &'a OpenAPI,
    /// Generated models by Rust name.
    pub models: BTreeMap<String, Model>,
    /// Which generated models are sent (need `Serialize`) and read (need `Deserialize`).
    pub sent: BTreeSet<String>,
    /// See [`Types::sent`].
    pub read: BTreeSet<String>,
    /// Schema name to generated Rust name.
    names: BTreeMap<String, String>,
    /// The hand-written schemas that were used (an unused override fails the run).
    pub hand_used: BTreeSet<&'static str>,
    /// Secret fields found, as `(schema, field)`.
    pub secrets_used: BTreeSet<(String, String)>,
    /// The id fixups that matched (an unused one fails the run).
    pub fixups_used: BTreeSet<(&'static str, &'static str)>,
}

/// Where a schema appears, for naming what it needs and choosing id types.
#[derive(Debug, Clone, Copy)]
pub struct Place<'p> {
    /// The owner: a schema name, or an operation's type name.
    pub owner: &'p str,
    /// The field or parameter name.
    pub name: &'p str,
    /// The OpenAPI tag of the operation, for `{id}`.
    pub area_tag: Option<&'p str>,
    /// The parameter's description (a schema's own description is read from the schema).
    pub description: Option<&'p str>,
}

const SCHEMA_PREFIX: &str = "#/components/schemas/";

impl<'a> Types<'a> {
    /// An empty resolver over `doc`.
    pub fn new(doc: &'a OpenAPI) -> Self {
        let schemas = doc.components.as_ref().map(|c| &c.schemas);
        let mut names = BTreeMap::new();
        let taken: BTreeSet<String> = schemas
            .map(|s| s.keys().map(|k| names::type_name(k)).collect())
            .unwrap_or_default();
        for key in schemas.into_iter().flat_map(|s| s.keys()) {
            // Models drop the `Dto` suffix (`TagCreateDto` is `TagCreate`) unless that name is
            // another schema's.
            let short = key.strip_suffix("Dto").unwrap_or(key);
            let short = names::type_name(short);
            let name = if short != names::type_name(key) && taken.contains(&short) {
                names::type_name(key)
            } else {
                short
            };
            names.insert(key.clone(), name);
        }
        Types {
            doc,
            models: BTreeMap::new(),
            sent: BTreeSet::new(),
            read: BTreeSet::new(),
            names,
            hand_used: BTreeSet::new(),
            secrets_used: BTreeSet::new(),
            fixups_used: BTreeSet::new(),
        }
    }

    fn schema(&self, name: &str) -> Result<&'a ReferenceOr<Schema>, String> {
        self.doc
            .components
            .as_ref()
            .and_then(|c| c.schemas.get(name))
            .ok_or_else(|| format!("no schema {name} in the document"))
    }

    fn hand(&mut self, schema: &str) -> Option<&'static HandSchema> {
        let hand = HAND_SCHEMAS.iter().find(|h| h.schema == schema)?;
        self.hand_used.insert(hand.schema);
        Some(hand)
    }

    /// The type of a named schema (`$ref`), generating its model when first reached.
    pub fn named(&mut self, schema: &str, dir: Dir) -> Result<Ty, String> {
        if let Some(hand) = self.hand(schema) {
            let kind = if self.is_enum_schema(schema)? {
                let first = self.first_enum_value(schema)?;
                Kind::Enum(first)
            } else {
                Kind::Hand
            };
            return Ok(Ty::new(hand.rust_type, kind));
        }
        let name = self
            .names
            .get(schema)
            .cloned()
            .ok_or_else(|| format!("no schema {schema} in the document"))?;
        let newly = match dir {
            Dir::Request => self.sent.insert(name.clone()),
            Dir::Response => self.read.insert(name.clone()),
        };
        if !self.models.contains_key(&name) {
            let model = self.build_model(schema, &name, dir)?;
            self.models.insert(name.clone(), model);
        } else if newly {
            // Reached again in the other direction: its parts need that direction too.
            self.propagate(&name, dir)?;
        }
        let rust = format!("crate::models::{name}");
        Ok(match self.models.get(&name) {
            Some(Model::Enum { values, .. }) => Ty::new(
                rust,
                Kind::Enum(values.first().cloned().unwrap_or_default()),
            ),
            Some(Model::Alias { target, .. }) => Ty::new(rust, target.kind.clone()),
            _ => Ty::new(rust, Kind::Struct(name)),
        })
    }

    fn is_enum_schema(&self, schema: &str) -> Result<bool, String> {
        Ok(matches!(
            self.schema(schema)?,
            ReferenceOr::Item(Schema { schema_kind: SchemaKind::Type(Type::String(s)), .. })
                if !s.enumeration.is_empty()
        ))
    }

    fn first_enum_value(&self, schema: &str) -> Result<String, String> {
        match self.schema(schema)? {
            ReferenceOr::Item(Schema {
                schema_kind: SchemaKind::Type(Type::String(s)),
                ..
            }) => Ok(s
                .enumeration
                .iter()
                .flatten()
                .next()
                .cloned()
                .unwrap_or_default()),
            _ => Err(format!("{schema} is not a string enum")),
        }
    }

    /// Marks everything a model holds as used in `dir` as well.
    fn propagate(&mut self, name: &str, dir: Dir) -> Result<(), String> {
        let Some(model) = self.models.get(name).cloned() else {
            return Ok(());
        };
        let mut inner: Vec<Ty> = Vec::new();
        match &model {
            Model::Struct { fields, .. } => inner.extend(fields.iter().map(|f| f.ty.clone())),
            Model::OneOf { variants, .. } => inner.extend(variants.iter().map(|v| v.1.clone())),
            Model::Alias { target, .. } => inner.push(target.clone()),
            Model::Enum { .. } => {}
        }
        for ty in inner {
            self.mark(&ty, dir)?;
        }
        Ok(())
    }

    fn mark(&mut self, ty: &Ty, dir: Dir) -> Result<(), String> {
        match &ty.kind {
            Kind::Struct(name) | Kind::OneOf(name) => {
                let newly = match dir {
                    Dir::Request => self.sent.insert(name.clone()),
                    Dir::Response => self.read.insert(name.clone()),
                };
                if newly {
                    self.propagate(name, dir)?;
                }
            }
            Kind::Enum(_) => {
                if let Some(name) = ty.rust.strip_prefix("crate::models::") {
                    match dir {
                        Dir::Request => self.sent.insert(name.to_owned()),
                        Dir::Response => self.read.insert(name.to_owned()),
                    };
                }
            }
            Kind::List(item, _) => self.mark(item, dir)?,
            _ => {}
        }
        Ok(())
    }

    fn build_model(&mut self, schema_name: &str, name: &str, dir: Dir) -> Result<Model, String> {
        let schema = match self.schema(schema_name)? {
            ReferenceOr::Reference { reference } => {
                let target_name = reference
                    .strip_prefix(SCHEMA_PREFIX)
                    .ok_or_else(|| format!("unsupported reference {reference}"))?;
                let target = self.named(target_name, dir)?;
                return Ok(Model::Alias {
                    schema: schema_name.to_owned(),
                    target,
                });
            }
            ReferenceOr::Item(schema) => schema,
        };
        let doc = schema.schema_data.description.clone();
        match &schema.schema_kind {
            SchemaKind::Type(Type::String(s)) if !s.enumeration.is_empty() => Ok(Model::Enum {
                schema: schema_name.to_owned(),
                doc,
                values: s.enumeration.iter().flatten().cloned().collect(),
            }),
            SchemaKind::Type(Type::Object(object)) => {
                self.object_model(name, schema_name, schema_name, object, doc, dir)
            }
            // Any other named schema (an integer enum such as `HlsVideoResolution`) is another
            // name for its plain type; its values stay open to what a newer server sends.
            _ => {
                let place = Place {
                    owner: schema_name,
                    name: "value",
                    area_tag: None,
                    description: None,
                };
                let item = ReferenceOr::Item(schema.clone());
                let (target, _) = self.resolve(&item, place, dir)?;
                Ok(Model::Alias {
                    schema: schema_name.to_owned(),
                    target,
                })
            }
        }
    }

    /// The struct of an object schema named `name`: `label` names it in docs (a schema, or
    /// `Schema.field` for an inline object), `owner` is where its fields are found.
    fn object_model(
        &mut self,
        name: &str,
        label: &str,
        owner: &str,
        object: &openapiv3::ObjectType,
        doc: Option<String>,
        dir: Dir,
    ) -> Result<Model, String> {
        // Insert a placeholder first: a schema may reach itself.
        self.models.insert(
            name.to_owned(),
            Model::Struct {
                schema: label.to_owned(),
                doc: doc.clone(),
                fields: Vec::new(),
            },
        );
        let mut fields = Vec::new();
        for (json, property) in &object.properties {
            let required = object.required.iter().any(|r| r == json);
            let property = unbox(property);
            let place = Place {
                owner,
                name: json,
                area_tag: None,
                description: None,
            };
            let (ty, nullable) = self.resolve(&property, place, dir)?;
            let data = schema_data(&property, self.doc);
            fields.push(Field {
                json: json.clone(),
                rust: names::field(json),
                ty,
                required,
                nullable,
                doc: data.and_then(|d| d.description.clone()),
                deprecated: data.is_some_and(|d| d.deprecated),
            });
        }
        Ok(Model::Struct {
            schema: label.to_owned(),
            doc,
            fields,
        })
    }

    /// The type of a schema found at `place`, and whether it may be null.
    pub fn resolve(
        &mut self,
        schema: &ReferenceOr<Schema>,
        place: Place<'_>,
        dir: Dir,
    ) -> Result<(Ty, bool), String> {
        let schema = match schema {
            ReferenceOr::Reference { reference } => {
                let name = reference
                    .strip_prefix(SCHEMA_PREFIX)
                    .ok_or_else(|| format!("unsupported reference {reference}"))?;
                return Ok((self.named(name, dir)?, false));
            }
            ReferenceOr::Item(schema) => schema,
        };
        let nullable = schema.schema_data.nullable;
        let ty = match &schema.schema_kind {
            SchemaKind::AllOf { all_of } if all_of.len() == 1 => {
                return Ok((self.resolve(&all_of[0], place, dir)?.0, nullable));
            }
            SchemaKind::AnyOf { any_of } | SchemaKind::OneOf { one_of: any_of } => {
                let name = format!(
                    "{}{}",
                    names::type_name(
                        self.names
                            .get(place.owner)
                            .map(String::as_str)
                            .unwrap_or(place.owner)
                    ),
                    names::type_name(place.name)
                );
                let mut variants = Vec::new();
                for option in any_of {
                    let ReferenceOr::Reference { reference } = option else {
                        return Err(format!(
                            "{}.{}: an inline anyOf option",
                            place.owner, place.name
                        ));
                    };
                    let target = reference.trim_start_matches(SCHEMA_PREFIX);
                    let ty = self.named(target, dir)?;
                    let variant = names::type_name(target.strip_suffix("Dto").unwrap_or(target));
                    variants.push((variant, ty));
                }
                match dir {
                    Dir::Request => self.sent.insert(name.clone()),
                    Dir::Response => self.read.insert(name.clone()),
                };
                self.models.insert(
                    name.clone(),
                    Model::OneOf {
                        origin: format!("{}.{}", place.owner, place.name),
                        doc: schema.schema_data.description.clone(),
                        variants,
                    },
                );
                Ty::new(format!("crate::models::{name}"), Kind::OneOf(name))
            }
            SchemaKind::Type(Type::String(s)) => {
                if !s.enumeration.is_empty() {
                    return Err(format!(
                        "{}.{}: an inline enum (not in this document version)",
                        place.owner, place.name
                    ));
                }
                let pattern = s.pattern.clone();
                match &s.format {
                    VariantOrUnknownOrEmpty::Item(StringFormat::DateTime) => {
                        Ty::new("crate::DateTime", Kind::DateTime)
                    }
                    VariantOrUnknownOrEmpty::Item(StringFormat::Date) => {
                        Ty::new("crate::Date", Kind::Date)
                    }
                    VariantOrUnknownOrEmpty::Item(StringFormat::Binary) => {
                        Ty::new("bytes::Bytes", Kind::Text(None, None))
                    }
                    VariantOrUnknownOrEmpty::Unknown(f) if f == "uuid" => {
                        let description = schema
                            .schema_data
                            .description
                            .as_deref()
                            .or(place.description);
                        let fixup = ID_FIXUPS
                            .iter()
                            .find(|f| f.owner == place.owner && f.name == place.name);
                        let id = match fixup {
                            Some(fixup) => {
                                self.fixups_used.insert((fixup.owner, fixup.name));
                                fixup.id_type.to_owned()
                            }
                            None => id_type(place, description),
                        };
                        Ty::new(format!("crate::{id}"), Kind::Id)
                    }
                    _ if self.is_secret(place) => Ty::new("crate::Secret", Kind::Secret(pattern)),
                    VariantOrUnknownOrEmpty::Unknown(format) => {
                        Ty::new("String", Kind::Text(pattern, Some(format.clone())))
                    }
                    _ => Ty::new("String", Kind::Text(pattern, None)),
                }
            }
            SchemaKind::Type(Type::Integer(i)) => Ty::new("i64", Kind::Int(i.minimum)),
            SchemaKind::Type(Type::Number(n)) => Ty::new("f64", Kind::Float(n.minimum)),
            SchemaKind::Type(Type::Boolean(_)) => Ty::new("bool", Kind::Bool),
            SchemaKind::Type(Type::Array(array)) => {
                let item = array.items.as_ref().ok_or_else(|| {
                    format!("{}.{}: an array without items", place.owner, place.name)
                })?;
                // The array's description ("Person IDs to merge") names its items' ids.
                let item_place = Place {
                    description: schema
                        .schema_data
                        .description
                        .as_deref()
                        .or(place.description),
                    ..place
                };
                let (item, _) = self.resolve(&unbox(item), item_place, dir)?;
                Ty::new(
                    format!("Vec<{}>", item.rust),
                    Kind::List(Box::new(item), array.min_items.unwrap_or(0)),
                )
            }
            SchemaKind::Type(Type::Object(object)) => {
                let any = matches!(
                    object.additional_properties,
                    None | Some(AdditionalProperties::Any(true))
                ) || matches!(
                    &object.additional_properties,
                    Some(AdditionalProperties::Schema(s)) if matches!(&**s, ReferenceOr::Item(Schema { schema_kind: SchemaKind::Any(_), .. }))
                );
                if object.properties.is_empty() && any {
                    Ty::new(
                        "serde_json::Map<String, serde_json::Value>",
                        Kind::JsonObject,
                    )
                } else {
                    // An inline object: a struct named after where it stands
                    // (`IntegrityReportResponseDto.items` is `IntegrityReportResponseItems`).
                    let owner = self
                        .names
                        .get(place.owner)
                        .cloned()
                        .unwrap_or_else(|| names::type_name(place.owner));
                    let name = format!("{owner}{}", names::type_name(place.name));
                    match dir {
                        Dir::Request => self.sent.insert(name.clone()),
                        Dir::Response => self.read.insert(name.clone()),
                    };
                    if !self.models.contains_key(&name) {
                        let label = format!("{}.{}", place.owner, place.name);
                        let owner_place =
                            format!("{}{}", place.owner, names::type_name(place.name));
                        let model = self.object_model(
                            &name,
                            &label,
                            &owner_place,
                            object,
                            schema.schema_data.description.clone(),
                            dir,
                        )?;
                        self.models.insert(name.clone(), model);
                    }
                    Ty::new(format!("crate::models::{name}"), Kind::Struct(name))
                }
            }
            SchemaKind::Any(_) => Ty::new("serde_json::Value", Kind::Json),
            other => {
                return Err(format!(
                    "{}.{}: unsupported schema {other:?}",
                    place.owner, place.name
                ))
            }
        };
        Ok((ty, nullable))
    }

    fn is_secret(&mut self, place: Place<'_>) -> bool {
        if SECRET_FIELD_NAMES.contains(&place.name) {
            self.secrets_used
                .insert((place.owner.to_owned(), place.name.to_owned()));
            return true;
        }
        false
    }
}

/// The typed id for a uuid at `place`: by the field's name, else by the area of `{id}` or the
/// schema's name, else by its description ("Asset ID to ..."), else the generic `Uuid`.
fn id_type(place: Place<'_>, description: Option<&str>) -> String {
    let by_name = id_type_by_name(place);
    if by_name != "Uuid" {
        return by_name;
    }
    description
        .and_then(id_type_by_description)
        .unwrap_or(by_name)
}

/// The id named by a description such as "Asset ID to retrieve faces for" or "Parent tag ID":
/// the word before the first "ID".
fn id_type_by_description(description: &str) -> Option<String> {
    const WORDS: &[(&str, &str)] = &[
        ("activity", "ActivityId"),
        ("album", "AlbumId"),
        ("asset", "AssetId"),
        ("face", "FaceId"),
        ("library", "LibraryId"),
        ("memory", "MemoryId"),
        ("notification", "NotificationId"),
        ("owner", "UserId"),
        ("partner", "UserId"),
        ("person", "PersonId"),
        ("session", "SessionId"),
        ("stack", "StackId"),
        ("tag", "TagId"),
        ("user", "UserId"),
    ];
    let words: Vec<&str> = description
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let at = words.iter().position(|w| *w == "ID" || *w == "IDs")?;
    let before = words.get(at.checked_sub(1)?)?.to_ascii_lowercase();
    WORDS
        .iter()
        .find(|(word, _)| *word == before)
        .map(|(_, ty)| (*ty).to_owned())
}

fn id_type_by_name(place: Place<'_>) -> String {
    let name = place.name;
    if name == "id" {
        if let Some(tag) = place.area_tag {
            if let Some((_, ty)) = AREA_ID_TYPES.iter().find(|(t, _)| *t == tag) {
                return (*ty).to_owned();
            }
            return "Uuid".to_owned();
        }
        return by_prefix(&lower_first(place.owner)).unwrap_or_else(|| "Uuid".to_owned());
    }
    let stem = name
        .strip_suffix("Ids")
        .or_else(|| name.strip_suffix("Id"))
        .unwrap_or(name);
    by_prefix(stem)
        .filter(|_| stem != name)
        .unwrap_or_else(|| "Uuid".to_owned())
}

/// The id type whose word `text` starts with (the longest such word wins).
fn by_prefix(text: &str) -> Option<String> {
    ID_TYPES
        .iter()
        .filter(|(word, _)| {
            text.starts_with(word)
                && text[word.len()..]
                    .chars()
                    .next()
                    .is_none_or(|c| c.is_ascii_uppercase())
        })
        .max_by_key(|(word, _)| word.len())
        .map(|(_, ty)| (*ty).to_owned())
}

fn lower_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn unbox(schema: &ReferenceOr<Box<Schema>>) -> ReferenceOr<Schema> {
    match schema {
        ReferenceOr::Reference { reference } => ReferenceOr::Reference {
            reference: reference.clone(),
        },
        ReferenceOr::Item(schema) => ReferenceOr::Item((**schema).clone()),
    }
}

/// The data (description, deprecation) of an inline schema; none for a reference.
fn schema_data<'s>(
    schema: &'s ReferenceOr<Schema>,
    _doc: &OpenAPI,
) -> Option<&'s openapiv3::SchemaData> {
    match schema {
        ReferenceOr::Item(schema) => Some(&schema.schema_data),
        ReferenceOr::Reference { .. } => None,
    }
}

/// Renders `immich-proto/src/models.rs`.
pub fn render_models(types: &Types<'_>, header: &str) -> String {
    let mut out = String::new();
    out.push_str(header);
    out.push_str(
        "//! The models of the generated operations: one type per schema of the OpenAPI document\n\
         //! that an operation reaches, named after the schema without its `Dto` suffix.\n\
         //!\n\
         //! Every model accepts fields it does not know; enums keep values they do not know\n\
         //! (`Unknown`). Schemas with version handling are hand-written types instead (see the\n\
         //! generator's override list), and ids are the typed ids of [`crate::id`].\n\n\
         #![allow(clippy::doc_markdown)]\n\n",
    );
    for (name, model) in &types.models {
        let sent = types.sent.contains(name);
        let read = types.read.contains(name);
        match model {
            Model::Struct {
                schema,
                doc,
                fields,
            } => render_struct(&mut out, name, schema, doc.as_deref(), fields, sent, read),
            Model::Enum {
                schema,
                doc,
                values,
            } => {
                out.push_str("crate::string_enum! {\n");
                model_doc(&mut out, "    ", doc.as_deref(), schema);
                out.push_str(&format!("    pub enum {name} {{\n"));
                let mut used = BTreeSet::new();
                for value in values {
                    let mut variant = names::variant(value);
                    while !used.insert(variant.clone()) {
                        variant.push('_');
                    }
                    out.push_str(&format!("        /// `{value}`.\n"));
                    out.push_str(&format!("        {variant} => {value:?},\n"));
                }
                out.push_str("    }\n}\n\n");
            }
            Model::OneOf {
                origin,
                doc,
                variants,
            } => {
                if let Some(doc) = doc {
                    names::doc_lines(&mut out, "", "///", &names::doc_text(doc));
                    out.push_str("///\n");
                }
                out.push_str(&format!(
                    "/// One of several shapes (`anyOf` at `{origin}`), told apart by their fields.\n"
                ));
                out.push_str(&derives(sent, read, "Debug, Clone, PartialEq"));
                out.push_str("#[serde(untagged)]\n");
                out.push_str(&format!("pub enum {name} {{\n"));
                for (variant, ty) in variants {
                    out.push_str(&format!("    /// The `{variant}` shape.\n"));
                    out.push_str(&format!(
                        "    {variant}({}),\n",
                        ty.rust.trim_start_matches("crate::models::")
                    ));
                }
                out.push_str("}\n\n");
            }
            Model::Alias { schema, target } => {
                out.push_str(&format!(
                    "/// `{schema}` in the OpenAPI document: the same as [`{}`].\n",
                    target.rust.trim_start_matches("crate::models::")
                ));
                out.push_str(&format!(
                    "pub type {name} = {};\n\n",
                    target.rust.trim_start_matches("crate::models::")
                ));
            }
        }
    }
    out
}

fn model_doc(out: &mut String, indent: &str, doc: Option<&str>, schema: &str) {
    if let Some(doc) = doc {
        names::doc_lines(out, indent, "///", &names::doc_text(doc));
        out.push_str(&format!("{indent}///\n"));
    }
    out.push_str(&format!(
        "{indent}/// `{schema}` in the OpenAPI document.\n"
    ));
}

fn derives(sent: bool, read: bool, base: &str) -> String {
    let mut list = base.to_owned();
    if sent {
        list.push_str(", serde::Serialize");
    }
    if read {
        list.push_str(", serde::Deserialize");
    }
    format!("#[derive({list})]\n")
}

fn render_struct(
    out: &mut String,
    name: &str,
    schema: &str,
    doc: Option<&str>,
    fields: &[Field],
    sent: bool,
    read: bool,
) {
    model_doc(out, "", doc, schema);
    let all_optional = fields.iter().all(|f| f.holding(sent) != Holding::Plain);
    let base = if sent && all_optional {
        "Debug, Clone, Default, PartialEq"
    } else {
        "Debug, Clone, PartialEq"
    };
    out.push_str(&derives(sent, read, base));
    if sent || read {
        out.push_str("#[serde(rename_all = \"camelCase\")]\n");
    }
    out.push_str("#[non_exhaustive]\n");
    out.push_str(&format!("pub struct {name} {{\n"));
    for field in fields {
        match &field.doc {
            Some(doc) => names::doc_lines(out, "    ", "///", &names::doc_text(doc)),
            None => out.push_str(&format!("    /// `{}`.\n", field.json)),
        }
        if field.deprecated {
            out.push_str("    ///\n    /// Deprecated by the server.\n");
        }
        let mut serde = Vec::new();
        if names::serde_camel(&field.rust) != field.json {
            serde.push(format!("rename = {:?}", field.json));
        }
        match field.holding(sent) {
            Holding::Plain => {}
            Holding::Optional => {
                if read {
                    serde.push("default".to_owned());
                }
                if sent && !field.required {
                    serde.push("skip_serializing_if = \"Option::is_none\"".to_owned());
                }
            }
            Holding::Patch => {
                serde.push("default".to_owned());
                serde.push("skip_serializing_if = \"crate::Patch::is_unchanged\"".to_owned());
            }
        }
        if (sent || read) && !serde.is_empty() {
            out.push_str(&format!("    #[serde({})]\n", serde.join(", ")));
        }
        out.push_str(&format!(
            "    pub {}: {},\n",
            field.rust,
            field.rust_type(sent).replace("crate::models::", "")
        ));
    }
    out.push_str("}\n\n");
    if sent {
        let required: Vec<&Field> = fields
            .iter()
            .filter(|f| f.holding(true) == Holding::Plain)
            .collect();
        out.push_str(&format!("impl {name} {{\n"));
        out.push_str(&format!(
            "    /// A `{name}` with the required fields; the others are unset.\n"
        ));
        let args: Vec<String> = required
            .iter()
            .map(|f| format!("{}: {}", f.rust, f.ty.rust.replace("crate::models::", "")))
            .collect();
        if args.len() > 7 {
            out.push_str("    #[allow(clippy::too_many_arguments)]\n");
        }
        out.push_str(&format!("    pub fn new({}) -> Self {{\n", args.join(", ")));
        out.push_str(&format!("        {name} {{\n"));
        for field in fields {
            match field.holding(true) {
                Holding::Plain => out.push_str(&format!("            {},\n", field.rust)),
                Holding::Optional => out.push_str(&format!("            {}: None,\n", field.rust)),
                Holding::Patch => out.push_str(&format!(
                    "            {}: crate::Patch::Unchanged,\n",
                    field.rust
                )),
            }
        }
        out.push_str("        }\n    }\n}\n\n");
    }
}

/// The fields of a request body, flattened for a form (`x-www-form-urlencoded`) body.
pub fn object_fields(types: &Types<'_>, name: &str) -> Vec<Field> {
    match types.models.get(name) {
        Some(Model::Struct { fields, .. }) => fields.clone(),
        _ => Vec::new(),
    }
}

/// The properties of a schema as a map, for callers that need the raw document.
pub fn properties(schema: &Schema) -> Option<&IndexMap<String, ReferenceOr<Box<Schema>>>> {
    match &schema.schema_kind {
        SchemaKind::Type(Type::Object(object)) => Some(&object.properties),
        _ => None,
    }
}
