//! The ureq agent this crate builds: TLS roots, timeouts, and a connection wrapper that keeps
//! an early answer readable when the server stops reading an upload.

use std::cell::Cell;
use std::time::Duration;

use ureq::config::Config;
use ureq::tls::{Certificate, RootCerts, TlsConfig, TlsProvider};
use ureq::unversioned::resolver::DefaultResolver;
use ureq::unversioned::transport::{
    Buffers, ConnectionDetails, Connector, DefaultConnector, NextTimeout, Transport,
};
use ureq::Agent;

use immich_proto::POOL_IDLE_TIMEOUT;

/// What the builder asked for. The per-request settings (read timeout, redirects, status
/// handling) are applied to every request by `Client::call`, on this agent or a shared one.
pub(crate) struct AgentSettings {
    pub connect_timeout: Duration,
    pub extra_roots: Vec<Certificate<'static>>,
    pub accept_invalid_certs: bool,
}

pub(crate) fn build_agent(settings: AgentSettings) -> Agent {
    let mut tls = TlsConfig::builder().provider(TlsProvider::Rustls);
    if settings.accept_invalid_certs {
        tls = tls.disable_verification(true);
    } else if !settings.extra_roots.is_empty() {
        // Added to the bundled roots, not instead of them: a home server's own CA should not
        // stop public servers from working with the same client.
        let mut roots: Vec<Certificate<'static>> = webpki_root_certs::TLS_SERVER_ROOT_CERTS
            .iter()
            .map(|der| Certificate::from_der(der.as_ref()).to_owned())
            .collect();
        roots.extend(settings.extra_roots);
        tls = tls.root_certs(RootCerts::new_with_certs(&roots));
    }
    let config = Config::builder()
        .user_agent(concat!("immich-blocking/", env!("CARGO_PKG_VERSION")))
        .timeout_resolve(Some(settings.connect_timeout))
        .timeout_connect(Some(settings.connect_timeout))
        .max_idle_age(POOL_IDLE_TIMEOUT)
        .tls_config(tls.build())
        .build();
    let connector = DefaultConnector::new().chain(EarlyAnswerConnector);
    Agent::with_parts(config, connector, DefaultResolver::default())
}

thread_local! {
    /// Set when the server closed the connection while we were still sending: ureq runs the
    /// whole exchange on the calling thread, so the upload body reader on this thread can see
    /// it and stop reading the file.
    static PEER_STOPPED_READING: Cell<bool> = const { Cell::new(false) };
}

pub(crate) fn peer_stopped_reading() -> bool {
    PEER_STOPPED_READING.with(Cell::get)
}

pub(crate) fn reset_peer_stopped_reading() {
    PEER_STOPPED_READING.with(|flag| flag.set(false));
}

/// Wraps every connection in [`EarlyAnswerTransport`].
#[derive(Debug)]
struct EarlyAnswerConnector;

impl Connector<Box<dyn Transport>> for EarlyAnswerConnector {
    type Out = EarlyAnswerTransport;

    fn connect(
        &self,
        _details: &ConnectionDetails,
        chained: Option<Box<dyn Transport>>,
    ) -> Result<Option<Self::Out>, ureq::Error> {
        Ok(chained.map(|inner| EarlyAnswerTransport {
            inner,
            peer_closed: false,
        }))
    }
}

/// A server may answer an upload before reading all of it (a duplicate spotted from
/// `x-immich-checksum`, a proxy's 413) and close the connection. ureq sends the whole body
/// before it reads, so the failed write would hide that answer. Here a write that fails
/// because the peer closed is swallowed, later writes are dropped, and ureq goes on to read
/// the answer already waiting in the socket. If there is none, the read fails instead.
#[derive(Debug)]
struct EarlyAnswerTransport {
    inner: Box<dyn Transport>,
    peer_closed: bool,
}

impl Transport for EarlyAnswerTransport {
    fn buffers(&mut self) -> &mut dyn Buffers {
        self.inner.buffers()
    }

    fn transmit_output(&mut self, amount: usize, timeout: NextTimeout) -> Result<(), ureq::Error> {
        if self.peer_closed {
            return Ok(());
        }
        match self.inner.transmit_output(amount, timeout) {
            Err(ureq::Error::Io(e))
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::BrokenPipe
                        | std::io::ErrorKind::ConnectionReset
                        | std::io::ErrorKind::ConnectionAborted
                ) =>
            {
                log::debug!("server closed the connection while we were sending: {e}");
                self.peer_closed = true;
                PEER_STOPPED_READING.with(|flag| flag.set(true));
                Ok(())
            }
            other => other,
        }
    }

    fn await_input(&mut self, timeout: NextTimeout) -> Result<bool, ureq::Error> {
        self.inner.await_input(timeout)
    }

    fn is_open(&mut self) -> bool {
        !self.peer_closed && self.inner.is_open()
    }

    fn is_tls(&self) -> bool {
        self.inner.is_tls()
    }
}
