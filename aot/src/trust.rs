//! Who vouches for an image's machine code.
//!
//! An `.aot` image is native code that runs with the process's rights. Its checksum
//! detects damage, not forgery, so loading an image is a trust decision, and the API
//! makes it visible: [`crate::load`] takes a [`Trust`], which is either a set of
//! Ed25519 public keys (the image must carry a valid signature by one of them) or the
//! caller's word, [`Trust::any_image`], which is `unsafe` to obtain.
//!
//! A signature covers every byte of the image before its trailer (header, sections,
//! text, checksum): Ed25519 over [`signed_message`], a domain-separated BLAKE3 hash of
//! those bytes, so verifying a large image costs one fast hash pass. Keys are PEM files
//! as openssl writes them (PKCS#8 private keys, SPKI public keys), so
//! `openssl genpkey -algorithm ed25519` works as well as `wamr-compile --generate-key`.

use std::path::Path;

use ed25519_dalek::pkcs8::spki::der::pem::LineEnding;
use ed25519_dalek::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey};
use ed25519_dalek::{Signer, SigningKey, VerifyingKey};

use crate::image::{self, ImageError, Layout};

/// Domain separation: a signature over an image can never be replayed as a signature
/// over anything else this key signs.
const DOMAIN: &[u8] = b"wamr-rs aot image signature v1\0";

/// Why a key could not be read or an image could not be signed or verified.
#[derive(Debug, thiserror::Error)]
pub enum TrustError {
    #[error("cannot read key {path}: {source}")]
    KeyIo {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}: not an Ed25519 {what} key in PEM ({detail})")]
    KeyFormat {
        path: String,
        what: &'static str,
        detail: String,
    },
    #[error("cannot generate a key: {0}")]
    Random(String),
    #[error("image is not signed, and only images signed by a trusted key may run")]
    Unsigned,
    #[error("image is signed by key {fingerprint}, which is not trusted")]
    UntrustedKey { fingerprint: String },
    #[error("image's signature by key {fingerprint} does not verify (the image was altered after signing)")]
    BadSignature { fingerprint: String },
    #[error("cannot sign: {0}")]
    Image(#[from] ImageError),
}

/// An Ed25519 public key that may vouch for images.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKey(VerifyingKey);

impl PublicKey {
    /// Parses an SPKI PEM public key (`-----BEGIN PUBLIC KEY-----`).
    pub fn from_pem(pem: &str) -> Result<PublicKey, TrustError> {
        VerifyingKey::from_public_key_pem(pem.trim())
            .map(PublicKey)
            .map_err(|e| TrustError::KeyFormat {
                path: "<pem>".into(),
                what: "public",
                detail: e.to_string(),
            })
    }

    /// Reads a public key file.
    pub fn read(path: &Path) -> Result<PublicKey, TrustError> {
        let text = read_key(path)?;
        Self::from_pem(&text).map_err(|e| with_path(e, path))
    }

    /// The key as an SPKI PEM text.
    pub fn to_pem(&self) -> String {
        self.0
            .to_public_key_pem(LineEnding::LF)
            .expect("encoding a 32-byte key cannot fail")
    }

    /// The raw 32 bytes of the key.
    pub fn to_bytes(&self) -> [u8; 32] {
        self.0.to_bytes()
    }

    /// A short name for messages: the first 16 hex digits of the key's BLAKE3 hash.
    pub fn fingerprint(&self) -> String {
        fingerprint(&self.0.to_bytes())
    }
}

/// The fingerprint of a raw public key (as stored in an image's trailer).
pub fn fingerprint(key: &[u8; 32]) -> String {
    blake3::hash(key).to_hex()[..16].to_string()
}

/// An Ed25519 private key that signs images.
pub struct SecretKey(SigningKey);

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SecretKey({})", self.public().fingerprint())
    }
}

