# "8 dicembre 2026, 14:30" (Django's: "08 Dicembre 2026", and the weekday before the date and time).
DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y, H:i"
