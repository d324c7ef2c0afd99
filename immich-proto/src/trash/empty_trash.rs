//! `POST /trash/empty`: `emptyTrash`. Permission `asset.delete`.
//!
//! Added in v1 (beta), stable since v2. Newer servers answer `200` with `{"count": n}`
//! (`TrashResponseDto`), the number of assets deleted for good; older ones answered
//! `204 No Content`, so the count is optional.

use bytes::Bytes;
use http::{response, Method, Request};
use serde::Deserialize;

use crate::endpoint::{decode_json, empty_request};
use crate::{Endpoint, Error, Server};

/// Deletes everything in the caller's trash for good.
///
/// ```
/// # use immich_proto::{trash::EmptyTrash, Endpoint, Server};
/// let server = Server::new("http://localhost:2283")?;
/// let request = EmptyTrash::new().request(&server)?;
/// assert_eq!(request.method(), "POST");
/// assert_eq!(request.uri(), "http://localhost:2283/api/trash/empty");
/// # Ok::<(), immich_proto::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct EmptyTrash {}

impl EmptyTrash {
    /// The operation (it takes no arguments).
    pub fn new() -> Self {
        EmptyTrash {}
    }
}

impl Endpoint for EmptyTrash {
    /// How many assets were deleted; `None` when the server did not say (older servers). Signed,
    /// as the document's `TrashResponseDto.count` is (it allows negative values).
    type Output = Option<i64>;
    const OPERATION_ID: &'static str = "emptyTrash";
    const PERMISSION: Option<&'static str> = Some("asset.delete");

    fn request(&self, server: &Server) -> Result<Request<Bytes>, Error> {
        empty_request(server, Method::POST, "/trash/empty", None)
    }

    fn parse(&self, _head: &response::Parts, body: Bytes) -> Result<Option<i64>, Error> {
        #[derive(Deserialize)]
        struct Count {
            count: i64,
        }
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(None);
        }
        decode_json::<Count>(Self::OPERATION_ID, &body).map(|c| Some(c.count))
    }
}
