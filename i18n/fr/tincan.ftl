# Tincan, français.

app-title = Tincan
app-closing = Fermeture… fin des appels et déconnexion des comptes
title-incoming = Appel entrant de { $name } — Tincan

## Navigation
nav-home = Accueil
nav-dialpad = Clavier
nav-calls = { $count ->
    [one] Appel
   *[other] Appels ({ $count })
}
nav-accounts = Comptes
nav-settings = Réglages

## Raccourcis clavier affichés sur les boutons
key-enter = Entrée
key-hold = H
key-mute = M
key-escape = Échap

## Accueil et premier lancement
home-title = Bienvenue dans Tincan
home-your-address = Votre adresse
home-address-starting = Démarrage…
home-address-offline = Injoignable : le téléphone ne fonctionne pas
home-address-hint = On peut vous appeler directement à cette adresse, sans aucun compte.
home-copy = Copier
home-direct-address = Pour les téléphones SIP ordinaires : { $address }
home-nearby = À proximité
home-call = Appeler
home-no-accounts = Aucun compte SIP pour l’instant. Ajoutez-en un pour appeler des numéros de téléphone et être joignable via un opérateur.
home-accounts-count = { $count ->
    [one] { $count } compte SIP
   *[other] { $count } comptes SIP
}
home-add-account = Ajouter un compte SIP
home-open-dialpad = Ouvrir le clavier

## Clavier
dialpad-title = Nouvel appel
dialpad-placeholder = Numéro ou adresse (sip:, sips:, tel:)
dialpad-from = Depuis
dialpad-direct = Direct (sans compte)
dialpad-call = Appeler
dialpad-backspace = Effacer
dialpad-error-empty = Saisissez d’abord un numéro ou une adresse.
dialpad-error-bad-address = Tincan ne peut pas appeler cette adresse : utilisez sip:, sips: ou tel:.
dialpad-error-need-uri = Sans compte, saisissez une adresse complète, par exemple sip:bob@example.com.

## Appel entrant
incoming-title = Appel entrant
incoming-via-account = sur votre compte { $account }
incoming-direct = appel direct, sans compte
incoming-others = { $count ->
    [one] { $count } autre appel en attente
   *[other] { $count } autres appels en attente
}
incoming-answer = Répondre
incoming-decline = Refuser

## En communication
calls-count = { $count ->
    [one] { $count } appel
   *[other] { $count } appels
}
call-none = Aucun appel en cours.
call-switch = Basculer
call-hold = Mettre en attente
call-resume = Reprendre
call-hangup = Raccrocher
call-mute = Couper le micro
call-unmute = Rétablir le micro
call-muted = Micro coupé
call-verified = Appelant vérifié
call-unverified = Non vérifié
call-encrypted = Chiffré
call-not-encrypted = Non chiffré
call-quality-good = Bonne qualité
call-quality-fair = Qualité moyenne
call-quality-poor = Mauvaise qualité
call-codec = Codec : { $name }
call-meter-microphone = Microphone
call-meter-speaker = Haut-parleur
call-sent-digits = Envoyé : { $digits }
call-received-digits = Reçu : { $digits }
call-state-dialing = Appel en cours…
call-state-ringing = Ça sonne…
call-state-incoming = Appel entrant
call-state-connecting = Connexion…
call-state-up = { $duration }
call-state-held = En attente · { $duration }
call-state-held-remote = Mis en attente par l’autre partie · { $duration }

## Fin des appels
ended-local = Appel avec { $name } terminé.
ended-remote = { $name } a raccroché.
ended-missed = Appel manqué de { $name }.
ended-missed-dnd = Appel manqué de { $name } (ne pas déranger).
ended-busy = { $name } est occupé.
ended-declined = { $name } a refusé l’appel.
ended-you-declined = Vous avez refusé l’appel de { $name }.
ended-timeout = { $name } n’a pas répondu.
ended-failed = L’appel avec { $name } a échoué : { $reason } ({ $code }).

## Comptes
accounts-title = Comptes
accounts-add = Ajouter un compte
accounts-empty = Aucun compte pour l’instant.
accounts-default = par défaut
accounts-edit = Modifier
accounts-make-default = Par défaut
accounts-remove = Supprimer
accounts-keep = Garder
accounts-remove-confirm = Supprimer { $name } et son mot de passe ?
accounts-note-applying = Application des changements : le téléphone redémarre…
accounts-note-after-calls = Les changements s’appliqueront à la fin de vos appels.

