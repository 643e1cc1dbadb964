# Tincan, español.

app-title = Tincan
app-closing = Cerrando… finalizando llamadas y cerrando sesión en las cuentas
title-incoming = Llamada entrante de { $name } — Tincan

## Navegación
nav-home = Inicio
nav-dialpad = Teclado
nav-calls = { $count ->
    [one] Llamada
   *[other] Llamadas ({ $count })
}
nav-accounts = Cuentas
nav-settings = Ajustes

## Atajos de teclado en los botones
key-enter = Intro
key-hold = H
key-mute = M
key-escape = Esc

## Inicio y primer uso
home-title = Bienvenido a Tincan
home-your-address = Tu dirección
home-address-starting = Iniciando…
home-address-offline = No disponible: el teléfono no está en marcha
home-address-hint = Otros pueden llamarte directamente a esta dirección, sin necesidad de cuenta.
home-copy = Copiar
home-direct-address = Para teléfonos SIP corrientes: { $address }
home-nearby = Personas cerca
home-call = Llamar
home-no-accounts = Todavía no hay ninguna cuenta SIP. Añade una para llamar a números de teléfono y estar disponible a través de un proveedor.
home-accounts-count = { $count ->
    [one] 1 cuenta SIP
   *[other] { $count } cuentas SIP
}
home-add-account = Añadir cuenta SIP
home-open-dialpad = Abrir el teclado

## Teclado
dialpad-title = Nueva llamada
dialpad-placeholder = Número o dirección (sip:, sips:, tel:)
dialpad-from = Desde
dialpad-direct = Directa (sin cuenta)
dialpad-call = Llamar
dialpad-backspace = Borrar
dialpad-error-empty = Escribe primero un número o una dirección.
dialpad-error-bad-address = Tincan no puede llamar a esta dirección: usa sip:, sips: o tel:.
dialpad-error-need-uri = Sin cuenta, escribe una dirección completa, por ejemplo sip:bob@example.com.

## Llamada entrante
incoming-title = Llamada entrante
incoming-via-account = en tu cuenta { $account }
incoming-direct = llamada directa, sin cuenta
incoming-others = { $count ->
    [one] 1 llamada más en espera
   *[other] { $count } llamadas más en espera
}
incoming-answer = Contestar
incoming-decline = Rechazar

## En llamada
calls-count = { $count ->
    [one] 1 llamada
   *[other] { $count } llamadas
}
call-none = No hay ninguna llamada ahora.
call-switch = Cambiar
call-hold = Retener
call-resume = Reanudar
call-hangup = Colgar
call-mute = Silenciar
call-unmute = Activar micrófono
call-muted = Micrófono apagado
call-verified = Llamante verificado
call-unverified = No verificado
call-encrypted = Cifrada
call-not-encrypted = Sin cifrar
call-quality-good = Buena calidad
call-quality-fair = Calidad regular
call-quality-poor = Mala calidad
call-codec = Códec: { $name }
call-meter-microphone = Micrófono
call-meter-speaker = Altavoz
call-sent-digits = Enviado: { $digits }
call-received-digits = Recibido: { $digits }
call-state-dialing = Llamando…
call-state-ringing = Sonando…
call-state-incoming = Llamada entrante
call-state-connecting = Conectando…
call-state-up = { $duration }
call-state-held = En espera · { $duration }
call-state-held-remote = Retenida por la otra parte · { $duration }

## Cómo terminaron las llamadas
ended-local = Llamada con { $name } finalizada.
ended-remote = { $name } ha colgado.
ended-missed = Llamada perdida de { $name }.
ended-missed-dnd = Llamada perdida de { $name } (no molestar).
ended-busy = { $name } está ocupado.
ended-declined = { $name } ha rechazado la llamada.
ended-you-declined = Has rechazado la llamada de { $name }.
ended-timeout = { $name } no ha contestado.
ended-failed = La llamada con { $name } ha fallado: { $reason } ({ $code }).

## Cuentas
accounts-title = Cuentas
accounts-add = Añadir cuenta
accounts-empty = Todavía no hay cuentas.
accounts-default = predeterminada
accounts-edit = Editar
accounts-make-default = Predeterminar
accounts-remove = Eliminar
accounts-keep = Conservar
accounts-remove-confirm = ¿Eliminar { $name } y su contraseña?
accounts-note-applying = Aplicando los cambios: el teléfono se reinicia…
accounts-note-after-calls = Los cambios se aplicarán cuando terminen tus llamadas.