impl SecretKey {
    /// A fresh key from the operating system's random source.
    pub fn generate() -> Result<SecretKey, TrustError> {
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).map_err(|e| TrustError::Random(e.to_string()))?;
        Ok(SecretKey(SigningKey::from_bytes(&seed)))
    }

    /// Parses a PKCS#8 PEM private key (`-----BEGIN PRIVATE KEY-----`).
    pub fn from_pem(pem: &str) -> Result<SecretKey, TrustError> {
        SigningKey::from_pkcs8_pem(pem.trim())
            .map(SecretKey)
            .map_err(|e| TrustError::KeyFormat {
                path: "<pem>".into(),
                what: "private",
                detail: e.to_string(),
            })
    }

    /// Reads a private key file.
    pub fn read(path: &Path) -> Result<SecretKey, TrustError> {
        let text = read_key(path)?;
        Self::from_pem(&text).map_err(|e| with_path(e, path))
    }

    /// The key as a PKCS#8 PEM text (keep it private).
    pub fn to_pem(&self) -> String {
        self.0
            .to_pkcs8_pem(LineEnding::LF)
            .expect("encoding a 32-byte key cannot fail")
            .to_string()
    }

    pub fn public(&self) -> PublicKey {
        PublicKey(self.0.verifying_key())
    }

    /// Signs an unsigned image: returns it with [`image::FLAG_SIGNED`] set and the
    /// signature trailer appended.
    pub fn sign_image(&self, image: Vec<u8>) -> Result<Vec<u8>, TrustError> {
        let public_key = self.0.verifying_key().to_bytes();
        Ok(image::append_signature(image, |signed| {
            (self.0.sign(&signed_message(signed)).to_bytes(), public_key)
        })?)
    }
}

fn read_key(path: &Path) -> Result<String, TrustError> {
    std::fs::read_to_string(path).map_err(|source| TrustError::KeyIo {
        path: path.display().to_string(),
        source,
    })
}

fn with_path(e: TrustError, path: &Path) -> TrustError {
    match e {
        TrustError::KeyFormat { what, detail, .. } => TrustError::KeyFormat {
            path: path.display().to_string(),
            what,
            detail,
        },
        e => e,
    }
}

/// What the Ed25519 signature signs: the domain tag, then the BLAKE3 hash of the signed
/// bytes.
pub fn signed_message(signed: &[u8]) -> Vec<u8> {
    let mut m = DOMAIN.to_vec();
    m.extend_from_slice(blake3::hash(signed).as_bytes());
    m
}

/// The decision to run an image's code, which [`crate::load`] requires.
#[derive(Debug, Clone)]
pub struct Trust {
    /// `None`: the caller vouches for every image.
    keys: Option<Vec<PublicKey>>,
}

impl Trust {
    /// Trusts images signed by any of `keys`, and nothing else (an empty list trusts no
    /// image at all).
    pub fn signed_by(keys: Vec<PublicKey>) -> Trust {
        Trust { keys: Some(keys) }
    }

    /// Trusts every image, signed or not. Only structure, checksum, target and CPU
    /// features are checked.
    ///
    /// # Safety
    /// An image is machine code that runs with this process's rights, and nothing in an
    /// unsigned image can show who wrote it. The caller guarantees that whoever could
    /// have written the file (and can write it while it is in use) is trusted to run
    /// code in this process: the user named the file (iwasm's behaviour), or the caller
    /// wrote it itself and has authenticated it since (the object cache's keyed tags).
    pub unsafe fn any_image() -> Trust {
        Trust { keys: None }
    }

    /// Whether this decision needs signatures.
    pub fn requires_signature(&self) -> bool {
        self.keys.is_some()
    }

