//! TLS for PostgreSQL connections, through rustls (ring provider), with libpq's sslmode
//! meanings: `prefer`/`allow`/`require` encrypt without checking the certificate (unless
//! `require` is given a root certificate, which makes it `verify-ca` as in libpq),
//! `verify-ca` checks the chain, `verify-full` the chain and the host name.

use super::error::{EngineError, EngineResult};
use super::session::SslMode;
use parking_lot::Mutex;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};
use std::collections::HashMap;
use std::sync::{Arc, LazyLock};

/// ring's algorithms, with P-256 as the first key-exchange group (ring's default puts X25519
/// first). A TLS 1.3 client sends a key share for its first group only, and PostgreSQL accepts
/// one group: its `ssl_ecdh_curve`, `prime256v1` unless the server's owner changed it. With
/// X25519 first, such a server answers the ClientHello with a HelloRetryRequest: a round trip
/// and a key pair thrown away on the first connection of the process to each host (rustls
/// remembers the group per host name after that). A server that takes both gets P-256, as
/// safe; one set to X25519 alone pays the retry instead, once per host.
fn provider() -> Arc<CryptoProvider> {
    use rustls::crypto::ring::kx_group::{SECP256R1, SECP384R1, X25519};
    let mut provider = rustls::crypto::ring::default_provider();
    provider.kx_groups = vec![SECP256R1, X25519, SECP384R1];
    Arc::new(provider)
}

/// Accepts any certificate: encryption without authentication (libpq's `require`).
#[derive(Debug)]
struct EncryptOnly {
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for EncryptOnly {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// Checks the chain against the roots but not the host name (libpq's `verify-ca`).
#[derive(Debug)]
struct ChainOnly {
    inner: Arc<WebPkiServerVerifier>,
}

impl ServerCertVerifier for ChainOnly {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self
            .inner
            .verify_server_cert(end_entity, intermediates, server_name, ocsp, now)
        {
            Err(rustls::Error::InvalidCertificate(CertificateError::NotValidForName))
            | Err(rustls::Error::InvalidCertificate(CertificateError::NotValidForNameContext {
                ..
            })) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// Trusted roots: the PEM file named by `sslrootcert`, or the public web roots.
fn roots(root_cert: Option<&str>) -> EngineResult<RootCertStore> {
    let mut store = RootCertStore::empty();
    match root_cert {
        Some(path) => {
            let pem = std::fs::read(path).map_err(|e| {
                EngineError::connect(format!("cannot read sslrootcert {path}: {e}"))
            })?;
            let mut reader = pem.as_slice();
            let mut added = 0;
            for cert in rustls_pemfile::certs(&mut reader) {
                let cert = cert.map_err(|e| {
                    EngineError::connect(format!("invalid certificate in sslrootcert {path}: {e}"))
                })?;
                store.add(cert).map_err(|e| {
                    EngineError::connect(format!("unusable certificate in sslrootcert {path}: {e}"))
                })?;
                added += 1;
            }
            if added == 0 {
                return Err(EngineError::connect(format!(
                    "sslrootcert {path} holds no PEM certificate"
                )));
            }
        }
        None => store.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
    }
    Ok(store)
}

/// A root certificate file as it was when a configuration was built from it: a file replaced
/// since (a rotated CA bundle) makes a new configuration.
type FileStamp = Option<(std::time::SystemTime, u64)>;

fn stamp(path: &str) -> FileStamp {
    let meta = std::fs::metadata(path).ok()?;
    Some((meta.modified().ok()?, meta.len()))
}

/// Configurations built so far, per sslmode and root certificate file.
type ConfigCache = HashMap<(SslMode, Option<String>), (FileStamp, Arc<ClientConfig>)>;

static CONFIGS: LazyLock<Mutex<ConfigCache>> = LazyLock::new(Default::default);

/// The rustls client configuration for `mode`, or `None` when TLS is not used. Built once per
/// process for each sslmode and root certificate file and shared by every connection after:
/// building one (the crypto provider, the verifier, the roots) is work a connect need not
/// repeat.
pub fn client_config(
    mode: SslMode,
    root_cert: Option<&str>,
) -> EngineResult<Option<Arc<ClientConfig>>> {
    if mode == SslMode::Disable {
        return Ok(None);
    }
    let key = (mode, root_cert.map(str::to_string));
    let file = root_cert.and_then(stamp);
    if let Some((built_from, config)) = CONFIGS.lock().get(&key) {
        if *built_from == file {
            return Ok(Some(config.clone()));
        }
    }
    let config = build_client_config(mode, root_cert)?;
    if let Some(config) = &config {
        CONFIGS.lock().insert(key, (file, config.clone()));
    }
    Ok(config)
}

fn build_client_config(
    mode: SslMode,
    root_cert: Option<&str>,
) -> EngineResult<Option<Arc<ClientConfig>>> {
    let provider = provider();
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| EngineError::connect(format!("TLS setup failed: {e}")))?;
    let verify_chain = |roots: RootCertStore| {
        WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
            .build()
            .map_err(|e| EngineError::connect(format!("TLS setup failed: {e}")))
    };
    let config = match (mode, root_cert) {
        (SslMode::Disable, _) => return Ok(None),
        (SslMode::Allow | SslMode::Prefer, _) | (SslMode::Require, None) => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(EncryptOnly {
                provider: provider.clone(),
            }))
            .with_no_client_auth(),
        (SslMode::Require, Some(_)) | (SslMode::VerifyCa, _) => {
            let inner = verify_chain(roots(root_cert)?)?;
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(ChainOnly { inner }))
                .with_no_client_auth()
        }
        (SslMode::VerifyFull, _) => {
            let inner = verify_chain(roots(root_cert)?)?;
            builder.with_webpki_verifier(inner).with_no_client_auth()
        }
    };
    Ok(Some(Arc::new(config)))
}
