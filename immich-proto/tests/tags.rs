//! Tags area: list, read one, filter by name.

#[path = "support/golden.rs"]
mod support;

use immich_proto::tags::{filter_tags_by_name, GetAllTags, GetTagById};
use immich_proto::{parse_response, DateTime, Endpoint, Error, TagId};
use support::{assert_request, get, ok_fixture, server, v1, v3};

const TAG: &str = "7a900000-0000-4000-8000-000000000003";
/// A valid UUID that is not version 4: fine for old servers, refused for v3.
const V7_TAG: &str = "01890a5d-ac96-774b-bcce-b302099a8057";

#[test]
fn golden_requests() {
    for server in [server(None), v1(), v3()] {
        assert_request(
            &GetAllTags::new().request(&server).unwrap(),
            &get("http://immich.test:2283/api/tags"),
        );
        assert_request(
            &GetTagById::new(TagId::parse(TAG).unwrap())
                .request(&server)
                .unwrap(),
            &get(&format!("http://immich.test:2283/api/tags/{TAG}")),
        );
    }
    assert_eq!(
        (GetAllTags::OPERATION_ID, GetAllTags::PERMISSION),
        ("getAllTags", Some("tag.read"))
    );
    assert_eq!(
        (GetTagById::OPERATION_ID, GetTagById::PERMISSION),
        ("getTagById", Some("tag.read"))
    );
}

#[test]
fn bad_ids_fail_before_a_request_exists() {
    for bad in ["", "../admin", "7a900000-0000-4000-8000-00000000000/"] {
        let err = GetTagById::new(TagId::new_unchecked(bad))
            .request(&v1())
            .unwrap_err();
        assert!(
            matches!(err, Error::InvalidId { kind: "tag", .. }),
            "{bad}: {err:?}"
        );
    }
    let id = TagId::parse(V7_TAG).unwrap();
    assert!(GetTagById::new(id.clone()).request(&v1()).is_ok());
    assert!(matches!(
        GetTagById::new(id).request(&v3()),
        Err(Error::InvalidId { .. })
    ));
}

#[test]
fn tags_old_and_v3() {
    let old = parse_response(
        &GetAllTags::new(),
        ok_fixture("tags/getAllTags.v1_118.json"),
    )
    .unwrap();
    assert_eq!(old.len(), 2);
    assert_eq!(old[0].color, None);
    assert_eq!(old[0].parent_id, None);
    assert_eq!(old[1].value, "Travel/Paris");
    assert_eq!(old[1].parent_id, Some(old[0].id.clone()));

    let new = parse_response(&GetAllTags::new(), ok_fixture("tags/getAllTags.v3.json")).unwrap();
    assert_eq!(new.len(), 3);
    assert_eq!(new[0].color.as_deref(), Some("#ff0000"));
    assert_eq!(new[2].color, None);
    assert_eq!(new[2].created_at, DateTime::parse("2025-03-03T00:00:00Z"));
}

#[test]
fn tag_by_id() {
    let tag = parse_response(
        &GetTagById::new(TagId::parse(TAG).unwrap()),
        ok_fixture("tags/getTagById.v3.json"),
    )
    .unwrap();
    assert_eq!(tag.id.as_str(), TAG);
    assert_eq!(tag.name, "Rome");
    assert_eq!(tag.color.as_deref(), Some("#00aa00"));
}

#[test]
fn filter_by_name_ignores_case_and_matches_the_path() {
    let tags = parse_response(&GetAllTags::new(), ok_fixture("tags/getAllTags.v3.json")).unwrap();
    let names = |needle| {
        filter_tags_by_name(&tags, needle)
            .into_iter()
            .map(|t| t.name.as_str())
            .collect::<Vec<_>>()
    };
    assert_eq!(names("ROM"), ["Rome"]);
    assert_eq!(names("travel"), ["Travel", "Rome"]);
    assert_eq!(names("fam"), ["Family"]);
    assert!(names("zzz").is_empty());
    assert_eq!(names("").len(), 3);
}
