# Dates as a European bank's admins write them in English: "8 December 2026, 14:30" (Django's own
# English formats are American: "Dec. 8, 2026, 2:30 p.m.").
DATE_FORMAT = "j F Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "j F Y, H:i"
SHORT_DATE_FORMAT = "d/m/Y"
SHORT_DATETIME_FORMAT = "d/m/Y H:i"
