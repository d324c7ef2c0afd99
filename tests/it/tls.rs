//! HTTPS against the test server behind rustls (ring), with a CA and a certificate made here by
//! rcgen: both transports refuse the server without the custom root, accept it with
//! `add_root_certificate_pem`, and accept it with `danger_accept_invalid_certs(true)`. A
//! certificate for another name is refused even with the root.

use std::sync::Arc;

use immich_tests::server::{Options, TestServer};
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// A private CA and a server certificate it signed.
struct Pki {
    ca_pem: String,
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
}

fn make_pki(names: &[&str]) -> Pki {
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "immich-rs test CA");
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_key = KeyPair::generate().unwrap();
    let ca_cert = ca_params.self_signed(&ca_key).unwrap();

    let names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
    let mut leaf_params = CertificateParams::new(names).unwrap();
    leaf_params
        .distinguished_name
        .push(DnType::CommonName, "immich test server");
    let leaf_key = KeyPair::generate().unwrap();
    let issuer = Issuer::from_params(&ca_params, &ca_key);
    let leaf = leaf_params.signed_by(&leaf_key, &issuer).unwrap();
    Pki {
        ca_pem: ca_cert.pem(),
        chain: vec![leaf.der().clone(), ca_cert.der().clone()],
        key: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der())),
    }
}

fn https_server(pki: &Pki) -> TestServer {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(pki.chain.clone(), pki.key.clone_key())
        .unwrap();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    let server = TestServer::start(Options::v3().tls(Arc::new(config)));
    assert!(server.url().starts_with("https://127.0.0.1:"));
    server
}

/// How a client is set up to trust the server.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Trust {
    Default,
    CustomRoot,
    AcceptInvalid,
}

/// `Ok(version)` of `about`, or `Err((is_tls, message))`.
fn tokio_about(server: &TestServer, pki: &Pki, trust: Trust) -> Result<String, (bool, String)> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let mut builder = immich_tokio::Client::builder(&server.url()).api_key(server.api_key());
        builder = match trust {
            Trust::Default => builder,
            Trust::CustomRoot => builder.add_root_certificate_pem(pki.ca_pem.as_bytes()),
            Trust::AcceptInvalid => builder.danger_accept_invalid_certs(true),
        };
        let client = builder.build().map_err(|e| (e.is_tls(), e.to_string()))?;
        client
            .about()
            .await
            .map(|about| about.version)
            .map_err(|e| (e.is_tls(), e.to_string()))
    })
}

fn blocking_about(server: &TestServer, pki: &Pki, trust: Trust) -> Result<String, (bool, String)> {
    let mut builder = immich_blocking::Client::builder(&server.url()).api_key(server.api_key());
    builder = match trust {
        Trust::Default => builder,
        Trust::CustomRoot => builder.add_root_certificate_pem(pki.ca_pem.as_bytes()),
        Trust::AcceptInvalid => builder.danger_accept_invalid_certs(true),
    };
    let client = builder.build().map_err(|e| (e.is_tls(), e.to_string()))?;
    client
        .about()
        .map(|about| about.version)
        .map_err(|e| (e.is_tls(), e.to_string()))
}

type About = fn(&TestServer, &Pki, Trust) -> Result<String, (bool, String)>;

fn check_transport(name: &str, about: About) {
    let pki = make_pki(&["localhost", "127.0.0.1"]);
    let server = https_server(&pki);

    match about(&server, &pki, Trust::Default) {
        Err((true, _)) => {}
        other => panic!("[{name}] an unknown CA must be refused as a TLS error: {other:?}"),
    }
    assert_eq!(
        about(&server, &pki, Trust::CustomRoot),
        Ok("v3.0.0".to_owned()),
        "[{name}] the custom root must be trusted"
    );
    assert_eq!(
        about(&server, &pki, Trust::AcceptInvalid),
        Ok("v3.0.0".to_owned()),
        "[{name}] danger_accept_invalid_certs must accept it"
    );
    // The TLS handshake failure never reached HTTP; the two successes did.
    assert_eq!(server.requests().len(), 2, "[{name}]");

    // Right CA, wrong name: still refused, unless certificates are not checked at all.
    let other = make_pki(&["photos.example.com"]);
    let server = https_server(&other);
    match about(&server, &other, Trust::CustomRoot) {
        Err((true, _)) => {}
        other => panic!("[{name}] a certificate for another name must be refused: {other:?}"),
    }
    assert_eq!(
        about(&server, &other, Trust::AcceptInvalid),
        Ok("v3.0.0".to_owned()),
        "[{name}]"
    );
}

#[test]
fn tls_through_immich_tokio() {
    check_transport("tokio", tokio_about);
}

#[test]
fn tls_through_immich_blocking() {
    check_transport("blocking", blocking_about);
}

/// Both transports trust the same roots: the bundled ones, the system's store and the extra
/// PEM. The system's store is made to hold the test CA (`SSL_CERT_FILE`, which the system
/// store reader honours) in a child process, since the store is read once per process.
#[test]
fn both_transports_trust_the_system_roots() {
    let pki = make_pki(&["127.0.0.1"]);
    let dir = std::env::temp_dir().join(format!("immich-roots-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let ca = dir.join("ca.pem");
    std::fs::write(&ca, &pki.ca_pem).unwrap();
    let server = https_server(&pki);
    let exe = std::env::current_exe().unwrap();
    let run = |cert_file: &std::path::Path| {
        std::process::Command::new(&exe)
            .args([
                "--exact",
                "tls::system_roots_child",
                "--ignored",
                "--nocapture",
            ])
            .env("SSL_CERT_FILE", cert_file)
            .env_remove("SSL_CERT_DIR")
            .env("IMMICH_ROOTS_CHILD_URL", server.url())
            .output()
            .unwrap()
    };
    let trusted = run(&ca);
    let shown = |o: &std::process::Output| {
        format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    };
    assert!(trusted.status.success(), "{}", shown(&trusted));
    assert!(shown(&trusted).contains("1 passed"), "{}", shown(&trusted));
    // Without the CA in the system store, both refuse (the child's checks fail).
    let empty = dir.join("none.pem");
    std::fs::write(&empty, "").unwrap();
    let refused = run(&empty);
    assert!(!refused.status.success(), "{}", shown(&refused));
    let _ = std::fs::remove_dir_all(&dir);
}

/// Run by `both_transports_trust_the_system_roots` in a child process.
#[test]
#[ignore = "run by both_transports_trust_the_system_roots with SSL_CERT_FILE set"]
fn system_roots_child() {
    let Ok(url) = std::env::var("IMMICH_ROOTS_CHILD_URL") else {
        return;
    };
    let blocking = immich_blocking::Client::builder(&url).build().unwrap();
    blocking
        .ping()
        .expect("immich-blocking trusts the system's roots");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let tokio_client = immich_tokio::Client::builder(&url).build().unwrap();
    runtime
        .block_on(tokio_client.ping())
        .expect("immich-tokio trusts the system's roots");
}
