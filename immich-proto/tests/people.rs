//! People area: the paged list (`hasNextPage`), one person, the count, thumbnails, filtering.

#[path = "support/golden.rs"]
mod support;

use immich_proto::people::{
    filter_people_by_name, GetAllPeople, GetPerson, GetPersonThumbnail, PeopleCount,
};
use immich_proto::{
    parse_response, Date, Endpoint, Error, MediaEndpoint, Pager, PersonId, MAX_PAGE_SIZE,
};
use support::{assert_request, get, ok, ok_fixture, run_flow, server, v1, v3, KEY};

const PEOPLE: &str = "http://immich.test:2283/api/people";
const PERSON: &str = "9e0f0000-0000-4000-8000-000000000011";
/// A valid UUID that is not version 4: fine for old servers, refused for v3.
const V7: &str = "01890a5d-ac96-774b-bcce-b302099a8057";

#[test]
fn golden_requests() {
    let id = PersonId::parse(PERSON).unwrap();
    for server in [server(None), v1(), v3()] {
        assert_request(
            &GetAllPeople::new().request(&server).unwrap(),
            &get(&format!("{PEOPLE}?page=1&size=1000")),
        );
        assert_request(
            &GetAllPeople::new()
                .size(250)
                .unwrap()
                .page(4)
                .unwrap()
                .with_hidden(false)
                .include_unnamed(true)
                .request(&server)
                .unwrap(),
            &get(&format!("{PEOPLE}?page=4&size=250&withHidden=false")),
        );
        assert_request(
            &PeopleCount::new().request(&server).unwrap(),
            &get(&format!("{PEOPLE}?page=1&size=1")),
        );
        assert_request(
            &PeopleCount::new()
                .with_hidden(true)
                .request(&server)
                .unwrap(),
            &get(&format!("{PEOPLE}?page=1&size=1&withHidden=true")),
        );
        assert_request(
            &GetPerson::new(id.clone()).request(&server).unwrap(),
            &get(&format!("{PEOPLE}/{PERSON}")),
        );
        let thumbnail = GetPersonThumbnail::new(id.clone())
            .request(&server)
            .unwrap();
        assert_eq!(thumbnail.method(), "GET");
        assert_eq!(thumbnail.uri(), &*format!("{PEOPLE}/{PERSON}/thumbnail"));
        let mut headers: Vec<_> = thumbnail
            .headers()
            .iter()
            .map(|(k, v)| (k.as_str(), v.to_str().unwrap(), v.is_sensitive()))
            .collect();
        headers.sort();
        assert_eq!(
            headers,
            [("accept", "*/*", false), ("x-api-key", KEY, true)]
        );
        assert!(thumbnail.body().is_empty());
    }
    assert_eq!(
        (GetAllPeople::OPERATION_ID, GetAllPeople::PERMISSION),
        ("getAllPeople", Some("person.read"))
    );
    assert_eq!(
        (PeopleCount::OPERATION_ID, PeopleCount::PERMISSION),
        ("getAllPeople", Some("person.read"))
    );
    assert_eq!(
        (GetPerson::OPERATION_ID, GetPerson::PERMISSION),
        ("getPerson", Some("person.read"))
    );
    assert_eq!(
        (
            <GetPersonThumbnail as MediaEndpoint>::OPERATION_ID,
            <GetPersonThumbnail as MediaEndpoint>::PERMISSION
        ),
        ("getPersonThumbnail", Some("person.read"))
    );
}

#[test]
fn page_sizes_above_1000_are_refused() {
    assert_eq!(GetAllPeople::new().size, MAX_PAGE_SIZE);
    assert!(GetAllPeople::new().size(1000).is_ok());
    for bad in [0, 1001, u32::MAX] {
        assert!(
            matches!(
                GetAllPeople::new().size(bad),
                Err(Error::InvalidInput {
                    what: "page size",
                    ..
                })
            ),
            "{bad}"
        );
    }
    // The public field can be set directly; the request still refuses it.
    let mut endpoint = GetAllPeople::new();
    endpoint.size = 5000;
    assert!(matches!(
        endpoint.request(&v3()),
        Err(Error::InvalidInput { .. })
    ));
    assert!(GetAllPeople::new().page(0).is_err());
}

