# bzip2 and lzop round trips, xz and lzma decompression
seq 20000 | bzip2 -c | bunzip2 -c | tail -n 1
seq 20000 | bzip2 -c | bzcat | wc -l
# (busybox only decompresses xz and lzma: these are seq 100, compressed on Linux)
base64 -d <<EOF | unxz -c | md5sum
/Td6WFoAAATm1rRGAgAhARYAAAB0L+Wj4AEjAJNdABiCgo8iTvimVffwmaUlDZBFkVpRtJvKrNwF
MuyFUp+xSG3v3OhLuWG64JxTf5jIqVQO/D0q0wbXZkQ9VmSmzT3Xxx9E9BjfAgs/4sbGe+Hnf3lE
HHm3Qq5luBu1DoThmoIGIzlaf3KqQ/qlmh+SwL5FcXlK1ZPGkAo5rZxlhyq2GjjH4ZMXytA+Ceqw
Uu/rqot4AAAAKrjmrZZce1oAAa8BpAIAAGoE8texxGf7AgAAAAAEWVo=
EOF
base64 -d <<EOF | unlzma -c | tail -n 2
XQAAgAD//////////wAYgoKPIk74plX38JmlJQ2QRZFaUbSbyqzcBTLshVKfsUht79zoS7lhuuCc
U3+YyKlUDvw9KtMG12ZEPVZkps0918cfRPQY3wILP+LGxnvh5395RBx5t0KuZbgbtQ6E4ZqCBiM5
Wn9yqkP6pZofksC+RXF5StWTxpAKOa2cZYcqtho4x+GTF8rQPgnqsFLv7B0B73//wcYQAA==
EOF
seq 100 | md5sum
seq 5000 | lzop -c | lzop -dc | md5sum
seq 5000 | md5sum
