//! People: faces the server recognised, named or not.

mod get_all_people;
mod get_person_thumbnail;
mod model;
mod people_count;

pub(crate) use get_all_people::check_page_size;
pub use get_all_people::GetAllPeople;
pub use get_person_thumbnail::GetPersonThumbnail;
pub use model::{filter_people_by_name, PeoplePage, Person};
pub use people_count::PeopleCount;

// The generated operations of this area (`cargo xtask gen`).
include!("operations.rs");
