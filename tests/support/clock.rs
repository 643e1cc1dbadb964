//! The one wall-clock read of the sans-IO unit tests in `src/sip`: an origin for virtual
//! time, which the tests then only advance by adding durations (STYLE.md habit 3). It lives
//! outside `src/sip` (pulled in with `#[path]`) so that `scripts/check-sans-io.sh` can keep
//! forbidding clock reads in every file under `src/sip`, test modules included.

use std::time::Instant;

/// An arbitrary instant to start virtual time from.
pub fn origin() -> Instant {
    Instant::now()
}
