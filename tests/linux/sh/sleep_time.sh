# sleeping for short times (no output depends on the clock)
sleep 0.2; echo slept
usleep 100000; echo usleep
sleep 0; echo zero
