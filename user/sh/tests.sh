# Tests of the shell and its utilities, for the shell itself: sh tests.sh
# Prints the plan (TAP "1..N") and a "# section" line as each part starts;
# the results, "ok N - what" or "not ok N - what", are collected in
# /tmp/sh_res (few processes per test: memory for children is scarce) and
# printed at the end with a summary. The exit status is 0 only if every
# test passed and all 46 results were written. Uses files /tmp/sh_*.
> /tmp/sh_res
echo 1..46

# echo
echo "# echo"
echo hello world | grep -qx "hello world" && echo ok 1 - echo >> /tmp/sh_res || echo not ok 1 - echo >> /tmp/sh_res
echo -n ab | wc -c | grep -qx 2 && echo ok 2 - "echo -n" >> /tmp/sh_res || echo not ok 2 - "echo -n" >> /tmp/sh_res

# wc
echo "# wc"
echo hi | wc -c | grep -qx 3 && echo ok 3 - "wc -c" >> /tmp/sh_res || echo not ok 3 - "wc -c" >> /tmp/sh_res
echo "a b  c" | wc | grep -qx "1 3 7" && echo ok 4 - "wc stdin" >> /tmp/sh_res || echo not ok 4 - "wc stdin" >> /tmp/sh_res
echo "one two" > /tmp/sh_f1
wc /tmp/sh_f1 | grep -qx "1 2 8 /tmp/sh_f1" && echo ok 5 - "wc file" >> /tmp/sh_res || echo not ok 5 - "wc file" >> /tmp/sh_res
cat /tmp/sh_f1 /tmp/sh_f1 | wc -l | grep -qx 2 && echo ok 6 - "wc -l, cat of two files" >> /tmp/sh_res || echo not ok 6 - "wc -l, cat of two files" >> /tmp/sh_res
wc -w /tmp/sh_f1 | grep -qx "2 /tmp/sh_f1" && echo ok 7 - "wc -w file" >> /tmp/sh_res || echo not ok 7 - "wc -w file" >> /tmp/sh_res

# redirection
echo "# redirection"
echo abc > /tmp/sh_f2
cat /tmp/sh_f2 | grep -qx abc && echo ok 8 - "> file" >> /tmp/sh_res || echo not ok 8 - "> file" >> /tmp/sh_res
echo def >> /tmp/sh_f2
wc -l < /tmp/sh_f2 | grep -qx 2 && echo ok 9 - ">> file, < file" >> /tmp/sh_res || echo not ok 9 - ">> file, < file" >> /tmp/sh_res
grep -qx def < /tmp/sh_f2 && echo ok 10 - "< file" >> /tmp/sh_res || echo not ok 10 - "< file" >> /tmp/sh_res
echo x > /tmp/sh_f2
wc -c < /tmp/sh_f2 | grep -qx 2 && echo ok 11 - "> truncates" >> /tmp/sh_res || echo not ok 11 - "> truncates" >> /tmp/sh_res
> /tmp/sh_f2
wc -c < /tmp/sh_f2 | grep -qx 0 && echo ok 12 - "redirection alone" >> /tmp/sh_res || echo not ok 12 - "redirection alone" >> /tmp/sh_res
cat 2> /tmp/sh_err < /tmp/sh_nonexistent
grep -q "cannot open" /tmp/sh_err && echo ok 13 - "< missing file" >> /tmp/sh_res || echo not ok 13 - "< missing file" >> /tmp/sh_res
nosuchcmd 2>&1 | grep -q "nosuchcmd: not found" && echo ok 14 - "2>&1, not found" >> /tmp/sh_res || echo not ok 14 - "2>&1, not found" >> /tmp/sh_res