## Estados de registro
reg-offline = Sin conexión
reg-registering = Registrando…
reg-registered = Registrada
reg-unregistered = No registrada
reg-calls-only = Solo llamadas (sin registro)
reg-disabled = Desactivada
reg-failed-password = Error: contraseña incorrecta ({ $code })
reg-failed-forbidden = Error: el servidor lo rechazó ({ $code })
reg-failed-unknown-user = Error: usuario desconocido ({ $code })
reg-failed-unreachable = Error: servidor inaccesible
reg-failed-certificate = Error: certificado no fiable
reg-failed-other = Error: { $reason } ({ $code })
reg-retry-seconds = nuevo intento en { $count ->
    [one] 1 segundo
   *[other] { $count } segundos
}
reg-retry-minutes = nuevo intento en { $count ->
    [one] 1 minuto
   *[other] { $count } minutos
}

## Formulario de cuenta
form-title-new = Cuenta nueva
form-title-edit = Editar { $name }
form-name = Nombre
form-name-placeholder = trabajo, casa…
form-aor = Dirección SIP
form-aor-placeholder = sip:alice@example.com
form-display-name = Nombre visible
form-optional = opcional
form-auth-user = Usuario de autenticación
form-auth-user-placeholder = si es distinto del usuario de la dirección
form-password = Contraseña
form-password-placeholder = guardada en el llavero del sistema, nunca en el disco
form-password-unchanged = sin cambios (guardada en el llavero del sistema)
form-registrar = Registrador
form-proxy = Proxy de salida
form-uri-placeholder = sip:sip.example.com (opcional)
form-transport = Transporte
form-ca-file = Archivo de certificado de la CA
form-ca-file-placeholder = /ruta/a/ca.pem (opcional, para TLS)
form-register = Registrarse (para recibir llamadas)
form-enabled = Activada
form-save = Guardar
form-saving = Guardando…
form-cancel = Cancelar
form-error-name-empty = Ponle un nombre a la cuenta.
form-error-name-taken = Ya hay otra cuenta con este nombre.
form-error-aor-empty = Escribe tu dirección SIP.
form-error-aor-parse = Esto no es una dirección SIP: escríbela como sip:alice@example.com.
form-error-aor-user = La dirección necesita un usuario: sip:alice@example.com.
form-error-uri = Esto no es una URI SIP: escríbela como sip:sip.example.com o sip:sip.example.com:5061.
form-error-ca-file-missing = Ese archivo no existe.
transport-auto = Automático
transport-udp = UDP
transport-tcp = TCP
transport-tls = TLS (cifrado)

## Ajustes
settings-title = Ajustes
settings-sound = Sonido
settings-refresh = Actualizar
settings-devices-listing = Buscando dispositivos de audio…
settings-devices-failed = No se pueden listar los dispositivos de audio: { $message }
settings-device-default = Predeterminado del sistema
settings-ringer-same = Igual que el altavoz
settings-device-missing = { $name } (no conectado)
settings-device-gone = { $name } no está conectado: se usa el predeterminado del sistema hasta que vuelva.
settings-input = Micrófono
settings-output = Altavoz
settings-ringer = Timbre
settings-mic-test = Probar el micrófono
settings-mic-test-stop = Detener la prueba
settings-test-sound = Reproducir sonido de prueba
settings-processing = Procesamiento del micrófono
settings-echo = Cancelación de eco
settings-noise = Supresión de ruido
settings-gain = Control automático de ganancia
settings-codecs = Códecs (por orden de preferencia)
settings-codec-up = Subir
settings-codec-down = Bajar
settings-codec-last = Al menos un códec debe quedar activado.
settings-calls = Llamadas entrantes
settings-dnd = No molestar (rechazar llamadas como ocupado, guardarlas como perdidas)
settings-auto-answer = Contestar automáticamente
settings-window = Ventana
settings-language = Idioma
settings-theme = Tema
settings-theme-system = Como el sistema
settings-theme-light = Claro
settings-theme-dark = Oscuro
settings-start-minimized = Iniciar minimizado
level-db = { $db } dB
level-none = –

