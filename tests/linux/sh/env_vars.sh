# the environment the runner gives: PATH, HOME, TZ, cwd, exported variables
echo "PATH=$PATH"
echo "HOME=$HOME"
echo "TZ=$TZ"
pwd
env | grep -E '^(PATH|HOME|TZ)=' | sort
export FOO=bar
env | grep '^FOO='
sh -c 'echo "child sees $FOO"'
BAZ=temp sh -c 'echo "one-shot $BAZ"'
echo "after: [${BAZ}]"
unset FOO; sh -c 'echo "unset: [$FOO]"'