# $? and exit statuses
echo "# exit statuses"
false; echo $? | grep -qx 1 && echo ok 15 - "false, \$?" >> /tmp/sh_res || echo not ok 15 - "false, \$?" >> /tmp/sh_res
true; echo $? | grep -qx 0 && echo ok 16 - "true, \$?" >> /tmp/sh_res || echo not ok 16 - "true, \$?" >> /tmp/sh_res
nosuchcmd 2> /tmp/sh_err; echo $? | grep -qx 127 && echo ok 17 - "not found is 127" >> /tmp/sh_res || echo not ok 17 - "not found is 127" >> /tmp/sh_res
true | false; echo $? | grep -qx 1 && echo ok 18 - "pipeline status is the last" >> /tmp/sh_res || echo not ok 18 - "pipeline status is the last" >> /tmp/sh_res
false | true && echo ok 19 - "pipeline status is the last (2)" >> /tmp/sh_res || echo not ok 19 - "pipeline status is the last (2)" >> /tmp/sh_res
sh -c "exit 3"; echo $? | grep -qx 3 && echo ok 20 - "sh -c, exit N" >> /tmp/sh_res || echo not ok 20 - "sh -c, exit N" >> /tmp/sh_res
sh -c "exit 7; echo no" | wc -c | grep -qx 0 && echo ok 21 - "exit stops" >> /tmp/sh_res || echo not ok 21 - "exit stops" >> /tmp/sh_res
true && false || echo yes | grep -qx yes && echo ok 22 - "&& and ||" >> /tmp/sh_res || echo not ok 22 - "&& and ||" >> /tmp/sh_res

# pipelines
echo "# pipelines"
echo a > /tmp/sh_f3; echo b1 >> /tmp/sh_f3; echo b2 >> /tmp/sh_f3
cat /tmp/sh_f3 | grep b | wc -l | grep -qx 2 && echo ok 23 - "4-stage pipeline" >> /tmp/sh_res || echo not ok 23 - "4-stage pipeline" >> /tmp/sh_res
cat < /tmp/sh_f3 | cat | cat | cat | wc -l > /tmp/sh_f4
grep -qx 3 /tmp/sh_f4 && echo ok 24 - "pipeline with < and >" >> /tmp/sh_res || echo not ok 24 - "pipeline with < and >" >> /tmp/sh_res

# quoting and arguments
echo "# quoting and arguments"
echo 'a  b' "c  d" | grep -qx "a  b c  d" && echo ok 25 - quotes >> /tmp/sh_res || echo not ok 25 - quotes >> /tmp/sh_res
echo '$?' | grep -qx '$?' && echo ok 26 - "no expansion in '...'" >> /tmp/sh_res || echo not ok 26 - "no expansion in '...'" >> /tmp/sh_res
false; echo "s=$?" | grep -qx "s=1" && echo ok 27 - "expansion in double quotes" >> /tmp/sh_res || echo not ok 27 - "expansion in double quotes" >> /tmp/sh_res
echo 'echo $# $1 $2' > /tmp/sh_s
sh /tmp/sh_s x "y z" | grep -qx "2 x y z" && echo ok 28 - "script arguments" >> /tmp/sh_res || echo not ok 28 - "script arguments" >> /tmp/sh_res
sh -c 'echo $0 $1' name arg | grep -qx "name arg" && echo ok 29 - "sh -c arguments" >> /tmp/sh_res || echo not ok 29 - "sh -c arguments" >> /tmp/sh_res

# cd and pwd
echo "# cd and pwd"
cd /tmp && pwd | grep -qx /tmp && echo ok 30 - "cd, pwd" >> /tmp/sh_res || echo not ok 30 - "cd, pwd" >> /tmp/sh_res
echo rel > sh_rel
cat /tmp/sh_rel | grep -qx rel && echo ok 31 - "relative path after cd" >> /tmp/sh_res || echo not ok 31 - "relative path after cd" >> /tmp/sh_res
cd ..; pwd | grep -qx / && echo ok 32 - "cd .." >> /tmp/sh_res || echo not ok 32 - "cd .." >> /tmp/sh_res
cd /sh_nonexistent 2> /tmp/sh_err; echo $? | grep -qx 1 && echo ok 33 - "cd to a missing directory fails" >> /tmp/sh_res || echo not ok 33 - "cd to a missing directory fails" >> /tmp/sh_res
cd /

