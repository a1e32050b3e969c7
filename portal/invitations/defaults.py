"""The invitation wording shipped with the portal, in the five languages (formal address throughout:
the readers are employees of banks and insurers). Organizations may override each one in Setup."""

from __future__ import annotations

EMAIL_SUBJECT = {
    "en": "{{ organization }} invites you to MultiLine",
    "it": "{{ organization }} La invita a usare MultiLine",
    "de": "{{ organization }} lädt Sie zu MultiLine ein",
    "fr": "{{ organization }} vous invite à utiliser MultiLine",
    "es": "{{ organization }} le invita a usar MultiLine",
}

EMAIL_BODY = {
    "en": """Hello {{ first_name }} {{ last_name }},

{{ organization }} has set up MultiLine for you: a second, \
business phone number on your own mobile phone, for your work calls and messages.

Your MultiLine number: {{ multiline_number }}

To activate MultiLine, open this link on your phone:
{{ activation_link }}

Or scan this QR code with your phone's camera:
{{ qr_code }}

If the MultiLine app asks for an activation code, enter {{ activation_code }}.

This invitation works once and expires on {{ expires_on }}. If it has expired, \
ask your administrator to send you a new one.

Kind regards,
{{ organization }}""",
    "it": """Gentile {{ first_name }} {{ last_name }},

{{ organization }} ha attivato per Lei MultiLine: un secondo numero di telefono, aziendale, \
sul Suo smartphone, per le chiamate e i messaggi di lavoro.

Il Suo numero MultiLine: {{ multiline_number }}

Per attivare MultiLine, apra questo link dal Suo telefono:
{{ activation_link }}

Oppure inquadri questo codice QR con la fotocamera del telefono:
{{ qr_code }}

Se l'app MultiLine Le chiede un codice di attivazione, inserisca {{ activation_code }}.

L'invito può essere usato una sola volta e scade il {{ expires_on }}. Se è scaduto, \
chieda al Suo amministratore di inviargliene uno nuovo.

Cordiali saluti,
{{ organization }}""",
    "de": """Guten Tag {{ first_name }} {{ last_name }},

{{ organization }} hat MultiLine für Sie eingerichtet: eine zweite, \
geschäftliche Rufnummer auf Ihrem eigenen Smartphone für berufliche Anrufe und Nachrichten.

Ihre MultiLine-Nummer: {{ multiline_number }}

Um MultiLine zu aktivieren, öffnen Sie diesen Link auf Ihrem Smartphone:
{{ activation_link }}

Oder scannen Sie diesen QR-Code mit der Kamera Ihres Smartphones:
{{ qr_code }}

Falls die MultiLine-App nach einem Aktivierungscode fragt, geben Sie {{ activation_code }} ein.

Diese Einladung kann nur einmal verwendet werden und ist bis zum {{ expires_on }} gültig. Ist sie \
abgelaufen, bitten Sie Ihren Administrator, Ihnen eine neue zu senden.

Mit freundlichen Grüßen
{{ organization }}""",
    "fr": """Bonjour {{ first_name }} {{ last_name }},

{{ organization }} a mis en place MultiLine pour vous : un second numéro de téléphone, \
professionnel, sur votre propre smartphone, pour vos appels et messages de travail.

Votre numéro MultiLine : {{ multiline_number }}

Pour activer MultiLine, ouvrez ce lien sur votre téléphone :
{{ activation_link }}

Ou scannez ce code QR avec l'appareil photo de votre téléphone :
{{ qr_code }}

Si l'application MultiLine vous demande un code d'activation, saisissez {{ activation_code }}.

Cette invitation n'est utilisable qu'une seule fois et expire le {{ expires_on }}. Si elle a \
expiré, demandez à votre administrateur de vous en envoyer une nouvelle.

Cordialement,
{{ organization }}""",
    "es": """Hola, {{ first_name }} {{ last_name }}:

{{ organization }} ha configurado MultiLine para usted: un segundo número de teléfono, \
profesional, en su propio móvil, para las llamadas y los mensajes de trabajo.

Su número MultiLine: {{ multiline_number }}

Para activar MultiLine, abra este enlace en su teléfono:
{{ activation_link }}

O escanee este código QR con la cámara de su teléfono:
{{ qr_code }}

Si la aplicación MultiLine le pide un código de activación, introduzca {{ activation_code }}.

Esta invitación solo puede usarse una vez y caduca el {{ expires_on }}. Si ha caducado, \
pida a su administrador que le envíe una nueva.

Atentamente,
{{ organization }}""",
}

# One SMS segment each (160 GSM-7 characters) with a 20-character organization name and a
# 30-character PUBLIC_URL: short, and only letters of the GSM 03.38 alphabet (the Spanish text
# says "clave", as "código" would switch the whole message to UCS-2 and 70 characters).
SMS_BODY = {
    "en": (
        "{{ organization }}: activate MultiLine: {{ activation_link }} or code {{ activation_code "
        "}} in the app."
    ),
    "it": (
        "{{ organization }}: attivi MultiLine: {{ activation_link }} o codice {{ activation_code "
        "}} nell'app."
    ),
    "de": (
        "{{ organization }}: MultiLine aktivieren: {{ activation_link }} oder Code {{ "
        "activation_code }} in der App."
    ),
    "fr": (
        "{{ organization }} : activez MultiLine : {{ activation_link }} ou code {{ "
        "activation_code }} dans l'app."
    ),
    "es": (
        "{{ organization }}: active MultiLine: {{ activation_link }} o clave {{ activation_code "
        "}} en la app."
    ),
}

