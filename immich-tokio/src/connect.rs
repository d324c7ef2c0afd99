//! The TCP connector, with one twist: a server's early answer survives its hang-up.
//!
//! A server may answer an upload before reading the whole body (Immich's "duplicate" answer to
//! a known `x-immich-checksum`, a proxy's 413) and then close the connection. The client's next
//! write then fails (`EPIPE`, `ECONNRESET`) while the answer already sits in the socket's
//! receive queue. hyper stops at the first I/O error, so whether the caller sees the answer or
//! "broken pipe" depends on which of its read and write polls runs first. [`KeepReading`] turns
//! such a write failure into "written" (the bytes go nowhere), so hyper goes on to read what
//! the server said: the answer if there is one, else the reset, as a read error.
//!
//! On Linux it also sets `TCP_NOTSENT_LOWAT`, so the kernel holds at most 128 KiB that have not
//! left yet: a finished write then means the bytes are moving, which is what the read timeout
//! watches. Without it, megabytes can sit in the send buffer at the end of an upload, draining
//! for longer than the timeout on a slow link while nothing seems to move.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use http::Uri;
use hyper::rt::{Read, ReadBufCursor, Write};
use std::sync::Arc;

use hyper_util::client::legacy::connect::proxy::Tunnel;
use hyper_util::client::legacy::connect::{Connected, Connection, HttpConnector};
use hyper_util::rt::TokioIo;
use immich_proto::proxy::ProxyEnv;
use immich_proto::transport::BoxError;
use tokio::net::TcpStream;
use tower_service::Service;

/// The most bytes the kernel may hold unsent per connection (see the module doc).
#[cfg(any(target_os = "linux", target_os = "android"))]
const UNSENT_LIMIT: u32 = 128 * 1024;

/// hyper-util's `HttpConnector` whose connections are wrapped in [`KeepReading`].
#[derive(Clone, Debug)]
pub struct TcpConnector(HttpConnector);

impl TcpConnector {
    /// Wraps a configured `HttpConnector` (call `enforce_http(false)` on it for https).
    pub fn new(http: HttpConnector) -> Self {
        TcpConnector(http)
    }
}

impl tower_service::Service<Uri> for TcpConnector {
    type Response = KeepReading;
    type Error = <HttpConnector as tower_service::Service<Uri>>::Error;
    type Future = Pin<Box<dyn Future<Output = Result<KeepReading, Self::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.0.poll_ready(cx)
    }

    fn call(&mut self, uri: Uri) -> Self::Future {
        let connecting = self.0.call(uri);
        Box::pin(async move {
            let io = connecting.await?;
            #[cfg(any(target_os = "linux", target_os = "android"))]
            if let Err(e) = socket2::SockRef::from(io.inner()).set_tcp_notsent_lowat(UNSENT_LIMIT) {
                log::debug!("cannot set TCP_NOTSENT_LOWAT: {e}");
            }
            Ok(KeepReading {
                io,
                write_failed: false,
                proxied: false,
            })
        })
    }
}

/// A TCP connection that reports writes as done once the peer has reset it, so the answer
/// waiting in the receive queue is still read (see the module doc).
#[derive(Debug)]
pub struct KeepReading {
    io: TokioIo<TcpStream>,
    write_failed: bool,
    /// A connection to an HTTP proxy that takes requests in absolute form (`http://` URLs).
    proxied: bool,
}

impl KeepReading {
    /// Passes a write's result on, except that the peer's hang-up becomes "`written`" and
    /// every later write is dropped (see the module doc).
    fn unless_hung_up<T>(
        &mut self,
        result: Poll<io::Result<T>>,
        written: T,
    ) -> Poll<io::Result<T>> {
        match result {
            Poll::Ready(Err(e)) if immich_proto::transport::server_hung_up(e.kind()) => {
                log::debug!("the server closed the connection while we were sending ({e}); reading its answer");
                self.write_failed = true;
                Poll::Ready(Ok(written))
            }
            other => other,
        }
    }
}

impl Read for KeepReading {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_read(cx, buf)
    }
}

