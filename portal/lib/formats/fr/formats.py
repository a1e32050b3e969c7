# "8 décembre 2026 à 14:30".
DATE_FORMAT = "j F Y"
DATETIME_FORMAT = r"j F Y \à H:i"