## États d’enregistrement
reg-offline = Non connecté
reg-registering = Enregistrement…
reg-registered = Enregistré
reg-unregistered = Non enregistré
reg-calls-only = Appels seulement (sans enregistrement)
reg-disabled = Désactivé
reg-failed-password = Échec : mot de passe incorrect ({ $code })
reg-failed-forbidden = Échec : refusé par le serveur ({ $code })
reg-failed-unknown-user = Échec : utilisateur inconnu ({ $code })
reg-failed-unreachable = Échec : serveur injoignable
reg-failed-certificate = Échec : certificat non approuvé
reg-failed-other = Échec : { $reason } ({ $code })
reg-retry-seconds = nouvel essai dans { $count ->
    [one] { $count } seconde
   *[other] { $count } secondes
}
reg-retry-minutes = nouvel essai dans { $count ->
    [one] { $count } minute
   *[other] { $count } minutes
}

## Formulaire de compte
form-title-new = Nouveau compte
form-title-edit = Modifier { $name }
form-name = Nom
form-name-placeholder = travail, maison…
form-aor = Adresse SIP
form-aor-placeholder = sip:alice@example.com
form-display-name = Nom affiché
form-optional = facultatif
form-auth-user = Identifiant d’authentification
form-auth-user-placeholder = s’il diffère de l’utilisateur de l’adresse
form-password = Mot de passe
form-password-placeholder = gardé dans le trousseau du système, jamais sur le disque
form-password-unchanged = inchangé (gardé dans le trousseau du système)
form-registrar = Registrar
form-proxy = Proxy sortant
form-uri-placeholder = sip:sip.example.com (facultatif)
form-transport = Transport
form-ca-file = Fichier de certificat d’autorité
form-ca-file-placeholder = /chemin/vers/ca.pem (facultatif, pour TLS)
form-register = S’enregistrer (pour recevoir des appels)
form-enabled = Activé
form-save = Enregistrer
form-saving = Enregistrement…
form-cancel = Annuler
form-error-name-empty = Donnez un nom au compte.
form-error-name-taken = Un autre compte porte déjà ce nom.
form-error-aor-empty = Saisissez votre adresse SIP.
form-error-aor-parse = Ce n’est pas une adresse SIP : écrivez-la comme sip:alice@example.com.
form-error-aor-user = L’adresse doit contenir un utilisateur : sip:alice@example.com.
form-error-uri = Ce n’est pas une URI SIP : écrivez-la comme sip:sip.example.com ou sip:sip.example.com:5061.
form-error-ca-file-missing = Ce fichier n’existe pas.
transport-auto = Automatique
transport-udp = UDP
transport-tcp = TCP
transport-tls = TLS (chiffré)

## Réglages
settings-title = Réglages
settings-sound = Son
settings-refresh = Actualiser
settings-devices-listing = Recherche des périphériques audio…
settings-devices-failed = Impossible de lister les périphériques audio : { $message }
settings-device-default = Par défaut du système
settings-ringer-same = Comme le haut-parleur
settings-device-missing = { $name } (non connecté)
settings-device-gone = { $name } n’est pas connecté : le périphérique par défaut du système est utilisé en attendant.
settings-input = Microphone
settings-output = Haut-parleur
settings-ringer = Sonnerie
settings-mic-test = Tester le microphone
settings-mic-test-stop = Arrêter le test
settings-test-sound = Jouer un son de test
settings-processing = Traitement du microphone
settings-echo = Annulation d’écho
settings-noise = Réduction du bruit
settings-gain = Contrôle automatique du gain
settings-codecs = Codecs (par ordre de préférence)
settings-codec-up = Monter
settings-codec-down = Descendre
settings-codec-last = Au moins un codec doit rester activé.
settings-calls = Appels entrants
settings-dnd = Ne pas déranger (refuser les appels comme occupé, les noter comme manqués)
settings-auto-answer = Répondre automatiquement
settings-window = Fenêtre
settings-language = Langue
settings-theme = Thème
settings-theme-system = Comme le système
settings-theme-light = Clair
settings-theme-dark = Sombre
settings-start-minimized = Démarrer réduit
level-db = { $db } dB
level-none = –

