//! `POST /assets`: `uploadAsset` (TODO upload helper).
