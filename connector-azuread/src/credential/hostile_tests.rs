//! Certificate files are remote input too (an operator's file, a mounted secret): PEM and
//! PKCS#12 parsing never panics on arbitrary bytes (issue 23 point 7).

use proptest::prelude::*;

/// PEM-looking text: armour lines around base64-ish noise.
fn pem() -> impl Strategy<Value = Vec<u8>> {
    let label = prop_oneof![
        Just("CERTIFICATE"),
        Just("PRIVATE KEY"),
        Just("ENCRYPTED PRIVATE KEY"),
        Just("RSA PRIVATE KEY"),
        Just("X"),
    ];
    (label, "[A-Za-z0-9+/=\\n]{0,400}", any::<bool>()).prop_map(|(label, body, end)| {
        let mut t = format!("-----BEGIN {label}-----\n{body}\n");
        if end {
            t.push_str(&format!("-----END {label}-----\n"));
        }
        t.into_bytes()
    })
}

/// DER-looking bytes: a SEQUENCE header with arbitrary length bytes and content.
fn der() -> impl Strategy<Value = Vec<u8>> {
    (
        proptest::collection::vec(any::<u8>(), 0..6),
        proptest::collection::vec(any::<u8>(), 0..300),
    )
        .prop_map(|(len, rest)| {
            let mut v = vec![0x30];
            v.extend(len);
            v.extend(rest);
            v
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    #[test]
    fn certificate_files_never_panic(
        bytes in prop_oneof![pem(), der(), proptest::collection::vec(any::<u8>(), 0..400)],
        password in "[a-z]{0,4}",
    ) {
        let _ = super::certificate::Signer::from_bytes(&bytes, &password);
        let _ = super::pkcs12::read(&bytes, &password);
        let _ = super::der::certificate_public_key(&bytes);
    }
}
