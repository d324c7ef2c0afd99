// The body of both transports' `tests/warnings.rs`, included after each one imports its own
// `Client`: the builder and its warnings are the same in both.

use std::sync::Mutex;


struct Capture(Mutex<Vec<(log::Level, String)>>);

impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }
    fn log(&self, record: &log::Record<'_>) {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((record.level(), record.args().to_string()));
    }
    fn flush(&self) {}
}

static CAPTURE: Capture = Capture(Mutex::new(Vec::new()));

/// The warnings logged while `build` runs.
fn warnings_of(build: impl FnOnce()) -> Vec<String> {
    CAPTURE.0.lock().unwrap_or_else(|e| e.into_inner()).clear();
    build();
    let records = CAPTURE.0.lock().unwrap_or_else(|e| e.into_inner());
    records
        .iter()
        .filter(|(level, _)| *level == log::Level::Warn)
        .map(|(_, line)| line.clone())
        .collect()
}

#[test]
fn plain_http_credentials_and_unchecked_certificates_warn_once() {
    log::set_logger(&CAPTURE).unwrap();
    log::set_max_level(log::LevelFilter::Trace);
    let key = "very-secret-key-4711";

    let plain = warnings_of(|| {
        let client = Client::new("http://photos.example.com:2283", key).unwrap();
        drop(client.clone());
    });
    assert_eq!(plain.len(), 1, "{plain:?}");
    assert!(plain[0].contains("plain http://"), "{plain:?}");
    assert!(!plain[0].contains(key));

    for quiet in [
        "http://127.0.0.1:2283",
        "http://localhost:2283",
        "http://[::1]:2283",
        "https://photos.example.com",
    ] {
        let none = warnings_of(|| drop(Client::new(quiet, key).unwrap()));
        assert!(none.is_empty(), "{quiet}: {none:?}");
    }
    // No credential: nothing to leak.
    let none = warnings_of(|| {
        drop(
            Client::builder("http://photos.example.com")
                .build()
                .unwrap(),
        )
    });
    assert!(none.is_empty(), "{none:?}");

    let insecure = warnings_of(|| {
        drop(
            Client::builder("https://photos.example.com")
                .api_key(key)
                .danger_accept_invalid_certs(true)
                .build()
                .unwrap(),
        )
    });
    assert_eq!(insecure.len(), 1, "{insecure:?}");
    assert!(insecure[0].contains("not checked"), "{insecure:?}");
}
