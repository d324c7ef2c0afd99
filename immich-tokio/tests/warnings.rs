//! A credential over plain http:// to another machine, and certificates not checked, are
//! warned about through `log`, once per client, without the credential. No request is sent.

use immich_tokio::Client;

include!("../../tests/shared/client_warnings.rs");
