//! The settings screen's pure parts: pick-list entries with translated labels, the device
//! choices (with a configured device that is gone), and the codec list's edits.

use crate::ui::i18n::I18n;
use std::fmt;

/// A pick-list entry: a value and what it reads as (in the window's language).
#[derive(Debug, Clone)]
pub struct Choice<T> {
    /// The value.
    pub value: T,
    /// What it reads as.
    pub label: String,
}

impl<T: PartialEq> PartialEq for Choice<T> {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}

impl<T> fmt::Display for Choice<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label)
    }
}

/// A device choice: `None` is the system default (for the ringer: the speaker).
pub type DeviceChoice = Choice<Option<String>>;

/// How a codec reads (its usual written name).
pub fn codec_label(name: &str) -> String {
    match name {
        "opus" => "Opus".to_owned(),
        "g722" => "G.722".to_owned(),
        "pcmu" => "G.711 µ-law (PCMU)".to_owned(),
        "pcma" => "G.711 A-law (PCMA)".to_owned(),
        other => other.to_owned(),
    }
}

/// The choices for one device and the selected one: `default` (no name) first, then the
/// listed names; a configured device that is not listed shows as not connected.
pub fn device_list(
    i18n: &I18n,
    default: &str,
    listed: Option<&[String]>,
    configured: Option<&str>,
) -> (Vec<DeviceChoice>, DeviceChoice) {
    let mut options = vec![Choice {
        value: None,
        label: default.to_owned(),
    }];
    options.extend(listed.unwrap_or_default().iter().map(|name| Choice {
        value: Some(name.clone()),
        label: name.clone(),
    }));
    let selected = match configured {
        None => options[0].clone(),
        Some(name) => match options.iter().find(|c| c.value.as_deref() == Some(name)) {
            Some(found) => found.clone(),
            None => {
                let label = match listed {
                    Some(_) => i18n.tr("settings-device-missing", &[("name", name.into())]),
                    // Not listed yet: nothing known about it.
                    None => name.to_owned(),
                };
                let missing = Choice {
                    value: Some(name.to_owned()),
                    label,
                };
                options.push(missing.clone());
                missing
            }
        },
    };
    (options, selected)
}

/// `codecs` with `name` enabled (appended last) or disabled; `None` when that would leave
/// no codec at all.
pub fn enable_codec(codecs: &[String], name: &str, on: bool) -> Option<Vec<String>> {
    let mut new: Vec<String> = codecs.iter().filter(|c| *c != name).cloned().collect();
    if on {
        match codecs.iter().position(|c| c == name) {
            Some(_) => return Some(codecs.to_vec()),
            None => new.push(name.to_owned()),
        }
    }
    (!new.is_empty()).then_some(new)
}

/// `codecs` with `name` one place sooner (`up`) or later; unchanged at either end.
pub fn move_codec(codecs: &[String], name: &str, up: bool) -> Vec<String> {
    let mut new = codecs.to_vec();
    if let Some(i) = new.iter().position(|c| c == name) {
        let j = if up { i.checked_sub(1) } else { Some(i + 1) };
        if let Some(j) = j.filter(|j| *j < new.len()) {
            new.swap(i, j);
        }
    }
    new
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::i18n::Lang;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn codecs_move_and_the_last_one_stays() {
        let codecs = names(&["opus", "pcmu", "pcma"]);
        assert_eq!(
            move_codec(&codecs, "pcmu", true),
            names(&["pcmu", "opus", "pcma"])
        );
        assert_eq!(
            move_codec(&codecs, "pcmu", false),
            names(&["opus", "pcma", "pcmu"])
        );
        assert_eq!(move_codec(&codecs, "opus", true), codecs);
        assert_eq!(move_codec(&codecs, "pcma", false), codecs);
        assert_eq!(
            enable_codec(&codecs, "g722", true),
            Some(names(&["opus", "pcmu", "pcma", "g722"]))
        );
        assert_eq!(
            enable_codec(&codecs, "opus", false),
            Some(names(&["pcmu", "pcma"]))
        );
        assert_eq!(enable_codec(&names(&["pcma"]), "pcma", false), None);
    }

    #[test]
    fn a_configured_device_that_is_gone_shows_as_not_connected() {
        let i18n = I18n::new(Lang::En);
        let listed = names(&["Headset", "Built-in"]);
        let (options, selected) = device_list(&i18n, "Default", Some(&listed), Some("USB Mic"));
        assert_eq!(options.len(), 4);
        assert_eq!(selected.value.as_deref(), Some("USB Mic"));
        assert!(selected.label.contains("USB Mic") && selected.label != "USB Mic");
        let (options, selected) = device_list(&i18n, "Default", Some(&listed), None);
        assert_eq!(options.len(), 3);
        assert_eq!((selected.value, selected.label.as_str()), (None, "Default"));
    }
}
