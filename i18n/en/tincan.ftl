# Tincan, English (complete; the fallback for every other language).
# Variables: $count (a number), $name, $account, $address, $code, $reason, $message,
# $duration, $digits.

app-title = Tincan
app-closing = Closing… ending calls and signing out
title-incoming = Incoming call from { $name } — Tincan

## Navigation
nav-home = Home
nav-dialpad = Dialpad
nav-calls = { $count ->
    [one] Call
   *[other] Calls ({ $count })
}
nav-accounts = Accounts
nav-settings = Settings

## Keyboard shortcuts shown on buttons
key-enter = Enter
key-hold = H
key-mute = M
key-escape = Esc

## Home and first run
home-title = Welcome to Tincan
home-your-address = Your address
home-address-starting = Starting…
home-address-offline = Not reachable: the phone is not running
home-address-hint = Others can call you directly at this address, no account needed.
home-copy = Copy
home-direct-address = For ordinary SIP phones: { $address }
home-nearby = People nearby
home-call = Call
home-no-accounts = No SIP account yet. Add one to call phone numbers and to be reachable through a provider.
home-accounts-count = { $count ->
    [one] 1 SIP account
   *[other] { $count } SIP accounts
}
home-add-account = Add SIP account
home-open-dialpad = Open the dialpad

## Dialpad
dialpad-title = New call
dialpad-placeholder = Number or address (sip:, sips:, tel:)
dialpad-from = From
dialpad-direct = Direct (no account)
dialpad-call = Call
dialpad-backspace = Delete
dialpad-error-empty = Type a number or an address first.
dialpad-error-bad-address = This is not an address Tincan can call: use sip:, sips: or tel:.
dialpad-error-need-uri = Without an account, type a full address such as sip:bob@example.com.

## Incoming call
incoming-title = Incoming call
incoming-via-account = on your account { $account }
incoming-direct = direct call, without an account
incoming-others = { $count ->
    [one] 1 other call is waiting
   *[other] { $count } other calls are waiting
}
incoming-answer = Answer
incoming-decline = Decline

## In call
calls-count = { $count ->
    [one] 1 call
   *[other] { $count } calls
}
call-none = No call right now.
call-switch = Switch
call-hold = Hold
call-resume = Resume
call-hangup = Hang up
call-mute = Mute
call-unmute = Unmute
call-muted = Microphone off
call-verified = Verified caller
call-unverified = Unverified
call-encrypted = Encrypted
call-not-encrypted = Not encrypted
call-quality-good = Good quality
call-quality-fair = Fair quality
call-quality-poor = Poor quality
call-codec = Codec: { $name }
call-meter-microphone = Microphone
call-meter-speaker = Speaker
call-sent-digits = Sent: { $digits }
call-received-digits = Received: { $digits }
call-state-dialing = Calling…
call-state-ringing = Ringing…
call-state-incoming = Incoming call
call-state-connecting = Connecting…
call-state-up = { $duration }
call-state-held = On hold · { $duration }
call-state-held-remote = Held by the other side · { $duration }

## How calls ended
ended-local = Call with { $name } ended.
ended-remote = { $name } hung up.
ended-missed = Missed call from { $name }.
ended-missed-dnd = Missed call from { $name } (do not disturb).
ended-busy = { $name } is busy.
ended-declined = { $name } declined the call.
ended-you-declined = You declined the call from { $name }.
ended-timeout = { $name } did not answer.
ended-failed = The call with { $name } failed: { $reason } ({ $code }).

## Accounts
accounts-title = Accounts
accounts-add = Add account
accounts-empty = No accounts yet.
accounts-default = default
accounts-edit = Edit
accounts-make-default = Make default
accounts-remove = Remove
accounts-keep = Keep
accounts-remove-confirm = Remove { $name } and its password?
accounts-note-applying = Applying the changes: the phone restarts…
accounts-note-after-calls = The changes apply when your calls have ended.

## Registration states
reg-offline = Not connected
reg-registering = Registering…
reg-registered = Registered
reg-unregistered = Not registered
reg-calls-only = Calls only (does not register)
reg-disabled = Disabled
reg-failed-password = Failed: wrong password ({ $code })
reg-failed-forbidden = Failed: the server refused ({ $code })
reg-failed-unknown-user = Failed: unknown user ({ $code })
reg-failed-unreachable = Failed: server unreachable
reg-failed-certificate = Failed: certificate not trusted
reg-failed-other = Failed: { $reason } ({ $code })
reg-retry-seconds = retrying in { $count ->
    [one] 1 second
   *[other] { $count } seconds
}
reg-retry-minutes = retrying in { $count ->
    [one] 1 minute
   *[other] { $count } minutes
}

## Account form
form-title-new = New account
form-title-edit = Edit { $name }
form-name = Name
form-name-placeholder = work, home…
form-aor = SIP address
form-aor-placeholder = sip:alice@example.com
form-display-name = Display name
form-optional = optional
form-auth-user = Authentication user
form-auth-user-placeholder = if different from the address's user
form-password = Password
form-password-placeholder = kept in the system keyring, never on disk
form-password-unchanged = unchanged (kept in the system keyring)
form-registrar = Registrar
form-proxy = Outbound proxy
form-uri-placeholder = sip:sip.example.com (optional)
form-transport = Transport
form-ca-file = CA certificate file
form-ca-file-placeholder = /path/to/ca.pem (optional, for TLS)
form-register = Register (to receive calls)
form-enabled = Enabled
form-save = Save
form-saving = Saving…
form-cancel = Cancel
form-error-name-empty = Give the account a name.
form-error-name-taken = Another account already has this name.
form-error-aor-empty = Enter your SIP address.
form-error-aor-parse = This is not a SIP address: write it like sip:alice@example.com.
form-error-aor-user = The address needs a user part: sip:alice@example.com.
form-error-uri = This is not a SIP URI: write it like sip:sip.example.com or sip:sip.example.com:5061.
form-error-ca-file-missing = There is no such file.
transport-auto = Automatic
transport-udp = UDP
transport-tcp = TCP
transport-tls = TLS (encrypted)