# {{ multiline_number }} when the account has none yet: the user picks one at activation.
NUMBER_AT_ACTIVATION = {
    "en": "you will choose it when you activate",
    "it": "lo sceglierà Lei al momento dell'attivazione",
    "de": "Sie wählen sie bei der Aktivierung aus",
    "fr": "vous le choisirez lors de l'activation",
    "es": "lo elegirá usted al activar el servicio",
}

# {{ qr_code }} in the plain-text part, where no image can be shown.
QR_IN_TEXT = {
    "en": "(the QR code is in the HTML version of this email)",
    "it": "(il codice QR si trova nella versione HTML di questa email)",
    "de": "(der QR-Code steht in der HTML-Fassung dieser E-Mail)",
    "fr": "(le code QR figure dans la version HTML de cet e-mail)",
    "es": "(el código QR aparece en la versión HTML de este correo)",
}

# The button under the email's text.
BUTTON = {
    "en": "Activate MultiLine",
    "it": "Attiva MultiLine",
    "de": "MultiLine aktivieren",
    "fr": "Activer MultiLine",
    "es": "Activar MultiLine",
}

# Sample account of the Setup screen's preview and test send.
SAMPLE = {"first_name": "Maria", "last_name": "Rossi", "multiline_number": "+12125550123"}


# Under every invitation, in the text and the HTML part (not part of the editable wording): why the
# reader got it and how to tell it from phishing — what a bank's security team asks of such mail.
FOOTER = {
    "en": (
        "Why you received this email: {organization} uses MultiLine to give its employees a "
        "business phone number on their own mobile phone, and your administrator added you. This "
        "invitation contains your personal activation link and code: please do not forward it. "
        "{organization} will never ask you for your activation code by phone, email or text "
        "message. If you did not expect this invitation, do not activate it and contact your IT "
        "service desk."
    ),
    "it": (
        "Perché ha ricevuto questa email: {organization} usa MultiLine per dare ai propri "
        "dipendenti un numero di telefono aziendale sul loro smartphone, e il Suo amministratore "
        "L'ha aggiunta. Questo invito contiene il Suo link e il Suo codice di attivazione "
        "personali: non lo inoltri. {organization} non Le chiederà mai il codice di attivazione "
        "per telefono, email o SMS. Se non si aspettava questo invito, non lo attivi e contatti "
        "il Suo servizio IT."
    ),
    "de": (
        "Warum Sie diese E-Mail erhalten: {organization} gibt seinen Mitarbeitenden mit MultiLine "
        "eine geschäftliche Telefonnummer auf dem eigenen Mobiltelefon, und Ihr Administrator hat "
        "Sie hinzugefügt. Diese Einladung enthält Ihren persönlichen Aktivierungslink und -code: "
        "Bitte leiten Sie sie nicht weiter. {organization} fragt Sie nie per Telefon, E-Mail oder "
        "SMS nach Ihrem Aktivierungscode. Wenn Sie diese Einladung nicht erwartet haben, "
        "aktivieren Sie sie nicht und wenden Sie sich an Ihren IT-Service."
    ),
    "fr": "Pourquoi vous recevez cet e-mail : {organization} utilise MultiLine pour donner à ses "
    "collaborateurs un numéro de téléphone professionnel sur leur propre mobile, et votre "
    "administrateur vous a ajouté. Cette invitation contient votre lien et votre code "
    "d'activation personnels : ne la transférez pas. {organization} ne vous demandera jamais votre "
    "code d'activation par téléphone, e-mail ou SMS. Si vous n'attendiez pas cette invitation, ne "
    "l'activez pas et contactez votre service informatique.",
    "es": (
        "Por qué ha recibido este correo: {organization} usa MultiLine para dar a sus empleados "
        "un número de teléfono de empresa en su propio móvil, y su administrador le ha añadido. "
        "Esta invitación contiene su enlace y su código de activación personales: no la reenvíe. "
        "{organization} nunca le pedirá su código de activación por teléfono, correo o SMS. Si no "
        "esperaba esta invitación, no la active y póngase en contacto con su servicio informático."
    ),
}

# The QR code image's alternative text (read out by screen readers, shown when images are off).
QR_ALT = {
    "en": "QR code of your activation link: scan it with your phone's camera",
    "it": "Codice QR del Suo link di attivazione: lo inquadri con la fotocamera del telefono",
    "de": "QR-Code Ihres Aktivierungslinks: scannen Sie ihn mit der Kamera Ihres Telefons",
    "fr": (
        "Code QR de votre lien d'activation : scannez-le avec l'appareil photo de votre téléphone"
    ),
    "es": "Código QR de su enlace de activación: escanéelo con la cámara de su teléfono",
}

# Under the button of the HTML part, for mail clients that do not follow it.
LINK_FALLBACK = {
    "en": "If the button does not work on your phone, copy this address into its web browser:",
    "it": "Se il pulsante non funziona sul Suo telefono, copi questo indirizzo nel suo browser:",
    "de": (
        "Falls die Schaltfläche auf Ihrem Telefon nicht funktioniert, kopieren Sie diese Adresse "
        "in dessen Browser:"
    ),
    "fr": (
        "Si le bouton ne fonctionne pas sur votre téléphone, copiez cette adresse dans son "
        "navigateur :"
    ),
    "es": "Si el botón no funciona en su teléfono, copie esta dirección en su navegador:",
}
