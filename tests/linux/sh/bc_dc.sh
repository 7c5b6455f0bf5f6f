# the calculators
echo '2^64' | bc
echo 'scale=10; 4*a(1)' | bc -l
echo '1 2 + p' | dc
echo '12345 * 6789' | bc
echo '17 % 5' | bc