# ls
echo "# ls"
ls /bin | grep -qx sh && echo ok 34 - ls >> /tmp/sh_res || echo not ok 34 - ls >> /tmp/sh_res
cd /tmp; ls | grep -qx sh_f1 && echo ok 35 - "ls of the working directory" >> /tmp/sh_res || echo not ok 35 - "ls of the working directory" >> /tmp/sh_res
cd /
ls -l /tmp | grep -q " 8 sh_f1" && echo ok 36 - "ls -l" >> /tmp/sh_res || echo not ok 36 - "ls -l" >> /tmp/sh_res

# grep
echo "# grep"
grep zzz /tmp/sh_f3; echo $? | grep -qx 1 && echo ok 37 - "grep without a match is 1" >> /tmp/sh_res || echo not ok 37 - "grep without a match is 1" >> /tmp/sh_res
grep -c b /tmp/sh_f3 | grep -qx 2 && echo ok 38 - "grep -c" >> /tmp/sh_res || echo not ok 38 - "grep -c" >> /tmp/sh_res
grep -v b /tmp/sh_f3 | grep -qx a && echo ok 39 - "grep -v" >> /tmp/sh_res || echo not ok 39 - "grep -v" >> /tmp/sh_res

# cat
echo "# cat"
cat /tmp/sh_nonexistent 2> /tmp/sh_err; echo $? | grep -qx 1 && echo ok 40 - "cat of a missing file is 1" >> /tmp/sh_res || echo not ok 40 - "cat of a missing file is 1" >> /tmp/sh_res

# processes: background jobs, wait, sleep, ps, kill
echo "# processes: background jobs, wait, sleep, ps, kill"
sleep 0.1 & wait $!; echo $? | grep -qx 0 && echo ok 41 - "background job, wait" >> /tmp/sh_res || echo not ok 41 - "background job, wait" >> /tmp/sh_res
ps | grep -q "running ps" && echo ok 42 - ps >> /tmp/sh_res || echo not ok 42 - ps >> /tmp/sh_res
sleep 30 & kill $!; wait $!; echo $? | grep -qx 143 && echo ok 43 - "kill" >> /tmp/sh_res || echo not ok 43 - "kill" >> /tmp/sh_res
sleep 30 & kill -9 $!; wait $!; echo $? | grep -qx 137 && echo ok 44 - "kill -9" >> /tmp/sh_res || echo not ok 44 - "kill -9" >> /tmp/sh_res
# (the job may take a while to be asleep on a loaded host: look again, up to ~10 s)
sleep 30 & sleep 0.1; ps | grep -q "sleeping sleep" || sleep 1; ps | grep -q "sleeping sleep" || sleep 3; ps | grep -q "sleeping sleep" || sleep 6; ps | grep -q "sleeping sleep" && echo ok 45 - "ps: a sleeping process" >> /tmp/sh_res || echo not ok 45 - "ps: a sleeping process" >> /tmp/sh_res
kill -INT $!; wait $!; echo $? | grep -qx 130 && echo ok 46 - "kill -INT" >> /tmp/sh_res || echo not ok 46 - "kill -INT" >> /tmp/sh_res

# results and summary: every check must have written its line (one that
# never ran, or whose line was lost, is a failure too)
cat /tmp/sh_res
echo -n "# passed: "; grep -vc "not ok" /tmp/sh_res
echo -n "# failed: "; grep -c "not ok" /tmp/sh_res
echo -n "# results written: "; wc -l < /tmp/sh_res
grep -q "not ok" /tmp/sh_res && exit 1
grep -vc "not ok" /tmp/sh_res | grep -qx 46 && exit 0
echo "# not ok: fewer than the 46 results were written"
exit 1
