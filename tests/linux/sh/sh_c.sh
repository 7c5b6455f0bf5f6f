# sh -c with arguments, $0, exit statuses of child shells
sh -c 'echo "$0 $1 $2"' name arg1 arg2
sh -c 'exit 42'; echo $?
sh -c 'false'; echo $?
sh -c 'kill -TERM $$'; echo $?
sh -c 'kill -KILL $$'; echo $?
sh -c 'echo to stderr >&2'
