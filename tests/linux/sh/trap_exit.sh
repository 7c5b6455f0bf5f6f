# trap on EXIT, reset with trap -
trap 'echo bye' EXIT
echo hello
(trap 'echo sub bye' EXIT; echo in subshell)
trap - EXIT
trap 'echo final bye' EXIT
echo end
