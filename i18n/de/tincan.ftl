# Tincan, Deutsch.

app-title = Tincan
app-closing = Wird beendet… Anrufe werden beendet und Konten abgemeldet
title-incoming = Eingehender Anruf von { $name } — Tincan

## Navigation
nav-home = Start
nav-dialpad = Wähltastatur
nav-calls = { $count ->
    [one] Anruf
   *[other] Anrufe ({ $count })
}
nav-accounts = Konten
nav-settings = Einstellungen

## Tastenkürzel auf Schaltflächen
key-enter = Eingabe
key-hold = H
key-mute = M
key-escape = Esc

## Start und erster Start
home-title = Willkommen bei Tincan
home-your-address = Ihre Adresse
home-address-starting = Wird gestartet…
home-address-offline = Nicht erreichbar: das Telefon läuft nicht
home-address-hint = Unter dieser Adresse kann man Sie direkt anrufen, ganz ohne Konto.
home-copy = Kopieren
home-direct-address = Für gewöhnliche SIP-Telefone: { $address }
home-nearby = In der Nähe
home-call = Anrufen
home-no-accounts = Noch kein SIP-Konto. Fügen Sie eines hinzu, um Telefonnummern anzurufen und über einen Anbieter erreichbar zu sein.
home-accounts-count = { $count ->
    [one] 1 SIP-Konto
   *[other] { $count } SIP-Konten
}
home-add-account = SIP-Konto hinzufügen
home-open-dialpad = Wähltastatur öffnen

## Wähltastatur
dialpad-title = Neuer Anruf
dialpad-placeholder = Nummer oder Adresse (sip:, sips:, tel:)
dialpad-from = Von
dialpad-direct = Direkt (ohne Konto)
dialpad-call = Anrufen
dialpad-backspace = Löschen
dialpad-error-empty = Geben Sie zuerst eine Nummer oder Adresse ein.
dialpad-error-bad-address = Diese Adresse kann Tincan nicht anrufen: verwenden Sie sip:, sips: oder tel:.
dialpad-error-need-uri = Ohne Konto geben Sie eine vollständige Adresse ein, z. B. sip:bob@example.com.

## Eingehender Anruf
incoming-title = Eingehender Anruf
incoming-via-account = auf Ihrem Konto { $account }
incoming-direct = Direktanruf, ohne Konto
incoming-others = { $count ->
    [one] 1 weiterer Anruf wartet
   *[other] { $count } weitere Anrufe warten
}
incoming-answer = Annehmen
incoming-decline = Ablehnen

## Im Gespräch
calls-count = { $count ->
    [one] 1 Anruf
   *[other] { $count } Anrufe
}
call-none = Gerade kein Anruf.
call-switch = Wechseln
call-hold = Halten
call-resume = Fortsetzen
call-hangup = Auflegen
call-mute = Stumm
call-unmute = Ton an
call-muted = Mikrofon aus
call-verified = Anrufer bestätigt
call-unverified = Nicht bestätigt
call-encrypted = Verschlüsselt
call-not-encrypted = Nicht verschlüsselt
call-quality-good = Gute Qualität
call-quality-fair = Mäßige Qualität
call-quality-poor = Schlechte Qualität
call-codec = Codec: { $name }
call-meter-microphone = Mikrofon
call-meter-speaker = Lautsprecher
call-sent-digits = Gesendet: { $digits }
call-received-digits = Empfangen: { $digits }
call-state-dialing = Wird angerufen…
call-state-ringing = Es klingelt…
call-state-incoming = Eingehender Anruf
call-state-connecting = Verbindung wird aufgebaut…
call-state-up = { $duration }
call-state-held = Gehalten · { $duration }
call-state-held-remote = Von der Gegenseite gehalten · { $duration }

## Wie Anrufe endeten
ended-local = Anruf mit { $name } beendet.
ended-remote = { $name } hat aufgelegt.
ended-missed = Verpasster Anruf von { $name }.
ended-missed-dnd = Verpasster Anruf von { $name } (nicht stören).
ended-busy = { $name } ist besetzt.
ended-declined = { $name } hat den Anruf abgelehnt.
ended-you-declined = Sie haben den Anruf von { $name } abgelehnt.
ended-timeout = { $name } hat nicht geantwortet.
ended-failed = Der Anruf mit { $name } ist fehlgeschlagen: { $reason } ({ $code }).

## Konten
accounts-title = Konten
accounts-add = Konto hinzufügen
accounts-empty = Noch keine Konten.
accounts-default = Standard
accounts-edit = Bearbeiten
accounts-make-default = Als Standard
accounts-remove = Entfernen
accounts-keep = Behalten
accounts-remove-confirm = { $name } und sein Passwort entfernen?
accounts-note-applying = Änderungen werden übernommen: das Telefon startet neu…
accounts-note-after-calls = Die Änderungen gelten, sobald Ihre Anrufe beendet sind.

