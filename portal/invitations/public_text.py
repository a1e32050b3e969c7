"""The end user's activation pages in the five languages (the account's language, else the
browser's). Formal address, as in the invitations."""

from __future__ import annotations

TEXT = {
    "en": {
        "renew_intro": (
            "You can ask for a new invitation yourself. It goes to the same email address or "
            "device number as this one, with a fresh link and activation code."
        ),
        "renew_button": "Send me a new invitation",
        "renewed_title": "A new invitation is on its way",
        "renewed_message": (
            "It was sent to the same email address or device number as the invitation that "
            "expired. Use the link or code in the new email or SMS; the old ones no longer work."
        ),
        "renew_limit": (
            "A new invitation was already requested several times today. Please try again "
            "tomorrow, or ask your administrator."
        ),
        "renew_unavailable": (
            "A new invitation cannot be requested for this account. Please ask your administrator."
        ),
        "title": "Activate MultiLine",
        "welcome": "Welcome, {first_name}.",
        "invited": "{organization} has invited you to MultiLine.",
        "your_number": "Your MultiLine number:",
        "pick": "Pick your MultiLine number",
        "none_left": (
            "No number is available right now. Please try again later, or ask your administrator."
        ),
        "activate": "Activate MultiLine",
        "expires": "This invitation expires on {date} and works once.",
        "taken": "{number} was just taken by someone else. Please pick another number.",
        "pick_one": "Please pick one of the numbers offered.",
        "done_title": "MultiLine is active",
        "done_number": "Your MultiLine number is",
        "done_next": (
            "Open the MultiLine app on your phone and sign in to start calling and messaging with "
            "your {organization} number."
        ),
        "gone_expired": "This invitation has expired",
        "gone_used": "This invitation was already used",
        "gone_replaced": "This invitation was replaced",
        "gone_other": "This invitation cannot be used",
        "msg_expired": "It expired on {date}.",
        "msg_used": (
            "MultiLine is already active for this account. If that was not you, contact your "
            "administrator."
        ),
        "msg_replaced": (
            "A newer invitation was sent: use the link in the most recent email or SMS you "
            "received."
        ),
        "msg_invalid": "This link is not valid. Open the complete link from your invitation.",
        "msg_locked": "Too many wrong codes were tried for this invitation.",
        "msg_other": "This invitation can no longer be used.",
        "how_new": (
            "To get a new invitation, ask your MultiLine administrator to resend it. The new "
            "email or SMS will contain a fresh link and activation code."
        ),
        "code_title": "Activate MultiLine with a code",
        "code_intro": (
            "Enter the email address or device number your invitation was sent to, and the "
            "8-digit activation code it contains."
        ),
        "contact": "Email or device number",
        "code": "Activation code",
        "continue": "Continue",
        "code_wrong": (
            "This code does not match an invitation sent to that address. Check both, or use the "
            "link in the invitation."
        ),
        "code_format": "The activation code has 8 digits.",
        "slow_title": "Please wait a moment",
        "slow_message": "There have been too many attempts. Please try again in {seconds} seconds.",
        "contact_missing": "Enter the email address or device number the invitation was sent to.",
    },
    "it": {
        "renew_intro": (
            "Può richiedere Lei stesso un nuovo invito. Verrà inviato allo stesso indirizzo email "
            "o numero di dispositivo di questo, con un nuovo link e un nuovo codice di "
            "attivazione."
        ),
        "renew_button": "Inviatemi un nuovo invito",
        "renewed_title": "Il nuovo invito è in arrivo",
        "renewed_message": (
            "È stato inviato allo stesso indirizzo email o numero di dispositivo dell'invito "
            "scaduto. Usi il link o il codice del nuovo messaggio; quelli precedenti non valgono "
            "più."
        ),
        "renew_limit": (
            "Oggi è già stato richiesto più volte un nuovo invito. Riprovi domani o si rivolga al "
            "Suo amministratore."
        ),
        "renew_unavailable": (
            "Per questo account non è possibile richiedere un nuovo invito. Si rivolga al Suo "
            "amministratore."
        ),
        "title": "Attivi MultiLine",
        "welcome": "Buongiorno, {first_name}.",
        "invited": "{organization} La invita a usare MultiLine.",
        "your_number": "Il Suo numero MultiLine:",
        "pick": "Scelga il Suo numero MultiLine",
        "none_left": (
            "Al momento non ci sono numeri disponibili. Riprovi più tardi o si rivolga al Suo "
            "amministratore."
        ),
        "activate": "Attiva MultiLine",
        "expires": "Questo invito scade il {date} e si può usare una sola volta.",
        "taken": (
            "Il numero {number} è appena stato scelto da un'altra persona. Ne scelga un altro."
        ),
        "pick_one": "Scelga uno dei numeri proposti.",
        "done_title": "MultiLine è attivo",
        "done_number": "Il Suo numero MultiLine è",
        "done_next": (
            "Apra l'app MultiLine sul telefono ed effettui l'accesso per chiamare e inviare "
            "messaggi con il Suo numero di {organization}."
        ),
        "gone_expired": "Questo invito è scaduto",
        "gone_used": "Questo invito è già stato usato",
        "gone_replaced": "Questo invito è stato sostituito",
        "gone_other": "Questo invito non si può usare",
        "msg_expired": "È scaduto il {date}.",
        "msg_used": (
            "MultiLine è già attivo per questo account. Se non è stato Lei, contatti il Suo "
            "amministratore."
        ),
        "msg_replaced": (
            "È stato inviato un invito più recente: usi il link dell'ultima email o dell'ultimo "
            "SMS ricevuto."
        ),
        "msg_invalid": "Questo link non è valido. Apra il link completo contenuto nell'invito.",
        "msg_locked": "Per questo invito sono stati provati troppi codici errati.",
        "msg_other": "Questo invito non si può più usare.",
        "how_new": (
            "Per ricevere un nuovo invito, chieda al Suo amministratore MultiLine di inviarlo di "
            "nuovo. La nuova email o il nuovo SMS conterrà un link e un codice di attivazione "
            "nuovi."
        ),
        "code_title": "Attivi MultiLine con un codice",
        "code_intro": (
            "Inserisca l'indirizzo email o il numero del dispositivo a cui è stato inviato "
            "l'invito e il codice di attivazione di 8 cifre che contiene."
        ),
        "contact": "Email o numero del dispositivo",
        "code": "Codice di attivazione",
        "continue": "Continua",
        "code_wrong": (
            "Questo codice non corrisponde a un invito inviato a quell'indirizzo. Controlli "
            "entrambi o usi il link dell'invito."
        ),
        "code_format": "Il codice di attivazione ha 8 cifre.",
        "slow_title": "Attenda un momento",
        "slow_message": "Ci sono stati troppi tentativi. Riprovi tra {seconds} secondi.",
        "contact_missing": (
            "Inserisca l'indirizzo email o il numero del dispositivo a cui è stato inviato "
            "l'invito."
        ),
    },
    "de": {
        "renew_intro": (
            "Sie können selbst eine neue Einladung anfordern. Sie geht an dieselbe E-Mail-Adresse "
            "bzw. Gerätenummer wie diese, mit einem neuen Link und Aktivierungscode."
        ),
        "renew_button": "Neue Einladung senden",
        "renewed_title": "Eine neue Einladung ist unterwegs",
        "renewed_message": (
            "Sie wurde an dieselbe E-Mail-Adresse bzw. Gerätenummer gesendet wie die abgelaufene "
            "Einladung. Verwenden Sie den Link oder Code der neuen Nachricht; die alten gelten "
            "nicht mehr."
        ),
        "renew_limit": (
            "Heute wurde bereits mehrmals eine neue Einladung angefordert. Bitte versuchen Sie es "
            "morgen erneut oder wenden Sie sich an Ihren Administrator."
        ),
        "renew_unavailable": (
            "Für dieses Konto kann keine neue Einladung angefordert werden. Bitte wenden Sie sich "
            "an Ihren Administrator."
        ),
        "title": "MultiLine aktivieren",
        "welcome": "Willkommen, {first_name}.",
        "invited": "{organization} lädt Sie zu MultiLine ein.",
        "your_number": "Ihre MultiLine-Nummer:",
        "pick": "Wählen Sie Ihre MultiLine-Nummer",
        "none_left": (
            "Zurzeit ist keine Nummer verfügbar. Bitte versuchen Sie es später erneut oder wenden "
            "Sie sich an Ihren Administrator."
        ),
        "activate": "MultiLine aktivieren",
        "expires": (
            "Diese Einladung ist bis zum {date} gültig und kann nur einmal verwendet werden."
        ),
        "taken": (
            "Die Nummer {number} wurde gerade von jemand anderem gewählt. Bitte wählen Sie eine "
            "andere."
        ),
        "pick_one": "Bitte wählen Sie eine der angebotenen Nummern.",
        "done_title": "MultiLine ist aktiv",
        "done_number": "Ihre MultiLine-Nummer lautet",
        "done_next": (
            "Öffnen Sie die MultiLine-App auf Ihrem Smartphone und melden Sie sich an, um mit "
            "Ihrer Nummer von {organization} zu telefonieren und Nachrichten zu schreiben."
        ),
        "gone_expired": "Diese Einladung ist abgelaufen",
        "gone_used": "Diese Einladung wurde bereits verwendet",
        "gone_replaced": "Diese Einladung wurde ersetzt",
        "gone_other": "Diese Einladung kann nicht verwendet werden",
        "msg_expired": "Sie ist am {date} abgelaufen.",
        "msg_used": (
            "MultiLine ist für dieses Konto bereits aktiv. Falls Sie das nicht waren, wenden Sie "
            "sich an Ihren Administrator."
        ),
        "msg_replaced": (
            "Es wurde eine neuere Einladung gesendet: Verwenden Sie den Link aus der zuletzt "
            "erhaltenen E-Mail oder SMS."
        ),
        "msg_invalid": (
            "Dieser Link ist ungültig. Öffnen Sie den vollständigen Link aus Ihrer Einladung."
        ),
        "msg_locked": "Für diese Einladung wurden zu viele falsche Codes eingegeben.",
        "msg_other": "Diese Einladung kann nicht mehr verwendet werden.",
        "how_new": (
            "Für eine neue Einladung bitten Sie Ihren MultiLine-Administrator, sie erneut zu "
            "senden. Die neue E-Mail oder SMS enthält einen neuen Link und einen neuen "
            "Aktivierungscode."
        ),
        "code_title": "MultiLine mit einem Code aktivieren",
        "code_intro": (
            "Geben Sie die E-Mail-Adresse oder Gerätenummer ein, an die Ihre Einladung gesendet "
            "wurde, sowie den 8-stelligen Aktivierungscode aus der Einladung."
        ),
        "contact": "E-Mail oder Gerätenummer",
        "code": "Aktivierungscode",
        "continue": "Weiter",
        "code_wrong": (
            "Dieser Code passt zu keiner Einladung an diese Adresse. Prüfen Sie beides oder "
            "verwenden Sie den Link aus der Einladung."
        ),
        "code_format": "Der Aktivierungscode hat 8 Ziffern.",
        "slow_title": "Bitte warten Sie einen Moment",
        "slow_message": (
            "Es gab zu viele Versuche. Bitte versuchen Sie es in {seconds} Sekunden erneut."
        ),
        "contact_missing": (
            "Geben Sie die E-Mail-Adresse oder Gerätenummer ein, an die die Einladung gesendet "
            "wurde."
        ),
    },
    "fr": {
        "renew_intro": (
            "Vous pouvez demander vous-même une nouvelle invitation. Elle est envoyée à la même "
            "adresse e-mail ou au même numéro d'appareil que celle-ci, avec un nouveau lien et un "
            "nouveau code d'activation."
        ),
        "renew_button": "M'envoyer une nouvelle invitation",
        "renewed_title": "Une nouvelle invitation est en route",
        "renewed_message": (
            "Elle a été envoyée à la même adresse e-mail ou au même numéro d'appareil que "
            "l'invitation expirée. Utilisez le lien ou le code du nouveau message ; les anciens "
            "ne sont plus valables."
        ),
        "renew_limit": (
            "Une nouvelle invitation a déjà été demandée plusieurs fois aujourd'hui. Veuillez "
            "réessayer demain ou contacter votre administrateur."
        ),
        "renew_unavailable": (
            "Il n'est pas possible de demander une nouvelle invitation pour ce compte. Veuillez "
            "contacter votre administrateur."
        ),
        "title": "Activer MultiLine",
        "welcome": "Bienvenue, {first_name}.",
        "invited": "{organization} vous invite à utiliser MultiLine.",
        "your_number": "Votre numéro MultiLine :",
        "pick": "Choisissez votre numéro MultiLine",
        "none_left": (
            "Aucun numéro n'est disponible pour le moment. Réessayez plus tard ou contactez votre "
            "administrateur."
        ),
        "activate": "Activer MultiLine",
        "expires": "Cette invitation expire le {date} et n'est utilisable qu'une seule fois.",
        "taken": (
            "Le numéro {number} vient d'être choisi par quelqu'un d'autre. Veuillez en choisir un "
            "autre."
        ),
        "pick_one": "Veuillez choisir l'un des numéros proposés.",
        "done_title": "MultiLine est activé",
        "done_number": "Votre numéro MultiLine est le",
        "done_next": (
            "Ouvrez l'application MultiLine sur votre téléphone et connectez-vous pour appeler et "
            "envoyer des messages avec votre numéro {organization}."
        ),
        "gone_expired": "Cette invitation a expiré",
        "gone_used": "Cette invitation a déjà été utilisée",
        "gone_replaced": "Cette invitation a été remplacée",
        "gone_other": "Cette invitation ne peut pas être utilisée",
        "msg_expired": "Elle a expiré le {date}.",
        "msg_used": (
            "MultiLine est déjà activé pour ce compte. Si ce n'était pas vous, contactez votre "
            "administrateur."
        ),
        "msg_replaced": (
            "Une invitation plus récente a été envoyée : utilisez le lien du dernier e-mail ou "
            "SMS reçu."
        ),
        "msg_invalid": "Ce lien n'est pas valide. Ouvrez le lien complet de votre invitation.",
        "msg_locked": "Trop de codes erronés ont été saisis pour cette invitation.",
        "msg_other": "Cette invitation n'est plus utilisable.",
        "how_new": (
            "Pour recevoir une nouvelle invitation, demandez à votre administrateur MultiLine de "
            "vous la renvoyer. Le nouvel e-mail ou SMS contiendra un nouveau lien et un nouveau "
            "code d'activation."
        ),
        "code_title": "Activer MultiLine avec un code",
        "code_intro": (
            "Saisissez l'adresse e-mail ou le numéro d'appareil auquel votre invitation a été "
            "envoyée, ainsi que le code d'activation à 8 chiffres qu'elle contient."
        ),
        "contact": "E-mail ou numéro d'appareil",
        "code": "Code d'activation",
        "continue": "Continuer",
        "code_wrong": (
            "Ce code ne correspond à aucune invitation envoyée à cette adresse. Vérifiez les deux "
            "ou utilisez le lien de l'invitation."
        ),
        "code_format": "Le code d'activation comporte 8 chiffres.",
        "slow_title": "Veuillez patienter un instant",
        "slow_message": "Il y a eu trop de tentatives. Veuillez réessayer dans {seconds} secondes.",
        "contact_missing": (
            "Saisissez l'adresse e-mail ou le numéro d'appareil auquel l'invitation a été envoyée."
        ),
    },
    "es": {
        "renew_intro": (
            "Puede pedir usted mismo una nueva invitación. Se enviará a la misma dirección de "
            "correo o número de dispositivo que esta, con un enlace y un código de activación "
            "nuevos."
        ),
        "renew_button": "Enviarme una nueva invitación",
        "renewed_title": "Su nueva invitación está en camino",
        "renewed_message": (
            "Se ha enviado a la misma dirección de correo o número de dispositivo que la "
            "invitación caducada. Use el enlace o el código del nuevo mensaje; los anteriores ya "
            "no son válidos."
        ),
        "renew_limit": (
            "Hoy ya se ha pedido varias veces una nueva invitación. Vuelva a intentarlo mañana o "
            "consulte a su administrador."
        ),
        "renew_unavailable": (
            "No es posible pedir una nueva invitación para esta cuenta. Consulte a su "
            "administrador."
        ),
        "title": "Activar MultiLine",
        "welcome": "Le damos la bienvenida, {first_name}.",
        "invited": "{organization} le invita a usar MultiLine.",
        "your_number": "Su número MultiLine:",
        "pick": "Elija su número MultiLine",
        "none_left": (
            "En este momento no hay ningún número disponible. Vuelva a intentarlo más tarde o "
            "consulte a su administrador."
        ),
        "activate": "Activar MultiLine",
        "expires": "Esta invitación caduca el {date} y solo puede usarse una vez.",
        "taken": "Otra persona acaba de elegir el número {number}. Elija otro, por favor.",
        "pick_one": "Elija uno de los números ofrecidos.",
        "done_title": "MultiLine está activo",
        "done_number": "Su número MultiLine es el",
        "done_next": (
            "Abra la aplicación MultiLine en su teléfono e inicie sesión para llamar y enviar "
            "mensajes con su número de {organization}."
        ),
        "gone_expired": "Esta invitación ha caducado",
        "gone_used": "Esta invitación ya se ha usado",
        "gone_replaced": "Esta invitación ha sido sustituida",
        "gone_other": "Esta invitación no se puede usar",
        "msg_expired": "Caducó el {date}.",
        "msg_used": (
            "MultiLine ya está activo en esta cuenta. Si no ha sido usted, póngase en contacto "
            "con su administrador."
        ),
        "msg_replaced": (
            "Se ha enviado una invitación más reciente: use el enlace del último correo o SMS que "
            "haya recibido."
        ),
        "msg_invalid": "Este enlace no es válido. Abra el enlace completo de su invitación.",
        "msg_locked": "Se han probado demasiados códigos incorrectos para esta invitación.",
        "msg_other": "Esta invitación ya no se puede usar.",
        "how_new": (
            "Para recibir una nueva invitación, pida a su administrador de MultiLine que se la "
            "vuelva a enviar. El nuevo correo o SMS incluirá un enlace y un código de activación "
            "nuevos."
        ),
        "code_title": "Activar MultiLine con un código",
        "code_intro": (
            "Introduzca la dirección de correo o el número de dispositivo al que se envió su "
            "invitación y el código de activación de 8 dígitos que contiene."
        ),
        "contact": "Correo o número de dispositivo",
        "code": "Código de activación",
        "continue": "Continuar",
        "code_wrong": (
            "Este código no corresponde a ninguna invitación enviada a esa dirección. Compruebe "
            "ambos datos o use el enlace de la invitación."
        ),
        "code_format": "El código de activación tiene 8 dígitos.",
        "slow_title": "Espere un momento, por favor",
        "slow_message": (
            "Ha habido demasiados intentos. Vuelva a intentarlo dentro de {seconds} segundos."
        ),
        "contact_missing": (
            "Introduzca la dirección de correo o el número de dispositivo al que se envió la "
            "invitación."
        ),
    },
}

GONE_TITLE = {"expired": "gone_expired", "used": "gone_used", "replaced": "gone_replaced"}
GONE_MESSAGE = {
    "expired": "msg_expired",
    "used": "msg_used",
    "replaced": "msg_replaced",
    "invalid": "msg_invalid",
    "locked": "msg_locked",
}


def text_for(language: str) -> dict[str, str]:
    return TEXT.get(language) or TEXT["en"]
