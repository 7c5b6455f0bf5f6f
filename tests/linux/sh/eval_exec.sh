# eval, exec in a subshell, command, type
cmd='echo evaluated $((1 + 1))'
eval "$cmd"
v=x; eval "$v=42"; echo $x
(exec echo exec replaced the subshell)
echo after
command echo via command
type echo cd | sed 's/ is a .*builtin/ builtin/'
sh -c 'exec sh -c "echo nested exec; exit 3"'; echo "status $?"
