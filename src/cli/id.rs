//! `tincan id`: show, replace, export and import our P2P identity; and the identity and DHT
//! settings `tincan serve` hands the engine.

use crate::config;
pub(super) use crate::engine::setup::P2pOptions;
use crate::p2p::identity::{self, Identity, KeyStore};
use std::path::PathBuf;
use std::process::ExitCode;

/// What `tincan id` was asked.
#[derive(Debug, PartialEq, Eq)]
enum Action {
    Show,
    New,
    Export(PathBuf),
    Import(PathBuf),
}

#[derive(Debug)]
struct IdOptions {
    action: Action,
    store: KeyStore,
    config: Option<PathBuf>,
    yes: bool,
}

fn parse(args: &[String]) -> Result<IdOptions, String> {
    let mut action = None;
    let mut store = KeyStore::Keyring;
    let mut config = None;
    let mut yes = false;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let mut file = |what: &str| super::option_value(&mut args, arg, what).map(PathBuf::from);
        let next = match arg.as_str() {
            "--identity-file" => {
                store = KeyStore::File(file("a file")?);
                continue;
            }
            "--config" => {
                config = Some(file("a file")?);
                continue;
            }
            "--yes" => {
                yes = true;
                continue;
            }
            "show" => Action::Show,
            "new" => Action::New,
            "export" => Action::Export(file("a file to write")?),
            "import" => Action::Import(file("a file to read")?),
            other => return Err(format!("unknown argument {other:?}")),
        };
        if action.replace(next).is_some() {
            return Err("one of show, new, export FILE, import FILE".into());
        }
    }
    Ok(IdOptions {
        action: action.unwrap_or(Action::Show),
        store,
        config,
        yes,
    })
}

/// The handle of the settings file (the default one unless `config` names another).
fn handle(config: Option<PathBuf>) -> String {
    config.or_else(config::default_path).map_or_else(
        || config::DEFAULT_HANDLE.to_owned(),
        |p| config::load(&p).config.general.handle,
    )
}

/// `tincan id [show|new|export FILE|import FILE]`.
pub fn id(args: &[String], usage: &str) -> ExitCode {
    let options = match parse(args) {
        Ok(o) => o,
        Err(message) => {
            eprintln!("tincan id: {message}\n\n{usage}");
            return ExitCode::from(2);
        }
    };
    match run(options) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("tincan id: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(options: IdOptions) -> Result<ExitCode, identity::IdentityError> {
    let IdOptions {
        action,
        store,
        config,
        yes,
    } = options;
    let handle = handle(config);
    let show = |keypair| Identity::new(keypair, handle.as_str()).address();
    match action {
        Action::Show => {
            let (keypair, created) = identity::load_or_create(&store)?;
            if created {
                eprintln!("tincan id: made a new identity, kept in {store}");
            }
            println!("{}", show(keypair));
        }
        Action::New | Action::Import(_) => {
            let current = identity::load(&store)?;
            let keypair = match &action {
                Action::Import(file) => identity::import(file)?,
                _ => identity::generate()?,
            };
            let replaced = current.filter(|c| c.public_key() != keypair.public_key());
            if let (Some(old), false) = (&replaced, yes) {
                eprintln!(
                    "tincan id: this replaces your identity {}: whoever knows that address can \
                     no longer reach you (export it first to keep it). Run again with --yes.",
                    show(old.clone())
                );
                return Ok(ExitCode::from(2));
            }
            identity::save(&store, &keypair)?;
            eprintln!("tincan id: the identity is now kept in {store}");
            println!("{}", show(keypair));
        }
        Action::Export(file) => {
            let Some(keypair) = identity::load(&store)? else {
                eprintln!("tincan id: there is no identity in {store} yet");
                return Ok(ExitCode::FAILURE);
            };
            identity::export(&keypair, &file)?;
            eprintln!(
                "tincan id: wrote the secret key to {} (readable by you only): whoever has \
                 it can be you; `tincan id import` reads it on another machine",
                file.display()
            );
            println!("{}", show(keypair));
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn id_arguments() {
        let o = parse(&args("")).unwrap();
        assert_eq!(
            (o.action, o.store, o.yes),
            (Action::Show, KeyStore::Keyring, false)
        );
        let o = parse(&args("--identity-file /k new --yes")).unwrap();
        assert_eq!(o.action, Action::New);
        assert_eq!(o.store, KeyStore::File("/k".into()));
        assert!(o.yes);
        let o = parse(&args("export /tmp/x")).unwrap();
        assert_eq!(o.action, Action::Export("/tmp/x".into()));
        assert!(parse(&args("export")).is_err());
        assert!(parse(&args("show new")).is_err());
        assert!(parse(&args("delete")).is_err());
    }
}