## Registrierung
reg-offline = Nicht verbunden
reg-registering = Wird registriert…
reg-registered = Registriert
reg-unregistered = Nicht registriert
reg-calls-only = Nur Anrufe (keine Registrierung)
reg-disabled = Deaktiviert
reg-failed-password = Fehlgeschlagen: falsches Passwort ({ $code })
reg-failed-forbidden = Fehlgeschlagen: vom Server abgelehnt ({ $code })
reg-failed-unknown-user = Fehlgeschlagen: unbekannter Benutzer ({ $code })
reg-failed-unreachable = Fehlgeschlagen: Server nicht erreichbar
reg-failed-certificate = Fehlgeschlagen: Zertifikat nicht vertrauenswürdig
reg-failed-other = Fehlgeschlagen: { $reason } ({ $code })
reg-retry-seconds = neuer Versuch in { $count ->
    [one] 1 Sekunde
   *[other] { $count } Sekunden
}
reg-retry-minutes = neuer Versuch in { $count ->
    [one] 1 Minute
   *[other] { $count } Minuten
}

## Kontoformular
form-title-new = Neues Konto
form-title-edit = { $name } bearbeiten
form-name = Name
form-name-placeholder = Arbeit, Privat…
form-aor = SIP-Adresse
form-aor-placeholder = sip:alice@example.com
form-display-name = Anzeigename
form-optional = optional
form-auth-user = Anmeldename
form-auth-user-placeholder = falls anders als der Benutzer der Adresse
form-password = Passwort
form-password-placeholder = im Schlüsselbund des Systems, nie auf der Festplatte
form-password-unchanged = unverändert (im Schlüsselbund des Systems)
form-registrar = Registrar
form-proxy = Ausgehender Proxy
form-uri-placeholder = sip:sip.example.com (optional)
form-transport = Transport
form-ca-file = CA-Zertifikatsdatei
form-ca-file-placeholder = /pfad/zu/ca.pem (optional, für TLS)
form-register = Registrieren (um Anrufe zu empfangen)
form-enabled = Aktiviert
form-save = Speichern
form-saving = Wird gespeichert…
form-cancel = Abbrechen
form-error-name-empty = Geben Sie dem Konto einen Namen.
form-error-name-taken = Ein anderes Konto hat bereits diesen Namen.
form-error-aor-empty = Geben Sie Ihre SIP-Adresse ein.
form-error-aor-parse = Das ist keine SIP-Adresse: schreiben Sie sie wie sip:alice@example.com.
form-error-aor-user = Die Adresse braucht einen Benutzerteil: sip:alice@example.com.
form-error-uri = Das ist keine SIP-URI: schreiben Sie sie wie sip:sip.example.com oder sip:sip.example.com:5061.
form-error-ca-file-missing = Diese Datei gibt es nicht.
transport-auto = Automatisch
transport-udp = UDP
transport-tcp = TCP
transport-tls = TLS (verschlüsselt)

## Einstellungen
settings-title = Einstellungen
settings-sound = Ton
settings-refresh = Aktualisieren
settings-devices-listing = Suche nach Audiogeräten…
settings-devices-failed = Die Audiogeräte können nicht aufgelistet werden: { $message }
settings-device-default = Systemstandard
settings-ringer-same = Wie der Lautsprecher
settings-device-missing = { $name } (nicht verbunden)
settings-device-gone = { $name } ist nicht verbunden: Bis es wieder da ist, wird der Systemstandard verwendet.
settings-input = Mikrofon
settings-output = Lautsprecher
settings-ringer = Klingelton-Gerät
settings-mic-test = Mikrofon testen
settings-mic-test-stop = Test beenden
settings-test-sound = Testton abspielen
settings-processing = Mikrofonverarbeitung
settings-echo = Echounterdrückung
settings-noise = Rauschunterdrückung
settings-gain = Automatische Pegelanpassung
settings-codecs = Codecs (nach Vorrang geordnet)
settings-codec-up = Hoch
settings-codec-down = Runter
settings-codec-last = Mindestens ein Codec muss aktiviert bleiben.
settings-calls = Eingehende Anrufe
settings-dnd = Nicht stören (Anrufe als besetzt ablehnen, als verpasst speichern)
settings-auto-answer = Anrufe automatisch annehmen
settings-window = Fenster
settings-language = Sprache
settings-theme = Design
settings-theme-system = Wie das System
settings-theme-light = Hell
settings-theme-dark = Dunkel
settings-start-minimized = Minimiert starten
level-db = { $db } dB
level-none = –