## Avisos
notice-dismiss = Cerrar
notice-retry = Reintentar
notice-copied = Dirección copiada.
notice-saved = Guardado.
notice-save-failed = No se pudo guardar: { $message }
notice-warning = Aviso: { $message }
notice-engine-error = Error: { $message }
notice-engine-failed = El teléfono se ha detenido: { $message }
notice-engine-busy = El teléfono está ocupado; inténtalo de nuevo en un momento.
notice-engine-not-running = El teléfono no está en marcha.
notice-no-such-account = La cuenta { $name } no está activa.
notice-port-taken = El puerto SIP habitual está ocupado (¿hay otro teléfono en marcha?): Tincan escucha en un puerto libre.
notice-keyring-unavailable = No se puede usar el llavero del sistema: las contraseñas que escribas solo se guardan para esta sesión.
accounts-no-password = No hay contraseña guardada

## Contactos
nav-contacts = Contactos
nav-history = { $count ->
    [0] Historial
   *[other] Historial ({ $count })
}
contacts-title = Contactos
contacts-add = Añadir contacto
contacts-search = Buscar por nombre o dirección (Intro llama al primero)
contacts-empty = Aún no hay contactos.
contacts-no-match = Ningún contacto coincide.
contacts-edit = Editar
contacts-new-title = Nuevo contacto
contacts-edit-title = Editar contacto
contacts-name = Nombre
contacts-addresses = Direcciones y números (separados por comas)
contacts-addresses-placeholder = sip:alice@example.com, +34 912 345 678
contacts-favourite = Favorito (se muestra primero)
contacts-save = Guardar
contacts-cancel = Cancelar
contacts-delete = Eliminar
contacts-error-name = Dale un nombre al contacto.
contacts-error-no-address = Indica al menos una dirección o un número.
contacts-error-bad-address = «{ $address }» no es una dirección a la que Tincan pueda llamar: usa sip:, sips:, tel: o un número.
contacts-vcard-file = Archivo vCard
contacts-vcard-placeholder = /home/yo/contactos.vcf
contacts-import = Importar
contacts-export = Exportar
contacts-error-no-file = Escribe primero la ruta de un archivo vCard.

## Historial
history-title = Historial
history-clear = Borrar
history-confirm-clear = Olvidar todas las llamadas
history-keep = Conservar
history-empty = Aún no hay llamadas.
history-incoming = Entrante
history-outgoing = Saliente
history-missed-call = Perdida
history-on-account = en { $account }
history-direct = directa
history-call-back = Devolver la llamada
history-missed-count = { $count ->
    [one] 1 llamada perdida
   *[other] { $count } llamadas perdidas
}

## Ayuda de teclado
help-title = Atajos de teclado
help-close = Cerrar
help-keys-help = F1 o ?
help-does-help = Mostrar u ocultar esta ayuda
help-keys-digits = 0–9 * # +
help-does-digits = Teclear en el teclado
help-keys-enter-dialpad = Intro (teclado)
help-does-enter-dialpad = Llamar al número tecleado
help-keys-enter-incoming = Intro (llamada entrante)
help-does-enter-incoming = Contestar
help-keys-escape-incoming = Esc (llamada entrante)
help-does-escape-incoming = Rechazar
help-keys-dtmf = 0–9 * # (en llamada)
help-does-dtmf = Enviar los tonos
help-keys-hold = H (en llamada)
help-does-hold = Retener o reanudar
help-keys-mute = M (en una llamada)
help-does-mute = Silenciar o activar el micrófono
help-keys-escape-call = Esc (en llamada)
help-does-escape-call = Colgar
help-keys-enter-contacts = Intro (contactos)
help-does-enter-contacts = Llamar al primer contacto encontrado
help-keys-search = Ctrl+F
help-does-search = Buscar en los contactos
help-keys-dial = Ctrl+D
help-does-dial = Abrir el teclado
help-keys-tab = Tab, Mayús+Tab
help-does-tab = Control siguiente o anterior (Intro o Espacio pulsa un botón)

## Almacenamiento y escritorio
notice-store-problem = Contactos e historial: { $message }
notice-store-error = No se pudieron guardar los contactos y el historial: { $message }
notice-contact-saved = { $name } guardado.
notice-vcard-imported = { $count ->
    [one] 1 contacto importado
   *[other] { $count } contactos importados
}{ $skipped ->
    [0] .
   *[other] ; { $skipped } problemas omitidos (ver el registro).
}
notice-vcard-exported = { $count ->
    [one] 1 contacto escrito
   *[other] { $count } contactos escritos
} en { $file }.
notice-vcard-unreadable = No se puede leer { $file }: { $message }
notice-vcard-unwritable = No se puede escribir { $file }: { $message }
notify-incoming = Llamada entrante
