//! Registration states in plain words: "Registered", "Failed: wrong password (401)",
//! "Failed: server unreachable", "Failed: certificate not trusted".
//!
//! The engine reports a failed REGISTER as a status code and reason (408 for a timeout, 503
//! with "transport error" when the server could not be reached). A TLS server whose
//! certificate is not trusted also ends as such a 503; the engine says why in an error event
//! just before (its message names the certificate), which the window passes here as a hint.

use super::i18n::{I18n, k};
use crate::sip::registration::RegistrationEvent;
use std::time::Duration;

/// Why a registration failed, as a user would put it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// 401/407: the server did not accept the credentials.
    WrongPassword,
    /// 403: the server refused.
    Forbidden,
    /// 404: the server knows no such user.
    UnknownUser,
    /// No answer, or no connection (timeout, transport error).
    Unreachable,
    /// The TLS server's certificate is not trusted.
    CertificateNotTrusted,
    /// Anything else (the reason phrase is shown).
    Other,
}

/// Classifies a failed registration; `certificate_hint` says a TLS certificate was just
/// refused on the way to this server.
pub fn failure(code: u16, reason: &str, certificate_hint: bool) -> Failure {
    let reason = reason.to_ascii_lowercase();
    if reason.contains("certificate") || (certificate_hint && code == 503) {
        return Failure::CertificateNotTrusted;
    }
    match code {
        401 | 407 => Failure::WrongPassword,
        403 => Failure::Forbidden,
        404 => Failure::UnknownUser,
        408 | 504 => Failure::Unreachable,
        503 if reason.contains("transport") || reason.contains("unreachable") => {
            Failure::Unreachable
        }
        _ => Failure::Other,
    }
}

/// An account's registration as the window shows it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum RegStatus {
    /// The engine is not running (yet).
    #[default]
    Offline,
    /// A REGISTER is on its way.
    Registering,
    /// The server accepted the binding.
    Registered,
    /// The last attempt failed; the engine retries by itself.
    Failed {
        /// Why, in words.
        why: Failure,
        /// The status code.
        code: u16,
        /// The reason phrase.
        reason: String,
        /// When the engine tries again.
        retry_in: Duration,
    },
    /// The binding was removed.
    Unregistered,
    /// The account does not register (calls only).
    CallsOnly,
    /// The account is switched off.
    Disabled,
}

impl RegStatus {
    /// The status after `event`.
    pub fn from_event(event: &RegistrationEvent, certificate_hint: bool) -> RegStatus {
        match event {
            RegistrationEvent::Registering => RegStatus::Registering,
            RegistrationEvent::Registered { .. } => RegStatus::Registered,
            RegistrationEvent::Failed {
                code,
                reason,
                retry_in,
            } => RegStatus::Failed {
                why: failure(*code, reason, certificate_hint),
                code: *code,
                reason: reason.clone(),
                retry_in: *retry_in,
            },
            RegistrationEvent::Unregistered => RegStatus::Unregistered,
        }
    }

    /// Whether this is a failure (the view colours it).
    pub fn is_failure(&self) -> bool {
        matches!(self, RegStatus::Failed { .. })
    }

    /// The status in the user's words.
    pub fn words(&self, i18n: &I18n) -> String {
        let (why, code, reason) = match self {
            RegStatus::Offline => return i18n.t("reg-offline"),
            RegStatus::Registering => return i18n.t("reg-registering"),
            RegStatus::Registered => return i18n.t("reg-registered"),
            RegStatus::Unregistered => return i18n.t("reg-unregistered"),
            RegStatus::CallsOnly => return i18n.t("reg-calls-only"),
            RegStatus::Disabled => return i18n.t("reg-disabled"),
            RegStatus::Failed {
                why, code, reason, ..
            } => (why, code, reason),
        };
        let id = match why {
            Failure::WrongPassword => k("reg-failed-password"),
            Failure::Forbidden => k("reg-failed-forbidden"),
            Failure::UnknownUser => k("reg-failed-unknown-user"),
            Failure::Unreachable => k("reg-failed-unreachable"),
            Failure::CertificateNotTrusted => k("reg-failed-certificate"),
            Failure::Other => k("reg-failed-other"),
        };
        i18n.tr(
            id,
            &[
                ("code", (*code as i64).into()),
                ("reason", reason.as_str().into()),
            ],
        )
    }

    /// When the engine retries, in words ("retrying in 30 seconds"), for failures.
    pub fn retry_words(&self, i18n: &I18n) -> Option<String> {
        let RegStatus::Failed { retry_in, .. } = self else {
            return None;
        };
        let seconds = retry_in.as_secs();
        Some(if seconds < 120 {
            i18n.tr("reg-retry-seconds", &[("count", (seconds as i64).into())])
        } else {
            let minutes = seconds.div_ceil(60);
            i18n.tr("reg-retry-minutes", &[("count", (minutes as i64).into())])
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::i18n::Lang;

    #[test]
    fn failures_in_plain_words() {
        let table = [
            (401, "Unauthorized", false, Failure::WrongPassword),
            (
                407,
                "Proxy Authentication Required",
                false,
                Failure::WrongPassword,
            ),
            (403, "Forbidden", false, Failure::Forbidden),
            (404, "Not Found", false, Failure::UnknownUser),
            (408, "Request Timeout", false, Failure::Unreachable),
            (
                503,
                "Service Unavailable: transport error",
                false,
                Failure::Unreachable,
            ),
            (
                503,
                "Service Unavailable: transport error",
                true,
                Failure::CertificateNotTrusted,
            ),
            (503, "Service Unavailable", false, Failure::Other),
            (
                500,
                "bad certificate",
                false,
                Failure::CertificateNotTrusted,
            ),
            (486, "Busy Here", false, Failure::Other),
        ];
        for (code, reason, hint, want) in table {
            assert_eq!(failure(code, reason, hint), want, "{code} {reason} {hint}");
        }
    }

    #[test]
    fn statuses_read_as_sentences() {
        let i18n = I18n::new(Lang::En);
        let failed = |code, reason: &str, hint| {
            let event = RegistrationEvent::Failed {
                code,
                reason: reason.into(),
                retry_in: Duration::from_secs(45),
            };
            RegStatus::from_event(&event, hint)
        };
        let wrong = failed(401, "Unauthorized", false);
        assert_eq!(wrong.words(&i18n), "Failed: wrong password (401)");
        assert_eq!(wrong.retry_words(&i18n).unwrap(), "retrying in 45 seconds");
        let timeout = failed(408, "Request Timeout", false);
        assert_eq!(timeout.words(&i18n), "Failed: server unreachable");
        let tls = failed(503, "Service Unavailable: transport error", true);
        assert_eq!(tls.words(&i18n), "Failed: certificate not trusted");
        let other = failed(480, "Temporarily Unavailable", false);
        assert_eq!(other.words(&i18n), "Failed: Temporarily Unavailable (480)");
        let registering = RegStatus::from_event(&RegistrationEvent::Registering, false);
        assert_eq!(registering.words(&i18n), "Registering…");
        let long = RegStatus::Failed {
            why: Failure::Unreachable,
            code: 408,
            reason: String::new(),
            retry_in: Duration::from_secs(1800),
        };
        assert_eq!(long.retry_words(&i18n).unwrap(), "retrying in 30 minutes");
    }
}
