use super::*;

/// A scratch directory removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir =
            std::env::temp_dir().join(format!("tincan-identity-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    fs::metadata(path).unwrap().permissions().mode() & 0o7777
}

#[cfg(unix)]
fn chmod(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
}

fn hex(keypair: &Keypair) -> String {
    encode(keypair).expose().to_owned()
}

#[test]
fn a_key_file_is_made_owner_only_on_first_use_and_then_reused() {
    let dir = TempDir::new("first-use");
    let store = KeyStore::File(dir.0.join("id.key"));
    let (first, created) = load_or_create(&store).unwrap();
    assert!(created);
    #[cfg(unix)]
    assert_eq!(mode(&dir.0.join("id.key")), 0o600);
    let (again, created) = load_or_create(&store).unwrap();
    assert!(!created);
    assert_eq!(again.public_key(), first.public_key());
    // Replacing it keeps the mode and changes the key.
    let other = generate().unwrap();
    save(&store, &other).unwrap();
    #[cfg(unix)]
    assert_eq!(mode(&dir.0.join("id.key")), 0o600);
    assert_eq!(
        load(&store).unwrap().unwrap().public_key(),
        other.public_key()
    );
}

#[cfg(unix)]
#[test]
fn a_key_file_others_may_read_is_refused() {
    let dir = TempDir::new("too-open");
    let path = dir.0.join("id.key");
    let store = KeyStore::File(path.clone());
    load_or_create(&store).unwrap();
    for open in [0o640, 0o604, 0o660] {
        chmod(&path, open);
        let err = load(&store).unwrap_err();
        assert!(matches!(err, IdentityError::TooOpen { .. }), "{err}");
        // Never silently replaced by a new identity either.
        assert!(load_or_create(&store).is_err());
    }
    chmod(&path, 0o400);
    assert!(load(&store).unwrap().is_some());
}

#[test]
fn export_then_import_moves_the_identity() {
    let dir = TempDir::new("export");
    let keypair = generate().unwrap();
    let file = dir.0.join("backup.key");
    export(&keypair, &file).unwrap();
    #[cfg(unix)]
    assert_eq!(mode(&file), 0o600);
    assert_eq!(import(&file).unwrap().public_key(), keypair.public_key());
    // An export never overwrites.
    assert!(matches!(
        export(&keypair, &file),
        Err(IdentityError::Exists { .. })
    ));
    #[cfg(unix)]
    {
        chmod(&file, 0o644);
        assert!(import(&file).is_err());
    }
}

#[test]
fn a_corrupt_store_is_an_error_that_shows_no_secret() {
    let dir = TempDir::new("corrupt");
    let path = dir.0.join("id.key");
    let store = KeyStore::File(path.clone());
    let keypair = generate().unwrap();
    let mut text = hex(&keypair);
    text.truncate(63);
    text.push('g');
    fs::write(&path, &text).unwrap();
    #[cfg(unix)]
    chmod(&path, 0o600);
    let err = load(&store).unwrap_err();
    assert!(matches!(err, IdentityError::Corrupt { .. }), "{err}");
    assert!(!err.to_string().contains(&text[..20]), "{err}");
}

#[test]
fn the_address_is_the_handle_at_the_z_base32_key_and_debug_hides_the_secret() {
    let keypair = Keypair::from_secret_key(&[7; 32]);
    let identity = Identity::new(keypair.clone(), "alice");
    let address = identity.address();
    let key = address.strip_prefix("sip:alice@").unwrap();
    assert_eq!(key.len(), 52);
    assert_eq!(
        crate::p2p::record::key_of_name(key),
        Some(keypair.public_key())
    );
    let secret = hex(&keypair);
    assert_eq!(secret, "07".repeat(32));
    for shown in [
        format!("{identity:?}"),
        format!("{keypair:?}"),
        format!("{keypair}"),
    ] {
        assert!(!shown.contains(&secret), "{shown}");
    }
    assert_eq!(
        decode(&Secret::new(format!(" {secret}\n"))).unwrap(),
        keypair
    );
    assert!(decode(&Secret::new("07".repeat(31))).is_none());
}
