# date on fixed times (never the current one), cal
date -u -d @0
date -u -d @1234567890 '+%Y-%m-%d %H:%M:%S %j %a %b'
date -u -d '2000-02-29 12:34:56' +%s
TZ=UTC date -d @86400 +%A
cal 2 2024