## Settings
settings-title = Settings
settings-sound = Sound
settings-refresh = Refresh
settings-devices-listing = Looking for sound devices…
settings-devices-failed = The sound devices cannot be listed: { $message }
settings-device-default = System default
settings-ringer-same = Same as the speaker
settings-device-missing = { $name } (not connected)
settings-device-gone = { $name } is not connected: the system default is used until it is back.
settings-input = Microphone
settings-output = Speaker
settings-ringer = Ringer
settings-mic-test = Test microphone
settings-mic-test-stop = Stop the test
settings-test-sound = Play test sound
settings-processing = Microphone processing
settings-echo = Echo cancellation
settings-noise = Noise suppression
settings-gain = Automatic gain control
settings-codecs = Codecs (in order of preference)
settings-codec-up = Up
settings-codec-down = Down
settings-codec-last = At least one codec must stay enabled.
settings-calls = Incoming calls
settings-dnd = Do not disturb (decline calls as busy, record them as missed)
settings-auto-answer = Answer calls automatically
settings-window = Window
settings-language = Language
settings-theme = Theme
settings-theme-system = Like the system
settings-theme-light = Light
settings-theme-dark = Dark
settings-start-minimized = Start minimized
level-db = { $db } dB
level-none = –

## Notices
notice-dismiss = Dismiss
notice-retry = Try again
notice-copied = Address copied.
notice-saved = Saved.
notice-save-failed = Could not save: { $message }
notice-warning = Warning: { $message }
notice-engine-error = Error: { $message }
notice-engine-failed = The phone stopped: { $message }
notice-engine-busy = The phone is busy; try again in a moment.
notice-engine-not-running = The phone is not running.
notice-no-such-account = The account { $name } is not active.
notice-port-taken = The usual SIP port is taken (is another phone running?): Tincan listens on a free port instead.
notice-keyring-unavailable = The system keyring cannot be used: passwords you type are kept for this session only.
accounts-no-password = No password stored

## Contacts
nav-contacts = Contacts
nav-history = { $count ->
    [0] History
   *[other] History ({ $count })
}
contacts-title = Contacts
contacts-add = Add contact
contacts-search = Search by name or address (Enter calls the first)
contacts-empty = No contacts yet.
contacts-no-match = No contact matches.
contacts-edit = Edit
contacts-new-title = New contact
contacts-edit-title = Edit contact
contacts-name = Name
contacts-addresses = Addresses and numbers (separated by commas)
contacts-addresses-placeholder = sip:alice@example.com, +49 30 1234567
contacts-favourite = Favourite (shown first)
contacts-save = Save
contacts-cancel = Cancel
contacts-delete = Delete
contacts-error-name = Give the contact a name.
contacts-error-no-address = Give at least one address or number.
contacts-error-bad-address = “{ $address }” is not an address Tincan can call: use sip:, sips:, tel: or a number.
contacts-vcard-file = vCard file
contacts-vcard-placeholder = /home/me/contacts.vcf
contacts-import = Import
contacts-export = Export
contacts-error-no-file = Type the path of a vCard file first.

## History
history-title = History
history-clear = Clear
history-confirm-clear = Forget every call
history-keep = Keep
history-empty = No calls yet.
history-incoming = Incoming
history-outgoing = Outgoing
history-missed-call = Missed
history-on-account = on { $account }
history-direct = direct
history-call-back = Call back
history-missed-count = { $count ->
    [one] 1 missed call
   *[other] { $count } missed calls
}

## Keyboard help
help-title = Keyboard shortcuts
help-close = Close
help-keys-help = F1 or ?
help-does-help = Show or hide this help
help-keys-digits = 0–9 * # +
help-does-digits = Type on the dialpad
help-keys-enter-dialpad = Enter (dialpad)
help-does-enter-dialpad = Call the number typed
help-keys-enter-incoming = Enter (incoming call)
help-does-enter-incoming = Answer
help-keys-escape-incoming = Esc (incoming call)
help-does-escape-incoming = Decline
help-keys-dtmf = 0–9 * # (in a call)
help-does-dtmf = Send the tones
help-keys-hold = H (in a call)
help-does-hold = Hold or resume
help-keys-mute = M (in a call)
help-does-mute = Mute or unmute the microphone
help-keys-escape-call = Esc (in a call)
help-does-escape-call = Hang up
help-keys-enter-contacts = Enter (contacts)
help-does-enter-contacts = Call the first contact found
help-keys-search = Ctrl+F
help-does-search = Search the contacts
help-keys-dial = Ctrl+D
help-does-dial = Open the dialpad
help-keys-tab = Tab, Shift+Tab
help-does-tab = Next or previous control (Enter or Space presses a button)

## Storage and desktop
notice-store-problem = Contacts and history: { $message }
notice-store-error = Contacts and history could not be saved: { $message }
notice-contact-saved = { $name } saved.
notice-vcard-imported = { $count ->
    [one] 1 contact imported
   *[other] { $count } contacts imported
}{ $skipped ->
    [0] .
   *[other] ; { $skipped } problems skipped (see the log).
}
notice-vcard-exported = { $count ->
    [one] 1 contact
   *[other] { $count } contacts
} written to { $file }.
notice-vcard-unreadable = Cannot read { $file }: { $message }
notice-vcard-unwritable = Cannot write { $file }: { $message }
notify-incoming = Incoming call
