//! `GET /albums`: `getAllAlbums`. Permission `album.read`.
//!
//! History: added in v1 (beta), stable since v2. The query changed with v3:
//!
//! | parameter | servers | meaning |
//! |---|---|---|
//! | *(none)* | v1.113–v2.7.5 | the caller's **own** albums, shared or not |
//! | *(none)* | v3.0.0+ | every album of the caller: owned, and shared with them |
//! | `shared=true` | v1.113–v2.7.5 | albums shared with the caller, and the caller's albums shared with someone (a member or a shared link) |
//! | `shared=false` | v1.113–v2.7.5 | the caller's albums with no member and no shared link |
//! | `isOwned` | v3.0.0+ | `true`: the caller owns it; `false`: shared with the caller by someone else |
//! | `isShared` | v3.0.0+ | `true`: the album has a member besides its owner or a shared link; `false`: neither |
//! | `assetId` | v1.113+ | the albums (owned or shared with the caller) that hold the asset; **the server then ignores every other parameter** |
//!
//! (Server source: `AlbumService.getAll` and `AlbumRepository.getOwned`/`getShared`/
//! `getNotShared` before v3, `AlbumRepository.getAll` with `isOwned`/`isShared` from v3;
//! `getByAssetId` throughout.) `shared` went away in v3; servers before v3 would silently drop
//! `isOwned`/`isShared` and answer something else, so they are never sent there.
//!
//! Hence this is a [`Flow`] that needs the server version: it sends what the server understands
//! and combines the answers into exactly what v3 would answer to the filters asked for.

use std::collections::HashSet;

use bytes::Bytes;
use http::{response, Method, Request, Response};

use super::Album;
use crate::endpoint::{decode_json, empty_request, parse_response, query_string};
use crate::{AlbumId, AssetId, Endpoint, Error, Flow, Server, Step};

const OPERATION_ID: &str = "getAllAlbums";

/// Lists the albums the caller can see (owned, and shared with them), optionally filtered by
/// an asset they hold, by ownership and by whether they are shared.
///
/// Every filter means what it means on Immich v3 and gives the same answer on every supported
/// server version; the flow picks the requests:
///
/// | filters | v3 | before v3 |
/// |---|---|---|
/// | none | `GET /albums` | `?shared=false`, `?shared=true`, merged |
/// | [`owned(true)`](Self::owned) | `?isOwned=true` | `GET /albums` |
/// | [`owned(false)`](Self::owned) | `?isOwned=false` | `?shared=true` minus `GET /albums` |
/// | [`shared(true)`](Self::shared) | `?isShared=true` | `?shared=true` |
/// | [`shared(false)`](Self::shared) | `?isShared=false` | `?shared=false` |
/// | `owned(true)` + `shared(true)` | `?isOwned=true&isShared=true` | `GET /albums` minus `?shared=false` |
/// | `owned(true)` + `shared(false)` | `?isOwned=true&isShared=false` | `?shared=false` |
/// | `owned(false)` + `shared(true)` | `?isOwned=false&isShared=true` | as `owned(false)` |
/// | `owned(false)` + `shared(false)` | `?isOwned=false&isShared=false` | nothing to ask: an album shared with the caller is shared |
/// | [`asset_id`](Self::asset_id) | `?assetId=` | `?assetId=` |
/// | `asset_id` + filters | `?assetId=` within the filters' answer | the same, with the old-server requests above |
///
/// The answer keeps the server's order (newest album first) and holds each album once. Fails
/// with [`Error::VersionRequired`] while the version is unknown, and with
/// [`Error::InvalidId`] for an asset id the server would refuse, before any request.
///
/// ```
/// use immich_proto::albums::GetAllAlbums;
/// use immich_proto::AssetId;
///
/// # fn main() -> Result<(), immich_proto::Error> {
/// let shared_with_me = GetAllAlbums::new().owned(false);
/// let mine_holding_it = GetAllAlbums::new()
///     .asset_id(AssetId::parse("7f3c0a52-1b2d-4c3e-9f00-0123456789ab")?)
///     .owned(true);
/// # let _ = (shared_with_me, mine_holding_it);
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct GetAllAlbums {
    asset: Option<AssetId>,
    owned: Option<bool>,
    shared: Option<bool>,
    state: State,
}

#[derive(Debug)]
enum State {
    Start,
    /// Waiting for the answer to `plan.queries[answers.len()]`.
    Running {
        plan: Plan,
        answers: Vec<Vec<Album>>,
    },
    Finished,
}

impl GetAllAlbums {
    /// Every album the caller can see, no filter.
    pub fn new() -> Self {
        GetAllAlbums {
            asset: None,
            owned: None,
            shared: None,
            state: State::Start,
        }
    }

