# processing arguments with shift in a while loop
set -- -v --name=foo bar -x baz
while [ $# -gt 0 ]; do
    case $1 in
    --name=*) echo "name ${1#--name=}" ;;
    -*) echo "option $1" ;;
    *) echo "operand $1" ;;
    esac
    shift
done
echo "left $#"
