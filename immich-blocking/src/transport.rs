//! The ureq agent this crate builds: TLS roots, timeouts, and a connection wrapper that keeps
//! an early answer readable when the server stops reading an upload.

use std::cell::Cell;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use ureq::config::Config;
use ureq::http::uri::{Authority, Scheme};
use ureq::http::Uri;
use ureq::tls::{Certificate, RootCerts, TlsConfig, TlsProvider};
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
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
    } else {
        // The same roots as immich-tokio: Mozilla's bundled list, the system's store, and
        // the extra CAs (added to the others, not instead of them: a home server's own CA
        // should not stop public servers from working with the same client).
        let mut roots: Vec<Certificate<'static>> = webpki_root_certs::TLS_SERVER_ROOT_CERTS
            .iter()
            .map(|der| Certificate::from_der(der.as_ref()).to_owned())
            .collect();
        roots.extend(system_roots().iter().cloned());
        roots.extend(settings.extra_roots);
        tls = tls.root_certs(RootCerts::new_with_certs(&roots));
    }
    let config = Config::builder()
        .user_agent(concat!("immich-blocking/", env!("CARGO_PKG_VERSION")))
        .timeout_resolve(Some(settings.connect_timeout))
        .timeout_connect(Some(settings.connect_timeout))
        // ureq's default 128 KiB receive buffer is a large block, which glibc places 16 bytes
        // into a page, where the kernel's copy into it runs slowly (see `upload::in_step`):
        // a 1 GiB download took 1.07 s with it and 0.69 s with 64 KiB (curl: 0.64 s).
        .input_buffer_size(RECEIVE_BUFFER)
        .max_idle_age(POOL_IDLE_TIMEOUT)
        // ureq keeps 3 idle connections per host: threads sharing a client (a grid of
        // thumbnails, parallel uploads) then close the rest after each request and connect
        // anew (16 threads, 2,000 thumbnails: 33 connections instead of 16).
        .max_idle_connections_per_host(POOL_PER_HOST)
        .max_idle_connections(POOL_PER_HOST * 2)
        .tls_config(tls.build())
        // Not ureq's own reading of the environment (it takes `ALL_PROXY`, `HTTPS_PROXY` or
        // `HTTP_PROXY` for every URL): `Client::call` sets each request's proxy as the core's
        // `ProxyEnv` decides, the same rules as immich-tokio.
        .proxy(None)
        .build();
    let connector = DefaultConnector::new().chain(EarlyAnswerConnector);
    Agent::with_parts(
        config,
        connector,
        CachingResolver::new(DefaultResolver::default()),
    )
}

/// The system's trusted roots, read once per process (reading the store takes a few
/// milliseconds); unreadable entries are skipped, as immich-tokio does.
fn system_roots() -> &'static [Certificate<'static>] {
    static ROOTS: std::sync::OnceLock<Vec<Certificate<'static>>> = std::sync::OnceLock::new();
    ROOTS.get_or_init(|| {
        let found = rustls_native_certs::load_native_certs();
        if !found.errors.is_empty() {
            log::debug!(
                "some system root certificates could not be read: {:?}",
                found.errors
            );
        }
        found
            .certs
            .iter()
            .map(|der| Certificate::from_der(der.as_ref()).to_owned())
            .collect()
    })
}

/// The receive buffer of each connection: room for any response head, and small enough to
/// come from the heap rather than from `mmap` (see the agent's configuration).
const RECEIVE_BUFFER: usize = 64 * 1024;

/// Idle connections kept per host: as many as the threads that commonly share one client.
const POOL_PER_HOST: usize = 16;

/// How long a resolved host name is reused.
const RESOLVE_CACHE_TTL: Duration = Duration::from_secs(30);
/// How many host names the cache remembers.
const RESOLVE_CACHE_ENTRIES: usize = 8;

/// ureq resolves the host before every request, also one that then reuses a pooled
/// connection, and with a resolve timeout it does so on a new thread: a thread and a name
/// lookup per request (on the benchmark machine, 2,000 `GET /server/about` took 0.59 s instead
/// of 0.12 s). This resolver remembers each host's addresses for [`RESOLVE_CACHE_TTL`], so a
/// run of requests to one server costs one lookup; a failed lookup is not remembered.
#[derive(Debug)]
struct CachingResolver<R> {
    inner: R,
    cache: Mutex<Vec<CachedAddrs>>,
}

#[derive(Debug)]
struct CachedAddrs {
    scheme: Option<Scheme>,
    authority: Option<Authority>,
    resolved_at: Instant,
    addrs: ResolvedSocketAddrs,
}

impl CachedAddrs {
    fn is_for(&self, uri: &Uri) -> bool {
        self.scheme.as_ref() == uri.scheme() && self.authority.as_ref() == uri.authority()
    }
}