    /// Only albums that hold `asset` (the `assetId` parameter, every version).
    ///
    /// The server ignores `isOwned`/`isShared` when `assetId` is given; combined with
    /// [`owned`](Self::owned) or [`shared`](Self::shared), this flow asks for both lists and
    /// keeps the albums in both, so the filters still hold.
    pub fn asset_id(mut self, asset: AssetId) -> Self {
        self.asset = Some(asset);
        self
    }

    /// `true`: only albums the caller owns; `false`: only albums someone else shared with the
    /// caller (v3's `isOwned`; emulated on older servers, see the type's table).
    pub fn owned(mut self, owned: bool) -> Self {
        self.owned = Some(owned);
        self
    }

    /// `true`: only albums with a member besides the owner or a shared link; `false`: only
    /// albums with neither (v3's `isShared`; emulated on older servers, see the type's table).
    pub fn shared(mut self, shared: bool) -> Self {
        self.shared = Some(shared);
        self
    }

    /// The requests for the filters on a server of this generation.
    fn plan(&self, v3: bool) -> Plan {
        let filtered = self.owned.is_some() || self.shared.is_some();
        let filters = if v3 {
            Some(Plan::union(vec![Query::Filters {
                owned: self.owned,
                shared: self.shared,
            }]))
        } else {
            old_server_plan(self.owned, self.shared)
        };
        match (&self.asset, filters) {
            // Nothing can match: no request.
            (_, None) => Plan::nothing(),
            (None, Some(plan)) => plan,
            (Some(asset), _) if !filtered => Plan::union(vec![Query::Asset(asset.clone())]),
            // The server ignores the filters next to `assetId`: intersect the two answers. With
            // a filter set, the filters' plan has a single `union` list.
            (Some(asset), Some(filters)) => Plan {
                union: vec![Query::Asset(asset.clone())],
                within: filters.union,
                except: filters.except,
            },
        }
    }
}

impl Default for GetAllAlbums {
    fn default() -> Self {
        Self::new()
    }
}

/// Before v3: what the v3 filters mean in terms of `?shared=` and the plain list (the caller's
/// own albums); `None` when nothing can match.
///
/// An album shared with the caller always has a member besides its owner (the caller), so it
/// counts as shared; an album shared link can only be made by the album's owner. Hence:
/// owned = plain; shared with me = `shared=true` minus owned; shared = `shared=true`;
/// not shared = `shared=false` (owned, no member, no link); owned and shared = owned minus
/// not shared.
fn old_server_plan(owned: Option<bool>, shared: Option<bool>) -> Option<Plan> {
    let plan = match (owned, shared) {
        (None, None) => Plan::union(vec![Query::Shared(false), Query::Shared(true)]),
        (Some(true), None) => Plan::union(vec![Query::Plain]),
        (Some(false), None | Some(true)) => Plan {
            except: Some(Query::Plain),
            ..Plan::union(vec![Query::Shared(true)])
        },
        (None, Some(true)) => Plan::union(vec![Query::Shared(true)]),
        (None | Some(true), Some(false)) => Plan::union(vec![Query::Shared(false)]),
        (Some(true), Some(true)) => Plan {
            except: Some(Query::Shared(false)),
            ..Plan::union(vec![Query::Plain])
        },
        (Some(false), Some(false)) => return None,
    };
    Some(plan)
}

/// The requests of one listing and how their answers combine: the albums of the `union`
/// lists (each once, first seen first) that are also in every `within` list and not in the
/// `except` list.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Plan {
    union: Vec<Query>,
    within: Vec<Query>,
    except: Option<Query>,
}

impl Plan {
    fn union(union: Vec<Query>) -> Self {
        Plan {
            union,
            within: Vec::new(),
            except: None,
        }
    }

    fn nothing() -> Self {
        Plan::union(Vec::new())
    }

    /// The `n`th request to send, in the order `union`, `within`, `except`.
    fn query(&self, n: usize) -> Option<&Query> {
        self.union
            .iter()
            .chain(&self.within)
            .chain(&self.except)
            .nth(n)
    }

    fn combine(&self, mut answers: Vec<Vec<Album>>) -> Vec<Album> {
        let ids = |albums: Vec<Album>| -> HashSet<AlbumId> {
            albums.into_iter().map(|album| album.id).collect()
        };
        let except = match self.except {
            Some(_) => answers.pop().map(ids).unwrap_or_default(),
            None => HashSet::new(),
        };
        let within: Vec<HashSet<AlbumId>> = answers
            .split_off(self.union.len().min(answers.len()))
            .into_iter()
            .map(ids)
            .collect();
        let mut seen = HashSet::new();
        answers
            .into_iter()
            .flatten()
            .filter(|album| {
                !except.contains(&album.id)
                    && within.iter().all(|list| list.contains(&album.id))
                    && seen.insert(album.id.clone())
            })
            .collect()
    }
}

