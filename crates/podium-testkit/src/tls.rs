use std::path::PathBuf;
use std::sync::Arc;

use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
use tempfile::TempDir;

/// A throwaway CA and a server certificate for `127.0.0.1`/`localhost`, as PEM files.
#[derive(Debug, Clone)]
pub struct TestCertificates {
    _dir: Arc<TempDir>,
    pub ca_file: PathBuf,
    pub cert_file: PathBuf,
    pub key_file: PathBuf,
    pub ca_pem: String,
}

impl TestCertificates {
    pub fn generate() -> Self {
        let dir = tempfile::tempdir().expect("temporary directory");
        let ca_key = KeyPair::generate().expect("CA key");
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let ca_cert = ca_params.self_signed(&ca_key).expect("CA certificate");
        let issuer = Issuer::new(ca_params, ca_key);

        let server_key = KeyPair::generate().expect("server key");
        let server_params =
            CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
                .expect("server params");
        let server_cert = server_params
            .signed_by(&server_key, &issuer)
            .expect("server certificate");

        let write = |name: &str, pem: &str| {
            let path = dir.path().join(name);
            std::fs::write(&path, pem).expect("write PEM");
            path
        };
        let ca_pem = ca_cert.pem();
        Self {
            ca_file: write("ca.pem", &ca_pem),
            cert_file: write("server.pem", &server_cert.pem()),
            key_file: write("server.key", &server_key.serialize_pem()),
            ca_pem,
            _dir: Arc::new(dir),
        }
    }

    /// The CA as redis-rs wants it for `rediss://` connections.
    pub fn redis_certificates(&self) -> redis::TlsCertificates {
        redis::TlsCertificates {
            client_tls: None,
            root_cert: Some(self.ca_pem.as_bytes().to_vec()),
        }
    }
}
