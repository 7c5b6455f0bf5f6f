# identity: uid 0, the system name
id -u
id -g
uname -s
uname -m
[ "$(id -u)" = 0 ] && echo root
