//! The window's words, in the user's language (Project Fluent).
//!
//! Every user-visible string goes through [`I18n::t`] or [`I18n::tr`] with a message id of
//! `i18n/<lang>/tincan.ftl`; ids computed at run time are written as [`k`]`("id")` so that a
//! test can find every id the code uses. English is complete; a message missing from another
//! language falls back to English, and one missing from English shows its id (the test makes
//! that a failure). Plural forms come from Fluent's select expressions on numbers
//! (`{ $count -> [one] … *[other] … }`), with each language's CLDR plural rules.

use fluent_bundle::{FluentArgs, FluentBundle, FluentResource, FluentValue};
use unic_langid::LanguageIdentifier;

/// The languages the window speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    /// English (complete; the fallback).
    #[default]
    En,
    /// German.
    De,
    /// French.
    Fr,
    /// Spanish.
    Es,
}

impl Lang {
    /// Every language, English first.
    pub const ALL: [Lang; 4] = [Lang::En, Lang::De, Lang::Fr, Lang::Es];

    /// The BCP 47 code, also the directory under `i18n/`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::De => "de",
            Lang::Fr => "fr",
            Lang::Es => "es",
        }
    }

    /// The language's name in itself (what a picker shows, whatever the current language).
    pub fn native_name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::De => "Deutsch",
            Lang::Fr => "Français",
            Lang::Es => "Español",
        }
    }

    /// The Fluent source, built into the binary.
    pub fn source(self) -> &'static str {
        match self {
            Lang::En => include_str!("../../i18n/en/tincan.ftl"),
            Lang::De => include_str!("../../i18n/de/tincan.ftl"),
            Lang::Fr => include_str!("../../i18n/fr/tincan.ftl"),
            Lang::Es => include_str!("../../i18n/es/tincan.ftl"),
        }
    }

    /// The language of a POSIX locale name (`de_DE.UTF-8`, `fr`, `es_ES@euro`), if we speak it.
    pub fn from_locale(locale: &str) -> Option<Lang> {
        let code = locale
            .split(['_', '-', '.', '@'])
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        Lang::ALL.into_iter().find(|l| l.code() == code)
    }

    /// The user's language from the environment (`LANGUAGE`, `LC_ALL`, `LC_MESSAGES`,
    /// `LANG`, in POSIX order), English when none of them names one we speak.
    pub fn from_env() -> Lang {
        for var in ["LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"] {
            let Ok(value) = std::env::var(var) else {
                continue;
            };
            // LANGUAGE is a list in order of preference: `de:en`.
            if let Some(lang) = value.split(':').find_map(Lang::from_locale) {
                return lang;
            }
            if !value.is_empty() {
                break;
            }
        }
        Lang::En
    }
}

impl std::fmt::Display for Lang {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.native_name())
    }
}

/// Marks a message id that is chosen at run time, so the key test sees it.
pub const fn k(id: &'static str) -> &'static str {
    id
}

/// One argument of a message: `("count", 3.into())`, `("name", name.into())`.
pub type Arg<'a> = (&'a str, FluentValue<'a>);

/// The loaded languages and the one in use.
pub struct I18n {
    lang: Lang,
    /// One bundle per [`Lang::ALL`], in that order.
    bundles: Vec<FluentBundle<FluentResource>>,
}

impl std::fmt::Debug for I18n {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("I18n").field("lang", &self.lang).finish()
    }
}

impl I18n {
    /// Every language loaded (a file with syntax errors keeps the messages that parsed),
    /// `lang` in use.
    pub fn new(lang: Lang) -> I18n {
        let bundles = Lang::ALL.into_iter().map(bundle).collect();
        I18n { lang, bundles }
    }

    /// The language in use.
    pub fn lang(&self) -> Lang {
        self.lang
    }

    /// Switches the language; the next view shows it.
    pub fn set_lang(&mut self, lang: Lang) {
        self.lang = lang;
    }

    /// The message `id` without arguments.
    pub fn t(&self, id: &str) -> String {
        self.tr(id, &[])
    }

    /// The message `id` with arguments.
    pub fn tr(&self, id: &str, args: &[Arg<'_>]) -> String {
        let mut fluent_args = FluentArgs::new();
        for (name, value) in args {
            fluent_args.set(*name, value.clone());
        }
        let current = self.bundle(self.lang);
        [current, self.bundle(Lang::En)]
            .into_iter()
            .find_map(|bundle| format(bundle, id, &fluent_args))
            .unwrap_or_else(|| id.to_owned())
    }

    fn bundle(&self, lang: Lang) -> &FluentBundle<FluentResource> {
        let index = Lang::ALL.iter().position(|l| *l == lang).unwrap_or(0);
        &self.bundles[index]
    }
}

/// A bundle for `lang` (what parsed of it; the test reports syntax errors).
fn bundle(lang: Lang) -> FluentBundle<FluentResource> {
    let id: LanguageIdentifier = lang.code().parse().unwrap_or_default();
    let mut bundle = FluentBundle::new(vec![id]);
    // Unicode isolation marks would show as boxes in some fonts and break text matching.
    bundle.set_use_isolating(false);
    let resource = FluentResource::try_new(lang.source().to_owned()).unwrap_or_else(|(r, _)| r);
    if let Err(errors) = bundle.add_resource(resource) {
        tracing::warn!("i18n/{}/tincan.ftl: {errors:?}", lang.code());
    }
    bundle
}

fn format(
    bundle: &FluentBundle<FluentResource>,
    id: &str,
    args: &FluentArgs<'_>,
) -> Option<String> {
    let pattern = bundle.get_message(id)?.value()?;
    let mut errors = Vec::new();
    let text = bundle.format_pattern(pattern, Some(args), &mut errors);
    if !errors.is_empty() {
        tracing::warn!("i18n: message {id}: {errors:?}");
    }
    Some(text.into_owned())
}

/// The message ids defined in a Fluent source, or its syntax errors.
pub fn message_ids(source: &str) -> Result<Vec<String>, String> {
    use fluent_syntax::ast::Entry;
    let resource =
        FluentResource::try_new(source.to_owned()).map_err(|(_, errors)| format!("{errors:?}"))?;
    Ok(resource
        .entries()
        .filter_map(|entry| match entry {
            Entry::Message(m) => Some(m.id.name.to_owned()),
            _ => None,
        })
        .collect())
}

#[cfg(test)]
mod tests;