impl<R> CachingResolver<R> {
    fn new(inner: R) -> Self {
        CachingResolver {
            inner,
            cache: Mutex::new(Vec::new()),
        }
    }
}

impl<R: Resolver> Resolver for CachingResolver<R> {
    fn resolve(
        &self,
        uri: &Uri,
        config: &Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let now = Instant::now();
        if let Ok(cache) = self.cache.lock() {
            let fresh = cache.iter().find(|entry| {
                entry.is_for(uri) && now.duration_since(entry.resolved_at) < RESOLVE_CACHE_TTL
            });
            if let Some(entry) = fresh {
                return Ok(entry.addrs.clone());
            }
        }
        let addrs = self.inner.resolve(uri, config, timeout)?;
        if let Ok(mut cache) = self.cache.lock() {
            cache.retain(|entry| !entry.is_for(uri));
            if cache.len() >= RESOLVE_CACHE_ENTRIES {
                cache.remove(0);
            }
            cache.push(CachedAddrs {
                scheme: uri.scheme().cloned(),
                authority: uri.authority().cloned(),
                resolved_at: now,
                addrs: addrs.clone(),
            });
        }
        Ok(addrs)
    }
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
            Err(ureq::Error::Io(e)) if immich_proto::transport::server_hung_up(e.kind()) => {
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

#[cfg(test)]
mod tests {
    use std::net::SocketAddr;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    /// Resolves every host to 127.0.0.1:port, counting the lookups; fails for `nowhere`.
    #[derive(Debug, Default)]
    struct Counting(AtomicUsize);

    impl Resolver for Counting {
        fn resolve(
            &self,
            uri: &Uri,
            _config: &Config,
            _timeout: NextTimeout,
        ) -> Result<ResolvedSocketAddrs, ureq::Error> {
            self.0.fetch_add(1, Ordering::SeqCst);
            if uri.host() == Some("nowhere") {
                return Err(ureq::Error::HostNotFound);
            }
            let mut addrs = self.empty();
            addrs.push(SocketAddr::from((
                [127, 0, 0, 1],
                uri.port_u16().unwrap_or(80),
            )));
            Ok(addrs)
        }
    }

    fn lookup(
        resolver: &CachingResolver<Counting>,
        url: &str,
    ) -> Result<Vec<SocketAddr>, ureq::Error> {
        let timeout = NextTimeout::default();
        let uri: Uri = url.parse().unwrap();
        let addrs = resolver.resolve(&uri, &Config::default(), timeout)?;
        Ok(addrs.iter().copied().collect())
    }

    #[test]
    fn the_pool_keeps_a_connection_per_thread_of_a_grid() {
        let agent = build_agent(AgentSettings {
            connect_timeout: Duration::from_secs(5),
            extra_roots: Vec::new(),
            accept_invalid_certs: true,
        });
        assert_eq!(agent.config().max_idle_connections_per_host(), 16);
        assert!(agent.config().max_idle_connections() >= 16);
    }

    #[test]
    fn caching_resolver_looks_a_host_up_once() {
        let resolver = CachingResolver::new(Counting::default());
        let first = lookup(&resolver, "http://photos.local:2283/api/server/about").unwrap();
        let again = lookup(&resolver, "http://photos.local:2283/api/assets").unwrap();
        assert_eq!(first, again);
        assert_eq!(first, vec![SocketAddr::from(([127, 0, 0, 1], 2283))]);
        assert_eq!(resolver.inner.0.load(Ordering::SeqCst), 1);
        // Another port or scheme is another entry.
        lookup(&resolver, "http://photos.local:2284/api").unwrap();
        lookup(&resolver, "https://photos.local:2283/api").unwrap();
        assert_eq!(resolver.inner.0.load(Ordering::SeqCst), 3);
        // Failures are not remembered.
        assert!(lookup(&resolver, "http://nowhere/api").is_err());
        assert!(lookup(&resolver, "http://nowhere/api").is_err());
        assert_eq!(resolver.inner.0.load(Ordering::SeqCst), 5);
    }

    #[test]
    fn caching_resolver_forgets_old_entries() {
        let resolver = CachingResolver::new(Counting::default());
        lookup(&resolver, "http://a.local/").unwrap();
        if let Ok(mut cache) = resolver.cache.lock() {
            let long_ago = Instant::now().checked_sub(RESOLVE_CACHE_TTL + Duration::from_secs(1));
            cache[0].resolved_at = long_ago.unwrap_or(cache[0].resolved_at);
        }
        lookup(&resolver, "http://a.local/").unwrap();
        assert_eq!(resolver.inner.0.load(Ordering::SeqCst), 2);
        for i in 0..RESOLVE_CACHE_ENTRIES + 3 {
            lookup(&resolver, &format!("http://host{i}.local/")).unwrap();
        }
        assert_eq!(resolver.cache.lock().unwrap().len(), RESOLVE_CACHE_ENTRIES);
    }
}