#[test]
fn bad_ids_fail_before_a_request_exists() {
    for bad in ["", "../admin", "9e0f0000-0000-4000-8000-00000000001/"] {
        let id = PersonId::new_unchecked(bad);
        assert!(matches!(
            GetPerson::new(id.clone()).request(&v1()),
            Err(Error::InvalidId { kind: "person", .. })
        ));
        assert!(matches!(
            GetPersonThumbnail::new(id).request(&v1()),
            Err(Error::InvalidId { kind: "person", .. })
        ));
    }
    let id = PersonId::parse(V7).unwrap();
    assert!(GetPerson::new(id.clone()).request(&v1()).is_ok());
    assert!(GetPerson::new(id.clone()).request(&v3()).is_err());
    assert!(GetPersonThumbnail::new(id).request(&v3()).is_err());
}

#[test]
fn people_from_an_old_server() {
    let page = parse_response(
        &GetAllPeople::new(),
        ok_fixture("people/getAllPeople.v1_118.json"),
    )
    .unwrap();
    let names: Vec<_> = page.people.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["Ann", "Carl"], "the unnamed person is left out");
    assert_eq!((page.total, page.hidden, page.page_len), (3, 0, 3));
    assert_eq!(page.has_next_page, Some(false));
    assert_eq!(page.people[0].birth_date, Date::new(1985, 7, 14));
    assert_eq!(page.people[0].is_favorite, None);
    assert_eq!(page.people[0].color, None);

    let all = parse_response(
        &GetAllPeople::new().include_unnamed(true),
        ok_fixture("people/getAllPeople.v1_118.json"),
    )
    .unwrap();
    assert_eq!(all.people.len(), 3);

    let person = parse_response(
        &GetPerson::new(PersonId::parse(PERSON).unwrap()),
        ok_fixture("people/getPerson.v1_118.json"),
    )
    .unwrap();
    assert_eq!(person.name, "Ann");
    assert!(person.updated_at.is_some());
}

#[test]
fn people_from_v3_with_unknown_fields() {
    let page = parse_response(
        &GetAllPeople::new().include_unnamed(true),
        ok_fixture("people/getAllPeople.v3.page2.json"),
    )
    .unwrap();
    assert_eq!(page.has_next_page, Some(true));
    assert!(page.people[1].is_hidden);
    let person = parse_response(
        &GetPerson::new(PersonId::parse(PERSON).unwrap()),
        ok_fixture("people/getPerson.v3.json"),
    )
    .unwrap();
    assert_eq!(person.is_favorite, Some(true));
    assert_eq!(person.color.as_deref(), Some("#ff0000"));
    assert_eq!(person.birth_date, Date::new(1985, 7, 14));
    assert_eq!(person.thumbnail_path, "/data/thumbs/admin/p1.jpeg");
}

#[test]
fn a_bad_birth_date_names_its_path() {
    let body = r#"{"total":1,"hidden":0,"people":[{"id":"9e0f0000-0000-4000-8000-000000000011",
        "name":"Ann","birthDate":"14.07.1985","thumbnailPath":"","isHidden":false}]}"#;
    match parse_response(&GetAllPeople::new(), ok(body)).unwrap_err() {
        Error::Decode(e) => {
            assert_eq!(e.operation, "getAllPeople");
            assert_eq!(e.path, "people[0].birthDate");
        }
        other => panic!("{other:?}"),
    }
}

const PAGE1: &str = "http://immich.test:2283/api/people?page=1&size=2";
const PAGE2: &str = "http://immich.test:2283/api/people?page=2&size=2";
const PAGE3: &str = "http://immich.test:2283/api/people?page=3&size=2";

fn three_v3_pages() -> Vec<(support::Expect<'static>, http::Response<bytes::Bytes>)> {
    vec![
        (get(PAGE1), ok_fixture("people/getAllPeople.v3.page1.json")),
        (get(PAGE2), ok_fixture("people/getAllPeople.v3.page2.json")),
        (get(PAGE3), ok_fixture("people/getAllPeople.v3.page3.json")),
    ]
}

