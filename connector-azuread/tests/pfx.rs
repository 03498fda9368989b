//! PKCS#12 files as the tools write them, read by the certificate credential: each must give
//! the key and certificate of `app.pem` (the same thumbprint), and a wrong password must say
//! so. The files were made from `app.pem` with OpenSSL 3 (see `fixtures/README.md`):
//!
//! | file | made with | encryption | MAC |
//! |---|---|---|---|
//! | `app.pfx` | `openssl pkcs12 -export` | PBES2, AES-256-CBC | SHA-256 |
//! | `app-legacy.pfx` | `… -export -legacy` | RC2-40 (certificates), 3DES (key) | SHA-1 |
//! | `app-3des.pfx` | `… -legacy -keypbe PBE-SHA1-3DES -certpbe PBE-SHA1-3DES -macalg sha1` (Windows' "TripleDES-SHA1") | 3DES | SHA-1 |
//! | `app-empty.pfx` | `… -export -passout pass:` | PBES2, AES-256-CBC | SHA-256 |
//! | `app-empty-legacy.pfx` | `… -export -legacy -passout pass:` | RC2-40, 3DES | SHA-1 |
//! | `app-ber.pfx` | `app.pfx` re-encoded in BER by `make-ber.py` | as `app.pfx` | SHA-256 |

use connector_azuread::ClientCertificateCredential;
use hris_sync_core::ErrorKind;

fn fixture(name: &str) -> String {
    format!(
        "{}/tests/fixtures/credentials/{name}",
        env!("CARGO_MANIFEST_DIR")
    )
}

fn thumbprint(file: &str, password: &str) -> hris_sync_core::Result<String> {
    ClientCertificateCredential::from_file("t", "c", fixture(file), password)
        .map(|c| c.thumbprint())
}

#[test]
fn every_kind_of_pfx_gives_the_same_key_and_certificate() {
    let want = thumbprint("app.pem", "").unwrap();
    for (file, password) in [
        ("app.pfx", "test-pfx-pass"),
        ("app-legacy.pfx", "test-pfx-pass"),
        ("app-3des.pfx", "test-pfx-pass"),
        ("app-empty.pfx", ""),
        ("app-empty-legacy.pfx", ""),
        ("app-ber.pfx", "test-pfx-pass"),
    ] {
        let got = thumbprint(file, password).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(got, want, "{file}");
    }
}

#[test]
fn a_wrong_password_says_so_whatever_the_encryption() {
    for file in [
        "app.pfx",
        "app-legacy.pfx",
        "app-3des.pfx",
        "app-empty.pfx",
        "app-ber.pfx",
    ] {
        let err = thumbprint(file, "not-the-password").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidConfig, "{file}");
        assert!(err.message().contains("wrong password"), "{file}: {err}");
        assert!(!err.message().contains("not-the-password"), "{file}: {err}");
    }
}