## Notifications
notice-dismiss = Fermer
notice-retry = Réessayer
notice-copied = Adresse copiée.
notice-saved = Enregistré.
notice-save-failed = Enregistrement impossible : { $message }
notice-warning = Attention : { $message }
notice-engine-error = Erreur : { $message }
notice-engine-failed = Le téléphone s’est arrêté : { $message }
notice-engine-busy = Le téléphone est occupé ; réessayez dans un instant.
notice-engine-not-running = Le téléphone ne fonctionne pas.
notice-no-such-account = Le compte { $name } n’est pas actif.
notice-port-taken = Le port SIP habituel est occupé (un autre téléphone est-il lancé ?) : Tincan écoute sur un port libre à la place.
notice-keyring-unavailable = Le trousseau du système est inutilisable : les mots de passe saisis ne valent que pour cette session.
accounts-no-password = Aucun mot de passe enregistré

## Contacts
nav-contacts = Contacts
nav-history = { $count ->
    [0] Historique
   *[other] Historique ({ $count })
}
contacts-title = Contacts
contacts-add = Ajouter un contact
contacts-search = Chercher par nom ou adresse (Entrée appelle le premier)
contacts-empty = Aucun contact pour l’instant.
contacts-no-match = Aucun contact ne correspond.
contacts-edit = Modifier
contacts-new-title = Nouveau contact
contacts-edit-title = Modifier le contact
contacts-name = Nom
contacts-addresses = Adresses et numéros (séparés par des virgules)
contacts-addresses-placeholder = sip:alice@example.com, +33 1 23 45 67 89
contacts-favourite = Favori (affiché en premier)
contacts-save = Enregistrer
contacts-cancel = Annuler
contacts-delete = Supprimer
contacts-error-name = Donnez un nom au contact.
contacts-error-no-address = Donnez au moins une adresse ou un numéro.
contacts-error-bad-address = « { $address } » n’est pas une adresse que Tincan peut appeler : utilisez sip:, sips:, tel: ou un numéro.
contacts-vcard-file = Fichier vCard
contacts-vcard-placeholder = /home/moi/contacts.vcf
contacts-import = Importer
contacts-export = Exporter
contacts-error-no-file = Indiquez d’abord le chemin d’un fichier vCard.

## Historique
history-title = Historique
history-clear = Effacer
history-confirm-clear = Oublier tous les appels
history-keep = Garder
history-empty = Aucun appel pour l’instant.
history-incoming = Entrant
history-outgoing = Sortant
history-missed-call = Manqué
history-on-account = sur { $account }
history-direct = direct
history-call-back = Rappeler
history-missed-count = { $count ->
    [one] { $count } appel manqué
   *[other] { $count } appels manqués
}

## Aide clavier
help-title = Raccourcis clavier
help-close = Fermer
help-keys-help = F1 ou ?
help-does-help = Afficher ou masquer cette aide
help-keys-digits = 0–9 * # +
help-does-digits = Taper sur le clavier
help-keys-enter-dialpad = Entrée (clavier)
help-does-enter-dialpad = Appeler le numéro tapé
help-keys-enter-incoming = Entrée (appel entrant)
help-does-enter-incoming = Répondre
help-keys-escape-incoming = Échap (appel entrant)
help-does-escape-incoming = Refuser
help-keys-dtmf = 0–9 * # (en appel)
help-does-dtmf = Envoyer les tonalités
help-keys-hold = H (en appel)
help-does-hold = Mettre en attente ou reprendre
help-keys-mute = M (en appel)
help-does-mute = Couper ou rétablir le micro
help-keys-escape-call = Échap (en appel)
help-does-escape-call = Raccrocher
help-keys-enter-contacts = Entrée (contacts)
help-does-enter-contacts = Appeler le premier contact trouvé
help-keys-search = Ctrl+F
help-does-search = Chercher dans les contacts
help-keys-dial = Ctrl+D
help-does-dial = Ouvrir le clavier
help-keys-tab = Tab, Maj+Tab
help-does-tab = Élément suivant ou précédent (Entrée ou Espace active un bouton)

## Stockage et bureau
notice-store-problem = Contacts et historique : { $message }
notice-store-error = Impossible d’enregistrer les contacts et l’historique : { $message }
notice-contact-saved = { $name } enregistré.
notice-vcard-imported = { $count ->
    [one] { $count } contact importé
   *[other] { $count } contacts importés
}{ $skipped ->
    [0] .
   *[other] ; { $skipped } problèmes ignorés (voir le journal).
}
notice-vcard-exported = { $count ->
    [one] { $count } contact écrit
   *[other] { $count } contacts écrits
} dans { $file }.
notice-vcard-unreadable = Impossible de lire { $file } : { $message }
notice-vcard-unwritable = Impossible d’écrire { $file } : { $message }
notify-incoming = Appel entrant