impl Flow for GetAllAlbums {
    type Output = Vec<Album>;
    const OPERATION_ID: &'static str = OPERATION_ID;

    fn step(
        &mut self,
        server: &Server,
        response: Option<Response<Bytes>>,
    ) -> Result<Step<Vec<Album>>, Error> {
        match (
            std::mem::replace(&mut self.state, State::Finished),
            response,
        ) {
            (State::Start, None) => {
                // Stay at the start when the version is missing, so the caller can set it and retry.
                let version = server.require_version(OPERATION_ID).inspect_err(|_| {
                    self.state = State::Start;
                })?;
                if let Some(asset) = &self.asset {
                    asset.checked(server)?;
                }
                let plan = self.plan(version.is_v3_or_newer());
                self.next(server, plan, Vec::new())
            }
            (State::Running { plan, mut answers }, Some(response)) => {
                let Some(query) = plan.query(answers.len()) else {
                    return Err(super::out_of_order(OPERATION_ID, true));
                };
                answers.push(parse_response(&ListAlbums(query.clone()), response)?);
                self.next(server, plan, answers)
            }
            (_, response) => Err(super::out_of_order(OPERATION_ID, response.is_some())),
        }
    }
}

impl GetAllAlbums {
    /// Sends the next request of `plan`, or combines the answers when all are in.
    fn next(
        &mut self,
        server: &Server,
        plan: Plan,
        answers: Vec<Vec<Album>>,
    ) -> Result<Step<Vec<Album>>, Error> {
        match plan.query(answers.len()) {
            Some(query) => {
                let request = ListAlbums(query.clone()).request(server)?;
                self.state = State::Running { plan, answers };
                Ok(Step::Send(request))
            }
            None => Ok(Step::Done(plan.combine(answers))),
        }
    }
}

/// The query of one `GET /albums` request.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Query {
    /// No parameter.
    Plain,
    /// `assetId` (the server ignores everything else).
    Asset(AssetId),
    /// v3: `isOwned`, `isShared`.
    Filters {
        owned: Option<bool>,
        shared: Option<bool>,
    },
    /// Before v3: `shared`.
    Shared(bool),
}

/// One `GET /albums` request.
#[derive(Debug, Clone)]
struct ListAlbums(Query);

impl Endpoint for ListAlbums {
    type Output = Vec<Album>;
    const OPERATION_ID: &'static str = OPERATION_ID;
    const PERMISSION: Option<&'static str> = Some("album.read");

    fn request(&self, server: &Server) -> Result<Request<Bytes>, Error> {
        let flag = |value: Option<bool>| value.map(|v| v.to_string());
        let query = match &self.0 {
            Query::Plain => String::new(),
            Query::Asset(asset) => {
                query_string([("assetId", Some(asset.checked(server)?.to_owned()))])
            }
            Query::Filters { owned, shared } => {
                query_string([("isOwned", flag(*owned)), ("isShared", flag(*shared))])
            }
            Query::Shared(shared) => query_string([("shared", flag(Some(*shared)))]),
        };
        empty_request(
            server,
            Method::GET,
            "/albums",
            Some(query.as_str()).filter(|q| !q.is_empty()),
        )
    }

    fn parse(&self, _head: &response::Parts, body: Bytes) -> Result<Vec<Album>, Error> {
        decode_json(Self::OPERATION_ID, &body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn asset() -> AssetId {
        AssetId::new_unchecked("a55e7000-0000-4000-8000-000000000001")
    }

    #[test]
    fn every_old_server_plan_avoids_the_v3_filters() {
        for owned in [None, Some(true), Some(false)] {
            for shared in [None, Some(true), Some(false)] {
                let mut flow = GetAllAlbums::new().asset_id(asset());
                flow.owned = owned;
                flow.shared = shared;
                let plan = flow.plan(false);
                let queries: Vec<_> = (0..).map_while(|n| plan.query(n)).collect();
                assert!(
                    queries.iter().all(|q| !matches!(q, Query::Filters { .. })),
                    "{owned:?} {shared:?}: {queries:?}"
                );
                // Shared with me and not shared cannot both hold: nothing is asked.
                assert_eq!(
                    queries.is_empty(),
                    owned == Some(false) && shared == Some(false)
                );
            }
        }
    }

    #[test]
    fn v3_sends_the_filters_as_given() {
        let plan = GetAllAlbums::new().owned(false).shared(false).plan(true);
        assert_eq!(
            plan,
            Plan::union(vec![Query::Filters {
                owned: Some(false),
                shared: Some(false)
            }])
        );
        let plan = GetAllAlbums::new().asset_id(asset()).plan(true);
        assert_eq!(plan, Plan::union(vec![Query::Asset(asset())]));
    }
}
