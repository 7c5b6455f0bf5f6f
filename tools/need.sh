#!/bin/sh
# Makes sure host commands exist. Arguments: command:debian-package pairs.
# As root, installs what is missing with apt-get; otherwise prints the exact
# command to run and fails.
missing=""
for pair in "$@"; do
    cmd=${pair%%:*}
    pkg=${pair#*:}
    if ! command -v "$cmd" >/dev/null 2>&1 && ! [ -e "$cmd" ]; then
        case " $missing " in *" $pkg "*) ;; *) missing="$missing $pkg" ;; esac
    fi
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ]; then
    echo "need.sh: installing$missing" >&2
    export DEBIAN_FRONTEND=noninteractive
    if ! apt-get install -y -q --no-install-recommends $missing >&2; then
        apt-get update -q >&2 && apt-get install -y -q --no-install-recommends $missing >&2 || exit 1
    fi
    exit 0
fi
echo "Missing packages. Run:  sudo apt-get install$missing" >&2
exit 1