#[test]
fn people_page_by_has_next_page_to_the_end() {
    let first = GetAllPeople::new().size(2).unwrap();
    let named = run_flow(&mut Pager::new(first.clone()), &v3(), three_v3_pages()).unwrap();
    let names: Vec<_> = named.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["Ann", "Bob", "Joanna"]);

    let everyone = run_flow(
        &mut Pager::new(first.include_unnamed(true)),
        &v3(),
        three_v3_pages(),
    )
    .unwrap();
    assert_eq!(everyone.len(), 5);
}

#[test]
fn a_limit_cuts_the_last_people_page() {
    let mut pager =
        Pager::new(GetAllPeople::new().size(2).unwrap().include_unnamed(true)).with_limit(3);
    let mut transcript = three_v3_pages();
    transcript.truncate(2);
    let people = run_flow(&mut pager, &v3(), transcript).unwrap();
    let names: Vec<_> = people.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["Ann", "", "Bob"]);
}

#[test]
fn without_has_next_page_a_short_page_is_the_last() {
    let person = |n: u32| {
        format!(
            r#"{{"id":"9e0f0000-0000-4000-8000-00000000003{n}","name":"P{n}","birthDate":null,"thumbnailPath":"","isHidden":false}}"#
        )
    };
    let page = |people: &[u32]| {
        let list: Vec<_> = people.iter().map(|n| person(*n)).collect();
        ok(format!(
            r#"{{"total":3,"hidden":0,"people":[{}]}}"#,
            list.join(",")
        ))
    };
    let people = run_flow(
        &mut Pager::new(GetAllPeople::new().size(2).unwrap()),
        &v1(),
        vec![(get(PAGE1), page(&[1, 2])), (get(PAGE2), page(&[3]))],
    )
    .unwrap();
    assert_eq!(people.len(), 3);

    // A server that ignores paging sends everyone at once: longer than asked, so no page 2.
    let people = run_flow(
        &mut Pager::new(GetAllPeople::new().size(2).unwrap()),
        &v1(),
        vec![(get(PAGE1), page(&[1, 2, 3]))],
    )
    .unwrap();
    assert_eq!(people.len(), 3);
}

#[test]
fn people_count_reads_total() {
    let count = parse_response(
        &PeopleCount::new(),
        ok_fixture("people/getAllPeople.v3.page1.json"),
    )
    .unwrap();
    assert_eq!(count, 5);
    let old = parse_response(
        &PeopleCount::new(),
        ok_fixture("people/getAllPeople.v1_118.json"),
    )
    .unwrap();
    assert_eq!(old, 3);
    assert!(matches!(
        parse_response(&PeopleCount::new(), ok(r#"{"people":[]}"#)),
        Err(Error::Decode(_))
    ));
}

#[test]
fn filter_by_name_ignores_case_and_matches_inside() {
    let page = parse_response(
        &GetAllPeople::new().include_unnamed(true),
        ok_fixture("people/getAllPeople.v3.page2.json"),
    )
    .unwrap();
    let found: Vec<_> = filter_people_by_name(&page.people, "ANN")
        .into_iter()
        .map(|p| p.name.as_str())
        .collect();
    assert_eq!(found, ["Joanna"]);
    assert_eq!(filter_people_by_name(&page.people, "o").len(), 2);
    assert!(filter_people_by_name(&page.people, "zed").is_empty());
}

#[test]
fn a_page_of_only_unnamed_people_does_not_end_the_listing() {
    let page = |n: u32, name: &str, more: bool| {
        ok(format!(
            r#"{{"total":2,"hidden":0,"hasNextPage":{more},"people":[{{"id":"9e0f0000-0000-4000-8000-00000000004{n}","name":"{name}","birthDate":null,"thumbnailPath":"","isHidden":false}}]}}"#
        ))
    };
    let first = GetAllPeople::new().size(1).unwrap();
    let transcript = vec![
        (
            get("http://immich.test:2283/api/people?page=1&size=1"),
            page(1, "", true),
        ),
        (
            get("http://immich.test:2283/api/people?page=2&size=1"),
            page(2, "Zoe", false),
        ),
    ];
    let named = run_flow(&mut Pager::new(first), &v3(), transcript).unwrap();
    let names: Vec<_> = named.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["Zoe"]);
}