impl Write for KeepReading {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if self.write_failed {
            return Poll::Ready(Ok(buf.len()));
        }
        let result = Pin::new(&mut self.io).poll_write(cx, buf);
        self.unless_hung_up(result, buf.len())
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let total = bufs.iter().map(|b| b.len()).sum();
        if self.write_failed {
            return Poll::Ready(Ok(total));
        }
        let result = Pin::new(&mut self.io).poll_write_vectored(cx, bufs);
        self.unless_hung_up(result, total)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.write_failed {
            return Poll::Ready(Ok(()));
        }
        let result = Pin::new(&mut self.io).poll_flush(cx);
        self.unless_hung_up(result, ())
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.write_failed {
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}

impl Connection for KeepReading {
    fn connected(&self) -> Connected {
        self.io.connected().proxy(self.proxied)
    }
}

/// What the built-in HTTP client connects through: hyper-rustls's `HttpsConnector` over
/// [`TcpConnector`], with the connect timeout around all of it (name lookup, TCP connect and
/// the TLS handshake), so a server that accepts the connection and then never completes the
/// handshake is a connect timeout, not a request hanging until the read timeout.
///
/// The client the builder makes also goes through the proxies of the environment, as the
/// core's [`ProxyEnv`] decides per URL: `https://` through a `CONNECT` tunnel (hyper-util's
/// `Tunnel`), `http://` in absolute form to the proxy.
#[derive(Clone, Debug)]
pub struct Connector {
    inner: hyper_rustls::HttpsConnector<TcpConnector>,
    timeout: Option<std::time::Duration>,
    proxied: Option<Proxied>,
}

/// What a connection through a proxy needs: the rules, a TCP connector to reach the proxy and
/// the TLS settings for the tunnelled connection.
#[derive(Clone, Debug)]
struct Proxied {
    env: Arc<ProxyEnv>,
    tcp: TcpConnector,
    tls: rustls::ClientConfig,
}

impl Connector {
    /// Wraps hyper-rustls's connector; `timeout` bounds each connection's whole opening (TCP
    /// and TLS), `None` for no bound beyond the TCP connector's own. Connects directly.
    pub fn new(
        inner: hyper_rustls::HttpsConnector<TcpConnector>,
        timeout: Option<std::time::Duration>,
    ) -> Self {
        Connector {
            inner,
            timeout,
            proxied: None,
        }
    }

    /// The builder's connector: direct, or through a proxy as `env` decides per URL.
    pub(crate) fn with_proxies(
        tcp: TcpConnector,
        tls: rustls::ClientConfig,
        timeout: std::time::Duration,
        env: Arc<ProxyEnv>,
    ) -> Self {
        let inner = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls.clone())
            .https_or_http()
            .enable_http1()
            .wrap_connector(tcp.clone());
        let proxied = (!env.is_empty()).then_some(Proxied { env, tcp, tls });
        Connector {
            inner,
            timeout: Some(timeout),
            proxied,
        }
    }

    fn connect(&mut self, uri: Uri) -> BoxedConnecting {
        let Some(proxied) = &self.proxied else {
            return self.inner.call(uri);
        };
        let Some(proxy) = proxied.env.proxy_for(&uri) else {
            return self.inner.call(uri);
        };
        let proxy_uri: Uri = match proxy.uri().parse() {
            Ok(proxy_uri) => proxy_uri,
            Err(e) => return Box::pin(std::future::ready(Err(Box::new(e) as BoxError))),
        };
        if uri.scheme() == Some(&http::uri::Scheme::HTTPS) {
            // CONNECT host:port through the proxy, then TLS with the server inside the tunnel.
            let mut tunnel = Tunnel::new(proxy_uri, proxied.tcp.clone());
            if let Some(auth) = proxy.authorization() {
                if let Ok(value) = http::HeaderValue::from_str(&auth) {
                    tunnel = tunnel.with_auth(value);
                }
            }
            let mut https = hyper_rustls::HttpsConnectorBuilder::new()
                .with_tls_config(proxied.tls.clone())
                .https_only()
                .enable_http1()
                .wrap_connector(tunnel);
            https.call(uri)
        } else {
            // Plain HTTP: the request goes to the proxy in absolute form (the client sends it
            // so on a connection marked as proxied).
            let connecting = proxied.tcp.clone().call(proxy_uri);
            Box::pin(async move {
                let mut io = connecting.await.map_err(|e| Box::new(e) as BoxError)?;
                io.proxied = true;
                Ok(hyper_rustls::MaybeHttpsStream::Http(io))
            })
        }
    }
}

type BoxedConnecting = Pin<
    Box<dyn Future<Output = Result<hyper_rustls::MaybeHttpsStream<KeepReading>, BoxError>> + Send>,
>;

impl tower_service::Service<Uri> for Connector {
    type Response = hyper_rustls::MaybeHttpsStream<KeepReading>;
    type Error = BoxError;
    type Future = BoxedConnecting;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, uri: Uri) -> Self::Future {
        let connecting = self.connect(uri);
        let Some(limit) = self.timeout else {
            return connecting;
        };
        Box::pin(async move {
            match tokio::time::timeout(limit, connecting).await {
                Ok(result) => result,
                // Sorted as a connect timeout (`TimedOut` inside a connect error).
                Err(_) => Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "connecting (TCP and TLS handshake) timed out",
                )
                .into()),
            }
        })
    }
}