## Hinweise
notice-dismiss = Schließen
notice-retry = Erneut versuchen
notice-copied = Adresse kopiert.
notice-saved = Gespeichert.
notice-save-failed = Speichern fehlgeschlagen: { $message }
notice-warning = Warnung: { $message }
notice-engine-error = Fehler: { $message }
notice-engine-failed = Das Telefon wurde angehalten: { $message }
notice-engine-busy = Das Telefon ist beschäftigt; versuchen Sie es gleich noch einmal.
notice-engine-not-running = Das Telefon läuft nicht.
notice-no-such-account = Das Konto { $name } ist nicht aktiv.
notice-port-taken = Der übliche SIP-Port ist belegt (läuft ein anderes Telefon?): Tincan verwendet stattdessen einen freien Port.
notice-keyring-unavailable = Der Schlüsselbund des Systems ist nicht nutzbar: eingegebene Passwörter gelten nur für diese Sitzung.
accounts-no-password = Kein Passwort gespeichert

## Kontakte
nav-contacts = Kontakte
nav-history = { $count ->
    [0] Verlauf
   *[other] Verlauf ({ $count })
}
contacts-title = Kontakte
contacts-add = Kontakt hinzufügen
contacts-search = Nach Name oder Adresse suchen (Enter ruft den ersten an)
contacts-empty = Noch keine Kontakte.
contacts-no-match = Kein Kontakt passt.
contacts-edit = Bearbeiten
contacts-new-title = Neuer Kontakt
contacts-edit-title = Kontakt bearbeiten
contacts-name = Name
contacts-addresses = Adressen und Nummern (durch Kommas getrennt)
contacts-addresses-placeholder = sip:alice@example.com, +49 30 1234567
contacts-favourite = Favorit (steht oben)
contacts-save = Speichern
contacts-cancel = Abbrechen
contacts-delete = Löschen
contacts-error-name = Gib dem Kontakt einen Namen.
contacts-error-no-address = Gib mindestens eine Adresse oder Nummer an.
contacts-error-bad-address = „{ $address }“ ist keine Adresse, die Tincan anrufen kann: verwende sip:, sips:, tel: oder eine Nummer.
contacts-vcard-file = vCard-Datei
contacts-vcard-placeholder = /home/ich/kontakte.vcf
contacts-import = Importieren
contacts-export = Exportieren
contacts-error-no-file = Gib zuerst den Pfad einer vCard-Datei ein.

## Verlauf
history-title = Verlauf
history-clear = Leeren
history-confirm-clear = Alle Anrufe vergessen
history-keep = Behalten
history-empty = Noch keine Anrufe.
history-incoming = Eingehend
history-outgoing = Ausgehend
history-missed-call = Verpasst
history-on-account = über { $account }
history-direct = direkt
history-call-back = Zurückrufen
history-missed-count = { $count ->
    [one] 1 verpasster Anruf
   *[other] { $count } verpasste Anrufe
}

## Tastaturhilfe
help-title = Tastenkürzel
help-close = Schließen
help-keys-help = F1 oder ?
help-does-help = Diese Hilfe zeigen oder ausblenden
help-keys-digits = 0–9 * # +
help-does-digits = Auf der Wähltastatur tippen
help-keys-enter-dialpad = Enter (Wähltastatur)
help-does-enter-dialpad = Die getippte Nummer anrufen
help-keys-enter-incoming = Enter (eingehender Anruf)
help-does-enter-incoming = Annehmen
help-keys-escape-incoming = Esc (eingehender Anruf)
help-does-escape-incoming = Ablehnen
help-keys-dtmf = 0–9 * # (im Gespräch)
help-does-dtmf = Töne senden
help-keys-hold = H (im Gespräch)
help-does-hold = Halten oder fortsetzen
help-keys-mute = M (im Gespräch)
help-does-mute = Mikrofon aus- oder einschalten
help-keys-escape-call = Esc (im Gespräch)
help-does-escape-call = Auflegen
help-keys-enter-contacts = Enter (Kontakte)
help-does-enter-contacts = Den ersten gefundenen Kontakt anrufen
help-keys-search = Strg+F
help-does-search = Kontakte durchsuchen
help-keys-dial = Strg+D
help-does-dial = Wähltastatur öffnen
help-keys-tab = Tab, Umschalt+Tab
help-does-tab = Nächstes oder vorheriges Element (Eingabe oder Leertaste drückt eine Schaltfläche)

## Speicher und Desktop
notice-store-problem = Kontakte und Verlauf: { $message }
notice-store-error = Kontakte und Verlauf konnten nicht gespeichert werden: { $message }
notice-contact-saved = { $name } gespeichert.
notice-vcard-imported = { $count ->
    [one] 1 Kontakt importiert
   *[other] { $count } Kontakte importiert
}{ $skipped ->
    [0] .
   *[other] ; { $skipped } Probleme übersprungen (siehe Protokoll).
}
notice-vcard-exported = { $count ->
    [one] 1 Kontakt
   *[other] { $count } Kontakte
} nach { $file } geschrieben.
notice-vcard-unreadable = { $file } kann nicht gelesen werden: { $message }
notice-vcard-unwritable = { $file } kann nicht geschrieben werden: { $message }
notify-incoming = Eingehender Anruf