    /// Checks an image's signature against the trusted keys (nothing to do for
    /// [`Trust::any_image`]).
    pub fn check(&self, file: &[u8], layout: &Layout) -> Result<(), TrustError> {
        let Some(keys) = &self.keys else {
            return Ok(());
        };
        let sig = layout.signature.as_ref().ok_or(TrustError::Unsigned)?;
        let fingerprint = fingerprint(&sig.public_key);
        let key = keys
            .iter()
            .find(|k| k.0.to_bytes() == sig.public_key)
            .ok_or_else(|| TrustError::UntrustedKey {
                fingerprint: fingerprint.clone(),
            })?;
        let signature = ed25519_dalek::Signature::from_bytes(&sig.signature);
        // Strict verification: refuses the malleable encodings plain Ed25519 accepts.
        key.0
            .verify_strict(&signed_message(&file[sig.signed.clone()]), &signature)
            .map_err(|_| TrustError::BadSignature { fingerprint })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::image::tests::sample;

    fn check(trust: &Trust, file: &[u8]) -> Result<(), TrustError> {
        let layout = image::parse(file, 4096).expect("the image parses");
        trust.check(file, &layout)
    }

    #[test]
    fn a_signed_image_runs_only_under_its_key() {
        let key = SecretKey::generate().unwrap();
        let other = SecretKey::generate().unwrap();
        let signed = key.sign_image(sample()).unwrap();
        assert_eq!(signed.len(), sample().len() + image::SIGNATURE_TRAILER);
        let layout = image::parse(&signed, 4096).unwrap();
        assert_eq!(
            layout.signature.as_ref().unwrap().public_key,
            key.public().to_bytes()
        );
        check(
            &Trust::signed_by(vec![other.public(), key.public()]),
            &signed,
        )
        .unwrap();
        // SAFETY: nothing runs; only the decision is checked.
        check(&unsafe { Trust::any_image() }, &signed).unwrap();
        assert!(matches!(
            check(&Trust::signed_by(vec![other.public()]), &signed),
            Err(TrustError::UntrustedKey { fingerprint }) if fingerprint == key.public().fingerprint()
        ));
        assert!(matches!(
            check(&Trust::signed_by(Vec::new()), &signed),
            Err(TrustError::UntrustedKey { .. })
        ));
        assert!(matches!(
            check(&Trust::signed_by(vec![key.public()]), &sample()),
            Err(TrustError::Unsigned)
        ));
        assert!(key.sign_image(signed).is_err(), "signing twice is refused");
    }

    #[test]
    fn any_change_to_a_signed_image_is_caught() {
        let key = SecretKey::generate().unwrap();
        let signed = key.sign_image(sample()).unwrap();
        let trust = Trust::signed_by(vec![key.public()]);
        let trailer = signed.len() - image::SIGNATURE_TRAILER;
        // A flipped signature bit parses (the checksum does not cover the trailer) and
        // fails verification.
        for at in [trailer, trailer + 63] {
            let mut bad = signed.clone();
            bad[at] ^= 1;
            assert!(matches!(
                check(&trust, &bad),
                Err(TrustError::BadSignature { .. })
            ));
        }
        // A different key in the trailer is not trusted.
        let mut bad = signed.clone();
        bad[trailer + 64] ^= 1;
        assert!(check(&trust, &bad).is_err());
        // A change to the body, with the checksum recomputed as a forger would, parses
        // and fails verification.
        let mut forged = signed.clone();
        let text = image::parse(&signed, 4096).unwrap().text.start;
        forged[text] ^= 0xff;
        let sum_at = trailer - 8;
        let sum = image::hash64(&forged[..sum_at]);
        forged[sum_at..trailer].copy_from_slice(&sum.to_le_bytes());
        assert!(matches!(
            check(&trust, &forged),
            Err(TrustError::BadSignature { .. })
        ));
        // Stripping the signature leaves an unsigned image.
        let mut stripped = signed[..trailer].to_vec();
        stripped[20] &= !(image::FLAG_SIGNED as u8);
        let sum = image::hash64(&stripped[..sum_at]);
        stripped[sum_at..].copy_from_slice(&sum.to_le_bytes());
        assert!(matches!(
            check(&trust, &stripped),
            Err(TrustError::Unsigned)
        ));
        // A trailer cut short is refused by the parser.
        assert!(image::parse(&signed[..signed.len() - 1], 4096).is_err());
    }

    #[test]
    fn keys_round_trip_through_pem_and_bad_pem_is_a_clear_error() {
        let key = SecretKey::generate().unwrap();
        let again = SecretKey::from_pem(&key.to_pem()).unwrap();
        assert_eq!(again.public(), key.public());
        let public = PublicKey::from_pem(&key.public().to_pem()).unwrap();
        assert_eq!(public, key.public());
        assert_eq!(public.fingerprint().len(), 16);
        let err = PublicKey::from_pem(&key.to_pem()).unwrap_err().to_string();
        assert!(err.contains("not an Ed25519 public key"), "{err}");
        let err = SecretKey::from_pem("garbage").unwrap_err().to_string();
        assert!(err.contains("not an Ed25519 private key"), "{err}");
        let err = PublicKey::read(Path::new("/nonexistent/key.pub"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("/nonexistent/key.pub"), "{err}");
    }
}
