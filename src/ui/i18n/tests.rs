use super::*;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Every message id the window's code uses: the string literals right after `t(`, `tr(` and
/// `k(` in `src/ui` (tests excluded: they name ids on purpose, missing ones included).
fn ids_used_in_code() -> BTreeSet<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/ui");
    let mut files = vec![root.with_extension("rs")];
    collect_rs(&root, &mut files);
    let mut ids = BTreeSet::new();
    for file in files {
        if file.file_name().is_some_and(|n| n == "tests.rs") {
            continue;
        }
        let source = std::fs::read_to_string(&file).unwrap();
        ids.extend(ids_in(&source));
    }
    ids
}

fn collect_rs(dir: &Path, files: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect_rs(&path, files);
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
}

/// The ids in one source text: a string literal right after `t(`, `tr(` or `k(` (rustfmt
/// may put it on the next line).
fn ids_in(source: &str) -> Vec<String> {
    let mut ids = Vec::new();
    for call in ["t(", "tr(", "k("] {
        for (at, _) in source.match_indices(call) {
            let before = source[..at].chars().next_back();
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                continue;
            }
            let rest = source[at + call.len()..].trim_start();
            let Some(rest) = rest.strip_prefix('"') else {
                continue;
            };
            if let Some(end) = rest.find('"') {
                ids.push(rest[..end].to_owned());
            }
        }
    }
    ids
}

#[test]
fn the_scanner_finds_ids_after_t_tr_and_k_only() {
    let source = r#"i18n.t("a-b"); format!("e"); print("f"); next("g"); t(x); k("d");
        i18n.tr(
            "c",
            &[],
        )"#;
    assert_eq!(ids_in(source), ["a-b", "c", "d"]);
}

/// Fails when a used id is missing from English or a file does not parse; prints every
/// language's coverage of the English ids.
#[test]
fn every_used_id_is_in_english_and_every_file_parses() {
    let used = ids_used_in_code();
    assert!(used.len() > 50, "the scan found only {} ids", used.len());
    let english: BTreeSet<String> = message_ids(Lang::En.source())
        .unwrap_or_else(|e| panic!("i18n/en/tincan.ftl does not parse: {e}"))
        .into_iter()
        .collect();
    let missing: Vec<_> = used.difference(&english).collect();
    assert!(
        missing.is_empty(),
        "ids used in code but missing from English: {missing:?}"
    );
    let unused: Vec<_> = english.difference(&used).collect();
    println!(
        "English: {} ids, {} used in code; unused: {unused:?}",
        english.len(),
        used.len()
    );
    let mut problems = Vec::new();
    for lang in Lang::ALL {
        let ids: BTreeSet<String> = match message_ids(lang.source()) {
            Ok(ids) => ids.into_iter().collect(),
            Err(e) => {
                problems.push(format!(
                    "i18n/{}/tincan.ftl does not parse: {e}",
                    lang.code()
                ));
                continue;
            }
        };
        let covered = english.intersection(&ids).count();
        let percent = covered * 100 / english.len().max(1);
        let absent: Vec<_> = english.difference(&ids).collect();
        let extra: Vec<_> = ids.difference(&english).collect();
        println!(
            "{} ({}): {covered}/{} messages ({percent}%); missing {absent:?}; not in English {extra:?}",
            lang.code(),
            lang.native_name(),
            english.len()
        );
        // Every message also formats without errors in every language (no dangling
        // variables or references).
        let i18n = I18n::new(lang);
        for id in &ids {
            let bundle = i18n.bundle(lang);
            let Some(pattern) = bundle.get_message(id).and_then(|m| m.value()) else {
                continue;
            };
            let mut errors = Vec::new();
            let mut args = FluentArgs::new();
            for name in [
                "count", "name", "code", "reason", "account", "address", "seconds", "message",
                "duration", "digits", "language", "port", "file", "skipped", "db",
            ] {
                args.set(name, 2);
            }
            let _ = bundle.format_pattern(pattern, Some(&args), &mut errors);
            if !errors.is_empty() {
                problems.push(format!("{}: {id}: {errors:?}", lang.code()));
            }
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn plural_forms_follow_each_language() {
    let en = I18n::new(Lang::En);
    assert_eq!(en.tr("calls-count", &[("count", 1.into())]), "1 call");
    assert_eq!(en.tr("calls-count", &[("count", 3.into())]), "3 calls");
    let fr = I18n::new(Lang::Fr);
    // French: 0 and 1 are singular.
    assert_eq!(fr.tr("calls-count", &[("count", 0.into())]), "0 appel");
    assert_eq!(fr.tr("calls-count", &[("count", 2.into())]), "2 appels");
    let de = I18n::new(Lang::De);
    assert_eq!(de.tr("calls-count", &[("count", 1.into())]), "1 Anruf");
    assert_eq!(de.tr("calls-count", &[("count", 5.into())]), "5 Anrufe");
}

#[test]
fn a_missing_translation_falls_back_to_english_and_an_unknown_id_shows_itself() {
    let de = I18n::new(Lang::De);
    assert_eq!(de.t("no-such-message"), "no-such-message");
    assert_eq!(de.t("nav-dialpad"), "Wähltastatur");
}

#[test]
fn locales_map_to_languages() {
    assert_eq!(Lang::from_locale("de_DE.UTF-8"), Some(Lang::De));
    assert_eq!(Lang::from_locale("fr"), Some(Lang::Fr));
    assert_eq!(Lang::from_locale("es_ES@euro"), Some(Lang::Es));
    assert_eq!(Lang::from_locale("C.UTF-8"), None);
}
