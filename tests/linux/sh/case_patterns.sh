# case with patterns, fall through default, quoting
match() {
    case "$1" in
    "") echo empty ;;
    *.tar.gz|*.tgz) echo tarball ;;
    [A-Z]*) echo capital ;;
    ?) echo single ;;
    *\ *) echo has-space ;;
    *) echo other ;;
    esac
}
for w in "" a.tgz x.tar.gz Hello z "a b" other; do match "$w"; done
