//! The server's answers as received, beside their typed decode: for output that must say what
//! the server said (a command-line tool's `--json`). Re-serialising a typed model is not that:
//! it fills in defaults (`"assets": []`, `"owner": null`) for fields the server never sent.
//!
//! [`AsReceived`] wraps any [`Flow`] (a [`Single`](crate::Single) endpoint, a
//! [`Pager`](crate::Pager), a composite listing) and keeps every successful answer's JSON;
//! [`Received::items`] then picks, for each typed item, the object the server sent for it.

use std::collections::{HashMap, VecDeque};

use bytes::Bytes;
use http::Response;
use serde_json::Value;

use crate::endpoint::{Flow, Step};
use crate::{Error, Server};

/// A flow's typed result and the JSON of the answers it was made from.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Received<T> {
    /// The typed result, as the wrapped flow returns it.
    pub typed: T,
    /// Each successful answer's body as JSON, in the order received (an empty body is `null`).
    pub answers: Vec<Value>,
}

impl<T> Received<T> {
    /// The one answer of a single request, as received (`null` when there was none).
    pub fn answer(&self) -> Value {
        self.answers.first().cloned().unwrap_or(Value::Null)
    }

    /// The same answers with the typed result changed by `f` (e.g. a page into its items).
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Received<U> {
        Received {
            typed: f(self.typed),
            answers: self.answers,
        }
    }

    /// For each id, in order, the object with that `"id"` the server sent: searched breadth
    /// first through every answer, so an item of a list is found before an object of the same id
    /// nested deeper. The typed result decides which items and in what order (a flow may
    /// filter, merge or reorder); the server's objects are what is shown. An id no answer holds
    /// is left out.
    pub fn items<'a>(&self, ids: impl IntoIterator<Item = &'a str>) -> Vec<Value> {
        let by_id = objects_by_id(&self.answers);
        ids.into_iter()
            .filter_map(|id| by_id.get(id).map(|object| (*object).clone()))
            .collect()
    }
}

/// Every object with a string `"id"` in `answers`, the shallowest (then first) for each id.
fn objects_by_id(answers: &[Value]) -> HashMap<&str, &Value> {
    let mut found: HashMap<&str, &Value> = HashMap::new();
    let mut queue: VecDeque<&Value> = answers.iter().collect();
    while let Some(value) = queue.pop_front() {
        match value {
            Value::Object(object) => {
                if let Some(Value::String(id)) = object.get("id") {
                    found.entry(id.as_str()).or_insert(value);
                }
                queue.extend(object.values());
            }
            Value::Array(items) => queue.extend(items),
            _ => {}
        }
    }
    found
}

/// Runs the flow `F` and keeps its answers' JSON: the output is [`Received`]`<F::Output>`.
#[derive(Debug, Clone)]
pub struct AsReceived<F> {
    flow: F,
    answers: Vec<Value>,
}

impl<F: Flow> AsReceived<F> {
    /// Wraps `flow`.
    pub fn new(flow: F) -> Self {
        AsReceived {
            flow,
            answers: Vec::new(),
        }
    }
}

impl<F: Flow> Flow for AsReceived<F> {
    type Output = Received<F::Output>;
    const OPERATION_ID: &'static str = F::OPERATION_ID;

    fn step(
        &mut self,
        server: &Server,
        response: Option<Response<Bytes>>,
    ) -> Result<Step<Self::Output>, Error> {
        // Kept only once the wrapped flow accepted the answer (a success it could decode).
        let body = response
            .as_ref()
            .filter(|r| r.status().is_success())
            .map(|r| r.body().clone());
        let step = self.flow.step(server, response)?;
        if let Some(body) = body {
            let json = if body.is_empty() {
                Value::Null
            } else {
                crate::decode_json(F::OPERATION_ID, &body)?
            };
            self.answers.push(json);
        }
        Ok(match step {
            Step::Send(request) => Step::Send(request),
            Step::Done(typed) => Step::Done(Received {
                typed,
                answers: std::mem::take(&mut self.answers),
            }),
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::albums::GetAlbumInfo;
    use crate::{AlbumId, Single};

    #[test]
    fn keeps_the_answer_as_sent_beside_the_typed_decode() {
        let server = Server::new("http://photos.local").unwrap();
        let id = "0000a1b0-0000-4000-8000-000000000001";
        let sent = json!({
            "id": id, "albumName": "Trip", "assetCount": 6, "shared": false,
            "createdAt": "2024-01-01T00:00:00.000Z", "updatedAt": "2024-01-01T00:00:00.000Z",
            "albumThumbnailAssetId": null, "description": "", "hasSharedLink": false,
            "isActivityEnabled": true, "albumUsers": []
        });
        let mut flow = AsReceived::new(Single(GetAlbumInfo::new(AlbumId::parse(id).unwrap())));
        assert!(matches!(flow.step(&server, None), Ok(Step::Send(_))));
        let answer = Response::new(Bytes::from(sent.to_string()));
        let Ok(Step::Done(received)) = flow.step(&server, Some(answer)) else {
            panic!("not done")
        };
        assert_eq!(received.typed.album_name, "Trip");
        assert_eq!(received.answer(), sent);
        // What re-serialising the model would add, the answer does not have.
        assert!(received.answer().get("assets").is_none());
    }

    #[test]
    fn items_follow_the_typed_order_and_prefer_list_entries() {
        let received = Received {
            typed: (),
            answers: vec![
                json!({"assets": {"items": [
                    {"id": "a", "stack": {"id": "s"}},
                    {"id": "b", "owner": {"id": "a", "name": "nested"}}
                ]}}),
                json!([{"id": "c"}]),
            ],
        };
        assert_eq!(
            received.items(["c", "a", "missing"]),
            [json!({"id": "c"}), json!({"id": "a", "stack": {"id": "s"}})]
        );
    }
}
